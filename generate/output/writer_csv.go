package output

import (
	"bufio"
	"encoding/csv"
	"strconv"

	"github.com/synthgen/synthgen/columns/value"
)

// csvEncoder writes a header of column names, then one record per row.
type csvEncoder struct {
	buf    *bufio.Writer
	w      *csv.Writer
	record []string
	omit   []bool // per column: leave null object fields out of JSON text
}

func newCSVEncoder(f *atomicFile, cols []Column) (encoder, error) {
	buf := bufio.NewWriterSize(f, 1<<16)
	e := &csvEncoder{buf: buf, w: csv.NewWriter(buf), record: make([]string, len(cols))}
	e.omit = make([]bool, len(cols))
	for i, c := range cols {
		e.record[i] = c.Name
		e.omit[i] = c.OmitNullFields
	}
	if err := e.w.Write(e.record); err != nil {
		return nil, err
	}
	return e, nil
}

func (e *csvEncoder) encode(rows [][]any, _ int) error {
	for _, row := range rows {
		for i, v := range row {
			if e.omit[i] {
				v = withoutNullFields(v)
			}
			e.record[i] = csvCell(v)
		}
		if err := e.w.Write(e.record); err != nil {
			return err
		}
	}
	return nil
}

func (e *csvEncoder) finish() error {
	e.w.Flush()
	if err := e.w.Error(); err != nil {
		return err
	}
	return e.buf.Flush()
}

// csvCell formats one cell: strings as they are, numbers as Python's str()
// prints them (3, 2.5, 2.0, 1e+16, nan), bools as true/false, objects and
// lists as compact JSON, null as an empty cell.
func csvCell(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case bool:
		return strconv.FormatBool(x)
	case int:
		return strconv.Itoa(x)
	case int32:
		return strconv.FormatInt(int64(x), 10)
	case int64:
		return strconv.FormatInt(x, 10)
	case float32:
		return csvCell(float64(x))
	case float64:
		return value.FormatFloat(x)
	}
	return value.CompactJSON(v)
}
