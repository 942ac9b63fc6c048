package cli

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/synthgen/synthgen/generate"
	"github.com/synthgen/synthgen/tracing"
)

type showFlags struct {
	column, filter string
	rows           []int64
	limit          int
	full           bool
	color          string
}

func newTracesShowCmd(env Env) *cobra.Command {
	var fl showFlags
	cmd := &cobra.Command{
		Use:   "show DIR",
		Short: "Render the conversations of a dataset's trace column on the terminal",
		Long: "show prints the traces of --column (default: the only column with a trace) of the rows asked for\n" +
			"(--row, repeatable; else the first --limit rows, or of the rows where some span passes --filter):\n" +
			"each message with its role, reasoning collapsed to its first lines unless --full, each tool call\n" +
			"followed by its result, and a summary of the tool use. Roles are coloured on a terminal\n" +
			"(--color auto|always|never).",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runTracesShow(env, args[0], fl)
		},
	}
	f := cmd.Flags()
	f.StringVar(&fl.column, "column", "", "the LLM column whose {column}__trace to show")
	f.Int64SliceVar(&fl.rows, "row", nil, "dataset row index to show (repeatable)")
	f.StringVar(&fl.filter, "filter", "", "show the rows where some span of the trace passes this filter (query language)")
	f.IntVarP(&fl.limit, "limit", "n", 5, "rows to show when no --row is given")
	f.BoolVar(&fl.full, "full", false, "show reasoning in full")
	f.StringVar(&fl.color, "color", "auto", "auto, always or never")
	return cmd
}

func runTracesShow(env Env, dir string, fl showFlags) error {
	switch fl.color {
	case "auto", "always", "never":
	default:
		return exitf(ExitInvalid, "--color must be auto, always or never, got %q", fl.color)
	}
	color := fl.color == "always" || (fl.color == "auto" && isTerminal(env.Stdout))
	if len(fl.rows) > 0 && fl.filter != "" {
		return exitf(ExitInvalid, "--row and --filter select rows two ways: give one")
	}
	f, err := openFolder(dir)
	if err != nil {
		return err
	}
	rf, err := newRowFilter(dir, fl.filter)
	if err != nil {
		return err
	}
	want := map[int64]bool{} // the --row rows not shown yet
	for _, r := range fl.rows {
		want[r] = true
	}
	explicit := len(fl.rows) > 0
	shown := 0
	for _, id := range f.Groups() {
		if explicit && !groupHasAny(id, f.Written, want) {
			continue // read only the groups that hold a wanted row
		}
		g, err := readGroup(f, id)
		if err != nil {
			return err
		}
		if err := traceColumn(g, &fl.column); err != nil {
			return err
		}
		if err := rf.group(f, g); err != nil {
			return err
		}
		for k := range g.Rows {
			r := g.Row(k)
			if explicit && !want[r.Index] || !rf.keep(r.Index) {
				continue
			}
			if !explicit && shown >= fl.limit {
				return nil
			}
			msgs, _, err := r.Trace(fl.column)
			if err != nil {
				return exitf(ExitFailed, "%v", err)
			}
			fmt.Fprintf(env.Stdout, "── row %d · %s %s\n", r.Index, fl.column, strings.Repeat("─", 40))
			renderConversation(env.Stdout, msgs, fl.full, color)
			fmt.Fprintln(env.Stdout)
			shown++
			delete(want, r.Index)
		}
		if explicit && len(want) == 0 {
			break
		}
	}
	if len(want) > 0 {
		missing := make([]int64, 0, len(want))
		for r := range want {
			missing = append(missing, r)
		}
		sort.Slice(missing, func(i, j int) bool { return missing[i] < missing[j] })
		return exitf(ExitFailed, "row(s) %v are not in the dataset (failed, not generated, or out of range: see %s)", missing, generate.FailuresFile)
	}
	if shown == 0 && fl.filter != "" {
		return exitf(ExitFailed, "no rows matched --filter")
	}
	if shown == 0 {
		return exitf(ExitFailed, "no rows to show")
	}
	return nil
}

// groupHasAny says whether group id may hold one of the wanted rows.
func groupHasAny(id int, w *generate.WrittenRows, want map[int64]bool) bool {
	first, end := w.Span(id)
	for r := range want {
		if r >= first && r < end {
			return true
		}
	}
	return false
}

// reasoningLines is how many lines of reasoning show without --full.
const reasoningLines = 3

// renderConversation prints messages: role headers (coloured when color),
// reasoning collapsed to its first lines unless full, each tool call
// followed by its result, and "k tool calls in t turns".
func renderConversation(w io.Writer, msgs []tracing.Message, full, color bool) {
	paint := func(code, s string) string {
		if !color {
			return s
		}
		return "\x1b[" + code + "m" + s + "\x1b[0m"
	}
	roleColor := map[string]string{tracing.RoleSystem: "90", tracing.RoleUser: "36", tracing.RoleAssistant: "32", tracing.RoleTool: "33"}
	results := tracing.ToolResults(msgs)
	paired := map[int]bool{} // tool messages shown under their call
	for _, t := range results {
		paired[t] = true
	}
	calls, turns := 0, 0
	for i, m := range msgs {
		if paired[i] {
			continue
		}
		fmt.Fprintf(w, "  %s\n", paint(roleColor[m.Role], "┌ "+m.Role))
		if m.ReasoningContent != "" {
			lines := strings.Split(strings.TrimRight(m.ReasoningContent, "\n"), "\n")
			if !full && len(lines) > reasoningLines {
				lines = append(lines[:reasoningLines:reasoningLines], fmt.Sprintf("… (%d more lines; --full)", len(lines)-reasoningLines))
			}
			fmt.Fprintf(w, "  │ %s %s\n", paint("2", "(reasoning)"), paint("2", strings.Join(lines, "\n  │             ")))
		}
		if text := blocksText(m.Content); text != "" {
			fmt.Fprintf(w, "  │ %s\n", indentText(text, "  │ "))
		}
		if len(m.ToolCalls) > 0 {
			turns++
		}
		for j, c := range m.ToolCalls {
			calls++
			fmt.Fprintf(w, "  │ %s %s [%s] %s\n", paint("35", "→"), c.Function.Name, c.ID, indentText(prettyJSON(c.Function.Arguments), "  │   "))
			if t, ok := results[tracing.CallRef{Msg: i, Call: j}]; ok {
				text := blocksText(msgs[t].Content)
				if tracing.IsToolError(msgs[t]) {
					text = paint("31", text)
				}
				fmt.Fprintf(w, "  │ %s %s\n", paint("33", "←"), indentText(text, "  │   "))
			} else {
				fmt.Fprintf(w, "  │ %s\n", paint("31", "← (no result)"))
			}
		}
	}
	fmt.Fprintf(w, "  └ %d message%s, %d tool call%s in %d turn%s\n", len(msgs), plural(len(msgs)), calls, plural(calls), turns, plural(turns))
}

// blocksText joins a message's text blocks; images show as [image URL].
func blocksText(bs []tracing.Block) string {
	var parts []string
	for _, b := range bs {
		switch {
		case b.ImageURL != nil:
			parts = append(parts, "[image] "+shorten(b.ImageURL.URL, 80))
		case b.Text != "":
			parts = append(parts, b.Text)
		}
	}
	return strings.Join(parts, "\n")
}
