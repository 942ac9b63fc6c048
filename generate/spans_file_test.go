package generate

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/format"

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

// spanFileSchema is the schema of a span file: SpanColumns, each
// required (nothing in a span is null).
const spanFileSchema = `message schema {
	required binary id (STRING);
	required binary trace_id (STRING);
	required binary parent_id (STRING);
	required binary run_type (STRING);
	required binary name (STRING);
	required int64 row (INT(64,true));
	required binary column (STRING);
	required int64 start_time (INT(64,true));
	required int64 end_time (INT(64,true));
	required double latency;
	required binary status (STRING);
	required binary error (STRING);
	required int64 prompt_tokens (INT(64,true));
	required int64 completion_tokens (INT(64,true));
	required int64 reasoning_tokens (INT(64,true));
	required int64 total_tokens (INT(64,true));
	required binary model (STRING);
	required binary provider (STRING);
	required binary finish_reason (STRING);
	required int64 attempt (INT(64,true));
	required group tags (LIST) {
		repeated group list {
			required binary element (STRING);
		}
	}
	required binary metadata (STRING);
}`

// A span file is the file the value-model writer writes for the same spans
// (output.WriteParquetFile, how span files were first written) but for its
// columns being required rather than optional, and where pages end: the
// same column names and types in the same order, footer metadata, value
// encodings, codecs and column chunk statistics, and the same values (an
// empty string is "", no tags an empty list), so readers of either
// (ReadSpans, output.ReadParquetFile, DuckDB) see no difference. Its page
// index bounds every page, the UUID columns' too. ReadSpans reads both
// back as they were: a file of the earlier, nullable format too.
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
		if got := tf.Schema().String(); got != spanFileSchema {
			t.Errorf("schema:\n%s\nwant:\n%s", got, spanFileSchema)
		}
		if got, want := tf.Schema().String(), strings.ReplaceAll(rf.Schema().String(), "optional ", "required "); got != want {
			t.Errorf("schema:\n%s\nwant the value-model writer's, required:\n%s", got, want)
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
				// The reference lists RLE for its definition levels; a
				// required column outside a list has none.
				want := rm.Encoding
				if leaf, _ := tf.Schema().Lookup(tm.PathInSchema...); leaf.MaxDefinitionLevel == 0 {
					want = slices.DeleteFunc(slices.Clone(want), func(e format.Encoding) bool { return e == format.RLE })
				}
				if !reflect.DeepEqual(tm.Encoding, want) || tm.Codec != rm.Codec || tm.NumValues != rm.NumValues {
					t.Errorf("row group %d, column %v: encodings %v, codec %v, %d values; want %v, %v, %d",
						g, tm.PathInSchema, tm.Encoding, tm.Codec, tm.NumValues, want, rm.Codec, rm.NumValues)
				}
				// Bounds for every column, the UUIDs' too; nulls only where
				// an empty list has no element.
				if ts, rs := tm.Statistics, rm.Statistics; !bytes.Equal(ts.MinValue, rs.MinValue) || !bytes.Equal(ts.MaxValue, rs.MaxValue) || ts.NullCount != rs.NullCount {
					t.Errorf("row group %d, column %v: statistics %q..%q, %d nulls; want %q..%q, %d",
						g, tm.PathInSchema, ts.MinValue, ts.MaxValue, ts.NullCount, rs.MinValue, rs.MaxValue, rs.NullCount)
				}
			}
		}
		checkPageIndex(t, tf)
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

// checkPageIndex checks that f's page index (ColumnIndex) bounds the
// values of every page, as the format requires and as readers that skip
// pages by it rely on: a file written with parquet-go's SkipPageBounds has
// empty bounds there, which would make them skip every page for a filter
// such as id = '…'.
func checkPageIndex(t *testing.T, f *parquet.File) {
	t.Helper()
	for g, rg := range f.RowGroups() {
		for c, cc := range rg.ColumnChunks() {
			name := strings.Join(f.Schema().Columns()[c], ".")
			ci, err := cc.ColumnIndex()
			if err != nil {
				t.Fatalf("row group %d, column %s: %v", g, name, err)
			}
			typ, pages := cc.Type(), cc.Pages()
			for p := 0; ; p++ {
				page, err := pages.ReadPage()
				if errors.Is(err, io.EOF) {
					if p != ci.NumPages() {
						t.Errorf("row group %d, column %s: %d pages, %d in the page index", g, name, p, ci.NumPages())
					}
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				lo, hi, ok := page.Bounds()
				switch {
				case p >= ci.NumPages():
				case !ok && !ci.NullPage(p):
					t.Errorf("row group %d, column %s, page %d: no values, not a null page in the page index", g, name, p)
				case ok && (ci.NullPage(p) || typ.Compare(ci.MinValue(p), lo) > 0 || typ.Compare(ci.MaxValue(p), hi) < 0):
					t.Errorf("row group %d, column %s, page %d: values %v..%v, page index %v..%v (null page: %v)",
						g, name, p, lo, hi, ci.MinValue(p), ci.MaxValue(p), ci.NullPage(p))
				}
				parquet.Release(page)
			}
			pages.Close()
		}
	}
}

// spanRecord's parquet tags give SpanColumns, required.
func TestSpanRecordSchema(t *testing.T) {
	want := output.ParquetSchema(SpanColumns, true)
	if got := parquet.SchemaOf(spanRecord{}); !parquet.EqualNodes(got, want) {
		t.Errorf("schema of spanRecord:\n%v\nwant:\n%v", got, want)
	}
	if got := want.String(); got != spanFileSchema {
		t.Errorf("SpanColumns' schema:\n%s\nwant:\n%s", got, spanFileSchema)
	}
}

// A span file of the nullable format (output.WriteParquetFile's), with
// nulls in it, reads: a null as "" or 0, a null list as no tags.
func TestReadSpans_NullableFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "nullable.parquet")
	row := make([]any, len(SpanColumns))
	row[0], row[3] = "a-span", "chain"
	if err := output.WriteParquetFile(path, SpanColumns, [][]any{row}); err != nil {
		t.Fatal(err)
	}
	got, err := ReadSpans(path)
	if err != nil {
		t.Fatal(err)
	}
	want := []tracing.Span{{ID: "a-span", RunType: "chain", StartTime: time.UnixMicro(0).UTC(), EndTime: time.UnixMicro(0).UTC()}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v\nwant %+v", got, want)
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
