package model

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
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
	// go-openai gets only the model: the layer writes the body from req,
	// and keeps a 2xx body for decodeReply (go-openai decodes "{}").
	_, err := c.api.CreateChatCompletion(withExchange(ctx, x), openai.ChatCompletionRequest{Model: x.model})
	latency := time.Since(start)
	if err == nil {
		var resp *Response
		if resp, err = decodeReply(x.body); err == nil {
			resp.Latency = latency
			return resp, nil
		}
	}
	return nil, c.classify(ctx, err, x)
}

// errMalformed marks a 2xx reply that is not a chat completion.
var errMalformed = errors.New("malformed reply")

// wireReply is what synthgen reads of a chat completion, decoded once.
type wireReply struct {
	Choices []struct {
		Message struct {
			Content          json.RawMessage `json:"content"`
			Reasoning        json.RawMessage `json:"reasoning"`
			ReasoningContent string          `json:"reasoning_content"`
			// tracing.ToolCall reads arguments sent as a string or as an
			// object, and defaults the type and empty arguments.
			ToolCalls []tracing.ToolCall `json:"tool_calls"`
		} `json:"message"`
		FinishReason string `json:"finish_reason"`
	} `json:"choices"`
	Usage struct {
		PromptTokens            int `json:"prompt_tokens"`
		CompletionTokens        int `json:"completion_tokens"`
		CompletionTokensDetails *struct {
			ReasoningTokens int `json:"reasoning_tokens"`
		} `json:"completion_tokens_details"`
	} `json:"usage"`
}

// decodeReply reads the first choice of a chat completion body: content
// (null vs "", a string or a list of parts whose text parts are joined),
// reasoning_content and `reasoning`, tool calls, finish reason and usage.
func decodeReply(raw []byte) (*Response, error) {
	var out wireReply
	if err := json.Unmarshal(raw, &out); err != nil {
		return nil, fmt.Errorf("%w: %v", errMalformed, err)
	}
	if len(out.Choices) == 0 {
		return nil, fmt.Errorf("%w: no choices", errMalformed)
	}
	ch := out.Choices[0]
	m := ch.Message
	resp := &Response{
		ReasoningContent: m.ReasoningContent,
		FinishReason:     ch.FinishReason,
		Usage:            Usage{PromptTokens: out.Usage.PromptTokens, CompletionTokens: out.Usage.CompletionTokens},
	}
	if d := out.Usage.CompletionTokensDetails; d != nil {
		resp.Usage.ReasoningTokens = d.ReasoningTokens
	}
	switch content := bytes.TrimSpace(m.Content); {
	case len(content) == 0 || string(content) == "null":
	case content[0] == '[': // a list of parts: its text parts joined
		var parts []struct {
			Type string `json:"type"`
			Text string `json:"text"`
		}
		if err := json.Unmarshal(content, &parts); err != nil {
			return nil, fmt.Errorf("%w: content: %v", errMalformed, err)
		}
		var b strings.Builder
		for _, p := range parts {
			if p.Type == "text" {
				b.WriteString(p.Text)
			}
		}
		s := b.String()
		resp.Content = &s
	default:
		var s string
		if err := json.Unmarshal(content, &s); err != nil {
			return nil, fmt.Errorf("%w: content: %v", errMalformed, err)
		}
		resp.Content = &s
	}
	_ = json.Unmarshal(m.Reasoning, &resp.Reasoning) // a non-string reasoning is ignored
	resp.ToolCalls = m.ToolCalls
	return resp, nil
}
