package export

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/synthgen/synthgen/tracing"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata")

// fixture is one tool-using trace with reasoning and two tool turns (the
// first parallel) and one plain text trace.
func fixture() []Record {
	addCall := tracing.ToolCall{ID: "call_0_2_0", Type: "function", Function: tracing.FunctionCall{Name: "add", Arguments: `{"a": 2, "b": 3}`}}
	mulCall := tracing.ToolCall{ID: "call_0_2_1", Type: "function", Function: tracing.FunctionCall{Name: "multiply", Arguments: `{"a":4,"b":5}`}}
	docCall := tracing.ToolCall{ID: "call_0_5_0", Type: "function", Function: tracing.FunctionCall{Name: "search_docs", Arguments: `{"query":"hours"}`}}
	reasoning := func(m tracing.Message, r string) tracing.Message { m.ReasoningContent = r; return m }
	withCalls := func(r string, calls ...tracing.ToolCall) tracing.Message {
		m := tracing.Text(tracing.RoleAssistant, "")
		m.ReasoningContent, m.ToolCalls = r, calls
		return m
	}
	tools := []json.RawMessage{
		json.RawMessage(`{"type":"function","function":{"name":"add","description":"Add two numbers.","parameters":{"type":"object","properties":{"a":{"type":"number"},"b":{"type":"number"}},"required":["a","b"]}}}`),
		json.RawMessage(`{"type":"function","function":{"name":"multiply","description":"Multiply two numbers.","parameters":{"type":"object","properties":{"a":{"type":"number"},"b":{"type":"number"}},"required":["a","b"]}}}`),
		json.RawMessage(`{"type":"function","function":{"name":"search_docs","description":"Search the company docs.","parameters":{"type":"object","properties":{"query":{"type":"string"}},"required":["query"]}}}`),
	}
	answer := []tracing.Message{
		tracing.Text(tracing.RoleSystem, "You are a careful assistant. Use the tools."),
		tracing.Text(tracing.RoleUser, "What is 2+3 and 4*5, and when does the roastery open?"),
		withCalls("I need add and multiply.", addCall, mulCall),
		tracing.ToolResult(addCall.ID, "5"),
		tracing.ToolResult(mulCall.ID, "20"),
		withCalls("Now the opening hours.", docCall),
		tracing.ToolResult(docCall.ID, "Error: search_docs failed: timeout"),
		reasoning(tracing.Text(tracing.RoleAssistant, "2+3 is 5 and 4*5 is 20; the hours are unknown."), "The docs tool failed."),
	}
	return []Record{{
		Row:           0,
		Column:        "answer",
		Messages:      answer,
		Tools:         tools,
		Metadata:      map[string]any{"a": int64(2), "task": "add"},
		Scores:        map[string]any{"quality.accuracy.score": "4", "quality.helpfulness.score": "3"},
		Spans:         fixtureSpans(),
		Conversations: map[string][]tracing.Message{"answer": answer},
	}, {
		Row:    1,
		Column: "answer",
		Messages: []tracing.Message{
			tracing.Text(tracing.RoleUser, "Say <hello>."),
			reasoning(tracing.Text(tracing.RoleAssistant, "Hello!"), "Easy."),
		},
		Metadata: map[string]any{"a": int64(7), "task": "greet"},
	}}
}

// Span IDs of the fixture's row 0.
const (
	rootID    = "0b5e1f8a-3c2d-8e4f-9a6b-7c8d9e0f1a2b"
	samplerID = "1c6f2a9b-4d3e-8f5a-8b7c-8d9e0f1a2b3c"
	cellID    = "2d7a3bac-5e4f-8a6b-9c8d-9e0f1a2b3c4d"
	req1ID    = "3e8b4cbd-6f5a-8b7c-ad9e-0f1a2b3c4d5e"
	mulID     = "4f9c5dce-7a6b-8c8d-be0f-1a2b3c4d5e6f"
	addID     = "5a0d6edf-8b7c-8d9e-8f1a-2b3c4d5e6f70"
	req2ID    = "6b1e7fe0-9c8d-8e0f-9a2b-3c4d5e6f7081"
	docsID    = "7c2f80f1-ad9e-8f1a-ab3c-4d5e6f708192"
	req3ID    = "8d3091a2-be0f-8a2b-bc4d-5e6f708192a3"
	parserID  = "9e41a2b3-cf1a-8b3c-8d5e-6f708192a3b4"
)

// span returns a span of row 0 from start to end (µs after 10:00 UTC).
func span(id, parent, runType, name, column string, start, end int64) tracing.Span {
	t0 := time.Date(2025, 6, 1, 10, 0, 0, 0, time.UTC)
	s := tracing.Span{
		ID: id, TraceID: rootID, ParentID: parent, RunType: runType, Name: name, Column: column,
		StartTime: t0.Add(time.Duration(start) * time.Microsecond),
		EndTime:   t0.Add(time.Duration(end) * time.Microsecond),
		Status:    tracing.SpanSuccess,
	}
	s.Latency = s.EndTime.Sub(s.StartTime).Seconds()
	return s
}

// fixtureSpans is the span log of row 0, the root first and the rest out of
// order: a sampler cell; the LLM cell "answer" with three model requests,
// the parallel add and multiply calls (multiply starting first), the
// search_docs call that timed out, and the parse step.
func fixtureSpans() []tracing.Span {
	request := func(id string, start, end, prompt, completion, reasoning int64, finish string, attempt int64) tracing.Span {
		s := span(id, cellID, "llm", "reasoner", "answer", start, end)
		s.Model, s.Provider, s.FinishReason, s.Attempt = "mock-reasoner-1", "mock", finish, attempt
		s.PromptTokens, s.CompletionTokens, s.ReasoningTokens = prompt, completion, reasoning
		s.TotalTokens = prompt + completion
		return s
	}
	root := span(rootID, "", "chain", "row", "", 0, 2_400_100)
	root.Metadata = `{"a":2,"task":"add"}`
	cell := span(cellID, rootID, "llm", "answer", "answer", 200, 2_400_000)
	cell.Tags = []string{tracing.TagToolError}
	docs := span(docsID, cellID, "tool", "search_docs", "answer", 1_500_100, 1_700_100)
	docs.Status, docs.Error, docs.Tags = tracing.SpanError, "timed out after 200ms", []string{tracing.TagToolError}
	return []tracing.Span{
		root,
		request(req3ID, 1_700_200, 2_399_000, 260, 30, 6, "stop", 1),
		cell,
		span(parserID, cellID, "parser", "parse", "answer", 2_399_100, 2_399_200),
		span(addID, cellID, "tool", "add", "answer", 800_103, 800_500),
		request(req1ID, 300, 800_000, 120, 40, 12, "tool_calls", 1),
		span(mulID, cellID, "tool", "multiply", "answer", 800_100, 800_900),
		docs,
		request(req2ID, 801_000, 1_500_000, 180, 25, 8, "tool_calls", 2),
		span(samplerID, rootID, "sampler", "task", "task", 100, 150),
	}
}

// spanFormat says whether format needs Record.Spans.
func spanFormat(format string) bool { return format == FormatOTLP || format == FormatLangSmith }

// export writes the fixture (for otlp and langsmith, its records with
// spans) and returns the output and the warnings.
func export(t *testing.T, opts Options) (string, []string) {
	t.Helper()
	var recs []Record
	for _, rec := range fixture() {
		if !spanFormat(opts.Format) || len(rec.Spans) > 0 {
			recs = append(recs, rec)
		}
	}
	return exportRecords(t, opts, recs)
}

func exportRecords(t *testing.T, opts Options, recs []Record) (string, []string) {
	t.Helper()
	var buf bytes.Buffer
	var warnings []string
	opts.Warn = func(s string) { warnings = append(warnings, s) }
	w, err := NewWriter(&buf, opts)
	if err != nil {
		t.Fatal(err)
	}
	for _, rec := range recs {
		if err := w.Write(rec); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.String(), warnings
}

func TestGolden(t *testing.T) {
	tests := []struct {
		name string
		opts Options
	}{
		{"hf-messages", Options{Format: FormatHFMessages}},
		{"hf-messages-args-string-reasoning-inline", Options{Format: FormatHFMessages, ArgumentsAsString: true, Reasoning: ReasoningInline}},
		{"openai-ft", Options{Format: FormatOpenAIFT}},
		{"sharegpt", Options{Format: FormatShareGPT}},
		{"flat", Options{Format: FormatFlat}},
		{"eval", Options{Format: FormatEval}},
		{"otlp", Options{Format: FormatOTLP}},
		{"langsmith", Options{Format: FormatLangSmith}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, _ := export(t, tt.opts)
			path := filepath.Join("testdata", tt.name+".jsonl")
			if *update {
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if got != string(want) {
				t.Errorf("%s differs from the golden file (go test -update):\ngot:\n%s\nwant:\n%s", tt.name, got, want)
			}
		})
	}
}

func lines(t *testing.T, s string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, l := range strings.Split(strings.TrimSuffix(s, "\n"), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("line %q: %v", l, err)
		}
		out = append(out, m)
	}
	return out
}

func keys(m map[string]any) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

// OpenAI fine-tuning (chat): top-level messages, tools, parallel_tool_calls;
// message keys role, content, tool_calls, tool_call_id, name, weight;
// arguments strings; one warning for the dropped reasoning.
func TestOpenAIFTShape(t *testing.T) {
	out, warnings := export(t, Options{Format: FormatOpenAIFT})
	if len(warnings) != 1 || !strings.Contains(warnings[0], "reasoning") {
		t.Errorf("warnings = %q, want one about reasoning", warnings)
	}
	allowedTop := map[string]bool{"messages": true, "tools": true, "parallel_tool_calls": true}
	allowedMsg := map[string]bool{"role": true, "content": true, "tool_calls": true, "tool_call_id": true, "name": true, "weight": true}
	for i, line := range lines(t, out) {
		for k := range line {
			if !allowedTop[k] {
				t.Errorf("line %d: key %q not allowed", i, k)
			}
		}
		if p, ok := line["parallel_tool_calls"]; ok {
			if _, isBool := p.(bool); !isBool {
				t.Errorf("line %d: parallel_tool_calls = %v, want a bool", i, p)
			}
		}
		for _, m := range line["messages"].([]any) {
			msg := m.(map[string]any)
			for k := range msg {
				if !allowedMsg[k] {
					t.Errorf("line %d: message key %q not allowed (%v)", i, k, keys(msg))
				}
			}
			if _, ok := msg["content"].(string); !ok {
				t.Errorf("line %d: content %v is not a string", i, msg["content"])
			}
			for _, c := range asList(msg["tool_calls"]) {
				fn := c.(map[string]any)["function"].(map[string]any)
				if _, ok := fn["arguments"].(string); !ok {
					t.Errorf("line %d: arguments %v is not a string", i, fn["arguments"])
				}
			}
		}
	}
	if l := lines(t, out)[0]; l["parallel_tool_calls"] != true {
		t.Errorf("parallel_tool_calls = %v, want true for the parallel turn", l["parallel_tool_calls"])
	}
}

func asList(v any) []any {
	l, _ := v.([]any)
	return l
}

// hf-messages: arguments are objects, reasoning_content on assistant turns,
// tool_call_id on every tool message, tools OpenAI function tools.
func TestHFMessagesShape(t *testing.T) {
	out, _ := export(t, Options{})
	ls := lines(t, out)
	for i, line := range ls {
		if !slices.Equal(keys(line), []string{"messages", "tools"}) {
			t.Errorf("line %d keys %v", i, keys(line))
		}
		for _, m := range line["messages"].([]any) {
			msg := m.(map[string]any)
			for _, c := range asList(msg["tool_calls"]) {
				fn := c.(map[string]any)["function"].(map[string]any)
				if _, ok := fn["arguments"].(map[string]any); !ok {
					t.Errorf("line %d: arguments %v is not an object", i, fn["arguments"])
				}
			}
			if msg["role"] == "tool" && msg["tool_call_id"] == nil {
				t.Errorf("line %d: tool message without tool_call_id", i)
			}
		}
		for _, tool := range line["tools"].([]any) {
			tm := tool.(map[string]any)
			fn, _ := tm["function"].(map[string]any)
			if tm["type"] != "function" || fn["name"] == nil || fn["parameters"] == nil {
				t.Errorf("line %d: tool %v is not an OpenAI function tool", i, tm)
			}
		}
	}
	last := ls[0]["messages"].([]any)[7].(map[string]any)
	if last["reasoning_content"] != "The docs tool failed." {
		t.Errorf("final assistant reasoning_content = %v", last["reasoning_content"])
	}
	drop, _ := export(t, Options{Reasoning: ReasoningDrop})
	if strings.Contains(drop, "reasoning_content") {
		t.Errorf("--reasoning drop kept reasoning: %s", drop)
	}
}

// sharegpt: human/observation at odd positions, gpt/function_call at even
// ones; tools a JSON string; reasoning inlined in gpt turns.
func TestShareGPTShape(t *testing.T) {
	out, _ := export(t, Options{Format: FormatShareGPT})
	for i, line := range lines(t, out) {
		conv := line["conversations"].([]any)
		for j, c := range conv {
			from := c.(map[string]any)["from"].(string)
			odd := j%2 == 0 // 1-based odd
			if odd && from != "human" && from != "observation" || !odd && from != "gpt" && from != "function_call" {
				t.Errorf("line %d turn %d: %q breaks the alternation", i, j+1, from)
			}
			if _, ok := c.(map[string]any)["value"].(string); !ok {
				t.Errorf("line %d turn %d: value is not a string", i, j+1)
			}
		}
		if tools, ok := line["tools"]; ok {
			s, isString := tools.(string)
			var defs []map[string]any
			if !isString || json.Unmarshal([]byte(s), &defs) != nil || defs[0]["name"] != "add" {
				t.Errorf("line %d: tools %v is not a JSON string of function definitions", i, tools)
			}
		}
		last := conv[len(conv)-1].(map[string]any)
		if !strings.HasPrefix(last["value"].(string), "<think>") {
			t.Errorf("line %d: final gpt turn %q has no inlined reasoning", i, last["value"])
		}
	}
	// The parallel turn: one function_call holding the list, one observation
	// holding the list of results.
	conv := lines(t, out)[0]["conversations"].([]any)
	call := conv[1].(map[string]any)["value"].(string)
	_, payload, _ := strings.Cut(call, "</think>")
	var calls []map[string]any
	if err := json.Unmarshal([]byte(strings.TrimSpace(payload)), &calls); err != nil || len(calls) != 2 {
		t.Errorf("parallel function_call %q is not a list of 2 calls: %v", call, err)
	}
	var results []string
	if err := json.Unmarshal([]byte(conv[2].(map[string]any)["value"].(string)), &results); err != nil || !slices.Equal(results, []string{"5", "20"}) {
		t.Errorf("parallel observation = %v, %v", results, err)
	}
}

// A conversation that cannot alternate is skipped, and the writer goes on.
func TestShareGPTSkipsBrokenAlternation(t *testing.T) {
	var buf bytes.Buffer
	w, _ := NewWriter(&buf, Options{Format: FormatShareGPT})
	err := w.Write(Record{Messages: []tracing.Message{
		tracing.Text(tracing.RoleUser, "q"),
		tracing.ToolResult("x", "stray"),
		tracing.Text(tracing.RoleAssistant, "a"),
	}})
	if !errors.Is(err, ErrSkipped) {
		t.Fatalf("err = %v, want ErrSkipped", err)
	}
	if err := w.Write(fixture()[1]); err != nil {
		t.Fatal(err)
	}
	w.Close()
	if w.Written() != 1 || strings.Count(buf.String(), "\n") != 1 {
		t.Errorf("written %d: %q", w.Written(), buf.String())
	}
}

func TestFlatAndEvalShape(t *testing.T) {
	out, _ := export(t, Options{Format: FormatFlat})
	ls := lines(t, out)
	l := ls[0]
	if !slices.Equal(asStrings(l["tools_involved"]), []string{"add", "multiply", "search_docs"}) ||
		l["tool_calls"] != 3.0 || l["tool_errors"] != 1.0 || l["quality.accuracy.score"] != "4" {
		t.Errorf("flat line = %v", l)
	}
	// With spans: the cell's latency and the sum of its requests' tokens;
	// without: neither key.
	if l["latency"] != 2.3998 || l["total_tokens"] != 160.0+205+290 {
		t.Errorf("flat latency, total_tokens = %v, %v; want 2.3998, 655", l["latency"], l["total_tokens"])
	}
	if _, ok := ls[1]["latency"]; ok {
		t.Errorf("flat line without spans has latency: %v", ls[1])
	}
	if _, ok := ls[1]["total_tokens"]; ok {
		t.Errorf("flat line without spans has total_tokens: %v", ls[1])
	}
	out, _ = export(t, Options{Format: FormatEval})
	l = lines(t, out)[0]
	msgs := l["inputs"].(map[string]any)["messages"].([]any)
	if len(msgs) != 7 || msgs[6].(map[string]any)["role"] != "tool" {
		t.Errorf("eval inputs end with %v, want the last tool turn", msgs[len(msgs)-1])
	}
	if l["expected"] != "2+3 is 5 and 4*5 is 20; the hours are unknown." || l["metadata"].(map[string]any)["task"] != "add" {
		t.Errorf("eval line = %v", l)
	}
}

func asStrings(v any) []string {
	var out []string
	for _, e := range asList(v) {
		s, _ := e.(string)
		out = append(out, s)
	}
	return out
}

func TestOptionErrors(t *testing.T) {
	for _, o := range []Options{{Format: "csv"}, {Reasoning: "maybe"}} {
		if _, err := NewWriter(&bytes.Buffer{}, o); !errors.Is(err, ErrUsage) {
			t.Errorf("%+v: err = %v, want ErrUsage", o, err)
		}
	}
}

// The span formats need the span log: a record without spans writes
// nothing and returns ErrNoSpans, and the writer goes on.
func TestSpanFormatsWithoutSpans(t *testing.T) {
	for _, format := range []string{FormatOTLP, FormatLangSmith} {
		t.Run(format, func(t *testing.T) {
			var buf bytes.Buffer
			w, err := NewWriter(&buf, Options{Format: format})
			if err != nil {
				t.Fatal(err)
			}
			if err := w.Write(fixture()[1]); !errors.Is(err, ErrNoSpans) {
				t.Fatalf("err = %v, want ErrNoSpans", err)
			}
			if err := w.Write(fixture()[0]); err != nil {
				t.Fatal(err)
			}
			w.Close()
			if w.Written() != 1 || w.Lines() != strings.Count(buf.String(), "\n") {
				t.Errorf("written %d, lines %d: %q", w.Written(), w.Lines(), buf.String())
			}
		})
	}
}

// appendJSON writes what encoding/json (without HTML escaping) writes,
// through its fast paths too.
func TestAppendJSONMatchesEncodingJSON(t *testing.T) {
	nested := (&obj{}).set("k", "v").set("list", []*obj{(&obj{}).set("a", []any{1, "x\ny", nil})})
	for _, v := range []any{
		"", "plain text", `quote " and \ backslash`, "tab\tnew\nline", "<html> & é ☕", "\u2028", "\x7f", "bad \xff utf8",
		nested, []any{nested, "s", 2.5, true}, json.RawMessage("{\n  \"a\": 1\n}"),
	} {
		var buf bytes.Buffer
		if err := appendJSON(&buf, v); err != nil {
			t.Fatal(err)
		}
		want, _ := tracing.MarshalNoEscape(v)
		if buf.String() != string(want) {
			t.Errorf("%q: got %s, want %s", v, buf.String(), want)
		}
	}
}
