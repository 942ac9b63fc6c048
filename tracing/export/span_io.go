package export

import "github.com/synthgen/synthgen/tracing"

// SpanIO is what one span of a trace saw and produced in the conversation
// of its column: the query language's input_/output_ attributes address it.
type SpanIO struct {
	// Input are the messages sent (an LLM cell or a model request);
	// Output the message produced: the final answer of a cell, the reply of
	// a request, the tool result of a tool call (nil when unknown).
	Input  []tracing.Message
	Output *tracing.Message
	// Call is a tool span's call (nil for others).
	Call *tracing.ToolCall
}

// SpanMessages pairs the spans of one trace (root first) with the
// conversations of its columns, as the otlp and langsmith exports do (see
// matchCell): an entry by span ID for each LLM cell whose column has a
// conversation and for each model request and tool call under it that can
// be paired; none for the others. The messages are shared with
// conversations.
func SpanMessages(spans []tracing.Span, conversations map[string][]tracing.Message) map[string]SpanIO {
	out := map[string]SpanIO{}
	if len(spans) == 0 {
		return out
	}
	t := newSpanTree(Record{Spans: spans, Conversations: conversations})
	for _, n := range t.order {
		switch {
		case n.cell == nil || n.cell.conv == nil:
		case n.span.RunType == runTool && n.call != nil:
			out[n.span.ID] = SpanIO{Call: n.call, Output: n.result}
		case n.input != nil || n.output != nil:
			out[n.span.ID] = SpanIO{Input: n.input, Output: n.output}
		}
	}
	return out
}
