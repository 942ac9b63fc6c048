package columns

import (
	"context"
	"regexp"
	"testing"

	"github.com/synthgen/synthgen/tracing"
)

func TestSpanID(t *testing.T) {
	uuid := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	seen := map[string]bool{}
	for _, seed := range []uint64{0, 1} {
		for row := range int64(50) {
			for _, col := range []string{"", "a", "b"} {
				for i := range 5 {
					id := SpanID(seed, row, col, i)
					if !uuid.MatchString(id) {
						t.Fatalf("SpanID = %q, not a version 8 UUID", id)
					}
					if seen[id] {
						t.Fatalf("SpanID(%d, %d, %q, %d) = %s repeats", seed, row, col, i, id)
					}
					seen[id] = true
				}
			}
		}
	}
	if SpanID(3, 4, "x", 5) != SpanID(3, 4, "x", 5) {
		t.Error("SpanID is not deterministic")
	}
	// The IDs of a seed never change: a resumed run's spans join those
	// an older binary wrote.
	for _, c := range []struct {
		seed   uint64
		row    int64
		column string
		index  int
		want   string
	}{
		{0, 0, "", 0, "5db1c9c9-3624-8952-876f-8b0fca067eb7"},
		{1, 17, "answer", 3, "b8bd8ab6-9665-88b8-a7c5-cf8a7841f814"},
		{42, 123456, "n4", 0, "2bd54b0e-b004-8003-a369-0accd95d3f87"},
	} {
		if got := SpanID(c.seed, c.row, c.column, c.index); got != c.want {
			t.Errorf("SpanID(%d, %d, %q, %d) = %s, want %s", c.seed, c.row, c.column, c.index, got, c.want)
		}
		if got := NewSpanColumn(c.column).ID(c.seed, c.row, c.index); got != c.want {
			t.Errorf("SpanColumn.ID = %s, want %s", got, c.want)
		}
	}
}

// Take hands over the children without IDs and the cell's tags; Finish
// gives the same spans with their IDs, trace, parent, row and column.
func TestSpanRecorderTake(t *testing.T) {
	record := func(rec *SpanRecorder) {
		rec.Add(tracing.Span{RunType: "llm", Name: "m"})
		rec.Add(tracing.Span{RunType: "tool", Name: "x", Error: "boom"})
		rec.Add(tracing.Span{RunType: "tool", Name: "y", ParentID: "p"})
		rec.Tag(tracing.TagToolError, tracing.TagToolError)
	}
	rec := NewCellRecorder(3, 9, NewSpanColumn("c"))
	record(rec)
	kids, tags := rec.Take()
	if len(kids) != 3 || kids[0].ID != "" || kids[1].Status != tracing.SpanError || kids[0].Status != tracing.SpanSuccess ||
		kids[2].ParentID != "p" || kids[0].ParentID != "" || len(tags) != 1 || tags[0] != tracing.TagToolError {
		t.Errorf("Take = %+v, %v", kids, tags)
	}

	rec = NewCellRecorder(3, 9, NewSpanColumn("c"))
	record(rec)
	spans := rec.Finish(nil, tracing.Span{RunType: "llm", Name: "c"})
	trace := SpanID(3, 9, "", 0)
	for i, s := range spans {
		if s.ID != SpanID(3, 9, "c", i) || s.TraceID != trace || s.Row != 9 || s.Column != "c" {
			t.Errorf("span %d: %+v", i, s)
		}
	}
	if spans[0].ParentID != trace || spans[1].ParentID != spans[0].ID || spans[3].ParentID != "p" || len(spans[0].Tags) != 1 {
		t.Errorf("parents or tags: %+v", spans)
	}
}

// Without a recorder in the context, recording does nothing.
func TestSpanRecorderNil(t *testing.T) {
	rec := SpansFrom(context.Background())
	if rec != nil {
		t.Fatal("a recorder from nowhere")
	}
	rec.Add(tracing.Span{Name: "x"})
	rec.Tag(tracing.TagRefused)
	if got := rec.Finish(nil, tracing.Span{}); got != nil || rec.ID() != "" {
		t.Errorf("nil recorder recorded %v", got)
	}
}
