package output

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"

	"github.com/synthgen/synthgen/columns/value"
)

var structColumns = []Column{
	{Name: "name", Type: value.String},
	{Name: "age", Type: value.Int},
	{Name: "score", Type: value.Float},
	{Name: "tags", Type: value.List(value.String)},
}

// structRow's tags give the schema of structColumns.
type structRow struct {
	Name  *string  `parquet:"name,optional"`
	Age   *int64   `parquet:"age,optional"`
	Score *float64 `parquet:"score,optional"`
	Tags  []string `parquet:"tags,optional,list" parquet-element:",optional"`
}

// A StructWriter writes what WriteParquetFile writes for the same values:
// "" and 0 stay values, nil pointers and slices are null, an empty slice is
// an empty list; the footer and schema are the same.
func TestStructWriter_SameAsWriteParquetFile(t *testing.T) {
	empty, zero, zeroF := "", int64(0), 0.0
	ada, age, score := "Ada", int64(36), 9.5
	rows := []structRow{
		{Name: &ada, Age: &age, Score: &score, Tags: []string{"math", "poetry"}},
		{Name: &empty, Age: &zero, Score: &zeroF, Tags: []string{}},
		{},
	}
	values := [][]any{
		{"Ada", int64(36), 9.5, []any{"math", "poetry"}},
		{"", int64(0), 0.0, []any{}},
		{nil, nil, nil, nil},
	}
	dir := t.TempDir()
	typed, ref := filepath.Join(dir, "typed.parquet"), filepath.Join(dir, "ref.parquet")
	w, err := NewStructWriter[structRow](typed, structColumns, StructOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write(rows[:1]); err != nil {
		t.Fatal(err)
	}
	if err := w.Write(rows[1:]); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if err := w.Write(rows); err == nil {
		t.Error("Write after Close succeeded")
	}
	if err := WriteParquetFile(ref, structColumns, values); err != nil {
		t.Fatal(err)
	}
	gotCols, got, err := ReadParquetFile(typed)
	if err != nil {
		t.Fatal(err)
	}
	wantCols, want, err := ReadParquetFile(ref)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(gotCols, wantCols) || !reflect.DeepEqual(got, want) {
		t.Errorf("read back\n%v %v\nwant\n%v %v", gotCols, got, wantCols, want)
	}
	// So few rows fill one page: the files are the same byte for byte.
	if a, b := readAll(t, typed), readAll(t, ref); !bytes.Equal(a, b) {
		t.Errorf("typed file (%d bytes) differs from WriteParquetFile's (%d bytes)", len(a), len(b))
	}
}

// A type whose schema is not the columns' is refused, and no file is left.
func TestStructWriter_SchemaMismatch(t *testing.T) {
	type required struct { // not optional
		Name  string   `parquet:"name"`
		Age   int64    `parquet:"age"`
		Score float64  `parquet:"score"`
		Tags  []string `parquet:"tags,list"`
	}
	type reordered struct {
		Age   *int64   `parquet:"age,optional"`
		Name  *string  `parquet:"name,optional"`
		Score *float64 `parquet:"score,optional"`
		Tags  []string `parquet:"tags,optional,list" parquet-element:",optional"`
	}
	dir := t.TempDir()
	if _, err := NewStructWriter[required](filepath.Join(dir, "a.parquet"), structColumns, StructOptions{}); err == nil {
		t.Error("required fields accepted")
	}
	if _, err := NewStructWriter[reordered](filepath.Join(dir, "b.parquet"), structColumns, StructOptions{}); err == nil {
		t.Error("reordered fields accepted")
	}
	if _, err := NewStructWriter[structRow](filepath.Join(dir, "c.parquet"), structColumns, StructOptions{Required: true}); err == nil {
		t.Error("optional fields accepted for Required")
	}
	assertDirEntries(t, dir)
}

// requiredRow's tags give structColumns, required.
type requiredRow struct {
	Name  string   `parquet:"name"`
	Age   int64    `parquet:"age"`
	Score float64  `parquet:"score"`
	Tags  []string `parquet:"tags,list"`
}

// requiredRows are rows of requiredRow, enough for several row groups, and
// their values as WriteParquetFile takes them.
func requiredRows() ([]requiredRow, [][]any) {
	var rows []requiredRow
	var values [][]any
	for i := range 20_000 {
		r := requiredRow{Name: fmt.Sprintf("name-%d", i*7919%20_000), Age: int64(i % 97), Score: float64(i) / 4, Tags: []string{}}
		if i%3 == 0 {
			r.Tags = []string{"t", fmt.Sprint(i % 5)}
		}
		if i%10 == 0 {
			r.Name = ""
		}
		tags := make([]any, len(r.Tags))
		for k, t := range r.Tags {
			tags[k] = t
		}
		rows = append(rows, r)
		values = append(values, []any{r.Name, r.Age, r.Score, tags})
	}
	return rows, values
}

// writeRequired writes rows with a StructWriter of structColumns,
// Required.
func writeRequired(t *testing.T, path string, rows []requiredRow) {
	t.Helper()
	w, err := NewStructWriter[requiredRow](path, structColumns, StructOptions{Required: true})
	if err != nil {
		t.Fatal(err)
	}
	for chunk := range slices.Chunk(rows, 1000) {
		if err := w.Write(chunk); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

// With Required, the file has ParquetSchema(cols, true) and otherwise
// WriteParquetFile's footer and column chunk statistics, and
// ReadParquetFile reads the same columns and values from it.
func TestStructWriter_Required(t *testing.T) {
	rows, values := requiredRows()
	dir := t.TempDir()
	typed, ref := filepath.Join(dir, "typed.parquet"), filepath.Join(dir, "ref.parquet")
	writeRequired(t, typed, rows)
	if err := WriteParquetFile(ref, structColumns, values); err != nil {
		t.Fatal(err)
	}
	gotCols, got, err := ReadParquetFile(typed)
	if err != nil {
		t.Fatal(err)
	}
	wantCols, want, err := ReadParquetFile(ref)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(gotCols, wantCols) || !reflect.DeepEqual(got, want) {
		t.Errorf("read back columns %v, %d rows; want %v, %d rows (or the values differ)", gotCols, len(got), wantCols, len(want))
	}

	tf, rf := openFile(t, typed), openFile(t, ref)
	if !parquet.EqualNodes(tf.Schema(), ParquetSchema(structColumns, true)) {
		t.Errorf("schema:\n%s", tf.Schema())
	}
	if got, want := tf.Schema().String(), strings.ReplaceAll(rf.Schema().String(), "optional ", "required "); got != want {
		t.Errorf("schema:\n%s\nwant:\n%s", got, want)
	}
	if got, want := tf.Metadata().KeyValueMetadata, rf.Metadata().KeyValueMetadata; !reflect.DeepEqual(got, want) {
		t.Errorf("footer metadata %v, want %v", got, want)
	}
	for g := range min(len(tf.Metadata().RowGroups), len(rf.Metadata().RowGroups)) {
		tc, rc := tf.Metadata().RowGroups[g].Columns, rf.Metadata().RowGroups[g].Columns
		for c := range tc {
			ts, rs := tc[c].MetaData.Statistics, rc[c].MetaData.Statistics
			if !bytes.Equal(ts.MinValue, rs.MinValue) || !bytes.Equal(ts.MaxValue, rs.MaxValue) || ts.NullCount != rs.NullCount || ts.MaxValue == nil {
				t.Errorf("row group %d, column %v: statistics %q..%q, %d nulls; want %q..%q, %d",
					g, tc[c].MetaData.PathInSchema, ts.MinValue, ts.MaxValue, ts.NullCount, rs.MinValue, rs.MaxValue, rs.NullCount)
			}
		}
	}
}

// openFile opens a Parquet file for its metadata.
func openFile(t *testing.T, path string) *parquet.File {
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

func readAll(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
