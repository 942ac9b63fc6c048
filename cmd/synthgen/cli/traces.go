package cli

import (
	"encoding/json"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/synthgen/synthgen/columns/value"
	"github.com/synthgen/synthgen/generate"
	"github.com/synthgen/synthgen/generate/output"
)

// newTracesCmd is the parent of the commands that read the traces of a
// dataset folder (spec/trace-toolkit.md), each in its own file.
func newTracesCmd(env Env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "traces",
		Short: "Export, query and show the traces of a dataset folder",
		Args:  cobra.NoArgs,
	}
	cmd.AddCommand(newTracesQueryCmd(env), newTracesExportCmd(env), newTracesShowCmd(env))
	return cmd
}

// dataset reads a dataset folder's row groups, one at a time (never the
// whole dataset in memory), with each row's dataset index.
type dataset struct {
	dir     string
	written *generate.WrittenRows
}

// openDataset opens dir; an error is a usage error (exit 2).
func openDataset(dir string) (*dataset, error) {
	w, err := generate.ReadWrittenRows(dir)
	if err != nil {
		return nil, exitf(ExitInvalid, "%s is not a dataset folder: %v", dir, err)
	}
	if len(w.Groups()) == 0 {
		return nil, exitf(ExitInvalid, "%s has no completed row groups", dir)
	}
	return &dataset{dir: dir, written: w}, nil
}

// rowGroup is one row group's data: columns, rows, and the dataset row
// index of each row.
type rowGroup struct {
	id      int
	cols    []output.Column
	rows    [][]any
	indices []int64
}

// read reads row group id's data file.
func (d *dataset) read(id int) (*rowGroup, error) {
	cols, rows, err := output.ReadParquetFile(filepath.Join(d.dir, generate.ParquetDir, generate.BatchFile(id)))
	if err != nil {
		return nil, exitf(ExitFailed, "%v", err)
	}
	indices, err := d.written.Indices(id, len(rows))
	if err != nil {
		return nil, exitf(ExitFailed, "%v", err)
	}
	return &rowGroup{id: id, cols: cols, rows: rows, indices: indices}, nil
}

// col returns the index of column name in g, or -1.
func (g *rowGroup) col(name string) int {
	for i, c := range g.cols {
		if c.Name == name {
			return i
		}
	}
	return -1
}

// traceColumn resolves *column (default: the only column with a trace) and
// returns the index of its trace in g.
func (g *rowGroup) traceColumn(column *string) (int, error) {
	if *column == "" {
		name, err := onlyTraceColumn(g.cols)
		if err != nil {
			return 0, exitf(ExitInvalid, "%v", err)
		}
		*column = name
	}
	i := g.col(*column + traceSuffix)
	if i < 0 {
		return 0, exitf(ExitInvalid, "column %q has no %s%s column (set with_trace on it)", *column, *column, traceSuffix)
	}
	return i, nil
}

// decodeCell reads a nested cell (a trace, tool schemas) into v.
func decodeCell(cell any, v any) error {
	return json.Unmarshal([]byte(value.CompactJSON(cell)), v)
}
