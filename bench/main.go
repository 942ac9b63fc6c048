// Command bench measures synthgen against the spec's performance targets
// (spec/engine.md, "Performance targets"): it builds the synthgen binary,
// starts `synthgen mock-server` as a separate process with a latency model,
// runs `synthgen create` on a generated workload config as a child process,
// and reports wall time against T*, server-side slot utilisation, client CPU
// per request, peak RSS, 429s and dropped rows.
//
//	go run ./bench -workload narrow -rows 10000 -slots 64 -latency 100ms
//	go run ./bench -suite standard            # every workload; writes bench/RESULTS.md
//
// See bench/README.md.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// options are the command-line flags.
type options struct {
	workload    string
	spec        runSpec
	suite       string
	suiteCfg    suiteConfig
	results     string
	jsonOut     string
	bin         string
	ref         string
	keep        bool
	cpuProfile  bool
	printConfig bool
	dryRun      bool
}

// suiteConfig sizes the standard suite.
type suiteConfig struct {
	Shapes    []string
	Points    []point  // rows × slots
	Latencies []string // mock-server --latency values
	BigRows   []int    // the big workload at these sizes (peak RSS compared between the smallest and largest)
	BigSlots  int
	BigLat    string
	// The capacity runs: the narrow chain against a server capacity below
	// the client's slots, answering 429 (ratelimit) or queueing.
	CapRows     int
	CapSlots    int
	CapCapacity int
	CapLatency  string
}

type point struct{ Rows, Slots int }

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	o, err := parseFlags(args, stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintln(stderr, "bench:", err)
		return 2
	}
	if o.printConfig {
		spec, w, err := resolve(o.spec)
		if err != nil {
			fmt.Fprintln(stderr, "bench:", err)
			return 2
		}
		// The mock server's default address, and the demo MCP server where
		// its README builds it (relative to the config's folder).
		fmt.Fprint(stdout, w.config(configParams{Endpoint: "http://127.0.0.1:8000/v1", Slots: spec.Slots, DemoMCP: "bin/demo-mcp", BufferSize: spec.BufferSize, NoSpans: spec.NoSpans}))
		return 0
	}
	specs := []runSpec{o.spec}
	if o.suite != "" {
		specs = o.suiteCfg.specs()
		for i := range specs { // the run flags that apply to every run of a suite
			specs[i].Timeout, specs[i].BufferSize, specs[i].RetryAfter = o.spec.Timeout, o.spec.BufferSize, o.spec.RetryAfter
			specs[i].NoLatencySignal, specs[i].NoSpans = o.spec.NoLatencySignal, o.spec.NoSpans
		}
	}
	var total time.Duration
	for i, s := range specs {
		t, err := plannedTStar(s)
		if err != nil {
			fmt.Fprintln(stderr, "bench:", err)
			return 2
		}
		total += t
		if o.dryRun {
			rs, _, _ := resolve(s)
			fmt.Fprintf(stdout, "%3d. %-10s %s: T* %.2fs\n", i+1, rs.name(), describeSpec(rs), t.Seconds())
		}
	}
	if o.dryRun {
		fmt.Fprintf(stdout, "%d run(s), Σ T* = %s\n", len(specs), total.Round(time.Second))
		return 0
	}
	if err := execute(ctx, o, specs, total, stdout, stderr); err != nil {
		fmt.Fprintln(stderr, "bench:", err)
		return 1
	}
	return 0
}

func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage:\n  go run ./bench [-workload NAME] [-rows N] [-slots N] [-latency D] [flags]\n  go run ./bench -suite standard [suite flags]\n\n"+
			"Workloads: %s.\n\nFlags:\n", strings.Join(workloadNames, ", "))
		fs.PrintDefaults()
	}
	fs.StringVar(&o.spec.Workload, "workload", "narrow", "the workload of a single run: "+strings.Join(workloadNames, ", "))
	fs.IntVar(&o.spec.Rows, "rows", 0, "rows to generate (default: the workload's, 1,000; big: 1,000,000)")
	fs.IntVar(&o.spec.Slots, "slots", 0, "max_parallel_requests of every model (default: the workload's, 64; big: 1,024)")
	fs.StringVar(&o.spec.Latency, "latency", "", "mock-server latency: a duration or DIST:key=value,... (default: the workload's, 100ms; big: 20ms)")
	fs.IntVar(&o.spec.Capacity, "capacity", 0, "mock-server --capacity: concurrent requests per model above which it answers 429 (default 0, unlimited; ratelimit and queueing: slots/4)")
	fs.BoolVar(&o.spec.Queueing, "queueing", false, "mock-server --queueing: above -capacity, queue instead of answering 429 (on for the queueing workload)")
	fs.Float64Var(&o.spec.RetryAfter, "retry-after", 0, "mock-server --retry-after seconds (default: the server sends the mean latency with capacity 429s)")
	fs.IntVar(&o.spec.BufferSize, "buffer-size", 0, "run_config.buffer_size (default: synthgen's)")
	fs.BoolVar(&o.spec.NoLatencySignal, "no-latency-signal", false, "run_config.request_admission.latency_signal: false")
	fs.BoolVar(&o.spec.NoSpans, "no-spans", false, "run_config.write_spans: false (no span log; to measure its overhead)")
	fs.StringVar(&o.spec.Timeout, "timeout", "", "time limit of each run (default 10×T* + 2m); synthgen is interrupted past it")
	fs.StringVar(&o.suite, "suite", "", "run a suite instead of one workload: standard")
	shapes := fs.String("shapes", strings.Join(shapeNames, ","), "suite: the workloads run at every point and latency")
	points := fs.String("points", "1000x16,10000x256", "suite: ROWSxSLOTS points for each shape")
	lats := fs.String("latencies", "20ms,100ms", "suite: mock-server latencies for each shape and point")
	bigRows := fs.String("big-rows", "10000,100000", "suite: sizes of the big workload, comma-separated (peak RSS is compared between the smallest and largest; the spec's target is at 1000000); empty skips it")
	fs.IntVar(&o.suiteCfg.BigSlots, "big-slots", 1024, "suite: slots of the big workload")
	fs.StringVar(&o.suiteCfg.BigLat, "big-latency", "20ms", "suite: latency of the big workload")
	fs.IntVar(&o.suiteCfg.CapRows, "cap-rows", 2000, "suite: rows of the ratelimit and queueing runs (0 skips them)")
	fs.IntVar(&o.suiteCfg.CapSlots, "cap-slots", 64, "suite: client slots of the ratelimit and queueing runs")
	fs.IntVar(&o.suiteCfg.CapCapacity, "cap-capacity", 16, "suite: server capacity of the ratelimit and queueing runs")
	fs.StringVar(&o.suiteCfg.CapLatency, "cap-latency", "50ms", "suite: latency of the ratelimit and queueing runs")
	fs.StringVar(&o.results, "results", "", "write the Markdown report (machine, commands, tables) here (default: bench/RESULTS.md for a suite, none for a single run; - for none)")
	fs.StringVar(&o.jsonOut, "json", "", "also write every run's figures as JSON to this file")
	fs.StringVar(&o.bin, "synthgen", "", "use this synthgen binary instead of building ./cmd/synthgen")
	fs.StringVar(&o.ref, "ref", "", "build synthgen (and demo-mcp) from this git commit or branch (exported with git archive) instead of the working tree")
	fs.BoolVar(&o.keep, "keep", false, "keep the scratch folder (configs, datasets, logs) and print its path")
	fs.BoolVar(&o.cpuProfile, "cpuprofile", false, "also write a CPU profile of each synthgen run (cpu.pprof in its folder, via SYNTHGEN_CPUPROFILE; keep the folders with -keep)")
	fs.BoolVar(&o.printConfig, "print-config", false, "print the workload's synthgen config and exit")
	fs.BoolVar(&o.dryRun, "dry-run", false, "list the runs with their T* and exit")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	switch o.suite {
	case "", "standard":
	default:
		return o, fmt.Errorf("unknown suite %q; known: standard", o.suite)
	}
	if _, _, err := resolve(o.spec); err != nil {
		return o, err
	}
	if o.spec.Timeout != "" {
		if d, err := time.ParseDuration(o.spec.Timeout); err != nil || d <= 0 {
			return o, fmt.Errorf("-timeout: %q is not a positive duration", o.spec.Timeout)
		}
	}
	var err error
	o.suiteCfg.Shapes = splitList(*shapes)
	for _, s := range o.suiteCfg.Shapes {
		if _, err := lookupWorkload(s); err != nil {
			return o, fmt.Errorf("-shapes: %w", err)
		}
	}
	if o.suiteCfg.Points, err = parsePoints(*points); err != nil {
		return o, fmt.Errorf("-points: %w", err)
	}
	o.suiteCfg.Latencies = splitList(*lats)
	for _, s := range splitList(*bigRows) {
		n, err := strconv.Atoi(strings.ReplaceAll(s, "_", ""))
		if err != nil || n <= 0 {
			return o, fmt.Errorf("-big-rows: %q is not a positive number", s)
		}
		o.suiteCfg.BigRows = append(o.suiteCfg.BigRows, n)
	}
	if o.bin != "" && o.ref != "" {
		return o, errors.New("-synthgen and -ref exclude each other")
	}
	if o.bin != "" {
		if o.bin, err = filepath.Abs(o.bin); err != nil {
			return o, err
		}
	}
	return o, nil
}

func splitList(s string) []string {
	var out []string
	for p := range strings.SplitSeq(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func parsePoints(s string) ([]point, error) {
	var out []point
	for _, p := range splitList(s) {
		r, sl, ok := strings.Cut(strings.ReplaceAll(p, "_", ""), "x")
		rows, err1 := strconv.Atoi(r)
		slots, err2 := strconv.Atoi(sl)
		if !ok || err1 != nil || err2 != nil || rows <= 0 || slots <= 0 {
			return nil, fmt.Errorf("%q: want ROWSxSLOTS, e.g. 1000x16", p)
		}
		out = append(out, point{rows, slots})
	}
	return out, nil
}

// specs lists the runs of the standard suite: every shape at every point and
// latency, then big at its sizes, then the ratelimit and queueing runs.
func (c suiteConfig) specs() []runSpec {
	var out []runSpec
	for _, shape := range c.Shapes {
		for _, p := range c.Points {
			for _, lat := range c.Latencies {
				out = append(out, runSpec{Workload: shape, Rows: p.Rows, Slots: p.Slots, Latency: lat})
			}
		}
	}
	for _, n := range c.BigRows {
		out = append(out, runSpec{Workload: "big", Rows: n, Slots: c.BigSlots, Latency: c.BigLat})
	}
	if c.CapRows > 0 {
		for _, w := range []string{"ratelimit", "queueing"} {
			out = append(out, runSpec{Workload: w, Rows: c.CapRows, Slots: c.CapSlots, Capacity: c.CapCapacity, Latency: c.CapLatency})
		}
	}
	return out
}

// execute builds the binaries, runs the specs one after another, prints the
// table and, for a suite, writes RESULTS.md (after every run, so an
// interrupted suite leaves what it measured).
func execute(ctx context.Context, o options, specs []runSpec, planned time.Duration, stdout, stderr io.Writer) error {
	root, err := moduleRoot(ctx)
	if err != nil {
		return err
	}
	work, err := os.MkdirTemp("", "synthgen-bench-")
	if err != nil {
		return err
	}
	if o.keep {
		fmt.Fprintf(stderr, "bench: scratch folder %s (kept)\n", work)
	} else {
		defer os.RemoveAll(work)
	}
	src := root
	if o.ref != "" {
		if src, err = exportRef(ctx, root, o.ref, filepath.Join(work, "src")); err != nil {
			return err
		}
	}
	if o.bin == "" {
		fmt.Fprintf(stderr, "bench: building synthgen ...\n")
	}
	h, err := newHarness(ctx, src, work, o.bin, o.cpuProfile, stderr)
	if err != nil {
		return err
	}
	rp := &report{Machine: describeMachine(ctx, root, o.ref), Command: commandLine(), Planned: len(specs), Started: time.Now()}
	resultsPath := o.results
	if o.suite != "" && resultsPath == "" {
		resultsPath = filepath.Join(root, "bench", "RESULTS.md")
	}
	if o.suite == "" && resultsPath == "" {
		resultsPath = "-"
	}
	fmt.Fprintf(stderr, "bench: %d run(s), Σ T* = %s\n", len(specs), planned.Round(time.Second))
	var runErr error
	for i, s := range specs {
		t, _ := plannedTStar(s)
		rs, _, _ := resolve(s)
		fmt.Fprintf(stderr, "bench: [%d/%d] %s: %s (T* %.2fs) ... ", i+1, len(specs), rs.name(), describeSpec(rs), t.Seconds())
		r, err := h.run(ctx, s)
		if err != nil {
			fmt.Fprintln(stderr, "failed")
			runErr = fmt.Errorf("%s: %w", rs.name(), err)
			break // report what was measured
		}
		status := "ok"
		if m := r.misses(); len(m) > 0 {
			status = "missed " + strings.Join(m, ", ")
		}
		fmt.Fprintf(stderr, "wall %.2fs, wall/T* %.3f, %s\n", r.Wall, r.ratio(), status)
		if r.busyMachine(rp.Machine.Cores) {
			fmt.Fprintf(stderr, "bench:   other processes used %.0f%% of the machine during the run: its figures are unreliable\n",
				100*safeDiv(r.OtherCPUSeconds+r.StealSeconds, r.Wall*float64(rp.Machine.Cores)))
		}
		if r.Error != "" {
			where := "rerun with -keep to keep its logs"
			if o.keep {
				where = "logs under " + r.Dir
			}
			fmt.Fprintf(stderr, "bench:   %s (%s)\n", r.Error, where)
		}
		rp.Results = append(rp.Results, r)
		if resultsPath != "-" && i < len(specs)-1 {
			if err := writeFileAtomic(resultsPath, []byte(rp.markdown())); err != nil {
				return err
			}
		}
		if ctx.Err() != nil {
			break
		}
	}
	if len(rp.Results) == len(specs) && ctx.Err() == nil {
		rp.Finished = time.Now()
	}
	if len(rp.Results) == 0 {
		return errors.Join(runErr, context.Cause(ctx))
	}
	fmt.Fprintln(stdout)
	fmt.Fprint(stdout, rp.tables())
	if resultsPath != "-" {
		if err := writeFileAtomic(resultsPath, []byte(rp.markdown())); err != nil {
			return err
		}
		fmt.Fprintf(stderr, "bench: wrote %s\n", resultsPath)
	}
	if o.jsonOut != "" {
		data, err := json.MarshalIndent(rp.Results, "", "  ")
		if err != nil {
			return err
		}
		if err := os.WriteFile(o.jsonOut, append(data, '\n'), 0o644); err != nil {
			return err
		}
	}
	if runErr != nil {
		return runErr
	}
	return context.Cause(ctx)
}

// exportRef writes the tree of a git commit into dir (git archive: the
// repository and the working tree are left as they are) and returns dir.
func exportRef(ctx context.Context, root, ref, dir string) (string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	archive := exec.CommandContext(ctx, "git", "archive", "--format=tar", ref)
	archive.Dir = root
	tar := exec.CommandContext(ctx, "tar", "-x", "-C", dir)
	pipe, err := archive.StdoutPipe()
	if err != nil {
		return "", err
	}
	tar.Stdin = pipe
	var archiveErr, tarErr strings.Builder
	archive.Stderr, tar.Stderr = &archiveErr, &tarErr
	if err := archive.Start(); err != nil {
		return "", fmt.Errorf("git archive %s: %w", ref, err)
	}
	if err := tar.Run(); err != nil {
		_ = archive.Wait()
		return "", fmt.Errorf("extracting %s: %w: %s", ref, err, tarErr.String())
	}
	if err := archive.Wait(); err != nil {
		return "", fmt.Errorf("git archive %s: %w: %s", ref, err, strings.TrimSpace(archiveErr.String()))
	}
	return dir, nil
}

// moduleRoot is the folder of the main module's go.mod.
func moduleRoot(ctx context.Context) (string, error) {
	out, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == os.DevNull {
		return "", errors.New("run bench inside the synthgen module (go run ./bench)")
	}
	return filepath.Dir(gomod), nil
}

// commandLine is how the harness was invoked, as `go run ./bench ...`.
func commandLine() string {
	parts := []string{"go", "run", "./bench"}
	for _, a := range os.Args[1:] {
		if strings.ContainsAny(a, " \t'\"*?;&|<>()$") {
			a = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		}
		parts = append(parts, a)
	}
	return strings.Join(parts, " ")
}
