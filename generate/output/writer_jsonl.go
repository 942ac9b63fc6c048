package output

import (
	"bufio"

	"github.com/synthgen/synthgen/columns/value"
)

// jsonlEncoder writes one compact JSON object per row, keys in column
// order, nested values as JSON objects and arrays (value.CompactJSON).
type jsonlEncoder struct {
	w    *bufio.Writer
	keys []string // each column name as a JSON string followed by ':'
	omit []bool   // per column: leave null object fields out
	line []byte
}

func newJSONLEncoder(f *atomicFile, cols []Column) (encoder, error) {
	keys := make([]string, len(cols))
	omit := make([]bool, len(cols))
	for i, c := range cols {
		keys[i] = value.CompactJSON(c.Name) + ":"
		omit[i] = c.OmitNullFields
	}
	return &jsonlEncoder{w: bufio.NewWriterSize(f, 1<<16), keys: keys, omit: omit}, nil
}

func (e *jsonlEncoder) encode(rows [][]any, _ int) error {
	for _, row := range rows {
		line := append(e.line[:0], '{')
		for i, v := range row {
			if i > 0 {
				line = append(line, ',')
			}
			line = append(line, e.keys[i]...)
			line = append(line, jsonOf(v, e.omit[i])...)
		}
		line = append(line, '}', '\n')
		e.line = line
		if _, err := e.w.Write(line); err != nil {
			return err
		}
	}
	return nil
}

func (e *jsonlEncoder) finish() error { return e.w.Flush() }
