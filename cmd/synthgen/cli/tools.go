package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/synthgen/synthgen/columns"
	"github.com/synthgen/synthgen/columns/llm/mcp"
	"github.com/synthgen/synthgen/config"
)

func newToolsCmd(env Env) *cobra.Command {
	return &cobra.Command{
		Use:   "tools CONFIG",
		Short: "List the tools each tool_alias resolves to",
		Long: "tools connects to the config's MCP providers and lists, per tool_alias, the tools it resolves to\n" +
			"after allow_tools: name, provider, description and parameters. A quick check that a provider is set up\n" +
			"right; exit 3 when a provider cannot be reached, 2 when an alias is misconfigured.",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts := config.Options{Getenv: env.getenv}
			doc, diags := config.Load(args[0], env.Stdin, opts)
			if doc != nil {
				redactEnv(env.Stderr, doc.EnvValues())
			}
			if doc == nil || diags.HasErrors() {
				return invalidConfig(env, args[0], diags)
			}
			printDiags(env.Stderr, diags)
			m := mcp.NewManager(doc, env.getenv, doc.BaseDir())
			defer m.Close()
			sets := m.ToolSets(cmd.Context())
			if len(sets) == 0 {
				fmt.Fprintln(env.Stdout, "no tool_configs in this config")
				return nil
			}
			limits := map[string]config.ToolConfig{}
			for _, t := range doc.ToolConfigs {
				limits[t.ToolAlias] = t
			}
			var firstErr error
			for _, s := range sets {
				tc := limits[s.Alias]
				fmt.Fprintf(env.Stdout, "%s (providers: %s; %s)\n", s.Alias, strings.Join(tc.Providers, ", "), limitsText(tc))
				if s.Err != nil {
					fmt.Fprintf(env.Stdout, "  error: %v\n", s.Err)
					if firstErr == nil {
						firstErr = s.Err
					}
					continue
				}
				width := 0
				for _, t := range s.Tools {
					width = max(width, len(t.Name))
				}
				for _, t := range s.Tools {
					fmt.Fprintf(env.Stdout, "  %-*s  %s  %s\n", width, t.Name, t.Provider, t.Description)
					params, _ := json.Marshal(t.Parameters)
					fmt.Fprintf(env.Stdout, "  %-*s  parameters: %s\n", width, "", params)
				}
			}
			if firstErr != nil {
				if cmd.Context().Err() != nil {
					return silent(ExitInterrupted)
				}
				if errors.Is(firstErr, columns.ErrUnreachable) {
					return exitf(ExitUnreachable, "%v", firstErr)
				}
				return exitf(ExitInvalid, "%v", firstErr)
			}
			return nil
		},
	}
}

func limitsText(tc config.ToolConfig) string {
	turns, timeout := 5, 60.0
	if tc.MaxToolCallTurns != nil {
		turns = *tc.MaxToolCallTurns
	}
	if tc.TimeoutSec != nil {
		timeout = *tc.TimeoutSec
	}
	return fmt.Sprintf("at most %d tool turns, %gs per call", turns, timeout)
}
