// Package tracing holds the provider-neutral conversation types of LLM columns
// (Message, Block, ToolCall) and builds the values of the {col}__trace and
// {col}__reasoning_content columns from a finished conversation
// (spec/llm-and-traces.md, "Reasoning in replies" and "Trace columns").
//
// It imports only the standard library, so every layer (the model adapter,
// the conversation loop, the output writers) can share these types.
//
// A conversation is a []Message. Build the assistant messages from provider
// replies with AssistantReply, which applies the reasoning, think-tag and
// trimming rules, then give tool calls without an id one with
// Message.AssignCallIDs before the tools run. When the conversation is
// final, Build selects the trace and ReasoningOf the reasoning column:
//
//	reply := "<think>2+3=5</think>\n2+3 is 5.\n"
//	conv := []tracing.Message{
//		tracing.Text(tracing.RoleUser, "What is 2+3?"),
//		tracing.AssistantReply(&reply, "", "", nil, true),
//	}
//	trace := tracing.Build(conv, tracing.TraceLastMessage)
//	b, err := json.Marshal(trace)
//	// b: [{"role":"assistant","content":[{"type":"text","text":"2+3 is 5."}],"reasoning_content":"2+3=5"}]
//	reasoning, ok := tracing.ReasoningOf(conv) // "2+3=5", true
//
// Message's JSON is the trace format, exactly: keys in the order role,
// content, reasoning_content, tool_calls, tool_call_id; content always a list
// of blocks; the last three keys only when non-empty. Message.UnmarshalJSON
// also reads provider messages, whose content may be a string or null.
package tracing
