package query

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/synthgen/synthgen/tracing"
)

// Node is a parsed filter: *Logical, *Not, *Compare or *Search.
type Node interface{ node() }

// Logical is and(...) or or(...) with at least one argument.
type Logical struct {
	Op   string // "and" or "or"
	Args []Node
	Col  int
}

// Not is not(...).
type Not struct {
	Arg Node
	Col int
}

// Compare is cmp(attribute, value), e.g. eq(name, "answer").
type Compare struct {
	Op        string // eq, neq, gt, gte, lt, lte, has, search, like, in, exists
	Attribute string
	Value     Value
	Col       int // of the comparator
	AttrCol   int // of the attribute
	ValueCol  int // of the value
}

// Search is search("text") alone: the text in any string field.
type Search struct {
	Text string
	Col  int
}

func (*Logical) node() {}
func (*Not) node()     {}
func (*Compare) node() {}
func (*Search) node()  {}

// Kind is the kind of a Value.
type Kind int

// Value kinds.
const (
	KindNull Kind = iota
	KindString
	KindNumber
	KindBool
	KindList
)

// Value is a literal of the language.
type Value struct {
	Kind   Kind
	String string
	Number float64
	Bool   bool
	List   []Value
}

// Comparators are the comparison operators, in the grammar's order.
var Comparators = []string{"eq", "neq", "gt", "gte", "lt", "lte", "has", "search", "like", "in", "exists"}

func isComparator(s string) bool {
	for _, c := range Comparators {
		if c == s {
			return true
		}
	}
	return false
}

// Error is a parse error at a column (1-based, in characters) of the filter.
type Error struct {
	Col int
	Msg string
}

func (e *Error) Error() string { return fmt.Sprintf("column %d: %s", e.Col, e.Msg) }

// Parse parses a filter.
func Parse(src string) (Node, error) {
	toks, err := lex(src)
	if err != nil {
		return nil, err
	}
	p := &parser{toks: toks}
	n, err := p.expr(0)
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind != tokEOF {
		return nil, &Error{Col: t.col, Msg: fmt.Sprintf("unexpected %s after the end of the filter", t.describe())}
	}
	return n, nil
}

// maxDepth bounds nesting, so a hostile filter cannot exhaust the stack.
const maxDepth = 200

type parser struct {
	toks []token
	pos  int
}

func (p *parser) peek() token { return p.toks[p.pos] }

func (p *parser) next() token {
	t := p.toks[p.pos]
	if t.kind != tokEOF {
		p.pos++
	}
	return t
}

func (p *parser) expect(kind tokKind, what string) (token, error) {
	t := p.next()
	if t.kind != kind {
		return t, &Error{Col: t.col, Msg: fmt.Sprintf("expected %s, found %s", what, t.describe())}
	}
	return t, nil
}

func (p *parser) expr(depth int) (Node, error) {
	if depth > maxDepth {
		return nil, &Error{Col: p.peek().col, Msg: fmt.Sprintf("filter nested deeper than %d", maxDepth)}
	}
	t := p.next()
	if t.kind != tokIdent {
		return nil, &Error{Col: t.col, Msg: fmt.Sprintf("expected and, or, not, search or a comparator (%s), found %s", strings.Join(Comparators, ", "), t.describe())}
	}
	name := strings.ToLower(t.text)
	if _, err := p.expect(tokLParen, `"(" after `+t.text); err != nil {
		return nil, err
	}
	switch {
	case name == "and" || name == "or":
		n := &Logical{Op: name, Col: t.col}
		for {
			arg, err := p.expr(depth + 1)
			if err != nil {
				return nil, err
			}
			n.Args = append(n.Args, arg)
			sep := p.next()
			if sep.kind == tokRParen {
				return n, nil
			}
			if sep.kind != tokComma {
				return nil, &Error{Col: sep.col, Msg: fmt.Sprintf(`expected "," or ")" in %s(...), found %s`, name, sep.describe())}
			}
		}
	case name == "not":
		arg, err := p.expr(depth + 1)
		if err != nil {
			return nil, err
		}
		if _, err := p.expect(tokRParen, `")" closing not(...) (not takes one argument)`); err != nil {
			return nil, err
		}
		return &Not{Arg: arg, Col: t.col}, nil
	case name == "search" && p.peek().kind == tokString:
		s := p.next()
		if nt := p.peek(); nt.kind == tokRParen {
			p.next()
			return &Search{Text: s.text, Col: t.col}, nil
		}
		return nil, &Error{Col: p.peek().col, Msg: fmt.Sprintf(`expected ")" closing search("..."), found %s`, p.peek().describe())}
	case isComparator(name):
		attr, err := p.expect(tokIdent, "an attribute name")
		if err != nil {
			return nil, err
		}
		n := &Compare{Op: name, Attribute: attr.text, Col: t.col, AttrCol: attr.col}
		if _, err := p.expect(tokComma, `"," after the attribute`); err != nil {
			return nil, err
		}
		n.ValueCol = p.peek().col
		if n.Value, err = p.value(0); err != nil {
			return nil, err
		}
		if _, err := p.expect(tokRParen, fmt.Sprintf(`")" closing %s(...) (it takes an attribute and one value)`, name)); err != nil {
			return nil, err
		}
		return n, nil
	}
	return nil, &Error{Col: t.col, Msg: fmt.Sprintf("unknown operator %q; expected and, or, not, search or a comparator (%s)%s", t.text, strings.Join(Comparators, ", "), suggest(name))}
}

func (p *parser) value(depth int) (Value, error) {
	t := p.next()
	switch t.kind {
	case tokString:
		return Value{Kind: KindString, String: t.text}, nil
	case tokNumber:
		f, err := strconv.ParseFloat(t.text, 64)
		if err != nil {
			return Value{}, &Error{Col: t.col, Msg: fmt.Sprintf("bad number %q", t.text)}
		}
		return Value{Kind: KindNumber, Number: f}, nil
	case tokIdent:
		switch strings.ToLower(t.text) {
		case "true":
			return Value{Kind: KindBool, Bool: true}, nil
		case "false":
			return Value{Kind: KindBool}, nil
		case "null", "none":
			return Value{Kind: KindNull}, nil
		}
		return Value{}, &Error{Col: t.col, Msg: fmt.Sprintf("expected a value (a quoted string, a number, true, false, null or a [list]), found %s; quote text values", t.describe())}
	case tokLBrack:
		if depth > 0 {
			return Value{}, &Error{Col: t.col, Msg: "lists cannot be nested"}
		}
		v := Value{Kind: KindList}
		if p.peek().kind == tokRBrack {
			p.next()
			return v, nil
		}
		for {
			item, err := p.value(depth + 1)
			if err != nil {
				return Value{}, err
			}
			v.List = append(v.List, item)
			sep := p.next()
			if sep.kind == tokRBrack {
				return v, nil
			}
			if sep.kind != tokComma {
				return Value{}, &Error{Col: sep.col, Msg: fmt.Sprintf(`expected "," or "]" in a list, found %s`, sep.describe())}
			}
		}
	}
	return Value{}, &Error{Col: t.col, Msg: fmt.Sprintf("expected a value, found %s", t.describe())}
}

// suggest names the closest keyword when the name is a near miss
// (comparators first: they are the likelier typo).
func suggest(name string) string {
	return didYouMean(tracing.Suggest(name, append(slices.Clone(Comparators), "and", "or", "not")))
}

func didYouMean(s string) string {
	if s == "" {
		return ""
	}
	return fmt.Sprintf("; did you mean %q?", s)
}

type tokKind int

const (
	tokEOF tokKind = iota
	tokIdent
	tokString
	tokNumber
	tokLParen
	tokRParen
	tokLBrack
	tokRBrack
	tokComma
)

type token struct {
	kind tokKind
	text string // identifier, number text, or the string's value
	col  int    // 1-based, in characters
}

func (t token) describe() string {
	switch t.kind {
	case tokEOF:
		return "the end of the filter"
	case tokIdent:
		return fmt.Sprintf("%q", t.text)
	case tokString:
		return fmt.Sprintf("the string %q", t.text)
	case tokNumber:
		return "the number " + t.text
	case tokLParen:
		return `"("`
	case tokRParen:
		return `")"`
	case tokLBrack:
		return `"["`
	case tokRBrack:
		return `"]"`
	case tokComma:
		return `","`
	}
	return "?"
}

// lex splits a filter into tokens with their columns.
func lex(src string) ([]token, error) {
	var toks []token
	col := 1
	for i := 0; i < len(src); {
		r, size := utf8.DecodeRuneInString(src[i:])
		start := col
		switch {
		case r == utf8.RuneError && size == 1:
			return nil, &Error{Col: col, Msg: "the filter is not valid UTF-8"}
		case unicode.IsSpace(r):
			i += size
			col++
		case r == '(' || r == ')' || r == '[' || r == ']' || r == ',':
			kind := map[rune]tokKind{'(': tokLParen, ')': tokRParen, '[': tokLBrack, ']': tokRBrack, ',': tokComma}[r]
			toks = append(toks, token{kind: kind, text: string(r), col: start})
			i += size
			col++
		case r == '"' || r == '\'':
			text, n, chars, err := lexString(src[i:], r)
			if err != nil {
				return nil, &Error{Col: start, Msg: err.Error()}
			}
			toks = append(toks, token{kind: tokString, text: text, col: start})
			i += n
			col += chars
		case r == '-' || r == '+' || r == '.' || (r >= '0' && r <= '9'):
			j := i + size
			for j < len(src) && strings.ContainsRune("0123456789.eE+-", rune(src[j])) {
				j++
			}
			toks = append(toks, token{kind: tokNumber, text: src[i:j], col: start})
			col += j - i
			i = j
		case r == '_' || unicode.IsLetter(r):
			j := i + size
			chars := 1
			for j < len(src) {
				r2, s2 := utf8.DecodeRuneInString(src[j:])
				if r2 != '_' && r2 != '.' && r2 != '-' && !unicode.IsLetter(r2) && !unicode.IsDigit(r2) {
					break
				}
				j += s2
				chars++
			}
			toks = append(toks, token{kind: tokIdent, text: src[i:j], col: start})
			col += chars
			i = j
		default:
			return nil, &Error{Col: col, Msg: fmt.Sprintf("unexpected character %q", r)}
		}
	}
	return append(toks, token{kind: tokEOF, col: col}), nil
}

// lexString reads a quoted string starting at s[0] (the quote q): its value,
// its length in bytes and in characters. A backslash escapes the next
// character (\n and \t are a newline and a tab).
func lexString(s string, q rune) (string, int, int, error) {
	var b strings.Builder
	chars := 1
	for i := 1; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		chars++
		switch r {
		case q:
			return b.String(), i, chars, nil
		case '\\':
			if i >= len(s) {
				return "", 0, 0, fmt.Errorf("unterminated string")
			}
			e, es := utf8.DecodeRuneInString(s[i:])
			i += es
			chars++
			switch e {
			case 'n':
				b.WriteByte('\n')
			case 't':
				b.WriteByte('\t')
			default:
				b.WriteRune(e)
			}
		default:
			b.WriteRune(r)
		}
	}
	return "", 0, 0, fmt.Errorf("unterminated string: no closing %c", q)
}
