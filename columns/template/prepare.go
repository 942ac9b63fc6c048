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
//   - it replaces every /, // and % by a call of arithFilter, which computes
//     them as Python does (see arithmetic);
//   - it makes attribute and item access on nil give nil (see nilSafe);
//   - it rejects unknown filters and tests, with their position.
//
// Nothing else modifies the tree afterwards.
func prepare(root *nodes.Template) ([]string, error) {
	w := &walker{refs: map[string]bool{}, done: map[*nodes.BinaryExpression]nodes.Expression{}}
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
	scopes []map[string]bool
	refs   map[string]bool
	// done maps every binary expression already walked to what replaces it
	// in the tree (itself, or an arithFilter call), so that one reached
	// twice is rewritten once.
	done map[*nodes.BinaryExpression]nodes.Expression
	err  error // the first problem found
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
		n.Expression = w.expr(n.Expression)
		n.Condition = w.expr(n.Condition)
		n.Alternative = w.expr(n.Alternative)
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
				t.Conditions[i] = w.expr(t.Conditions[i])
			}
			w.nodes(body.Nodes) // {% if %} opens no scope: a set inside stays visible
		}
	case *controlStructures.ForControlStructure:
		if t.Recursive {
			w.fail(block.Location, "recursive for loops are not supported")
		}
		t.ObjectEvaluator = w.expr(t.ObjectEvaluator)
		w.push()
		w.bind(t.Key, t.Value, "loop")
		t.IfCondition = w.expr(t.IfCondition)
		w.nodes(t.BodyWrapper.Nodes)
		w.pop()
		w.scoped(t.EmptyWrapper)
	case *macroTag:
		w.bind(t.Name)
		params := []string{t.Name, t.VarArgsName, t.KwArgsName, "varargs", "kwargs", "caller"}
		for _, p := range t.Kwargs {
			p.Value = w.expr(p.Value)
			if s, ok := p.Key.(*nodes.String); ok {
				params = append(params, s.Val)
			}
		}
		w.scoped(t.Wrapper, params...)
	case *controlStructures.CallControlStructure:
		w.call(t.Call)
		w.scoped(t.Body)
	case *controlStructures.AutoescapeControlStructure:
		w.scoped(t.Wrapper)
	case *controlStructures.DoControlStructure:
		t.Expression = w.expr(t.Expression)
	case *controlStructures.RawControlStructure, *controlStructures.BreakControlStructure,
		*controlStructures.ContinueControlStructure:
	case *setTag:
		if t.Body != nil {
			w.scoped(t.Body)
		}
		t.Expression = w.expr(t.Expression)
		t.Condition = w.expr(t.Condition)
		t.Alternative = w.expr(t.Alternative)
		switch target := t.Target.(type) {
		case *nodes.Name:
			w.bind(target.Name.Val)
		case *nodes.GetAttribute:
			target.Node = w.exprNode(target.Node)
		case *nodes.GetItem:
			target.Node = w.exprNode(target.Node)
			target.Arg = w.exprNode(target.Arg)
		}
	case *withTag:
		for i, v := range t.Values {
			t.Values[i] = w.expr(v)
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
	w.kwargs(call.Kwargs)
}

// exprs walks the expressions of list, replacing them in place.
func (w *walker) exprs(list []nodes.Expression) {
	for i, e := range list {
		list[i] = w.expr(e)
	}
}

// kwargs walks the values of m, replacing them in place.
func (w *walker) kwargs(m map[string]nodes.Expression) {
	for _, k := range sortedKeys(m) {
		m[k] = w.expr(m[k])
	}
}

// call walks a call expression.
func (w *walker) call(e *nodes.Call) {
	if e == nil {
		return
	}
	e.Func = w.exprNode(e.Func)
	w.exprs(e.Args)
	w.kwargs(e.Kwargs)
	// e.Parent, when set, is the object of a method call (m in m.items()),
	// which gonja evaluates again for methods: it is the object of e.Func,
	// walked above, so it takes that object's replacement.
	if ga, ok := e.Func.(*nodes.GetAttribute); ok && e.Parent != nil {
		e.Parent = unwrapNilSafe(ga.Node)
	}
}

// exprNode is expr for the fields that gonja types as nodes.Node.
func (w *walker) exprNode(n nodes.Node) nodes.Node {
	if n == nil {
		return nil
	}
	e, ok := n.(nodes.Expression)
	if !ok {
		w.fail(n.Position(), "unsupported expression %s", n)
		return n
	}
	return w.expr(e)
}

// expr walks an expression and returns what replaces it in the tree: e
// itself, modified in place, or a rewrite of it.
func (w *walker) expr(e nodes.Expression) nodes.Expression {
	switch e := e.(type) {
	case nil:
		return nil
	case *nodes.String, *nodes.Integer, *nodes.Float, *nodes.Bool, *nodes.None, *nodes.Error:
	case *nodes.Name:
		w.use(e.Name.Val)
	case *nodes.List:
		w.exprs(e.Val)
	case *nodes.Tuple:
		w.exprs(e.Val)
	case *nodes.Dict:
		for _, p := range e.Pairs {
			p.Key = w.expr(p.Key)
			p.Value = w.expr(p.Value)
		}
	case *nodes.Pair:
		e.Key = w.expr(e.Key)
		e.Value = w.expr(e.Value)
	case *nodes.Call:
		w.call(e)
	case *nodes.GetItem:
		e.Node = nilSafe(w.exprNode(e.Node))
		e.Arg = w.exprNode(e.Arg)
	case *nodes.GetSlice:
		e.Node = w.exprNode(e.Node)
		e.Start = w.exprNode(e.Start)
		e.End = w.exprNode(e.End)
		e.Step = w.exprNode(e.Step)
	case *nodes.GetAttribute:
		e.Node = nilSafe(w.exprNode(e.Node))
	case *nodes.Negation:
		e.Term = w.expr(e.Term)
	case *nodes.UnaryExpression:
		e.Term = w.expr(e.Term)
	case *nodes.BinaryExpression:
		return w.binary(e)
	case *nodes.FilteredExpression:
		e.Expression = w.expr(e.Expression)
		for _, call := range e.Filters {
			w.filterCall(call)
		}
	case *nodes.TestExpression:
		e.Expression = w.expr(e.Expression)
		if !environment.Tests.Exists(e.Test.Name) {
			w.fail(e.Test.Token, "unknown test %q", e.Test.Name)
		}
		w.exprs(e.Test.Args)
		w.kwargs(e.Test.Kwargs)
	default:
		w.fail(e.Position(), "unsupported expression %s", e)
	}
	return e
}

// binary walks a binary expression: both operands of ~ print as text(), and
// /, // and % become a call of arithFilter.
func (w *walker) binary(e *nodes.BinaryExpression) nodes.Expression {
	if r, ok := w.done[e]; ok {
		return r
	}
	w.done[e] = e
	e.Left = w.expr(e.Left)
	e.Right = w.expr(e.Right)
	if e.Operator == nil || e.Operator.Token == nil {
		return e
	}
	var r nodes.Expression = e
	switch e.Operator.Token.Type {
	case tokens.Tilde:
		e.Left, e.Right = printed(e.Left), printed(e.Right)
	case tokens.Division, tokens.FloorDivision, tokens.Modulo:
		r = arithmetic(e)
	}
	w.done[e] = r
	return r
}

// nilSafe wraps the object of an attribute or item access in absentFilter,
// so that a.b renders empty when a is nil or undefined, as Jinja2 does for
// None (gonja fails).
func nilSafe(e nodes.Node) nodes.Node {
	if e == nil || unwrapNilSafe(e) != e {
		return e // nothing to wrap, or already wrapped
	}
	return &nodes.FilteredExpression{
		Expression: e,
		Filters:    []*nodes.FilterCall{{Token: e.Position(), Name: absentFilter}},
	}
}

// unwrapNilSafe returns the expression nilSafe wrapped, or e.
func unwrapNilSafe(e nodes.Node) nodes.Node {
	if f, ok := e.(*nodes.FilteredExpression); ok && len(f.Filters) == 1 && f.Filters[0].Name == absentFilter {
		return f.Expression
	}
	return e
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
