package output

import (
	"path/filepath"
	"testing"
)

func TestParquetNumRows(t *testing.T) {
	path := filepath.Join(t.TempDir(), "rows.parquet")
	rows := sampleRows()
	if err := WriteParquetFile(path, sampleColumns, rows); err != nil {
		t.Fatal(err)
	}
	n, err := ParquetNumRows(path)
	if err != nil || n != int64(len(rows)) {
		t.Fatalf("ParquetNumRows = %d, %v; want %d", n, err, len(rows))
	}
	if _, err := ParquetNumRows(filepath.Join(t.TempDir(), "missing.parquet")); err == nil {
		t.Error("a missing file: no error")
	}
}
