package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/synthgen/synthgen/generate/output"
	"github.com/synthgen/synthgen/traceset"
	"github.com/synthgen/synthgen/tracing"
)

// toolErrorConfig: half the rows ask the mock model to call the demo
// server's failing tool, half to add; every answer keeps its trace.
func toolErrorConfig(bin string) string {
	cfg := toolConfig(stdioProvider("demo", bin, "--test-tools"), "demo", "{{ ask }}")
	return strings.Replace(cfg, "columns:\n", `columns:
  - name: ask
    column_type: sampler
    sampler_type: category
    params: {values: ["Call the fail tool, please.", "What is 2 plus 3?"]}
`, 1)
}

// The end-to-end test: generate with the mock model and tools,
// query for tool errors, export those rows as hf-messages, and check the
// file loads as JSON lines holding the failed tool call's messages.
func TestTracesToolErrorsEndToEndMCP(t *testing.T) {
	folder, rows, _ := createRows(t, toolErrorConfig(demoMCPBin(t)), 12)
	failing := map[int64]bool{}
	for i, r := range rows {
		if r["ask"] == "Call the fail tool, please." {
			failing[int64(i)] = true
		}
	}
	if len(failing) == 0 || len(failing) == len(rows) {
		t.Fatalf("%d of %d rows call the failing tool: the test needs both kinds", len(failing), len(rows))
	}

	// Query: the failed tool calls.
	toolErrors := `and(eq(run_type, "tool"), neq(error, null))`
	out, errOut, code := run(t, "", "traces", "query", folder, "--filter", toolErrors, "--format", "jsonl")
	if code != ExitOK {
		t.Fatalf("query: exit %d\n%s", code, errOut)
	}
	got := map[int64]bool{}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var s tracing.Span
		if err := json.Unmarshal([]byte(line), &s); err != nil {
			t.Fatalf("line %q: %v", line, err)
		}
		if s.Name != "fail" || s.Status != tracing.SpanError || !strings.Contains(strings.Join(s.Tags, ","), tracing.TagToolError) {
			t.Errorf("tool error span %+v", s)
		}
		got[s.Row] = true
	}
	if len(got) != len(failing) {
		t.Errorf("query found tool errors in rows %v, want %v", got, failing)
	}
	for r := range got {
		if !failing[r] {
			t.Errorf("row %d has a tool error but did not ask for the failing tool", r)
		}
	}

	// Export: the same rows, as hf-messages.
	file := filepath.Join(t.TempDir(), "tool-errors.jsonl")
	_, errOut, code = run(t, "", "traces", "export", folder, "--format", "hf-messages", "--filter", toolErrors, "-o", file)
	if code != ExitOK || !strings.Contains(errOut, "filtered out") {
		t.Fatalf("export: exit %d\n%s", code, errOut)
	}
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
	if len(lines) != len(failing) {
		t.Fatalf("%d lines, want %d (the rows with a tool error)", len(lines), len(failing))
	}
	for _, l := range lines {
		var rec struct {
			Messages []struct {
				Role       string `json:"role"`
				Content    string `json:"content"`
				ToolCallID string `json:"tool_call_id"`
				ToolCalls  []struct {
					ID       string `json:"id"`
					Function struct {
						Name      string         `json:"name"`
						Arguments map[string]any `json:"arguments"`
					} `json:"function"`
				} `json:"tool_calls"`
			} `json:"messages"`
			Tools []struct {
				Type     string `json:"type"`
				Function struct {
					Name string `json:"name"`
				} `json:"function"`
			} `json:"tools"`
		}
		if err := json.Unmarshal([]byte(l), &rec); err != nil {
			t.Fatalf("line %q: %v", l, err)
		}
		var roles []string
		for _, m := range rec.Messages {
			roles = append(roles, m.Role)
		}
		if strings.Join(roles, ",") != "user,assistant,tool,assistant" {
			t.Fatalf("roles %v", roles)
		}
		call, result := rec.Messages[1].ToolCalls, rec.Messages[2]
		if rec.Messages[0].Content != "Call the fail tool, please." || len(call) != 1 || call[0].Function.Name != "fail" ||
			result.ToolCallID != call[0].ID || !strings.HasPrefix(result.Content, "Error: fail failed:") {
			t.Errorf("messages %+v", rec.Messages)
		}
		// The tools offered come from metadata.json (the run recorded them).
		var names []string
		for _, tl := range rec.Tools {
			names = append(names, tl.Function.Name)
		}
		if !strings.Contains(strings.Join(names, ","), "fail") || rec.Tools[0].Type != "function" {
			t.Errorf("tools %v", names)
		}
	}

	// With a filter, the span log read for it also gives flat its latency.
	out, errOut, code = run(t, "", "traces", "export", folder, "--format", "flat", "--filter", toolErrors, "-o", "-")
	if code != ExitOK || strings.Count(out, "\n") != len(failing) {
		t.Fatalf("flat --filter: exit %d\n%s%s", code, out, errOut)
	}
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		var rec struct {
			Latency    float64 `json:"latency"`
			ToolErrors int     `json:"tool_errors"`
		}
		if err := json.Unmarshal([]byte(l), &rec); err != nil || rec.Latency <= 0 || rec.ToolErrors != 1 {
			t.Errorf("flat --filter line %s (%v)", l, err)
		}
	}

	// show takes the same filter.
	out, errOut, code = run(t, "", "traces", "show", folder, "--filter", toolErrors, "-n", "100", "--color", "never")
	if code != ExitOK || strings.Count(out, "── row") != len(failing) || !strings.Contains(out, "Error: fail failed") {
		t.Errorf("show --filter: exit %d, %d rows\n%s%s", code, strings.Count(out, "── row"), out, errOut)
	}

	// input_/output_ attributes over the flattened messages: the requests
	// whose reply calls "fail", and the tool calls whose output says Error.
	out, errOut, code = run(t, "", "traces", "query", folder, "--format", "jsonl",
		"--filter", `and(eq(output_key, "tool_calls.0.name"), eq(output_value, "fail"))`)
	// One request per failing row replies with the call (a cell's output
	// is its final answer).
	if n := strings.Count(out, "\n"); code != ExitOK || n != len(failing) {
		t.Errorf("output_key query: exit %d, %d spans, want %d\n%s", code, n, len(failing), errOut)
	}
	out, _, code = run(t, "", "traces", "query", folder, "--format", "jsonl", "--run-type", "tool",
		"--filter", `and(eq(output_key, "output"), like(output_value, "Error:%"))`)
	if n := strings.Count(out, "\n"); code != ExitOK || n != len(failing) {
		t.Errorf("tool output query: exit %d, %d spans, want %d", code, n, len(failing))
	}
	out, _, code = run(t, "", "traces", "query", folder, "--format", "jsonl", "--run-type", "llm",
		"--filter", `and(eq(input_key, "messages.0.content"), eq(input_value, "What is 2 plus 3?"))`)
	if n := strings.Count(out, "\n"); code != ExitOK || n == 0 {
		t.Errorf("input_key query: exit %d, %d spans", code, n)
	}

	// Review labels are feedback "human": label two failing rows fail (one
	// of them with a stale hash, which does not count) and select by them.
	ts, err := traceset.Open(folder)
	if err != nil {
		t.Fatal(err)
	}
	g, err := ts.Group(0)
	if err != nil {
		t.Fatal(err)
	}
	var labelled []int64
	for k := range g.Rows {
		r := g.Row(k)
		if !failing[r.Index] || len(labelled) == 2 {
			continue
		}
		hash := r.TraceHash("answer")
		if len(labelled) == 1 {
			hash = "sha256:stale"
		}
		labelled = append(labelled, r.Index)
		if err := traceset.AppendAnnotation(folder, traceset.Annotation{Row: r.Index, Column: "answer", TraceHash: hash, Label: traceset.LabelFail}); err != nil {
			t.Fatal(err)
		}
	}
	out, _, code = run(t, "", "traces", "query", folder, "--format", "jsonl", "--run-type", "chain",
		"--filter", `and(eq(feedback_key, "human"), eq(feedback_score, 0))`)
	if n := strings.Count(out, "\n"); code != ExitOK || n != 1 || !strings.Contains(out, fmt.Sprintf(`"row":%d,`, labelled[0])) {
		t.Errorf("human feedback query: exit %d, %d roots, want row %d only (the other label is stale)\n%s", code, n, labelled[0], out)
	}

	// flat as Parquet: one typed row per trace.
	pq := filepath.Join(t.TempDir(), "flat.parquet")
	if _, errOut, code := run(t, "", "traces", "export", folder, "--format", "flat", "-o", pq); code != ExitOK {
		t.Fatalf("flat parquet: exit %d\n%s", code, errOut)
	}
	cols, prow, err := output.ReadParquetFile(pq)
	if err != nil {
		t.Fatal(err)
	}
	if len(prow) != len(rows) {
		t.Fatalf("flat parquet: %d rows, want %d", len(prow), len(rows))
	}
	idx := map[string]int{}
	for i, c := range cols {
		idx[c.Name] = i
	}
	for _, r := range prow {
		row := r[idx["row"]].(int64)
		errs := r[idx["tool_errors"]].(int64)
		lat, _ := r[idx["latency"]].(float64)
		if failing[row] != (errs == 1) || lat <= 0 || r[idx["tools_involved"]] == nil {
			t.Errorf("flat parquet row %v", r)
		}
	}
}
