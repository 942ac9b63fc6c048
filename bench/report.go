package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// machine describes where the benchmark ran.
type machine struct {
	CPU       string
	Cores     int
	GoVersion string
	OS        string
	Commit    string
	Date      time.Time
}

// describeMachine describes this machine and the synthgen source: ref when
// the binary was built from one, else the working tree at root.
func describeMachine(ctx context.Context, root, ref string) machine {
	m := machine{CPU: "unknown", Cores: runtime.NumCPU(), OS: runtime.GOOS + "/" + runtime.GOARCH, Date: time.Now().UTC()}
	if f, err := os.Open("/proc/cpuinfo"); err == nil {
		n := 0
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			k, v, ok := strings.Cut(sc.Text(), ":")
			k = strings.TrimSpace(k)
			switch {
			case !ok:
			case k == "processor":
				n++
			case k == "model name" && m.CPU == "unknown":
				m.CPU = strings.TrimSpace(v)
			}
		}
		f.Close()
		if n > 0 {
			m.Cores = n
		}
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.OS += ", Linux " + strings.TrimSpace(string(b))
	}
	m.GoVersion = runtime.Version()
	if out, err := output(ctx, root, "go", "env", "GOVERSION"); err == nil {
		m.GoVersion = out
	}
	if ref != "" {
		if out, err := output(ctx, root, "git", "rev-parse", "--short=12", ref); err == nil {
			m.Commit = fmt.Sprintf("%s (-ref %s)", out, ref)
		}
	} else if out, err := output(ctx, root, "git", "describe", "--always", "--dirty", "--abbrev=12"); err == nil {
		m.Commit = out
	}
	return m
}

func output(ctx context.Context, dir, name string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	b, err := cmd.Output()
	return strings.TrimSpace(string(b)), err
}

// serverMode describes the mock server's capacity mode.
func serverMode(s runSpec) string {
	switch {
	case s.Capacity <= 0:
		return "-"
	case s.Queueing:
		return fmt.Sprintf("queue>%d", s.Capacity)
	default:
		return fmt.Sprintf("429>%d", s.Capacity)
	}
}

// mainTable is the table of every run.
func mainTable(results []*result, cores int) string {
	rows := [][]string{{
		"workload", "rows", "slots", "latency", "server", "written", "dropped", "requests", "429s",
		"wall s", "gen s", "T* s", "wall/T*", "gen/T*", "util", "peak", "CPU µs/req", "RSS MiB", "other load", "targets",
	}}
	for _, r := range results {
		check := "ok"
		if m := r.misses(); len(m) > 0 {
			check = "MISS " + strings.Join(m, ",")
		}
		rows = append(rows, []string{
			r.Spec.name(), count(r.RowsRequested), strconv.Itoa(r.Spec.Slots), r.Spec.Latency, serverMode(r.Spec),
			count(r.RowsWritten), count(r.RowsDropped), count64(r.Requests), count64(r.RateLimited),
			fmt.Sprintf("%.2f", r.Wall), fmt.Sprintf("%.2f", r.Gen), fmt.Sprintf("%.2f", r.TStar),
			fmt.Sprintf("%.3f", r.ratio()), fmt.Sprintf("%.3f", r.genRatio()),
			fmt.Sprintf("%.0f%%", 100*r.Utilisation), strconv.Itoa(r.PeakInFlight), fmt.Sprintf("%.0f", r.CPUPerRequest),
			fmt.Sprintf("%.0f", float64(r.MaxRSSKiB)/1024),
			fmt.Sprintf("%.0f%%", 100*safeDiv(r.OtherCPUSeconds+r.StealSeconds, r.Wall*float64(cores))), check,
		})
	}
	return markdownTable(rows, []bool{false, true, true, true, false, true, true, true, true, true, true, true, true, true, true, true, true, true, true, false})
}

// capacityTable is the table of the runs against a server capacity below
// the slots: throughput against the S-bound and client p99 against the knee.
func capacityTable(results []*result) string {
	rows := [][]string{{
		"workload", "rows", "slots", "server", "S-bound req/s", "achieved req/s", "of bound", "429s", "dropped",
		"client p99 s", "knee p99 s", "p99/knee",
	}}
	n := 0
	for _, r := range results {
		if r.Spec.Capacity <= 0 {
			continue
		}
		n++
		rows = append(rows, []string{
			r.Spec.name(), count(r.RowsRequested), strconv.Itoa(r.Spec.Slots), serverMode(r.Spec),
			fmt.Sprintf("%.1f", r.BoundThroughput), fmt.Sprintf("%.1f", r.Throughput),
			fmt.Sprintf("%.1f%%", 100*safeDiv(r.Throughput, r.BoundThroughput)),
			count64(r.RateLimited), count(r.RowsDropped),
			fmt.Sprintf("%.3f", r.ClientP99), fmt.Sprintf("%.3f", r.KneeP99),
			fmt.Sprintf("%.2f", safeDiv(r.ClientP99, r.KneeP99)),
		})
	}
	if n == 0 {
		return ""
	}
	return markdownTable(rows, []bool{false, true, true, false, true, true, true, true, true, true, true, true})
}

// notes are the per-run remarks worth a line: errors, rows lost without a
// failure record, request counts that differ from rows × calls.
func notes(results []*result) []string {
	var out []string
	for i, r := range results {
		id := fmt.Sprintf("run %d (%s, %s rows)", i+1, r.Spec.name(), count(r.RowsRequested))
		if r.Error != "" {
			out = append(out, fmt.Sprintf("%s: %s", id, r.Error))
		}
		if r.RowsDropped > 0 && r.FailureLines < r.RowsDropped && r.Error == "" {
			out = append(out, fmt.Sprintf("%s: %d rows missing but only %d in failures.jsonl", id, r.RowsDropped, r.FailureLines))
		}
		succeeded := r.Requests - r.RateLimited - r.OtherErrors
		if r.RowsDropped == 0 && r.Error == "" && succeeded != r.ExpectedRequests {
			out = append(out, fmt.Sprintf("%s: %d successful requests, expected rows × calls = %d", id, succeeded, r.ExpectedRequests))
		}
		if r.OtherErrors > 0 {
			out = append(out, fmt.Sprintf("%s: the server answered %d non-429 errors", id, r.OtherErrors))
		}
		if r.Spec.Capacity > 0 && r.PeakInFlight > r.Spec.Capacity && !r.Spec.Queueing {
			out = append(out, fmt.Sprintf("%s: peak in flight %d above capacity %d", id, r.PeakInFlight, r.Spec.Capacity))
		}
	}
	return out
}

// rssGrowth compares peak RSS of the big workload at its largest and smallest
// sizes (target: within 2×).
func rssGrowth(results []*result) string {
	var small, large *result
	for _, r := range results {
		if r.Spec.Workload != "big" || r.MaxRSSKiB == 0 {
			continue
		}
		if small == nil || r.RowsRequested < small.RowsRequested {
			small = r
		}
		if large == nil || r.RowsRequested > large.RowsRequested {
			large = r
		}
	}
	if small == nil || small == large {
		return ""
	}
	g := float64(large.MaxRSSKiB) / float64(small.MaxRSSKiB)
	verdict := "ok"
	if g > 2 {
		verdict = "MISS"
	}
	return fmt.Sprintf("Peak RSS of big at %s rows ÷ at %s rows: %.0f MiB ÷ %.0f MiB = %.2f× (target ≤ 2×, traces on): %s.",
		count(large.RowsRequested), count(small.RowsRequested), float64(large.MaxRSSKiB)/1024, float64(small.MaxRSSKiB)/1024, g, verdict)
}

// markdownTable renders rows (the first is the header) as a Markdown table
// with padded cells, readable as plain text too.
func markdownTable(rows [][]string, right []bool) string {
	widths := make([]int, len(rows[0]))
	for _, row := range rows {
		for i, c := range row {
			widths[i] = max(widths[i], utf8.RuneCountInString(c), 3)
		}
	}
	var b strings.Builder
	line := func(cells []string) {
		b.WriteString("|")
		for i, c := range cells {
			pad := strings.Repeat(" ", widths[i]-utf8.RuneCountInString(c))
			if right[i] {
				b.WriteString(" " + pad + c + " |")
			} else {
				b.WriteString(" " + c + pad + " |")
			}
		}
		b.WriteString("\n")
	}
	line(rows[0])
	sep := make([]string, len(widths))
	for i, w := range widths {
		if right[i] {
			sep[i] = strings.Repeat("-", w-1) + ":"
		} else {
			sep[i] = strings.Repeat("-", w)
		}
	}
	line(sep)
	for _, row := range rows[1:] {
		line(row)
	}
	return b.String()
}

// count formats n with thin thousands separators (1,000,000).
func count(n int) string { return count64(int64(n)) }

func count64(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	if neg {
		s = "-" + s
	}
	return s
}

// report is the full text of a set of runs: tables, notes and commands.
type report struct {
	Machine  machine
	Command  string // the harness command line
	Results  []*result
	Planned  int // runs planned (the report may be written before all ran)
	Started  time.Time
	Finished time.Time // zero while running
}

func (rp *report) tables() string {
	var b strings.Builder
	b.WriteString(mainTable(rp.Results, rp.Machine.Cores))
	busy := 0
	for _, r := range rp.Results {
		if r.busyMachine(rp.Machine.Cores) {
			busy++
		}
	}
	if busy > 0 {
		fmt.Fprintf(&b, "\n**%d of %d runs shared the machine with other work** (other load > 10%%): their times, ratios and utilisation are unreliable. Rerun on a quiet machine.\n", busy, len(rp.Results))
	}
	if t := capacityTable(rp.Results); t != "" {
		b.WriteString("\nRuns against a server capacity below the slots (throughput of the bottleneck model; S-bound = capacity ÷ mean latency; target ≥ 90% with 429s, none stated for queueing):\n\n")
		b.WriteString(t)
	}
	if g := rssGrowth(rp.Results); g != "" {
		b.WriteString("\n" + g + "\n")
	}
	if n := notes(rp.Results); len(n) > 0 {
		b.WriteString("\nNotes:\n\n")
		for _, l := range n {
			b.WriteString("- " + l + "\n")
		}
	}
	return b.String()
}

// markdown is RESULTS.md.
func (rp *report) markdown() string {
	var b strings.Builder
	b.WriteString("# Benchmark results\n\n")
	b.WriteString("Written by `bench/` (see bench/README.md for what each column means and how T* is defined). ")
	b.WriteString("Each run: a fresh `synthgen mock-server` process with the latency model and capacity mode shown, ")
	b.WriteString("then `synthgen create` as a child process against it over loopback HTTP, traces on.\n\n")
	if rp.Finished.IsZero() {
		fmt.Fprintf(&b, "**Incomplete: %d of %d runs so far.**\n\n", len(rp.Results), rp.Planned)
	}
	m := rp.Machine
	b.WriteString("## Machine\n\n")
	fmt.Fprintf(&b, "- CPU: %s, %d cores (/proc/cpuinfo)\n", m.CPU, m.Cores)
	fmt.Fprintf(&b, "- OS: %s\n", m.OS)
	fmt.Fprintf(&b, "- Go: %s\n", m.GoVersion)
	if m.Commit != "" {
		fmt.Fprintf(&b, "- synthgen: %s", m.Commit)
		if strings.HasSuffix(m.Commit, "-dirty") {
			b.WriteString(" (built from a working tree with uncommitted changes)")
		}
		b.WriteString("\n")
	}
	fmt.Fprintf(&b, "- Date: %s", m.Date.Format("2006-01-02 15:04 MST"))
	if !rp.Finished.IsZero() {
		fmt.Fprintf(&b, " (%d run(s) in %s)", len(rp.Results), rp.Finished.Sub(rp.Started).Round(time.Second))
	}
	b.WriteString("\n\nThe mock server, synthgen and the harness share these cores, so at high request rates the ")
	b.WriteString("figures measure the machine as much as the engine.\n\n")
	b.WriteString("## Command\n\n```sh\n" + rp.Command + "\n```\n\n")
	b.WriteString("## Results\n\n")
	b.WriteString(rp.tables())
	b.WriteString("\n## Runs\n\n")
	b.WriteString("`$WORK` is the harness's scratch folder. The configs are generated from the workload ")
	b.WriteString("definitions in bench/workload.go; print one with `go run ./bench -workload NAME -print-config`.\n\n")
	for i, r := range rp.Results {
		fmt.Fprintf(&b, "%d. %s: %s\n\n   ```sh\n   %s &\n   %s\n   ```\n\n", i+1, r.Spec.name(), describeSpec(r.Spec), r.ServerCommand, r.Command)
	}
	return b.String()
}

func describeSpec(s runSpec) string {
	parts := []string{fmt.Sprintf("%s rows", count(s.Rows)), fmt.Sprintf("%d slots", s.Slots), "latency " + s.Latency}
	if s.Capacity > 0 {
		parts = append(parts, "server "+serverMode(s))
	}
	if s.NoLatencySignal {
		parts = append(parts, "latency signal off")
	}
	if s.NoSpans {
		parts = append(parts, "spans off")
	}
	if s.BufferSize > 0 {
		parts = append(parts, fmt.Sprintf("buffer_size %d", s.BufferSize))
	}
	return strings.Join(parts, ", ")
}

// writeFileAtomic writes data to path through a temporary file and a rename.
func writeFileAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".results-*")
	if err != nil {
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return os.Rename(tmp.Name(), path)
}
