package seed

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/synthgen/synthgen/columns/value"
)

// readJSON reads a .json seed file: an array of objects, or (like .jsonl)
// one object per line.
func readJSON(path string, data []byte) (*table, error) {
	data = bytes.TrimPrefix(data, utf8BOM)
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 || trimmed[0] != '[' {
		t, err := readJSONL(path, data)
		if err != nil {
			return nil, fmt.Errorf("%w (a .json seed file holds an array of objects, or one object per line)", err)
		}
		return t, nil
	}
	v, err := value.DecodeJSON(data)
	if err != nil {
		var syn *json.SyntaxError
		if errors.As(err, &syn) {
			return nil, fmt.Errorf("parsing seed file %s: line %d: %w", path, lineAt(data, syn.Offset), err)
		}
		return nil, fmt.Errorf("parsing seed file %s: %w", path, err)
	}
	list, _ := v.([]any)
	var b tableBuilder
	for i, e := range list {
		m, ok := e.(*value.Map)
		if !ok {
			return nil, fmt.Errorf("parsing seed file %s: element %d of the array is %s, want an object", path, i, kindName(e))
		}
		b.add(m)
	}
	return &b.t, nil
}

// readJSONL reads one JSON object per line; blank lines are skipped.
func readJSONL(path string, data []byte) (*table, error) {
	data = bytes.TrimPrefix(data, utf8BOM)
	var b tableBuilder
	for i, line := range bytes.Split(data, []byte("\n")) {
		line = bytes.TrimSpace(line)
		if len(line) == 0 {
			continue
		}
		v, err := value.DecodeJSON(line)
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			err = errors.New("the line ends inside a JSON value (one object per line)")
		}
		if err != nil {
			return nil, fmt.Errorf("parsing seed file %s: line %d: %w", path, i+1, err)
		}
		m, ok := v.(*value.Map)
		if !ok {
			return nil, fmt.Errorf("parsing seed file %s: line %d: %s, want an object", path, i+1, kindName(v))
		}
		b.add(m)
	}
	return &b.t, nil
}

func kindName(v any) string {
	k := value.KindOf(v)
	switch k {
	case "object", "int":
		return "an " + k
	case "null":
		return k
	}
	return "a " + k
}

// lineAt is the 1-based line of byte offset off in data.
func lineAt(data []byte, off int64) int {
	off = min(max(off, 0), int64(len(data)))
	return bytes.Count(data[:off], []byte("\n")) + 1
}

// tableBuilder builds a table from objects: columns are the union of keys
// in first-seen order, a missing key is nil.
type tableBuilder struct {
	t     table
	index map[string]int
}

func (b *tableBuilder) add(m *value.Map) {
	if b.index == nil {
		b.index = map[string]int{}
	}
	for _, k := range m.Keys() {
		c, ok := b.index[k]
		if !ok {
			c = len(b.t.names)
			b.index[k] = c
			b.t.names = append(b.t.names, k)
			b.t.cols = append(b.t.cols, make([]any, b.t.rows))
		}
		v, _ := m.Get(k)
		b.t.cols[c] = append(b.t.cols[c], v)
	}
	b.t.rows++
	for c := range b.t.cols {
		if len(b.t.cols[c]) < b.t.rows {
			b.t.cols[c] = append(b.t.cols[c], nil)
		}
	}
}
