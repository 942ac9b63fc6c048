package generate

import (
	"log/slog"
	"testing"

	"github.com/synthgen/synthgen/columns"
	"github.com/synthgen/synthgen/columns/registry"
	"github.com/synthgen/synthgen/config"
)

func discardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }

// configName is the file name configs are parsed under: relative paths (the
// seed file) resolve against testdata/.
const configName = "testdata/config.yaml"

// parse parses a config that must be valid.
func parse(t testing.TB, src string) *config.Document {
	t.Helper()
	doc, diags := config.Parse(configName, []byte(src), config.Options{Getenv: func(string) (string, bool) { return "", false }})
	if diags.HasErrors() {
		t.Fatalf("config.Parse:\n%v", diags.Errors())
	}
	return doc
}

// tryPlan builds the units of a valid config with the real registry and
// plans them, as `synthgen validate` does.
func tryPlan(t testing.TB, src string, seed uint64) (*config.Document, *Plan, config.Diagnostics) {
	t.Helper()
	doc := parse(t, src)
	units, diags := registry.New().Build(&columns.BuildContext{Doc: doc, BaseDir: doc.BaseDir(), Seed: seed, Logger: discardLogger()})
	if diags.HasErrors() {
		t.Fatalf("registry Build:\n%v", diags.Errors())
	}
	p, ds := NewPlan(doc, units)
	return doc, p, ds
}

// mustPlan is tryPlan for configs that must plan without errors.
func mustPlan(t testing.TB, src string, seed uint64) (*config.Document, *Plan) {
	t.Helper()
	doc, p, diags := tryPlan(t, src, seed)
	if diags.HasErrors() {
		t.Fatalf("NewPlan:\n%v", diags.Errors())
	}
	return doc, p
}
