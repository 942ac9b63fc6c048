// Package cli is synthgen's command line: a thin shell over config,
// columns/registry and generate, testable in-process through Run.
//
//	code := cli.Run(ctx, cli.Env{Args: []string{"validate", "cfg.yaml"}, Stdout: &out, Stderr: &errOut})
package cli
