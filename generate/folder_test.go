package generate

import (
	"context"
	"hash/maphash"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/synthgen/synthgen/columns/value"
)

func TestBatchFile(t *testing.T) {
	tests := []struct {
		give int
		want string
	}{
		{0, "batch_00000.parquet"},
		{42, "batch_00042.parquet"},
		{123456, "batch_123456.parquet"},
	}
	for _, tt := range tests {
		if got := BatchFile(tt.give); got != tt.want {
			t.Errorf("BatchFile(%d) = %q, want %q", tt.give, got, tt.want)
		}
	}
}

func TestFolder_KeepFailuresBefore(t *testing.T) {
	tests := []struct {
		name string
		give string // failures.jsonl; "" means no file
		kept []int  // group ids (buffer 10)
		want string // "" means the file is removed
	}{
		{"no file", "", []int{0}, ""},
		{"keeps the kept groups' rows", "{\"row\":1}\n{\"row\":9}\n{\"row\":10}\n{\"row\":15}\n{\"row\":27}\n", []int{0, 2}, "{\"row\":1}\n{\"row\":9}\n{\"row\":27}\n"},
		{"keeps everything", "{\"row\":1}\n{\"row\":2}\n", []int{0}, "{\"row\":1}\n{\"row\":2}\n"},
		{"drops everything", "{\"row\":10}\n{\"row\":11}\n", []int{0}, ""},
		{"drops a line cut by a crash", "{\"row\":1}\n{\"row\":2,\"col", []int{0}, "{\"row\":1}\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, FailuresFile)
			if tt.give != "" {
				if err := os.WriteFile(path, []byte(tt.give), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			f := &Folder{Dir: dir, meta: &Metadata{BufferSize: 10}}
			var kept []BatchInfo
			for _, id := range tt.kept {
				kept = append(kept, BatchInfo{ID: id})
			}
			if err := f.keepFailuresOf(kept); err != nil {
				t.Fatal(err)
			}
			got, err := os.ReadFile(path)
			if tt.want == "" {
				if !os.IsNotExist(err) {
					t.Errorf("failures.jsonl = %q, %v; want no file", got, err)
				}
				return
			}
			if string(got) != tt.want {
				t.Errorf("failures.jsonl = %q, want %q", got, tt.want)
			}
		})
	}
}

// WriteGroup writes only the written slots, in Written order, and appends
// failures before the group's file.
func TestFolder_WriteGroup(t *testing.T) {
	_, p := mustPlan(t, `columns:
  - {name: b, column_type: expression, expr: "{{ a }}"}
  - {name: hidden, column_type: expression, expr: "h", drop: true}
  - {name: a, column_type: expression, dtype: int, expr: "1"}
`, 1)
	dir := t.TempDir()
	f, err := OpenFolder(dir, p, &Metadata{BufferSize: 2}, []byte("{}\n"))
	if err != nil {
		t.Fatal(err)
	}
	// Slots follow plan order: hidden, a, b (hidden is declared before a).
	slot := func(name string) int { s, _ := p.Slot(name); return s }
	row := func(a int64, b string) []any {
		r := make([]any, len(p.Outputs))
		r[slot("a")], r[slot("b")], r[slot("hidden")] = a, b, "h"
		return r
	}
	up := value.NewMap()
	up.Set("a", int64(3))
	g := &RowGroup{ID: 0, Rows: [][]any{row(1, "1"), row(2, "2")}, Indices: []int64{0, 1},
		Failures: []Failure{{Row: 2, Column: "b", ErrorKind: "expression", Message: "m", Upstream: up}}}
	if err := f.WriteGroup(context.Background(), g); err != nil {
		t.Fatal(err)
	}
	if err := f.Finish(time.Now().UTC()); err != nil {
		t.Fatal(err)
	}
	if err := f.Finish(time.Now().UTC()); err != nil {
		t.Fatalf("second Finish: %v", err)
	}
	cols, rows := readRows(t, dir)
	if len(cols) != 2 || cols[0].Name != "b" || cols[1].Name != "a" {
		t.Fatalf("columns = %v, want b, a", cols)
	}
	if len(rows) != 2 || rows[0][0] != "1" || rows[0][1] != int64(1) || rows[1][1] != int64(2) {
		t.Errorf("rows = %v", rows)
	}
	if got, want := string(readFile(t, filepath.Join(dir, FailuresFile))), `{"row":2,"column":"b","error_kind":"expression","message":"m","upstream":{"a":3}}`+"\n"; got != want {
		t.Errorf("failures.jsonl = %q\nwant %q", got, want)
	}
	m := readMeta(t, dir)
	if m.NumCompletedBatches != 1 || m.ActualNumRecords != 2 || m.FailedNumRecords != 1 || len(m.Batches) != 1 || m.Batches[0].Rows != 3 {
		t.Errorf("metadata %+v", m)
	}
	if got := f.Columns(); len(got) != 2 || got[0].Name != "b" {
		t.Errorf("Columns() = %v", got)
	}

	// Memory.Records picks the same columns.
	mem := &Memory{}
	if err := mem.WriteGroup(context.Background(), g); err != nil {
		t.Fatal(err)
	}
	recs := mem.Records(p)
	if len(recs) != 2 || value.CompactJSON(recs[1]) != `{"b":"2","a":2}` {
		t.Errorf("Records = %v", recs)
	}
}

func TestHashValue(t *testing.T) {
	seed := maphash.MakeSeed()
	hash := func(v any) uint64 {
		var h maphash.Hash
		h.SetSeed(seed)
		hashValue(&h, v)
		return h.Sum64()
	}
	obj := func(kv ...any) *value.Map {
		m := value.NewMap()
		for i := 0; i < len(kv); i += 2 {
			m.Set(kv[i].(string), kv[i+1])
		}
		return m
	}
	same := [][2]any{
		{"a", "a"},
		{[]any{int64(1), "x", nil}, []any{int64(1), "x", nil}},
		{obj("role", "user", "content", []any{obj("type", "text", "text", "hi")}), obj("role", "user", "content", []any{obj("type", "text", "text", "hi")})},
	}
	for _, p := range same {
		if hash(p[0]) != hash(p[1]) {
			t.Errorf("%v and %v hash differently", p[0], p[1])
		}
	}
	different := [][2]any{
		{"ab", []any{"a", "b"}},
		{[]any{"ab"}, []any{"a", "b"}},
		{int64(1), float64(1)},
		{true, "t"},
		{obj("a", "b"), obj("ab", "")},
		{obj("role", "user"), obj("role", "assistant")},
		{nil, ""},
	}
	for _, p := range different {
		if hash(p[0]) == hash(p[1]) {
			t.Errorf("%v and %v hash the same", p[0], p[1])
		}
	}
}
