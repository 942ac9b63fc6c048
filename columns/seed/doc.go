// Package seed turns a config's seed_config into the seed unit: one unit
// whose outputs are every column of a local seed dataset (Parquet, CSV, JSON
// or JSON Lines; one file or a glob of files), filled for row i from a seed
// row chosen by the sampling strategy.
//
//	unit, diags := seed.Build(bc, seedColumns) // nil, nil without seed_config
//
// The planner calls Build once, separately from the column registry; Spec
// only documents the seed-dataset kind for `synthgen columns`.
//
// The whole selected seed is held in memory, column-major, for the life of
// the unit. Values are shared between rows and must not be mutated.
package seed
