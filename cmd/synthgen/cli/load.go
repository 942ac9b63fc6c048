package cli

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"

	"github.com/synthgen/synthgen/columns"
	"github.com/synthgen/synthgen/columns/registry"
	"github.com/synthgen/synthgen/config"
	"github.com/synthgen/synthgen/generate"
	"github.com/synthgen/synthgen/generate/processor"
)

// loaded is a config checked and planned.
type loaded struct {
	doc  *config.Document
	run  *config.RunConfig
	plan *generate.Plan
	seed uint64
	// transforms are the schema_transform processors, built against plan.
	transforms []*processor.SchemaTransform
	// stderr is the command's (redacting) stderr.
	stderr io.Writer
	// bc holds the run's shared resources (model clients, the mock server);
	// close releases them.
	bc *columns.BuildContext
}

// processors returns the transforms as the engine's group processors.
func (l *loaded) processors() []generate.GroupProcessor {
	out := make([]generate.GroupProcessor, len(l.transforms))
	for i, t := range l.transforms {
		out[i] = t
	}
	return out
}

// loadOptions are the flags shared by commands that load a config.
type loadOptions struct {
	runConfig  string
	seed       uint64
	seedSet    bool
	numRecords int
	// resumeSeed, when set, is the seed of the run a resumed create
	// continues; it replaces the random default (not --seed or run_config.seed).
	resumeSeed *uint64
}

// load reads, checks and plans a config. Every diagnostic is printed to
// stderr, sorted; errors return exit code 2.
func load(env Env, path string, lo loadOptions, logger *slog.Logger) (*loaded, error) {
	opts := config.Options{Getenv: env.getenv}
	doc, diags := config.Load(path, env.Stdin, opts)
	if doc != nil {
		redactEnv(env.Stderr, doc.EnvValues())
	}
	if doc == nil {
		return nil, invalidConfig(env, path, diags)
	}
	rc := doc.RunConfig
	if lo.runConfig != "" {
		over, ds := config.LoadRunConfig(lo.runConfig, opts)
		diags = append(diags, ds...)
		rc = rc.Merge(over)
	}
	if rc == nil {
		rc = &config.RunConfig{}
	}
	seed := randomSeed()
	switch {
	case lo.seedSet:
		seed = lo.seed
	case rc.Seed != nil:
		seed = *rc.Seed
	case lo.resumeSeed != nil:
		seed = *lo.resumeSeed
	}
	// Columns that decoded cleanly are built and planned even when others
	// have errors, so one run reports every problem; the plan runs only when
	// every unit built, so its reference errors are not echoes.
	bc := &columns.BuildContext{Doc: doc, BaseDir: doc.BaseDir(), Seed: seed, Run: rc, Getenv: env.Getenv, Logger: logger}
	units, ds := registry.New().Build(bc)
	diags = append(diags, ds...)
	// The units that built are planned even when others failed, so one run
	// reports every problem: reference errors to columns that failed to
	// build are left out (theirs are reported).
	plan, ds := generate.NewPlan(doc, units)
	diags = append(diags, ds...)
	var transforms []*processor.SchemaTransform
	if plan != nil {
		transforms, ds = processor.Build(doc, plan.Outputs)
		diags = append(diags, ds...)
	}
	if diags.HasErrors() {
		bc.Close()
		return nil, invalidConfig(env, path, diags)
	}
	printDiags(env.Stderr, diags)
	return &loaded{doc: doc, run: rc, plan: plan, seed: seed, transforms: transforms, bc: bc, stderr: env.Stderr}, nil
}

func invalidConfig(env Env, path string, diags config.Diagnostics) error {
	diags = diags.Sort()
	printDiags(env.Stderr, diags)
	n := len(diags.Errors())
	for _, d := range diags.Errors() {
		if d.Pos.File != path {
			return exitf(ExitInvalid, "the configuration is not valid (%d problem%s)", n, plural(n))
		}
	}
	return exitf(ExitInvalid, "%s is not a valid config (%d problem%s)", path, n, plural(n))
}

func printDiags(w io.Writer, diags config.Diagnostics) {
	for _, d := range diags.Sort() {
		fmt.Fprintln(w, d.String())
	}
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

func randomSeed() uint64 {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err)
	}
	return binary.LittleEndian.Uint64(b[:]) >> 1 // also fits run_config.seed and an int64 in JSON readers
}

// maxNumRecords bounds --num-records (row indices and batch ids stay far
// from overflow).
const maxNumRecords = 1 << 40

func checkNumRecords(n int) error {
	if n < 1 || n > maxNumRecords {
		return exitf(ExitInvalid, "--num-records must be between 1 and %d, got %d", maxNumRecords, n)
	}
	return nil
}

// loadRunnable is load for the commands that generate: it also checks the
// row count and that every column can run in this build.
func loadRunnable(ctx context.Context, env Env, path string, lo loadOptions, logger *slog.Logger) (*loaded, error) {
	if err := checkNumRecords(lo.numRecords); err != nil {
		return nil, err
	}
	l, err := load(env, path, lo, logger)
	if err != nil {
		return nil, err
	}
	if err := l.plan.Runnable(); err != nil {
		l.close()
		return nil, exitf(ExitInvalid, "%v", err)
	}
	if err := l.prepare(ctx); err != nil {
		l.close()
		return nil, err
	}
	return l, nil
}

// prepare runs each unit's checks before generating (model health checks):
// an unreachable or misconfigured provider is exit code 3.
func (l *loaded) prepare(ctx context.Context) error {
	for _, u := range l.plan.Units {
		p, ok := u.Gen.(columns.Preparer)
		if !ok {
			continue
		}
		if err := p.Prepare(ctx); err != nil {
			if ctx.Err() != nil {
				fmt.Fprintln(l.stderr, "interrupted before generation started")
				return silent(ExitInterrupted)
			}
			if errors.Is(err, columns.ErrUnreachable) {
				return exitf(ExitUnreachable, "%v", err)
			}
			// e.g. a tool alias whose providers offer one name twice
			return exitf(ExitInvalid, "%v", err)
		}
	}
	return nil
}

// close releases what the run's columns hold (the in-process mock server,
// connections).
func (l *loaded) close() {
	if l != nil && l.bc != nil {
		l.bc.Close()
	}
}
