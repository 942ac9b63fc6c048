package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/synthgen/synthgen/columns/value"
	"github.com/synthgen/synthgen/generate"
)

func newPreviewCmd(env Env) *cobra.Command {
	var (
		lo     loadOptions
		asJSON bool
		traces bool
	)
	cmd := &cobra.Command{
		Use:   "preview CONFIG",
		Short: "Generate a few records in memory and print them",
		Long: "preview generates --num-records rows in memory and prints the dataset's columns. Processors that\n" +
			"write additional datasets (schema_transform) are not applied; `create` writes them.",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			lo.seedSet = cmd.Flags().Changed("seed")
			logger := newLogger(env.Stderr)
			l, err := loadRunnable(env, args[0], lo, logger)
			if err != nil {
				return err
			}
			mem := &generate.Memory{}
			res, err := generate.Run(cmd.Context(), l.plan, generate.Options{
				NumRecords: lo.numRecords, BufferSize: lo.numRecords, Sink: mem, Logger: logger,
			})
			if err != nil {
				return exitf(ExitFailed, "%v", err)
			}
			recs := mem.Records(l.plan)
			for i, rec := range recs {
				if asJSON {
					fmt.Fprintln(env.Stdout, value.CompactJSON(rec))
					continue
				}
				printRecord(env.Stdout, i, rec, traces)
			}
			for _, g := range mem.Groups {
				for _, f := range g.Failures {
					fmt.Fprintf(env.Stderr, "row %d dropped: %s\n", f.Row, f.Message)
				}
			}
			if !asJSON {
				fmt.Fprintf(env.Stderr, "%d of %d records (seed %d)\n", len(recs), lo.numRecords, l.seed)
			}
			if len(recs) == 0 {
				return exitf(ExitFailed, "no rows were produced: %s", res.TopCauses(3))
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.IntVarP(&lo.numRecords, "num-records", "n", 5, "number of records")
	f.BoolVar(&asJSON, "json", false, "print JSON lines instead")
	f.BoolVar(&traces, "traces", false, "render trace columns as conversations")
	f.StringVar(&lo.runConfig, "run-config", "", "a YAML file of run_config settings")
	f.Uint64Var(&lo.seed, "seed", 0, "seed (default: run_config.seed, else random)")
	return cmd
}

// printRecord prints one record: a header line, then one "name: value" line
// per column; nested values are indented JSON, long text is wrapped under
// its name.
func printRecord(w io.Writer, i int, rec *value.Map, traces bool) {
	fmt.Fprintf(w, "── record %d %s\n", i+1, strings.Repeat("─", 50))
	width := 0
	for _, k := range rec.Keys() {
		width = max(width, len(k))
	}
	for _, k := range rec.Keys() {
		v, _ := rec.Get(k)
		if traces && strings.HasSuffix(k, "__trace") {
			fmt.Fprintf(w, "%-*s\n%s", width+1, k+":", renderTrace(v))
			continue
		}
		fmt.Fprintf(w, "%-*s %s\n", width+1, k+":", formatValue(v, width+2))
	}
	fmt.Fprintln(w)
}

func formatValue(v any, indent int) string {
	switch t := v.(type) {
	case nil:
		return "null"
	case string:
		if strings.Contains(t, "\n") {
			pad := strings.Repeat(" ", indent)
			return "\n" + pad + strings.ReplaceAll(strings.TrimRight(t, "\n"), "\n", "\n"+pad)
		}
		return t
	case *value.Map, []any:
		if short := value.JSON(t); len(short) <= 80 {
			return short
		}
		var buf bytes.Buffer
		if err := json.Indent(&buf, []byte(value.CompactJSON(t)), strings.Repeat(" ", indent), "  "); err != nil {
			return value.JSON(t)
		}
		return buf.String()
	case float64:
		return value.FormatFloat(t)
	}
	return fmt.Sprint(v)
}

// renderTrace prints a conversation: role, reasoning, text, tool calls. It
// reads the trace shape loosely (content may be a string or a block list), so
// any list of messages prints without failing.
func renderTrace(v any) string {
	msgs, _ := v.([]any)
	var b strings.Builder
	for _, m := range msgs {
		msg, ok := m.(*value.Map)
		if !ok {
			fmt.Fprintf(&b, "  %s\n", value.JSON(m))
			continue
		}
		role, _ := msg.Get("role")
		fmt.Fprintf(&b, "  [%v]\n", role)
		if r, _ := msg.Get("reasoning_content"); r != nil && r != "" {
			fmt.Fprintf(&b, "    (reasoning) %v\n", r)
		}
		content, _ := msg.Get("content")
		switch c := content.(type) {
		case string:
			fmt.Fprintf(&b, "    %s\n", strings.ReplaceAll(c, "\n", "\n    "))
		case []any:
			for _, blk := range c {
				bm, ok := blk.(*value.Map)
				if !ok {
					continue
				}
				if t, _ := bm.Get("text"); t != nil && t != "" {
					fmt.Fprintf(&b, "    %s\n", strings.ReplaceAll(fmt.Sprint(t), "\n", "\n    "))
				}
			}
		}
		if calls, ok := msg.Get("tool_calls"); ok {
			list, _ := calls.([]any)
			for _, c := range list {
				fmt.Fprintf(&b, "    → tool call %s\n", value.JSON(c))
			}
		}
	}
	return b.String()
}
