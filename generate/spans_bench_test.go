package generate

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"testing"
	"time"

	"github.com/synthgen/synthgen/columns"
	"github.com/synthgen/synthgen/config"
	"github.com/synthgen/synthgen/tracing"
)

// benchSpanPlan is the bench harness's narrow workload without a model: a
// sampler and a chain of four model-bound columns, each of whose cells
// records a model request span and a parse step span, as an llm-text cell
// does: 14 spans a row with the root.
func benchSpanPlan(tb testing.TB) *Plan {
	topics := []string{"photosynthesis", "black holes", "tides", "compound interest", "sorting algorithms", "volcanoes", "bread baking", "jazz"}
	sampler := fakeUnit("topic", columns.GeneratorFunc(func(_ context.Context, row columns.Row, out []any) error {
		out[0] = topics[row.Index()%int64(len(topics))]
		return nil
	}))
	sampler.Kind = config.KindSampler
	units := []*columns.Unit{sampler}
	prev := "topic"
	for i := 1; i <= 4; i++ {
		name := fmt.Sprintf("n%d", i)
		u := fakeUnit(name, columns.GeneratorFunc(func(ctx context.Context, row columns.Row, out []any) error {
			start := time.Now()
			columns.SpansFrom(ctx).Add(tracing.Span{RunType: "llm", Name: "gen", StartTime: start, EndTime: time.Now(),
				Model: "bench-gen", Provider: "bench", FinishReason: "stop", Attempt: 1,
				PromptTokens: 20, CompletionTokens: 40, TotalTokens: 60})
			parse := time.Now()
			columns.SpansFrom(ctx).Add(tracing.Span{RunType: "parser", Name: "parse", StartTime: parse, EndTime: time.Now()})
			out[0] = row.Index()
			return nil
		}), prev)
		u.Kind = config.KindLLMText
		u.Concurrency, u.Resource = 64, "gen"
		units = append(units, u)
		prev = name
	}
	return fakePlan(tb, units...)
}

func mkdirSpans(dir string) error { return os.MkdirAll(filepath.Join(dir, SpansDir), 0o755) }

// spanFileSink writes each group's span file, as Folder does, and drops
// its rows.
type spanFileSink struct{ dir string }

func (s spanFileSink) WriteGroup(_ context.Context, g *RowGroup) error {
	if g.Spans == nil {
		return nil
	}
	return writeSpans(s.dir, g.ID, g.Spans)
}

// BenchmarkRunSpans runs 3,000 rows of benchSpanPlan in groups of 1,000,
// with and without the span log: the difference is what recording, keeping
// and writing spans costs the engine.
func BenchmarkRunSpans(b *testing.B) {
	p := benchSpanPlan(b)
	for _, spans := range []bool{false, true} {
		b.Run(fmt.Sprintf("spans=%v", spans), func(b *testing.B) {
			dir := b.TempDir()
			if err := mkdirSpans(dir); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				res, err := Run(context.Background(), p, Options{NumRecords: 3000, BufferSize: 1000, Spans: spans, Seed: 1, Sink: spanFileSink{dir}})
				if err != nil || res.RowsWritten != 3000 {
					b.Fatalf("wrote %v rows: %v", res, err)
				}
			}
		})
	}
}

// BenchmarkRunSpansLive reports the most live heap (after a collection) at
// the moment a group is handed to the sink, in MiB, over a run as in
// BenchmarkRunSpans: what the rows in flight, the group's rows and their
// spans keep.
func BenchmarkRunSpansLive(b *testing.B) {
	p := benchSpanPlan(b)
	for _, spans := range []bool{false, true} {
		b.Run(fmt.Sprintf("spans=%v", spans), func(b *testing.B) {
			sink := &liveSink{}
			for b.Loop() {
				if _, err := Run(context.Background(), p, Options{NumRecords: 3000, BufferSize: 1000, Spans: spans, Seed: 1, Sink: sink}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(sink.most)/(1<<20), "live-MiB")
		})
	}
}

// liveSink measures the live heap at each group.
type liveSink struct{ most uint64 }

func (s *liveSink) WriteGroup(_ context.Context, g *RowGroup) error {
	runtime.GC()
	sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(sample)
	s.most = max(s.most, sample[0].Value.Uint64())
	return nil
}

// benchGroupSpans returns the spans of a group of n rows of benchSpanPlan
// as the engine hands them to the sink.
func benchGroupSpans(b *testing.B, n int) *SpanLog {
	mem := &Memory{}
	if _, err := Run(context.Background(), benchSpanPlan(b), Options{NumRecords: n, BufferSize: n, Spans: true, Seed: 1, Sink: mem}); err != nil {
		b.Fatal(err)
	}
	return mem.Groups[0].Spans
}

// BenchmarkWriteSpans writes the span file of a group of 1,000 narrow rows
// (14,000 spans).
func BenchmarkWriteSpans(b *testing.B) {
	spans := benchGroupSpans(b, 1000)
	dir := b.TempDir()
	if err := mkdirSpans(dir); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := writeSpans(dir, 0, spans); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*spans.Len()), "ns/span")
}

// BenchmarkReadSpans reads that file back.
func BenchmarkReadSpans(b *testing.B) {
	spans := benchGroupSpans(b, 1000)
	dir := b.TempDir()
	if err := mkdirSpans(dir); err != nil {
		b.Fatal(err)
	}
	if err := writeSpans(dir, 0, spans); err != nil {
		b.Fatal(err)
	}
	path := filepath.Join(dir, SpansDir, BatchFile(0))
	b.ReportAllocs()
	for b.Loop() {
		got, err := ReadSpans(path)
		if err != nil || len(got) != spans.Len() {
			b.Fatalf("read %d spans: %v", len(got), err)
		}
	}
}
