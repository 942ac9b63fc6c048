package export

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/synthgen/synthgen/tracing"
)

// Formats.
const (
	FormatHFMessages = "hf-messages"
	FormatOpenAIFT   = "openai-ft"
	FormatShareGPT   = "sharegpt"
	FormatFlat       = "flat"
	FormatEval       = "eval"
	// FormatOTLP writes one OTLP/JSON TracesData line per record (= per
	// row's trace); it needs Record.Spans.
	FormatOTLP = "otlp"
	// FormatLangSmith writes one LangSmith run line per span of the
	// record's trace; it needs Record.Spans.
	FormatLangSmith = "langsmith"
)

// Formats lists the formats this package writes, the default first.
var Formats = []string{FormatHFMessages, FormatOpenAIFT, FormatShareGPT, FormatFlat, FormatEval, FormatOTLP, FormatLangSmith}

// Reasoning modes: keep reasoning_content on assistant turns, drop it, or
// inline it as "<think>…</think>" before the content.
const (
	ReasoningKeep   = "keep"
	ReasoningDrop   = "drop"
	ReasoningInline = "inline"
)

// ErrUsage marks an invalid format or option.
var ErrUsage = errors.New("invalid export options")

// ErrSkipped marks a record that cannot be written in the format (e.g. a
// conversation whose roles cannot alternate as LLaMA-Factory requires); the
// Writer wrote nothing for it and the caller may go on.
var ErrSkipped = errors.New("record skipped")

// ErrNoSpans marks a record without spans written in a format made of spans
// (otlp, langsmith); the Writer wrote nothing for it.
var ErrNoSpans = errors.New("the dataset has no span log (run made with run_config.write_spans: false)")

// Record is one row's conversation of one column, as an exporter reads it.
// The Writer does not mutate or keep any of its slices or maps.
type Record struct {
	Row    int64
	Column string
	// Messages is the {col}__trace value.
	Messages []tracing.Message
	// Tools are the tool schemas offered, OpenAI function tools
	// ({"type":"function","function":{"name","description","parameters"}});
	// nil when unknown or none.
	Tools []json.RawMessage
	// Metadata is the row's sampler and seed values.
	Metadata map[string]any
	// Scores are the row's judge scores keyed "<judge column>.<score name>.score".
	Scores map[string]any
	// Spans are the spans of the row's trace from the span log (root first,
	// parents before children); nil when the run wrote none.
	Spans []tracing.Span
	// Conversations are the traces of every LLM column of the row that kept
	// one, by column (Column's is Messages); nil when only Messages is known.
	Conversations map[string][]tracing.Message
}

// Options configure a Writer.
type Options struct {
	Format string // default hf-messages
	// Reasoning is keep, drop or inline; "" is the format's default (keep for
	// hf-messages, eval, otlp and langsmith, drop for openai-ft, inline for
	// sharegpt; flat leaves reasoning out).
	Reasoning string
	// ArgumentsAsString writes tool call arguments as JSON text instead of
	// objects (hf-messages, eval), for Arrow-based readers, which cannot hold
	// objects of varying keys in one column.
	ArgumentsAsString bool
	// Warn, if set, receives each kind of warning once (e.g. reasoning
	// dropped by openai-ft).
	Warn func(string)
}

// Writer writes one JSON line per record (langsmith: one per span of the
// record). It is not safe for concurrent use.
type Writer struct {
	w      *bufio.Writer
	opts   Options
	warned map[string]bool
	n      int // records written
	lines  int
	buf    bytes.Buffer // a record's lines
}

// NewWriter returns a Writer of opts.Format to w; Close flushes it.
func NewWriter(w io.Writer, opts Options) (*Writer, error) {
	if opts.Format == "" {
		opts.Format = FormatHFMessages
	}
	if !slices.Contains(Formats, opts.Format) {
		return nil, fmt.Errorf("%w: unknown format %q (want one of %s)", ErrUsage, opts.Format, strings.Join(Formats, ", "))
	}
	if opts.Reasoning == "" {
		switch opts.Format {
		case FormatOpenAIFT, FormatFlat:
			opts.Reasoning = ReasoningDrop
		case FormatShareGPT:
			opts.Reasoning = ReasoningInline
		default:
			opts.Reasoning = ReasoningKeep
		}
	}
	switch opts.Reasoning {
	case ReasoningKeep, ReasoningDrop, ReasoningInline:
	default:
		return nil, fmt.Errorf("%w: --reasoning must be keep, drop or inline, not %q", ErrUsage, opts.Reasoning)
	}
	if opts.Format == FormatOpenAIFT && opts.Reasoning == ReasoningKeep {
		// OpenAI fine-tuning has no reasoning field.
		opts.Reasoning = ReasoningDrop
	}
	if opts.Format == FormatShareGPT && opts.Reasoning == ReasoningKeep {
		// ShareGPT has no reasoning field: keep means inline.
		opts.Reasoning = ReasoningInline
	}
	return &Writer{w: bufio.NewWriter(w), opts: opts, warned: map[string]bool{}}, nil
}

// Written is the number of records (rows) written. It equals Lines but for
// langsmith, which writes a line per span.
func (w *Writer) Written() int { return w.n }

// Lines is the number of lines written.
func (w *Writer) Lines() int { return w.lines }

// Write writes rec's line (langsmith: lines). An error wrapping ErrSkipped
// or ErrNoSpans wrote nothing and leaves the Writer usable; other errors are
// write errors.
func (w *Writer) Write(rec Record) error {
	var (
		line  any
		lines []any
		err   error
	)
	switch w.opts.Format {
	case FormatHFMessages:
		line = w.hfMessages(rec)
	case FormatOpenAIFT:
		line = w.openAIFT(rec)
	case FormatShareGPT:
		line, err = w.shareGPT(rec)
	case FormatFlat:
		line = flat(rec)
	case FormatEval:
		line, err = w.eval(rec)
	case FormatOTLP:
		line, err = w.otlp(rec)
	case FormatLangSmith:
		lines, err = w.langSmith(rec)
	}
	if err == nil && line != nil {
		lines = []any{line}
	}
	// Encode every line before writing any, so an error writes nothing.
	w.buf.Reset()
	for _, l := range lines {
		if err != nil {
			break
		}
		if err = appendJSON(&w.buf, l); err == nil {
			w.buf.WriteByte('\n')
		}
	}
	if err != nil {
		return fmt.Errorf("row %d, column %q: %w", rec.Row, rec.Column, err)
	}
	if _, err := w.w.Write(w.buf.Bytes()); err != nil {
		return err
	}
	w.n++
	w.lines += len(lines)
	return nil
}

// Close flushes the buffered lines. It does not close the underlying writer.
func (w *Writer) Close() error { return w.w.Flush() }

func (w *Writer) warnOnce(key, msg string) {
	if w.warned[key] || w.opts.Warn == nil {
		w.warned[key] = true
		return
	}
	w.warned[key] = true
	w.opts.Warn(msg)
}

// obj is a JSON object with keys in insertion order.
type obj struct {
	keys []string
	vals []any
}

func (o *obj) set(k string, v any) *obj {
	o.keys = append(o.keys, k)
	o.vals = append(o.vals, v)
	return o
}

func (o *obj) MarshalJSON() ([]byte, error) {
	var buf bytes.Buffer
	if err := appendJSON(&buf, o); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// appendJSON writes v to buf without HTML escaping. Objects and lists of
// this package's types are written directly: through encoding/json, a
// Marshaler's output is re-compacted at every level, which made deep lines
// (otlp) quadratic in their depth.
func appendJSON(buf *bytes.Buffer, v any) error {
	switch t := v.(type) {
	case *obj:
		buf.WriteByte('{')
		for i, k := range t.keys {
			if i > 0 {
				buf.WriteByte(',')
			}
			if err := appendJSON(buf, k); err != nil {
				return err
			}
			buf.WriteByte(':')
			if err := appendJSON(buf, t.vals[i]); err != nil {
				return err
			}
		}
		buf.WriteByte('}')
		return nil
	case []*obj:
		return appendList(buf, t)
	case []any:
		return appendList(buf, t)
	case json.RawMessage:
		return json.Compact(buf, t)
	case string:
		if plainString(t) {
			buf.WriteByte('"')
			buf.WriteString(t)
			buf.WriteByte('"')
			return nil
		}
	}
	b, err := tracing.MarshalNoEscape(v)
	if err != nil {
		return err
	}
	buf.Write(b)
	return nil
}

func appendList[T any](buf *bytes.Buffer, list []T) error {
	buf.WriteByte('[')
	for i, x := range list {
		if i > 0 {
			buf.WriteByte(',')
		}
		if err := appendJSON(buf, x); err != nil {
			return err
		}
	}
	buf.WriteByte(']')
	return nil
}

// plainString says whether s is written in JSON as it is, between quotes:
// printable ASCII without '"' and '\\'.
func plainString(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}

// text joins the text blocks of m with "\n".
func text(m tracing.Message) string { return m.TextContent() }

func hasImage(m tracing.Message) bool {
	for _, b := range m.Content {
		if b.ImageURL != nil {
			return true
		}
	}
	return false
}

// content is a message's content in OpenAI form: a string, or the list of
// content parts when it holds images.
func content(m tracing.Message) any {
	if hasImage(m) {
		return m.Content // the trace's blocks are OpenAI content parts
	}
	return text(m)
}

func thinkPrefix(reasoning string) string {
	r := strings.TrimSpace(reasoning)
	if r == "" {
		return ""
	}
	return "<think>\n" + r + "\n</think>\n\n"
}

// withInlineReasoning returns the content with the reasoning before it.
func withInlineReasoning(m tracing.Message) any {
	p := thinkPrefix(m.ReasoningContent)
	if p == "" {
		return content(m)
	}
	if hasImage(m) {
		return append([]tracing.Block{tracing.TextBlock(p)}, m.Content...)
	}
	return p + text(m)
}

// arguments returns a call's arguments as an object (decoded JSON) or, when
// asString or when they are not a JSON object, as the string.
func arguments(c tracing.ToolCall, asString bool) any {
	a := strings.TrimSpace(c.Function.Arguments)
	if a == "" {
		a = tracing.EmptyArguments
	}
	if asString {
		return a
	}
	if !strings.HasPrefix(a, "{") || !json.Valid([]byte(a)) {
		return a
	}
	return json.RawMessage(compact(a))
}

func compact(s string) string {
	var buf bytes.Buffer
	if json.Compact(&buf, []byte(s)) != nil {
		return s
	}
	return buf.String()
}

// openAIMessage converts m to an OpenAI chat message. allowed keys only:
// role, content, tool_calls, tool_call_id (and reasoning_content when keep).
func (w *Writer) openAIMessage(m tracing.Message, argsAsString bool) *obj {
	o := &obj{}
	o.set("role", m.Role)
	if m.Role == tracing.RoleAssistant {
		switch w.opts.Reasoning {
		case ReasoningInline:
			o.set("content", withInlineReasoning(m))
		case ReasoningKeep:
			o.set("content", content(m))
			if r := m.ReasoningContent; r != "" {
				o.set("reasoning_content", r)
			}
		default:
			if m.ReasoningContent != "" && w.opts.Format == FormatOpenAIFT {
				w.warnOnce("reasoning", "openai-ft: reasoning is dropped (OpenAI fine-tuning files have no reasoning field; use --reasoning inline to keep it in the content)")
			}
			o.set("content", content(m))
		}
	} else {
		o.set("content", content(m))
	}
	if len(m.ToolCalls) > 0 {
		calls := make([]*obj, len(m.ToolCalls))
		for i, c := range m.ToolCalls {
			typ := c.Type
			if typ == "" {
				typ = tracing.ToolCallFunction
			}
			fn := (&obj{}).set("name", c.Function.Name).set("arguments", arguments(c, argsAsString))
			calls[i] = (&obj{}).set("id", c.ID).set("type", typ).set("function", fn)
		}
		o.set("tool_calls", calls)
	}
	if m.ToolCallID != "" {
		o.set("tool_call_id", m.ToolCallID)
	}
	return o
}

func tools(rec Record) []json.RawMessage {
	if rec.Tools == nil {
		return []json.RawMessage{}
	}
	return rec.Tools
}

func (w *Writer) hfMessages(rec Record) any {
	msgs := make([]*obj, len(rec.Messages))
	for i, m := range rec.Messages {
		msgs[i] = w.openAIMessage(m, w.opts.ArgumentsAsString)
	}
	return (&obj{}).set("messages", msgs).set("tools", tools(rec))
}

func (w *Writer) openAIFT(rec Record) any {
	msgs := make([]*obj, len(rec.Messages))
	parallel := false
	for i, m := range rec.Messages {
		msgs[i] = w.openAIMessage(m, true)
		parallel = parallel || len(m.ToolCalls) > 1
	}
	o := (&obj{}).set("messages", msgs)
	if len(rec.Tools) > 0 {
		o.set("tools", rec.Tools)
		o.set("parallel_tool_calls", parallel)
	}
	return o
}

// lastAssistant is the index of the final answer: the last assistant message
// without tool calls; -1 when there is none.
func lastAssistant(msgs []tracing.Message) int {
	for i := len(msgs) - 1; i >= 0; i-- {
		if msgs[i].Role == tracing.RoleAssistant {
			if len(msgs[i].ToolCalls) > 0 {
				return -1
			}
			return i
		}
	}
	return -1
}

func (w *Writer) eval(rec Record) (any, error) {
	i := lastAssistant(rec.Messages)
	if i < 0 {
		return nil, fmt.Errorf("%w: no final assistant answer", ErrSkipped)
	}
	msgs := make([]*obj, i)
	for j, m := range rec.Messages[:i] {
		msgs[j] = w.openAIMessage(m, w.opts.ArgumentsAsString)
	}
	inputs := (&obj{}).set("messages", msgs)
	if len(rec.Tools) > 0 {
		inputs.set("tools", rec.Tools)
	}
	// metadata: the row's sampler and seed values, plus row and column
	// unless a value has that name.
	meta := &obj{}
	if _, ok := rec.Metadata["row"]; !ok {
		meta.set("row", rec.Row)
	}
	if _, ok := rec.Metadata["column"]; !ok {
		meta.set("column", rec.Column)
	}
	for _, k := range sortedKeys(rec.Metadata) {
		meta.set(k, rec.Metadata[k])
	}
	return (&obj{}).set("inputs", inputs).set("expected", text(rec.Messages[i])).set("metadata", meta), nil
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
