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
