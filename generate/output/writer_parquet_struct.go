package output

import (
	"bufio"
	"fmt"

	"github.com/parquet-go/parquet-go"
)

// StructWriter writes a Parquet file of cols from Go structs of type T
// through parquet-go's typed writer, which copies each field straight into
// its column: no row of boxed values as Writer takes, no per-value
// allocation. It is for files of a fixed schema written often (the span
// log). With the zero StructOptions the file is the one WriteParquetFile
// writes for the same values (same schema, encodings, compression, footer)
// but for where its pages end; StructOptions trade some of that for speed.
//
// T's parquet tags must give exactly the schema ParquetSchema(cols,
// opts.Required) gives: the fields in column order, and
//
//   - by default each optional (nullable), lists as
//     `parquet:"name,optional,list" parquet-element:",optional"`. A nil
//     pointer or nil slice is null; use pointer fields (*string, *int64,
//     *float64) where an empty string or a zero is a value, as
//     WriteParquetFile stores them, and a non-nil empty slice for an empty
//     list;
//   - with Required, each required: plain fields (string, int64, float64,
//     []string), lists as `parquet:"name,list"`, nothing null.
//
// It has Writer's contract: nothing appears at path until Close succeeds;
// after a failed Write, Close removes the temporary file; Close is
// idempotent. Not safe for concurrent use; Write does not keep rows, nor
// the bytes of their strings, after it returns.
type StructWriter[T any] struct {
	atomicOutput
	buf *bufio.Writer
	w   *parquet.GenericWriter[T]
}

// StructOptions are where a StructWriter's file may differ from
// WriteParquetFile's.
type StructOptions struct {
	// Required makes every column, struct field and list element required
	// (not nullable), for files where nothing is ever null: the writer then
	// has no definition levels to compute and no pointers to follow, and
	// readers none to decode. Column names, types, value encodings, codec,
	// statistics and footer stay WriteParquetFile's, so readers that do not
	// check nullability (DuckDB, ReadParquetFile) read the same values.
	Required bool
}

// NewStructWriter creates the StructWriter of cols for path. A T whose
// schema is not ParquetSchema(cols, opts.Required) is an error.
func NewStructWriter[T any](path string, cols []Column, opts StructOptions) (*StructWriter[T], error) {
	if err := checkColumns(cols); err != nil {
		return nil, err
	}
	schema := ParquetSchema(cols, opts.Required)
	if got := parquet.SchemaOf(new(T)); !parquet.EqualNodes(schema, got) {
		return nil, fmt.Errorf("writing %s: the parquet schema of %T is not the columns':\n%v\nwant:\n%v", path, *new(T), got, schema)
	}
	wopts, err := parquetOptions(schema, cols)
	if err != nil {
		return nil, err
	}
	f, err := createAtomic(path)
	if err != nil {
		return nil, err
	}
	buf := bufio.NewWriterSize(f, 1<<16)
	// With a schema equal to T's, the writer maps T's fields to the
	// columns directly (parquet-go's fast path) while writing schema's
	// node options (encodings), as newParquetEncoder does.
	return &StructWriter[T]{atomicOutput: atomicOutput{path: path, file: f}, buf: buf, w: parquet.NewGenericWriter[T](buf, wopts...)}, nil
}

// Write appends rows to the file.
func (w *StructWriter[T]) Write(rows []T) error {
	if err := w.writable(); err != nil {
		return err
	}
	if _, err := w.w.Write(rows); err != nil {
		w.err = fmt.Errorf("writing %s: %w", w.path, err)
		return w.err
	}
	return nil
}

// Close writes the footer and moves the file to its path (see Writer).
func (w *StructWriter[T]) Close() error {
	return w.close(func() error {
		if err := w.w.Close(); err != nil {
			return err
		}
		return w.buf.Flush()
	})
}
