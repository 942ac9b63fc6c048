package llm

import (
	"github.com/synthgen/synthgen/columns/value"
	"github.com/synthgen/synthgen/tracing"
)

// traceValue converts messages to the cell value of a {col}__trace column:
// a list of objects in the key order of the spec. Optional keys
// (reasoning_content, tool_calls, tool_call_id, a block's image_url) are
// absent when empty: JSONL leaves them out, Parquet stores null.
func traceValue(msgs []tracing.Message) []any {
	out := make([]any, 0, len(msgs))
	for _, m := range msgs {
		out = append(out, messageValue(m))
	}
	return out
}

func messageValue(m tracing.Message) *value.Map {
	v := value.NewMap()
	v.Set("role", m.Role)
	blocks := m.Content
	if len(blocks) == 0 {
		blocks = []tracing.Block{tracing.TextBlock("")}
	}
	content := make([]any, 0, len(blocks))
	for _, b := range blocks {
		bv := value.NewMap()
		typ := b.Type
		if typ == "" {
			typ = tracing.BlockText
		}
		bv.Set("type", typ)
		if b.ImageURL != nil {
			iu := value.NewMap()
			iu.Set("url", b.ImageURL.URL)
			bv.Set("image_url", iu)
		} else {
			bv.Set("text", b.Text)
		}
		content = append(content, bv)
	}
	v.Set("content", content)
	if m.ReasoningContent != "" {
		v.Set("reasoning_content", m.ReasoningContent)
	}
	if len(m.ToolCalls) > 0 {
		calls := make([]any, 0, len(m.ToolCalls))
		for _, c := range m.ToolCalls {
			cv := value.NewMap()
			cv.Set("id", c.ID)
			typ := c.Type
			if typ == "" {
				typ = tracing.ToolCallFunction
			}
			cv.Set("type", typ)
			fn := value.NewMap()
			fn.Set("name", c.Function.Name)
			args := c.Function.Arguments
			if args == "" {
				args = tracing.EmptyArguments
			}
			fn.Set("arguments", args)
			cv.Set("function", fn)
			calls = append(calls, cv)
		}
		v.Set("tool_calls", calls)
	}
	if m.ToolCallID != "" {
		v.Set("tool_call_id", m.ToolCallID)
	}
	return v
}
