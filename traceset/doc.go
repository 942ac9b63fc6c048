// Package traceset reads what the trace toolkit works on
// (spec/trace-toolkit.md): a dataset folder's row groups one at a time,
// with each row's dataset index, traces, sampler values and judge scores;
// its span log; its review labels (annotations.jsonl); and the query
// language's filters over spans and traces. It never modifies the folder's
// data files and never holds more than one row group.
//
//	f, err := traceset.Open(dir)
//	for _, id := range f.Groups() {
//		g, _ := f.Group(id)
//		traces, _ := f.Traces(id, g, labels)
//		for i := range traces {
//			spans, _ := filters.Select(&traces[i])
//			...
//		}
//	}
//
// Imports point one way: cmd/synthgen/cli and the review server use it; it
// uses generate (folder layout, span files) and tracing.
package traceset
