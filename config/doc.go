// Package config reads a synthgen config (YAML or JSON, shorthand or
// Data Designer's `data_designer:`-wrapped form) into a Document, reporting
// every problem at once as a Diagnostic with file:line:col, a path such as
// columns[3].params.values, and a "did you mean" suggestion where a name is
// close to a known one.
//
//	doc, diags := config.Load("dataset.yaml", os.Stdin, config.Options{})
//	for _, d := range diags {
//		fmt.Println(d) // dataset.yaml:12:5: columns[2].promt: unknown field "promt" ...; did you mean "prompt"?
//	}
//	if diags.HasErrors() { ... }
//
// The struct types of this package are the schema: their tags (yaml,
// required, enum, default, doc) drive decoding, validation and the
// `synthgen columns` reference. ${NAME} in a string value is replaced by the
// environment variable NAME; an unset one is an error, and substituted values
// never appear in diagnostics, builder_config.json or the config hash.
//
// The package imports only the standard library and yaml.
package config
