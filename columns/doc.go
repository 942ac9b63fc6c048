// Package columns defines what a column kind is to the engine: a Spec that
// validates config columns of its kind and builds Units, each with a
// Generator that fills a row's cells. The Registry lists the kinds.
//
//	reg := registry.New()                     // all built-in kinds
//	units, diags := reg.Build(bc)             // every column of bc.Doc
//
// Column kinds never import the engine (package generate); the engine never
// imports a specific kind.
package columns
