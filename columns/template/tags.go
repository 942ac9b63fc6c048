package template

// The set, with and filter tags are parsed here instead of by gonja: gonja's
// versions keep their parts in unexported fields, and Refs must see every
// expression and body of the tree. Execution matches gonja's. The macro tag
// wraps gonja's to bound recursion.

import (
	"bytes"
	"fmt"
	"io"
	"strings"

	controlStructures "github.com/nikolalohinski/gonja/v2/builtins/control_structures"
	"github.com/nikolalohinski/gonja/v2/exec"
	"github.com/nikolalohinski/gonja/v2/nodes"
	"github.com/nikolalohinski/gonja/v2/parser"
	"github.com/nikolalohinski/gonja/v2/tokens"
)

// setTag is {% set target = expr [if cond else alt] %} or
// {% set target %}body{% endset %}.
type setTag struct {
	Location    *tokens.Token
	Target      nodes.Expression // *nodes.Name, *nodes.GetAttribute or *nodes.GetItem
	Expression  nodes.Expression
	Condition   nodes.Expression
	Alternative nodes.Expression
	Body        *nodes.Wrapper
}

func (s *setTag) Position() *tokens.Token { return s.Location }
func (s *setTag) String() string {
	return fmt.Sprintf("setTag(Line=%d Col=%d)", s.Location.Line, s.Location.Col)
}

func (s *setTag) Execute(r *exec.Renderer, _ *nodes.ControlStructureBlock) error {
	var v *exec.Value
	switch {
	case s.Body != nil:
		var buf bytes.Buffer
		sub := r.Inherit()
		sub.Output = &buf
		if err := sub.ExecuteWrapper(s.Body); err != nil {
			return err
		}
		v = exec.AsSafeValue(buf.String())
	case s.Condition != nil:
		cond := r.Eval(s.Condition)
		if cond.IsError() {
			return cond
		}
		if cond.IsTrue() {
			v = r.Eval(s.Expression)
		} else {
			v = r.Eval(s.Alternative)
		}
	default:
		v = r.Eval(s.Expression)
	}
	if v.IsError() {
		return v
	}
	switch t := s.Target.(type) {
	case *nodes.Name:
		r.Environment.Context.Set(t.Name.Val, v.Interface())
		return nil
	case *nodes.GetAttribute:
		target := r.Eval(t.Node)
		if target.IsError() {
			return target
		}
		return target.Set(exec.AsValue(t.Attribute), v.Interface())
	case *nodes.GetItem:
		target := r.Eval(t.Node)
		if target.IsError() {
			return target
		}
		key := r.Eval(t.Arg)
		if key.IsError() {
			return key
		}
		return target.Set(key, v.Interface())
	}
	return fmt.Errorf("cannot set %s", s.Target)
}

func parseSet(p *parser.Parser, args *parser.Parser) (nodes.ControlStructure, error) {
	s := &setTag{Location: p.Current()}
	target, err := args.ParseVariableOrLiteral()
	if err != nil {
		return nil, err
	}
	switch target.(type) {
	case *nodes.Name, *nodes.GetAttribute:
	case *nodes.GetItem:
		if target.(*nodes.GetItem).Arg == nil {
			return nil, args.Error("set target needs a key", target.Position())
		}
	default:
		return nil, args.Error("set target must be a name, an attribute or an item", target.Position())
	}
	s.Target = target

	if args.Match(tokens.Assign) == nil {
		if !args.End() {
			return nil, args.Error("expected '=' or the end of the tag", args.Current())
		}
		body, end, err := p.WrapUntil("endset")
		if err != nil {
			return nil, err
		}
		if !end.End() {
			return nil, end.Error("endset takes no arguments", end.Current())
		}
		s.Body = body
		return s, nil
	}

	if s.Expression, err = args.ParseExpression(); err != nil {
		return nil, err
	}
	if s.Condition, s.Alternative, err = args.ParseCondition(); err != nil {
		return nil, err
	}
	if s.Condition != nil && s.Alternative == nil {
		s.Alternative = &nodes.None{Location: s.Location} // Jinja2: a missing else is undefined
	}
	if !args.End() {
		return nil, args.Error("unexpected text in set tag", args.Current())
	}
	return s, nil
}

// withTag is {% with a = expr, b = expr %}body{% endwith %}.
type withTag struct {
	Location *tokens.Token
	Names    []string
	Values   []nodes.Expression
	Body     *nodes.Wrapper
}

func (w *withTag) Position() *tokens.Token { return w.Location }
func (w *withTag) String() string {
	return fmt.Sprintf("withTag(Line=%d Col=%d)", w.Location.Line, w.Location.Col)
}

func (w *withTag) Execute(r *exec.Renderer, _ *nodes.ControlStructureBlock) error {
	sub := r.Inherit()
	for i, name := range w.Names {
		v := r.Eval(w.Values[i])
		if v.IsError() {
			return v
		}
		sub.Environment.Context.Set(name, v)
	}
	return sub.ExecuteWrapper(w.Body)
}

func parseWith(p *parser.Parser, args *parser.Parser) (nodes.ControlStructure, error) {
	w := &withTag{Location: p.Current()}
	for !args.End() {
		name := args.Match(tokens.Name)
		if name == nil {
			return nil, args.Error("expected a name", args.Current())
		}
		if args.Match(tokens.Assign) == nil {
			return nil, args.Error("expected '='", args.Current())
		}
		v, err := args.ParseExpression()
		if err != nil {
			return nil, err
		}
		w.Names = append(w.Names, name.Val)
		w.Values = append(w.Values, v)
		if args.Match(tokens.Comma) == nil {
			break
		}
	}
	if !args.End() {
		return nil, args.Error("unexpected text in with tag", args.Current())
	}
	body, end, err := p.WrapUntil("endwith")
	if err != nil {
		return nil, err
	}
	if !end.End() {
		return nil, end.Error("endwith takes no arguments", end.Current())
	}
	w.Body = body
	return w, nil
}

// filterTag is {% filter upper | replace('a', 'b') %}body{% endfilter %}.
type filterTag struct {
	Location *tokens.Token
	Filters  []*nodes.FilterCall
	Body     *nodes.Wrapper
}

func (f *filterTag) Position() *tokens.Token { return f.Location }
func (f *filterTag) String() string {
	return fmt.Sprintf("filterTag(Line=%d Col=%d)", f.Location.Line, f.Location.Col)
}

func (f *filterTag) Execute(r *exec.Renderer, _ *nodes.ControlStructureBlock) error {
	var out strings.Builder
	sub := r.Inherit()
	sub.Output = &out
	if err := sub.ExecuteWrapper(f.Body); err != nil {
		return err
	}
	v := exec.AsValue(out.String())
	for _, call := range f.Filters {
		v = r.Evaluator().ExecuteFilter(call, v)
		if v.IsError() {
			return fmt.Errorf("filter %s: %w", call.Name, v)
		}
	}
	_, err := io.WriteString(r.Output, text(v))
	return err
}

func parseFilterTag(p *parser.Parser, args *parser.Parser) (nodes.ControlStructure, error) {
	f := &filterTag{Location: p.Current()}
	for !args.End() {
		call, err := args.ParseFilter()
		if err != nil {
			return nil, err
		}
		f.Filters = append(f.Filters, call)
		if args.Match(tokens.Pipe) == nil {
			break
		}
	}
	if len(f.Filters) == 0 || !args.End() {
		return nil, args.Error("expected filters separated by '|'", args.Current())
	}
	body, end, err := p.WrapUntil("endfilter")
	if err != nil {
		return nil, err
	}
	if !end.End() {
		return nil, end.Error("endfilter takes no arguments", end.Current())
	}
	f.Body = body
	return f, nil
}

// maxMacroDepth bounds macro recursion, which would otherwise overflow the
// goroutine stack (Jinja2 raises RecursionError).
const maxMacroDepth = 100

// macroTag is gonja's macro with a recursion limit.
type macroTag struct {
	*controlStructures.MacroControlStructure
}

func parseMacro(inner parser.ControlStructureParser) parser.ControlStructureParser {
	return func(p *parser.Parser, args *parser.Parser) (nodes.ControlStructure, error) {
		cs, err := inner(p, args)
		if err != nil {
			return nil, err
		}
		m, ok := cs.(*controlStructures.MacroControlStructure)
		if !ok {
			return nil, fmt.Errorf("unexpected macro node %T", cs)
		}
		return &macroTag{m}, nil
	}
}

func (m *macroTag) Execute(r *exec.Renderer, _ *nodes.ControlStructureBlock) error {
	macro, err := exec.MacroNodeToFunc(m.Macro, r)
	if err != nil {
		return fmt.Errorf("macro %s: %w", m.Name, err)
	}
	// The function is made per render, so depth counts one render's calls,
	// which run on one goroutine.
	depth := 0
	r.Environment.Context.Set(m.Name, func(params *exec.VarArgs) *exec.Value {
		if depth >= maxMacroDepth {
			return exec.AsValue(fmt.Errorf("macro %s: recursion deeper than %d calls", m.Name, maxMacroDepth))
		}
		depth++
		defer func() { depth-- }()
		return macro(params)
	})
	return nil
}
