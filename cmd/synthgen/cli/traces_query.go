package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/synthgen/synthgen/traceset"
	"github.com/synthgen/synthgen/tracing"
)

type queryFlags struct {
	filter, traceFilter, treeFilter string
	runType                         string
	selects                         []string
	limit                           int
	format                          string
}

func newTracesQueryCmd(env Env) *cobra.Command {
	var fl queryFlags
	cmd := &cobra.Command{
		Use:   "query DIR",
		Short: "Select spans of a dataset's span log with LangSmith's filter language",
		Long: "query reads spans/batch_*.parquet and prints the spans that pass --filter (each span),\n" +
			"--trace-filter (the root span of the span's trace, i.e. its row) and --tree-filter (any span of the\n" +
			"trace). Filters use LangSmith's structured language, e.g.\n" +
			"  and(eq(run_type, \"tool\"), neq(error, null))\n" +
			"  and(eq(metadata_key, \"topic\"), eq(metadata_value, \"billing\"))\n" +
			"  and(eq(feedback_key, \"grade.Accuracy\"), lt(feedback_score, 3))",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runTracesQuery(env, args[0], fl)
		},
	}
	f := cmd.Flags()
	f.StringVar(&fl.filter, "filter", "", "filter on each span")
	f.StringVar(&fl.traceFilter, "trace-filter", "", "filter on the root span of each span's trace (its row)")
	f.StringVar(&fl.treeFilter, "tree-filter", "", "filter that some span of the trace must pass")
	f.StringVar(&fl.runType, "run-type", "", "only spans of this run_type (chain, llm, tool, parser, sampler, ...)")
	f.StringSliceVar(&fl.selects, "select", []string{"row", "column", "run_type", "name", "status", "latency", "error"}, "span fields to print (table format)")
	f.IntVar(&fl.limit, "limit", 0, "print at most this many spans (0: all)")
	f.StringVar(&fl.format, "format", "table", "table or jsonl")
	return cmd
}

func runTracesQuery(env Env, dir string, fl queryFlags) error {
	if fl.format != "table" && fl.format != "jsonl" {
		return exitf(ExitInvalid, "--format must be table or jsonl, got %q", fl.format)
	}
	var fs traceset.Filters
	var err error
	if fs.Span, err = compileFlag("filter", fl.filter); err != nil {
		return err
	}
	if fs.Trace, err = compileFlag("trace-filter", fl.traceFilter); err != nil {
		return err
	}
	if fs.Tree, err = compileFlag("tree-filter", fl.treeFilter); err != nil {
		return err
	}
	fs.RunType = fl.runType
	f, err := openFolder(dir)
	if err != nil {
		return err
	}
	labels, err := readLabels(dir)
	if err != nil {
		return err
	}
	// The data file holds judge scores, inputs and outputs: read it only
	// when a filter asks for them.
	needRows := fs.Span.BeyondSpan() || fs.Trace.BeyondSpan() || fs.Tree.BeyondSpan()
	out := newSpanPrinter(env.Stdout, fl)
	for _, id := range f.Groups() {
		var g *traceset.Group
		if needRows {
			if g, err = readGroup(f, id); err != nil {
				return err
			}
		}
		traces, err := readTraces(f, id, g, labels)
		if err != nil {
			return err
		}
		for i := range traces {
			sel, err := fs.Select(&traces[i])
			if err != nil {
				return exitf(ExitFailed, "%v", err)
			}
			for _, k := range sel {
				if out.add(traces[i].Spans[k]) {
					return out.flush()
				}
			}
		}
	}
	return out.flush()
}

// spanPrinter prints spans as a table or JSON lines, up to a limit.
type spanPrinter struct {
	w       io.Writer
	tw      *tabwriter.Writer
	fl      queryFlags
	n       int
	started bool
}

func newSpanPrinter(w io.Writer, fl queryFlags) *spanPrinter {
	return &spanPrinter{w: w, fl: fl, tw: tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)}
}

// add prints s and reports whether the limit is reached.
func (p *spanPrinter) add(s tracing.Span) bool {
	if p.fl.format == "jsonl" {
		b, _ := json.Marshal(s)
		fmt.Fprintf(p.w, "%s\n", b)
	} else {
		if !p.started {
			fmt.Fprintln(p.tw, strings.Join(p.fl.selects, "\t"))
			p.started = true
		}
		var m map[string]any
		b, _ := json.Marshal(s)
		json.Unmarshal(b, &m)
		cells := make([]string, len(p.fl.selects))
		for i, f := range p.fl.selects {
			cells[i] = shorten(strings.ReplaceAll(fmt.Sprint(m[f]), "\n", " "), 60)
			if m[f] == nil {
				cells[i] = "-"
			}
		}
		fmt.Fprintln(p.tw, strings.Join(cells, "\t"))
	}
	p.n++
	return p.fl.limit > 0 && p.n >= p.fl.limit
}

func (p *spanPrinter) flush() error {
	if err := p.tw.Flush(); err != nil {
		return err
	}
	if p.n == 0 {
		return exitf(ExitFailed, "no spans matched")
	}
	return nil
}
