package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/synthgen/synthgen/generate/output"
	"github.com/synthgen/synthgen/traceset"
	"github.com/synthgen/synthgen/tracing"
	"github.com/synthgen/synthgen/tracing/export"
)

type exportFlags struct {
	format, column, out, reasoning, tools, filter string
	argsAsString                                  bool
}

func newTracesExportCmd(env Env) *cobra.Command {
	var fl exportFlags
	cmd := &cobra.Command{
		Use:   "export DIR",
		Short: "Write the traces of a dataset folder as training, evaluation or analysis files",
		Long: "export reads the {column}__trace values of a dataset folder, one row group at a time, and writes one\n" +
			"JSON line per row in the chosen format:\n" +
			"  hf-messages  {messages, tools} for TRL, Axolotl, Unsloth (reasoning_content kept, arguments as objects)\n" +
			"  openai-ft    {messages, tools, parallel_tool_calls} for OpenAI fine-tuning (reasoning dropped)\n" +
			"  sharegpt     LLaMA-Factory {conversations, system, tools}; also adds the entry to dataset_info.json\n" +
			"  otlp         OTLP/JSON TracesData per row: the row's spans with GenAI and OpenInference attributes\n" +
			"  langsmith    LangSmith Run JSON, one line per span\n" +
			"  flat         {row, column, inputs, output, tools_involved, tool_calls, tool_errors, latency,\n" +
			"               total_tokens, metadata, judge scores}; Parquet with -o FILE.parquet\n" +
			"  eval         {inputs, expected, metadata}\n" +
			"--filter keeps the rows where some span of the row's trace passes the filter (the query language of\n" +
			"`traces query`; review labels are feedback \"human\"). Tool schemas come from metadata.json (the tools\n" +
			"offered to the column), or from --tools (a JSON list of OpenAI function tools). The folder is never\n" +
			"modified.",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runTracesExport(env, args[0], fl)
		},
	}
	f := cmd.Flags()
	f.StringVar(&fl.format, "format", export.FormatHFMessages, "one of "+strings.Join(export.Formats, ", "))
	f.StringVar(&fl.column, "column", "", "the LLM column whose traces to export (default: the only one with a trace)")
	f.StringVarP(&fl.out, "output", "o", "-", "the file to write; - for stdout")
	f.StringVar(&fl.reasoning, "reasoning", "", "keep, drop or inline (as <think>…</think>); default depends on the format")
	f.BoolVar(&fl.argsAsString, "arguments-as-string", false, "write tool call arguments as JSON text (Arrow-safe)")
	f.StringVar(&fl.tools, "tools", "", "a JSON file with the tools offered (OpenAI function tools), instead of metadata.json's")
	f.StringVar(&fl.filter, "filter", "", "export only the rows where some span of the trace passes this filter")
	return cmd
}

func runTracesExport(env Env, dir string, fl exportFlags) error {
	toParquet := strings.HasSuffix(strings.ToLower(fl.out), ".parquet")
	if toParquet && fl.format != export.FormatFlat {
		return exitf(ExitInvalid, "-o %s: only --format flat is written as Parquet; the other formats are JSON lines", fl.out)
	}
	warn := func(s string) { fmt.Fprintf(env.Stderr, "warning: %s\n", s) }
	f, err := openFolder(dir)
	if err != nil {
		return err
	}
	rf, err := newRowFilter(dir, fl.filter)
	if err != nil {
		return err
	}
	var fileTools []json.RawMessage
	if fl.tools != "" {
		b, err := os.ReadFile(fl.tools)
		if err != nil {
			return exitf(ExitInvalid, "reading --tools: %v", err)
		}
		if err := json.Unmarshal(b, &fileTools); err != nil {
			return exitf(ExitInvalid, "--tools %s: want a JSON list of tools: %v", fl.tools, err)
		}
	}
	// otlp and langsmith write the row's whole trace: every column's
	// conversation with the spans; flat takes latency and tokens from spans.
	allConvs := fl.format == export.FormatOTLP || fl.format == export.FormatLangSmith
	needSpans := allConvs || fl.format == export.FormatFlat

	var sink exportSink
	if toParquet {
		sink, err = newFlatParquet(fl.out, f)
	} else {
		sink, err = newLineSink(env.Stdout, fl.out)
	}
	if err != nil {
		return err
	}
	defer sink.abort()
	ew, err := export.NewWriter(sink, export.Options{Format: fl.format, Reasoning: fl.reasoning, ArgumentsAsString: fl.argsAsString, Warn: warn})
	if err != nil {
		return exitf(ExitInvalid, "%v", err)
	}

	var (
		skipped, filtered int
		noTools           bool
		firstSkip         error
	)
	for _, id := range f.Groups() {
		g, err := readGroup(f, id) // one row group in memory at a time
		if err != nil {
			return err
		}
		if err := traceColumn(g, &fl.column); err != nil {
			return err
		}
		if err := rf.group(f, g); err != nil {
			return err
		}
		tools := fileTools
		if tools == nil {
			tools = f.Tools[fl.column]
		}
		var spans map[int64][]tracing.Span
		switch {
		case rf != nil:
			spans = rf.spans // read once, for the filter
		case needSpans && f.HasSpans(id):
			if spans, err = rowSpans(f, id); err != nil {
				return err
			}
		}
		for k := range g.Rows {
			r := g.Row(k)
			if !rf.keep(r.Index) {
				filtered++
				continue
			}
			var convs map[string][]tracing.Message
			var msgs []tracing.Message
			ok := false
			if allConvs {
				convs, err = r.Conversations()
				msgs, ok = convs[fl.column]
			} else {
				msgs, ok, err = r.Trace(fl.column)
			}
			if err != nil {
				return exitf(ExitFailed, "%v", err)
			}
			if !ok {
				skipped++ // a skipped cell has no trace
				continue
			}
			rec := export.Record{Row: r.Index, Column: fl.column, Messages: msgs, Tools: tools,
				Metadata: r.Metadata(), Scores: r.Scores(), Spans: spans[r.Index], Conversations: convs}
			if tools == nil && hasToolCalls(msgs) {
				noTools = true
			}
			if err := ew.Write(rec); err != nil {
				switch {
				case errors.Is(err, export.ErrSkipped):
					skipped++
					if firstSkip == nil {
						firstSkip = err
					}
					continue
				case errors.Is(err, export.ErrNoSpans):
					return exitf(ExitInvalid, "--format %s needs the span log: %v", fl.format, err)
				}
				return exitf(ExitFailed, "writing %s: %v", fl.out, err)
			}
			if err := sink.record(ew); err != nil {
				return exitf(ExitFailed, "writing %s: %v", fl.out, err)
			}
		}
	}
	if err := ew.Close(); err != nil {
		return exitf(ExitFailed, "writing %s: %v", fl.out, err)
	}
	if err := sink.close(); err != nil {
		return exitf(ExitFailed, "writing %s: %v", fl.out, err)
	}
	if noTools {
		warn("the traces call tools but metadata.json records no tools for " + fl.column + ": tools are left empty (pass --tools FILE)")
	}
	if firstSkip != nil {
		warn(fmt.Sprintf("%s: first skipped row: %v", fl.format, firstSkip))
	}
	if fl.format == export.FormatShareGPT && fl.out != "-" {
		info, err := writeDatasetInfo(fl.out)
		if err != nil {
			return exitf(ExitFailed, "%v", err)
		}
		fmt.Fprintf(env.Stderr, "updated %s\n", info)
	}
	fmt.Fprintf(env.Stderr, "exported %d rows of %s (%s)", ew.Written(), fl.column, fl.format)
	if skipped > 0 {
		fmt.Fprintf(env.Stderr, ", %d skipped", skipped)
	}
	if filtered > 0 {
		fmt.Fprintf(env.Stderr, ", %d filtered out", filtered)
	}
	fmt.Fprintln(env.Stderr)
	if ew.Written() == 0 {
		return exitf(ExitFailed, "no rows were exported")
	}
	return nil
}

// rowSpans reads group id's span log by row.
func rowSpans(f *traceset.Folder, id int) (map[int64][]tracing.Span, error) {
	spans, err := f.Spans(id)
	if err != nil {
		return nil, exitf(ExitFailed, "%v", err)
	}
	out := map[int64][]tracing.Span{}
	for _, t := range traceset.ByTrace(spans) {
		out[t[0].Row] = t
	}
	return out, nil
}

func hasToolCalls(msgs []tracing.Message) bool {
	return slices.ContainsFunc(msgs, func(m tracing.Message) bool { return len(m.ToolCalls) > 0 })
}

// writeDatasetInfo adds (or replaces) the entry of the sharegpt file out in
// the dataset_info.json beside it, named after the file without extension,
// keeping the other entries. It returns the path of dataset_info.json.
func writeDatasetInfo(out string) (string, error) {
	path := filepath.Join(filepath.Dir(out), "dataset_info.json")
	entries := map[string]any{}
	if b, err := os.ReadFile(path); err == nil {
		if err := json.Unmarshal(b, &entries); err != nil {
			return "", fmt.Errorf("reading %s: %w", path, err)
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return "", err
	}
	base := filepath.Base(out)
	entries[strings.TrimSuffix(base, filepath.Ext(base))] = export.DatasetInfoEntry(base)
	b, err := json.MarshalIndent(entries, "", "  ")
	if err != nil {
		return "", err
	}
	if err := output.WriteFileAtomic(path, append(b, '\n')); err != nil {
		return "", err
	}
	return path, nil
}
