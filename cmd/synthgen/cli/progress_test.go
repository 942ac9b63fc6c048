package cli

import (
	"bytes"
	"regexp"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"
	"unicode/utf8"

	"github.com/synthgen/synthgen/columns/llm"
	"github.com/synthgen/synthgen/columns/llm/model"
	"github.com/synthgen/synthgen/generate"
)

// lockedBuffer is a bytes.Buffer safe for the progress goroutine and the
// test to use at once.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func fakeLive() llm.Live {
	return llm.Live{
		Endpoints: []model.EndpointStats{
			{Provider: "mock", Model: "mock-text", Aliases: []string{"mock-text"}, InFlight: 16, Limit: 16, MaxLimit: 16},
			{Provider: "mock", Model: "mock-x", Aliases: []string{"a", "b"}, InFlight: 2, Limit: 3, MaxLimit: 4},
		},
		InputTokens: 120_000, OutputTokens: 340_000,
	}
}

// Not on a terminal: one plain line per interval, whatever the engine's
// cadence, and a final line with the elapsed time.
func TestProgressPlainLinesAtInterval(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var out lockedBuffer
		p := newProgress(&out, progressPlain, 10*time.Second, 5000, fakeLive)
		p.begin()
		time.Sleep(5 * time.Second)
		p.update(generate.Progress{RowsDone: 1197, RowsFailed: 3, RowsTarget: 5000, GroupsTotal: 5, Elapsed: 5 * time.Second})
		for range 50 { // the engine may call often; lines stay one per interval
			time.Sleep(100 * time.Millisecond)
			p.update(generate.Progress{RowsDone: 1197, RowsFailed: 3, RowsTarget: 5000, GroupsTotal: 5, Elapsed: 5 * time.Second})
		}
		time.Sleep(15 * time.Second) // t = 25 s: lines at 10 s and 20 s
		synctest.Wait()
		lines := strings.Split(strings.TrimSpace(out.String()), "\n")
		want := "progress: 1200/5000 rows (24%), 3 failed, 240 rows/s, eta 16s, mock-text 16/16, a+b 2/3, tokens in 120k out 340k"
		if len(lines) != 2 || lines[0] != want || lines[1] != want {
			t.Fatalf("after 25 s got %d lines:\n%s\nwant twice:\n%s", len(lines), out.String(), want)
		}
		p.update(generate.Progress{RowsDone: 4990, RowsFailed: 10, RowsTarget: 5000, GroupsDone: 5, GroupsTotal: 5, Elapsed: 12500 * time.Millisecond})
		p.finish()
		p.finish() // idempotent
		lines = strings.Split(strings.TrimSpace(out.String()), "\n")
		final := "progress: 5000/5000 rows (100%), 10 failed, 400 rows/s, elapsed 13s, mock-text 16/16, a+b 2/3, tokens in 120k out 340k"
		if len(lines) != 3 || lines[2] != final {
			t.Fatalf("final line:\n%s\nwant\n%s", out.String(), final)
		}
		time.Sleep(time.Minute)
		if n := strings.Count(out.String(), "\n"); n != 3 {
			t.Fatalf("%d lines after finish", n)
		}
	})
}

// A run that never reported (it failed before generating) leaves no final
// line; --no-progress prints nothing at all.
func TestProgressSilent(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var out lockedBuffer
		p := newProgress(&out, progressPlain, time.Hour, 10, fakeLive)
		p.begin()
		p.finish()
		off := newProgress(&out, progressOff, time.Second, 10, fakeLive)
		off.begin()
		off.update(generate.Progress{RowsDone: 5, RowsTarget: 10})
		time.Sleep(time.Minute)
		off.finish()
		if out.String() != "" {
			t.Fatalf("printed %q", out.String())
		}
	})
}

// On a terminal the bar's line carries failures, models and tokens, and
// never gets wider than the terminal (a wrapped line is not redrawn in
// place).
func TestProgressBarFitsTerminal(t *testing.T) {
	for _, width := range []int{60, 80, 100, 160} {
		synctest.Test(t, func(t *testing.T) {
			var out lockedBuffer
			p := newProgress(&out, progressBar, 0, 5000, fakeLive)
			p.width = func() int { return width }
			p.begin()
			time.Sleep(3 * time.Second)
			p.update(generate.Progress{RowsDone: 1197, RowsFailed: 3, RowsTarget: 5000, Elapsed: 3 * time.Second})
			time.Sleep(3 * time.Second)
			p.update(generate.Progress{RowsDone: 4990, RowsFailed: 10, RowsTarget: 5000, Elapsed: 6 * time.Second})
			p.finish()
			got := out.String()
			if !strings.HasSuffix(got, "\n") {
				t.Errorf("width %d: the last frame is not ended by a newline: %q", width, got)
			}
			frames := strings.Split(strings.TrimSuffix(got, "\n"), "\r")
			last := ""
			for _, f := range frames {
				if n := utf8.RuneCountInString(strings.TrimRight(f, " ")); n >= width {
					t.Errorf("width %d: a %d-column frame: %q", width, n, f)
				}
				if strings.TrimSpace(f) != "" {
					last = f
				}
			}
			if !strings.Contains(last, "100%") || !strings.Contains(last, "5000/5000") || width >= 100 && !strings.Contains(last, "10 failed · mock-text 16/16") {
				t.Errorf("width %d: last frame %q", width, last)
			}
			if width == 160 && !strings.HasSuffix(strings.TrimRight(last, " "), "] 833 rows/s · 10 failed · mock-text 16/16 · a+b 2/3 · tokens in 120k out 340k") {
				t.Errorf("width %d: last frame %q", width, last)
			}
			if !strings.Contains(got, "(1200/5000) [5s]") || width >= 100 && !strings.Contains(got, "400 rows/s · eta 9.5s · 3 failed") {
				t.Errorf("width %d: no frame at 1200 rows in %q", width, got)
			}
		})
	}
}

// The rate and the ETA are those of the last 10 s of snapshots: a stalled
// run (rate limits) shows 0 rows/s and no ETA, not the run's average; the
// final line shows the whole run's rate.
func TestProgressRecentRate(t *testing.T) {
	p := newProgress(nil, progressPlain, time.Second, 1000, nil)
	line := func(final bool) string {
		p.mu.Lock()
		defer p.mu.Unlock()
		return p.lineLocked(final)
	}
	at := func(sec float64, rows int) {
		p.update(generate.Progress{RowsDone: rows, RowsTarget: 1000, Elapsed: time.Duration(sec * float64(time.Second))})
	}
	at(0.5, 0)
	at(5, 400)
	if got, want := line(false), "progress: 400/1000 rows (40%), 0 failed, 89 rows/s, eta 6.8s"; got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	at(12, 500)
	at(16, 500)
	at(22.5, 500)
	at(25, 500)
	if got, want := line(false), "progress: 500/1000 rows (50%), 0 failed, 0.0 rows/s, eta ?"; got != want {
		t.Errorf("stalled: got  %s\nwant %s", got, want)
	}
	at(30, 1000)
	if got, want := line(true), "progress: 1000/1000 rows (100%), 0 failed, 33 rows/s, elapsed 30s"; got != want {
		t.Errorf("final: got  %s\nwant %s", got, want)
	}
	if n := len(p.recent); n > 4 {
		t.Errorf("%d samples kept", n)
	}
}

func TestHumanCount(t *testing.T) {
	tests := []struct {
		give int64
		want string
	}{{0, "0"}, {999, "999"}, {1000, "1.0k"}, {1234, "1.2k"}, {9960, "10k"}, {120_400, "120k"}, {3_400_000, "3.4M"}, {2_500_000_000, "2.5G"}}
	for _, tt := range tests {
		if got := humanCount(tt.give); got != tt.want {
			t.Errorf("humanCount(%d) = %q, want %q", tt.give, got, tt.want)
		}
	}
}

// create on a pipe: a progress line every progress_interval with the mock
// model's alias, in-flight/limit and tokens, a final line, then the
// summary; the endpoint's address is never printed. --no-progress prints
// no progress.
func TestCreateProgressLines(t *testing.T) {
	dir := t.TempDir()
	cfg := writeCfg(t, `model_configs:
  - alias: writer
    model: mock-writer
    provider: mock
    inference_parameters: {max_parallel_requests: 8, extra_body: {mock: {latency: 20ms}}}
columns:
  - {name: topic, column_type: sampler, sampler_type: category, params: {values: [tides, moons, ferns]}}
  - {name: q, column_type: llm-text, model_alias: writer, prompt: "A question about {{ topic }}"}
run_config: {progress_interval: 0.1, buffer_size: 50}
`)
	_, errOut, code := run(t, "", "create", cfg, "-n", "200", "-o", dir, "-d", "p", "--seed", "1")
	if code != ExitOK {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
	var lines []string
	for _, l := range strings.Split(errOut, "\n") {
		if strings.HasPrefix(l, "progress: ") {
			lines = append(lines, l)
		}
	}
	if len(lines) < 3 {
		t.Fatalf("%d progress lines (want one per 0.1 s of a ≥ 0.5 s run):\n%s", len(lines), errOut)
	}
	// The limit may be below max_parallel_requests (adaptive concurrency).
	periodic := regexp.MustCompile(`^progress: \d+/200 rows \(\d+%\), 0 failed, [\d.]+ rows/s, eta [^,]+, writer \d/[1-8], tokens in [\d.]+k? out [\d.]+k?$`)
	for _, l := range lines[:len(lines)-1] {
		if !periodic.MatchString(l) {
			t.Errorf("progress line: %s", l)
		}
	}
	final := lines[len(lines)-1]
	if !regexp.MustCompile(`^progress: 200/200 rows \(100%\), 0 failed, [\d.]+ rows/s, elapsed [^,]+, writer 0/[1-8], tokens in [\d.]+k out [\d.]+k$`).MatchString(final) {
		t.Errorf("final line: %s", final)
	}
	if !strings.Contains(errOut, final+"\nwrote 200 of 200 rows") {
		t.Errorf("the final line should come just before the summary:\n%s", errOut)
	}
	if strings.Contains(errOut, "127.0.0.1") || strings.Contains(errOut, "http") {
		t.Errorf("an endpoint was printed:\n%s", errOut)
	}

	_, errOut, code = run(t, "", "create", cfg, "-n", "200", "-o", dir, "-d", "quiet", "--seed", "1", "--no-progress")
	if code != ExitOK || strings.Contains(errOut, "progress") || !strings.HasPrefix(errOut, "wrote 200 of 200 rows") {
		t.Fatalf("--no-progress: exit %d\n%s", code, errOut)
	}
}
