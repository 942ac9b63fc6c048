package output

import (
	"bytes"
	"context"
	"encoding/json"
	"os/exec"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/synthgen/synthgen/columns/value"
	"github.com/synthgen/synthgen/internal/npmtest"
)

// duckdbNodeAPI is the npm package the DuckDB read-back test uses, pinned so
// CI and laptops test against the same DuckDB.
const duckdbNodeAPI = "@duckdb/node-api@1.5.6-r.1"

// TestParquetReadsBackInDuckDB writes nested columns (structs, lists, lists
// of structs, the trace shape, nulls at every level) and checks that DuckDB
// reads the same values with the expected types; then that ReadParquetFile
// reads the same values from a copy DuckDB wrote. It needs Node.js; the npm
// package is installed on first use (see duckdbModuleDir).
func TestParquetReadsBackInDuckDB(t *testing.T) {
	if _, err := exec.LookPath("node"); err != nil {
		t.Fatal("node is not on PATH: this test reads Parquet back with DuckDB through Node.js " +
			"(install Node.js 18+; the test then runs `npm install " + duckdbNodeAPI + "` itself)")
	}
	moduleDir := duckdbModuleDir(t)
	path := filepath.Join(t.TempDir(), "duck.parquet")
	duckCopy := filepath.Join(t.TempDir(), "written-by-duckdb.parquet")
	rows := sampleRows()
	if err := WriteParquetFile(path, sampleColumns, rows); err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", filepath.Join("testdata", "duckdb_read.cjs"), moduleDir, path, duckCopy)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node duckdb_read.cjs: %v\n%s", err, stderr.String())
	}
	var got struct {
		Columns []struct{ Name, Type string }
		Rows    []json.RawMessage
	}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("decoding DuckDB output: %v\n%s", err, out)
	}

	if len(got.Columns) != len(sampleColumns) {
		t.Fatalf("DuckDB sees %d columns, want %d", len(got.Columns), len(sampleColumns))
	}
	for i, c := range sampleColumns {
		if want := duckdbType(c.Type); got.Columns[i].Name != c.Name || got.Columns[i].Type != want {
			t.Errorf("column %d: DuckDB has %s %s, want %s %s", i, got.Columns[i].Name, got.Columns[i].Type, c.Name, want)
		}
	}
	if len(got.Rows) != len(rows) {
		t.Fatalf("DuckDB read %d rows, want %d", len(got.Rows), len(rows))
	}
	for i, raw := range got.Rows {
		decoded, err := value.DecodeJSON(raw)
		if err != nil {
			t.Fatal(err)
		}
		duckRow := decoded.([]any)
		for j, c := range sampleColumns {
			want := asDuckDB(rows[i][j], c.Type)
			have := fromDuckDB(duckRow[j], c.Type)
			if !reflect.DeepEqual(have, want) {
				t.Errorf("row %d, column %s:\nDuckDB %s\n  want %s", i, c.Name, value.CompactJSON(have), value.CompactJSON(want))
			}
		}
	}

	// A file from another writer: no synthgen footer, so JSON columns read
	// back as their text.
	cols, copied, err := ReadParquetFile(duckCopy)
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range sampleColumns {
		if want := storedType(c.Type); cols[i].Name != c.Name || !cols[i].Type.Equal(want) {
			t.Errorf("DuckDB's copy: column %d is %s %s, want %s %s", i, cols[i].Name, cols[i].Type, c.Name, want)
		}
	}
	for i := range rows {
		for j, c := range sampleColumns {
			if want := asDuckDB(rows[i][j], c.Type); !reflect.DeepEqual(copied[i][j], want) {
				t.Errorf("DuckDB's copy, row %d, column %s:\n got %s\nwant %s", i, c.Name, value.CompactJSON(copied[i][j]), value.CompactJSON(want))
			}
		}
	}
}

// TestStructWriterRequiredReadsBackInDuckDB checks that DuckDB reads a
// StructWriter file with required columns (StructOptions, as span files
// are written) as it reads WriteParquetFile's file of the same values: the
// same column names and types, the same rows.
func TestStructWriterRequiredReadsBackInDuckDB(t *testing.T) {
	if _, err := exec.LookPath("node"); err != nil {
		t.Fatal("node is not on PATH: this test reads Parquet back with DuckDB through Node.js " +
			"(install Node.js 18+; the test then runs `npm install " + duckdbNodeAPI + "` itself)")
	}
	moduleDir := duckdbModuleDir(t)
	rows, values := requiredRows()
	dir := t.TempDir()
	typed, ref := filepath.Join(dir, "typed.parquet"), filepath.Join(dir, "ref.parquet")
	writeRequired(t, typed, rows)
	if err := WriteParquetFile(ref, structColumns, values); err != nil {
		t.Fatal(err)
	}
	read := func(path string) []byte {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, "node", filepath.Join("testdata", "duckdb_read.cjs"), moduleDir, path)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("node duckdb_read.cjs %s: %v\n%s", filepath.Base(path), err, stderr.String())
		}
		return out
	}
	got, want := read(typed), read(ref)
	if !bytes.Equal(got, want) {
		t.Errorf("DuckDB reads the required file as\n%.400s\nand WriteParquetFile's as\n%.400s", got, want)
	}
	if !bytes.Contains(got, []byte(`{"name":"tags","type":"VARCHAR[]"}`)) {
		t.Errorf("DuckDB's columns: %.300s", got)
	}
}

// duckdbModuleDir returns a directory whose node_modules holds
// duckdbNodeAPI ($SYNTHGEN_DUCKDB_NODE_DIR, or the user cache; installed on
// first use).
func duckdbModuleDir(t *testing.T) string {
	return npmtest.ModuleDir(t, duckdbNodeAPI, "SYNTHGEN_DUCKDB_NODE_DIR", "duckdb-node-api")
}

// duckdbType is how DuckDB names the type it reads for a column of t.
func duckdbType(t value.Type) string {
	switch t.Kind {
	case value.KindInt:
		return "BIGINT"
	case value.KindFloat:
		return "DOUBLE"
	case value.KindBool:
		return "BOOLEAN"
	case value.KindList:
		return duckdbType(*t.Elem) + "[]"
	case value.KindStruct:
		if len(t.Fields) == 0 {
			return "VARCHAR"
		}
		parts := make([]string, len(t.Fields))
		for i, f := range t.Fields {
			parts[i] = strconv.Quote(f.Name) + " " + duckdbType(f.Type)
		}
		return "STRUCT(" + strings.Join(parts, ", ") + ")"
	}
	return "VARCHAR"
}

// asDuckDB is v as DuckDB should return it: every struct field present and
// JSON parts as their compact JSON text.
func asDuckDB(v any, t value.Type) any {
	if v == nil {
		return nil
	}
	switch {
	case t.Kind == value.KindJSON, t.Kind == value.KindStruct && len(t.Fields) == 0:
		return value.CompactJSON(v)
	case t.Kind == value.KindStruct:
		m := v.(*value.Map)
		out := value.NewMap()
		for _, f := range t.Fields {
			fv, _ := m.Get(f.Name)
			out.Set(f.Name, asDuckDB(fv, f.Type))
		}
		return out
	case t.Kind == value.KindList:
		out := []any{}
		for _, e := range v.([]any) {
			out = append(out, asDuckDB(e, *t.Elem))
		}
		return out
	}
	return v
}

// fromDuckDB undoes what JSON does to DuckDB's numbers: a DOUBLE without a
// fraction arrives as an integer, a BIGINT beyond 2^53 as a string.
func fromDuckDB(v any, t value.Type) any {
	switch x := v.(type) {
	case int64:
		if t.Kind == value.KindFloat {
			return float64(x)
		}
	case string:
		if t.Kind == value.KindInt {
			if i, err := strconv.ParseInt(x, 10, 64); err == nil {
				return i
			}
		}
	case *value.Map:
		for _, f := range t.Fields {
			if fv, ok := x.Get(f.Name); ok {
				x.Set(f.Name, fromDuckDB(fv, f.Type))
			}
		}
	case []any:
		for i, e := range x {
			x[i] = fromDuckDB(e, *t.Elem)
		}
	}
	return v
}
