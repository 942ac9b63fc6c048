package cli

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/synthgen/synthgen/columns"
	"github.com/synthgen/synthgen/columns/registry"
	"github.com/synthgen/synthgen/config"
)

func newColumnsCmd(env Env) *cobra.Command {
	return &cobra.Command{
		Use:   "columns [KIND]",
		Short: "List column kinds and their fields",
		Long:  "columns lists every column kind with its fields, types and defaults, from the same\nspecs that drive validation. `synthgen columns sampler` also lists every sampler type's params.",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			reg := registry.New()
			specs := reg.Specs()
			if len(args) == 1 {
				s, ok := reg.Spec(args[0])
				if !ok {
					var kinds []string
					for _, s := range specs {
						kinds = append(kinds, s.Kind)
					}
					return exitf(ExitInvalid, "unknown column kind %q; one of %s%s", args[0], strings.Join(kinds, ", "), config.DidYouMean(args[0], kinds))
				}
				printKind(env.Stdout, s, true)
				return nil
			}
			for _, s := range specs {
				printKind(env.Stdout, s, false)
			}
			fmt.Fprintln(env.Stdout, "Not supported: custom and image columns, local_callable validators (Python code).")
			return nil
		},
	}
}

// printKind prints a kind's fields from its spec; with detail, also the
// spec's sub-objects (e.g. every sampler type's params).
func printKind(w io.Writer, s columns.Spec, detail bool) {
	fmt.Fprintf(w, "%s — %s\n", s.Kind, s.Summary)
	printFields(w, s.Fields, "  ")
	if detail && len(s.Extra) > 0 {
		headings := make([]string, 0, len(s.Extra))
		for h := range s.Extra {
			headings = append(headings, h)
		}
		sort.Strings(headings)
		for _, h := range headings {
			fmt.Fprintf(w, "\n  %s\n", h)
			printFields(w, s.Extra[h], "    ")
		}
	}
	fmt.Fprintln(w)
}

func printFields(w io.Writer, fs []config.FieldInfo, indent string) {
	for _, f := range fs {
		typ := f.Type
		if len(f.Enum) > 0 {
			typ = strings.Join(f.Enum, "|")
		}
		attrs := []string{typ}
		if f.Required {
			attrs = append(attrs, "required")
		}
		if f.Default != "" {
			attrs = append(attrs, "default "+f.Default)
		}
		line := fmt.Sprintf("%s%-26s %s", indent, f.Name, strings.Join(attrs, ", "))
		if f.Doc != "" {
			line += " — " + f.Doc
		}
		fmt.Fprintln(w, line)
	}
}
