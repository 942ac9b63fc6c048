package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/synthgen/synthgen/columns/value"
	"github.com/synthgen/synthgen/generate"
	"github.com/synthgen/synthgen/generate/output"
	"github.com/synthgen/synthgen/tracing"
	"github.com/synthgen/synthgen/tracing/export"
)

// Suffixes of the derived columns an LLM column writes.
const (
	traceSuffix = "__trace"
	toolsSuffix = "__tools" // dropped by default; read when a dataset has it
)

type exportFlags struct {
	format, column, out, reasoning, tools string
	argsAsString                          bool
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
			"  flat         {row, column, inputs, output, tools_involved, tool_calls, tool_errors, metadata, judge scores}\n" +
			"  eval         {inputs, expected, metadata}\n" +
			"Tool schemas come from the {column}__tools column when the dataset kept it, else from --tools (a JSON\n" +
			"list of OpenAI function tools). The folder is never modified.",
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
	f.StringVar(&fl.tools, "tools", "", "a JSON file with the tools offered (OpenAI function tools), when the dataset has no {column}__tools")
	return cmd
}

// folderColumns is what builder_config.json says about the columns.
type folderColumns struct {
	declared map[string]bool     // every configured column
	samplers map[string]bool     // sampler columns: row metadata
	judges   map[string][]string // llm-judge columns → score names
}

func readBuilderConfig(dir string) (folderColumns, error) {
	fc := folderColumns{declared: map[string]bool{}, samplers: map[string]bool{}, judges: map[string][]string{}}
	b, err := os.ReadFile(filepath.Join(dir, generate.BuilderConfigFile))
	if err != nil {
		return fc, err
	}
	var doc struct {
		DataDesigner struct {
			Columns []struct {
				Name       string `json:"name"`
				ColumnType string `json:"column_type"`
				Scores     []struct {
					Name string `json:"name"`
				} `json:"scores"`
			} `json:"columns"`
		} `json:"data_designer"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		return fc, fmt.Errorf("reading %s: %w", generate.BuilderConfigFile, err)
	}
	for _, c := range doc.DataDesigner.Columns {
		fc.declared[c.Name] = true
		switch c.ColumnType {
		case "sampler":
			fc.samplers[c.Name] = true
		case "llm-judge":
			for _, s := range c.Scores {
				fc.judges[c.Name] = append(fc.judges[c.Name], s.Name)
			}
		}
	}
	return fc, nil
}

func runTracesExport(env Env, dir string, fl exportFlags) error {
	if strings.HasSuffix(strings.ToLower(fl.out), ".parquet") {
		return exitf(ExitInvalid, "Parquet output is not supported yet; write JSON lines (-o FILE.jsonl)")
	}
	warn := func(s string) { fmt.Fprintf(env.Stderr, "warning: %s\n", s) }
	fc, err := readBuilderConfig(dir)
	if err != nil {
		return exitf(ExitInvalid, "%s is not a dataset folder: %v", dir, err)
	}
	ds, err := openDataset(dir)
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

	var w io.Writer = env.Stdout
	var file *os.File
	if fl.out != "-" {
		if err := os.MkdirAll(filepath.Dir(fl.out), 0o755); err != nil {
			return exitf(ExitFailed, "%v", err)
		}
		if file, err = os.Create(fl.out); err != nil {
			return exitf(ExitFailed, "%v", err)
		}
		defer file.Close()
		w = file
	}
	ew, err := export.NewWriter(w, export.Options{Format: fl.format, Reasoning: fl.reasoning, ArgumentsAsString: fl.argsAsString, Warn: warn})
	if err != nil {
		return exitf(ExitInvalid, "%v", err)
	}

	var (
		skipped   int
		noTools   bool
		firstSkip error
	)
	for _, id := range ds.written.Groups() {
		g, err := ds.read(id) // one row group in memory at a time
		if err != nil {
			return err
		}
		traceIdx, err := g.traceColumn(&fl.column)
		if err != nil {
			return err
		}
		toolsIdx := g.col(fl.column + toolsSuffix)
		cols, rows, indices := g.cols, g.rows, g.indices
		for k, r := range rows {
			rec := export.Record{Row: indices[k], Column: fl.column, Metadata: map[string]any{}, Scores: map[string]any{}}
			if r[traceIdx] == nil {
				skipped++ // a skipped cell has no trace
				continue
			}
			if err := decodeCell(r[traceIdx], &rec.Messages); err != nil {
				return exitf(ExitFailed, "row %d: reading %s%s: %v", rec.Row, fl.column, traceSuffix, err)
			}
			switch {
			case toolsIdx >= 0 && r[toolsIdx] != nil:
				if err := decodeCell(r[toolsIdx], &rec.Tools); err != nil {
					return exitf(ExitFailed, "row %d: reading %s%s: %v", rec.Row, fl.column, toolsSuffix, err)
				}
			case fileTools != nil:
				rec.Tools = fileTools
			case hasToolCalls(rec.Messages):
				noTools = true
			}
			for i, c := range cols {
				name := c.Name
				if fc.samplers[name] || !fc.declared[name] && !strings.Contains(name, "__") {
					rec.Metadata[name] = jsonValue(r[i])
				}
				if scores, ok := fc.judges[name]; ok {
					judgeScores(rec.Scores, name, scores, r[i])
				}
			}
			if err := ew.Write(rec); err != nil {
				if errors.Is(err, export.ErrSkipped) {
					skipped++
					if firstSkip == nil {
						firstSkip = err
					}
					continue
				}
				return exitf(ExitFailed, "writing %s: %v", fl.out, err)
			}
		}
	}
	if err := ew.Close(); err != nil {
		return exitf(ExitFailed, "writing %s: %v", fl.out, err)
	}
	if file != nil {
		if err := file.Close(); err != nil {
			return exitf(ExitFailed, "writing %s: %v", fl.out, err)
		}
	}
	if noTools {
		warn(fmt.Sprintf("the traces call tools but the dataset has no %s%s column: tools are left empty (pass --tools FILE)", fl.column, toolsSuffix))
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
	fmt.Fprintln(env.Stderr)
	if ew.Written() == 0 {
		return exitf(ExitFailed, "no rows were exported")
	}
	return nil
}

func onlyTraceColumn(cols []output.Column) (string, error) {
	var names []string
	for _, c := range cols {
		if base, ok := strings.CutSuffix(c.Name, traceSuffix); ok {
			names = append(names, base)
		}
	}
	switch len(names) {
	case 0:
		return "", errors.New("the dataset has no trace columns (set with_trace on an LLM column)")
	case 1:
		return names[0], nil
	}
	return "", fmt.Errorf("the dataset has traces of %s: choose one with --column", strings.Join(names, ", "))
}

func hasToolCalls(msgs []tracing.Message) bool {
	return slices.ContainsFunc(msgs, func(m tracing.Message) bool { return len(m.ToolCalls) > 0 })
}

// jsonValue converts a cell of the value model to plain JSON values.
func jsonValue(v any) any {
	if v == nil {
		return nil
	}
	var out any
	if json.Unmarshal([]byte(value.CompactJSON(v)), &out) != nil {
		return nil
	}
	return out
}

// judgeScores adds a judge cell's scores as "<column>.<score>.score".
func judgeScores(dst map[string]any, column string, names []string, cell any) {
	m, ok := jsonValue(cell).(map[string]any)
	if !ok {
		return
	}
	for _, n := range names {
		if s, ok := m[n].(map[string]any); ok {
			dst[column+"."+n+".score"] = s["score"]
		}
	}
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
