package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/synthgen/synthgen/generate"
	"github.com/synthgen/synthgen/tracing"
)

// A tool-using run over the demo MCP server writes a span tree per row: the
// root (the row, with the sampler's value as metadata), its cells, and under
// the LLM cell its model requests, tool calls and parse steps; the counts
// match metadata.json's model_usage.
func TestCreate_SpansOfToolUse(t *testing.T) {
	cfg := toolConfig(stdioProvider("demo", demoMCPBin(t)), "demo", addPrompt) + `  - name: n
    column_type: sampler
    sampler_type: uniform
    params: {low: 2, high: 99}
    convert_to: int
run_config: {buffer_size: 4}
`
	folder, _, _ := createRows(t, cfg, 4)
	var spans []tracing.Span
	for id := range 2 {
		path := filepath.Join(folder, generate.SpansDir, generate.BatchFile(id))
		if id == 1 {
			if _, err := os.Stat(path); !os.IsNotExist(err) {
				t.Fatalf("a span file for a group that does not exist: %v", err)
			}
			continue
		}
		ss, err := generate.ReadSpans(path)
		if err != nil {
			t.Fatal(err)
		}
		spans = append(spans, ss...)
	}
	byID := map[string]tracing.Span{}
	for _, s := range spans {
		if _, dup := byID[s.ID]; dup {
			t.Fatalf("duplicate span id %s", s.ID)
		}
		byID[s.ID] = s
	}
	count := map[string]int{} // by run_type and depth
	for _, s := range spans {
		depth := 0
		for p := s; p.ParentID != ""; depth++ {
			parent, ok := byID[p.ParentID]
			if !ok {
				t.Fatalf("span %s %s: parent %s not in the file", s.RunType, s.Name, p.ParentID)
			}
			if parent.Row != s.Row || s.TraceID != parent.TraceID {
				t.Errorf("span %s %s (row %d, trace %s) under %s (row %d, trace %s)", s.RunType, s.Name, s.Row, s.TraceID, parent.Name, parent.Row, parent.TraceID)
			}
			p = parent
		}
		count[fmt.Sprintf("%d %s", depth, s.RunType)]++
		if s.Status != tracing.SpanSuccess || s.EndTime.Before(s.StartTime) {
			t.Errorf("span %+v", s)
		}
		switch {
		case depth == 0:
			if s.TraceID != s.ID || s.Name != "row" || s.RunType != "chain" {
				t.Errorf("root %+v", s)
			}
			var md map[string]any
			if err := json.Unmarshal([]byte(s.Metadata), &md); err != nil || md["n"] == nil {
				t.Errorf("root metadata %q: want the sampler value n (%v)", s.Metadata, err)
			}
		case depth == 2 && s.RunType == "llm":
			if s.Name != "agent" || s.Model != "mock-agent" || s.Provider != "mock" || s.Attempt != 1 || s.FinishReason == "" || s.TotalTokens == 0 {
				t.Errorf("request %+v", s)
			}
		case depth == 2 && s.RunType == "tool":
			if s.Name != "add" || s.Column != "answer" {
				t.Errorf("tool call %+v", s)
			}
		}
	}
	usage := modelUsage(t, folder)["agent"]
	want := map[string]int{
		"0 chain":   4,
		"1 llm":     4, // the answer cells
		"1 sampler": 4,
		"2 llm":     int(usage["requests"]),
		"2 tool":    int(usage["tool_calls"]),
		"2 parser":  4,
	}
	if usage["requests"] != 8 || usage["tool_calls"] != 4 {
		t.Errorf("model_usage %v: want 8 requests and 4 tool calls (one tool turn per row)", usage)
	}
	for k, n := range want {
		if count[k] != n {
			t.Errorf("%s spans: %d, want %d (all: %v)", k, count[k], n, count)
		}
	}
	if len(count) != len(want) {
		t.Errorf("span kinds %v, want %v", count, want)
	}
}

// run_config.write_spans: false writes no span log.
func TestCreate_WriteSpansFalse(t *testing.T) {
	cfg := toolConfig(stdioProvider("demo", demoMCPBin(t)), "demo", addPrompt) + "run_config: {write_spans: false}\n"
	folder, _, _ := createRows(t, cfg, 2)
	if _, err := os.Stat(filepath.Join(folder, generate.SpansDir)); !os.IsNotExist(err) {
		t.Errorf("spans folder: %v, want none", err)
	}
	// traces query says why it has nothing to read.
	if _, errOut, code := run(t, "", "traces", "query", folder); code != ExitInvalid || !strings.Contains(errOut, "write_spans: false") {
		t.Errorf("query without a span log: exit %d\n%s", code, errOut)
	}
}
