// Package template parses and renders the Jinja templates of a config
// (prompts, expressions, skip conditions) with gonja, the one place synthgen
// wraps it.
//
// A template is parsed once, when the config is built, and rendered for every
// row, by many goroutines at once:
//
//	t, err := template.Parse("Write about {{ topic }} for {{ persona.age }}-year-olds.")
//	if err != nil {
//		return fmt.Errorf("prompt is not a valid template: %w", err) // ...: line 1, column 12: ...
//	}
//	t.Refs() // [persona topic]: the columns it depends on
//	prompt, err := t.Render(template.RowVars(row, t.Refs()))
//
// Rendering follows Data Designer: values keep their types (an object's
// fields and a list's items can be accessed), an object or list printed whole
// renders as JSON, nothing is HTML-escaped, and undefined names render empty.
// Truthy interprets a rendered skip.when condition.
//
// The operators /, // and % compute as Python does (gonja's do not): //
// and % round toward negative infinity (-7 // 2 is -4, -7 % 2 is 1), a zero
// divisor is the render error "division by zero", and a string % value
// formats printf-style, as in {{ '%.2f' % price }}, {{ '%s-%03d' % (a, n) }}
// or {{ '%(name)s' % person }} (see pyFormat for what is supported).
package template
