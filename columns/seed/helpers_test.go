package seed

import (
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/synthgen/synthgen/columns"
	"github.com/synthgen/synthgen/columns/value"
	"github.com/synthgen/synthgen/config"
)

var (
	seedPos     = config.Pos{File: "cfg.yaml", Line: 2, Col: 3}
	pathPos     = config.Pos{File: "cfg.yaml", Line: 4, Col: 11}
	seedTypePos = config.Pos{File: "cfg.yaml", Line: 5, Col: 16}
	datasetPos  = config.Pos{File: "cfg.yaml", Line: 3, Col: 12}
	selPos      = config.Pos{File: "cfg.yaml", Line: 7, Col: 5}
	startPos    = config.Pos{File: "cfg.yaml", Line: 7, Col: 12}
	endPos      = config.Pos{File: "cfg.yaml", Line: 8, Col: 10}
	indexPos    = config.Pos{File: "cfg.yaml", Line: 7, Col: 14}
	numPartPos  = config.Pos{File: "cfg.yaml", Line: 8, Col: 21}
)

// localSeed is seed_config: {source: {seed_type: local, path: path}} with
// positions filled as the decoder would.
func localSeed(path string) *config.SeedConfig {
	return &config.SeedConfig{
		Meta: config.Meta{Pos: seedPos, Path: "seed_config", Keys: map[string]config.Pos{"dataset": datasetPos}},
		Source: &config.SeedSource{
			Meta: config.Meta{
				Pos:  config.Pos{File: "cfg.yaml", Line: 3, Col: 5},
				Path: "seed_config.source",
				Keys: map[string]config.Pos{"path": pathPos, "seed_type": seedTypePos},
			},
			SeedType: "local",
			Path:     path,
		},
	}
}

func ptr[T any](v T) *T { return &v }

// selection returns a selection_strategy with positions for its keys.
func selection(start, end, index, num *int) *config.SelectionStrategy {
	return &config.SelectionStrategy{
		Meta: config.Meta{Pos: selPos, Path: "seed_config.selection_strategy", Keys: map[string]config.Pos{
			"start": startPos, "end": endPos, "index": indexPos, "num_partitions": numPartPos,
		}},
		Start: start, End: end, Index: index, NumPartitions: num,
	}
}

func buildContext(sc *config.SeedConfig, cols ...config.Column) *columns.BuildContext {
	return &columns.BuildContext{
		Doc:     &config.Document{SeedConfig: sc, Columns: cols},
		BaseDir: "testdata",
		Seed:    42,

		Logger: slog.New(slog.DiscardHandler),
	}
}

// seedColumn is a declared `column_type: seed-dataset` column.
func seedColumn(name string, drop bool) *config.SeedDatasetColumn {
	c := &config.SeedDatasetColumn{}
	c.Name, c.ColumnType, c.Drop = name, config.KindSeedDataset, drop
	c.Meta = config.Meta{
		Pos:  config.Pos{File: "cfg.yaml", Line: 20, Col: 5},
		Path: "columns[5]",
		Keys: map[string]config.Pos{"name": {File: "cfg.yaml", Line: 20, Col: 11}, "skip": {File: "cfg.yaml", Line: 22, Col: 11}},
	}
	return c
}

func mustBuild(t *testing.T, bc *columns.BuildContext, declared ...config.Column) *columns.Unit {
	t.Helper()
	u, diags := Build(bc, declared)
	if diags.HasErrors() {
		t.Fatalf("Build: %v", diags)
	}
	if u == nil {
		t.Fatal("Build returned no unit")
	}
	return u
}

type fakeRow int64

func (r fakeRow) Index() int64              { return int64(r) }
func (fakeRow) Get(string) (v any, ok bool) { return nil, false }

// row generates row i and returns its values by output name.
func row(t *testing.T, u *columns.Unit, i int64) map[string]any {
	t.Helper()
	out := make([]any, len(u.Outputs))
	if err := u.Gen.Generate(context.Background(), fakeRow(i), out); err != nil {
		t.Fatalf("Generate row %d: %v", i, err)
	}
	m := make(map[string]any, len(out))
	for k, o := range u.Outputs {
		m[o.Name] = out[k]
	}
	return m
}

// column returns the values of one output for rows 0..n-1.
func column(t *testing.T, u *columns.Unit, name string, n int) []any {
	t.Helper()
	vals := make([]any, n)
	for i := range n {
		v, ok := row(t, u, int64(i))[name]
		if !ok {
			t.Fatalf("no output %q in %v", name, u.Columns)
		}
		vals[i] = v
	}
	return vals
}

func outputTypes(u *columns.Unit) string {
	parts := make([]string, len(u.Outputs))
	for i, o := range u.Outputs {
		parts[i] = o.Name + ":" + o.Type.String()
	}
	return strings.Join(parts, " ")
}

func jsonOf(v any) string { return value.JSON(v) }
