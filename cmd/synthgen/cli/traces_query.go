package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/synthgen/synthgen/generate"
	"github.com/synthgen/synthgen/tracing"
	"github.com/synthgen/synthgen/tracing/query"
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

// compileFlag compiles a filter flag; an error says which flag and where.
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

func runTracesQuery(env Env, dir string, fl queryFlags) error {
	if fl.format != "table" && fl.format != "jsonl" {
		return exitf(ExitInvalid, "--format must be table or jsonl, got %q", fl.format)
	}
	spanF, err := compileFlag("filter", fl.filter)
	if err != nil {
		return err
	}
	traceF, err := compileFlag("trace-filter", fl.traceFilter)
	if err != nil {
		return err
	}
	treeF, err := compileFlag("tree-filter", fl.treeFilter)
	if err != nil {
		return err
	}
	fc, err := readBuilderConfig(dir)
	if err != nil {
		return exitf(ExitInvalid, "%s is not a dataset folder: %v", dir, err)
	}
	ds, err := openDataset(dir)
	if err != nil {
		return err
	}
	out := newSpanPrinter(env.Stdout, fl)
	for _, id := range ds.written.Groups() {
		path := filepath.Join(dir, generate.SpansDir, generate.BatchFile(id))
		if _, err := os.Stat(path); err != nil {
			return exitf(ExitInvalid, "%s has no span log for row group %d (was the run made with run_config.write_spans: false?)", dir, id)
		}
		spans, err := generate.ReadSpans(path)
		if err != nil {
			return exitf(ExitFailed, "%v", err)
		}
		feedback, err := groupFeedback(ds, id, fc)
		if err != nil {
			return err
		}
		// A trace's spans are together in its group's file, root first.
		for start := 0; start < len(spans); {
			end := start + 1
			for end < len(spans) && spans[end].TraceID == spans[start].TraceID {
				end++
			}
			done, err := queryTrace(spans[start:end], feedback, spanF, traceF, treeF, fl.runType, out)
			if err != nil {
				return exitf(ExitFailed, "%v", err)
			}
			if done {
				return out.flush()
			}
			start = end
		}
	}
	return out.flush()
}

// queryTrace prints the spans of one trace that pass the filters; done is
// true once the limit is reached.
func queryTrace(trace []tracing.Span, feedback map[int64][]query.Score, spanF, traceF, treeF *query.Filter, runType string, out *spanPrinter) (bool, error) {
	recs := make([]query.Record, len(trace))
	var meta []query.KV
	for _, s := range trace {
		if s.ParentID == "" && s.Metadata != "" {
			meta = metadataKVs(s.Metadata)
		}
	}
	var root *query.Record
	for i, s := range trace {
		recs[i] = query.Record{Span: s, Metadata: meta, Feedback: feedback[s.Row]}
		if s.ParentID == "" {
			root = &recs[i]
		}
	}
	if traceF != nil {
		if root == nil {
			return false, nil
		}
		ok, err := traceF.Match(root)
		if err != nil || !ok {
			return false, err
		}
	}
	if treeF != nil {
		any := false
		for i := range recs {
			ok, err := treeF.Match(&recs[i])
			if err != nil {
				return false, err
			}
			if ok {
				any = true
				break
			}
		}
		if !any {
			return false, nil
		}
	}
	for i := range recs {
		if runType != "" && recs[i].Span.RunType != runType {
			continue
		}
		if spanF != nil {
			ok, err := spanF.Match(&recs[i])
			if err != nil {
				return false, err
			}
			if !ok {
				continue
			}
		}
		if out.add(recs[i].Span) {
			return true, nil
		}
	}
	return false, nil
}

// metadataKVs reads a root span's metadata JSON object, keys in order.
func metadataKVs(s string) []query.KV {
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var m map[string]any
	if dec.Decode(&m) != nil {
		return nil
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]query.KV, 0, len(keys))
	for _, k := range keys {
		v := m[k]
		if n, ok := v.(json.Number); ok {
			if f, err := n.Float64(); err == nil {
				v = f
			}
		}
		out = append(out, query.KV{Key: k, Value: v})
	}
	return out
}

// groupFeedback reads the judge scores of a group's rows from its data
// file: "<judge column>.<score name>" → the score as a number.
func groupFeedback(ds *dataset, id int, fc folderColumns) (map[int64][]query.Score, error) {
	if len(fc.judges) == 0 {
		return nil, nil
	}
	g, err := ds.read(id)
	if err != nil {
		return nil, err
	}
	cols, rows, indices := g.cols, g.rows, g.indices
	out := map[int64][]query.Score{}
	for k, r := range rows {
		scores := map[string]any{}
		for i, c := range cols {
			if names, ok := fc.judges[c.Name]; ok {
				judgeScores(scores, c.Name, names, r[i])
			}
		}
		keys := make([]string, 0, len(scores))
		for key := range scores {
			keys = append(keys, key)
		}
		sort.Strings(keys)
		for _, key := range keys {
			if f, ok := number(scores[key]); ok {
				out[indices[k]] = append(out[indices[k]], query.Score{Key: strings.TrimSuffix(key, ".score"), Score: f})
			}
		}
	}
	return out, nil
}

func number(v any) (float64, bool) {
	switch t := v.(type) {
	case float64:
		return t, true
	case string:
		f, err := strconv.ParseFloat(strings.TrimSpace(t), 64)
		return f, err == nil
	}
	return 0, false
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
