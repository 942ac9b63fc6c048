package model

import (
	"context"
	"fmt"
	"time"

	"github.com/synthgen/synthgen/tracing"
)

// Client sends one chat-completion request. Implementations are safe for
// concurrent use.
type Client interface {
	Complete(ctx context.Context, req *Request) (*Response, error)
}

// Request is one chat-completion request. Nil pointers are not sent; a
// non-nil zero (temperature 0) is sent as 0.
type Request struct {
	Model       string
	Messages    []tracing.Message
	Tools       []Tool
	Temperature *float64
	TopP        *float64
	MaxTokens   *int
	// ResponseFormat, when set, is sent as
	// {type: json_schema, json_schema: {name, schema, strict: false}}.
	ResponseFormat *JSONSchemaFormat
	// ExtraBody is merged at the top level of the JSON body after every
	// other field (its keys win). Callers merge model keys, then provider
	// keys (provider wins).
	ExtraBody map[string]any
}

// Tool is a function the model may call.
type Tool struct {
	Name        string
	Description string
	Parameters  map[string]any // JSON Schema of the arguments
}

// JSONSchemaFormat is the native structured-output request.
type JSONSchemaFormat struct {
	Name   string
	Schema map[string]any
}

// Response is one reply: the first choice's assistant message and the
// request's bookkeeping. Build the conversation's message from it with
// tracing.AssistantReply(Content, Reasoning, ReasoningContent, ToolCalls, …),
// which picks `reasoning` over `reasoning_content`.
type Response struct {
	// Content is nil when the provider sent null or no content.
	Content *string
	// Reasoning is the message's `reasoning` field (vLLM, OpenRouter,
	// Ollama); ReasoningContent its `reasoning_content` field. Either may
	// be empty.
	Reasoning        string
	ReasoningContent string
	// ToolCalls are the calls as sent: arguments kept as the provider's
	// string ("{}" when empty), ids may be empty.
	ToolCalls    []tracing.ToolCall
	FinishReason string
	Usage        Usage
	// Latency is the time the (last) HTTP request took.
	Latency time.Duration
	// Attempts is the number of HTTP requests made for this reply (1 when
	// it was not retried); RateLimited how many of them were answered 429.
	// Set by WithRetries; 0 from a bare client.
	Attempts, RateLimited int
}

// Usage is the token usage of one reply.
type Usage struct {
	PromptTokens, CompletionTokens, ReasoningTokens int
}

// ErrorKind sorts provider errors into what the engine does about them
// (spec/engine.md, "Retries and failures").
type ErrorKind int

const (
	// KindRateLimited: 429; retried after Retry-After or a cooldown, never dropped.
	KindRateLimited ErrorKind = iota + 1
	// KindTransient: 500/502/503/504, connection reset or refused, HTTP
	// timeout, a malformed or cut-off 2xx body; retried with backoff, then
	// the cell fails.
	KindTransient
	// KindFatal: 400 (incl. context window), 401, 403, 404, 422, quota
	// exhausted; the cell fails at once.
	KindFatal
)

func (k ErrorKind) String() string {
	switch k {
	case KindRateLimited:
		return "rate_limited"
	case KindTransient:
		return "transient"
	case KindFatal:
		return "fatal"
	}
	return "unknown"
}

// Error is a classified provider error. It never holds an API key.
type Error struct {
	Kind       ErrorKind
	Status     int           // HTTP status, 0 for transport errors
	Provider   string        // provider name
	Model      string        // model id
	Message    string        // the provider's message (or the transport error)
	Hint       string        // what to do, e.g. "check the api_key's environment variable"
	RetryAfter time.Duration // from Retry-After, 0 when absent
	Err        error         // the underlying error, if any (never holding the key either)
	// Attempts and RateLimited count the HTTP requests made before giving
	// up, as in Response. Set by WithRetries.
	Attempts, RateLimited int
}

func (e *Error) Error() string {
	s := fmt.Sprintf("%s model %q", e.Provider, e.Model)
	if e.Status != 0 {
		s += fmt.Sprintf(": HTTP %d", e.Status)
	}
	if e.Message != "" {
		s += ": " + e.Message
	}
	if e.Hint != "" {
		s += " (" + e.Hint + ")"
	}
	if e.Attempts > 1 {
		s += fmt.Sprintf(" (gave up after %d attempts)", e.Attempts)
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }
