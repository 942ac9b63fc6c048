package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/synthgen/synthgen/columns/llm/mock"
)

// runSpec is one benchmark run: a workload at a size, against a mock server
// with a latency model and capacity mode.
type runSpec struct {
	Workload   string  `json:"workload"`
	Rows       int     `json:"rows"`
	Slots      int     `json:"slots"`       // max_parallel_requests of every model
	Latency    string  `json:"latency"`     // mock-server --latency
	Capacity   int     `json:"capacity"`    // mock-server --capacity (0: unlimited)
	Queueing   bool    `json:"queueing"`    // mock-server --queueing
	RetryAfter float64 `json:"retry_after"` // mock-server --retry-after (0: the server's default)
	BufferSize int     `json:"buffer_size"` // run_config.buffer_size (0: synthgen's default)
	// NoLatencySignal turns synthgen's latency signal off.
	NoLatencySignal bool `json:"no_latency_signal,omitempty"`
	// NoSpans turns the span log off (run_config.write_spans: false).
	NoSpans bool   `json:"no_spans,omitempty"`
	Timeout string `json:"-"`               // the run's time limit (default 10×T* + 2m)
	Label   string `json:"label,omitempty"` // shown in the table instead of the workload name
}

func (s runSpec) name() string {
	if s.Label != "" {
		return s.Label
	}
	return s.Workload
}

// result is what one run measured. Durations are in seconds.
type result struct {
	Spec          runSpec `json:"spec"`
	ServerCommand string  `json:"server_command"`
	Command       string  `json:"command"`
	ExitCode      int     `json:"exit_code"`
	Error         string  `json:"error,omitempty"`

	RowsRequested int `json:"rows_requested"`
	RowsWritten   int `json:"rows_written"`
	RowsDropped   int `json:"rows_dropped"`    // requested − written
	FailureLines  int `json:"failure_records"` // lines of failures.jsonl

	Wall        float64 `json:"wall_seconds"`       // the create process, start to exit
	Gen         float64 `json:"generation_seconds"` // metadata started_at → finished_at (0: unknown)
	MeanLatency float64 `json:"mean_latency_seconds"`
	TStar       float64 `json:"tstar_seconds"`
	Bottleneck  string  `json:"bottleneck_model"` // alias with the largest throughput term of T*
	Slots       int     `json:"effective_slots"`  // per model: slots, or the server capacity when lower

	Requests         int64   `json:"requests"` // server side, all models, including 429s
	ExpectedRequests int64   `json:"expected_requests"`
	RateLimited      int64   `json:"rate_limited"`
	OtherErrors      int64   `json:"other_errors"`
	PeakInFlight     int     `json:"peak_in_flight"` // of the bottleneck model
	BusySlotSeconds  float64 `json:"busy_slot_seconds"`
	Utilisation      float64 `json:"utilisation"` // bottleneck model: busy slot-seconds ÷ (slots × generation time)

	CPUSeconds    float64 `json:"cpu_seconds"`        // utime+stime of the create process (and its waited-for children)
	CPUPerRequest float64 `json:"cpu_us_per_request"` // ÷ successful requests
	MaxRSSKiB     int64   `json:"max_rss_kib"`

	// Capacity runs: throughput of the bottleneck model against S/latency.
	Throughput      float64 `json:"throughput_rps,omitempty"`       // successful requests/s
	BoundThroughput float64 `json:"bound_throughput_rps,omitempty"` // effective slots ÷ mean latency
	ClientP99       float64 `json:"client_p99_seconds,omitempty"`   // metadata model_usage of the bottleneck alias
	KneeP99         float64 `json:"knee_p99_seconds,omitempty"`     // p99 of the latency model alone

	// What else used the machine during the run: busy CPU seconds of all
	// cores minus synthgen's and the mock server's, and hypervisor steal.
	// Large values make the run's figures unreliable.
	ServerCPUSeconds float64 `json:"server_cpu_seconds"`
	OtherCPUSeconds  float64 `json:"other_cpu_seconds"`
	StealSeconds     float64 `json:"steal_seconds"`

	Dir string `json:"dir"`
}

// busyMachine reports whether other processes (or other guests) took more
// than a tenth of the machine's CPU during the run.
func (r *result) busyMachine(cores int) bool {
	return r.OtherCPUSeconds+r.StealSeconds > 0.1*r.Wall*float64(cores)
}

// ratio is wall ÷ T*.
func (r *result) ratio() float64 { return safeDiv(r.Wall, r.TStar) }

// genRatio is generation time ÷ T*.
func (r *result) genRatio() float64 { return safeDiv(r.Gen, r.TStar) }

// elapsed is the generation time when known, else the process wall time.
func (r *result) elapsed() float64 {
	if r.Gen > 0 {
		return r.Gen
	}
	return r.Wall
}

func safeDiv(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}

// misses lists the performance targets of spec/engine.md the run missed.
func (r *result) misses() []string {
	var out []string
	if r.Error != "" || r.ExitCode != 0 {
		out = append(out, fmt.Sprintf("exit %d", r.ExitCode))
	}
	if r.RowsDropped > 0 {
		out = append(out, "dropped")
	}
	switch {
	case r.Spec.Capacity > 0 && r.Spec.Queueing:
		// No stated target: the run reports throughput and p99 only.
	case r.Spec.Capacity > 0:
		if r.Throughput < 0.9*r.BoundThroughput {
			out = append(out, "S-throughput")
		}
	default:
		limit := 1.10
		if r.MeanLatency >= 0.1 {
			limit = 1.03
		}
		if r.ratio() > limit {
			out = append(out, "T*")
		}
	}
	if r.CPUPerRequest > 50 {
		out = append(out, "CPU")
	}
	return out
}

// harness builds the binaries once and runs workloads. Not safe for
// concurrent use: runs are sequential so they do not compete for CPU.
type harness struct {
	root     string // the source tree binaries are built from: the module root, or an export of -ref
	work     string // scratch folder for binaries and runs
	synthgen string
	demoMCP  string // built on first use
	// profile: each synthgen run writes a CPU profile (SYNTHGEN_CPUPROFILE).
	profile bool
	log     io.Writer
	runs    int
}

// newHarness builds synthgen into work (unless bin names a binary already
// built) and, when wantProfile, looks for a CPU profile flag of create.
func newHarness(ctx context.Context, root, work, bin string, wantProfile bool, log io.Writer) (*harness, error) {
	h := &harness{root: root, work: work, log: log, synthgen: bin}
	if bin == "" {
		h.synthgen = filepath.Join(work, "synthgen")
		if err := h.goBuild(ctx, h.synthgen, "./cmd/synthgen"); err != nil {
			return nil, err
		}
	}
	h.profile = wantProfile
	return h, nil
}

func (h *harness) goBuild(ctx context.Context, out, pkg string) error {
	cmd := exec.CommandContext(ctx, "go", "build", "-o", out, pkg)
	cmd.Dir = h.root
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build %s: %w\n%s", pkg, err, b)
	}
	return nil
}

// demoMCPBinary builds examples/demo-mcp on first use.
func (h *harness) demoMCPBinary(ctx context.Context) (string, error) {
	if h.demoMCP == "" {
		p := filepath.Join(h.work, "demo-mcp")
		if err := h.goBuild(ctx, p, "./examples/demo-mcp"); err != nil {
			return "", err
		}
		h.demoMCP = p
	}
	return h.demoMCP, nil
}

// resolve fills the spec's defaults from its workload.
func resolve(spec runSpec) (runSpec, workload, error) {
	w, err := lookupWorkload(spec.Workload)
	if err != nil {
		return spec, w, err
	}
	if spec.Rows <= 0 {
		spec.Rows = w.Rows
	}
	if spec.Slots <= 0 {
		spec.Slots = w.Slots
	}
	if spec.Latency == "" {
		spec.Latency = w.Latency
	}
	if spec.Capacity == 0 && w.CapacityDiv > 0 {
		spec.Capacity = max(1, spec.Slots/w.CapacityDiv)
	}
	spec.Queueing = spec.Queueing || w.Queueing
	if spec.Queueing && spec.Capacity <= 0 {
		return spec, w, errors.New("-queueing needs -capacity")
	}
	return spec, w, nil
}

// plannedTStar is the T* of a spec, for progress lines and time limits.
func plannedTStar(spec runSpec) (time.Duration, error) {
	spec, w, err := resolve(spec)
	if err != nil {
		return 0, err
	}
	lat, err := mock.ParseLatency(spec.Latency)
	if err != nil {
		return 0, fmt.Errorf("latency %q: %w", spec.Latency, err)
	}
	t, _ := w.tstar(spec.Rows, spec.Slots, spec.Capacity, lat.MeanDuration())
	return t, nil
}

// run runs one spec end to end. An error means the run could not be set up
// or measured; a failed synthgen run is a result with ExitCode and Error set.
func (h *harness) run(ctx context.Context, spec runSpec) (*result, error) {
	spec, w, err := resolve(spec)
	if err != nil {
		return nil, err
	}
	lat, err := mock.ParseLatency(spec.Latency)
	if err != nil {
		return nil, fmt.Errorf("latency %q: %w", spec.Latency, err)
	}
	h.runs++
	dir := filepath.Join(h.work, fmt.Sprintf("run%03d-%s", h.runs, spec.name()))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	tstar, bottleneck := w.tstar(spec.Rows, spec.Slots, spec.Capacity, lat.MeanDuration())
	r := &result{
		Spec: spec, Dir: dir, RowsRequested: spec.Rows,
		MeanLatency: lat.MeanDuration().Seconds(), TStar: tstar.Seconds(), Bottleneck: bottleneck,
		Slots:            effectiveSlots(spec.Slots, spec.Capacity),
		ExpectedRequests: int64(spec.Rows) * int64(w.totalCalls()),
	}

	p := configParams{Slots: spec.Slots, BufferSize: spec.BufferSize, NoLatencySignal: spec.NoLatencySignal, NoSpans: spec.NoSpans}
	if w.Tools {
		if p.DemoMCP, err = h.demoMCPBinary(ctx); err != nil {
			return nil, err
		}
	}
	srv, err := h.startServer(ctx, dir, spec)
	if err != nil {
		return nil, err
	}
	defer srv.stop()
	r.ServerCommand = h.display(srv.args)
	p.Endpoint = srv.url + "/v1"
	cfg := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(cfg, []byte(w.config(p)), 0o644); err != nil {
		return nil, err
	}

	limit := 10*tstar + 2*time.Minute
	if spec.Timeout != "" {
		if limit, err = time.ParseDuration(spec.Timeout); err != nil {
			return nil, fmt.Errorf("timeout: %w", err)
		}
	}
	out := filepath.Join(dir, "out")
	args := []string{h.synthgen, "create", cfg, "-n", strconv.Itoa(spec.Rows), "-o", out, "--no-progress", "--seed", "1"}
	r.Command = h.display(args)
	logPath := filepath.Join(dir, "synthgen.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	defer logFile.Close()
	runCtx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	cmd := exec.CommandContext(runCtx, args[0], args[1:]...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if h.profile {
		cmd.Env = append(os.Environ(), "SYNTHGEN_CPUPROFILE="+filepath.Join(dir, "cpu.pprof"))
	}
	ownGroup(cmd)
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) } // synthgen drains and writes what is complete
	cmd.WaitDelay = 30 * time.Second
	before := readCPUTimes()
	start := time.Now()
	runErr := cmd.Run()
	r.Wall = time.Since(start).Seconds()
	after := readCPUTimes()
	if cmd.ProcessState != nil {
		r.ExitCode = cmd.ProcessState.ExitCode()
		cpu, rss := childUsage(cmd.ProcessState)
		r.CPUSeconds, r.MaxRSSKiB = cpu.Seconds(), rss
	}
	if runErr != nil {
		r.Error = runErr.Error()
		if runCtx.Err() != nil && ctx.Err() == nil {
			r.Error = fmt.Sprintf("stopped after the time limit %s", limit)
		}
		if tail := lastLines(logPath, 3); tail != "" {
			r.Error += ": " + tail
		}
	}

	m, err := srv.metrics()
	if err != nil {
		return nil, err
	}
	srv.stop()
	if srv.cmd.ProcessState != nil {
		cpu, _ := childUsage(srv.cmd.ProcessState)
		r.ServerCPUSeconds = cpu.Seconds()
	}
	if before.ok && after.ok {
		// The server's CPU outside the run (start-up, /health) is negligible.
		r.OtherCPUSeconds = max(0, after.busy-before.busy-r.CPUSeconds-r.ServerCPUSeconds)
		r.StealSeconds = after.steal - before.steal
	}
	if err := r.readDataset(out); err != nil && r.Error == "" {
		r.Error = err.Error()
	}
	r.fromMetrics(m, w, lat)
	return r, nil
}

// display is a command line with the scratch folder shown as $WORK.
func (h *harness) display(args []string) string {
	parts := make([]string, len(args))
	for i, a := range args {
		a = strings.ReplaceAll(a, h.work, "$WORK")
		if a == "" || strings.ContainsAny(a, " \t'\"*?;&|<>()") {
			a = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		}
		parts[i] = a
	}
	return strings.Join(parts, " ")
}

// metadata is the part of metadata.json the harness reads.
type metadata struct {
	TargetNumRecords int                       `json:"target_num_records"`
	ActualNumRecords int                       `json:"actual_num_records"`
	StartedAt        time.Time                 `json:"started_at"`
	FinishedAt       *time.Time                `json:"finished_at"`
	ModelUsage       map[string]map[string]any `json:"model_usage"`
}

// readDataset reads metadata.json and failures.jsonl of the dataset folder
// under out (the only one: each run has its own out folder).
func (r *result) readDataset(out string) error {
	paths, _ := filepath.Glob(filepath.Join(out, "*", "metadata.json"))
	if len(paths) == 0 {
		r.RowsDropped = r.RowsRequested
		return fmt.Errorf("no metadata.json under %s", out)
	}
	data, err := os.ReadFile(paths[0])
	if err != nil {
		return err
	}
	var md metadata
	if err := json.Unmarshal(data, &md); err != nil {
		return fmt.Errorf("reading %s: %w", paths[0], err)
	}
	r.RowsWritten = md.ActualNumRecords
	r.RowsDropped = r.RowsRequested - r.RowsWritten
	if md.FinishedAt != nil && !md.StartedAt.IsZero() {
		r.Gen = md.FinishedAt.Sub(md.StartedAt).Seconds()
	}
	if u, ok := md.ModelUsage[r.Bottleneck]; ok {
		if p99, ok := u["latency_p99_seconds"].(float64); ok {
			r.ClientP99 = p99
		}
	}
	r.FailureLines = countLines(filepath.Join(filepath.Dir(paths[0]), "failures.jsonl"))
	return nil
}

// fromMetrics fills the server-side figures from /metrics.
func (r *result) fromMetrics(m mock.Metrics, w workload, lat mock.Latency) {
	r.Requests = m.Total.Requests
	r.RateLimited = m.Total.RateLimited
	for _, n := range m.Total.Errors {
		r.OtherErrors += n
	}
	r.OtherErrors -= r.RateLimited
	bm := m.Models[w.modelID(r.Bottleneck)]
	r.PeakInFlight = bm.PeakInFlight
	r.BusySlotSeconds = m.Total.BusySlotSeconds
	elapsed := r.elapsed()
	r.Utilisation = safeDiv(bm.BusySlotSeconds, float64(r.Slots)*elapsed)
	// Per successful request: the work the run needed. 429s and retries
	// are overhead that this figure should show, not dilute.
	r.CPUPerRequest = safeDiv(r.CPUSeconds*1e6, float64(r.Requests-r.RateLimited-r.OtherErrors))
	if r.Spec.Capacity > 0 {
		var failed int64
		for _, n := range bm.Errors {
			failed += n
		}
		r.Throughput = safeDiv(float64(bm.Requests-failed), elapsed)
		r.BoundThroughput = safeDiv(float64(r.Slots), r.MeanLatency)
		r.KneeP99 = latencyP99(lat)
	}
}

// latencyP99 is the 99th percentile of the latency model alone (what a
// client sees at the knee, before any queueing), by sampling it.
func latencyP99(l mock.Latency) float64 {
	if l.Distribution == "" {
		return l.Fixed.Seconds()
	}
	r := rand.New(rand.NewPCG(1, 2))
	s := make([]time.Duration, 20000)
	for i := range s {
		s[i] = l.Sample(r)
	}
	slices.Sort(s)
	return s[int(math.Ceil(0.99*float64(len(s))))-1].Seconds()
}

func countLines(path string) int {
	f, err := os.Open(path)
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	n := 0
	for sc.Scan() {
		if len(bytes.TrimSpace(sc.Bytes())) > 0 {
			n++
		}
	}
	return n
}

// lastLines returns the last n non-empty lines of a file, joined by " | ".
func lastLines(path string, n int) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	var lines []string
	for l := range strings.SplitSeq(string(data), "\n") {
		if strings.TrimSpace(l) != "" {
			lines = append(lines, strings.TrimSpace(l))
		}
	}
	return strings.Join(lines[max(0, len(lines)-n):], " | ")
}

// mockServer is a `synthgen mock-server` child process.
type mockServer struct {
	cmd    *exec.Cmd
	args   []string
	url    string // http://127.0.0.1:PORT
	log    string
	exited chan struct{} // closed once cmd.Wait returned
}

// startServer starts the mock server on a free loopback port with the
// spec's latency model and capacity mode and waits until GET /health answers.
func (h *harness) startServer(ctx context.Context, dir string, spec runSpec) (*mockServer, error) {
	var lastErr error
	for range 3 { // a free port may be taken between choosing and binding it
		port, err := freePort()
		if err != nil {
			return nil, err
		}
		addr := fmt.Sprintf("127.0.0.1:%d", port)
		args := []string{h.synthgen, "mock-server", "--addr", addr, "--latency", spec.Latency, "--seed", "1"}
		if spec.Capacity > 0 {
			args = append(args, "--capacity", strconv.Itoa(spec.Capacity))
		}
		if spec.Queueing {
			args = append(args, "--queueing")
		}
		if spec.RetryAfter > 0 {
			args = append(args, "--retry-after", strconv.FormatFloat(spec.RetryAfter, 'f', -1, 64))
		}
		s := &mockServer{args: args, url: "http://" + addr, log: filepath.Join(dir, "mock-server.log"), exited: make(chan struct{})}
		logFile, err := os.Create(s.log)
		if err != nil {
			return nil, err
		}
		s.cmd = exec.Command(args[0], args[1:]...)
		s.cmd.Stdout, s.cmd.Stderr = logFile, logFile
		ownGroup(s.cmd)
		if err := s.cmd.Start(); err != nil {
			logFile.Close()
			return nil, fmt.Errorf("starting the mock server: %w", err)
		}
		go func() { // owned by s: stop waits for it
			_ = s.cmd.Wait()
			logFile.Close()
			close(s.exited)
		}()
		if lastErr = s.waitHealthy(ctx, 15*time.Second); lastErr == nil {
			return s, nil
		}
		s.stop()
	}
	return nil, lastErr
}

func (s *mockServer) waitHealthy(ctx context.Context, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	client := &http.Client{Timeout: time.Second}
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, s.url+"/health", nil)
		if resp, err := client.Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-s.exited:
			return fmt.Errorf("the mock server exited: %s", lastLines(s.log, 3))
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the mock server at %s did not answer GET /health within %s", s.url, limit)
		}
	}
}

func (s *mockServer) metrics() (mock.Metrics, error) {
	var m mock.Metrics
	client := &http.Client{Timeout: 10 * time.Second}
	resp, err := client.Get(s.url + "/metrics")
	if err != nil {
		return m, fmt.Errorf("reading the mock server's metrics: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return m, fmt.Errorf("GET /metrics: %s", resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(&m); err != nil {
		return m, fmt.Errorf("decoding /metrics: %w", err)
	}
	return m, nil
}

// stop interrupts the server (killing it if it lingers) and waits for it.
// Safe to call more than once.
func (s *mockServer) stop() {
	select {
	case <-s.exited:
		return
	default:
	}
	_ = s.cmd.Process.Signal(os.Interrupt)
	select {
	case <-s.exited:
	case <-time.After(5 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.exited
	}
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
