package cli

import (
	"strings"
	"testing"

	"github.com/synthgen/synthgen/tracing"
)

func TestRenderConversation(t *testing.T) {
	calls := []tracing.ToolCall{
		{ID: "c1", Type: "function", Function: tracing.FunctionCall{Name: "add", Arguments: `{"a":1,"b":2}`}},
		{ID: "c2", Type: "function", Function: tracing.FunctionCall{Name: "lookup", Arguments: `{}`}},
	}
	msgs := []tracing.Message{
		tracing.Text(tracing.RoleUser, "What is 1+2?"),
		{Role: tracing.RoleAssistant, ReasoningContent: "one\ntwo\nthree\nfour\nfive", ToolCalls: calls},
		tracing.ToolResult("c2", "Error: not found"), // results out of order: paired by id
		tracing.ToolResult("c1", "3"),
		tracing.Text(tracing.RoleAssistant, "It is 3."),
	}
	var b strings.Builder
	renderConversation(&b, msgs, false, false)
	got := b.String()
	for _, want := range []string{
		"┌ user\n  │ What is 1+2?",
		"(reasoning) one\n  │             two\n  │             three\n  │             … (2 more lines; --full)",
		"→ add [c1] {\n  │     \"a\": 1,\n  │     \"b\": 2\n  │   }\n  │ ← 3\n",
		"→ lookup [c2] {}\n  │ ← Error: not found\n",
		"└ 5 messages, 2 tool calls in 1 turn",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("rendering lacks %q:\n%s", want, got)
		}
	}
	if strings.Count(got, "┌ tool") != 0 {
		t.Errorf("paired tool results are printed again as messages:\n%s", got)
	}
	b.Reset()
	renderConversation(&b, msgs, true, true)
	if got := b.String(); !strings.Contains(got, "five") || !strings.Contains(got, "\x1b[32m┌ assistant\x1b[0m") || !strings.Contains(got, "\x1b[31mError: not found") {
		t.Errorf("--full with colour:\n%q", got)
	}
}
