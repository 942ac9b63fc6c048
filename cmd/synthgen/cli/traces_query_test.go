package cli

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/synthgen/synthgen/tracing"
)

// withGradeJudge adds to a config ending with its columns list a judge
// column "grade" of answer (score Accuracy, options 1 and 5) on a mock
// model alias "judge".
func withGradeJudge(cfg string) string {
	cfg += `  - name: grade
    column_type: llm-judge
    model_alias: judge
    prompt: "Grade {{ answer }}"
    scores:
      - name: Accuracy
        description: Is it right?
        options: {"1": Wrong, "5": Right}
`
	return strings.Replace(cfg, "model_configs:\n", "model_configs:\n  - {alias: judge, model: mock-text, provider: mock}\n", 1)
}

// End to end: generate with the mock model and tools, query the span log
// (tool spans, a trace filter on sampler metadata, a tree filter, judge
// scores as feedback), and export the rows a query selects.
func TestTracesQuery(t *testing.T) {
	cfg := withGradeJudge(toolConfig(stdioProvider("demo", demoMCPBin(t)), "demo", addPrompt) + `  - name: n
    column_type: sampler
    sampler_type: category
    params: {values: [low, high]}
`)
	folder, _, _ := createRows(t, cfg, 6)
	q := func(args ...string) ([]tracing.Span, string, int) {
		t.Helper()
		out, errOut, code := run(t, "", append([]string{"traces", "query", folder, "--format", "jsonl"}, args...)...)
		var spans []tracing.Span
		for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
			if line == "" {
				continue
			}
			var s tracing.Span
			if err := json.Unmarshal([]byte(line), &s); err != nil {
				t.Fatalf("line %q: %v", line, err)
			}
			spans = append(spans, s)
		}
		return spans, errOut, code
	}

	tools, errOut, code := q("--filter", `eq(run_type, "tool")`)
	if code != ExitOK || len(tools) != 6 {
		t.Fatalf("tool spans: exit %d, %d spans\n%s", code, len(tools), errOut)
	}
	for _, s := range tools {
		if s.Name != "add" || s.Column != "answer" || s.ParentID == "" || s.Status != tracing.SpanSuccess {
			t.Errorf("tool span %+v", s)
		}
	}

	// Rows whose sampler n is "low", via the root span's metadata.
	all, _, _ := q("--run-type", "chain")
	low := map[int64]bool{}
	for _, s := range all {
		var m map[string]any
		if err := json.Unmarshal([]byte(s.Metadata), &m); err != nil {
			t.Fatalf("root metadata %q: %v", s.Metadata, err)
		}
		if m["n"] == "low" {
			low[s.Row] = true
		}
	}
	if len(all) != 6 || len(low) == 0 || len(low) == 6 {
		t.Fatalf("%d roots, %d low: the test needs both values", len(all), len(low))
	}
	cells, _, code := q("--filter", `eq(name, "answer")`, "--trace-filter", `and(eq(metadata_key, "n"), eq(metadata_value, "low"))`)
	if code != ExitOK || len(cells) != len(low) {
		t.Fatalf("trace filter: exit %d, %d cells, want %d", code, len(cells), len(low))
	}
	for _, s := range cells {
		if !low[s.Row] || s.RunType != "llm" {
			t.Errorf("trace filter selected %+v", s)
		}
	}

	// Judge scores are feedback: every row has an Accuracy score of 1 or 5.
	var byScore [2]int
	for i, f := range []string{`and(eq(feedback_key, "grade.Accuracy"), eq(feedback_score, 1))`, `and(eq(feedback_key, "grade.Accuracy"), gte(feedback_score, 5))`} {
		roots, _, _ := q("--run-type", "chain", "--filter", f)
		byScore[i] = len(roots)
	}
	if byScore[0]+byScore[1] != 6 {
		t.Errorf("feedback filters selected %v roots, want 6 in all", byScore)
	}

	// A tree filter selects whole traces; --limit stops early.
	withTool, _, _ := q("--tree-filter", `eq(run_type, "tool")`, "--run-type", "chain", "--limit", "2")
	if len(withTool) != 2 {
		t.Errorf("tree filter with --limit 2: %d spans", len(withTool))
	}

	// A malformed filter points at its column; no match exits 1.
	_, errOut, code = run(t, "", "traces", "query", folder, "--filter", `eq(run_typ, "tool")`)
	if code != ExitInvalid || !strings.Contains(errOut, `column 4: unknown attribute "run_typ"; did you mean "run_type"?`) ||
		!strings.Contains(errOut, "\n     ^") {
		t.Errorf("bad filter: exit %d\n%s", code, errOut)
	}
	if _, _, code = q("--filter", `eq(name, "nothing")`); code != ExitFailed {
		t.Errorf("no match: exit %d, want %d", code, ExitFailed)
	}
}
