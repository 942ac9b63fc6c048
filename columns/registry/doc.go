// Package registry lists the built-in column kinds and builds the units of a
// config from them. It is the one place that knows every kind.
//
//	reg := registry.New()
//	units, diags := reg.Build(&columns.BuildContext{Doc: doc, Seed: 42})
package registry
