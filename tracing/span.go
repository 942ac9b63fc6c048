package tracing

import "time"

// Span is one unit of work of a generation run, LangSmith-run-shaped
// (spec/trace-toolkit.md, "Spans"): a trace is one row; its root span
// (RunType chain) is the row, the root's children are the row's cells, and
// a model cell's children are its model requests, tool calls and parse
// steps. Spans are written to spans/batch_NNNNN.parquet beside each row
// group, queried by tracing/query and exported.
type Span struct {
	ID       string `json:"id"`        // UUID
	TraceID  string `json:"trace_id"`  // the root span's ID
	ParentID string `json:"parent_id"` // "" for the root
	// RunType is chain (row), llm (an LLM cell and each model request under
	// it), tool (a tool call), parser (a parse or validation step of a
	// reply), sampler, expression, validation, seed.
	RunType string `json:"run_type"`
	// Name is the column for rows and cells, the model alias for requests,
	// the tool for tool calls.
	Name   string `json:"name"`
	Row    int64  `json:"row"`
	Column string `json:"column"`

	StartTime time.Time `json:"start_time"` // UTC, µs
	EndTime   time.Time `json:"end_time"`
	// Latency is EndTime − StartTime in seconds.
	Latency float64 `json:"latency"`

	Status string `json:"status"` // success or error
	Error  string `json:"error"`  // "" on success

	PromptTokens     int64 `json:"prompt_tokens"`
	CompletionTokens int64 `json:"completion_tokens"`
	ReasoningTokens  int64 `json:"reasoning_tokens"`
	TotalTokens      int64 `json:"total_tokens"`

	// Model, Provider, FinishReason and Attempt (HTTP attempts, retries
	// included) are set on model requests.
	Model        string `json:"model"`
	Provider     string `json:"provider"`
	FinishReason string `json:"finish_reason"`
	Attempt      int64  `json:"attempt"`

	// Tags mark what happened: tool_error, refused, truncated, corrected,
	// restarted.
	Tags []string `json:"tags"`
	// Metadata is the row's sampler and seed values as a JSON object (on the
	// root span; cells inherit it for queries).
	Metadata string `json:"metadata"`
}

// Span status values.
const (
	SpanSuccess = "success"
	SpanError   = "error"
)

// Span tags.
const (
	TagToolError = "tool_error"
	TagRefused   = "refused"
	TagTruncated = "truncated"
	TagCorrected = "corrected"
	TagRestarted = "restarted"
)
