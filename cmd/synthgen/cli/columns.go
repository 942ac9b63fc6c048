package cli

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

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
				printKind(env.Stdout, s.Kind, s.Summary, true)
				return nil
			}
			for _, s := range specs {
				printKind(env.Stdout, s.Kind, s.Summary, false)
			}
			fmt.Fprintln(env.Stdout, "Not supported: custom and image columns, local_callable validators (Python code).")
			return nil
		},
	}
}

func printKind(w io.Writer, kind, summary string, detail bool) {
	fmt.Fprintf(w, "%s — %s\n", kind, summary)
	if st := config.ColumnStruct(kind); st != nil {
		printFields(w, config.Fields(st), "  ")
	}
	if detail && kind == config.KindSampler {
		fmt.Fprintln(w, "\n  params by sampler_type:")
		for _, t := range config.SamplerTypes() {
			fmt.Fprintf(w, "  %s\n", t)
			var fs []config.FieldInfo
			for _, f := range config.Fields(config.SamplerParamsStruct(t)) {
				if f.Name != "sampler_type" {
					fs = append(fs, f)
				}
			}
			printFields(w, fs, "    ")
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
