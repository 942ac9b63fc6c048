package columns

import (
	"context"
	"encoding/hex"
	"hash/fnv"
	"io"
	"slices"
	"sync"
	"time"

	"github.com/synthgen/synthgen/tracing"
)

// SpanRecorder collects the spans of one cell (spec/trace-toolkit.md,
// "Spans"): the engine makes one per cell of a model-bound unit and hands
// it to the generator in the cell's context (WithSpans); the generator adds
// the cell's child spans (model requests, tool calls, parse steps) and tags
// the cell; the engine then takes them (Take) and records the cell span
// itself.
//
// Every method is safe for concurrent use (tool calls of one turn run at
// once) and is a no-op on a nil *SpanRecorder, so generators call them
// without checking whether spans are recorded.
type SpanRecorder struct {
	seed    uint64
	row     int64
	col     SpanColumn
	traceID string // "" for NewCellRecorder's: made by Finish

	mu    sync.Mutex
	spans []tracing.Span // the children, their IDs made by Finish
	tags  []string
	// first holds the first children: most cells have one or two (a
	// request, a parse step), which then need no allocation of their own.
	first [2]tracing.Span
}

// NewSpanRecorder returns the recorder of the cell of column in row, whose
// trace (the row's root span) is traceID. seed makes the span IDs
// deterministic: SpanID(seed, row, column, i).
func NewSpanRecorder(seed uint64, row int64, column, traceID string) *SpanRecorder {
	r := NewCellRecorder(seed, row, NewSpanColumn(column))
	r.traceID = traceID
	return r
}

// NewCellRecorder returns the recorder of the cell of col in row, in the
// trace SpanID(seed, row, "", 0). Making no ID until one is asked for, it
// is the engine's: it takes the spans with Take.
func NewCellRecorder(seed uint64, row int64, col SpanColumn) *SpanRecorder {
	r := &SpanRecorder{seed: seed, row: row, col: col}
	r.spans = r.first[:0]
	return r
}

type spansKey struct{}

// WithSpans returns ctx carrying rec.
func WithSpans(ctx context.Context, rec *SpanRecorder) context.Context {
	return context.WithValue(ctx, spansKey{}, rec)
}

// SpansFrom returns the recorder ctx carries, or nil (whose methods do
// nothing).
func SpansFrom(ctx context.Context) *SpanRecorder {
	r, _ := ctx.Value(spansKey{}).(*SpanRecorder)
	return r
}

// Add records a child span of the cell, the cell's span number 1, 2... in
// the order added. It sets Latency from StartTime and EndTime, which it
// rounds to µs in UTC, and Status (success unless Error is set or Status
// is given); Finish fills ID, TraceID, ParentID (the cell, unless set), Row
// and Column. The span's Tags slice is kept: the caller must not change it
// afterwards.
func (r *SpanRecorder) Add(s tracing.Span) {
	if r == nil {
		return
	}
	FinishSpan(&s)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.spans = append(r.spans, s)
}

// Tag adds tags to the cell span (each once).
func (r *SpanRecorder) Tag(tags ...string) {
	if r == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, t := range tags {
		if !slices.Contains(r.tags, t) {
			r.tags = append(r.tags, t)
		}
	}
}

// Column returns the cell's column ("" for a nil recorder).
func (r *SpanRecorder) Column() string {
	if r == nil {
		return ""
	}
	return r.col.name
}

// ID returns the cell span's ID ("" for a nil recorder).
func (r *SpanRecorder) ID() string {
	if r == nil {
		return ""
	}
	return r.col.ID(r.seed, r.row, 0)
}

// Take returns what was recorded: the child spans in the order added (the
// i-th, from 0, is the cell's span number i+1: its ID is SpanID(seed, row,
// column, i+1)), with Latency and Status set but ID, TraceID, Row and
// Column empty, and ParentID empty unless Add was given one; and the tags
// of the cell. The caller owns both slices; the recorder must not be used
// afterwards.
func (r *SpanRecorder) Take() (children []tracing.Span, tags []string) {
	if r == nil {
		return nil, nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	children, tags = r.spans, r.tags
	r.spans, r.tags = nil, nil
	return children, tags
}

// Finish appends the cell span (cell, with its ID, trace, row, column and
// the tags added, its parent the row's root span) and then the child spans
// to dst and returns it. The recorder must not be used afterwards.
func (r *SpanRecorder) Finish(dst []tracing.Span, cell tracing.Span) []tracing.Span {
	if r == nil {
		return dst
	}
	children, tags := r.Take()
	trace := r.traceID
	if trace == "" {
		trace = SpanID(r.seed, r.row, "", 0)
	}
	id := r.ID()
	cell.ID, cell.TraceID, cell.ParentID = id, trace, trace
	cell.Row, cell.Column = r.row, r.col.name
	if len(tags) > 0 {
		cell.Tags = append(cell.Tags, tags...)
	}
	FinishSpan(&cell)
	dst = slices.Grow(dst, 1+len(children))
	dst = append(dst, cell)
	for i, s := range children {
		s.ID, s.TraceID = r.col.ID(r.seed, r.row, i+1), trace
		if s.ParentID == "" {
			s.ParentID = id
		}
		s.Row, s.Column = r.row, r.col.name
		dst = append(dst, s)
	}
	return dst
}

// FinishSpan rounds s's times to µs in UTC, sets Latency from them, and
// Status: error when Error is set, success when Status is empty.
func FinishSpan(s *tracing.Span) {
	s.StartTime = s.StartTime.UTC().Round(time.Microsecond)
	s.EndTime = s.EndTime.UTC().Round(time.Microsecond)
	s.Latency = s.EndTime.Sub(s.StartTime).Seconds()
	switch {
	case s.Error != "":
		s.Status = tracing.SpanError
	case s.Status == "":
		s.Status = tracing.SpanSuccess
	}
}

// SpanID is the ID of span number index (0 for the cell span; the row's
// root span is SpanID(seed, row, "", 0)) of column in row of a run with
// seed: a UUID (version 8, RFC 9562) derived from the four, so a rerun with
// the same seed gives the same IDs.
func SpanID(seed uint64, row int64, column string, index int) string {
	return NewSpanColumn(column).ID(seed, row, index)
}

// SpanColumn is what a column gives the IDs of its spans: its name and a
// hash of it, made once per column rather than per cell.
type SpanColumn struct {
	name string
	hash uint64
}

// NewSpanColumn returns column's SpanColumn ("" for the rows' root spans).
func NewSpanColumn(column string) SpanColumn {
	return SpanColumn{name: column, hash: hashString(column)}
}

// Name returns the column's name.
func (c SpanColumn) Name() string { return c.name }

// ID is SpanID(seed, row, c.Name(), index).
func (c SpanColumn) ID(seed uint64, row int64, index int) string {
	var s [SpanIDLen]byte
	c.PutID(s[:], seed, row, index)
	return string(s[:])
}

// SpanIDLen is the length of a span ID.
const SpanIDLen = 36

// PutID writes ID(seed, row, index) to dst[:SpanIDLen], for callers that
// make many IDs into one buffer.
func (c SpanColumn) PutID(dst []byte, seed uint64, row int64, index int) {
	a := splitmix(seed ^ splitmix(uint64(row)^splitmix(c.hash^uint64(index)<<1)))
	b := splitmix(a ^ 0x6a09e667f3bcc909)
	var u [16]byte
	for i := range 8 {
		u[i] = byte(a >> (56 - 8*i))
		u[8+i] = byte(b >> (56 - 8*i))
	}
	u[6] = u[6]&0x0f | 0x80 // version 8
	u[8] = u[8]&0x3f | 0x80 // variant 10
	s := dst[:SpanIDLen]
	hex.Encode(s[0:8], u[0:4])
	s[8] = '-'
	hex.Encode(s[9:13], u[4:6])
	s[13] = '-'
	hex.Encode(s[14:18], u[6:8])
	s[18] = '-'
	hex.Encode(s[19:23], u[8:10])
	s[23] = '-'
	hex.Encode(s[24:], u[10:])
}

func splitmix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ x>>30) * 0xbf58476d1ce4e5b9
	x = (x ^ x>>27) * 0x94d049bb133111eb
	return x ^ x>>31
}

// hashString is FNV-1a (hash/fnv).
func hashString(s string) uint64 {
	h := fnv.New64a()
	io.WriteString(h, s)
	return h.Sum64()
}
