package model

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"github.com/synthgen/synthgen/tracing"
)

// DefaultTimeout is the HTTP timeout of a request when the model sets none.
const DefaultTimeout = 60 * time.Second

// Endpoint is one OpenAI-compatible chat-completions endpoint.
type Endpoint struct {
	Provider string // the provider's name, for messages
	BaseURL  string // e.g. https://api.openai.com/v1 (…/chat/completions is appended)
	APIKey   string // sent as a bearer token when not empty; never in an error
	Model    string // the model id used when a Request leaves Model empty
	Headers  map[string]string
	Timeout  time.Duration // per HTTP request; 0 means DefaultTimeout
}

// NewOpenAI returns the Client of an endpoint, on go-openai. One Complete
// call makes one HTTP request (no retries: see WithRetries) and returns a
// *Error on any failure. The client is safe for concurrent use.
func NewOpenAI(ep Endpoint) Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	// One endpoint, up to max_parallel_requests at once: keep every
	// connection for reuse (idle ones close after IdleConnTimeout); a
	// smaller pool closes and reopens connections on every burst.
	t.MaxIdleConns = 0
	t.MaxIdleConnsPerHost = 1 << 16
	return newOpenAI(ep, t)
}

func newOpenAI(ep Endpoint, base http.RoundTripper) *openAIClient {
	cfg := openai.DefaultConfig(ep.APIKey)
	cfg.BaseURL = strings.TrimRight(ep.BaseURL, "/")
	cfg.HTTPClient = &http.Client{
		Timeout:   cmp.Or(ep.Timeout, DefaultTimeout),
		Transport: &layer{base: base, headers: ep.Headers},
	}
	return &openAIClient{ep: ep, api: openai.NewClientWithConfig(cfg)}
}

type openAIClient struct {
	ep  Endpoint
	api *openai.Client
}

func (c *openAIClient) Complete(ctx context.Context, req *Request) (*Response, error) {
	x := &exchange{req: req, model: cmp.Or(req.Model, c.ep.Model)}
	start := time.Now()
	// go-openai gets only the model: the layer writes the body from req.
	out, err := c.api.CreateChatCompletion(withExchange(ctx, x), openai.ChatCompletionRequest{Model: x.model})
	latency := time.Since(start)
	if err == nil {
		var resp *Response
		if resp, err = decodeReply(&out, x.body); err == nil {
			resp.Latency = latency
			return resp, nil
		}
	}
	return nil, c.classify(ctx, err, x)
}

// errMalformed marks a 2xx reply that is not a chat completion.
var errMalformed = errors.New("malformed reply")

// decodeReply reads the first choice: the standard fields from go-openai's
// decoding, content (null vs "") and `reasoning` from the raw body.
func decodeReply(out *openai.ChatCompletionResponse, raw []byte) (*Response, error) {
	if len(out.Choices) == 0 {
		return nil, errors.New("malformed reply: no choices")
	}
	var extra struct {
		Choices []struct {
			Message struct {
				Content   json.RawMessage `json:"content"`
				Reasoning json.RawMessage `json:"reasoning"`
			} `json:"message"`
		} `json:"choices"`
	}
	if err := json.Unmarshal(raw, &extra); err != nil || len(extra.Choices) == 0 {
		return nil, errMalformed
	}
	ch, m := out.Choices[0], extra.Choices[0].Message
	resp := &Response{
		ReasoningContent: ch.Message.ReasoningContent,
		FinishReason:     string(ch.FinishReason),
		Usage:            Usage{PromptTokens: out.Usage.PromptTokens, CompletionTokens: out.Usage.CompletionTokens},
	}
	if d := out.Usage.CompletionTokensDetails; d != nil {
		resp.Usage.ReasoningTokens = d.ReasoningTokens
	}
	switch content := bytes.TrimSpace(m.Content); {
	case len(content) == 0 || string(content) == "null":
	case content[0] == '[': // a list of parts: its text parts joined
		var b strings.Builder
		for _, p := range ch.Message.MultiContent {
			if p.Type == openai.ChatMessagePartTypeText {
				b.WriteString(p.Text)
			}
		}
		s := b.String()
		resp.Content = &s
	default:
		s := ch.Message.Content
		resp.Content = &s
	}
	_ = json.Unmarshal(m.Reasoning, &resp.Reasoning) // a non-string reasoning is ignored
	for _, tc := range ch.Message.ToolCalls {
		call := tracing.ToolCall{ID: tc.ID, Type: cmp.Or(string(tc.Type), tracing.ToolCallFunction),
			Function: tracing.FunctionCall{Name: tc.Function.Name, Arguments: tc.Function.Arguments}}
		if strings.TrimSpace(call.Function.Arguments) == "" {
			call.Function.Arguments = tracing.EmptyArguments
		}
		resp.ToolCalls = append(resp.ToolCalls, call)
	}
	return resp, nil
}
