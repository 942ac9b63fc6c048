package cli

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/synthgen/synthgen/columns/validation"
	"github.com/synthgen/synthgen/config"
	"github.com/synthgen/synthgen/generate"
)

func newValidateCmd(env Env) *cobra.Command {
	var explain bool
	cmd := &cobra.Command{
		Use:   "validate CONFIG",
		Short: "Check a config and print the planned column order",
		Long: "validate reports every problem in a config at once, as file:line:col: path: message, and exits 2.\n" +
			"A good config prints the planned column order (--explain: the DAG), and every local program the\n" +
			"config would start and every endpoint it would contact: review configs from others before running them.",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			l, err := load(env, args[0], loadOptions{seed: 0, seedSet: true}, newLogger(env.Stderr))
			if err != nil {
				return err
			}
			defer l.close()
			out := env.Stdout
			fmt.Fprintf(out, "%s: ok\n", args[0])
			if explain {
				fmt.Fprint(out, "\nDAG (generation order):\n")
				fmt.Fprint(out, l.plan.Explain())
			} else {
				var order []string
				for _, u := range l.plan.Units {
					order = append(order, u.Columns...)
				}
				fmt.Fprintf(out, "column order: %s\n", strings.Join(order, " → "))
			}
			var written []string
			for _, s := range l.plan.Written {
				written = append(written, l.plan.Outputs[s].Name)
			}
			fmt.Fprintf(out, "output columns: %s\n", strings.Join(written, ", "))
			for _, t := range l.transforms {
				var cols []string
				for _, c := range t.Columns() {
					cols = append(cols, c.Name+" "+c.Type.String())
				}
				fmt.Fprintf(out, "processor dataset %s: %s\n", generate.ProcessorDir(t.Name()), strings.Join(cols, ", "))
			}
			if ext := externals(l.doc); len(ext) > 0 {
				fmt.Fprintln(out, "\nthis config would start or contact:")
				for _, e := range ext {
					fmt.Fprintf(out, "  %s\n", l.doc.Redact(e))
				}
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&explain, "explain", false, "print the DAG: each column, its type and what it waits for")
	return cmd
}

// externals lists every program a config would start and every endpoint it
// would contact ("Configs are code", spec/config.md).
func externals(doc *config.Document) []string {
	var out []string
	providers := map[string]config.ModelProvider{}
	for _, p := range config.BuiltinProviders() {
		providers[p.Name] = p
	}
	for _, p := range doc.HomeModelProviders {
		providers[p.Name] = p
	}
	for _, p := range doc.ModelProviders {
		providers[p.Name] = p
	}
	used := map[string]bool{}
	models := doc.Models()
	for _, col := range doc.Columns {
		alias := ""
		if llm := config.LLM(col); llm != nil {
			alias = llm.ModelAlias
		} else if e, ok := col.(*config.EmbeddingColumn); ok {
			alias = e.ModelAlias
		}
		m, ok := models[alias]
		if !ok || used[alias] {
			continue
		}
		used[alias] = true
		p := providers[m.Provider]
		if m.Provider == "" {
			p = providers["nvidia"]
		}
		if p.Name == "mock" {
			out = append(out, fmt.Sprintf("model %s: built-in mock model (in-process, loopback)", alias))
			continue
		}
		out = append(out, fmt.Sprintf("model %s: endpoint %s (provider %s)", alias, config.RedactURL(p.Endpoint), p.Name))
	}
	// MCP providers the config's tool aliases use (a home file may define more).
	usedMCP := map[string]bool{}
	for _, t := range doc.ToolConfigs {
		for _, p := range t.Providers {
			usedMCP[p] = true
		}
	}
	mcp := map[string]config.MCPProvider{}
	var mcpOrder []string
	for _, p := range append(append([]config.MCPProvider(nil), doc.HomeMCPProviders...), doc.MCPProviders...) {
		if _, seen := mcp[p.Name]; !seen {
			mcpOrder = append(mcpOrder, p.Name)
		}
		mcp[p.Name] = p // the config's definition wins
	}
	for _, name := range mcpOrder {
		p := mcp[name]
		if !usedMCP[name] {
			continue
		}
		switch p.ProviderType {
		case "stdio":
			out = append(out, fmt.Sprintf("MCP provider %s: runs %s", p.Name, strings.Join(append([]string{p.Command}, p.Args...), " ")))
		default:
			out = append(out, fmt.Sprintf("MCP provider %s: endpoint %s (%s)", p.Name, config.RedactURL(p.Endpoint), p.ProviderType))
		}
	}
	for _, a := range validation.Programs(doc) {
		out = append(out, a.String())
	}
	return out
}
