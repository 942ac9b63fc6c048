package query

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// show prints a node compactly, for comparing parses.
func show(n Node) string {
	switch n := n.(type) {
	case *Logical:
		parts := make([]string, len(n.Args))
		for i, a := range n.Args {
			parts[i] = show(a)
		}
		return n.Op + "(" + strings.Join(parts, ", ") + ")"
	case *Not:
		return "not(" + show(n.Arg) + ")"
	case *Compare:
		return fmt.Sprintf("%s(%s, %s)", n.Op, n.Attribute, showValue(n.Value))
	case *Search:
		return "search(" + quote(n.Text) + ")"
	}
	return "?"
}

func showValue(v Value) string {
	switch v.Kind {
	case KindNull:
		return "null"
	case KindString:
		return quote(v.String)
	case KindNumber:
		return fmt.Sprint(v.Number)
	case KindBool:
		return fmt.Sprint(v.Bool)
	case KindList:
		parts := make([]string, len(v.List))
		for i, e := range v.List {
			parts[i] = showValue(e)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	}
	return "?"
}

// quote writes s as the language's double-quoted string.
func quote(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`, "\t", `\t`)
	return `"` + r.Replace(s) + `"`
}

// The filters of LangSmith's documentation and of spec/trace-toolkit.md parse.
func TestParseDocumentedFilters(t *testing.T) {
	tests := []struct{ give, want string }{
		{`eq(name, "extractor")`, `eq(name, "extractor")`},
		{`eq(run_type, 'llm')`, `eq(run_type, "llm")`},
		{`gt(latency, "5s")`, `gt(latency, "5s")`},
		{`gte(latency, 2.5)`, `gte(latency, 2.5)`},
		{`lt(total_tokens, 5000)`, `lt(total_tokens, 5000)`},
		{`gte(start_time, "2023-06-26T21:24:18.198000")`, `gte(start_time, "2023-06-26T21:24:18.198000")`},
		{`neq(error, null)`, `neq(error, null)`},
		{`eq(error, null)`, `eq(error, null)`},
		{`has(tags, "tool_error")`, `has(tags, "tool_error")`},
		{`search("billing")`, `search("billing")`},
		{`search(inputs, "refund")`, `search(inputs, "refund")`},
		{`like(name, "%answer_")`, `like(name, "%answer_")`},
		{`in(name, ["question", "answer"])`, `in(name, ["question", "answer"])`},
		{`exists(error, true)`, `exists(error, true)`},
		{`and(eq(metadata_key, "topic"), eq(metadata_value, "billing"))`, `and(eq(metadata_key, "topic"), eq(metadata_value, "billing"))`},
		{`and(eq(feedback_key, "grade.Accuracy"), lt(feedback_score, 2))`, `and(eq(feedback_key, "grade.Accuracy"), lt(feedback_score, 2))`},
		{`and(gt(total_tokens, 5000), eq(run_type, "llm"))`, `and(gt(total_tokens, 5000), eq(run_type, "llm"))`},
		{`or(has(tags, "refused"), has(tags, "truncated"), neq(error, null))`, `or(has(tags, "refused"), has(tags, "truncated"), neq(error, null))`},
		{`not(eq(status, "success"))`, `not(eq(status, "success"))`},
		{`and(eq(input_key, "messages.content"), like(input_value, "%refund%"))`, `and(eq(input_key, "messages.content"), like(input_value, "%refund%"))`},
		{`and(eq(output_key, "tool_calls.function.name"), eq(output_value, "lookup_order"))`, `and(eq(output_key, "tool_calls.function.name"), eq(output_value, "lookup_order"))`},
		{"  AND ( EQ(name,'a') ,\n\tNOT(has(tags,'x')) )  ", `and(eq(name, "a"), not(has(tags, "x")))`},
		{`eq(name, "it's \"quoted\"\n")`, `eq(name, "it's \"quoted\"\n")`},
		{`eq(row, -3)`, `eq(row, -3)`},
		{`eq(ok, false)`, `eq(ok, false)`},
		{`in(row, [])`, `in(row, [])`},
		{`eq(name, "négatif ✓")`, `eq(name, "négatif ✓")`},
	}
	for _, tt := range tests {
		n, err := Parse(tt.give)
		if err != nil {
			t.Errorf("Parse(%q): %v", tt.give, err)
			continue
		}
		if got := show(n); got != tt.want {
			t.Errorf("Parse(%q) = %s, want %s", tt.give, got, tt.want)
		}
	}
}

// Malformed filters give an error at the column of the offending token.
func TestParseErrors(t *testing.T) {
	tests := []struct {
		give string
		col  int
		msg  string
	}{
		{``, 1, "expected and, or, not, search or a comparator"},
		{`eq(name "a")`, 9, `expected "," after the attribute, found the string "a"`},
		{`eq(name, "a"`, 13, `expected ")" closing eq(...)`},
		{`eq(name, "a", "b")`, 13, `expected ")" closing eq(...)`},
		{`equals(name, "a")`, 1, `unknown operator "equals"`},
		{`qe(name, "a")`, 1, `did you mean "eq"?`},
		{`and(eq(a, 1) eq(b, 2))`, 14, `expected "," or ")" in and(...)`},
		{`and()`, 5, "expected and, or, not"},
		{`not(eq(a, 1), eq(b, 2))`, 13, `expected ")" closing not(...)`},
		{`eq(name, billing)`, 10, `quote text values`},
		{`eq(name, "unterminated)`, 10, "unterminated string"},
		{`eq(name, "a") extra`, 15, `unexpected "extra" after the end of the filter`},
		{`eq(name, ["a" "b"])`, 15, `expected "," or "]" in a list`},
		{`in(name, [["a"]])`, 11, "lists cannot be nested"},
		{`eq(name, 1.2.3)`, 10, `bad number "1.2.3"`},
		{`eq(name, "a") ;`, 15, `unexpected character ';'`},
		{`eq(1, "a")`, 4, "expected an attribute name, found the number 1"},
		{`search("x" "y")`, 12, `expected ")" closing search`},
		{`eq(na✓me, "a")`, 6, `unexpected character '✓'`},
	}
	for _, tt := range tests {
		_, err := Parse(tt.give)
		var pe *Error
		if !errors.As(err, &pe) {
			t.Errorf("Parse(%q) = %v, want an *Error", tt.give, err)
			continue
		}
		if pe.Col != tt.col || !strings.Contains(pe.Msg, tt.msg) {
			t.Errorf("Parse(%q): column %d %q, want column %d containing %q", tt.give, pe.Col, pe.Msg, tt.col, tt.msg)
		}
	}
}

func TestParseDepthBounded(t *testing.T) {
	deep := strings.Repeat("not(", 1000) + `eq(a, 1)` + strings.Repeat(")", 1000)
	var pe *Error
	if _, err := Parse(deep); !errors.As(err, &pe) || !strings.Contains(pe.Msg, "nested deeper") {
		t.Errorf("Parse(deep) = %v, want a nesting error", err)
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{`and(eq(metadata_key, "topic"), eq(metadata_value, "billing"))`, `search("x")`,
		`in(name, ["a", 1, null, true])`, `not(neq(error, null))`, `eq(name, 'it\'s')`, `gt(latency, -1.5e3)`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		n, err := Parse(src)
		if err != nil {
			var pe *Error
			if !errors.As(err, &pe) || pe.Col < 1 || pe.Col > len([]rune(src))+1 {
				t.Fatalf("Parse(%q): error %v has no column inside the filter", src, err)
			}
			return
		}
		// A parse prints back to a filter that parses to the same tree.
		again, err := Parse(show(n))
		if err != nil || show(again) != show(n) {
			t.Fatalf("Parse(%q) = %s, which reparses as %v, %v", src, show(n), again, err)
		}
	})
}
