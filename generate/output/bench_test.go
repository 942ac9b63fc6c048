package output

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/synthgen/synthgen/columns/value"
)

// benchRows builds n rows of a string, an int, a person struct and a trace
// of 3 to 5 messages.
func benchRows(n int) [][]any {
	rows := make([][]any, n)
	for i := range rows {
		trace := sampleTrace(i)[:3+i%3]
		person := obj("first_name", fmt.Sprintf("Name%d", i), "last_name", "Lovelace", "age", int64(20+i%60),
			"height_m", 1.5+float64(i%50)/100, "is_member", i%2 == 0,
			"address", obj("street", fmt.Sprintf("%d Main St", i), "city", "London", "zip", "SW1"),
			"phones", list("+44 1", "+44 2"))
		rows[i] = []any{fmt.Sprintf("text of row %d with some words in it", i), int64(i), person, trace}
	}
	return rows
}

func BenchmarkWriteParquet(b *testing.B) {
	const n = 10_000
	cols := []Column{{Name: "text", Type: value.String}, {Name: "id", Type: value.Int}, {Name: "person", Type: personType}, {Name: "__trace", Type: traceType}}
	rows := benchRows(n)
	path := filepath.Join(b.TempDir(), "bench.parquet")
	b.ReportAllocs()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	start := time.Now()
	iters := 0
	for b.Loop() {
		if err := WriteParquetFile(path, cols, rows); err != nil {
			b.Fatal(err)
		}
		iters++
	}
	elapsed := time.Since(start)
	runtime.ReadMemStats(&after)
	b.ReportMetric(float64(iters*n)/elapsed.Seconds(), "rows/s")
	b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/float64(iters*n), "B/row")
	if fi, err := os.Stat(path); err == nil {
		b.ReportMetric(float64(fi.Size())/n, "file-B/row")
	}
}
