package tracing

import "strings"

// Prefixes of the tool messages the LLM columns write when a call did not
// run as asked (spec/llm-and-traces.md, "Tool use"): a failed call is
// answered "Error: <reason>" (from a tool, "Error: <tool> failed:
// <reason>"), a call past the turn budget "Tool call refused: …".
const (
	ToolErrorPrefix   = "Error: "
	ToolRefusedPrefix = "Tool call refused: "
)

// TextContent joins the text blocks of m with "\n" (images left out).
func (m Message) TextContent() string {
	var parts []string
	for _, b := range m.Content {
		if b.ImageURL == nil && (b.Type == "" || b.Type == BlockText) {
			parts = append(parts, b.Text)
		}
	}
	return strings.Join(parts, "\n")
}

// IsToolError says whether m is a tool message answering a call that
// failed or was refused.
func IsToolError(m Message) bool {
	if m.Role != RoleTool {
		return false
	}
	t := m.TextContent()
	return strings.HasPrefix(t, ToolErrorPrefix) || strings.HasPrefix(t, ToolRefusedPrefix)
}

// CallRef names tool call Call of message Msg of a conversation.
type CallRef struct{ Msg, Call int }

// ToolResults pairs each tool call of msgs with the index of the tool
// message answering it: among the tool messages right after the call's
// message, the first with the call's id not claimed by an earlier call (so
// ids a model repeats across turns, or within one, still pair). Calls
// without a result are absent.
func ToolResults(msgs []Message) map[CallRef]int {
	out := map[CallRef]int{}
	claimed := map[int]bool{}
	for i, m := range msgs {
		for j, c := range m.ToolCalls {
			for t := i + 1; t < len(msgs) && msgs[t].Role == RoleTool; t++ {
				if !claimed[t] && msgs[t].ToolCallID == c.ID {
					claimed[t] = true
					out[CallRef{i, j}] = t
					break
				}
			}
		}
	}
	return out
}
