// Package generate plans and runs a dataset: NewPlan orders a config's units
// into a DAG (unknown references and cycles are diagnostics), Run fills row
// groups cell by cell, and Create writes them into a dataset folder that
// stays valid and resumable whatever happens.
//
//	units, diags := registry.New().Build(bc)          // package columns/registry
//	plan, diags := generate.NewPlan(doc, units)
//	res, err := generate.Create(ctx, doc, plan, generate.CreateOptions{NumRecords: 1000, Seed: 7})
//
// The engine never imports a specific column kind; it sees them as
// columns.Unit and columns.Generator.
package generate
