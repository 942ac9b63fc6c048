// Package expression is the `expression` column kind: a Jinja template
// rendered per row and cast to the column's dtype (str, int, float, bool).
//
//	reg.Add(expression.Spec())
//
// A config column
//
//	columns:
//	  - {name: total, column_type: expression, expr: "{{ price * quantity }}", dtype: float}
//
// builds one Unit that depends on price and quantity. An empty render or a
// failed cast drops the row with a *columns.CellError of Kind "expression".
package expression
