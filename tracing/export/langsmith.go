package export

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/synthgen/synthgen/tracing"
)

// LangSmith's run types; every other run type of the span log (sampler,
// expression, validation, seed) is a chain.
var langSmithRunTypes = map[string]bool{
	"tool": true, "chain": true, "llm": true, "retriever": true,
	"embedding": true, "prompt": true, "parser": true,
}

// langSmithTime is the layout of start_time and end_time: ISO-8601, µs, UTC.
const langSmithTime = "2006-01-02T15:04:05.000000Z"

// langSmith is a record's trace as LangSmith runs, one line per span,
// parents first, in the shape of the LangSmith API's run create body (POST
// /runs, /runs/batch):
//
//	{"id", "trace_id", "parent_run_id" (null for the root), "dotted_order",
//	 "name", "run_type", "start_time", "end_time", "inputs", "outputs",
//	 "error" (null on success), "tags", "extra": {"metadata": {...}}}
//
// id and trace_id are the span log's UUIDs. run_type is the span's when
// LangSmith knows it, else chain. extra.metadata holds row and column,
// model, provider, finish_reason and attempt when set (with ls_provider and
// ls_model_name on model requests, which LangSmith reads to price them),
// the tool call ID on tool runs, and then the row's sampler and seed values
// (a value whose name is taken is left out).
//
// inputs and outputs:
//
//   - the row: inputs the row's sampler and seed values, outputs {column:
//     final answer text} for every conversation of the row;
//   - model requests and LLM cells: inputs {"messages": [...]} (and
//     "tools", the OpenAI tool schemas, when known), outputs {"choices":
//     [{"index": 0, "message": ..., "finish_reason": ...}]}, OpenAI-style
//     messages with arguments as strings. The reply is an OpenAI chat
//     completion rather than LangChain's {"messages": [...]}: that is what
//     one model request returned, LangSmith's LLM view renders
//     choices[].message as the assistant turn, and inputs and outputs then
//     share one message format (OpenAI's, tool calls included);
//   - model requests add outputs.usage_metadata {input_tokens,
//     output_tokens, total_tokens, output_token_details: {reasoning}}, the
//     token counts LangSmith reads from a run. The LLM cell has none: trace
//     totals add up the runs, so repeating its requests' sum would count it
//     twice;
//   - tool runs: inputs the call's arguments (an object; {"input": text}
//     when they are not one), outputs {"output": result text};
//   - other cells: outputs {"output": value} when the value is among the
//     row's sampler and seed values; parse steps: empty objects.
func (w *Writer) langSmith(rec Record) ([]any, error) {
	if len(rec.Spans) == 0 {
		return nil, ErrNoSpans
	}
	t := newSpanTree(rec)
	root := t.root.span
	traceID := langSmithID(root.ID)
	dotted := make(map[*spanNode]string, len(t.order))
	lines := make([]any, 0, len(t.order))
	for _, n := range t.order {
		s := n.span
		id := langSmithID(s.ID)
		d := dottedOrderPart(s.StartTime, id)
		if n.parent != nil {
			d = dotted[n.parent] + "." + d
		}
		dotted[n] = d
		o := (&obj{}).set("id", id).set("trace_id", traceID)
		if n.parent != nil {
			o.set("parent_run_id", langSmithID(n.parent.span.ID))
		} else {
			o.set("parent_run_id", nil)
		}
		runType := s.RunType
		if !langSmithRunTypes[runType] {
			runType = runChain
		}
		o.set("dotted_order", d).set("name", s.Name).set("run_type", runType).
			set("start_time", s.StartTime.UTC().Format(langSmithTime)).
			set("end_time", s.EndTime.UTC().Format(langSmithTime))
		inputs, outputs := w.langSmithIO(rec, n)
		o.set("inputs", inputs).set("outputs", outputs)
		switch {
		case s.Error != "":
			o.set("error", s.Error)
		case s.Status == tracing.SpanError:
			o.set("error", tracing.SpanError)
		default:
			o.set("error", nil)
		}
		tags := s.Tags
		if tags == nil {
			tags = []string{}
		}
		o.set("tags", tags).set("extra", (&obj{}).set("metadata", langSmithMetadata(rec, n)))
		lines = append(lines, o)
	}
	return lines, nil
}

// langSmithIO returns a run's inputs and outputs (see langSmith).
func (w *Writer) langSmithIO(rec Record, n *spanNode) (inputs, outputs *obj) {
	s := n.span
	inputs, outputs = &obj{}, &obj{}
	switch {
	case n.parent == nil:
		switch m := rowMetadata(rec, s).(type) {
		case *obj:
			inputs = m
		case json.RawMessage:
			inputs = rawObject(m)
		}
		outputs = finalAnswers(rec)
	case n.isRequest() || n.isLLMCell():
		if n.input != nil {
			inputs.set("messages", w.openAIMessages(n.input))
			if n.cell != nil && n.cell.column == rec.Column && len(rec.Tools) > 0 {
				inputs.set("tools", rec.Tools)
			}
		}
		if n.output != nil {
			finish := s.FinishReason
			if n.isLLMCell() && n.cell.finalRequest != nil {
				finish = n.cell.finalRequest.span.FinishReason
			}
			choice := (&obj{}).set("index", 0).set("message", w.openAIMessage(*n.output, true))
			if finish != "" {
				choice.set("finish_reason", finish)
			}
			outputs.set("choices", []*obj{choice})
		}
		if n.isRequest() && s.Error == "" && s.Status != tracing.SpanError {
			usage := (&obj{}).set("input_tokens", s.PromptTokens).set("output_tokens", s.CompletionTokens).
				set("total_tokens", totalTokens(s))
			if s.ReasoningTokens > 0 {
				usage.set("output_token_details", (&obj{}).set("reasoning", s.ReasoningTokens))
			}
			outputs.set("usage_metadata", usage)
		}
	case s.RunType == runTool:
		if n.call != nil {
			if args, ok := arguments(*n.call, false).(json.RawMessage); ok {
				inputs = rawObject(args)
			} else {
				inputs.set("input", argumentsText(*n.call))
			}
		}
		if n.result != nil {
			outputs.set("output", text(*n.result))
		}
	default:
		if v, ok := cellValue(rec, n); ok {
			outputs.set("output", v)
		}
	}
	return inputs, outputs
}

// rawObject is the JSON object b (valid, compact) as an obj, its keys in
// their order.
func rawObject(b json.RawMessage) *obj {
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.UseNumber()
	o := &obj{}
	if _, err := dec.Token(); err != nil { // {
		return o
	}
	for dec.More() {
		k, err := dec.Token()
		if err != nil {
			return o
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return o
		}
		o.set(k.(string), v)
	}
	return o
}

// langSmithMetadata is a run's extra.metadata (see langSmith).
func langSmithMetadata(rec Record, n *spanNode) *obj {
	s := n.span
	m := (&obj{}).set("row", s.Row)
	if s.Column != "" {
		m.set("column", s.Column)
	}
	model, provider := s.Model, s.Provider
	if n.isLLMCell() {
		model, provider = n.cell.model, n.cell.provider
	}
	if model != "" {
		m.set("model", model)
	}
	if provider != "" {
		m.set("provider", provider)
	}
	if s.FinishReason != "" {
		m.set("finish_reason", s.FinishReason)
	}
	if s.Attempt > 0 {
		m.set("attempt", s.Attempt)
	}
	if n.isRequest() {
		if provider != "" {
			m.set("ls_provider", provider)
		}
		if model != "" {
			m.set("ls_model_name", model)
		}
	}
	if n.call != nil && n.call.ID != "" {
		m.set("tool_call_id", n.call.ID)
	}
	taken := make(map[string]bool, len(m.keys))
	for _, k := range m.keys {
		taken[k] = true
	}
	for _, k := range sortedKeys(rec.Metadata) {
		if !taken[k] {
			m.set(k, rec.Metadata[k])
		}
	}
	return m
}

// dottedOrderPart is one run's part of a dotted_order: its start time as
// %Y%m%dT%H%M%S%fZ (the LangSmith SDKs' layout: µs, no separator before
// them) followed by its ID.
func dottedOrderPart(start time.Time, id string) string {
	t := start.UTC()
	return fmt.Sprintf("%s%06dZ%s", t.Format("20060102T150405"), t.Nanosecond()/1000, id)
}
