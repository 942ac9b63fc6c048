package traceset

import (
	"encoding/json"
	"sort"
	"strconv"

	"github.com/synthgen/synthgen/tracing"
	"github.com/synthgen/synthgen/tracing/export"
	"github.com/synthgen/synthgen/tracing/query"
)

// Filters select spans and traces (spec/trace-toolkit.md, "Query
// language"): Span applies to each span, Trace to the root span of the
// span's trace, Tree to any span of the trace (some span must pass);
// RunType, when set, keeps only spans of that run type. Nil filters pass
// everything.
type Filters struct {
	Span, Trace, Tree *query.Filter
	RunType           string
}

// Trace is one row's trace, ready for filtering: its spans, root first,
// and the record each filter sees for each span.
type Trace struct {
	Row     int64
	Spans   []tracing.Span
	Records []query.Record // parallel to Spans
}

// Select returns the indices of t's spans that pass fs; none when the
// trace or tree filter rejects the trace.
func (fs Filters) Select(t *Trace) ([]int, error) {
	if fs.Trace != nil {
		root := -1
		for i, s := range t.Spans {
			if s.ParentID == "" {
				root = i
				break
			}
		}
		if root < 0 {
			return nil, nil
		}
		if ok, err := fs.Trace.Match(&t.Records[root]); err != nil || !ok {
			return nil, err
		}
	}
	if fs.Tree != nil {
		found := false
		for i := range t.Records {
			ok, err := fs.Tree.Match(&t.Records[i])
			if err != nil {
				return nil, err
			}
			if ok {
				found = true
				break
			}
		}
		if !found {
			return nil, nil
		}
	}
	var out []int
	for i := range t.Records {
		if fs.RunType != "" && t.Spans[i].RunType != fs.RunType {
			continue
		}
		if fs.Span != nil {
			ok, err := fs.Span.Match(&t.Records[i])
			if err != nil {
				return nil, err
			}
			if !ok {
				continue
			}
		}
		out = append(out, i)
	}
	return out, nil
}

// Traces returns the traces of row group id from its span file, each span
// with its record: the row's metadata (the root span's), its feedback
// (judge scores from g and the review labels of labels), and the span's
// inputs and outputs (from the row's conversations in g). g may be nil:
// then feedback holds only the review labels and inputs/outputs are empty.
// Errors wrap ErrNoSpans when the group has no span file.
func (f *Folder) Traces(id int, g *Group, labels map[Key]Annotation) ([]Trace, error) {
	spans, err := f.Spans(id)
	if err != nil {
		return nil, err
	}
	rows := map[int64]int{} // dataset row → row of g
	if g != nil {
		for k, idx := range g.Indices {
			rows[idx] = k
		}
	}
	byRow := map[int64][]Annotation{}
	for k, a := range labels {
		byRow[k.Row] = append(byRow[k.Row], a)
	}
	var out []Trace
	for _, trace := range ByTrace(spans) {
		t := Trace{Row: trace[0].Row, Spans: trace}
		var convs map[string][]tracing.Message
		var feedback []query.Score
		var row *Row
		if k, ok := rows[t.Row]; ok {
			r := g.Row(k)
			row = &r
			if convs, err = r.Conversations(); err != nil {
				return nil, err
			}
			feedback = r.JudgeScores()
		}
		feedback = append(feedback, humanFeedback(byRow[t.Row], row)...)
		io := export.SpanMessages(t.Spans, convs)
		var meta []query.KV
		for _, s := range t.Spans {
			if s.ParentID == "" {
				meta = metadataKVs(s.Metadata)
			}
		}
		t.Records = make([]query.Record, len(t.Spans))
		for i, s := range t.Spans {
			rec := query.Record{Span: s, Metadata: meta, Feedback: feedback}
			if x, ok := io[s.ID]; ok {
				rec.Inputs, rec.Outputs = spanInputs(x), spanOutputs(x)
			} else if s.ParentID == "" {
				rec.Outputs = rootOutputs(convs)
			}
			t.Records[i] = rec
		}
		out = append(out, t)
	}
	return out, nil
}

// ByTrace splits a span file's spans into traces: a trace's spans are
// together in its group's file, root first. The traces share spans.
func ByTrace(spans []tracing.Span) [][]tracing.Span {
	var out [][]tracing.Span
	for start := 0; start < len(spans); {
		end := start + 1
		for end < len(spans) && spans[end].TraceID == spans[start].TraceID {
			end++
		}
		out = append(out, spans[start:end:end])
		start = end
	}
	return out
}

// humanFeedback is a row's review labels as feedback "human": 1 for pass,
// 0 for fail, one entry per labelled column. With the row's data (r not
// nil), a stale label — one whose trace hash is not the trace's — is left
// out.
func humanFeedback(labels []Annotation, r *Row) []query.Score {
	var out []query.Score
	for _, a := range labels {
		if r != nil && a.TraceHash != r.TraceHash(a.Column) {
			continue
		}
		switch a.Label {
		case LabelPass:
			out = append(out, query.Score{Key: HumanFeedbackKey, Score: 1})
		case LabelFail:
			out = append(out, query.Score{Key: HumanFeedbackKey, Score: 0})
		}
	}
	return out
}

// metadataKVs reads a root span's metadata JSON object, keys sorted.
func metadataKVs(s string) []query.KV {
	var m map[string]any
	if json.Unmarshal([]byte(s), &m) != nil {
		return nil
	}
	var out []query.KV
	flatten("", m, &out)
	return out
}

// spanInputs flattens what a span was given: {"messages": [...]} for
// model calls, the arguments object for tool calls.
func spanInputs(x export.SpanIO) []query.KV {
	var out []query.KV
	if x.Call != nil {
		var args any
		if json.Unmarshal([]byte(x.Call.Function.Arguments), &args) != nil {
			args = x.Call.Function.Arguments
		}
		flatten("", args, &out)
		return out
	}
	msgs := make([]any, len(x.Input))
	for i, m := range x.Input {
		msgs[i] = plainMessage(m)
	}
	flatten("", map[string]any{"messages": msgs}, &out)
	return out
}

// spanOutputs flattens what a span produced: the reply message's fields,
// or {"output": text} for a tool result.
func spanOutputs(x export.SpanIO) []query.KV {
	if x.Output == nil {
		return nil
	}
	var out []query.KV
	if x.Call != nil {
		flatten("", map[string]any{"output": x.Output.TextContent()}, &out)
		return out
	}
	flatten("", plainMessage(*x.Output), &out)
	return out
}

// rootOutputs are a row's final answers by column.
func rootOutputs(convs map[string][]tracing.Message) []query.KV {
	m := map[string]any{}
	for c, msgs := range convs {
		for i := len(msgs) - 1; i >= 0; i-- {
			if msgs[i].Role == tracing.RoleAssistant {
				m[c] = msgs[i].TextContent()
				break
			}
		}
	}
	var out []query.KV
	flatten("", m, &out)
	return out
}

// plainMessage is a message as the input_/output_ attributes address it:
// role, content (text), reasoning_content, tool_calls (name, arguments
// decoded), tool_call_id; empty fields left out.
func plainMessage(m tracing.Message) map[string]any {
	o := map[string]any{"role": m.Role, "content": m.TextContent()}
	if m.ReasoningContent != "" {
		o["reasoning_content"] = m.ReasoningContent
	}
	if m.ToolCallID != "" {
		o["tool_call_id"] = m.ToolCallID
	}
	if len(m.ToolCalls) > 0 {
		calls := make([]any, len(m.ToolCalls))
		for i, c := range m.ToolCalls {
			var args any
			if json.Unmarshal([]byte(c.Function.Arguments), &args) != nil {
				args = c.Function.Arguments
			}
			calls[i] = map[string]any{"id": c.ID, "name": c.Function.Name, "arguments": args}
		}
		o["tool_calls"] = calls
	}
	return o
}

// flatten appends v's leaves as dotted keys ("messages.0.content"), object
// keys sorted; numbers as float64.
func flatten(prefix string, v any, out *[]query.KV) {
	join := func(k string) string {
		if prefix == "" {
			return k
		}
		return prefix + "." + k
	}
	switch t := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(t))
		for k := range t {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			flatten(join(k), t[k], out)
		}
	case []any:
		for i, x := range t {
			flatten(join(strconv.Itoa(i)), x, out)
		}
	default:
		*out = append(*out, query.KV{Key: prefix, Value: v})
	}
}
