package template

import (
	"errors"
	"fmt"

	"github.com/nikolalohinski/gonja/v2/builtins"
	"github.com/nikolalohinski/gonja/v2/config"
	"github.com/nikolalohinski/gonja/v2/exec"
	"github.com/nikolalohinski/gonja/v2/nodes"
	"github.com/nikolalohinski/gonja/v2/parser"
)

// gonjaConfig is Jinja2's default configuration: no autoescaping, undefined
// names render empty, no block trimming.
var gonjaConfig = config.New()

// environment is the one gonja environment of this package. It is built once
// from copies of gonja's builtin sets (which stay untouched) and only read
// afterwards, so templates can render concurrently.
var environment = newEnvironment()

// builtinNames are the globals every template sees; they are never refs.
var builtinNames = map[string]bool{
	"range": true, "dict": true, "namespace": true, "cycler": true, "joiner": true, "lipsum": true,
	"none": true, // Jinja2 spells None also none; gonja parses only None.
}

// maxRange bounds range() as Jinja2's sandbox does.
const maxRange = 100_000

func newEnvironment() *exec.Environment {
	filters := exec.NewFilterSet(map[string]exec.FilterFunction{}).Update(builtins.Filters)
	for name, fn := range ownFilters() {
		var err error
		if filters.Exists(name) {
			err = filters.Replace(name, fn)
		} else {
			err = filters.Register(name, fn)
		}
		if err != nil {
			panic(err) // a bug in this package
		}
	}

	tags := exec.NewControlStructureSet(map[string]parser.ControlStructureParser{}).Update(builtins.ControlStructures)
	mustReplaceTag(tags, "set", parseSet)
	mustReplaceTag(tags, "with", parseWith)
	mustReplaceTag(tags, "filter", parseFilterTag)
	macro, _ := tags.Get("macro")
	mustReplaceTag(tags, "macro", parseMacro(macro))
	for _, name := range []string{"include", "import", "from", "extends", "block", "trans"} {
		mustReplaceTag(tags, name, unsupportedTag(name))
	}
	for _, name := range []string{"autoescape", "break", "call", "continue", "do", "filter", "for", "if", "macro", "raw", "set", "with"} {
		p, _ := tags.Get(name)
		mustReplaceTag(tags, name, positioned(p))
	}

	globals := map[string]any{"range": rangeFunction}
	for name := range builtinNames {
		if name == "range" || name == "none" {
			continue
		}
		fn, ok := builtins.GlobalFunctions.Get(name)
		if !ok {
			panic("gonja has no global " + name)
		}
		globals[name] = fn
	}

	return &exec.Environment{
		Context:           exec.NewContext(globals),
		Filters:           filters,
		Tests:             exec.NewTestSet(map[string]exec.TestFunction{}).Update(builtins.Tests),
		ControlStructures: tags,
		Methods: exec.Methods{
			Bool:  builtins.Methods.Bool,
			Int:   builtins.Methods.Int,
			Float: builtins.Methods.Float,
			Str:   builtins.Methods.Str,
			List:  builtins.Methods.List,
			Dict:  dictMethods(),
		},
	}
}

func mustReplaceTag(tags *exec.ControlStructureSet, name string, p parser.ControlStructureParser) {
	if err := tags.Replace(name, p); err != nil {
		panic(err) // gonja renamed a tag: a bug to fix here
	}
}

// positioned gives a tag parser's errors a position: gonja reports some
// (e.g. a missing argument) without one. The position is the tag's first
// argument, or the end of the tag when it has none.
func positioned(inner parser.ControlStructureParser) parser.ControlStructureParser {
	return func(p *parser.Parser, args *parser.Parser) (nodes.ControlStructure, error) {
		at := args.Current()
		if at == nil || at.Line == 0 {
			at = p.Current()
		}
		cs, err := inner(p, args)
		if err == nil || at == nil || at.Line == 0 {
			return cs, err
		}
		var syn *parser.SyntaxError
		switch {
		case !errors.As(err, &syn):
			err = &parser.SyntaxError{Message: err.Error(), Line: at.Line, Column: at.Col}
		case syn.Line == 0:
			syn.Line, syn.Column = at.Line, at.Col
		}
		return cs, err
	}
}

func unsupportedTag(name string) parser.ControlStructureParser {
	return func(p *parser.Parser, args *parser.Parser) (nodes.ControlStructure, error) {
		at := args.Current()
		if at == nil || at.Line == 0 {
			at = p.Current()
		}
		reason := "a template cannot use other templates"
		switch name {
		case "block":
			reason = "there is no template inheritance"
		case "trans":
			reason = "there is no i18n extension"
		}
		return nil, p.Error("not supported: "+reason, at)
	}
}

// rangeFunction replaces gonja's range, which feeds a channel from a
// goroutine that leaks when the range is not iterated to its end.
func rangeFunction(_ *exec.Evaluator, params *exec.VarArgs) ([]any, error) {
	start, stop, step := 0, 0, 1
	ints := make([]int, len(params.Args))
	for i, a := range params.Args {
		if !a.IsInteger() {
			return nil, exec.ErrInvalidCall(errors.New("range() takes integers: [start, ]stop[, step]"))
		}
		ints[i] = a.Integer()
	}
	switch len(ints) {
	case 1:
		stop = ints[0]
	case 2:
		start, stop = ints[0], ints[1]
	case 3:
		start, stop, step = ints[0], ints[1], ints[2]
	default:
		return nil, exec.ErrInvalidCall(errors.New("range() takes 1 to 3 integers: [start, ]stop[, step]"))
	}
	if step == 0 {
		return nil, exec.ErrInvalidCall(errors.New("range() step must not be zero"))
	}
	var out []any
	for i := start; (step > 0 && i < stop) || (step < 0 && i > stop); i += step {
		if len(out) == maxRange {
			return nil, exec.ErrInvalidCall(fmt.Errorf("range() is limited to %d items", maxRange))
		}
		out = append(out, i)
	}
	return out, nil
}

// dictMethods keeps gonja's dict methods but makes keys, values, items and
// get follow the object's own key order (gonja's versions copy the object
// into a Go map and sort the keys).
func dictMethods() *exec.MethodSet[map[string]any] {
	methods := map[string]exec.Method[map[string]any]{}
	for _, name := range []string{"copy", "pop", "setdefault", "update", "clear"} {
		if m, ok := builtins.Methods.Dict.Get(name); ok {
			methods[name] = m
		}
	}
	methods["keys"] = func(_ map[string]any, self *exec.Value, args *exec.VarArgs) (any, error) {
		if err := args.Take(); err != nil {
			return nil, exec.ErrInvalidCall(err)
		}
		var out []any
		eachPair(self, func(k, _ *exec.Value) { out = append(out, k) })
		return out, nil
	}
	methods["values"] = func(_ map[string]any, self *exec.Value, args *exec.VarArgs) (any, error) {
		if err := args.Take(); err != nil {
			return nil, exec.ErrInvalidCall(err)
		}
		var out []any
		eachPair(self, func(_, v *exec.Value) { out = append(out, v) })
		return out, nil
	}
	methods["items"] = func(_ map[string]any, self *exec.Value, args *exec.VarArgs) (any, error) {
		if err := args.Take(); err != nil {
			return nil, exec.ErrInvalidCall(err)
		}
		return itemsOf(self), nil
	}
	methods["get"] = func(_ map[string]any, self *exec.Value, args *exec.VarArgs) (any, error) {
		if len(args.Args) < 1 || len(args.Args) > 2 || len(args.KwArgs) > 0 {
			return nil, exec.ErrInvalidCall(errors.New("get() takes 1 or 2 positional arguments"))
		}
		if v, ok := self.GetItem(args.Args[0].Interface()); ok {
			return v.Interface(), nil
		}
		if len(args.Args) == 2 {
			return args.Args[1].Interface(), nil
		}
		return nil, nil
	}
	return exec.NewMethodSet(methods)
}

// eachPair calls fn for every key and value of a mapping, in its order.
func eachPair(m *exec.Value, fn func(k, v *exec.Value)) {
	m.Iterate(func(_, _ int, k, v *exec.Value) bool {
		if v == nil {
			v, _ = m.GetItem(k.Interface())
		}
		fn(k, v)
		return true
	}, func() {})
}

// itemsOf returns a mapping's [key, value] pairs in its order.
func itemsOf(m *exec.Value) []any {
	var out []any
	eachPair(m, func(k, v *exec.Value) { out = append(out, []any{k, v}) })
	return out
}
