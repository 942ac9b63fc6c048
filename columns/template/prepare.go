package template

import (
	"errors"
	"fmt"
	"sort"

	controlStructures "github.com/nikolalohinski/gonja/v2/builtins/control_structures"
	"github.com/nikolalohinski/gonja/v2/nodes"
	"github.com/nikolalohinski/gonja/v2/tokens"

	"github.com/synthgen/synthgen/config"
)

// prepare walks a parsed template once, before it is shared:
//   - it collects the free variables (Refs), following Jinja2's scoping: a
//     {% for %} body, a macro body, {% with %} and a block {% set %} open a
//     scope; {% if %} does not; a name is bound from its {% set %} onwards;
//   - it wraps every printed expression, and both operands of ~, in
//     textFilter, so values print as text() says;
//   - it makes attribute and item access on nil give nil (see nilSafe);
//   - it rejects unknown filters and tests, with their position.
//
// Nothing else modifies the tree afterwards.
func prepare(root *nodes.Template) ([]string, error) {
	w := &walker{refs: map[string]bool{}, wrapped: map[*nodes.BinaryExpression]bool{}}
	w.push()
	w.nodes(root.Nodes)
	if w.err != nil {
		return nil, w.err
	}
	refs := make([]string, 0, len(w.refs))
	for name := range w.refs {
		refs = append(refs, name)
	}
	sort.Strings(refs)
	return refs, nil
}

type walker struct {
	scopes  []map[string]bool
	refs    map[string]bool
	wrapped map[*nodes.BinaryExpression]bool
	err     error // the first problem found
}

func (w *walker) push() { w.scopes = append(w.scopes, map[string]bool{}) }
func (w *walker) pop()  { w.scopes = w.scopes[:len(w.scopes)-1] }

func (w *walker) bind(names ...string) {
	for _, n := range names {
		if n != "" {
			w.scopes[len(w.scopes)-1][n] = true
		}
	}
}

func (w *walker) use(name string) {
	if builtinNames[name] {
		return
	}
	for i := len(w.scopes) - 1; i >= 0; i-- {
		if w.scopes[i][name] {
			return
		}
	}
	w.refs[name] = true
}

func (w *walker) fail(tok *tokens.Token, format string, args ...any) {
	if w.err != nil {
		return
	}
	msg := fmt.Sprintf(format, args...)
	if tok == nil {
		w.err = errors.New(msg)
		return
	}
	w.err = fmt.Errorf("line %d, column %d: %s", tok.Line, tok.Col, msg)
}

func (w *walker) nodes(list []nodes.Node) {
	for _, n := range list {
		w.node(n)
	}
}

// scoped walks a body in a new scope where names are bound.
func (w *walker) scoped(body *nodes.Wrapper, names ...string) {
	if body == nil {
		return
	}
	w.push()
	w.bind(names...)
	w.nodes(body.Nodes)
	w.pop()
}

func (w *walker) node(n nodes.Node) {
	switch n := n.(type) {
	case nil, *nodes.Data, *nodes.Comment:
	case *nodes.Output:
		w.expr(n.Expression)
		w.expr(n.Condition)
		w.expr(n.Alternative)
		n.Expression = printed(n.Expression)
		if n.Alternative != nil {
			n.Alternative = printed(n.Alternative)
		}
	case *nodes.ControlStructureBlock:
		w.tag(n)
	case *nodes.Wrapper:
		w.nodes(n.Nodes)
	default:
		w.fail(n.Position(), "unsupported template element %T", n)
	}
}

func (w *walker) tag(block *nodes.ControlStructureBlock) {
	switch t := block.ControlStructure.(type) {
	case *controlStructures.IfControlStructure:
		for i, body := range t.Wrappers {
			if i < len(t.Conditions) {
				w.expr(t.Conditions[i])
			}
			w.nodes(body.Nodes) // {% if %} opens no scope: a set inside stays visible
		}
	case *controlStructures.ForControlStructure:
		if t.Recursive {
			w.fail(block.Location, "recursive for loops are not supported")
		}
		w.expr(t.ObjectEvaluator)
		w.push()
		w.bind(t.Key, t.Value, "loop")
		w.expr(t.IfCondition)
		w.nodes(t.BodyWrapper.Nodes)
		w.pop()
		w.scoped(t.EmptyWrapper)
	case *macroTag:
		w.bind(t.Name)
		params := []string{t.Name, t.VarArgsName, t.KwArgsName, "varargs", "kwargs", "caller"}
		for _, p := range t.Kwargs {
			w.expr(p.Value)
			if s, ok := p.Key.(*nodes.String); ok {
				params = append(params, s.Val)
			}
		}
		w.scoped(t.Wrapper, params...)
	case *controlStructures.CallControlStructure:
		w.expr(t.Call)
		w.scoped(t.Body)
	case *controlStructures.AutoescapeControlStructure:
		w.scoped(t.Wrapper)
	case *controlStructures.DoControlStructure:
		w.expr(t.Expression)
	case *controlStructures.RawControlStructure, *controlStructures.BreakControlStructure,
		*controlStructures.ContinueControlStructure:
	case *setTag:
		if t.Body != nil {
			w.scoped(t.Body)
		}
		w.expr(t.Expression)
		w.expr(t.Condition)
		w.expr(t.Alternative)
		switch target := t.Target.(type) {
		case *nodes.Name:
			w.bind(target.Name.Val)
		case *nodes.GetAttribute:
			w.expr(target.Node)
		case *nodes.GetItem:
			w.expr(target.Node)
			w.expr(target.Arg)
		}
	case *withTag:
		for _, v := range t.Values {
			w.expr(v)
		}
		w.scoped(t.Body, t.Names...)
	case *filterTag:
		for _, call := range t.Filters {
			w.filterCall(call)
		}
		w.scoped(t.Body)
	default:
		w.fail(block.Location, "the %s tag is not supported", block.Name)
	}
}

func (w *walker) filterCall(call *nodes.FilterCall) {
	if !environment.Filters.Exists(call.Name) {
		w.fail(call.Token, "unknown filter %q%s", call.Name, config.DidYouMean(call.Name, knownFilters()))
	}
	w.exprs(call.Args)
	for _, k := range sortedKeys(call.Kwargs) {
		w.expr(call.Kwargs[k])
	}
}

func (w *walker) exprs(list []nodes.Expression) {
	for _, e := range list {
		w.expr(e)
	}
}

func (w *walker) expr(e nodes.Node) {
	switch e := e.(type) {
	case nil, *nodes.String, *nodes.Integer, *nodes.Float, *nodes.Bool, *nodes.None, *nodes.Error:
	case *nodes.Name:
		w.use(e.Name.Val)
	case *nodes.List:
		w.exprs(e.Val)
	case *nodes.Tuple:
		w.exprs(e.Val)
	case *nodes.Dict:
		for _, p := range e.Pairs {
			w.expr(p.Key)
			w.expr(p.Value)
		}
	case *nodes.Pair:
		w.expr(e.Key)
		w.expr(e.Value)
	case *nodes.Call:
		// e.Parent, when set, is the object of a method call and already
		// part of e.Func (m in m.items()).
		w.expr(e.Func)
		w.exprs(e.Args)
		for _, k := range sortedKeys(e.Kwargs) {
			w.expr(e.Kwargs[k])
		}
	case *nodes.GetItem:
		w.expr(e.Node)
		w.expr(e.Arg)
		e.Node = nilSafe(e.Node)
	case *nodes.GetSlice:
		w.expr(e.Node)
		w.expr(e.Start)
		w.expr(e.End)
		w.expr(e.Step)
	case *nodes.GetAttribute:
		w.expr(e.Node)
		e.Node = nilSafe(e.Node)
	case *nodes.Negation:
		w.expr(e.Term)
	case *nodes.UnaryExpression:
		w.expr(e.Term)
	case *nodes.BinaryExpression:
		w.expr(e.Left)
		w.expr(e.Right)
		if e.Operator != nil && e.Operator.Token.Type == tokens.Tilde && !w.wrapped[e] {
			w.wrapped[e] = true
			e.Left, e.Right = printed(e.Left), printed(e.Right)
		}
	case *nodes.FilteredExpression:
		w.expr(e.Expression)
		for _, call := range e.Filters {
			w.filterCall(call)
		}
	case *nodes.TestExpression:
		w.expr(e.Expression)
		if !environment.Tests.Exists(e.Test.Name) {
			w.fail(e.Test.Token, "unknown test %q", e.Test.Name)
		}
		w.exprs(e.Test.Args)
		for _, k := range sortedKeys(e.Test.Kwargs) {
			w.expr(e.Test.Kwargs[k])
		}
	default:
		w.fail(e.Position(), "unsupported expression %s", e)
	}
}

// nilSafe wraps the object of an attribute or item access in absentFilter,
// so that a.b renders empty when a is nil or undefined, as Jinja2 does for
// None (gonja fails).
func nilSafe(e nodes.Node) nodes.Node {
	if f, ok := e.(*nodes.FilteredExpression); ok && len(f.Filters) == 1 && f.Filters[0].Name == absentFilter {
		return e // already wrapped
	}
	return &nodes.FilteredExpression{
		Expression: e,
		Filters:    []*nodes.FilterCall{{Token: e.Position(), Name: absentFilter}},
	}
}

// printed wraps e in textFilter.
func printed(e nodes.Expression) nodes.Expression {
	return &nodes.FilteredExpression{
		Expression: e,
		Filters:    []*nodes.FilterCall{{Token: e.Position(), Name: textFilter}},
	}
}

func sortedKeys(m map[string]nodes.Expression) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// filterNames are candidates for "did you mean" (Jinja2's builtin filters).
var filterNames = []string{
	"abs", "attr", "batch", "capitalize", "center", "count", "d", "default", "dictsort", "e", "escape",
	"filesizeformat", "first", "float", "forceescape", "format", "groupby", "indent", "int", "items", "join",
	"last", "length", "list", "lower", "map", "max", "min", "pprint", "random", "reject", "rejectattr",
	"replace", "reverse", "round", "safe", "select", "selectattr", "slice", "sort", "string", "striptags",
	"sum", "title", "tojson", "trim", "truncate", "unique", "upper", "urlencode", "urlize", "wordcount",
	"wordwrap", "xmlattr",
}

func knownFilters() []string {
	var out []string
	for _, n := range filterNames {
		if environment.Filters.Exists(n) {
			out = append(out, n)
		}
	}
	return out
}
