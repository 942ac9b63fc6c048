package output

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"testing"

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
	w, err := NewStructWriter[structRow](typed, structColumns)
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
	if _, err := NewStructWriter[required](filepath.Join(dir, "a.parquet"), structColumns); err == nil {
		t.Error("required fields accepted")
	}
	if _, err := NewStructWriter[reordered](filepath.Join(dir, "b.parquet"), structColumns); err == nil {
		t.Error("reordered fields accepted")
	}
	assertDirEntries(t, dir)
}

func readAll(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
