// Package embedding is the `embedding` column kind: a vector per row from a
// model whose generation_type is embedding.
//
// In this build the column is validated and planned but not run: there is no
// embeddings client yet (neither in package model nor in the mock), so its
// unit has a nil Generator and `create`/`preview` refuse the config with a
// message naming the column.
package embedding
