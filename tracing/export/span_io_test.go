package export

import (
	"testing"
	"time"

	"github.com/synthgen/synthgen/tracing"
)

func TestSpanMessages(t *testing.T) {
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	call := tracing.ToolCall{ID: "c1", Type: "function", Function: tracing.FunctionCall{Name: "add", Arguments: `{"a":1}`}}
	withCall := tracing.Text(tracing.RoleAssistant, "")
	withCall.ToolCalls = []tracing.ToolCall{call}
	conv := []tracing.Message{
		tracing.Text(tracing.RoleSystem, "sys"),
		tracing.Text(tracing.RoleUser, "q"),
		withCall,
		tracing.ToolResult("c1", "2"),
		tracing.Text(tracing.RoleAssistant, "the answer is 2"),
	}
	trace := []tracing.Span{
		{ID: "root", TraceID: "root", RunType: "chain"},
		{ID: "cell", TraceID: "root", ParentID: "root", RunType: "llm", Column: "answer"},
		{ID: "topic", TraceID: "root", ParentID: "root", RunType: "sampler", Column: "topic"},
		// Out of order in the file; one failed request (its retry budget
		// ran out before the restart that the trace does not show).
		{ID: "req2", TraceID: "root", ParentID: "cell", RunType: "llm", StartTime: at(30), EndTime: at(35)},
		{ID: "req0", TraceID: "root", ParentID: "cell", RunType: "llm", StartTime: at(0), EndTime: at(5), Status: tracing.SpanError},
		{ID: "req1", TraceID: "root", ParentID: "cell", RunType: "llm", StartTime: at(10), EndTime: at(15)},
		{ID: "tool", TraceID: "root", ParentID: "cell", RunType: "tool", Name: "add", StartTime: at(20), EndTime: at(25)},
		{ID: "parse", TraceID: "root", ParentID: "cell", RunType: "parser", StartTime: at(35), EndTime: at(36)},
	}
	got := SpanMessages(trace, map[string][]tracing.Message{"answer": conv})

	if io := got["cell"]; len(io.Input) != 4 || io.Output == nil || io.Output.Content[0].Text != "the answer is 2" {
		t.Errorf("cell: %d inputs, output %+v; want the 4 messages before the answer → the answer", len(io.Input), io.Output)
	}
	if io := got["req1"]; len(io.Input) != 2 || io.Output == nil || len(io.Output.ToolCalls) != 1 {
		t.Errorf("req1: %d inputs, output %+v; want system+user → the tool call", len(io.Input), io.Output)
	}
	if io := got["req2"]; len(io.Input) != 4 || io.Output == nil || len(io.Output.ToolCalls) != 0 {
		t.Errorf("req2: %d inputs; want 4 → the final answer", len(io.Input))
	}
	if io := got["tool"]; io.Call == nil || io.Call.ID != "c1" || io.Output == nil || io.Output.ToolCallID != "c1" {
		t.Errorf("tool: %+v; want call c1 → its result", io)
	}
	for _, id := range []string{"req0", "root", "topic", "parse"} {
		if _, ok := got[id]; ok {
			t.Errorf("%s paired; want no entry", id)
		}
	}

	// More successful requests than replies (a restart dropped the start):
	// aligned from the end, the first request unpaired.
	extra := append(trace, tracing.Span{ID: "reqX", TraceID: "root", ParentID: "cell", RunType: "llm", StartTime: at(-10), EndTime: at(-5)})
	got = SpanMessages(extra, map[string][]tracing.Message{"answer": conv})
	if _, ok := got["reqX"]; ok {
		t.Error("reqX (before the restart) paired; want none")
	}
	if io := got["req2"]; io.Output == nil || len(io.Output.ToolCalls) != 0 {
		t.Error("req2 lost its pairing with the final answer")
	}
	// No conversation for the column: nothing.
	if got := SpanMessages(trace, nil); len(got) != 0 {
		t.Errorf("no conversations: %d entries", len(got))
	}
}
