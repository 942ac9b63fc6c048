// Package query parses LangSmith's structured filter language, the query
// language of `synthgen traces query` and the review page
// (spec/trace-toolkit.md, "Query language"):
//
//	expr  = ("and" | "or") "(" expr {"," expr} ")" | "not" "(" expr ")"
//	      | cmp "(" attribute "," value ")" | "search" "(" string ")"
//	cmp   = eq | neq | gt | gte | lt | lte | has | search | like | in | exists
//	value = string ('…' or "…") | number | true | false | null | "[" values "]"
//
// Parse turns a filter into a small AST (Node) or an *Error that points at
// the column of the offending token. The filter text is never rewritten:
// later stages compile the AST.
package query
