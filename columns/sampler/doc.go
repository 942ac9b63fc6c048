// Package sampler implements the `sampler` column kind: values drawn from
// categories, numeric and scipy distributions, datetimes, UUIDs and fake
// persons, with conditional params and top-level constraints enforced by
// joint rejection sampling.
//
// Spec returns the kind's spec; its Build turns the config's sampler
// columns into units. Each unit's generator is deterministic: a value
// depends only on the run seed, the column name, the row index and the
// rejection attempt.
//
//	spec := sampler.Spec()
//	units, diags := spec.Build(&columns.BuildContext{
//		Doc: doc, Seed: 42, Logger: slog.Default(),
//	}, samplerColumns)
//	if diags.HasErrors() { ... }
//	out := make([]any, len(units[0].Outputs))
//	err := units[0].Gen.Generate(ctx, row, out) // out[0] is the value
//
// Columns linked by constraints share one unit whose Columns list every
// one of them in generation order; all of them are resampled together
// until every constraint holds. Each row may make at most 1000 attempts
// (maxAttemptsPerRow); a row whose 1000 samples all violate a constraint
// fails with a *RejectionError ("constraint x > 1.2 not satisfied after
// 1000 attempts for this row; ..."). The budget is per row, not shared by
// the run, so the rows that fail depend only on (seed, column, row): not
// on concurrency, on row order or on resuming.
package sampler
