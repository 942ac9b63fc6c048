// Command synthgen generates synthetic datasets from a YAML config.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"runtime/debug"
	"runtime/pprof"

	"github.com/synthgen/synthgen/cmd/synthgen/cli"
)

func main() {
	// Generation allocates many short-lived values (requests, replies,
	// traces) over a live heap bounded by the rows in flight: collecting
	// less often cut client CPU per request by about a quarter in the bench
	// harness, for about 1.6× the peak memory. GOGC still overrides it.
	if _, set := os.LookupEnv("GOGC"); !set {
		debug.SetGCPercent(400)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	// A second Ctrl-C exits at once: after the first, restore the default.
	go func() { <-ctx.Done(); stop() }()
	// SYNTHGEN_CPUPROFILE=FILE writes a CPU profile of the whole command
	// (for the bench/ harness and `go tool pprof`).
	if path := os.Getenv("SYNTHGEN_CPUPROFILE"); path != "" {
		f, err := os.Create(path)
		if err != nil {
			fmt.Fprintf(os.Stderr, "error: SYNTHGEN_CPUPROFILE: %v\n", err)
			os.Exit(cli.ExitInvalid)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintf(os.Stderr, "error: SYNTHGEN_CPUPROFILE: %v\n", err)
			os.Exit(cli.ExitInvalid)
		}
		code := cli.Run(ctx, cli.Env{Args: os.Args[1:], Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.LookupEnv})
		pprof.StopCPUProfile()
		f.Close()
		os.Exit(code)
	}
	os.Exit(cli.Run(ctx, cli.Env{Args: os.Args[1:], Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.LookupEnv}))
}
