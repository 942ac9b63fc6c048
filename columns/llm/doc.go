// Package llm holds the four LLM column kinds (llm-text, llm-code,
// llm-structured, llm-judge): their specs, dependencies and output types.
//
// In this build the columns are validated and planned (dependencies, output
// columns, side-effect columns) but not yet run: the model client arrives
// with the LLM-columns work. Units built here have a nil Generator, which the
// engine reports as "not runnable yet" before it starts.
//
//	units, diags := llm.Spec(config.KindLLMText).Build(bc, cols)
package llm
