package cli

import "github.com/spf13/cobra"

// newTracesCmd is the parent of the commands that read the traces of a
// dataset folder (spec/trace-toolkit.md), each in its own file.
func newTracesCmd(env Env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "traces",
		Short: "Export, query and show the traces of a dataset folder",
		Args:  cobra.NoArgs,
	}
	cmd.AddCommand(newTracesQueryCmd(env), newTracesExportCmd(env), newTracesShowCmd(env))
	return cmd
}
