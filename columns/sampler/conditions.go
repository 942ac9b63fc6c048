package sampler

import (
	"fmt"
	"strings"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/parser"
	"github.com/expr-lang/expr/vm"

	"github.com/synthgen/synthgen/columns"
	"github.com/synthgen/synthgen/columns/value"
	"github.com/synthgen/synthgen/config"
)

// condition is one compiled entry of conditional_params.
type condition struct {
	src    string
	prog   *vm.Program
	names  []string // the row names the expression reads, in first-use order
	params drawer
	deps   []columns.Dep
}

// condition compiles cp's expression; it reports a diagnostic and returns
// false when the expression does not compile.
func (b *builder) condition(cp *config.ConditionalParams, d drawer) (*condition, bool) {
	tree, err := parser.Parse(cp.Condition)
	if err != nil {
		b.exprError(cp, err)
		return nil, false
	}
	prog, err := expr.Compile(cp.Condition, expr.AsBool())
	if err != nil {
		b.exprError(cp, err)
		return nil, false
	}
	c := &condition{src: cp.Condition, prog: prog, params: d, names: identifiers(tree.Node)}
	for _, n := range c.names {
		c.deps = append(c.deps, columns.Dep{Name: n, Pos: cp.Pos, Path: cp.Path})
	}
	return c, true
}

func (b *builder) exprError(cp *config.ConditionalParams, err error) {
	summary, detail, _ := strings.Cut(err.Error(), "\n")
	b.diags = append(b.diags, config.Diagnostic{
		Severity: config.Error, Pos: cp.Pos, Path: cp.Path,
		Summary: fmt.Sprintf("condition %q: %s", cp.Condition, summary),
		Detail:  detail,
	})
}

// identifiers returns the free variable names of an expression: identifiers
// that are not called as functions, not declared by `let`, and not $env.
func identifiers(root ast.Node) []string {
	v := &identVisitor{declared: map[string]bool{}, callees: map[ast.Node]bool{}, seen: map[string]bool{}}
	// First pass: declarations and callees, which may appear after (outside)
	// the identifiers they shadow in walk order.
	ast.Walk(&root, visitFunc(func(n *ast.Node) {
		switch x := (*n).(type) {
		case *ast.VariableDeclaratorNode:
			v.declared[x.Name] = true
		case *ast.CallNode:
			v.callees[x.Callee] = true
		}
	}))
	ast.Walk(&root, v)
	return v.names
}

type visitFunc func(n *ast.Node)

func (f visitFunc) Visit(n *ast.Node) { f(n) }

type identVisitor struct {
	declared map[string]bool
	callees  map[ast.Node]bool
	seen     map[string]bool
	names    []string
}

func (v *identVisitor) Visit(n *ast.Node) {
	id, ok := (*n).(*ast.IdentifierNode)
	if !ok || v.callees[*n] || v.declared[id.Value] || strings.HasPrefix(id.Value, "$") || v.seen[id.Value] {
		return
	}
	v.seen[id.Value] = true
	v.names = append(v.names, id.Value)
}

// holds evaluates the condition over the row's values of the names it reads.
func (c *condition) holds(row lookup) (bool, error) {
	env := make(map[string]any, len(c.names))
	for _, n := range c.names {
		v, _ := row.Get(n)
		env[n] = exprValue(v)
	}
	out, err := expr.Run(c.prog, env)
	if err != nil {
		return false, fmt.Errorf("condition %q: %w", c.src, err)
	}
	ok, _ := out.(bool)
	return ok, nil
}

// exprValue turns a cell value into what expressions navigate: objects
// become Go maps so `person.age` works.
func exprValue(v any) any {
	switch x := v.(type) {
	case *value.Map:
		m := make(map[string]any, x.Len())
		for _, k := range x.Keys() {
			e, _ := x.Get(k)
			m[k] = exprValue(e)
		}
		return m
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = exprValue(e)
		}
		return out
	}
	return v
}
