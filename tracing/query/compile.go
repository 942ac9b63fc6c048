package query

import (
	"fmt"
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/vm"

	"github.com/synthgen/synthgen/tracing"
)

// Record is what a filter is evaluated against: a span and the key/value
// entries the language addresses in pairs.
type Record struct {
	Span tracing.Span
	// Metadata are the row's sampler and seed values (metadata_key /
	// metadata_value); Feedback the judge scores ("<judge column>.<score
	// name>") and review labels (feedback_key / feedback_score); Inputs and
	// Outputs the flattened message JSON (input_key / input_value, ...).
	Metadata, Inputs, Outputs []KV
	Feedback                  []Score
}

// KV is one key/value entry.
type KV struct {
	Key   string
	Value any
}

// Score is one feedback entry.
type Score struct {
	Key   string
	Score float64
}

// Filter is a compiled filter; Match is safe for concurrent use.
type Filter struct {
	prog *vm.Program
	// Source is the expr-lang program built from the AST (for --explain and
	// tests); the user's text is never rewritten into it.
	Source string
	// beyondSpan: the filter reads feedback, inputs or outputs, or searches
	// every string: a Record needs more than its span and metadata.
	beyondSpan bool
}

// BeyondSpan says whether the filter reads feedback_*, input_* or output_*
// attributes or is a search of every field; when false, a Record holding
// only the span and its row's metadata gives the same result, so a caller
// may skip reading the row's data.
func (f *Filter) BeyondSpan() bool { return f != nil && f.beyondSpan }

func beyondSpan(n Node) bool {
	switch t := n.(type) {
	case *Logical:
		for _, a := range t.Args {
			if beyondSpan(a) {
				return true
			}
		}
	case *Not:
		return beyondSpan(t.Arg)
	case *Search:
		return true
	case *Compare:
		for _, p := range []string{"feedback_", "input_", "output_"} {
			if strings.HasPrefix(t.Attribute, p) {
				return true
			}
		}
	}
	return false
}

// Compile parses and compiles a filter once.
func Compile(src string) (*Filter, error) {
	n, err := Parse(src)
	if err != nil {
		return nil, err
	}
	return CompileNode(n)
}

// CompileNode compiles a parsed filter into an expr-lang program.
func CompileNode(n Node) (*Filter, error) {
	code, err := gen(n)
	if err != nil {
		return nil, err
	}
	prog, err := expr.Compile(code, expr.Env(env{}), expr.AsBool())
	if err != nil {
		// The generator only writes what it knows compiles: a bug.
		return nil, fmt.Errorf("query: compiling %q: %w", code, err)
	}
	return &Filter{prog: prog, Source: code, beyondSpan: beyondSpan(n)}, nil
}

// Match reports whether r passes the filter.
func (f *Filter) Match(r *Record) (bool, error) {
	out, err := expr.Run(f.prog, newEnv(r))
	if err != nil {
		return false, err
	}
	return out.(bool), nil
}

// env is the expr environment of one record: the span's fields by their
// query names, µs timestamps, and the entry lists.
type env struct {
	ID               string   `expr:"id"`
	TraceID          string   `expr:"trace_id"`
	ParentID         string   `expr:"parent_id"`
	RunType          string   `expr:"run_type"`
	Name             string   `expr:"name"`
	Row              int64    `expr:"row"`
	Column           string   `expr:"column"`
	StartTime        int64    `expr:"start_time"` // µs since the Unix epoch
	EndTime          int64    `expr:"end_time"`
	Latency          float64  `expr:"latency"`
	Status           string   `expr:"status"`
	Error            string   `expr:"error"`
	PromptTokens     int64    `expr:"prompt_tokens"`
	CompletionTokens int64    `expr:"completion_tokens"`
	ReasoningTokens  int64    `expr:"reasoning_tokens"`
	TotalTokens      int64    `expr:"total_tokens"`
	Model            string   `expr:"model"`
	Provider         string   `expr:"provider"`
	FinishReason     string   `expr:"finish_reason"`
	Attempt          int64    `expr:"attempt"`
	Tags             []string `expr:"tags"`
	Metadata         []entry  `expr:"metadata"`
	Feedback         []entry  `expr:"feedback"`
	Inputs           []entry  `expr:"inputs"`
	Outputs          []entry  `expr:"outputs"`
	// Text is every string field, for search("x") alone.
	Text []string `expr:"text"`
}

// entry is a key/value entry; Value is a string, a float64, a bool or nil,
// Str its text for like/search.
type entry struct {
	Key   string  `expr:"key"`
	Value any     `expr:"value"`
	Str   string  `expr:"str"`
	Num   float64 `expr:"num"`
	IsNum bool    `expr:"isnum"`
}

func newEnv(r *Record) env {
	s := r.Span
	e := env{ID: s.ID, TraceID: s.TraceID, ParentID: s.ParentID, RunType: s.RunType, Name: s.Name, Row: s.Row,
		Column: s.Column, StartTime: s.StartTime.UnixMicro(), EndTime: s.EndTime.UnixMicro(), Latency: s.Latency,
		Status: s.Status, Error: s.Error, PromptTokens: s.PromptTokens, CompletionTokens: s.CompletionTokens,
		ReasoningTokens: s.ReasoningTokens, TotalTokens: s.TotalTokens, Model: s.Model, Provider: s.Provider,
		FinishReason: s.FinishReason, Attempt: s.Attempt, Tags: s.Tags,
		Metadata: entries(r.Metadata), Inputs: entries(r.Inputs), Outputs: entries(r.Outputs)}
	for _, f := range r.Feedback {
		e.Feedback = append(e.Feedback, entry{Key: f.Key, Value: f.Score, Num: f.Score, IsNum: true, Str: strconv.FormatFloat(f.Score, 'g', -1, 64)})
	}
	e.Text = []string{s.Name, s.Column, s.RunType, s.Status, s.Error, s.Model, s.Provider, s.FinishReason}
	e.Text = append(e.Text, s.Tags...)
	for _, l := range [][]entry{e.Metadata, e.Inputs, e.Outputs} {
		for _, x := range l {
			e.Text = append(e.Text, x.Str)
		}
	}
	return e
}

func entries(kvs []KV) []entry {
	out := make([]entry, len(kvs))
	for i, kv := range kvs {
		x := entry{Key: kv.Key, Value: kv.Value}
		switch v := kv.Value.(type) {
		case string:
			x.Str = v
		case float64:
			x.Num, x.IsNum, x.Str = v, true, strconv.FormatFloat(v, 'g', -1, 64)
		case int64:
			x.Num, x.IsNum, x.Str = float64(v), true, strconv.FormatInt(v, 10)
		case int:
			x.Num, x.IsNum, x.Str = float64(v), true, strconv.Itoa(v)
		case bool:
			x.Str = strconv.FormatBool(v)
		case nil:
		default:
			x.Str = fmt.Sprint(v)
		}
		out[i] = x
	}
	return out
}

// attrKind is how an attribute compares.
type attrKind int

const (
	attrString attrKind = iota
	attrNumber
	attrTime
	attrDuration
	attrList
)

var attributes = map[string]attrKind{
	"id": attrString, "trace_id": attrString, "parent_id": attrString, "run_type": attrString, "name": attrString,
	"row": attrNumber, "column": attrString, "start_time": attrTime, "end_time": attrTime, "latency": attrDuration,
	"status": attrString, "error": attrString, "prompt_tokens": attrNumber, "completion_tokens": attrNumber,
	"reasoning_tokens": attrNumber, "total_tokens": attrNumber, "model": attrString, "provider": attrString,
	"finish_reason": attrString, "attempt": attrNumber, "tags": attrList,
}

// pairs are the key/value attribute families: prefix → (entry list, the
// value field's name in the language).
var pairs = map[string]struct{ list, value string }{
	"metadata": {"metadata", "metadata_value"},
	"feedback": {"feedback", "feedback_score"},
	"input":    {"inputs", "input_value"},
	"output":   {"outputs", "output_value"},
}

// pairOf returns the family of a key/value attribute and whether it is
// the key ("metadata_key") or the value ("metadata_value").
func pairOf(attr string) (family string, isKey, ok bool) {
	for fam, p := range pairs {
		switch attr {
		case fam + "_key":
			return fam, true, true
		case p.value:
			return fam, false, true
		}
	}
	return "", false, false
}

func gen(n Node) (string, error) {
	switch n := n.(type) {
	case *Search:
		return fmt.Sprintf("any(text, {lower(#) contains %s})", strconv.Quote(strings.ToLower(n.Text))), nil
	case *Not:
		inner, err := gen(n.Arg)
		if err != nil {
			return "", err
		}
		return "not (" + inner + ")", nil
	case *Logical:
		return genLogical(n)
	case *Compare:
		if fam, _, ok := pairOf(n.Attribute); ok {
			return genPairs(fam, []*Compare{n})
		}
		return genCompare(n)
	}
	return "", fmt.Errorf("query: unknown node %T", n)
}

// genLogical joins the arguments; inside and(...), comparisons on one
// key/value family refer to the same entry.
func genLogical(n *Logical) (string, error) {
	var parts []string
	groups := map[string][]*Compare{}
	var order []string
	for _, a := range n.Args {
		if c, ok := a.(*Compare); ok && n.Op == "and" {
			if fam, _, ok := pairOf(c.Attribute); ok {
				if groups[fam] == nil {
					order = append(order, fam)
				}
				groups[fam] = append(groups[fam], c)
				continue
			}
		}
		s, err := gen(a)
		if err != nil {
			return "", err
		}
		parts = append(parts, "("+s+")")
	}
	for _, fam := range order {
		s, err := genPairs(fam, groups[fam])
		if err != nil {
			return "", err
		}
		parts = append(parts, "("+s+")")
	}
	op := " && "
	if n.Op == "or" {
		op = " || "
	}
	return strings.Join(parts, op), nil
}

// genPairs compiles comparisons on one key/value family that refer to the
// same entry: any entry satisfies them all. neq on the key means no entry
// has that key (and then the value comparisons apply to no entry).
func genPairs(fam string, cs []*Compare) (string, error) {
	p := pairs[fam]
	var conds, noKeys []string
	for _, c := range cs {
		_, isKey, _ := pairOf(c.Attribute)
		if isKey {
			if c.Op == "neq" {
				if c.Value.Kind != KindString {
					return "", &Error{Col: c.ValueCol, Msg: c.Attribute + " takes a string"}
				}
				noKeys = append(noKeys, fmt.Sprintf("none(%s, {.key == %s})", p.list, strconv.Quote(c.Value.String)))
				continue
			}
			s, err := stringCompare(".key", c)
			if err != nil {
				return "", err
			}
			conds = append(conds, s)
			continue
		}
		s, err := valueCompare(c)
		if err != nil {
			return "", err
		}
		conds = append(conds, s)
	}
	var out []string
	if len(conds) > 0 {
		out = append(out, fmt.Sprintf("any(%s, {%s})", p.list, strings.Join(conds, " && ")))
	}
	out = append(out, noKeys...)
	return strings.Join(out, " && "), nil
}

// valueCompare compares an entry's value: numbers as numbers, else text.
func valueCompare(c *Compare) (string, error) {
	switch c.Value.Kind {
	case KindNumber:
		op, ok := numOps[c.Op]
		if !ok {
			return "", opError(c, "a number")
		}
		return fmt.Sprintf(".isnum && .num %s %s", op, num(c.Value.Number)), nil
	case KindNull:
		switch c.Op {
		case "eq":
			return ".value == nil", nil
		case "neq":
			return ".value != nil", nil
		}
		return "", opError(c, "null")
	case KindBool:
		if c.Op != "eq" && c.Op != "neq" {
			return "", opError(c, "true/false")
		}
		return fmt.Sprintf(".value %s %t", numOps[c.Op], c.Value.Bool), nil
	}
	return stringCompare(".str", c)
}

var numOps = map[string]string{"eq": "==", "neq": "!=", "gt": ">", "gte": ">=", "lt": "<", "lte": "<="}

func num(f float64) string {
	if f == math.Trunc(f) && math.Abs(f) < 1e15 {
		return strconv.FormatFloat(f, 'f', 1, 64)
	}
	return strconv.FormatFloat(f, 'g', -1, 64)
}

func opError(c *Compare, what string) error {
	return &Error{Col: c.Col, Msg: fmt.Sprintf("%s(%s, …) cannot compare with %s", c.Op, c.Attribute, what)}
}

// stringCompare compares a string-valued expression with c's value.
func stringCompare(lhs string, c *Compare) (string, error) {
	switch c.Op {
	case "eq", "neq":
		if c.Value.Kind == KindNull {
			return lhs + map[string]string{"eq": ` == ""`, "neq": ` != ""`}[c.Op], nil
		}
		if c.Value.Kind != KindString {
			return "", &Error{Col: c.ValueCol, Msg: fmt.Sprintf("%s compares with a quoted string", c.Attribute)}
		}
		return fmt.Sprintf("%s %s %s", lhs, numOps[c.Op], strconv.Quote(c.Value.String)), nil
	case "gt", "gte", "lt", "lte":
		if c.Value.Kind != KindString {
			return "", &Error{Col: c.ValueCol, Msg: fmt.Sprintf("%s compares with a quoted string", c.Attribute)}
		}
		return fmt.Sprintf("%s %s %s", lhs, numOps[c.Op], strconv.Quote(c.Value.String)), nil
	case "like":
		if c.Value.Kind != KindString {
			return "", &Error{Col: c.ValueCol, Msg: "like takes a quoted pattern (% any run, _ one character)"}
		}
		return fmt.Sprintf("%s matches %s", lhs, strconv.Quote(likeRegexp(c.Value.String))), nil
	case "search":
		if c.Value.Kind != KindString {
			return "", &Error{Col: c.ValueCol, Msg: "search takes a quoted string"}
		}
		return fmt.Sprintf("lower(%s) contains %s", lhs, strconv.Quote(strings.ToLower(c.Value.String))), nil
	case "in":
		if c.Value.Kind != KindList {
			return "", &Error{Col: c.ValueCol, Msg: "in takes a [list]"}
		}
		items := make([]string, 0, len(c.Value.List))
		for _, v := range c.Value.List {
			if v.Kind != KindString {
				return "", &Error{Col: c.ValueCol, Msg: fmt.Sprintf("in(%s, …) takes a list of quoted strings", c.Attribute)}
			}
			items = append(items, strconv.Quote(v.String))
		}
		return fmt.Sprintf("%s in [%s]", lhs, strings.Join(items, ", ")), nil
	case "exists":
		want := c.Value.Kind != KindBool || c.Value.Bool
		if want {
			return lhs + ` != ""`, nil
		}
		return lhs + ` == ""`, nil
	case "has":
		return "", opError(c, "has (it applies to tags)")
	}
	return "", opError(c, "this operator")
}

// likeRegexp turns a SQL LIKE pattern into an anchored regular expression.
func likeRegexp(p string) string {
	var b strings.Builder
	b.WriteString("^(?s)")
	for _, r := range p {
		switch r {
		case '%':
			b.WriteString(".*")
		case '_':
			b.WriteString(".")
		default:
			b.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	b.WriteString("$")
	return b.String()
}

func genCompare(c *Compare) (string, error) {
	kind, ok := attributes[c.Attribute]
	if !ok {
		return "", &Error{Col: c.AttrCol, Msg: fmt.Sprintf("unknown attribute %q%s", c.Attribute, suggestAttr(c.Attribute))}
	}
	attr := c.Attribute
	switch kind {
	case attrList: // tags
		switch c.Op {
		case "has", "eq":
			if c.Value.Kind != KindString {
				return "", &Error{Col: c.ValueCol, Msg: "tags hold strings: quote the tag"}
			}
			return fmt.Sprintf("%s in tags", strconv.Quote(c.Value.String)), nil
		case "neq":
			return fmt.Sprintf("%s not in tags", strconv.Quote(c.Value.String)), nil
		case "exists":
			return "len(tags) > 0", nil
		}
		return "", opError(c, "a list attribute (use has)")
	case attrNumber, attrDuration, attrTime:
		op, isNum := numOps[c.Op]
		if c.Op == "in" && c.Value.Kind == KindList && kind == attrNumber {
			items := make([]string, 0, len(c.Value.List))
			for _, v := range c.Value.List {
				if v.Kind != KindNumber {
					return "", &Error{Col: c.ValueCol, Msg: fmt.Sprintf("in(%s, …) takes a list of numbers", attr)}
				}
				items = append(items, num(v.Number))
			}
			return fmt.Sprintf("%s in [%s]", attr, strings.Join(items, ", ")), nil
		}
		if !isNum {
			return "", opError(c, "this operator")
		}
		v, err := numericValue(kind, c)
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("%s %s %s", attr, op, v), nil
	}
	return stringCompare(attr, c)
}

// numericValue is c's value as a number of the attribute's unit: seconds
// for latency (a number or a duration string), µs since the epoch for times
// (ISO-8601).
func numericValue(kind attrKind, c *Compare) (string, error) {
	v := c.Value
	switch kind {
	case attrDuration:
		if v.Kind == KindNumber {
			return num(v.Number), nil
		}
		if v.Kind == KindString {
			d, err := time.ParseDuration(v.String)
			if err != nil {
				return "", &Error{Col: c.ValueCol, Msg: fmt.Sprintf("%s takes seconds or a duration such as \"5s\" or \"250ms\": %q", c.Attribute, v.String)}
			}
			return num(d.Seconds()), nil
		}
	case attrTime:
		if v.Kind == KindString {
			for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02"} {
				if t, err := time.Parse(layout, v.String); err == nil {
					return strconv.FormatInt(t.UnixMicro(), 10), nil
				}
			}
			return "", &Error{Col: c.ValueCol, Msg: fmt.Sprintf("%s takes an ISO-8601 time such as \"2026-11-21T10:00:00Z\": %q", c.Attribute, v.String)}
		}
	default:
		if v.Kind == KindNumber {
			return num(v.Number), nil
		}
	}
	return "", &Error{Col: c.ValueCol, Msg: fmt.Sprintf("%s compares with a number", c.Attribute)}
}

func suggestAttr(name string) string {
	cands := []string{"metadata_key", "metadata_value", "feedback_key", "feedback_score", "input_key", "input_value", "output_key", "output_value"}
	for a := range attributes {
		cands = append(cands, a)
	}
	sort.Strings(cands) // ties resolve the same way every time
	return didYouMean(tracing.Suggest(name, cands))
}
