package output

import (
	"errors"
	"fmt"
	"strings"

	"github.com/synthgen/synthgen/columns/value"
)

// Column names one column of a dataset and the type of its values. Every
// value may also be nil (null).
type Column struct {
	Name string
	Type value.Type
	// OmitNullFields leaves null object fields out of JSON output (JSONL and
	// CSV's JSON text); Parquet stores every field.
	OmitNullFields bool
}

// The output formats NewWriter accepts.
const (
	FormatParquet = "parquet"
	FormatJSONL   = "jsonl"
	FormatCSV     = "csv"
)

// ErrUnknownFormat is returned by NewWriter for a format other than
// FormatParquet, FormatJSONL and FormatCSV.
var ErrUnknownFormat = errors.New("unknown output format")

// Writer writes the rows of one dataset file, in the order given.
//
// Nothing appears at the file's path until Close succeeds: rows go to a
// temporary file in the same directory, which Close syncs and renames. After
// a Write fails the Writer is broken: later Writes fail, and Close removes
// the temporary file and reports that the file was not written. Close is
// idempotent and returns the same result every time.
//
// A Writer is not safe for concurrent use. Each row holds one value per
// column, in column order; the Writer only reads the rows and does not keep
// them after Write returns.
type Writer interface {
	Write(rows [][]any) error
	Close() error
}

// NewWriter creates a Writer of format (FormatParquet, FormatJSONL or
// FormatCSV) for path. The columns fix the file's schema: Parquet stores
// each value as a native typed column (see WriteParquetFile), JSONL writes
// one compact JSON object per row with keys in column order, and CSV writes
// a header row of column names, then one record per row with strings as
// they are, numbers as Python's str() prints them, bools as true/false,
// objects and lists as compact JSON and null as an empty cell.
func NewWriter(format, path string, cols []Column) (Writer, error) {
	if err := checkColumns(cols); err != nil {
		return nil, err
	}
	var newEncoder func(*atomicFile, []Column) (encoder, error)
	switch strings.ToLower(format) {
	case FormatParquet:
		newEncoder = newParquetEncoder
	case FormatJSONL:
		newEncoder = newJSONLEncoder
	case FormatCSV:
		newEncoder = newCSVEncoder
	default:
		return nil, fmt.Errorf("%w %q (want parquet, jsonl or csv)", ErrUnknownFormat, format)
	}
	f, err := createAtomic(path)
	if err != nil {
		return nil, err
	}
	enc, err := newEncoder(f, cols)
	if err != nil {
		f.abort()
		return nil, err
	}
	return &fileWriter{atomicOutput: atomicOutput{path: path, file: f}, ncols: len(cols), enc: enc}, nil
}

// ValueError reports a cell value that does not fit its column's type.
type ValueError struct {
	Row    int    // index of the row in the file, from 0
	Column string // column name
	Path   string // where inside the value, e.g. "[2].content[0].text"; "" for the cell itself
	Err    error
}

func (e *ValueError) Error() string {
	return fmt.Sprintf("row %d, column %q%s: %v", e.Row, e.Column, e.Path, e.Err)
}

func (e *ValueError) Unwrap() error { return e.Err }

// encoder turns rows into one file format.
type encoder interface {
	// encode writes rows; first is the file index of rows[0], for errors.
	encode(rows [][]any, first int) error
	// finish writes what follows the last row (a Parquet footer) and flushes.
	finish() error
}

// atomicOutput is the life of a file writer's output, shared by every
// writer: the temporary file, the first write error (after which the file
// is discarded), and an idempotent close that commits the file only after
// a clean finish.
type atomicOutput struct {
	path     string
	file     *atomicFile
	err      error // the first Write error; the file is then discarded
	closed   bool
	closeErr error
}

// writable says why no more can be written (nil: it can).
func (o *atomicOutput) writable() error {
	switch {
	case o.closed:
		return fmt.Errorf("writing %s: writer is closed", o.path)
	case o.err != nil:
		return fmt.Errorf("writing %s: an earlier write failed", o.path)
	}
	return nil
}

// close runs finish (the footer, a flush) and moves the file into place,
// or discards it after a write error or a failed finish. Idempotent.
func (o *atomicOutput) close(finish func() error) error {
	if o.closed {
		return o.closeErr
	}
	o.closed = true
	if o.err != nil {
		o.file.abort()
		o.closeErr = fmt.Errorf("%s not written: an earlier write failed", o.path)
		return o.closeErr
	}
	if err := finish(); err != nil {
		o.file.abort()
		o.closeErr = fmt.Errorf("writing %s: %w", o.path, err)
		return o.closeErr
	}
	o.closeErr = o.file.commit()
	return o.closeErr
}

// fileWriter is the Writer of every format: it checks row widths and
// hands rows to the format's encoder.
type fileWriter struct {
	atomicOutput
	ncols int
	enc   encoder
	nrows int
}

func (w *fileWriter) Write(rows [][]any) error {
	if err := w.writable(); err != nil {
		return err
	}
	for i, row := range rows {
		if len(row) != w.ncols {
			w.err = fmt.Errorf("row %d has %d values, want %d (one per column)", w.nrows+i, len(row), w.ncols)
			return w.err
		}
	}
	if err := w.enc.encode(rows, w.nrows); err != nil {
		w.err = err
		return err
	}
	w.nrows += len(rows)
	return nil
}

func (w *fileWriter) Close() error { return w.close(w.enc.finish) }

// checkColumns rejects what no format can hold: duplicate column names and
// malformed types.
func checkColumns(cols []Column) error {
	seen := make(map[string]bool, len(cols))
	for _, c := range cols {
		if seen[c.Name] {
			return fmt.Errorf("duplicate column name %q", c.Name)
		}
		seen[c.Name] = true
		if err := checkType(c.Type); err != nil {
			return fmt.Errorf("column %q: %w", c.Name, err)
		}
	}
	return nil
}

func checkType(t value.Type) error {
	switch t.Kind {
	case value.KindString, value.KindInt, value.KindFloat, value.KindBool, value.KindJSON:
		return nil
	case value.KindList:
		if t.Elem == nil {
			return errors.New("list type without an element type")
		}
		return checkType(*t.Elem)
	case value.KindStruct:
		seen := make(map[string]bool, len(t.Fields))
		for _, f := range t.Fields {
			if seen[f.Name] {
				return fmt.Errorf("duplicate struct field %q", f.Name)
			}
			seen[f.Name] = true
			if err := checkType(f.Type); err != nil {
				return fmt.Errorf("field %q: %w", f.Name, err)
			}
		}
		return nil
	}
	return fmt.Errorf("unsupported type %s", t)
}

// jsonOf is a cell's JSON text in JSONL/CSV: compact, keys in order, null
// object fields left out when the column asks for it.
func jsonOf(v any, omitNull bool) string {
	if omitNull {
		v = withoutNullFields(v)
	}
	return value.CompactJSON(v)
}

// withoutNullFields copies v leaving out object fields whose value is nil.
func withoutNullFields(v any) any {
	switch t := v.(type) {
	case *value.Map:
		out := value.NewMap()
		for _, k := range t.Keys() {
			x, _ := t.Get(k)
			if x != nil {
				out.Set(k, withoutNullFields(x))
			}
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, x := range t {
			out[i] = withoutNullFields(x)
		}
		return out
	}
	return v
}
