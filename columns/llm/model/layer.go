package model

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"

	"github.com/synthgen/synthgen/tracing"
)

// exchange is one Complete call as the layer sees it: the request to write
// and, once the HTTP request is done, what came back. It travels in the
// request's context from the adapter, through go-openai, to the layer.
type exchange struct {
	req   *Request
	model string

	// Set by the layer when a response arrived and its body was read.
	status int
	header http.Header
	body   []byte
}

type exchangeKey struct{}

var emptyObject = []byte("{}")

func withExchange(ctx context.Context, x *exchange) context.Context {
	return context.WithValue(ctx, exchangeKey{}, x)
}

// layer is the http.RoundTripper between go-openai and the network that
// closes the library's gaps:
//   - it writes the JSON body from the Request (so temperature 0, top_p 0
//     and max_tokens are sent when set, n and tool_choice never) and merges
//     extra_body at the top level, over every other key;
//   - it adds the provider's extra headers;
//   - it reads the whole response body and keeps it, with the status and
//     headers, in the exchange: a 2xx reply is decoded from there once
//     (decodeReply: the `reasoning` field, a null content), and Retry-After
//     and non-JSON error bodies are read from there; go-openai gets "{}"
//     for a 2xx body and the body itself for an error.
//
// Requests without an exchange in their context pass through unchanged
// (apart from the headers).
type layer struct {
	base    http.RoundTripper
	headers map[string]string
}

func (l *layer) RoundTrip(r *http.Request) (*http.Response, error) {
	x, _ := r.Context().Value(exchangeKey{}).(*exchange)
	out := r.Clone(r.Context())
	for k, v := range l.headers {
		out.Header.Set(k, v)
	}
	if x != nil && r.Method == http.MethodPost {
		var lib []byte
		if r.Body != nil {
			var err error
			lib, err = io.ReadAll(r.Body)
			r.Body.Close()
			if err != nil {
				return nil, fmt.Errorf("reading request body: %w", err)
			}
		}
		body, err := x.requestBody(lib)
		if err != nil {
			return nil, err
		}
		out.Body = io.NopCloser(bytes.NewReader(body))
		out.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
		out.ContentLength = int64(len(body))
	}
	resp, err := l.base.RoundTrip(out)
	if err != nil || x == nil {
		return resp, err
	}
	raw, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, fmt.Errorf("reading response body: %w", err)
	}
	x.status, x.header, x.body = resp.StatusCode, resp.Header, raw
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		// decodeReply reads the body once; go-openai decodes nothing.
		raw = emptyObject
	}
	resp.Body = io.NopCloser(bytes.NewReader(raw))
	resp.ContentLength = int64(len(raw))
	return resp, nil
}

// requestBody is the JSON body sent for the exchange's request: the keys
// go-openai wrote (lib: model, stream), the request's fields, then
// extra_body; n and tool_choice are removed whatever set them.
func (x *exchange) requestBody(lib []byte) ([]byte, error) {
	if len(x.req.ExtraBody) == 0 {
		return x.plainBody()
	}
	return x.mapBody(lib)
}

// mapBody builds the body as a map, so extra_body can override any key.
func (x *exchange) mapBody(lib []byte) ([]byte, error) {
	body := map[string]any{}
	if len(bytes.TrimSpace(lib)) > 0 {
		if err := json.Unmarshal(lib, &body); err != nil {
			return nil, fmt.Errorf("reading go-openai's request body: %w", err)
		}
	}
	r := x.req
	body["model"] = x.model
	msgs := make([]wireMessage, len(r.Messages))
	for i, m := range r.Messages {
		msgs[i] = toWire(m)
	}
	body["messages"] = msgs
	delete(body, "tools")
	if len(r.Tools) > 0 {
		tools := make([]wireTool, len(r.Tools))
		for i, t := range r.Tools {
			tools[i] = wireTool{Type: tracing.ToolCallFunction, Function: wireFunction(t)}
		}
		body["tools"] = tools
	}
	if r.Temperature != nil {
		body["temperature"] = *r.Temperature
	}
	if r.TopP != nil {
		body["top_p"] = *r.TopP
	}
	if r.MaxTokens != nil {
		body["max_tokens"] = *r.MaxTokens
	}
	if f := r.ResponseFormat; f != nil {
		body["response_format"] = responseFormat(f)
	}
	maps.Copy(body, r.ExtraBody)
	delete(body, "n")
	delete(body, "tool_choice")
	b, err := tracing.MarshalNoEscape(body)
	if err != nil {
		return nil, fmt.Errorf("encoding request body: %w", err)
	}
	return b, nil
}

// wireRequest is the body of a request without extra_body, its keys in the
// order of the map-built body (sorted) so both give the same bytes.
type wireRequest struct {
	MaxTokens      *int          `json:"max_tokens,omitempty"`
	Messages       []wireMessage `json:"messages"`
	Model          string        `json:"model"`
	ResponseFormat any           `json:"response_format,omitempty"`
	Stream         bool          `json:"stream"` // as go-openai writes it
	Temperature    *float64      `json:"temperature,omitempty"`
	Tools          []wireTool    `json:"tools,omitempty"`
	TopP           *float64      `json:"top_p,omitempty"`
}

// plainBody encodes the request without a map: the common case, and the
// one on every request's path.
func (x *exchange) plainBody() ([]byte, error) {
	r := x.req
	w := wireRequest{Model: x.model, Messages: make([]wireMessage, len(r.Messages)),
		MaxTokens: r.MaxTokens, Temperature: r.Temperature, TopP: r.TopP}
	for i, m := range r.Messages {
		w.Messages[i] = toWire(m)
	}
	if len(r.Tools) > 0 {
		w.Tools = make([]wireTool, len(r.Tools))
		for i, t := range r.Tools {
			w.Tools[i] = wireTool{Type: tracing.ToolCallFunction, Function: wireFunction(t)}
		}
	}
	if f := r.ResponseFormat; f != nil {
		w.ResponseFormat = responseFormat(f)
	}
	b, err := tracing.MarshalNoEscape(w)
	if err != nil {
		return nil, fmt.Errorf("encoding request body: %w", err)
	}
	return b, nil
}

// wireMessage is a message in the OpenAI wire format.
type wireMessage struct {
	Role string `json:"role"`
	// Content is a string when the message is exactly one text block, else
	// the list of blocks.
	Content          any                `json:"content"`
	ReasoningContent string             `json:"reasoning_content,omitempty"`
	ToolCalls        []tracing.ToolCall `json:"tool_calls,omitempty"`
	ToolCallID       string             `json:"tool_call_id,omitempty"`
}

func toWire(m tracing.Message) wireMessage {
	w := wireMessage{Role: m.Role, ToolCallID: m.ToolCallID}
	switch {
	case len(m.Content) == 0:
		w.Content = ""
	case len(m.Content) == 1 && isText(m.Content[0]):
		w.Content = m.Content[0].Text
	default:
		w.Content = m.Content
	}
	if m.Role == tracing.RoleAssistant {
		// Echoed back: some providers require it on later turns.
		w.ReasoningContent = m.ReasoningContent
		w.ToolCalls = m.ToolCalls
	}
	return w
}

func isText(b tracing.Block) bool {
	return b.Type == tracing.BlockText || (b.Type == "" && b.ImageURL == nil)
}

type wireTool struct {
	Type     string       `json:"type"`
	Function wireFunction `json:"function"`
}

type wireFunction struct {
	Name        string         `json:"name"`
	Description string         `json:"description,omitempty"`
	Parameters  map[string]any `json:"parameters,omitempty"`
}

func responseFormat(f *JSONSchemaFormat) map[string]any {
	name := f.Name
	if name == "" {
		name = "output"
	}
	return map[string]any{
		"type":        "json_schema",
		"json_schema": map[string]any{"name": name, "schema": f.Schema, "strict": false},
	}
}
