package output

import (
	"bufio"
	"encoding/csv"
	"math"
	"strconv"
	"strings"

	"github.com/synthgen/synthgen/columns/value"
)

// csvEncoder writes a header of column names, then one record per row.
type csvEncoder struct {
	buf    *bufio.Writer
	w      *csv.Writer
	record []string
}

func newCSVEncoder(f *atomicFile, cols []Column) (encoder, error) {
	buf := bufio.NewWriterSize(f, 1<<16)
	e := &csvEncoder{buf: buf, w: csv.NewWriter(buf), record: make([]string, len(cols))}
	for i, c := range cols {
		e.record[i] = c.Name
	}
	if err := e.w.Write(e.record); err != nil {
		return nil, err
	}
	return e, nil
}

func (e *csvEncoder) encode(rows [][]any, _ int) error {
	for _, row := range rows {
		for i, v := range row {
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
		switch {
		case math.IsNaN(x):
			return "nan"
		case math.IsInf(x, 1):
			return "inf"
		case math.IsInf(x, -1):
			return "-inf"
		}
		return pythonFloat(x)
	}
	return value.CompactJSON(v)
}

// pythonFloat formats a finite float like Python's repr/str: the shortest
// digits that read back exactly, in positional notation with at least one
// decimal (2.0, 1234567.5, 0.0001) when the exponent is in [-4, 16), else
// in scientific notation (1e+16, 1.5e-05).
func pythonFloat(f float64) string {
	sci := strconv.FormatFloat(f, 'e', -1, 64)
	_, exp, _ := strings.Cut(sci, "e")
	if e, _ := strconv.Atoi(exp); e < -4 || e >= 16 {
		return sci
	}
	s := strconv.FormatFloat(f, 'f', -1, 64)
	if !strings.Contains(s, ".") {
		s += ".0"
	}
	return s
}
