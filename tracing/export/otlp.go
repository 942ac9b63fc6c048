package export

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/synthgen/synthgen/tracing"
)

// OTLP enum values (opentelemetry-proto, trace/v1): OTLP/JSON writes enums
// as integers.
const (
	otlpKindInternal = 1 // SPAN_KIND_INTERNAL
	otlpKindClient   = 3 // SPAN_KIND_CLIENT
	otlpStatusOK     = 1 // STATUS_CODE_OK
	otlpStatusError  = 2 // STATUS_CODE_ERROR
)

// serviceName is the service.name resource attribute and the scope name.
const serviceName = "synthgen"

const (
	mimeJSON = "application/json"
	mimeText = "text/plain"
)

// otlp is a record's trace as one OTLP/JSON TracesData object:
//
//	{"resourceSpans":[{"resource":{"attributes":[service.name]},
//	  "scopeSpans":[{"scope":{"name":"synthgen"},"spans":[...]}]}]}
//
// with the spans parents first. traceId is the trace UUID's 32 hex digits,
// spanId 16 derived from the span UUID (otlpSpanID), which is kept as the
// synthgen.span_id attribute. A span whose parent is not in the record
// hangs under the root.
//
// Spans carry synthgen.* attributes (span_id, row, column, run_type, tags,
// attempt, total_tokens on LLM cells), the OpenTelemetry GenAI semantic
// conventions on model requests, LLM cells and tool calls, and the
// OpenInference ones (openinference.span.kind, input.value, output.value,
// llm.*, tool.name) on every span, so Langfuse and Phoenix both render them
// (see otlpSpan). Model requests are named "chat {model}" and are CLIENT
// spans; tool calls are named "execute_tool {tool}"; every other span keeps
// its name and is INTERNAL.
func (w *Writer) otlp(rec Record) (any, error) {
	if len(rec.Spans) == 0 {
		return nil, ErrNoSpans
	}
	t := newSpanTree(rec)
	root := t.root.span
	traceID := root.TraceID
	if traceID == "" {
		traceID = root.ID
	}
	traceHex := otlpTraceID(traceID)
	spans := make([]*obj, len(t.order))
	for i, n := range t.order {
		s, err := w.otlpSpan(rec, n, traceHex)
		if err != nil {
			return nil, err
		}
		spans[i] = s
	}
	service := (&attrs{}).setString("service.name", serviceName)
	scopeSpans := (&obj{}).set("scope", (&obj{}).set("name", serviceName)).set("spans", spans)
	resourceSpans := (&obj{}).set("resource", (&obj{}).set("attributes", service.list)).
		set("scopeSpans", []*obj{scopeSpans})
	return (&obj{}).set("resourceSpans", []*obj{resourceSpans}), nil
}

// otlpSpan converts one span. The attributes by span:
//
//   - every span: openinference.span.kind (LLM for model requests and LLM
//     cells, TOOL for tool calls, EMBEDDING for embedding cells, else
//     CHAIN) and synthgen.*;
//   - the row: input.value, the row's sampler and seed values, and
//     output.value, {column: final answer} (JSON);
//   - model requests and LLM cells: gen_ai.operation.name "chat",
//     gen_ai.provider.name and (its older name) gen_ai.system,
//     gen_ai.request.model, gen_ai.response.model,
//     gen_ai.response.finish_reasons, gen_ai.input.messages and
//     gen_ai.output.messages (JSON strings in the GenAI "parts" format),
//     llm.model_name, llm.provider, llm.input_messages.N.message.* and
//     llm.output_messages.0.message.*, input.value ({"messages": [...]}) and
//     output.value (the reply), OpenAI-style JSON. Token counts
//     (gen_ai.usage.input_tokens and output_tokens, llm.token_count.*) are
//     on the requests only: backends add a trace's usage over its spans, so
//     the cell repeating its requests' sum would count it twice; the
//     cell's sum is synthgen.total_tokens;
//   - tool calls: gen_ai.operation.name "execute_tool", gen_ai.tool.name,
//     gen_ai.tool.type "function", gen_ai.tool.call.id,
//     gen_ai.tool.call.arguments, gen_ai.tool.call.result (successful calls),
//     tool.name, input.value (the arguments) and output.value (the result
//     text);
//   - other cells: output.value, the cell's value when it is one of the
//     row's sampler or seed values.
//
// Failed spans have status ERROR with the error text and an error.type
// attribute (tool_error for tool calls, else _OTHER); the others status OK.
func (w *Writer) otlpSpan(rec Record, n *spanNode, traceHex string) (*obj, error) {
	s := n.span
	a := &attrs{}
	name, kind := s.Name, otlpKindInternal
	failed := s.Error != "" || s.Status == tracing.SpanError
	switch {
	case n.parent == nil:
		a.setString("openinference.span.kind", "CHAIN")
		a.setJSON("input.value", rowMetadata(rec, s))
		a.setString("input.mime_type", mimeJSON)
		a.setJSON("output.value", finalAnswers(rec))
		a.setString("output.mime_type", mimeJSON)
	case n.isRequest():
		kind = otlpKindClient
		if s.Model != "" {
			name = "chat " + s.Model
		}
		w.otlpChat(a, n, s.Model, s.Provider, s.FinishReason, failed)
		if !failed {
			a.setInt("gen_ai.usage.input_tokens", s.PromptTokens)
			a.setInt("gen_ai.usage.output_tokens", s.CompletionTokens)
			a.setInt("llm.token_count.prompt", s.PromptTokens)
			a.setInt("llm.token_count.completion", s.CompletionTokens)
			a.setInt("llm.token_count.total", totalTokens(s))
			if s.ReasoningTokens > 0 {
				a.setInt("llm.token_count.completion_details.reasoning", s.ReasoningTokens)
			}
		}
	case n.isLLMCell():
		finish := ""
		if n.cell.finalRequest != nil {
			finish = n.cell.finalRequest.span.FinishReason
		}
		w.otlpChat(a, n, n.cell.model, n.cell.provider, finish, n.output == nil)
		if n.cell.totalTokens > 0 {
			a.setInt("synthgen.total_tokens", n.cell.totalTokens)
		}
	case s.RunType == runTool:
		name = "execute_tool " + s.Name
		a.setString("gen_ai.operation.name", "execute_tool")
		a.setString("gen_ai.tool.name", s.Name)
		a.setString("gen_ai.tool.type", tracing.ToolCallFunction)
		a.setString("openinference.span.kind", "TOOL")
		a.setString("tool.name", s.Name)
		if n.call != nil {
			args := argumentsText(*n.call)
			a.setString("gen_ai.tool.call.id", n.call.ID)
			a.setString("gen_ai.tool.call.arguments", args)
			a.setString("input.value", args)
			if strings.HasPrefix(args, "{") && json.Valid([]byte(args)) {
				a.setString("input.mime_type", mimeJSON)
			} else {
				a.setString("input.mime_type", mimeText)
			}
		}
		if n.result != nil {
			res := text(*n.result)
			if !failed {
				a.setString("gen_ai.tool.call.result", res)
			}
			a.setString("output.value", res)
			a.setString("output.mime_type", mimeText)
		}
	default:
		a.setString("openinference.span.kind", openInferenceKind(s.RunType))
		if v, ok := cellValue(rec, n); ok {
			a.setJSON("output.value", v)
			a.setString("output.mime_type", mimeJSON)
		}
	}
	if failed {
		errType := "_OTHER"
		if s.RunType == runTool {
			errType = tracing.TagToolError
		}
		a.setString("error.type", errType)
	}
	a.setString("synthgen.span_id", s.ID)
	if name != s.Name {
		a.setString("synthgen.name", s.Name)
	}
	a.setInt("synthgen.row", s.Row)
	if s.Column != "" {
		a.setString("synthgen.column", s.Column)
	}
	a.setString("synthgen.run_type", s.RunType)
	if len(s.Tags) > 0 {
		a.setStrings("synthgen.tags", s.Tags)
	}
	if s.Attempt > 0 {
		a.setInt("synthgen.attempt", s.Attempt)
	}
	if a.err != nil {
		return nil, a.err
	}
	o := (&obj{}).set("traceId", traceHex).set("spanId", otlpSpanID(s.ID))
	if n.parent != nil {
		o.set("parentSpanId", otlpSpanID(n.parent.span.ID))
	}
	o.set("name", name).set("kind", kind).
		set("startTimeUnixNano", unixNano(s.StartTime)).set("endTimeUnixNano", unixNano(s.EndTime)).
		set("attributes", a.list)
	status := (&obj{}).set("code", otlpStatusOK)
	if failed {
		status = (&obj{}).set("code", otlpStatusError)
		if s.Error != "" {
			status.set("message", s.Error)
		}
	}
	o.set("status", status)
	return o, nil
}

// otlpChat sets the chat attributes of a model request or LLM cell: its
// model, provider and finish reason, and its messages (n.input, n.output).
// noResponse leaves out what only a response has.
func (w *Writer) otlpChat(a *attrs, n *spanNode, model, provider, finish string, noResponse bool) {
	a.setString("gen_ai.operation.name", "chat")
	a.setString("openinference.span.kind", "LLM")
	if provider != "" {
		a.setString("gen_ai.provider.name", provider)
		a.setString("gen_ai.system", provider)
		a.setString("llm.provider", provider)
	}
	if model != "" {
		a.setString("gen_ai.request.model", model)
		if !noResponse {
			a.setString("gen_ai.response.model", model)
		}
		a.setString("llm.model_name", model)
	}
	if finish != "" {
		a.setStrings("gen_ai.response.finish_reasons", []string{finish})
	}
	if len(n.input) > 0 {
		a.setJSON("gen_ai.input.messages", w.genAIMessages(n.input, "", false))
		w.openInferenceMessages(a, "llm.input_messages", n.input)
		a.setJSON("input.value", (&obj{}).set("messages", w.openAIMessages(n.input)))
		a.setString("input.mime_type", mimeJSON)
	}
	if n.output != nil {
		a.setJSON("gen_ai.output.messages", w.genAIMessages([]tracing.Message{*n.output}, finish, true))
		w.openInferenceMessages(a, "llm.output_messages", []tracing.Message{*n.output})
		a.setJSON("output.value", w.openAIMessage(*n.output, true))
		a.setString("output.mime_type", mimeJSON)
	}
}

// openAIMessages converts msgs to OpenAI chat messages, arguments as
// strings as the OpenAI API has them.
func (w *Writer) openAIMessages(msgs []tracing.Message) []*obj {
	out := make([]*obj, len(msgs))
	for i, m := range msgs {
		out[i] = w.openAIMessage(m, true)
	}
	return out
}

// genAIMessages converts msgs to the OpenTelemetry GenAI message format
// (semantic-conventions docs/gen-ai/gen-ai-input-messages.json and
// gen-ai-output-messages.json): {"role", "parts": [...]}, and for output
// messages "finish_reason".
func (w *Writer) genAIMessages(msgs []tracing.Message, finish string, output bool) []*obj {
	out := make([]*obj, len(msgs))
	for i, m := range msgs {
		o := (&obj{}).set("role", m.Role).set("parts", w.genAIParts(m))
		if output {
			o.set("finish_reason", genAIFinishReason(finish, m))
		}
		out[i] = o
	}
	return out
}

// genAIParts are a message's parts: reasoning (--reasoning keep; inline
// puts it before the text as <think>…</think>), text, images (uri, or blob
// for a base64 data: URL), tool calls (arguments as an object when they
// are one) and, for tool messages, one tool_call_response.
func (w *Writer) genAIParts(m tracing.Message) []*obj {
	part := func(typ string) *obj { return (&obj{}).set("type", typ) }
	if m.Role == tracing.RoleTool {
		return []*obj{part("tool_call_response").set("id", m.ToolCallID).set("response", text(m))}
	}
	var parts []*obj
	think := ""
	if m.Role == tracing.RoleAssistant && strings.TrimSpace(m.ReasoningContent) != "" {
		switch w.opts.Reasoning {
		case ReasoningKeep:
			parts = append(parts, part("reasoning").set("content", m.ReasoningContent))
		case ReasoningInline:
			think = thinkPrefix(m.ReasoningContent)
		}
	}
	for _, b := range m.Content {
		switch {
		case b.ImageURL != nil:
			parts = append(parts, imagePart(b.ImageURL.URL))
		case (b.Type == "" || b.Type == tracing.BlockText) && b.Text != "":
			parts = append(parts, part("text").set("content", think+b.Text))
			think = ""
		}
	}
	if think != "" {
		parts = append([]*obj{part("text").set("content", strings.TrimSpace(think))}, parts...)
	}
	if len(parts) == 0 && len(m.ToolCalls) == 0 {
		parts = append(parts, part("text").set("content", ""))
	}
	for _, c := range m.ToolCalls {
		parts = append(parts, part("tool_call").set("id", c.ID).set("name", c.Function.Name).set("arguments", arguments(c, false)))
	}
	return parts
}

// imagePart is an image as a GenAI part: a blob for a base64 data: URL,
// else a uri.
func imagePart(url string) *obj {
	if rest, ok := strings.CutPrefix(url, "data:"); ok {
		if meta, data, ok := strings.Cut(rest, ","); ok && strings.HasSuffix(meta, ";base64") {
			o := (&obj{}).set("type", "blob").set("modality", "image")
			if mime := strings.TrimSuffix(meta, ";base64"); mime != "" {
				o.set("mime_type", mime)
			}
			return o.set("content", data)
		}
	}
	return (&obj{}).set("type", "uri").set("modality", "image").set("uri", url)
}

// genAIFinishReason maps a provider's finish reason to the GenAI values
// (stop, length, content_filter, tool_call, error), passing others
// through; "" is tool_call for a message with tool calls, else stop.
func genAIFinishReason(finish string, m tracing.Message) string {
	switch finish {
	case "tool_calls", "function_call":
		return "tool_call"
	case "":
		if len(m.ToolCalls) > 0 {
			return "tool_call"
		}
		return "stop"
	}
	return finish
}

// openInferenceMessages sets the flattened OpenInference message
// attributes prefix.N.message.{role, content, tool_calls.M.tool_call.{id,
// function.name, function.arguments}, tool_call_id}.
func (w *Writer) openInferenceMessages(a *attrs, prefix string, msgs []tracing.Message) {
	for i, m := range msgs {
		p := prefix + "." + strconv.Itoa(i) + ".message."
		a.setString(p+"role", m.Role)
		content := text(m)
		if m.Role == tracing.RoleAssistant && w.opts.Reasoning == ReasoningInline {
			content = thinkPrefix(m.ReasoningContent) + content
		}
		if content != "" || len(m.ToolCalls) == 0 {
			a.setString(p+"content", content)
		}
		for j, c := range m.ToolCalls {
			q := p + "tool_calls." + strconv.Itoa(j) + ".tool_call."
			a.setString(q+"id", c.ID)
			a.setString(q+"function.name", c.Function.Name)
			a.setString(q+"function.arguments", argumentsText(c))
		}
		if m.ToolCallID != "" {
			a.setString(p+"tool_call_id", m.ToolCallID)
		}
	}
}

// argumentsText is a call's arguments as the JSON text the model sent
// ("{}" when empty).
func argumentsText(c tracing.ToolCall) string {
	if a := strings.TrimSpace(c.Function.Arguments); a != "" {
		return a
	}
	return tracing.EmptyArguments
}

// openInferenceKind is the openinference.span.kind of a span that is not a
// model request, LLM cell or tool call.
func openInferenceKind(runType string) string {
	if runType == runEmbedding {
		return "EMBEDDING"
	}
	return "CHAIN"
}

// rowMetadata is the row's sampler and seed values: Record.Metadata with
// its keys sorted, else the root span's metadata JSON, else {}.
func rowMetadata(rec Record, root *tracing.Span) any {
	if len(rec.Metadata) > 0 {
		o := &obj{}
		for _, k := range sortedKeys(rec.Metadata) {
			o.set(k, rec.Metadata[k])
		}
		return o
	}
	if m := strings.TrimSpace(root.Metadata); strings.HasPrefix(m, "{") && json.Valid([]byte(m)) {
		return json.RawMessage(compact(m))
	}
	return &obj{}
}

// cellValue is the value of the column of a cell other than an LLM one when
// it is among the row's sampler and seed values.
func cellValue(rec Record, n *spanNode) (any, bool) {
	if !n.isCell() || n.span.RunType == runLLM {
		return nil, false
	}
	v, ok := rec.Metadata[cellColumn(n.span)]
	return v, ok
}

// totalTokens is a request's total, prompt plus completion when unset.
func totalTokens(s *tracing.Span) int64 {
	if s.TotalTokens > 0 {
		return s.TotalTokens
	}
	return s.PromptTokens + s.CompletionTokens
}

func unixNano(t time.Time) string {
	if t.IsZero() {
		return "0"
	}
	return strconv.FormatInt(t.UnixNano(), 10)
}

// attrs is an OTLP attribute list (KeyValue objects). The first error of a
// JSON-valued attribute is kept in err.
type attrs struct {
	list []*obj
	err  error
}

func (a *attrs) set(key string, value *obj) *attrs {
	a.list = append(a.list, (&obj{}).set("key", key).set("value", value))
	return a
}

func (a *attrs) setString(key, v string) *attrs {
	return a.set(key, (&obj{}).set("stringValue", v))
}

// setInt sets an intValue, a decimal string as OTLP/JSON writes int64.
func (a *attrs) setInt(key string, v int64) *attrs {
	return a.set(key, (&obj{}).set("intValue", strconv.FormatInt(v, 10)))
}

func (a *attrs) setStrings(key string, vs []string) *attrs {
	values := make([]*obj, len(vs))
	for i, v := range vs {
		values[i] = (&obj{}).set("stringValue", v)
	}
	return a.set(key, (&obj{}).set("arrayValue", (&obj{}).set("values", values)))
}

// setJSON sets a stringValue holding v as JSON.
func (a *attrs) setJSON(key string, v any) *attrs {
	b, err := tracing.MarshalNoEscape(v)
	if err != nil {
		if a.err == nil {
			a.err = fmt.Errorf("attribute %s: %w", key, err)
		}
		return a
	}
	return a.setString(key, string(b))
}
