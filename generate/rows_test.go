package generate

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestWrittenRows(t *testing.T) {
	dir := t.TempDir()
	meta := `{"buffer_size": 4, "batches": [{"id": 0, "rows": 4, "written": 3, "failed": 1}, {"id": 2, "rows": 2, "written": 1, "failed": 1}]}`
	if err := os.WriteFile(filepath.Join(dir, MetadataFile), []byte(meta), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{BatchFile(0), BatchFile(2)} {
		os.MkdirAll(filepath.Join(dir, ParquetDir), 0o755)
		os.WriteFile(filepath.Join(dir, ParquetDir, name), []byte("x"), 0o644)
	}
	fails := "{\"row\":9,\"column\":\"a\"}\n{\"row\":1,\"column\":\"a\",\"conversation\":[{\"role\":\"user\",\"content\":\"" + strings.Repeat("x", 100000) + "\"}]}\n"
	if err := os.WriteFile(filepath.Join(dir, FailuresFile), []byte(fails), 0o644); err != nil {
		t.Fatal(err)
	}
	w, err := ReadWrittenRows(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := w.Indices(0, 3); err != nil || !reflect.DeepEqual(got, []int64{0, 2, 3}) {
		t.Errorf("group 0: %v, %v", got, err)
	}
	if got, err := w.Indices(2, 1); err != nil || !reflect.DeepEqual(got, []int64{8}) {
		t.Errorf("group 2: %v, %v", got, err)
	}
	if _, err := w.Indices(2, 2); err == nil {
		t.Error("a file with more rows than recorded must be an error")
	}
	if _, err := w.Indices(1, 0); err == nil {
		t.Error("an unrecorded group must be an error")
	}
}
