package generate

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"

	"github.com/synthgen/synthgen/columns"
	"github.com/synthgen/synthgen/generate/output"
	"github.com/synthgen/synthgen/tracing"
)

// valueModelRows converts spans to rows of SpanColumns for
// output.WriteParquetFile: how span files were written before
// output.StructWriter, kept as the reference the span files must match.
func valueModelRows(spans []tracing.Span) [][]any {
	rows := make([][]any, len(spans))
	for i, s := range spans {
		tags := make([]any, len(s.Tags))
		for k, t := range s.Tags {
			tags[k] = t
		}
		rows[i] = []any{s.ID, s.TraceID, s.ParentID, s.RunType, s.Name, s.Row, s.Column,
			s.StartTime.UnixMicro(), s.EndTime.UnixMicro(), s.Latency, s.Status, s.Error,
			s.PromptTokens, s.CompletionTokens, s.ReasoningTokens, s.TotalTokens,
			s.Model, s.Provider, s.FinishReason, s.Attempt, tags, s.Metadata}
	}
	return rows
}

// testSpans are n rows' worth of spans with every field used: empty strings
// and zeros (row 0), errors, tags, metadata.
func testSpans(n int) []tracing.Span {
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 678_901_000, time.UTC)
	var spans []tracing.Span
	for row := range int64(n) {
		trace := columns.SpanID(7, row, "", 0)
		root := tracing.Span{ID: trace, TraceID: trace, RunType: "chain", Name: "row", Row: row, StartTime: t0, EndTime: t0.Add(time.Second), Metadata: `{"topic":"tides"}`}
		if row%5 == 3 {
			root.Error = "answer: model: 500 Internal Server Error"
		}
		columns.FinishSpan(&root)
		spans = append(spans, root)
		rec := columns.NewSpanRecorder(7, row, "answer", trace)
		rec.Add(tracing.Span{RunType: "llm", Name: "gen", StartTime: t0, EndTime: t0.Add(time.Duration(row) * time.Millisecond),
			Model: "m", Provider: "p", FinishReason: "length", Attempt: row % 3, PromptTokens: row, CompletionTokens: 2 * row, TotalTokens: 3 * row, ReasoningTokens: row % 2,
			Tags: []string{tracing.TagTruncated}})
		if row%2 == 0 {
			rec.Add(tracing.Span{RunType: "tool", Name: "add", StartTime: t0, EndTime: t0, Error: "boom", Tags: []string{tracing.TagToolError, "x"}})
			rec.Tag(tracing.TagToolError)
		}
		spans = rec.Finish(spans, tracing.Span{RunType: "llm", Name: "answer", StartTime: t0, EndTime: t0.Add(time.Second)})
	}
	return spans
}

// A span file written through output.StructWriter is the file the
// value-model writer writes for the same spans, but for where pages end:
// the same schema, footer metadata, column chunk encodings and codecs, and
// the same values and nulls (an empty string is "", not null; no tags is
// an empty list), so readers of either (ReadSpans, output.ReadParquetFile,
// DuckDB) see no difference. ReadSpans reads both back as they were.
func TestSpanFile_SameAsValueModel(t *testing.T) {
	for _, n := range []int{0, 1, 3000} { // 3,000 rows: several pages and row groups
		spans := testSpans(n)
		dir := t.TempDir()
		typed := filepath.Join(dir, "typed.parquet")
		w, err := newSpanWriter(typed)
		if err != nil {
			t.Fatal(err)
		}
		for chunk := range slices.Chunk(spans, 100) {
			if err := w.write(chunk); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.w.Close(); err != nil {
			t.Fatal(err)
		}
		ref := filepath.Join(dir, "reference.parquet")
		if err := output.WriteParquetFile(ref, SpanColumns, valueModelRows(spans)); err != nil {
			t.Fatal(err)
		}

		tf, rf := openParquet(t, typed), openParquet(t, ref)
		if got, want := tf.Schema().String(), rf.Schema().String(); got != want {
			t.Errorf("schema:\n%s\nwant:\n%s", got, want)
		}
		if got, want := tf.Metadata().KeyValueMetadata, rf.Metadata().KeyValueMetadata; !reflect.DeepEqual(got, want) {
			t.Errorf("footer metadata %v, want %v", got, want)
		}
		if tf.NumRows() != int64(len(spans)) || len(tf.RowGroups()) != len(rf.RowGroups()) {
			t.Errorf("%d rows in %d row groups; want %d in %d", tf.NumRows(), len(tf.RowGroups()), len(spans), len(rf.RowGroups()))
		}
		for g := range min(len(tf.Metadata().RowGroups), len(rf.Metadata().RowGroups)) {
			tc, rc := tf.Metadata().RowGroups[g].Columns, rf.Metadata().RowGroups[g].Columns
			for c := range tc {
				tm, rm := tc[c].MetaData, rc[c].MetaData
				if !reflect.DeepEqual(tm.Encoding, rm.Encoding) || tm.Codec != rm.Codec || tm.NumValues != rm.NumValues {
					t.Errorf("row group %d, column %v: encodings %v, codec %v, %d values; want %v, %v, %d",
						g, tm.PathInSchema, tm.Encoding, tm.Codec, tm.NumValues, rm.Encoding, rm.Codec, rm.NumValues)
				}
			}
		}
		_, typedRows, err := output.ReadParquetFile(typed)
		if err != nil {
			t.Fatal(err)
		}
		_, refRows, err := output.ReadParquetFile(ref)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(typedRows, refRows) {
			t.Errorf("%d spans: the values differ from the value-model writer's", len(spans))
		}

		for _, path := range []string{typed, ref} {
			got, err := ReadSpans(path)
			if err != nil {
				t.Fatal(err)
			}
			if len(spans) == 0 && len(got) == 0 {
				continue
			}
			if !reflect.DeepEqual(got, spans) {
				for i := range min(len(got), len(spans)) {
					if !reflect.DeepEqual(got[i], spans[i]) {
						t.Fatalf("%s: span %d:\n got %+v\nwant %+v", filepath.Base(path), i, got[i], spans[i])
					}
				}
				t.Fatalf("%s: read %d spans, want %d", filepath.Base(path), len(got), len(spans))
			}
		}
	}
}

// openParquet opens a Parquet file for its metadata.
func openParquet(t *testing.T, path string) *parquet.File {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	st, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	pf, err := parquet.OpenFile(f, st.Size())
	if err != nil {
		t.Fatal(err)
	}
	return pf
}

// spanRecord's and spanFields' parquet tags give the schema of
// SpanColumns.
func TestSpanRecordSchema(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.parquet")
	if err := output.WriteParquetFile(path, SpanColumns, nil); err != nil {
		t.Fatal(err)
	}
	want := openParquet(t, path).Schema()
	for _, model := range []any{spanRecord{}, spanFields{}} {
		if got := parquet.SchemaOf(model); !parquet.EqualNodes(got, want) {
			t.Errorf("schema of %T:\n%v\nwant:\n%v", model, got, want)
		}
	}
}

// A file that lacks a span column is not a span file.
func TestReadSpans_NotASpanFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.parquet")
	if err := output.WriteParquetFile(path, SpanColumns[:3], nil); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadSpans(path); err == nil {
		t.Error("read a file without span columns")
	}
}

// The engine's compact spans (SpanLog) are the spans a
// columns.SpanRecorder's Finish gives for the same cell: IDs, trace,
// parents (an explicit one kept), tags, times, latency and status.
func TestSpanLog_SameAsRecorderFinish(t *testing.T) {
	t0 := time.Date(2026, 5, 6, 7, 8, 9, 123_456_789, time.UTC)
	children := func(row int64) []tracing.Span {
		return []tracing.Span{
			{RunType: "llm", Name: "m", StartTime: t0, EndTime: t0.Add(1500 * time.Microsecond), Model: "x", Provider: "p",
				FinishReason: "length", Attempt: 2, PromptTokens: row, CompletionTokens: 3, ReasoningTokens: 1, TotalTokens: row + 3, Tags: []string{tracing.TagTruncated}},
			{RunType: "tool", Name: "add", StartTime: t0, EndTime: t0, Error: "boom", ParentID: "elsewhere"},
			{RunType: "parser", Name: "parse", StartTime: t0, EndTime: t0.Add(time.Nanosecond), Status: tracing.SpanSuccess},
		}
	}
	ans := fakeUnit("ans", columns.GeneratorFunc(func(ctx context.Context, row columns.Row, out []any) error {
		rec := columns.SpansFrom(ctx)
		for _, s := range children(row.Index()) {
			rec.Add(s)
		}
		rec.Tag(tracing.TagTruncated, tracing.TagToolError)
		out[0] = row.Index()
		if row.Index() == 2 {
			return errors.New("bad row")
		}
		return nil
	}))
	ans.Concurrency = 2
	mem, _, err := run(t, context.Background(), fakePlan(t, fakeUnit("id", rowIndex), ans), Options{NumRecords: 4, BufferSize: 4, Spans: true, Seed: 9})
	if err != nil {
		t.Fatal(err)
	}
	got := slices.Collect(mem.Groups[0].Spans.All())
	if n := mem.Groups[0].Spans.Len(); n != len(got) || n != 4*(1+1+1+3) {
		t.Fatalf("Len %d, All gives %d spans, want %d", n, len(got), 4*6)
	}
	for row := range int64(4) {
		spans := got[row*6 : (row+1)*6]
		trace := columns.SpanID(9, row, "", 0)
		if root := spans[0]; root.ID != trace || root.TraceID != trace || root.ParentID != "" || root.Row != row {
			t.Errorf("row %d: root %+v", row, root)
		}
		idCell := spans[1]
		want := columns.NewSpanRecorder(9, row, "id", trace).Finish(nil, tracing.Span{RunType: "fake", Name: "id", StartTime: idCell.StartTime, EndTime: idCell.EndTime})
		rec := columns.NewSpanRecorder(9, row, "ans", trace)
		for _, s := range children(row) {
			rec.Add(s)
		}
		rec.Tag(tracing.TagTruncated, tracing.TagToolError)
		cell := tracing.Span{RunType: "fake", Name: "ans", StartTime: spans[2].StartTime, EndTime: spans[2].EndTime}
		if row == 2 {
			cell.Error = "bad row"
		}
		want = rec.Finish(want, cell)
		if !reflect.DeepEqual(spans[1:], want) {
			t.Errorf("row %d:\n got %+v\nwant %+v", row, spans[1:], want)
		}
	}
}
