package tracing

import (
	"fmt"
	"strings"
)

// Build returns the {col}__trace value of a final conversation:
//
//   - TraceAllMessages: every message, in order (a new slice; the messages
//     share their blocks and tool calls with the conversation);
//   - TraceLastMessage: a one-element list with the last assistant message,
//     or an empty, non-nil list when there is none;
//   - TraceNone (or the zero value): nil, as no column is written.
//
// Build panics on any other TraceType: parse settings with ParseTraceType.
func Build(messages []Message, mode TraceType) []Message {
	switch mode {
	case TraceNone, "":
		return nil
	case TraceAllMessages:
		out := make([]Message, len(messages))
		copy(out, messages)
		return out
	case TraceLastMessage:
		if i := lastAssistant(messages); i >= 0 {
			return []Message{messages[i]}
		}
		return []Message{}
	}
	panic(fmt.Sprintf("tracing.Build: unknown trace type %q", string(mode)))
}

// ReasoningOf returns the {col}__reasoning_content value of a final
// conversation: the reasoning of the last assistant message only (no
// fallback to earlier ones), trimmed. ok is false — the value is null — when
// there is no assistant message or its reasoning is empty or whitespace.
func ReasoningOf(messages []Message) (reasoning string, ok bool) {
	i := lastAssistant(messages)
	if i < 0 {
		return "", false
	}
	r := strings.TrimSpace(messages[i].ReasoningContent)
	return r, r != ""
}

func lastAssistant(messages []Message) int {
	for i := len(messages) - 1; i >= 0; i-- {
		if messages[i].Role == RoleAssistant {
			return i
		}
	}
	return -1
}
