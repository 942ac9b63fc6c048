package tracing

import (
	"strconv"
	"strings"
	"unicode"
)

const (
	thinkOpen  = "<think>"
	thinkClose = "</think>"
)

// AssistantReply builds the assistant message of a provider reply
// (spec/llm-and-traces.md, "Reasoning in replies" and "Trace columns"):
//
//   - content nil (null or missing) is the empty string;
//   - the reasoning is reasoning when non-empty, else reasoningContent;
//   - when both are empty and parseThinkTags is set, a content that begins
//     (after whitespace) with <think> and contains </think> is split by
//     SplitThinkTags: the text between the tags becomes the reasoning and
//     the text after </think> the content;
//   - the content is trimmed; the reasoning is kept verbatim, unless the
//     reply carries tool calls, in which case it is trimmed too;
//   - tool calls are copied with type "function" and arguments "{}" when
//     empty. A call without an ID keeps an empty ID: call
//     Message.AssignCallIDs before running the tools.
//
// The returned message owns its slices; calls is not retained.
func AssistantReply(content *string, reasoning, reasoningContent string, calls []ToolCall, parseThinkTags bool) Message {
	text := ""
	if content != nil {
		text = *content
	}
	r := reasoning
	if r == "" {
		r = reasoningContent
	}
	if r == "" && parseThinkTags {
		if think, rest, ok := SplitThinkTags(text); ok {
			r, text = think, rest
		}
	}
	m := Message{Role: RoleAssistant, Content: []Block{TextBlock(strings.TrimSpace(text))}}
	if len(calls) > 0 {
		m.ToolCalls = make([]ToolCall, len(calls))
		for i, c := range calls {
			m.ToolCalls[i] = c.normalized()
		}
		r = strings.TrimSpace(r)
	}
	m.ReasoningContent = r
	return m
}

// SplitThinkTags splits a content that begins, after whitespace, with
// <think> and contains </think> into the text between the tags (verbatim)
// and the text after the first </think> (verbatim). ok is false, and the
// content is to be left unchanged, when the content does not have that
// shape, e.g. when the closing tag is missing.
func SplitThinkTags(content string) (reasoning, rest string, ok bool) {
	after, found := strings.CutPrefix(strings.TrimLeftFunc(content, unicode.IsSpace), thinkOpen)
	if !found {
		return "", "", false
	}
	reasoning, rest, found = strings.Cut(after, thinkClose)
	if !found {
		return "", "", false
	}
	return reasoning, rest, true
}

// AssignCallIDs gives every tool call of m without an ID one from newID,
// skipping ids that another call of m already has. newID must return unique
// ids across the conversation (see CallIDs); it is called only when an id is
// missing. AssignCallIDs replaces m.ToolCalls with a new slice when it
// changes an id, so messages sharing the old slice are not affected.
func (m *Message) AssignCallIDs(newID func() string) {
	used := make(map[string]bool, len(m.ToolCalls))
	missing := false
	for _, c := range m.ToolCalls {
		if c.ID == "" {
			missing = true
		} else {
			used[c.ID] = true
		}
	}
	if !missing {
		return
	}
	calls := make([]ToolCall, len(m.ToolCalls))
	copy(calls, m.ToolCalls)
	for i := range calls {
		if calls[i].ID != "" {
			continue
		}
		id := newID()
		for used[id] {
			id = newID()
		}
		used[id] = true
		calls[i].ID = id
	}
	m.ToolCalls = calls
}

// CallIDs returns a deterministic generator of tool call ids
// "call_<seed>_1", "call_<seed>_2", … ("call_1", … for an empty seed). Seed it
// with something unique to the conversation, e.g. the row and column, so
// that the same row always gets the same ids. The generator is not safe for
// concurrent use.
func CallIDs(seed string) func() string {
	prefix := "call_"
	if seed != "" {
		prefix += seed + "_"
	}
	n := 0
	return func() string {
		n++
		return prefix + strconv.Itoa(n)
	}
}
