// Package parse holds what the four LLM column kinds add to a prompt and
// how they read the reply (spec/llm-and-traces.md, "One generation", steps
// 2 and 5, and "Output types"):
//
//   - instructions appended to the rendered user prompt: none for text,
//     CodeInstructions, StructuredInstructions (judges use it with
//     JudgeSchema);
//   - parsers returning a cell value or an error whose text is sent back
//     to the model as a correction: Text, Code, Structured, Judge;
//   - the column types of the values: TypeOfSchema, JudgeType, and Conform,
//     which makes a parsed value fit its type exactly.
//
// A structured column compiles its schema once and parses every reply
// against it:
//
//	schema, err := parse.SchemaFromYAML(col.OutputFormat)
//	compiled, err := parse.CompileSchema(schema) // once per column
//	prompt = parse.Append(prompt, parse.StructuredInstructions(schema))
//	// ... call the model ...
//	v, err := parse.Structured(reply, compiled, native) // err.Error() is the correction
//
// Replies are found in the last fenced block. JSON is decoded by
// DecodeTolerant, a small tokenizer of this package that rewrites what
// models commonly write (unquoted keys, single quotes, trailing commas,
// comments, True/False/None) as strict JSON, which value.DecodeJSON then
// decodes keeping key order. It is hand-written on purpose: no lenient
// decoder in the module's dependencies covers these forms, and the known
// ones fall short (tailscale/hujson accepts only comments and trailing
// commas; the Go JSON5 packages are unmaintained, decode into Go maps that
// lose key order, and reject Python literals).
// Validation is JSON Schema 2020-12 by santhosh-tekuri/jsonschema/v6,
// wrapped here; properties the schema does not declare are removed before
// validating, not rejected.
//
// Every function is safe for concurrent use; a *Schema is immutable.
package parse
