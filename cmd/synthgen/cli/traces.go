package cli

import (
	"errors"
	"strings"

	"github.com/spf13/cobra"

	"github.com/synthgen/synthgen/traceset"
	"github.com/synthgen/synthgen/tracing"
	"github.com/synthgen/synthgen/tracing/query"
)

// newTracesCmd is the parent of the commands that read the traces of a
// dataset folder (spec/trace-toolkit.md), each in its own file; they read
// the folder through traceset, one row group at a time.
func newTracesCmd(env Env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "traces",
		Short: "Export, query and show the traces of a dataset folder",
		Args:  cobra.NoArgs,
	}
	cmd.AddCommand(newTracesQueryCmd(env), newTracesExportCmd(env), newTracesShowCmd(env))
	return cmd
}

// openFolder opens a dataset folder; an error is a usage error (exit 2).
func openFolder(dir string) (*traceset.Folder, error) {
	f, err := traceset.Open(dir)
	if err != nil {
		return nil, exitf(ExitInvalid, "%v", err)
	}
	return f, nil
}

// readGroup reads a row group; an error is a failure (exit 1).
func readGroup(f *traceset.Folder, id int) (*traceset.Group, error) {
	g, err := f.Group(id)
	if err != nil {
		return nil, exitf(ExitFailed, "%v", err)
	}
	return g, nil
}

// traceColumn resolves *column against g (default: the only column with a
// trace); an error is a usage error.
func traceColumn(g *traceset.Group, column *string) error {
	c, err := g.TraceColumn(*column)
	if err != nil {
		return exitf(ExitInvalid, "%v", err)
	}
	*column = c
	return nil
}

// readTraces reads a group's traces for filtering; a folder without a span
// log is a usage error naming the option that turns it off.
func readTraces(f *traceset.Folder, id int, g *traceset.Group, labels map[traceset.Key]traceset.Annotation) ([]traceset.Trace, error) {
	ts, err := f.Traces(id, g, labels)
	if errors.Is(err, traceset.ErrNoSpans) {
		return nil, exitf(ExitInvalid, "%v", err)
	}
	if err != nil {
		return nil, exitf(ExitFailed, "%v", err)
	}
	return ts, nil
}

// readLabels reads the review labels of a folder (feedback "human").
func readLabels(dir string) (map[traceset.Key]traceset.Annotation, error) {
	labels, _, err := traceset.ReadAnnotations(dir)
	if err != nil {
		return nil, exitf(ExitFailed, "%v", err)
	}
	return labels, nil
}

// compileFlag compiles a filter flag; an error says which flag and points
// at the column.
func compileFlag(name, src string) (*query.Filter, error) {
	if src == "" {
		return nil, nil
	}
	f, err := query.Compile(src)
	if err != nil {
		return nil, exitf(ExitInvalid, "--%s: %v\n  %s\n  %s^", name, err, src, strings.Repeat(" ", max(errColumn(err)-1, 0)))
	}
	return f, nil
}

func errColumn(err error) int {
	if qe, ok := err.(*query.Error); ok {
		return qe.Col
	}
	return 1
}

// rowFilter selects whole rows: a row passes when some span of its trace
// passes the filter. It reads each group's traces once.
type rowFilter struct {
	filter *query.Filter
	labels map[traceset.Key]traceset.Annotation
	pass   map[int64]bool           // rows of the current group that pass
	spans  map[int64][]tracing.Span // the current group's span log by row
}

// newRowFilter compiles --filter; nil when src is empty.
func newRowFilter(dir, src string) (*rowFilter, error) {
	f, err := compileFlag("filter", src)
	if f == nil || err != nil {
		return nil, err
	}
	labels, err := readLabels(dir)
	if err != nil {
		return nil, err
	}
	return &rowFilter{filter: f, labels: labels}, nil
}

// group evaluates the filter on every trace of group g.
func (rf *rowFilter) group(f *traceset.Folder, g *traceset.Group) error {
	if rf == nil {
		return nil
	}
	data := g // judge scores and conversations, only when the filter reads them
	if !rf.filter.BeyondSpan() {
		data = nil
	}
	traces, err := readTraces(f, g.ID, data, rf.labels)
	if err != nil {
		return err
	}
	rf.pass = map[int64]bool{}
	rf.spans = map[int64][]tracing.Span{}
	fs := traceset.Filters{Tree: rf.filter}
	for i := range traces {
		rf.spans[traces[i].Row] = traces[i].Spans
		sel, err := fs.Select(&traces[i])
		if err != nil {
			return exitf(ExitFailed, "%v", err)
		}
		if len(sel) > 0 {
			rf.pass[traces[i].Row] = true
		}
	}
	return nil
}

// keep says whether row passes (always, without a filter).
func (rf *rowFilter) keep(row int64) bool { return rf == nil || rf.pass[row] }
