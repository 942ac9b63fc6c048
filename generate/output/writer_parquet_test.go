package output

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/synthgen/synthgen/columns/value"
)

func TestParquetRoundTrip(t *testing.T) {
	all := sampleRows()
	tests := []struct {
		name string
		rows [][]any
	}{
		{"every type", all},
		{"only nulls", all[1:2]},
		{"empty lists and partial structs", all[2:3]},
		{"nulls inside lists and structs", all[3:]},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "batch_00000.parquet")
			if err := WriteParquetFile(path, sampleColumns, tt.rows); err != nil {
				t.Fatal(err)
			}
			cols, got, err := ReadParquetFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if len(cols) != len(sampleColumns) {
				t.Fatalf("got %d columns, want %d", len(cols), len(sampleColumns))
			}
			for i, c := range cols {
				if c.Name != sampleColumns[i].Name || !c.Type.Equal(sampleColumns[i].Type) {
					t.Errorf("column %d = %s %s, want %s %s", i, c.Name, c.Type, sampleColumns[i].Name, sampleColumns[i].Type)
				}
			}
			want := completeRows(sampleColumns, tt.rows)
			if len(got) != len(want) {
				t.Fatalf("got %d rows, want %d", len(got), len(want))
			}
			for i := range want {
				for j := range want[i] {
					if !reflect.DeepEqual(got[i][j], want[i][j]) {
						t.Errorf("row %d, column %s:\n got %T %s\nwant %T %s", i, cols[j].Name,
							got[i][j], value.CompactJSON(got[i][j]), want[i][j], value.CompactJSON(want[i][j]))
					}
				}
			}
		})
	}
}

// Without the footer's column types a JSON column reads back as the text
// stored for it.
func TestParquetJSONColumnIsPlainString(t *testing.T) {
	path := filepath.Join(t.TempDir(), "j.parquet")
	cols := []Column{{Name: "j", Type: value.JSONT}}
	if err := WriteParquetFile(path, cols, [][]any{{obj("a", int64(1), "b", list("x"))}}); err != nil {
		t.Fatal(err)
	}
	schema, plan := parquetSchema(cols)
	if len(plan) != 1 || !strings.Contains(schema.String(), "optional binary j (STRING)") {
		t.Errorf("schema:\n%s", schema)
	}
	_, rows, err := ReadParquetFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if m, ok := rows[0][0].(*value.Map); !ok || value.CompactJSON(m) != `{"a":1,"b":["x"]}` {
		t.Errorf("got %#v", rows[0][0])
	}
}

func TestParquetSchemaKeepsFieldOrder(t *testing.T) {
	schema, _ := parquetSchema([]Column{
		{Name: "z", Type: value.Struct(field("b", value.Int), field("a", value.List(value.Float)))},
		{Name: "a", Type: value.Bool},
	})
	want := []string{"z.b", "z.a.list.element", "a"}
	var got []string
	for _, p := range schema.Columns() {
		got = append(got, strings.Join(p, "."))
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("leaf columns = %v, want %v", got, want)
	}
}

// ParquetSchema with required is the same schema, every node required: a
// struct's fields and a list's element too.
func TestParquetSchemaRequired(t *testing.T) {
	cols := []Column{
		{Name: "z", Type: value.Struct(field("b", value.Int), field("a", value.List(value.Float)))},
		{Name: "s", Type: value.String},
	}
	optional, required := ParquetSchema(cols, false).String(), ParquetSchema(cols, true).String()
	if want := strings.ReplaceAll(optional, "optional ", "required "); required != want || strings.Contains(required, "optional") {
		t.Errorf("required schema:\n%s\nwant:\n%s", required, want)
	}
	if schema, _ := parquetSchema(cols); schema.String() != optional {
		t.Errorf("optional schema:\n%s\nwant WriteParquetFile's:\n%s", optional, schema)
	}
}

func TestParquetNumberTolerance(t *testing.T) {
	cols := []Column{{Name: "i", Type: value.Int}, {Name: "f", Type: value.Float}}
	tests := []struct {
		give    []any
		want    []any
		wantErr string
	}{
		{give: []any{1, 2}, want: []any{int64(1), 2.0}},
		{give: []any{int32(7), int64(3)}, want: []any{int64(7), 3.0}},
		{give: []any{4.0, float32(0.5)}, want: []any{int64(4), 0.5}},
		{give: []any{4.5, 1.0}, wantErr: `row 0, column "i": float 4.5 has no exact int value`},
		{give: []any{1, int64(1)<<53 + 1}, wantErr: `column "f": int 9007199254740993 has no exact float value`},
		{give: []any{"1", 1.0}, wantErr: `column "i": want int, got string`},
	}
	for _, tt := range tests {
		path := filepath.Join(t.TempDir(), "n.parquet")
		err := WriteParquetFile(path, cols, [][]any{tt.give})
		if tt.wantErr != "" {
			var ve *ValueError
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !errors.As(err, &ve) {
				t.Errorf("%v: err = %v, want a *ValueError containing %q", tt.give, err, tt.wantErr)
			}
			if _, serr := os.Stat(path); !os.IsNotExist(serr) {
				t.Errorf("%v: a file was left at %s", tt.give, path)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%v: %v", tt.give, err)
		}
		_, rows, err := ReadParquetFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(rows[0], tt.want) {
			t.Errorf("%v read back as %#v, want %#v", tt.give, rows[0], tt.want)
		}
	}
}

func TestParquetValueErrorPath(t *testing.T) {
	rows := [][]any{{list(obj("role", "user", "content", list(textBlock("ok"), obj("type", "text", "text", int64(5)))))}}
	err := WriteParquetFile(filepath.Join(t.TempDir(), "t.parquet"), []Column{{Name: "__trace", Type: traceType}}, rows)
	var ve *ValueError
	if !errors.As(err, &ve) {
		t.Fatalf("err = %v, want *ValueError", err)
	}
	if ve.Row != 0 || ve.Column != "__trace" || ve.Path != "[0].content[1].text" {
		t.Errorf("got row %d column %q path %q", ve.Row, ve.Column, ve.Path)
	}

	err = WriteParquetFile(filepath.Join(t.TempDir(), "t.parquet"), []Column{{Name: "p", Type: personType}},
		[][]any{{obj("first_name", "A", "nickname", "B")}})
	if err == nil || !strings.Contains(err.Error(), `key "nickname" is not a field`) {
		t.Errorf("unknown key: err = %v", err)
	}
}

func TestParquetDeterministic(t *testing.T) {
	dir := t.TempDir()
	var files [][]byte
	for _, name := range []string{"a.parquet", "b.parquet"} {
		path := filepath.Join(dir, name)
		if err := WriteParquetFile(path, sampleColumns, sampleRows()); err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, b)
	}
	if !bytes.Equal(files[0], files[1]) {
		t.Error("two writes of the same rows differ")
	}
}

func TestParquetEmptyAndManyRowGroups(t *testing.T) {
	path := filepath.Join(t.TempDir(), "e.parquet")
	if err := WriteParquetFile(path, sampleColumns, nil); err != nil {
		t.Fatal(err)
	}
	cols, rows, err := ReadParquetFile(path)
	if err != nil || len(rows) != 0 || len(cols) != len(sampleColumns) {
		t.Fatalf("empty file: %d columns, %d rows, err %v", len(cols), len(rows), err)
	}

	// More rows than a row group and than a shred chunk, written in uneven
	// batches, read back in order.
	w, err := NewWriter(FormatParquet, path, []Column{{Name: "i", Type: value.Int}, {Name: "t", Type: traceType}})
	if err != nil {
		t.Fatal(err)
	}
	n := parquetRowGroupRows + 1000
	for start := 0; start < n; {
		var batch [][]any
		for i := start; i < min(n, start+777); i++ {
			batch = append(batch, []any{int64(i), sampleTrace(i)})
		}
		if err := w.Write(batch); err != nil {
			t.Fatal(err)
		}
		start += len(batch)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	_, rows, err = ReadParquetFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != n {
		t.Fatalf("got %d rows, want %d", len(rows), n)
	}
	for i, row := range rows {
		if row[0] != int64(i) {
			t.Fatalf("row %d has id %v", i, row[0])
		}
	}
	if got, want := value.CompactJSON(rows[n-1][1]), value.CompactJSON(complete(sampleTrace(n-1), traceType)); got != want {
		t.Errorf("last trace:\n got %s\nwant %s", got, want)
	}
}
