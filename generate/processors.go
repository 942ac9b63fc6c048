package generate

import (
	"fmt"
	"path"

	"github.com/synthgen/synthgen/columns"
	"github.com/synthgen/synthgen/config"
	"github.com/synthgen/synthgen/generate/output"
)

// GroupProcessor writes an additional dataset from the main one: for every
// row group, Rows turns the group's written rows into the rows of
// processors-files/<Name>/batch_NNNNN.parquet (same id as the main batch).
// schema_transform processors (package generate/processor) implement it.
//
// The Folder calls Rows from one goroutine, once per group, before it writes
// the group. rows are the group's kept rows in dataset order; each Get sees
// every output of the plan (dropped and side-effect columns included). The
// rows and their values must not be modified. Rows returns one row per input
// row, each with one value per Columns entry; an error stops the run.
type GroupProcessor interface {
	// Name is the dataset's folder name under processors-files/.
	Name() string
	// Columns are the dataset's columns; they do not change.
	Columns() []output.Column
	Rows(rows []columns.Row) ([][]any, error)
}

// matchAny reports whether name matches one of the drop_columns names or
// globs.
func matchAny(globs []string, name string) bool {
	for _, g := range globs {
		if ok, _ := path.Match(g, name); ok || g == name {
			return true
		}
	}
	return false
}

// DropGlobs collects the column names and globs of the document's
// drop_columns processors.
func DropGlobs(doc *config.Document) []string {
	var out []string
	for _, p := range doc.Processors {
		if p.ProcessorType == "drop_columns" {
			out = append(out, p.ColumnNames...)
		}
	}
	return out
}

// checkDropGlobs warns about drop_columns entries that match no output: a
// typo there would silently keep a column.
func checkDropGlobs(doc *config.Document, outputs []columns.Output, diags *config.Diagnostics) {
	var names []string
	for _, o := range outputs {
		names = append(names, o.Name)
	}
	for _, p := range doc.Processors {
		if p.ProcessorType != "drop_columns" {
			continue
		}
		pos, at := p.Meta.At("column_names")
		for i, g := range p.ColumnNames {
			if _, err := path.Match(g, ""); err != nil {
				diags.Errorf(pos, fmt.Sprintf("%s[%d]", at, i), "drop_columns: %q is not a valid glob: %v", g, err)
				continue
			}
			matched := false
			for _, n := range names {
				if matchAny([]string{g}, n) {
					matched = true
					break
				}
			}
			if !matched {
				diags.Warnf(pos, fmt.Sprintf("%s[%d]", at, i), "drop_columns: %q matches no column%s", g, config.DidYouMean(g, names))
			}
		}
	}
}
