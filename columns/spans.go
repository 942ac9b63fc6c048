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
// the cell; the engine then writes the cell span itself (Finish).
//
// Every method is safe for concurrent use (tool calls of one turn run at
// once) and is a no-op on a nil *SpanRecorder, so generators call them
// without checking whether spans are recorded.
type SpanRecorder struct {
	seed    uint64
	row     int64
	column  string
	colHash uint64
	traceID string
	id      string // the cell span's

	mu    sync.Mutex
	next  int // the index of the next child span's ID
	spans []tracing.Span
	tags  []string
}

// NewSpanRecorder returns the recorder of the cell of column in row, whose
// trace (the row's root span) is traceID. seed makes the span IDs
// deterministic: SpanID(seed, row, column, i).
func NewSpanRecorder(seed uint64, row int64, column, traceID string) *SpanRecorder {
	r := &SpanRecorder{seed: seed, row: row, column: column, colHash: hashString(column), traceID: traceID, next: 1}
	r.id = spanID(seed, row, r.colHash, 0)
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

// Add records a child span of the cell. It fills ID, TraceID, ParentID (the
// cell, unless set), Row, Column, Latency (from StartTime and EndTime,
// which it rounds to µs in UTC) and Status (success unless Error is set or
// Status is given). The span's Tags slice is kept: the caller must not
// change it afterwards.
func (r *SpanRecorder) Add(s tracing.Span) {
	if r == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	s.ID = spanID(r.seed, r.row, r.colHash, r.next)
	r.next++
	s.TraceID = r.traceID
	if s.ParentID == "" {
		s.ParentID = r.id
	}
	s.Row, s.Column = r.row, r.column
	FinishSpan(&s)
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
	return r.column
}

// ID returns the cell span's ID ("" for a nil recorder).
func (r *SpanRecorder) ID() string {
	if r == nil {
		return ""
	}
	return r.id
}

// Finish appends the cell span (cell, with its ID, trace, row, column and
// the tags added, its parent the row's root span) and then the child spans
// to dst and returns it. The recorder must not be used afterwards.
func (r *SpanRecorder) Finish(dst []tracing.Span, cell tracing.Span) []tracing.Span {
	if r == nil {
		return dst
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	cell.ID, cell.TraceID, cell.ParentID = r.id, r.traceID, r.traceID
	cell.Row, cell.Column = r.row, r.column
	if len(r.tags) > 0 {
		cell.Tags = append(cell.Tags, r.tags...)
	}
	FinishSpan(&cell)
	dst = append(dst, cell)
	return append(dst, r.spans...)
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
	return spanID(seed, row, hashString(column), index)
}

func spanID(seed uint64, row int64, colHash uint64, index int) string {
	a := splitmix(seed ^ splitmix(uint64(row)^splitmix(colHash^uint64(index)<<1)))
	b := splitmix(a ^ 0x6a09e667f3bcc909)
	var u [16]byte
	for i := range 8 {
		u[i] = byte(a >> (56 - 8*i))
		u[8+i] = byte(b >> (56 - 8*i))
	}
	u[6] = u[6]&0x0f | 0x80 // version 8
	u[8] = u[8]&0x3f | 0x80 // variant 10
	var s [36]byte
	hex.Encode(s[0:8], u[0:4])
	s[8] = '-'
	hex.Encode(s[9:13], u[4:6])
	s[13] = '-'
	hex.Encode(s[14:18], u[6:8])
	s[18] = '-'
	hex.Encode(s[19:23], u[8:10])
	s[23] = '-'
	hex.Encode(s[24:], u[10:])
	return string(s[:])
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
