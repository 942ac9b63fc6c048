//go:build interop

package interop

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/synthgen/synthgen/cmd/synthgen/cli"
	"github.com/synthgen/synthgen/columns/value"
	"github.com/synthgen/synthgen/generate/output"
)

// runSynthgen runs synthgen in-process with SYNTHGEN_HOME set to an empty
// temp dir (so no ~/.synthgen provider leaks in) and no other environment.
func runSynthgen(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	home := t.TempDir()
	var out, errOut bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	start := time.Now()
	code = cli.Run(ctx, cli.Env{
		Args: args, Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errOut,
		Getenv: func(k string) (string, bool) {
			if k == "SYNTHGEN_HOME" {
				return home, true
			}
			return "", false
		},
	})
	t.Logf("synthgen %s: exit %d in %s\n%s", strings.Join(args, " "), code, time.Since(start).Round(time.Millisecond), errOut.String())
	return out.String(), errOut.String(), code
}

// writeConfig writes a config into a temp dir; %s in cfg is replaced by the
// OpenAI base URL of the server.
func writeConfig(t *testing.T, base, cfg string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(p, []byte(fmt.Sprintf(cfg, base+"/v1")), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// createConfig: a sampler, an llm-text column with its full trace and
// reasoning, and an llm-structured column sent response_format json_schema
// (structured_outputs: native) with a bounded schema, since a random-weight
// model only stops inside the bounds the grammar imposes. No api_key: an
// empty key sends no Authorization header, which llama-server does not need.
const createConfig = `model_providers:
  - name: llama
    endpoint: %s
    provider_type: openai
model_configs:
  - alias: writer
    model: tiny-qwen2
    provider: llama
    skip_health_check: false
    inference_parameters: {temperature: 0.8, max_tokens: 16, max_parallel_requests: 2, timeout: 60}
  - alias: shaper
    model: tiny-qwen2
    provider: llama
    skip_health_check: false
    structured_outputs: native
    inference_parameters: {temperature: 0.8, max_tokens: 200, max_parallel_requests: 2, timeout: 60}
columns:
  - name: topic
    column_type: sampler
    sampler_type: category
    params: {values: [rivers, volcanoes, bridges]}
  - name: note
    column_type: llm-text
    model_alias: writer
    prompt: "Write one sentence about {{ topic }}."
    with_trace: all_messages
    extract_reasoning_content: true
  - name: fruit
    column_type: llm-structured
    model_alias: shaper
    prompt: "Describe a fruit related to {{ topic }} as JSON."
    output_format:
      type: object
      properties:
        color: {type: string, enum: [red, green, blue]}
        label: {type: string, maxLength: 12}
        score: {type: integer, minimum: 1, maximum: 5}
        tags:
          type: array
          items: {type: string, enum: [a, b, c]}
          maxItems: 3
      required: [color, label, score, tags]
      additionalProperties: false
`

// The whole product path against a real server: config → health checks →
// requests (text, and json_schema response_format) → parsing → traces →
// Parquet and metadata.json. Structure only: the model's text is noise.
func TestCreateOnLlamaServer(t *testing.T) {
	// The json_schema grammar lets the random model pad with whitespace: a
	// bounded object takes about 60 tokens, more than StartLlamaServer's
	// server-side cap (-n 64, which also caps max_tokens). -n 256 (the last
	// -n wins) lets the shaper's max_tokens: 200 apply, so replies end inside
	// the grammar instead of being cut and restarted.
	base := StartLlamaServer(t, "-n", "256")
	cfg := writeConfig(t, base, createConfig)
	dir := t.TempDir()
	const n = 6
	_, errOut, code := runSynthgen(t, "create", cfg, "-n", fmt.Sprint(n), "-o", dir, "-d", "ds", "--no-progress", "--seed", "1")
	if code != cli.ExitOK || !strings.Contains(errOut, fmt.Sprintf("wrote %d of %d rows", n, n)) {
		t.Fatalf("exit %d, want 0 and every row written\n%s", code, errOut)
	}
	folder := filepath.Join(dir, "ds")
	if b, err := os.ReadFile(filepath.Join(folder, "failures.jsonl")); err == nil && len(bytes.TrimSpace(b)) > 0 {
		t.Errorf("failures.jsonl is not empty:\n%s", b)
	}

	cols, rows := readParquetDir(t, folder)
	idx := map[string]int{}
	var names []string
	for i, c := range cols {
		idx[c.Name] = i
		names = append(names, c.Name)
	}
	if got, want := strings.Join(names, ","), "topic,note,note__trace,note__reasoning_content,fruit"; got != want {
		t.Fatalf("columns %s, want %s", got, want)
	}
	if len(rows) != n {
		t.Fatalf("%d rows, want %d", len(rows), n)
	}
	for i, r := range rows {
		if s, ok := r[idx["topic"]].(string); !ok || !slices.Contains([]string{"rivers", "volcanoes", "bridges"}, s) {
			t.Errorf("row %d: topic %#v", i, r[idx["topic"]])
		}
		note, ok := r[idx["note"]].(string)
		if !ok {
			t.Errorf("row %d: note %#v, want a string", i, r[idx["note"]])
		}
		checkTrace(t, i, r[idx["note__trace"]], note)
		if rc := r[idx["note__reasoning_content"]]; rc != nil {
			if _, ok := rc.(string); !ok {
				t.Errorf("row %d: note__reasoning_content %#v, want a string or null", i, rc)
			}
		}
		if err := checkFruit(r[idx["fruit"]]); err != nil {
			t.Errorf("row %d: fruit %s: %v", i, value.JSON(r[idx["fruit"]]), err)
		}
		if i == 0 {
			t.Logf("row 0: note %q, fruit %s, trace %s", note, value.JSON(r[idx["fruit"]]), value.JSON(r[idx["note__trace"]]))
		}
	}

	var meta struct {
		ModelUsage map[string]struct {
			Requests       float64 `json:"requests"`
			FailedRequests float64 `json:"failed_requests"`
			InputTokens    float64 `json:"input_tokens"`
			OutputTokens   float64 `json:"output_tokens"`
		} `json:"model_usage"`
	}
	b, err := os.ReadFile(filepath.Join(folder, "metadata.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &meta); err != nil {
		t.Fatalf("metadata.json: %v", err)
	}
	total := 0.0
	for _, alias := range []string{"writer", "shaper"} {
		u, ok := meta.ModelUsage[alias]
		switch {
		case !ok:
			t.Errorf("model_usage has no %q: %s", alias, b)
		case u.Requests < n || u.FailedRequests != 0 || u.InputTokens <= 0 || u.OutputTokens <= 0:
			t.Errorf("model_usage[%s] = %+v: want ≥ %d requests, none failed, input and output tokens > 0", alias, u, n)
		}
		total += u.Requests
	}
	if w := meta.ModelUsage["writer"].Requests; w != n { // a text reply always parses: one request per row
		t.Errorf("writer made %v requests, want %d", w, n)
	}
	if total < 2*n {
		t.Errorf("%v requests in all, want ≥ %d", total, 2*n)
	}
	t.Logf("model_usage: %+v", meta.ModelUsage)
}

// readParquetDir reads every Parquet file of a dataset folder, in name order.
func readParquetDir(t *testing.T, folder string) ([]output.Column, [][]any) {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(folder, "parquet-files", "*.parquet"))
	if len(files) == 0 {
		t.Fatalf("no Parquet file in %s/parquet-files", folder)
	}
	slices.Sort(files)
	var cols []output.Column
	var rows [][]any
	for _, f := range files {
		c, r, err := output.ReadParquetFile(f)
		if err != nil {
			t.Fatal(err)
		}
		cols = c
		rows = append(rows, r...)
	}
	return cols, rows
}

// checkTrace: an all_messages trace of a column without a system prompt is
// [user, assistant], each with block-list content of text blocks; the
// assistant's text is the column value before trimming.
func checkTrace(t *testing.T, row int, v any, note string) {
	t.Helper()
	msgs, ok := v.([]any)
	if !ok || len(msgs) != 2 {
		t.Errorf("row %d: trace %s, want [user, assistant]", row, value.JSON(v))
		return
	}
	for j, wantRole := range []string{"user", "assistant"} {
		m, ok := msgs[j].(*value.Map)
		if !ok {
			t.Errorf("row %d: message %d is %T", row, j, msgs[j])
			return
		}
		if r, _ := m.Get("role"); r != wantRole {
			t.Errorf("row %d: message %d role %#v, want %s", row, j, r, wantRole)
		}
		if tc, _ := m.Get("tool_calls"); tc != nil {
			if l, ok := tc.([]any); !ok || len(l) != 0 {
				t.Errorf("row %d: message %d has tool_calls %s", row, j, value.JSON(tc))
			}
		}
		content, _ := m.Get("content")
		blocks, ok := content.([]any)
		if !ok || len(blocks) == 0 {
			t.Errorf("row %d: message %d content %s, want a list of blocks", row, j, value.JSON(content))
			continue
		}
		var text strings.Builder
		for _, blk := range blocks {
			bm, ok := blk.(*value.Map)
			typ, _ := bm.Get("type")
			s, _ := bm.Get("text")
			str, isStr := s.(string)
			if !ok || typ != "text" || !isStr {
				t.Errorf("row %d: message %d block %s, want {type: text, text: string}", row, j, value.JSON(blk))
			}
			text.WriteString(str)
		}
		if j == 0 && !strings.Contains(text.String(), "Write one sentence about") {
			t.Errorf("row %d: user message %q is not the rendered prompt", row, text.String())
		}
		if j == 1 && strings.TrimSpace(text.String()) != note {
			t.Errorf("row %d: assistant text %q, column value %q", row, text.String(), note)
		}
	}
}

// checkFruit checks the structured value read back from Parquet against the
// bounded schema: a struct with exactly color, label, score, tags.
func checkFruit(v any) error {
	m, ok := v.(*value.Map)
	if !ok {
		return fmt.Errorf("%T, want a struct", v)
	}
	if got := strings.Join(m.Keys(), ","); got != "color,label,score,tags" {
		return fmt.Errorf("fields %s, want color,label,score,tags", got)
	}
	color, _ := m.Get("color")
	if s, ok := color.(string); !ok || !slices.Contains([]string{"red", "green", "blue"}, s) {
		return fmt.Errorf("color %#v, want one of red/green/blue", color)
	}
	label, _ := m.Get("label")
	if s, ok := label.(string); !ok || utf8.RuneCountInString(s) > 12 {
		return fmt.Errorf("label %#v, want a string of at most 12 characters", label)
	}
	score, _ := m.Get("score")
	if s, ok := score.(int64); !ok || s < 1 || s > 5 {
		return fmt.Errorf("score %#v (%T), want an int64 in [1, 5]", score, score)
	}
	tags, _ := m.Get("tags")
	l, ok := tags.([]any)
	if !ok || len(l) > 3 {
		return fmt.Errorf("tags %#v, want a list of at most 3", tags)
	}
	for _, tag := range l {
		if s, ok := tag.(string); !ok || !slices.Contains([]string{"a", "b", "c"}, s) {
			return fmt.Errorf("tag %#v, want one of a/b/c", tag)
		}
	}
	return nil
}

// badConfig: extra_body is merged into the request body as-is, and
// llama-server rejects this response_format with 400 invalid_request_error.
// %s is the endpoint, then skip_health_check.
const badConfig = `model_providers:
  - {name: llama, endpoint: %s}
model_configs:
  - alias: bad
    model: tiny-qwen2
    provider: llama
    skip_health_check: %s
    inference_parameters:
      max_tokens: 8
      extra_body: {response_format: {type: bogus}}
columns:
  - {name: topic, column_type: sampler, sampler_type: category, params: {values: [x, y]}}
  - {name: note, column_type: llm-text, model_alias: bad, prompt: "Say {{ topic }}."}
`

// llama-server's reply to the request above (pinned: a change is noticed).
const llama400 = `response_format type must be one of "text" or "json_object", but got: bogus`

// A 400 from the real server is classified: the cell fails as model_fatal
// (not retried: one request per row), the message carries the status and the
// server's error.message, and a run without rows exits 1. With the health
// check on, the same 400 stops the run before it starts (exit 3).
func TestCreateClassifies400(t *testing.T) {
	base := StartLlamaServer(t)

	t.Run("cells", func(t *testing.T) {
		cfg := writeConfig(t, base, strings.Replace(badConfig, "skip_health_check: %s", "skip_health_check: true", 1))
		dir := t.TempDir()
		const n = 4
		_, errOut, code := runSynthgen(t, "create", cfg, "-n", fmt.Sprint(n), "-o", dir, "-d", "ds", "--no-progress", "--seed", "1")
		if code != cli.ExitFailed || !strings.Contains(errOut, "no rows were produced") ||
			!strings.Contains(errOut, fmt.Sprintf("wrote 0 of %d rows", n)) || !strings.Contains(errOut, "model_fatal") {
			t.Fatalf("exit %d, want 1 with 0 rows, model_fatal and \"no rows were produced\"\n%s", code, errOut)
		}
		folder := filepath.Join(dir, "ds")
		f, err := os.Open(filepath.Join(folder, "failures.jsonl"))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		var rowsSeen []int64
		sc := bufio.NewScanner(f)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			var fl struct {
				Row       int64           `json:"row"`
				Column    string          `json:"column"`
				ErrorKind string          `json:"error_kind"`
				Message   string          `json:"message"`
				Upstream  map[string]any  `json:"upstream"`
				Conv      json.RawMessage `json:"conversation"`
			}
			if err := json.Unmarshal(sc.Bytes(), &fl); err != nil {
				t.Fatalf("failures.jsonl line %q: %v", sc.Text(), err)
			}
			if len(rowsSeen) == 0 {
				t.Logf("failure: %s", sc.Text())
			}
			rowsSeen = append(rowsSeen, fl.Row)
			if fl.Column != "note" || fl.ErrorKind != "model_fatal" {
				t.Errorf("row %d: column %q kind %q, want note model_fatal", fl.Row, fl.Column, fl.ErrorKind)
			}
			if !strings.Contains(fl.Message, "HTTP 400") || !strings.Contains(fl.Message, llama400) || !strings.Contains(fl.Message, `"tiny-qwen2"`) {
				t.Errorf("row %d: message %q, want HTTP 400, the model and %q", fl.Row, fl.Message, llama400)
			}
			if s, ok := fl.Upstream["topic"].(string); !ok || (s != "x" && s != "y") {
				t.Errorf("row %d: upstream %v, want the sampled topic", fl.Row, fl.Upstream)
			}
		}
		if err := sc.Err(); err != nil {
			t.Fatal(err)
		}
		slices.Sort(rowsSeen)
		if !slices.Equal(rowsSeen, []int64{0, 1, 2, 3}) {
			t.Errorf("failures.jsonl rows %v, want 0..3", rowsSeen)
		}
		var meta struct {
			ModelUsage map[string]map[string]float64 `json:"model_usage"`
		}
		if b, err := os.ReadFile(filepath.Join(folder, "metadata.json")); err == nil {
			json.Unmarshal(b, &meta)
			if u := meta.ModelUsage["bad"]; u["requests"] != n || u["failed_requests"] != n || u["retries"] != 0 {
				t.Errorf("model_usage[bad] = %v: want %d requests, all failed, no retries (a 400 is not retried)", u, n)
			}
		}
	})

	t.Run("health check", func(t *testing.T) {
		cfg := writeConfig(t, base, strings.Replace(badConfig, "skip_health_check: %s", "skip_health_check: false", 1))
		_, errOut, code := runSynthgen(t, "create", cfg, "-n", "2", "-o", t.TempDir(), "--no-progress", "--seed", "1")
		if code != cli.ExitUnreachable || !strings.Contains(errOut, "health check failed") ||
			!strings.Contains(errOut, "HTTP 400") || !strings.Contains(errOut, llama400) {
			t.Fatalf("exit %d, want 3 naming the health check, HTTP 400 and %q\n%s", code, llama400, errOut)
		}
	})
}
