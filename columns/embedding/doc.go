// Package embedding is the `embedding` column kind: a vector per row from a
// model whose generation_type is embedding.
//
// In this build the column is validated and planned, not yet run (its model
// client arrives with the LLM-columns work); its unit has a nil Generator.
package embedding
