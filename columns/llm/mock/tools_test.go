package mock

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

const addParams = `{"type": "object", "properties": {"a": {"type": "integer"}, "b": {"type": "integer"}}, "required": ["a", "b"], "additionalProperties": false}`
const lookupParams = `{"type": "object", "properties": {"query": {"type": "string", "minLength": 2}, "limit": {"type": "integer", "minimum": 1, "maximum": 5}, "kind": {"type": "string", "enum": ["web", "news"]}}, "required": ["query", "kind"]}`

func tools(t *testing.T) []any {
	t.Helper()
	var out []any
	for _, tl := range []struct{ name, params string }{{"add", addParams}, {"lookup", lookupParams}} {
		var p any
		if err := json.Unmarshal([]byte(tl.params), &p); err != nil {
			t.Fatal(err)
		}
		out = append(out, map[string]any{"type": "function", "function": map[string]any{
			"name": tl.name, "description": "tool " + tl.name, "parameters": p}})
	}
	return out
}

func params(name string) string {
	if name == "add" {
		return addParams
	}
	return lookupParams
}

// Turn 1 calls a tool with valid arguments; turn 2, given the result,
// answers quoting it.
func TestToolCallFlow(t *testing.T) {
	_, url := newTestServer(t, Options{})
	msgs := []any{
		map[string]any{"role": "system", "content": "You must call tools."},
		map[string]any{"role": "user", "content": "What is 2+3? Use the add tool."},
	}
	c := chat(t, url, map[string]any{"model": "m", "messages": msgs, "tools": tools(t)}).completion(t)
	ch := c.Choices[0]
	if ch.FinishReason != "tool_calls" || len(ch.Message.ToolCalls) != 1 || c.content() != "" {
		t.Fatalf("turn 1: finish %q, calls %+v, content %q", ch.FinishReason, ch.Message.ToolCalls, c.content())
	}
	call := ch.Message.ToolCalls[0]
	if call.ID != "call_1" || call.Type != "function" || call.Function.Name != "add" || call.Function.Arguments != `{"a":2,"b":3}` {
		t.Fatalf("turn 1 call %+v: want add(2, 3) named by the prompt, with its numbers", call)
	}
	validate(t, addParams, call.Function.Arguments)

	msgs = append(msgs,
		map[string]any{"role": "assistant", "content": nil, "tool_calls": []any{map[string]any{
			"id": call.ID, "type": "function", "function": map[string]any{"name": call.Function.Name, "arguments": call.Function.Arguments}}}},
		map[string]any{"role": "tool", "tool_call_id": call.ID, "content": "5"},
	)
	c = chat(t, url, map[string]any{"model": "m", "messages": msgs, "tools": tools(t)}).completion(t)
	if c.Choices[0].FinishReason != "stop" || len(c.Choices[0].Message.ToolCalls) != 0 ||
		!strings.Contains(c.content(), `The add tool returned "5".`) {
		t.Fatalf("turn 2: finish %q content %q", c.Choices[0].FinishReason, c.content())
	}
}

func TestToolTurnsAndParallelCalls(t *testing.T) {
	_, url := newTestServer(t, Options{ToolTurns: 2, ParallelToolCalls: 3})
	msgs := []any{map[string]any{"role": "user", "content": "Find news about comets."}}
	wantID := 1
	for turn := 1; turn <= 3; turn++ {
		c := chat(t, url, map[string]any{"model": "m", "messages": msgs, "tools": tools(t)}).completion(t)
		calls := c.Choices[0].Message.ToolCalls
		if turn == 3 {
			if len(calls) != 0 || !strings.Contains(c.content(), "tool returned") {
				t.Fatalf("turn 3: want the final answer, got %d calls, %q", len(calls), c.content())
			}
			break
		}
		if len(calls) != 3 {
			t.Fatalf("turn %d: %d calls, want 3", turn, len(calls))
		}
		var asked []any
		for _, call := range calls {
			if call.ID != fmt.Sprintf("call_%d", wantID) {
				t.Errorf("turn %d: id %q, want call_%d", turn, call.ID, wantID)
			}
			wantID++
			validate(t, params(call.Function.Name), call.Function.Arguments)
			asked = append(asked, map[string]any{"id": call.ID, "type": "function",
				"function": map[string]any{"name": call.Function.Name, "arguments": call.Function.Arguments}})
		}
		msgs = append(msgs, map[string]any{"role": "assistant", "content": "", "tool_calls": asked})
		for _, call := range calls {
			msgs = append(msgs, map[string]any{"role": "tool", "tool_call_id": call.ID, "content": "result of " + call.ID})
		}
	}
	// A per-request override: no tool turns at all.
	c := chat(t, url, map[string]any{"model": "m", "messages": msgs[:1], "tools": tools(t), "mock": map[string]any{"tool_turns": 0}}).completion(t)
	if len(c.Choices[0].Message.ToolCalls) != 0 || c.Choices[0].FinishReason != "stop" {
		t.Errorf("tool_turns 0: %+v", c.Choices[0])
	}
}

// With a structured request the final answer after the tools is still the
// schema's JSON.
func TestToolsThenJSON(t *testing.T) {
	_, url := newTestServer(t, Options{})
	schema := `{"type":"object","properties":{"total":{"type":"integer"}},"required":["total"]}`
	msgs := []any{
		map[string]any{"role": "user", "content": "Add 4 and 9.\n\nReturn exactly one ```json fenced block that matches this JSON Schema:\n" + schema},
		map[string]any{"role": "assistant", "content": "", "tool_calls": []any{map[string]any{"id": "call_1", "type": "function", "function": map[string]any{"name": "add", "arguments": `{"a":4,"b":9}`}}}},
		map[string]any{"role": "tool", "tool_call_id": "call_1", "content": "13"},
	}
	c := chat(t, url, map[string]any{"model": "think-1", "messages": msgs, "tools": tools(t)}).completion(t)
	validate(t, schema, fenced(t, c.content(), "json"))
	if !strings.Contains(c.Choices[0].Message.ReasoningContent, `"13"`) {
		t.Errorf("reasoning %q does not quote the tool result", c.Choices[0].Message.ReasoningContent)
	}
}
