package output

import (
	"errors"
	"flag"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/synthgen/synthgen/columns/value"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

func TestTextFormatsGolden(t *testing.T) {
	for _, format := range []string{FormatJSONL, FormatCSV} {
		t.Run(format, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "dataset."+format)
			w, err := NewWriter(format, path, sampleColumns)
			if err != nil {
				t.Fatal(err)
			}
			rows := sampleRows()
			// Two writes: rows are appended in order.
			if err := w.Write(rows[:1]); err != nil {
				t.Fatal(err)
			}
			if err := w.Write(rows[1:]); err != nil {
				t.Fatal(err)
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			got, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			golden := filepath.Join("testdata", "sample."+format)
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if string(got) != string(want) {
				t.Errorf("%s differs from %s (go test -update rewrites it):\n%s", path, golden, got)
			}
		})
	}
}

// Every JSONL line is a JSON object with the columns in order.
func TestJSONLLinesDecode(t *testing.T) {
	path := filepath.Join(t.TempDir(), "d.jsonl")
	w, err := NewWriter(FormatJSONL, path, sampleColumns)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write(sampleRows()); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(path)
	lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	if len(lines) != len(sampleRows()) {
		t.Fatalf("%d lines, want %d", len(lines), len(sampleRows()))
	}
	for i, line := range lines {
		v, err := value.DecodeJSON([]byte(line))
		if err != nil {
			t.Fatalf("line %d: %v", i, err)
		}
		m := v.(*value.Map)
		if m.Len() != len(sampleColumns) || m.Keys()[0] != "id" || m.Keys()[len(sampleColumns)-1] != "__reasoning_content" {
			t.Errorf("line %d keys = %v", i, m.Keys())
		}
	}
}

func TestCSVCell(t *testing.T) {
	tests := []struct {
		give any
		want string
	}{
		{nil, ""},
		{"a,b \"c\"", `a,b "c"`},
		{int64(3), "3"},
		{3, "3"},
		{2.5, "2.5"},
		{2.0, "2.0"},
		{math.Copysign(0, -1), "-0.0"},
		{0.1, "0.1"},
		{1234567.5, "1234567.5"},
		{1e15, "1000000000000000.0"},
		{1e16, "1e+16"},
		{0.0001, "0.0001"},
		{0.00001, "1e-05"},
		{1.5e-7, "1.5e-07"},
		{math.NaN(), "nan"},
		{math.Inf(-1), "-inf"},
		{true, "true"},
		{false, "false"},
		{obj("a", int64(1), "b", list("x", nil)), `{"a":1,"b":["x",null]}`},
		{list(), "[]"},
	}
	for _, tt := range tests {
		if got := csvCell(tt.give); got != tt.want {
			t.Errorf("csvCell(%#v) = %q, want %q", tt.give, got, tt.want)
		}
	}
}

func TestNewWriterRejects(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		format string
		cols   []Column
		want   string
	}{
		{"xlsx", nil, "unknown output format"},
		{FormatParquet, []Column{{Name: "a", Type: value.Int}, {Name: "a", Type: value.String}}, `duplicate column name "a"`},
		{FormatJSONL, []Column{{Name: "s", Type: value.Struct(field("x", value.Int), field("x", value.Int))}}, `duplicate struct field "x"`},
		{FormatCSV, []Column{{Name: "l", Type: value.Type{Kind: value.KindList}}}, "list type without an element type"},
	}
	for _, tt := range tests {
		w, err := NewWriter(tt.format, filepath.Join(dir, "out"), tt.cols)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("NewWriter(%q, %v) = %v, %v; want error containing %q", tt.format, tt.cols, w, err, tt.want)
		}
	}
	if _, err := NewWriter("xlsx", "x", nil); !errors.Is(err, ErrUnknownFormat) {
		t.Errorf("err = %v, want ErrUnknownFormat", err)
	}
	assertDirEntries(t, dir)
}

// While a Writer is open its rows live in a temporary file next to path;
// path appears only on Close.
func TestWriterTempFileInSameDir(t *testing.T) {
	for _, format := range []string{FormatParquet, FormatJSONL, FormatCSV} {
		t.Run(format, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "dataset."+format)
			w, err := NewWriter(format, path, []Column{{Name: "a", Type: value.Int}})
			if err != nil {
				t.Fatal(err)
			}
			if err := w.Write([][]any{{int64(1)}}); err != nil {
				t.Fatal(err)
			}
			entries, _ := os.ReadDir(dir)
			if len(entries) != 1 || !strings.HasPrefix(entries[0].Name(), ".dataset."+format+".tmp-") {
				t.Fatalf("while writing, dir holds %v", entries)
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			assertDirEntries(t, dir, "dataset."+format)
			if err := w.Close(); err != nil {
				t.Errorf("second Close = %v, want nil", err)
			}
			if err := w.Write([][]any{{int64(2)}}); err == nil {
				t.Error("Write after Close succeeded")
			}
			if fi, _ := os.Stat(path); fi.Mode().Perm() != filePerm {
				t.Errorf("mode = %v, want %v", fi.Mode().Perm(), os.FileMode(filePerm))
			}
		})
	}
}

// A failed Write discards the temporary file and leaves an existing file
// at path as it was.
func TestWriterFailedWriteLeavesNoFile(t *testing.T) {
	for _, format := range []string{FormatParquet, FormatJSONL, FormatCSV} {
		t.Run(format, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "dataset."+format)
			if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
				t.Fatal(err)
			}
			w, err := NewWriter(format, path, []Column{{Name: "a", Type: value.Int}})
			if err != nil {
				t.Fatal(err)
			}
			if err := w.Write([][]any{{int64(1)}, {int64(2), "extra"}}); err == nil {
				t.Fatal("a row with too many values was accepted")
			}
			if err := w.Write([][]any{{int64(3)}}); err == nil {
				t.Error("Write after a failed Write succeeded")
			}
			err1, err2 := w.Close(), w.Close()
			if err1 == nil || err2 == nil || err1.Error() != err2.Error() {
				t.Errorf("Close = %v, then %v; want the same error twice", err1, err2)
			}
			assertDirEntries(t, dir, "dataset."+format)
			if b, _ := os.ReadFile(path); string(b) != "old" {
				t.Errorf("path now holds %q", b)
			}
		})
	}
}

func TestWriteFileAtomic(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "metadata.json")
	for _, content := range []string{`{"a":1}`, `{"a":2}`} {
		if err := WriteFileAtomic(path, []byte(content)); err != nil {
			t.Fatal(err)
		}
		if b, _ := os.ReadFile(path); string(b) != content {
			t.Errorf("got %q, want %q", b, content)
		}
	}
	assertDirEntries(t, dir, "metadata.json")

	// The rename fails when path is a directory; the temp file goes away.
	sub := filepath.Join(dir, "taken")
	if err := os.Mkdir(filepath.Join(sub), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(sub, "x"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := WriteFileAtomic(sub, []byte("x")); err == nil {
		t.Error("writing over a non-empty directory succeeded")
	}
	assertDirEntries(t, dir, "metadata.json", "taken")

	if err := WriteFileAtomic(filepath.Join(dir, "missing", "m.json"), nil); err == nil {
		t.Error("writing into a missing directory succeeded")
	}
}

func assertDirEntries(t *testing.T, dir string, want ...string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range entries {
		got = append(got, e.Name())
	}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("%s holds %v, want %v", dir, got, want)
	}
}
