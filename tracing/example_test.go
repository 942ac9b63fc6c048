package tracing_test

import (
	"encoding/json"
	"fmt"
	"os"

	"github.com/synthgen/synthgen/tracing"
)

func Example() {
	reply := "<think>2+3=5</think>\n2+3 is 5.\n"
	conv := []tracing.Message{
		tracing.Text(tracing.RoleUser, "What is 2+3?"),
		tracing.AssistantReply(&reply, "", "", nil, true),
	}
	b, _ := json.Marshal(tracing.Build(conv, tracing.TraceLastMessage))
	fmt.Println(string(b))
	fmt.Println(tracing.ReasoningOf(conv))
	// Output:
	// [{"role":"assistant","content":[{"type":"text","text":"2+3 is 5."}],"reasoning_content":"2+3=5"}]
	// 2+3=5 true
}

func ExampleAssistantReply_toolCalls() {
	// A reply that only calls tools: null content, a call without an id.
	m := tracing.AssistantReply(nil, "", " I need the add tool\n",
		[]tracing.ToolCall{{Function: tracing.FunctionCall{Name: "add", Arguments: `{"a":2,"b":3}`}}}, true)
	m.AssignCallIDs(tracing.CallIDs("r0"))
	enc := json.NewEncoder(os.Stdout)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(m)
	_ = enc.Encode(tracing.ToolResult(m.ToolCalls[0].ID, "5"))
	// Output:
	// {"role":"assistant","content":[{"type":"text","text":""}],"reasoning_content":"I need the add tool","tool_calls":[{"id":"call_r0_1","type":"function","function":{"name":"add","arguments":"{\"a\":2,\"b\":3}"}}]}
	// {"role":"tool","content":[{"type":"text","text":"5"}],"tool_call_id":"call_r0_1"}
}

func ExampleMessage_UnmarshalJSON() {
	var m tracing.Message
	_ = json.Unmarshal([]byte(`{"role":"user","content":"hi"}`), &m)
	b, _ := json.Marshal(m)
	fmt.Println(string(b))
	// Output:
	// {"role":"user","content":[{"type":"text","text":"hi"}]}
}

func ExampleParseTraceType() {
	_, err := tracing.ParseTraceType("true")
	fmt.Println(err)
	// Output:
	// unknown trace type "true": want one of none, last_message, all_messages; did you mean "all_messages"?
}
