package cli

import (
	"bufio"
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/synthgen/synthgen/generate/output"
)

// End-to-end fault injection against the in-process mock server: whatever
// the model does (429s, 503s, timeouts, malformed or truncated replies),
// every requested row index ends up in the dataset or in failures.jsonl —
// exactly one of them — and the summary says how many rows were written
// and why the others failed. Rate limits never drop a row.
//
// Each row carries its index from a seed file (column idx), so the test
// knows which rows were written; the prompts include it, so every request
// is distinct and draws its own faults (a function of the request, the
// seed and the attempt), which makes each run reproducible.
//
// Transient errors (503, timeouts, malformed replies) are retried after 1 s,
// 2 s and 4 s, which run_config cannot shorten; only the case that needs
// rows to fail by exhausting those retries takes ~8 s. It has 100 rows:
// a model's cells that sleep in a backoff keep one of its 2 × slots cell
// workers each, so with more rows its slots idle and the run takes longer
// than its longest retry chain (15 s for 200 rows). The cases run in
// parallel.
func TestCreateUnderInjectedFaults(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		// mock is the model's extra_body.mock (YAML flow mapping).
		mock string
		// timeout is the model's per-request timeout in seconds (0: default).
		timeout float64
		rows    int
		// cleanFacts gives the second column a model without faults.
		cleanFacts bool
		// wantFailed: some rows must fail; noFailed: none may.
		wantFailed, noFailed bool
		// wantUsage are model_usage counters that must be > 0 (proof the
		// fault happened).
		wantUsage []string
		// wantMessage must be in every failure's message.
		wantMessage string
	}{
		{name: "429 at random", mock: `{fail_rate: {429: 0.3}, retry_after: 0.01}`, rows: 300,
			noFailed: true, wantUsage: []string{"rate_limited"}},
		{name: "429 bursts above capacity", mock: `{capacity: 3, latency: 10ms, retry_after: 0.01}`, rows: 300,
			noFailed: true, wantUsage: []string{"rate_limited"}},
		{name: "503 retried", mock: `{fail_rate: {503: 0.03}}`, rows: 300,
			wantUsage: []string{"retries"}},
		{name: "timeouts retried", mock: `{timeout_rate: 0.03}`, timeout: 0.3, rows: 300,
			wantUsage: []string{"retries"}},
		{name: "malformed replies retried", mock: `{malformed_rate: 0.03}`, rows: 300,
			wantUsage: []string{"retries"}},
		{name: "truncated replies", mock: `{truncate_rate: 0.3}`, rows: 300,
			wantFailed: true, wantUsage: []string{"restarts"}, wantMessage: "cut at max_tokens (400)"},
		// Only the first column's model is faulty, so a row waits through
		// one cell's retries at most (1 + 2 + 4 s ± 20%).
		{name: "transient errors exhaust retries", mock: `{fail_rate: {503: 0.5}, malformed_rate: 0.1}`, rows: 100, cleanFacts: true,
			wantFailed: true, wantUsage: []string{"retries", "failed_requests"}, wantMessage: "after 4 attempts"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			start := time.Now()
			dir := t.TempDir()
			cfg := faultConfig(t, dir, faultModel{mock: tt.mock, timeout: tt.timeout, cleanFacts: tt.cleanFacts}, tt.rows)
			_, errOut, code := run(t, "", "create", cfg, "-n", strconv.Itoa(tt.rows), "-o", dir, "-d", "ds", "--seed", "7", "--no-progress")
			t.Logf("%s in %v", tt.name, time.Since(start).Round(10*time.Millisecond))
			if code != ExitOK {
				t.Fatalf("exit %d\n%s", code, errOut)
			}
			folder := filepath.Join(dir, "ds")
			written, failed := accountRows(t, folder, tt.rows, faultBuffer, []string{"answer", "facts"})
			checkSummary(t, errOut, len(written), tt.rows, len(failed))
			switch {
			case tt.noFailed && len(failed) > 0:
				t.Errorf("%d rows dropped, want none: %v", len(failed), failed)
			case tt.wantFailed && len(failed) == 0:
				t.Errorf("no row failed; the faults did not reach the rows")
			}
			if tt.wantMessage != "" {
				for row, f := range failed {
					if !strings.Contains(f.Message, tt.wantMessage) {
						t.Errorf("row %d: message %q does not mention %q", row, f.Message, tt.wantMessage)
						break
					}
				}
			}
			usage := modelUsage(t, folder)["m"]
			for _, k := range tt.wantUsage {
				if usage[k] <= 0 {
					t.Errorf("model_usage.m.%s = %v, want > 0 (usage %v)", k, usage[k], usage)
				}
			}
		})
	}
}

// faultBuffer is the row-group size of the fault configs.
const faultBuffer = 50

// faultModel is the mock model m of a fault config.
type faultModel struct {
	mock    string  // extra_body.mock, a YAML flow mapping
	timeout float64 // per request, seconds; 0: the default
	slots   int     // max_parallel_requests; 0: 16
	// cleanFacts gives the second column a model without faults.
	cleanFacts bool
}

// faultConfig writes a config into dir whose rows carry their index (seed
// column idx) and call the mock model m: a text column, then a structured
// column that depends on it (on the clean model ok with cleanFacts).
func faultConfig(t *testing.T, dir string, m faultModel, rows int) string {
	t.Helper()
	var seed bytes.Buffer
	topics := []string{"tides", "ferns", "comets", "glaciers", "lichens"}
	for i := range rows {
		fmt.Fprintf(&seed, `{"idx": %d, "topic": %q}`+"\n", i, topics[i%len(topics)])
	}
	if err := os.WriteFile(filepath.Join(dir, "seed.jsonl"), seed.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	timeoutLine := ""
	if m.timeout > 0 {
		timeoutLine = fmt.Sprintf("timeout: %v, ", m.timeout)
	}
	factsModel := "m"
	if m.cleanFacts {
		factsModel = "ok"
	}
	cfg := fmt.Sprintf(`seed_config: {source: {seed_type: local, path: seed.jsonl}}
model_configs:
  - alias: m
    model: mock-faulty
    provider: mock
    skip_health_check: true
    inference_parameters: {max_parallel_requests: %d, max_tokens: 400, %sextra_body: {mock: %s}}
  - {alias: ok, model: mock-clean, provider: mock, skip_health_check: true, inference_parameters: {max_parallel_requests: 16}}
columns:
  - {name: answer, column_type: llm-text, model_alias: m, prompt: "Row {{ idx }}: two sentences about {{ topic }}."}
  - name: facts
    column_type: llm-structured
    model_alias: %s
    prompt: "Row {{ idx }}: the facts of {{ answer }}"
    output_format: {type: object, properties: {summary: {type: string}, n: {type: integer}}, required: [summary, n]}
run_config:
  buffer_size: %d
  disable_early_shutdown: true
  max_conversation_restarts: 1
  request_admission: {cooldown_seconds: 0.05}
`, cmp.Or(m.slots, 16), timeoutLine, m.mock, factsModel, faultBuffer)
	path := filepath.Join(dir, "faults.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// failureRecord is a line of failures.jsonl.
type failureRecord struct {
	Row       *int64 `json:"row"`
	Column    string `json:"column"`
	ErrorKind string `json:"error_kind"`
	Message   string `json:"message"`
}

// accountRows checks that every row index below n is in exactly one of the
// folder's Parquet files (in the file of its row group, in row order) or
// failures.jsonl (with a column among columns, an error kind and a
// message), and returns the written row indices and the failures by row.
// It also checks metadata.json's counts.
func accountRows(t *testing.T, folder string, n, buffer int, columns []string) (map[int64]bool, map[int64]failureRecord) {
	t.Helper()
	written := map[int64]bool{}
	files, _ := filepath.Glob(filepath.Join(folder, "parquet-files", "batch_*.parquet"))
	for _, f := range files {
		group, err := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(filepath.Base(f), "batch_"), ".parquet"))
		if err != nil {
			t.Fatalf("unexpected file %s", f)
		}
		cols, rows, err := output.ReadParquetFile(f)
		if err != nil {
			t.Fatal(err)
		}
		at := slices.IndexFunc(cols, func(c output.Column) bool { return c.Name == "idx" })
		if at < 0 {
			t.Fatalf("%s has no idx column", f)
		}
		prev := int64(-1)
		for _, r := range rows {
			idx, ok := r[at].(int64)
			if !ok {
				t.Fatalf("%s: idx is %T", f, r[at])
			}
			if idx/int64(buffer) != int64(group) || idx <= prev {
				t.Errorf("%s: row %d out of place (previous %d)", filepath.Base(f), idx, prev)
			}
			if written[idx] {
				t.Errorf("row %d written twice", idx)
			}
			written[idx], prev = true, idx
		}
	}
	failed := map[int64]failureRecord{}
	if fh, err := os.Open(filepath.Join(folder, "failures.jsonl")); err == nil {
		defer fh.Close()
		sc := bufio.NewScanner(fh)
		sc.Buffer(nil, 16<<20)
		for sc.Scan() {
			var f failureRecord
			if err := json.Unmarshal(sc.Bytes(), &f); err != nil {
				t.Fatalf("failures.jsonl: %v: %.200s", err, sc.Text())
			}
			if f.Row == nil || !slices.Contains(columns, f.Column) || f.ErrorKind == "" || f.Message == "" {
				t.Errorf("incomplete failure record: %.300s", sc.Text())
				continue
			}
			if _, dup := failed[*f.Row]; dup {
				t.Errorf("row %d in failures.jsonl twice", *f.Row)
			}
			failed[*f.Row] = f
		}
		if err := sc.Err(); err != nil {
			t.Fatal(err)
		}
	} else if !os.IsNotExist(err) {
		t.Fatal(err)
	}
	var lost, both []int
	for i := range n {
		w := written[int64(i)]
		_, f := failed[int64(i)]
		switch {
		case w && f:
			both = append(both, i)
		case !w && !f:
			lost = append(lost, i)
		}
	}
	if len(lost) > 0 {
		t.Errorf("%d rows neither written nor in failures.jsonl: %v", len(lost), head(lost))
	}
	if len(both) > 0 {
		t.Errorf("%d rows both written and in failures.jsonl: %v", len(both), head(both))
	}
	for _, rows := range [][]int64{mapsKeys(written), mapsKeys(failed)} {
		for _, r := range rows {
			if r < 0 || r >= int64(n) {
				t.Errorf("row index %d outside the %d asked for", r, n)
			}
		}
	}
	var meta struct {
		Target int `json:"target_num_records"`
		Actual int `json:"actual_num_records"`
	}
	b, err := os.ReadFile(filepath.Join(folder, "metadata.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &meta); err != nil {
		t.Fatal(err)
	}
	if meta.Target != n || meta.Actual != len(written) {
		t.Errorf("metadata.json: target %d, actual %d; want %d, %d", meta.Target, meta.Actual, n, len(written))
	}
	return written, failed
}

func head(xs []int) []int { return xs[:min(len(xs), 20)] }

func mapsKeys[V any](m map[int64]V) []int64 { return slices.Collect(maps.Keys(m)) }

var summaryRE = regexp.MustCompile(`(?m)^wrote (\d+) of (\d+) rows to \S+ \(seed \d+\)(?:; (\d+) failed: (.+) \(see failures\.jsonl\))?$`)

// checkSummary checks the closing line: "wrote N of M rows to DIR (seed S)"
// and, when rows failed, "; K failed: CAUSES (see failures.jsonl)".
func checkSummary(t *testing.T, stderr string, written, asked, failed int) {
	t.Helper()
	m := summaryRE.FindStringSubmatch(stderr)
	if m == nil {
		t.Errorf("no summary line in\n%s", stderr)
		return
	}
	if m[1] != strconv.Itoa(written) || m[2] != strconv.Itoa(asked) {
		t.Errorf("summary %q: want wrote %d of %d", m[0], written, asked)
	}
	switch {
	case failed == 0 && m[3] != "":
		t.Errorf("summary %q reports failures; failures.jsonl has none", m[0])
	case failed > 0 && m[3] != strconv.Itoa(failed):
		t.Errorf("summary %q: want %d failed", m[0], failed)
	case failed > 0 && m[4] == "":
		t.Errorf("summary %q names no cause", m[0])
	}
}

// modelUsage reads metadata.json's model_usage (numbers only).
func modelUsage(t *testing.T, folder string) map[string]map[string]float64 {
	t.Helper()
	var meta struct {
		ModelUsage map[string]map[string]any `json:"model_usage"`
	}
	b, err := os.ReadFile(filepath.Join(folder, "metadata.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &meta); err != nil {
		t.Fatal(err)
	}
	out := map[string]map[string]float64{}
	for alias, m := range meta.ModelUsage {
		out[alias] = map[string]float64{}
		for k, v := range m {
			if f, ok := v.(float64); ok {
				out[alias][k] = f
			}
		}
	}
	return out
}
