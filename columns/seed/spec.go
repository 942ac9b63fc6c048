package seed

import (
	"reflect"

	"github.com/synthgen/synthgen/columns"
	"github.com/synthgen/synthgen/config"
)

// Spec documents the seed-dataset kind for `synthgen columns`. Its Build
// returns no units: the planner builds the seed unit with Build, from
// seed_config and the declared seed-dataset columns together.
func Spec() columns.Spec {
	return columns.Spec{
		Kind: config.KindSeedDataset,
		Summary: "a column taken from the seed dataset of seed_config; every seed column becomes a column " +
			"whether declared or not (Data Designer writes one per seed column; declaring one lets you drop it)",
		Fields: fieldDocs(config.SeedDatasetColumn{}, "skip", "propagate_skip"),
		Extra: map[string][]columns.FieldDoc{
			"seed_config":                    fieldDocs(config.SeedConfig{}),
			"seed_config.source":             fieldDocs(config.SeedSource{}),
			"seed_config.selection_strategy": fieldDocs(config.SelectionStrategy{}),
		},
		Build: func(*columns.BuildContext, []config.Column) ([]*columns.Unit, config.Diagnostics) {
			return nil, nil
		},
	}
}

// extraDocs documents fields whose config struct tag has no doc, by
// "<struct>.<yaml name>".
var extraDocs = map[string]string{
	"SeedConfig.sampling_strategy":     "ordered: row i takes seed row i mod n (cycling); shuffle: each pass over the seed in a new random order",
	"SeedConfig.selection_strategy":    "{start, end} (both inclusive) or {index, num_partitions}: use part of the seed",
	"SeedSource.seed_type":             "local; hf and df are rejected (no network access; DataFrames cannot be in a config)",
	"SeedSource.path":                  "a .parquet, .csv, .json or .jsonl file, or a glob of them, relative to the config file",
	"SelectionStrategy.start":          "first row of the index range (0-based, inclusive)",
	"SelectionStrategy.end":            "last row of the index range (inclusive, as in Data Designer)",
	"SelectionStrategy.index":          "which partition (0-based); the last partition also takes the remainder rows",
	"SelectionStrategy.num_partitions": "how many contiguous partitions to split the seed into",
}

// fieldDocs lists the fields of a config struct (config.Fields, the
// decoder's own view of the tags), leaving out the names in omit and
// filling docs the tags lack from extraDocs.
func fieldDocs(v any, omit ...string) []columns.FieldDoc {
	t := reflect.TypeOf(v)
	out := columns.FieldsOf(v, omit...)
	for i := range out {
		if out[i].Doc == "" {
			out[i].Doc = extraDocs[t.Name()+"."+out[i].Name]
		}
	}
	return out
}
