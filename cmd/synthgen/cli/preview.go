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
			l, err := loadRunnable(cmd.Context(), env, args[0], lo, logger)
			if err != nil {
				return err
			}
			defer l.close()
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

// renderTrace prints a conversation: each message's role, reasoning, text,
// tool calls with pretty-printed arguments and tool results, then a summary
// ("2 tool calls in 1 turn"). It reads the trace shape loosely (content may
// be a string or a block list), so any list of messages prints.
func renderTrace(v any) string {
	msgs, _ := v.([]any)
	var b strings.Builder
	calls, turns := 0, 0
	for _, m := range msgs {
		msg, ok := m.(*value.Map)
		if !ok {
			fmt.Fprintf(&b, "  %s\n", value.JSON(m))
			continue
		}
		role, _ := msg.Get("role")
		header := fmt.Sprint(role)
		if id, _ := msg.Get("tool_call_id"); id != nil && id != "" {
			header += " ← " + fmt.Sprint(id)
		}
		fmt.Fprintf(&b, "  ┌ %s\n", header)
		if r, _ := msg.Get("reasoning_content"); r != nil && r != "" {
			fmt.Fprintf(&b, "  │ (reasoning) %s\n", indentText(fmt.Sprint(r), "  │             "))
		}
		content, _ := msg.Get("content")
		switch c := content.(type) {
		case string:
			if c != "" {
				fmt.Fprintf(&b, "  │ %s\n", indentText(c, "  │ "))
			}
		case []any:
			for _, blk := range c {
				bm, ok := blk.(*value.Map)
				if !ok {
					continue
				}
				if t, _ := bm.Get("text"); t != nil && t != "" {
					fmt.Fprintf(&b, "  │ %s\n", indentText(fmt.Sprint(t), "  │ "))
				}
				if iu, _ := bm.Get("image_url"); iu != nil {
					fmt.Fprintf(&b, "  │ [image] %s\n", shorten(value.JSON(iu), 80))
				}
			}
		}
		if tc, ok := msg.Get("tool_calls"); ok {
			list, _ := tc.([]any)
			if len(list) > 0 {
				turns++
			}
			for _, c := range list {
				calls++
				cm, ok := c.(*value.Map)
				if !ok {
					continue
				}
				id, _ := cm.Get("id")
				name, args := "", ""
				if fn, ok := cm.Get("function"); ok {
					if fm, ok := fn.(*value.Map); ok {
						n, _ := fm.Get("name")
						a, _ := fm.Get("arguments")
						name, args = fmt.Sprint(n), fmt.Sprint(a)
					}
				}
				fmt.Fprintf(&b, "  │ → %s [%v] %s\n", name, id, indentText(prettyJSON(args), "  │   "))
			}
		}
	}
	fmt.Fprintf(&b, "  └ %d message%s, %d tool call%s in %d turn%s\n", len(msgs), plural(len(msgs)), calls, plural(calls), turns, plural(turns))
	return b.String()
}

// prettyJSON indents a JSON text, or returns it as is when it is not JSON.
func prettyJSON(s string) string {
	var buf bytes.Buffer
	if err := json.Indent(&buf, []byte(s), "", "  "); err != nil {
		return s
	}
	return buf.String()
}

func indentText(s, pad string) string {
	return strings.ReplaceAll(strings.TrimRight(s, "\n"), "\n", "\n"+pad)
}

func shorten(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n-1] + "…"
}
