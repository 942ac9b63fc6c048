package generate

import (
	"errors"
	"fmt"
	"io"
	"iter"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/parquet-go/parquet-go"

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
	trace := e.rootCol.ID(e.opts.Seed, r.idx, 0)
	s := tracing.Span{ID: trace, TraceID: trace, RunType: "chain", Name: "row", Row: r.idx,
		StartTime: time.UnixMicro(r.start).UTC(), EndTime: time.UnixMicro(r.end).UTC()}
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

// micros is t in µs since the Unix epoch, rounded as columns.FinishSpan
// rounds span times.
func micros(t time.Time) int64 { return t.Round(time.Microsecond).UnixMicro() }

// keptSpan is a cell span, or a child span of the cell, as its row keeps
// it until its group is written: a tracing.Span without what the row and
// the cell give (ID, trace, row, column, latency) and with its times in µs
// — about 220 bytes where a tracing.Span and its ID string take 370, with
// half the pointers for the garbage collector to follow, and no ID made
// before the span is written.
type keptSpan struct {
	unit int32 // the cell's unit: its column and the IDs of its spans
	// index is 0 for the cell span and i for its i-th child, which follow
	// it; the span's ID is SpanID(seed, row, column, index).
	index                                int32
	start, end                           int64 // µs since the Unix epoch
	runType, name, status, err           string
	model, provider, finishReason        string
	prompt, completion, reasoning, total int64
	attempt                              int64
	tags                                 []string
	parent                               string // a child's parent when not the cell
}

// keptChild is child number index of the cell of unit ui, as
// columns.SpanRecorder.Take returns it.
func keptChild(ui, index int, s *tracing.Span) keptSpan {
	return keptSpan{unit: int32(ui), index: int32(index),
		start: s.StartTime.UnixMicro(), end: s.EndTime.UnixMicro(),
		runType: s.RunType, name: s.Name, status: s.Status, err: s.Error,
		model: s.Model, provider: s.Provider, finishReason: s.FinishReason,
		prompt: s.PromptTokens, completion: s.CompletionTokens, reasoning: s.ReasoningTokens, total: s.TotalTokens,
		attempt: s.Attempt, tags: s.Tags, parent: s.ParentID}
}

// SpanLog is a row group's spans (RowGroup.Spans) as the engine kept them:
// per row, its root span and its cells' spans in the compact form of
// keptSpan. All gives them as tracing.Spans. A nil *SpanLog has no spans.
// It is not mutated after the engine hands it over; any number of
// goroutines may read it.
type SpanLog struct {
	seed uint64
	cols []columns.SpanColumn // by unit
	rows []loggedRow
}

// loggedRow is one row of a SpanLog.
type loggedRow struct {
	root  tracing.Span
	spans []keptSpan // each cell span followed by its children
}

// Len returns the number of spans.
func (l *SpanLog) Len() int {
	if l == nil {
		return 0
	}
	n := 0
	for i := range l.rows {
		n += 1 + len(l.rows[i].spans)
	}
	return n
}

// All yields the spans by row: each row's root span first, then each cell
// span followed by its children. Their Tags slices are the log's: the
// caller must not change them.
func (l *SpanLog) All() iter.Seq[tracing.Span] {
	return func(yield func(tracing.Span) bool) {
		if l == nil {
			return
		}
		var buf []tracing.Span
		var ids []byte
		for i := range l.rows {
			buf = l.appendRow(buf[:0], i, &ids)
			for _, s := range buf {
				if !yield(s) {
					return
				}
			}
		}
	}
}

// appendRow appends the spans of row i to dst, as All yields them. ids is
// scratch space, kept between calls.
func (l *SpanLog) appendRow(dst []tracing.Span, i int, ids *[]byte) []tracing.Span {
	lr := &l.rows[i]
	dst = append(dst, lr.root)
	if len(lr.spans) == 0 {
		return dst
	}
	// The row's span IDs, made into one string.
	buf := slices.Grow((*ids)[:0], columns.SpanIDLen*len(lr.spans))[:columns.SpanIDLen*len(lr.spans)]
	for k := range lr.spans {
		ks := &lr.spans[k]
		l.cols[ks.unit].PutID(buf[k*columns.SpanIDLen:], l.seed, lr.root.Row, int(ks.index))
	}
	*ids = buf
	idText := string(buf)
	trace, cell := lr.root.ID, ""
	for k := range lr.spans {
		ks := &lr.spans[k]
		id := idText[k*columns.SpanIDLen : (k+1)*columns.SpanIDLen]
		parent := ks.parent
		if ks.index == 0 {
			cell, parent = id, trace
		} else if parent == "" {
			parent = cell
		}
		dst = append(dst, tracing.Span{
			ID: id, TraceID: trace, ParentID: parent, RunType: ks.runType, Name: ks.name,
			Row: lr.root.Row, Column: l.cols[ks.unit].Name(),
			StartTime: time.UnixMicro(ks.start).UTC(), EndTime: time.UnixMicro(ks.end).UTC(),
			Latency: time.Duration((ks.end - ks.start) * int64(time.Microsecond)).Seconds(),
			Status:  ks.status, Error: ks.err,
			PromptTokens: ks.prompt, CompletionTokens: ks.completion, ReasoningTokens: ks.reasoning, TotalTokens: ks.total,
			Model: ks.model, Provider: ks.provider, FinishReason: ks.finishReason, Attempt: ks.attempt,
			Tags: ks.tags,
		})
	}
	return dst
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

// spanRecord is a row of a span file, as writeSpans writes it and
// ReadSpans reads it: its parquet tags give SpanColumns' schema with every
// column required (TestSpanRecordSchema), as nothing in a span is ever
// null: an unset string is "", an unset number 0, no tags an empty list.
type spanRecord struct {
	ID               string   `parquet:"id"`
	TraceID          string   `parquet:"trace_id"`
	ParentID         string   `parquet:"parent_id"`
	RunType          string   `parquet:"run_type"`
	Name             string   `parquet:"name"`
	Row              int64    `parquet:"row"`
	Column           string   `parquet:"column"`
	StartTime        int64    `parquet:"start_time"`
	EndTime          int64    `parquet:"end_time"`
	Latency          float64  `parquet:"latency"`
	Status           string   `parquet:"status"`
	Error            string   `parquet:"error"`
	PromptTokens     int64    `parquet:"prompt_tokens"`
	CompletionTokens int64    `parquet:"completion_tokens"`
	ReasoningTokens  int64    `parquet:"reasoning_tokens"`
	TotalTokens      int64    `parquet:"total_tokens"`
	Model            string   `parquet:"model"`
	Provider         string   `parquet:"provider"`
	FinishReason     string   `parquet:"finish_reason"`
	Attempt          int64    `parquet:"attempt"`
	Tags             []string `parquet:"tags,list"`
	Metadata         string   `parquet:"metadata"`
}

// spanFileOptions are how span files are written: every column required
// (spanRecord). Every column keeps its page bounds, the random UUIDs' too:
// skipping them (parquet-go's SkipPageBounds) saves about 2% of a span
// file's write but leaves empty bounds in the page index, which readers
// that prune pages by it take as real (see checkPageIndex).
var spanFileOptions = output.StructOptions{Required: true}

// spanChunk is how many spans writeSpans hands the writer at once.
const spanChunk = 512

// writeSpans writes a group's span file atomically.
func writeSpans(dir string, id int, log *SpanLog) error {
	w, err := newSpanWriter(filepath.Join(dir, SpansDir, BatchFile(id)))
	if err != nil {
		return err
	}
	var chunk []tracing.Span
	var ids []byte
	n := 0
	if log != nil {
		n = len(log.rows)
	}
	for i := 0; i < n; {
		chunk = chunk[:0]
		for ; i < n && len(chunk) < spanChunk; i++ {
			chunk = log.appendRow(chunk, i, &ids)
		}
		if err := w.write(chunk); err != nil {
			w.w.Close()
			return err
		}
	}
	return w.w.Close()
}

// spanWriter writes a span file from tracing.Spans, a chunk at a time.
type spanWriter struct {
	w    *output.StructWriter[spanRecord]
	recs []spanRecord
}

func newSpanWriter(path string) (*spanWriter, error) {
	w, err := output.NewStructWriter[spanRecord](path, SpanColumns, spanFileOptions)
	if err != nil {
		return nil, err
	}
	return &spanWriter{w: w}, nil
}

// write appends spans to the file. The writer copies what it needs: the
// caller may reuse spans afterwards.
func (sw *spanWriter) write(spans []tracing.Span) error {
	if len(spans) > len(sw.recs) {
		sw.recs = make([]spanRecord, len(spans))
	}
	for i := range spans {
		s := &spans[i]
		sw.recs[i] = spanRecord{
			ID: s.ID, TraceID: s.TraceID, ParentID: s.ParentID, RunType: s.RunType, Name: s.Name, Row: s.Row, Column: s.Column,
			StartTime: s.StartTime.UnixMicro(), EndTime: s.EndTime.UnixMicro(), Latency: s.Latency, Status: s.Status, Error: s.Error,
			PromptTokens: s.PromptTokens, CompletionTokens: s.CompletionTokens, ReasoningTokens: s.ReasoningTokens, TotalTokens: s.TotalTokens,
			Model: s.Model, Provider: s.Provider, FinishReason: s.FinishReason, Attempt: s.Attempt, Tags: s.Tags, Metadata: s.Metadata,
		}
	}
	err := sw.w.Write(sw.recs[:len(spans)])
	clear(sw.recs[:len(spans)]) // drop the references into spans
	return err
}

// ReadSpans reads a span file (spans/batch_NNNNN.parquet).
func ReadSpans(path string) ([]tracing.Span, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	spans, err := readSpans(f)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	return spans, nil
}

func readSpans(f *os.File) ([]tracing.Span, error) {
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	pf, err := parquet.OpenFile(f, st.Size())
	if err != nil {
		return nil, err
	}
	have := map[string]bool{}
	for _, f := range pf.Schema().Fields() {
		have[f.Name()] = true
	}
	for _, c := range SpanColumns {
		if !have[c.Name] {
			return nil, fmt.Errorf("no column %q: not a span file", c.Name)
		}
	}
	// A file of the earlier format, whose columns are optional (nullable),
	// reads too: parquet-go converts it to spanRecord's schema, a null
	// (span files never held one) reading as "" or 0 and a null list as
	// no tags. It costs about half as much again as reading a new file.
	r := parquet.NewGenericReader[spanRecord](pf)
	defer r.Close()
	out := make([]tracing.Span, 0, pf.NumRows())
	buf := make([]spanRecord, min(pf.NumRows(), spanChunk))
	for {
		n, err := r.Read(buf)
		for i := range buf[:n] {
			v := &buf[i]
			s := tracing.Span{
				ID: v.ID, TraceID: v.TraceID, ParentID: v.ParentID, RunType: v.RunType, Name: v.Name, Row: v.Row, Column: v.Column,
				StartTime: time.UnixMicro(v.StartTime).UTC(), EndTime: time.UnixMicro(v.EndTime).UTC(), Latency: v.Latency,
				Status: v.Status, Error: v.Error,
				PromptTokens: v.PromptTokens, CompletionTokens: v.CompletionTokens, ReasoningTokens: v.ReasoningTokens, TotalTokens: v.TotalTokens,
				Model: v.Model, Provider: v.Provider, FinishReason: v.FinishReason, Attempt: v.Attempt, Metadata: v.Metadata,
			}
			if len(v.Tags) > 0 {
				s.Tags = v.Tags
			}
			out = append(out, s)
			*v = spanRecord{} // Read reuses the slice's backing arrays
		}
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		if n == 0 {
			return out, nil
		}
	}
}
