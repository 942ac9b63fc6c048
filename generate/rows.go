package generate

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
)

// WrittenRows maps the rows of a dataset folder's row-group files back to
// their dataset row indices: a group's file holds the rows of
// [id × buffer_size, id × buffer_size + rows) that did not fail, in order.
// It reads metadata.json and the row numbers of failures.jsonl.
type WrittenRows struct {
	buffer int
	rows   map[int]int // group id → rows asked
	failed map[int64]bool
}

// ReadWrittenRows reads what WrittenRows needs from a dataset folder.
func ReadWrittenRows(dir string) (*WrittenRows, error) {
	m, err := readMetadata(dir)
	if err != nil {
		return nil, err
	}
	if m.BufferSize <= 0 {
		return nil, fmt.Errorf("%s: buffer_size %d", MetadataFile, m.BufferSize)
	}
	w := &WrittenRows{buffer: m.BufferSize, rows: map[int]int{}, failed: map[int64]bool{}}
	for _, b := range m.Batches {
		w.rows[b.ID] = b.Rows
	}
	f, err := os.Open(filepath.Join(dir, FailuresFile))
	if errors.Is(err, os.ErrNotExist) {
		return w, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 64<<20) // a failure holds a conversation
	for sc.Scan() {
		var rec struct {
			Row *int64 `json:"row"`
		}
		if json.Unmarshal(sc.Bytes(), &rec) == nil && rec.Row != nil {
			w.failed[*rec.Row] = true
		}
	}
	return w, sc.Err()
}

// Indices returns the dataset row indices of group id's written rows, in
// file order; n is the number of rows in its file (a check: the result
// has n entries or an error says the folder disagrees with itself).
func (w *WrittenRows) Indices(id, n int) ([]int64, error) {
	asked, ok := w.rows[id]
	if !ok {
		return nil, fmt.Errorf("row group %d is not recorded in %s", id, MetadataFile)
	}
	first := int64(id) * int64(w.buffer)
	out := make([]int64, 0, n)
	for i := first; i < first+int64(asked); i++ {
		if !w.failed[i] {
			out = append(out, i)
		}
	}
	if len(out) != n {
		return nil, fmt.Errorf("row group %d: its file has %d rows, %s and %s say %d", id, n, MetadataFile, FailuresFile, len(out))
	}
	return out, nil
}

// Groups returns the recorded row groups' ids in order.
func (w *WrittenRows) Groups() []int {
	ids := make([]int, 0, len(w.rows))
	for id := range w.rows {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// Span is the range of dataset rows [first, end) group id was asked for
// (empty when the group is not recorded).
func (w *WrittenRows) Span(id int) (first, end int64) {
	first = int64(id) * int64(w.buffer)
	return first, first + int64(w.rows[id])
}
