// Command synthgen generates synthetic datasets from a YAML config.
package main

import (
	"context"
	"os"
	"os/signal"

	"github.com/synthgen/synthgen/cmd/synthgen/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	// A second Ctrl-C exits at once: after the first, restore the default.
	go func() { <-ctx.Done(); stop() }()
	os.Exit(cli.Run(ctx, cli.Env{Args: os.Args[1:], Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.LookupEnv}))
}
