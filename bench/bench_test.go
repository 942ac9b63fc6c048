package main

import (
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestTStar(t *testing.T) {
	tests := []struct {
		workload            string
		rows, slots, cap    int
		latency             time.Duration
		want                time.Duration
		wantBottleneck      string
		wantCalls, wantDeep int
	}{
		// 1000 × 4 × 0.1 s ÷ 16 + 4 × 0.1 s
		{"narrow", 1000, 16, 0, 100 * time.Millisecond, 25*time.Second + 400*time.Millisecond, "gen", 4, 4},
		// 5 independent columns: the chain is one call.
		{"wide", 1000, 16, 0, 100 * time.Millisecond, 31*time.Second + 350*time.Millisecond, "gen", 5, 1},
		// 8 calls; d1 d2 d3 d4 d5 d6 is the longest chain (the expression costs nothing).
		{"deep", 100, 10, 0, 10 * time.Millisecond, 800*time.Millisecond + 60*time.Millisecond, "gen", 8, 6},
		// 3 calls on each model, each with its own slots; chain generator → judge.
		{"dual-model", 1000, 16, 0, 100 * time.Millisecond, 18*time.Second + 750*time.Millisecond + 200*time.Millisecond, "writer", 6, 2},
		// the agent makes 2 requests per row (one tool turn): it is the bottleneck; chain 1 + 2 + 1.
		{"tools", 1000, 16, 0, 100 * time.Millisecond, 12*time.Second + 500*time.Millisecond + 400*time.Millisecond, "agent", 4, 4},
		// a server capacity below the slots bounds the throughput term.
		{"ratelimit", 1000, 64, 16, 100 * time.Millisecond, 25*time.Second + 400*time.Millisecond, "gen", 4, 4},
		// a capacity above the slots does not.
		{"narrow", 1000, 16, 64, 100 * time.Millisecond, 25*time.Second + 400*time.Millisecond, "gen", 4, 4},
		{"big", 1_000_000, 1024, 0, 20 * time.Millisecond, 156250*time.Millisecond + 40*time.Millisecond, "gen", 8, 2},
	}
	for _, tt := range tests {
		w, err := lookupWorkload(tt.workload)
		if err != nil {
			t.Fatal(err)
		}
		got, bottleneck := w.tstar(tt.rows, tt.slots, tt.cap, tt.latency)
		if d := got - tt.want; d < -time.Microsecond || d > time.Microsecond {
			t.Errorf("%s: T* = %v, want %v", tt.workload, got, tt.want)
		}
		if bottleneck != tt.wantBottleneck {
			t.Errorf("%s: bottleneck %q, want %q", tt.workload, bottleneck, tt.wantBottleneck)
		}
		if c := w.totalCalls(); c != tt.wantCalls {
			t.Errorf("%s: %d calls per row, want %d", tt.workload, c, tt.wantCalls)
		}
		if c := w.chainCalls(); c != tt.wantDeep {
			t.Errorf("%s: longest chain %d calls, want %d", tt.workload, c, tt.wantDeep)
		}
	}
}

func TestParsePoints(t *testing.T) {
	got, err := parsePoints("1000x16, 10_000x256")
	if err != nil || len(got) != 2 || got[1] != (point{10000, 256}) {
		t.Fatalf("parsePoints = %v, %v", got, err)
	}
	for _, bad := range []string{"1000", "x16", "1000x0", "ax16"} {
		if _, err := parsePoints(bad); err == nil {
			t.Errorf("parsePoints(%q): no error", bad)
		}
	}
}

// TestSmoke runs the harness end to end on a tiny workload: it builds
// synthgen, checks that every workload's config is valid, starts the mock
// server, runs create, and checks that the report's figures are sane.
func TestSmoke(t *testing.T) {
	if testing.Short() {
		t.Skip("builds synthgen and runs it against the mock server")
	}
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command on PATH")
	}
	ctx := t.Context()
	root, err := moduleRoot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	work := t.TempDir()
	h, err := newHarness(ctx, root, work, "", true, io.Discard)
	if err != nil {
		t.Fatal(err)
	}

	for _, name := range workloadNames {
		spec, w, err := resolve(runSpec{Workload: name})
		if err != nil {
			t.Fatal(err)
		}
		cfg := filepath.Join(work, name+".yaml")
		p := configParams{Endpoint: "http://127.0.0.1:8000/v1", Slots: spec.Slots, DemoMCP: "demo-mcp", BufferSize: 100}
		if err := os.WriteFile(cfg, []byte(w.config(p)), 0o644); err != nil {
			t.Fatal(err)
		}
		if out, err := exec.CommandContext(ctx, h.synthgen, "validate", cfg).CombinedOutput(); err != nil {
			t.Errorf("synthgen validate of workload %s: %v\n%s", name, err, out)
		}
	}

	r, err := h.run(ctx, runSpec{Workload: "narrow", Rows: 200, Slots: 16, Latency: "10ms"})
	if err != nil {
		t.Fatal(err)
	}
	if r.Error != "" || r.ExitCode != 0 {
		t.Fatalf("synthgen create failed (exit %d): %s", r.ExitCode, r.Error)
	}
	if r.RowsRequested != 200 || r.RowsWritten != 200 || r.RowsDropped != 0 || r.FailureLines != 0 {
		t.Errorf("rows requested/written/dropped/failures = %d/%d/%d/%d, want 200/200/0/0",
			r.RowsRequested, r.RowsWritten, r.RowsDropped, r.FailureLines)
	}
	if r.Requests != 200*4 || r.ExpectedRequests != 200*4 {
		t.Errorf("requests = %d (expected %d), want rows × calls = 800", r.Requests, r.ExpectedRequests)
	}
	if r.RateLimited != 0 || r.OtherErrors != 0 {
		t.Errorf("429s = %d, other errors = %d, want none", r.RateLimited, r.OtherErrors)
	}
	// 200 × 4 × 10 ms ÷ 16 + 4 × 10 ms
	if math.Abs(r.TStar-0.54) > 1e-9 {
		t.Errorf("T* = %v s, want 0.54", r.TStar)
	}
	if r.Wall <= 0 || r.ratio() <= 0 || r.ratio() < r.genRatio() {
		t.Errorf("wall %v s, wall/T* %v, gen/T* %v: want wall > 0 and wall/T* ≥ gen/T* > 0", r.Wall, r.ratio(), r.genRatio())
	}
	if r.Gen <= 0 || r.Gen > r.Wall {
		t.Errorf("generation time %v s, want in (0, wall %v]", r.Gen, r.Wall)
	}
	// Nothing can beat T*: the requests alone take rows × calls × latency ÷ slots.
	if r.genRatio() < 0.9 {
		t.Errorf("gen/T* = %v: faster than the bound, the latency or T* is wrong", r.genRatio())
	}
	if r.MaxRSSKiB <= 0 || r.CPUSeconds <= 0 || r.CPUPerRequest <= 0 {
		t.Errorf("peak RSS %d KiB, CPU %v s (%v µs/request): want > 0", r.MaxRSSKiB, r.CPUSeconds, r.CPUPerRequest)
	}
	if r.Utilisation <= 0 || r.Utilisation > 1.05 {
		t.Errorf("slot utilisation %v, want in (0, 1]", r.Utilisation)
	}
	if r.PeakInFlight <= 0 || r.PeakInFlight > 16 {
		t.Errorf("peak in flight %d, want in [1, 16]", r.PeakInFlight)
	}
	if !strings.Contains(r.Command, "create $WORK/") || !strings.Contains(r.ServerCommand, "mock-server --addr 127.0.0.1:") {
		t.Errorf("commands not shown with $WORK: %q, %q", r.ServerCommand, r.Command)
	}

	rp := &report{Machine: describeMachine(ctx, root, ""), Command: "go run ./bench", Results: []*result{r}, Planned: 1, Started: time.Now(), Finished: time.Now()}
	md := rp.markdown()
	for _, want := range []string{"| narrow ", "Go: go1.", "cores", r.Command} {
		if !strings.Contains(md, want) {
			t.Errorf("RESULTS.md lacks %q:\n%s", want, md)
		}
	}
}
