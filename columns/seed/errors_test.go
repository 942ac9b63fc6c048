package seed

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/synthgen/synthgen/config"
)

func TestErrors(t *testing.T) {
	withPath := func(p string) func(*config.SeedConfig) {
		return func(sc *config.SeedConfig) { sc.Source.Path = p }
	}
	withSel := func(sel *config.SelectionStrategy) func(*config.SeedConfig) {
		return func(sc *config.SeedConfig) { sc.Source.Path = "ten.csv"; sc.SelectionStrategy = sel }
	}
	tests := []struct {
		name     string
		give     func(*config.SeedConfig)
		wantPos  config.Pos
		wantPath string
		want     []string // substrings of the summary
	}{
		{"missing file", withPath("nope.csv"), pathPos, "seed_config.source.path",
			[]string{"seed file " + filepath.Join("testdata", "nope.csv") + " does not exist"}},
		{"glob matches nothing", withPath("parts/*.parquet"), pathPos, "seed_config.source.path",
			[]string{"no seed files match " + filepath.Join("testdata", "parts", "*.parquet")}},
		{"directory", withPath("parts"), pathPos, "seed_config.source.path", []string{"is a directory", "*.parquet"}},
		{"unknown extension", withPath("people.tsv"), pathPos, "seed_config.source.path",
			[]string{`unsupported seed file extension ".tsv"`, "supported: .parquet, .csv, .json, .jsonl"}},
		{"csv field count", withPath("bad_fields.csv"), pathPos, "seed_config.source.path",
			[]string{"bad_fields.csv: line 3:", "wrong number of fields"}},
		{"csv bad quote", withPath("bad_quote.csv"), pathPos, "seed_config.source.path",
			[]string{"bad_quote.csv: line 2:"}},
		{"jsonl bad line", withPath("bad.jsonl"), pathPos, "seed_config.source.path", []string{"bad.jsonl: line 2:"}},
		{"json array syntax", withPath("bad.json"), pathPos, "seed_config.source.path", []string{"bad.json: line 3:"}},
		{"json array of non-objects", withPath("not_objects.json"), pathPos, "seed_config.source.path",
			[]string{"element 1 of the array is a string, want an object"}},
		{"empty csv", withPath("empty.csv"), pathPos, "seed_config.source.path", []string{"empty.csv has no rows"}},
		{"empty jsonl", withPath("empty.jsonl"), pathPos, "seed_config.source.path", []string{"empty.jsonl has no rows"}},
		{"header only csv", withPath("header_only.csv"), pathPos, "seed_config.source.path", []string{"header_only.csv has no rows"}},
		{"mixed formats in glob", withPath("mixed/*"), pathPos, "seed_config.source.path", []string{"different formats"}},
		{"incompatible columns in glob", withPath("incompatible/*.jsonl"), pathPos, "seed_config.source.path",
			[]string{"b.jsonl has columns incompatible with", "missing n; extra m"}},
		{"hf source", func(sc *config.SeedConfig) { sc.Source.SeedType = "hf"; sc.Source.Path = "datasets/x/y" },
			seedTypePos, "seed_config.source.seed_type", []string{"not supported: seed_type hf", "no network access"}},
		{"df source", func(sc *config.SeedConfig) { sc.Source.SeedType = "df" },
			seedTypePos, "seed_config.source.seed_type", []string{"not supported: seed_type df", "Python DataFrames cannot be given in a config file"}},
		{"no path", withPath(""), pathPos, "seed_config.source.path", []string{"needs a path"}},
		{"no source", func(sc *config.SeedConfig) { sc.Source = nil }, seedPos, "seed_config", []string{"needs a source"}},
		{"source and dataset", func(sc *config.SeedConfig) { sc.Dataset = "people.csv" }, datasetPos, "seed_config.dataset",
			[]string{"both source and dataset"}},
		{"dataset missing file", func(sc *config.SeedConfig) { sc.Source, sc.Dataset = nil, "nope.jsonl" }, datasetPos, "seed_config.dataset",
			[]string{"nope.jsonl does not exist"}},
		{"unknown sampling", func(sc *config.SeedConfig) { sc.SamplingStrategy = "random" }, seedPos, "seed_config.sampling_strategy",
			[]string{`unknown sampling_strategy "random"`}},
		{"start after end", withSel(selection(ptr(5), ptr(2), nil, nil)), startPos, "seed_config.selection_strategy.start",
			[]string{"start 5 is after end 2"}},
		{"end past last row", withSel(selection(ptr(0), ptr(10), nil, nil)), endPos, "seed_config.selection_strategy.end",
			[]string{"end 10 is past the last seed row", "10 rows, indexes 0..9", "inclusive"}},
		{"start missing", withSel(selection(nil, ptr(3), nil, nil)), startPos, "seed_config.selection_strategy.start",
			[]string{"needs start"}},
		{"negative start", withSel(selection(ptr(-1), ptr(3), nil, nil)), startPos, "seed_config.selection_strategy.start",
			[]string{"start must be 0 or more"}},
		{"range and partition", withSel(selection(ptr(0), ptr(3), ptr(0), ptr(2))), selPos, "seed_config.selection_strategy",
			[]string{"mixes an index range"}},
		{"index out of range", withSel(selection(nil, nil, ptr(3), ptr(3))), indexPos, "seed_config.selection_strategy.index",
			[]string{"index must be in [0, num_partitions) = [0, 3), got 3"}},
		{"zero partitions", withSel(selection(nil, nil, ptr(0), ptr(0))), numPartPos, "seed_config.selection_strategy.num_partitions",
			[]string{"num_partitions must be at least 1"}},
		{"empty partition", withSel(selection(nil, nil, ptr(0), ptr(20))), numPartPos, "seed_config.selection_strategy.num_partitions",
			[]string{"partition 0 of 20 is empty: the seed has only 10 rows"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sc := localSeed("people.csv")
			tt.give(sc)
			u, diags := Build(buildContext(sc), nil)
			checkOneError(t, u != nil, diags, tt.wantPos, tt.wantPath, tt.want...)
		})
	}
}

func checkOneError(t *testing.T, gotUnit bool, diags config.Diagnostics, pos config.Pos, path string, want ...string) {
	t.Helper()
	if gotUnit {
		t.Error("Build returned a unit despite errors")
	}
	errs := diags.Errors()
	if len(errs) != 1 {
		t.Fatalf("got %d errors, want 1: %v", len(errs), diags)
	}
	d := errs[0]
	if d.Pos != pos || d.Path != path {
		t.Errorf("at %v %q, want %v %q (%s)", d.Pos, d.Path, pos, path, d.Summary)
	}
	for _, w := range want {
		if !strings.Contains(d.Summary, w) {
			t.Errorf("summary %q does not contain %q", d.Summary, w)
		}
	}
}

func TestCorruptParquet(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "x.parquet"), []byte("not a parquet file at all"), 0o644); err != nil {
		t.Fatal(err)
	}
	bc := buildContext(localSeed("x.parquet"))
	bc.BaseDir = dir
	u, diags := Build(bc, nil)
	checkOneError(t, u != nil, diags, pathPos, "seed_config.source.path", "parsing seed file", "x.parquet")
}

func TestNameCollision(t *testing.T) {
	expr := &config.ExpressionColumn{Expr: "{{ name }}"}
	expr.Name, expr.ColumnType = "age", config.KindExpression
	namePos := config.Pos{File: "cfg.yaml", Line: 12, Col: 11}
	expr.Meta = config.Meta{Path: "columns[1]", Keys: map[string]config.Pos{"name": namePos}}

	u, diags := Build(buildContext(localSeed("people.csv"), expr, seedColumn("age", false)), []config.Column{seedColumn("age", false)})
	checkOneError(t, u != nil, diags, namePos, "columns[1].name",
		`seed column "age" (from people.csv) has the same name as the expression column "age"`)
}

func TestSideEffectNameCollision(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "s.jsonl"), []byte(`{"q": "hi", "answer__trace": []}`+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	llm := &config.LLMTextColumn{}
	llm.Name, llm.ColumnType, llm.WithTrace = "answer", config.KindLLMText, "all_messages"
	llm.Meta = config.Meta{Path: "columns[0]"}
	bc := buildContext(localSeed("s.jsonl"), llm)
	bc.BaseDir = dir
	u, diags := Build(bc, nil)
	checkOneError(t, u != nil, diags, config.Pos{}, "columns[0].name", `seed column "answer__trace"`, `trace column of llm-text column "answer"`)
}

func TestDeclaredNotInSeed(t *testing.T) {
	u, diags := Build(buildContext(localSeed("people.csv")), []config.Column{seedColumn("agee", false), seedColumn("name", false)})
	checkOneError(t, u != nil, diags, config.Pos{File: "cfg.yaml", Line: 20, Col: 11}, "columns[5].name",
		`seed-dataset column "agee" is not a column of the seed dataset people.csv; did you mean "age"?`)
	if d := diags.Errors()[0].Detail; !strings.Contains(d, "name, age, height, member, city, note") {
		t.Errorf("detail %q does not list the seed's columns", d)
	}

	_, diags = Build(buildContext(localSeed("people.csv")), []config.Column{seedColumn("zzzzzz", false)})
	if s := diags.Errors()[0].Summary; strings.Contains(s, "did you mean") {
		t.Errorf("suggestion for a far name: %q", s)
	}
}

func TestDeclaredWithoutSeedConfig(t *testing.T) {
	u, diags := Build(buildContext(nil), []config.Column{seedColumn("name", false)})
	checkOneError(t, u != nil, diags, config.Pos{File: "cfg.yaml", Line: 20, Col: 5}, "columns[5]",
		`seed-dataset column "name" needs a seed_config`)
}
