package tracing

import "testing"

func TestToolResults(t *testing.T) {
	call := func(id string) ToolCall { return ToolCall{ID: id, Function: FunctionCall{Name: "add"}} }
	asst := func(calls ...ToolCall) Message { m := Text(RoleAssistant, ""); m.ToolCalls = calls; return m }
	msgs := []Message{
		Text(RoleUser, "q"),
		asst(call("a"), call("a"), call("b")), // an id repeated within a turn
		ToolResult("b", "3"),
		ToolResult("a", "1"),
		ToolResult("a", "Error: add failed: boom"),
		asst(call("a"), call("c")), // and across turns; c has no result
		ToolResult("a", "Tool call refused: the limit of 1 tool-calling turns is reached."),
		Text(RoleAssistant, "done"),
	}
	got := ToolResults(msgs)
	want := map[CallRef]int{{1, 0}: 3, {1, 1}: 4, {1, 2}: 2, {5, 0}: 6}
	if len(got) != len(want) {
		t.Fatalf("ToolResults = %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("call %v → message %d, want %d", k, got[k], v)
		}
	}
	for i, wantErr := range []bool{false, false, false, false, true, false, true, false} {
		if IsToolError(msgs[i]) != wantErr {
			t.Errorf("IsToolError(message %d) = %v", i, !wantErr)
		}
	}
	if s := msgs[3].TextContent(); s != "1" {
		t.Errorf("TextContent = %q", s)
	}
}
