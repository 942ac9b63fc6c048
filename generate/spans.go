package generate

import (
	"fmt"
	"path/filepath"
	"time"

	"github.com/synthgen/synthgen/columns"
	"github.com/synthgen/synthgen/columns/value"
	"github.com/synthgen/synthgen/generate/output"
	"github.com/synthgen/synthgen/tracing"
)

// SpansDir is the folder of the span log: spans/batch_NNNNN.parquet, one
// file per row group (spec/trace-toolkit.md, "Spans").
const SpansDir = "spans"

// rootSpan is r's root span: the row, from its start to its end, with the
// row's sampler and seed values as metadata. Called once the row is
// finished.
func (e *engine) rootSpan(r *row) tracing.Span {
	s := tracing.Span{ID: r.traceID, TraceID: r.traceID, RunType: "chain", Name: "row", Row: r.idx, StartTime: r.start, EndTime: r.end}
	if r.failed != nil {
		s.Error = r.failed.Message
	}
	if len(e.metaUnits) > 0 {
		m := value.NewMap()
		for _, ui := range e.metaUnits {
			if !r.finished[ui] {
				continue
			}
			slot := e.plan.UnitSlots[ui]
			for k, o := range e.plan.Units[ui].Outputs {
				m.Set(o.Name, r.vals[slot+k])
			}
		}
		s.Metadata = value.CompactJSON(m)
	} else {
		s.Metadata = "{}"
	}
	columns.FinishSpan(&s)
	return s
}

// SpanColumns are the columns of a span file, in the order of
// tracing.Span's fields; start_time and end_time are µs since the Unix
// epoch (UTC).
var SpanColumns = []output.Column{
	{Name: "id", Type: value.String},
	{Name: "trace_id", Type: value.String},
	{Name: "parent_id", Type: value.String},
	{Name: "run_type", Type: value.String},
	{Name: "name", Type: value.String},
	{Name: "row", Type: value.Int},
	{Name: "column", Type: value.String},
	{Name: "start_time", Type: value.Int},
	{Name: "end_time", Type: value.Int},
	{Name: "latency", Type: value.Float},
	{Name: "status", Type: value.String},
	{Name: "error", Type: value.String},
	{Name: "prompt_tokens", Type: value.Int},
	{Name: "completion_tokens", Type: value.Int},
	{Name: "reasoning_tokens", Type: value.Int},
	{Name: "total_tokens", Type: value.Int},
	{Name: "model", Type: value.String},
	{Name: "provider", Type: value.String},
	{Name: "finish_reason", Type: value.String},
	{Name: "attempt", Type: value.Int},
	{Name: "tags", Type: value.List(value.String)},
	{Name: "metadata", Type: value.String},
}

// spanRows converts spans to rows of SpanColumns.
func spanRows(spans []tracing.Span) [][]any {
	width := len(SpanColumns)
	cells := make([]any, 0, len(spans)*width) // one backing array for every row
	rows := make([][]any, len(spans))
	for i := range spans {
		s := &spans[i]
		tags := make([]any, len(s.Tags))
		for k, t := range s.Tags {
			tags[k] = t
		}
		start := len(cells)
		cells = append(cells, s.ID, s.TraceID, s.ParentID, s.RunType, s.Name, s.Row, s.Column,
			s.StartTime.UnixMicro(), s.EndTime.UnixMicro(), s.Latency, s.Status, s.Error,
			s.PromptTokens, s.CompletionTokens, s.ReasoningTokens, s.TotalTokens,
			s.Model, s.Provider, s.FinishReason, s.Attempt, tags, s.Metadata)
		rows[i] = cells[start:len(cells):len(cells)]
	}
	return rows
}

// writeSpans writes a group's span file atomically.
func writeSpans(dir string, id int, spans []tracing.Span) error {
	return output.WriteParquetFile(filepath.Join(dir, SpansDir, BatchFile(id)), SpanColumns, spanRows(spans))
}

// ReadSpans reads a span file (spans/batch_NNNNN.parquet).
func ReadSpans(path string) ([]tracing.Span, error) {
	cols, rows, err := output.ReadParquetFile(path)
	if err != nil {
		return nil, err
	}
	idx := map[string]int{}
	for i, c := range cols {
		idx[c.Name] = i
	}
	for _, c := range SpanColumns {
		if _, ok := idx[c.Name]; !ok {
			return nil, fmt.Errorf("reading %s: no column %q: not a span file", path, c.Name)
		}
	}
	str := func(r []any, name string) string { v, _ := r[idx[name]].(string); return v }
	num := func(r []any, name string) int64 { v, _ := r[idx[name]].(int64); return v }
	out := make([]tracing.Span, len(rows))
	for i, r := range rows {
		lat, _ := r[idx["latency"]].(float64)
		s := tracing.Span{
			ID: str(r, "id"), TraceID: str(r, "trace_id"), ParentID: str(r, "parent_id"), RunType: str(r, "run_type"),
			Name: str(r, "name"), Row: num(r, "row"), Column: str(r, "column"),
			StartTime: time.UnixMicro(num(r, "start_time")).UTC(), EndTime: time.UnixMicro(num(r, "end_time")).UTC(), Latency: lat,
			Status: str(r, "status"), Error: str(r, "error"),
			PromptTokens: num(r, "prompt_tokens"), CompletionTokens: num(r, "completion_tokens"),
			ReasoningTokens: num(r, "reasoning_tokens"), TotalTokens: num(r, "total_tokens"),
			Model: str(r, "model"), Provider: str(r, "provider"), FinishReason: str(r, "finish_reason"), Attempt: num(r, "attempt"),
			Metadata: str(r, "metadata"),
		}
		if tags, ok := r[idx["tags"]].([]any); ok {
			for _, t := range tags {
				if ts, ok := t.(string); ok {
					s.Tags = append(s.Tags, ts)
				}
			}
		}
		out[i] = s
	}
	return out, nil
}
