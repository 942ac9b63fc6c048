package tracing

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// The JSON of the types of this package is written without HTML escaping
// ("<think>" stays "<think>"); an outer encoder may still escape it.

type messageJSON struct {
	Role             string     `json:"role"`
	Content          []Block    `json:"content"`
	ReasoningContent string     `json:"reasoning_content,omitempty"`
	ToolCalls        []ToolCall `json:"tool_calls,omitempty"`
	ToolCallID       string     `json:"tool_call_id,omitempty"`
}

// MarshalJSON writes the trace format of spec/llm-and-traces.md:
// {"role":…,"content":[…],"reasoning_content":…,"tool_calls":[…],"tool_call_id":…}
// with the last three keys only when non-empty and a message without blocks
// written as [{"type":"text","text":""}].
func (m Message) MarshalJSON() ([]byte, error) {
	content := m.Content
	if len(content) == 0 {
		content = []Block{TextBlock("")}
	}
	return MarshalNoEscape(messageJSON{
		Role:             m.Role,
		Content:          content,
		ReasoningContent: m.ReasoningContent,
		ToolCalls:        m.ToolCalls,
		ToolCallID:       m.ToolCallID,
	})
}

// UnmarshalJSON reads a trace message or a provider message. content may be
// a list of blocks, a string (one text block) or null or missing (one empty
// text block, as is an empty list). Unknown keys are ignored; a provider's
// "reasoning" key is not read here (see AssistantReply).
func (m *Message) UnmarshalJSON(b []byte) error {
	var w struct {
		Role             string          `json:"role"`
		Content          json.RawMessage `json:"content"`
		ReasoningContent string          `json:"reasoning_content"`
		ToolCalls        []ToolCall      `json:"tool_calls"`
		ToolCallID       string          `json:"tool_call_id"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	content, err := decodeContent(w.Content)
	if err != nil {
		return err
	}
	if len(w.ToolCalls) == 0 {
		w.ToolCalls = nil
	}
	*m = Message{
		Role:             w.Role,
		Content:          content,
		ReasoningContent: w.ReasoningContent,
		ToolCalls:        w.ToolCalls,
		ToolCallID:       w.ToolCallID,
	}
	return nil
}

var errContentType = errors.New("message content must be a string, a list of blocks or null")

func decodeContent(raw json.RawMessage) ([]Block, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return []Block{TextBlock("")}, nil
	}
	switch raw[0] {
	case '"':
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, fmt.Errorf("decoding message content: %w", err)
		}
		return []Block{TextBlock(s)}, nil
	case '[':
		var blocks []Block
		if err := json.Unmarshal(raw, &blocks); err != nil {
			return nil, fmt.Errorf("decoding message content: %w", err)
		}
		if len(blocks) == 0 {
			return []Block{TextBlock("")}, nil
		}
		return blocks, nil
	}
	return nil, errContentType
}

type blockJSON struct {
	Type     string    `json:"type"`
	Text     *string   `json:"text,omitempty"`
	ImageURL *ImageURL `json:"image_url,omitempty"`
}

// blockType is the type a block is written with.
func (b Block) blockType() string {
	switch {
	case b.Type != "":
		return b.Type
	case b.ImageURL != nil:
		return BlockImageURL
	}
	return BlockText
}

// MarshalJSON writes {"type":…,"text":…,"image_url":{"url":…}}: text always
// for a text block and for any block with text, image_url when set. So a
// text block is {"type":"text","text":"…"} and an image block
// {"type":"image_url","image_url":{"url":"…"}}.
func (b Block) MarshalJSON() ([]byte, error) {
	w := blockJSON{Type: b.blockType(), ImageURL: b.ImageURL}
	if w.Type == BlockText || b.Text != "" {
		w.Text = &b.Text
	}
	return MarshalNoEscape(w)
}

// UnmarshalJSON reads a block. A missing type is "image_url" when the block
// has an image_url, else "text". image_url may be an object {"url":…} or a
// bare URL string.
func (b *Block) UnmarshalJSON(data []byte) error {
	var w struct {
		Type     string          `json:"type"`
		Text     string          `json:"text"`
		ImageURL json.RawMessage `json:"image_url"`
	}
	if err := json.Unmarshal(data, &w); err != nil {
		return err
	}
	out := Block{Type: w.Type, Text: w.Text}
	if raw := bytes.TrimSpace(w.ImageURL); len(raw) > 0 && string(raw) != "null" {
		out.ImageURL = &ImageURL{}
		if raw[0] == '"' {
			if err := json.Unmarshal(raw, &out.ImageURL.URL); err != nil {
				return fmt.Errorf("decoding image_url: %w", err)
			}
		} else if err := json.Unmarshal(raw, out.ImageURL); err != nil {
			return fmt.Errorf("decoding image_url: %w", err)
		}
	}
	out.Type = out.blockType()
	*b = out
	return nil
}

// MarshalJSON writes {"url":…}.
func (u ImageURL) MarshalJSON() ([]byte, error) {
	return MarshalNoEscape(struct {
		URL string `json:"url"`
	}{u.URL})
}

// UnmarshalJSON reads {"url":…}.
func (u *ImageURL) UnmarshalJSON(data []byte) error {
	var w struct {
		URL string `json:"url"`
	}
	if err := json.Unmarshal(data, &w); err != nil {
		return err
	}
	u.URL = w.URL
	return nil
}

type toolCallJSON struct {
	ID       string `json:"id"`
	Type     string `json:"type"`
	Function struct {
		Name      string `json:"name"`
		Arguments string `json:"arguments"`
	} `json:"function"`
}

// normalized returns c with the type defaulted to "function" and empty
// arguments replaced by "{}".
func (c ToolCall) normalized() ToolCall {
	if c.Type == "" {
		c.Type = ToolCallFunction
	}
	if strings.TrimSpace(c.Function.Arguments) == "" {
		c.Function.Arguments = EmptyArguments
	}
	return c
}

// MarshalJSON writes {"id":…,"type":"function","function":{"name":…,"arguments":"…"}};
// arguments is always a string, "{}" when empty.
func (c ToolCall) MarshalJSON() ([]byte, error) {
	c = c.normalized()
	var w toolCallJSON
	w.ID, w.Type = c.ID, c.Type
	w.Function.Name, w.Function.Arguments = c.Function.Name, c.Function.Arguments
	return MarshalNoEscape(w)
}

// UnmarshalJSON reads a tool call. Arguments sent as a JSON string are kept
// as they are; missing, null or empty arguments become "{}"; arguments sent
// as any other JSON value become that value's compact JSON text. A missing
// type becomes "function".
func (c *ToolCall) UnmarshalJSON(data []byte) error {
	var w struct {
		ID       string `json:"id"`
		Type     string `json:"type"`
		Function struct {
			Name      string          `json:"name"`
			Arguments json.RawMessage `json:"arguments"`
		} `json:"function"`
	}
	if err := json.Unmarshal(data, &w); err != nil {
		return err
	}
	out := ToolCall{ID: w.ID, Type: w.Type, Function: FunctionCall{Name: w.Function.Name}}
	raw := bytes.TrimSpace(w.Function.Arguments)
	switch {
	case len(raw) == 0 || string(raw) == "null":
	case raw[0] == '"':
		if err := json.Unmarshal(raw, &out.Function.Arguments); err != nil {
			return fmt.Errorf("decoding tool call arguments: %w", err)
		}
	default:
		var buf bytes.Buffer
		if err := json.Compact(&buf, raw); err != nil {
			return fmt.Errorf("decoding tool call arguments: %w", err)
		}
		out.Function.Arguments = validUTF8(buf.String())
	}
	*c = out.normalized()
	return nil
}

// validUTF8 replaces each invalid byte of s by U+FFFD, as encoding/json
// does when it decodes a string, so that arguments sent as an object read
// back the same after a round trip.
func validUTF8(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		b.WriteRune(r) // range yields utf8.RuneError for each invalid byte
	}
	return b.String()
}

// marshalNoEscape is json.Marshal without HTML escaping.
func MarshalNoEscape(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}
