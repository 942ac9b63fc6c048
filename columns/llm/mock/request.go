package mock

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
)

// chatRequest is the part of an OpenAI chat-completion request the mock reads.
type chatRequest struct {
	Model               string          `json:"model"`
	Messages            []chatMessage   `json:"messages"`
	Tools               []chatTool      `json:"tools"`
	ResponseFormat      *responseFormat `json:"response_format"`
	MaxTokens           *int            `json:"max_tokens"`
	MaxCompletionTokens *int            `json:"max_completion_tokens"`
	Stream              bool            `json:"stream"`
	Mock                map[string]any  `json:"mock"`

	rawMessages json.RawMessage
}

type chatMessage struct {
	Role       string          `json:"role"`
	Content    json.RawMessage `json:"content"`
	ToolCalls  []toolCall      `json:"tool_calls"`
	ToolCallID string          `json:"tool_call_id"`

	text string // the text blocks of Content, joined with "\n"
}

type toolCall struct {
	ID       string       `json:"id"`
	Type     string       `json:"type"`
	Function functionCall `json:"function"`
}

type functionCall struct {
	Name      string `json:"name"`
	Arguments string `json:"arguments"`
}

type chatTool struct {
	Type     string `json:"type"`
	Function struct {
		Name        string          `json:"name"`
		Description string          `json:"description"`
		Parameters  json.RawMessage `json:"parameters"`
	} `json:"function"`
}

type responseFormat struct {
	Type       string `json:"type"`
	JSONSchema *struct {
		Name   string          `json:"name"`
		Schema json.RawMessage `json:"schema"`
	} `json:"json_schema"`
}

// parseRequest decodes and checks a request body.
func parseRequest(body []byte) (*chatRequest, error) {
	var req chatRequest
	if err := json.Unmarshal(body, &req); err != nil {
		return nil, fmt.Errorf("the request body is not a valid chat-completion request: %v", err)
	}
	var raw struct {
		Messages json.RawMessage `json:"messages"`
	}
	_ = json.Unmarshal(body, &raw) // the body decoded above
	req.rawMessages = raw.Messages
	if req.Model == "" {
		return nil, fmt.Errorf("you must provide a model parameter")
	}
	if len(req.Messages) == 0 {
		return nil, fmt.Errorf("'messages' must contain at least one message")
	}
	if req.Stream {
		return nil, fmt.Errorf("the mock model does not stream: send stream=false")
	}
	for i := range req.Messages {
		t, err := contentText(req.Messages[i].Content)
		if err != nil {
			return nil, fmt.Errorf("messages[%d].content: %v", i, err)
		}
		req.Messages[i].text = t
	}
	for i, t := range req.Tools {
		if t.Function.Name == "" {
			return nil, fmt.Errorf("tools[%d].function.name is missing", i)
		}
	}
	return &req, nil
}

// contentText reads a message content: a string, null, or a list of blocks
// whose text blocks are joined with "\n".
func contentText(raw json.RawMessage) (string, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return "", nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		return s, nil
	}
	var blocks []struct {
		Type string `json:"type"`
		Text string `json:"text"`
	}
	if err := json.Unmarshal(raw, &blocks); err != nil {
		return "", fmt.Errorf("must be a string or a list of content blocks")
	}
	var parts []string
	for _, b := range blocks {
		if b.Type == "text" || (b.Type == "" && b.Text != "") {
			parts = append(parts, b.Text)
		}
	}
	return strings.Join(parts, "\n"), nil
}

// requestKey hashes the messages (in a canonical form), the model and the
// seed: everything the mock decides for a request derives from it.
func requestKey(req *chatRequest, seed int64) [32]byte {
	var v any
	canon := req.rawMessages
	if json.Unmarshal(req.rawMessages, &v) == nil {
		if b, err := json.Marshal(v); err == nil { // maps marshal with sorted keys
			canon = b
		}
	}
	h := sha256.New()
	fmt.Fprintf(h, "model=%q\nseed=%d\nmessages=", req.Model, seed)
	h.Write(canon)
	var k [32]byte
	h.Sum(k[:0])
	return k
}

// rng returns a generator for the key's stream named by salt and n.
func rng(key [32]byte, salt string, n uint64) *rand.Rand {
	h := sha256.New()
	h.Write(key[:])
	fmt.Fprintf(h, "\n%s\n%d", salt, n)
	var s [32]byte
	h.Sum(s[:0])
	return rand.New(rand.NewPCG(binary.LittleEndian.Uint64(s[:8]), binary.LittleEndian.Uint64(s[8:16])))
}

// lastUser returns the text of the last user message.
func (r *chatRequest) lastUser() string {
	for i := len(r.Messages) - 1; i >= 0; i-- {
		if r.Messages[i].Role == "user" {
			return r.Messages[i].text
		}
	}
	return ""
}

// toolTurns counts the assistant messages with tool calls.
func (r *chatRequest) toolTurns() (turns, calls int) {
	for _, m := range r.Messages {
		if m.Role == "assistant" && len(m.ToolCalls) > 0 {
			turns++
			calls += len(m.ToolCalls)
		}
	}
	return turns, calls
}

// toolResult is one tool message with the name of the tool it answers.
type toolResult struct {
	tool, text string
}

// toolResults returns the tool messages of the conversation, in order.
func (r *chatRequest) toolResults() []toolResult {
	names := map[string]string{}
	var out []toolResult
	for _, m := range r.Messages {
		for _, c := range m.ToolCalls {
			names[c.ID] = c.Function.Name
		}
		if m.Role == "tool" {
			name := names[m.ToolCallID]
			if name == "" {
				name = "tool"
			}
			out = append(out, toolResult{tool: name, text: m.text})
		}
	}
	return out
}

// promptChars is the number of characters the prompt holds (for usage).
func (r *chatRequest) promptChars() int {
	n := 0
	for _, m := range r.Messages {
		n += len(m.Role) + len(m.text) + 16
		for _, c := range m.ToolCalls {
			n += len(c.Function.Name) + len(c.Function.Arguments) + 16
		}
	}
	for _, t := range r.Tools {
		n += len(t.Function.Name) + len(t.Function.Description) + len(t.Function.Parameters)
	}
	return n
}
