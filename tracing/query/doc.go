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
// the column of the offending token. Compile builds one expr-lang program
// from the AST (never from the filter text: values are quoted literals,
// attributes come from a fixed list) and Filter.Match evaluates it per
// Record (a span with its metadata, feedback, input and output entries).
// Key/value attributes inside one and(...) refer to the same entry; neq on
// a key means no entry has that key; latency takes seconds or a duration
// string, times ISO-8601.
package query
