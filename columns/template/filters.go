package template

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode"

	"github.com/nikolalohinski/gonja/v2/exec"

	"github.com/synthgen/synthgen/columns/value"
)

// textFilter is the filter Parse wraps around every printed expression (and
// both operands of ~), so printing follows text() rather than gonja's
// Python-repr-like Value.String.
const textFilter = "__synthgen_text__"

// absentFilter is the filter Parse wraps around the object of every
// attribute and item access: it turns nil into absent.
const absentFilter = "__synthgen_absent__"

// absent stands for a nil object being accessed: every attribute and item of
// it is nil. It never escapes an access expression.
type absent struct{}

func (absent) GetAttribute(string) (*exec.Value, bool) { return exec.AsValue(nil), true }
func (absent) GetItem(any) (*exec.Value, bool)         { return exec.AsValue(nil), true }

// ownFilters are added to, or replace, gonja's filters where gonja lacks one
// or differs from Jinja2 (or from how Data Designer prints values).
func ownFilters() map[string]exec.FilterFunction {
	return map[string]exec.FilterFunction{
		textFilter: func(_ *exec.Evaluator, in *exec.Value, _ *exec.VarArgs) *exec.Value {
			if in.IsError() {
				return in
			}
			return exec.AsValue(text(in))
		},
		absentFilter: func(_ *exec.Evaluator, in *exec.Value, _ *exec.VarArgs) *exec.Value {
			if in.IsNil() {
				return exec.AsValue(absent{})
			}
			return in
		},
		"string":    filterString,
		"upper":     stringFilter(strings.ToUpper),
		"lower":     stringFilter(strings.ToLower),
		"title":     stringFilter(title),
		"trim":      filterTrim,
		"join":      filterJoin,
		"default":   filterDefault,
		"d":         filterDefault,
		"tojson":    filterToJSON,
		"round":     filterRound,
		"int":       filterInt,
		"float":     filterFloat,
		"items":     filterItems,
		arithFilter: filterArith,
	}
}

// takeValue is an argument transmuter that keeps the argument as is.
func takeValue(out **exec.Value) exec.ArgumentTransmuter {
	return func(v *exec.Value) error { *out = v; return nil }
}

func invalidCall(err error) *exec.Value { return exec.AsValue(exec.ErrInvalidCall(err)) }

// filterString prints like {{ }}: objects and lists as JSON, not Python repr.
func filterString(_ *exec.Evaluator, in *exec.Value, params *exec.VarArgs) *exec.Value {
	if in.IsError() {
		return in
	}
	if err := params.Take(); err != nil {
		return invalidCall(err)
	}
	return exec.AsValue(text(in))
}

// stringFilter applies fn to the printed form of the input.
func stringFilter(fn func(string) string) exec.FilterFunction {
	return func(_ *exec.Evaluator, in *exec.Value, params *exec.VarArgs) *exec.Value {
		if in.IsError() {
			return in
		}
		if err := params.Take(); err != nil {
			return invalidCall(err)
		}
		return exec.AsValue(fn(text(in)))
	}
}

// title is Jinja2's do_title: every run between "-", whitespace, "(", "{",
// "[" and "<" gets its first letter upper-cased and the rest lower-cased
// (gonja uses x/text/cases, which differs on e.g. "it's").
func title(s string) string {
	isSep := func(r rune) bool {
		return r == '-' || r == '(' || r == '{' || r == '[' || r == '<' || unicode.IsSpace(r)
	}
	var b strings.Builder
	b.Grow(len(s))
	first := true
	var prevSep bool
	for i, r := range s {
		sep := isSep(r)
		if i > 0 && sep != prevSep {
			first = true
		}
		prevSep = sep
		if first {
			b.WriteString(strings.ToUpper(string(r)))
			first = false
			continue
		}
		b.WriteString(strings.ToLower(string(r)))
	}
	return b.String()
}

// filterTrim is trim(value, chars=None); gonja's rejects non-strings.
func filterTrim(_ *exec.Evaluator, in *exec.Value, params *exec.VarArgs) *exec.Value {
	if in.IsError() {
		return in
	}
	var chars *exec.Value
	if err := params.Take(exec.KeywordArgument("chars", exec.AsValue(nil), takeValue(&chars))); err != nil {
		return invalidCall(err)
	}
	if chars.IsNil() {
		return exec.AsValue(strings.TrimSpace(text(in)))
	}
	return exec.AsValue(strings.Trim(text(in), text(chars)))
}

// filterJoin is join(value, d=”, attribute=None), printing items like {{ }}.
func filterJoin(e *exec.Evaluator, in *exec.Value, params *exec.VarArgs) *exec.Value {
	if in.IsError() {
		return in
	}
	var sep, attribute *exec.Value
	if err := params.Take(
		exec.KeywordArgument("d", exec.AsValue(""), takeValue(&sep)),
		exec.KeywordArgument("attribute", exec.AsValue(nil), takeValue(&attribute)),
	); err != nil {
		return invalidCall(err)
	}
	if !attribute.IsNil() {
		args := exec.NewVarArgs()
		args.KwArgs["attribute"] = attribute
		if in = e.ExecuteFilterByName("map", in, args); in.IsError() {
			return in
		}
	}
	if !in.IsIterable() {
		return exec.AsValue(text(in))
	}
	var parts []string
	in.Iterate(func(_, _ int, item, _ *exec.Value) bool {
		parts = append(parts, text(item))
		return true
	}, func() {})
	return exec.AsValue(strings.Join(parts, text(sep)))
}

// filterDefault is default(value, default_value=”, boolean=False). An
// undefined variable and a nil value both take the default.
func filterDefault(_ *exec.Evaluator, in *exec.Value, params *exec.VarArgs) *exec.Value {
	def, boolean := exec.AsValue(""), false
	if len(params.Args) > 2 {
		return invalidCall(errors.New("default() takes at most 2 arguments"))
	}
	if len(params.Args) > 0 {
		def = params.Args[0]
	}
	if len(params.Args) > 1 {
		boolean = params.Args[1].IsTrue()
	}
	for k, v := range params.KwArgs {
		switch k {
		case "default_value", "default":
			def = v
		case "boolean":
			boolean = v.IsTrue()
		default:
			return invalidCall(fmt.Errorf("default() got an unexpected keyword argument '%s'", k))
		}
	}
	if in.IsError() || in.IsNil() || (boolean && !in.IsTrue()) {
		return def
	}
	return in
}

// filterToJSON is tojson(indent=None) with the JSON form {{ }} prints:
// ", " and ": " separators, non-ASCII kept, object keys in their order, and
// no HTML escaping (Jinja2 sorts keys and escapes <>&'; prompts are not HTML).
func filterToJSON(_ *exec.Evaluator, in *exec.Value, params *exec.VarArgs) *exec.Value {
	if in.IsError() {
		return in
	}
	var indent *exec.Value
	if err := params.Take(exec.KeywordArgument("indent", exec.AsValue(nil), takeValue(&indent))); err != nil {
		return invalidCall(err)
	}
	v := fromGonja(in)
	if indent.IsNil() {
		return exec.AsSafeValue(value.JSON(v))
	}
	if !indent.IsInteger() || indent.Integer() < 0 {
		return invalidCall(fmt.Errorf("tojson indent must be a non-negative integer, got %s", text(indent)))
	}
	var buf bytes.Buffer
	if err := json.Indent(&buf, []byte(value.CompactJSON(v)), "", strings.Repeat(" ", indent.Integer())); err != nil {
		return exec.AsValue(fmt.Errorf("tojson: %w", err))
	}
	return exec.AsSafeValue(buf.String())
}

// filterRound is round(value, precision=0, method='common') with Python's
// round for 'common' (half to even on the exact binary value, so 2.5 → 2.0
// and 2.675 → 2.67; gonja rounds half away from zero). An int stays an int
// with 'common'; 'floor' and 'ceil' return floats, as in Jinja2.
func filterRound(_ *exec.Evaluator, in *exec.Value, params *exec.VarArgs) *exec.Value {
	if in.IsError() {
		return in
	}
	var (
		precision int
		method    string
	)
	if err := params.Take(
		exec.KeywordArgument("precision", exec.AsValue(0), exec.IntArgument(&precision)),
		exec.KeywordArgument("method", exec.AsValue("common"), exec.StringArgument(&method)),
	); err != nil {
		return invalidCall(err)
	}
	if in.IsBool() || !in.IsNumber() {
		return exec.AsValue(fmt.Errorf("round: expected a number, got %s %q", kindName(in), text(in)))
	}
	switch method {
	case "common":
		if in.IsInteger() {
			if precision >= 0 {
				return in
			}
			m := math.Pow10(-precision)
			return exec.AsValue(int64(math.RoundToEven(float64(in.Integer())/m) * m))
		}
		return exec.AsValue(pyRound(in.Float(), precision))
	case "floor", "ceil":
		op := math.Floor
		if method == "ceil" {
			op = math.Ceil
		}
		m := math.Pow10(precision)
		return exec.AsValue(op(in.Float()*m) / m)
	}
	return invalidCall(fmt.Errorf("round method must be 'common', 'floor' or 'ceil', got '%s'", method))
}

// pyRound is Python's round(f, n) for floats.
func pyRound(f float64, n int) float64 {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return f
	}
	if n < 0 {
		m := math.Pow10(-n)
		return math.RoundToEven(f/m) * m
	}
	// strconv rounds the exact binary value to n decimals, halves to even.
	r, err := strconv.ParseFloat(strconv.FormatFloat(f, 'f', n, 64), 64)
	if err != nil {
		return f
	}
	return r
}

// filterInt is int(value, default=0, base=10): ints stay, floats truncate,
// booleans give 0/1, strings parse in base (after trimming) or else through
// float ("3.7" → 3); anything else gives the default.
func filterInt(_ *exec.Evaluator, in *exec.Value, params *exec.VarArgs) *exec.Value {
	if in.IsError() {
		return in
	}
	var (
		def  *exec.Value
		base int
	)
	if err := params.Take(
		exec.KeywordArgument("default", exec.AsValue(0), takeValue(&def)),
		exec.KeywordArgument("base", exec.AsValue(10), exec.IntArgument(&base)),
	); err != nil {
		return invalidCall(err)
	}
	switch {
	case in.IsNil():
		return def
	case in.IsBool():
		if in.Bool() {
			return exec.AsValue(1)
		}
		return exec.AsValue(0)
	case in.IsInteger():
		return in
	case in.IsFloat():
		if i, ok := truncInt(in.Float()); ok {
			return exec.AsValue(i)
		}
		return def
	case !in.IsString():
		return def
	}
	s := strings.ReplaceAll(strings.TrimSpace(in.String()), "_", "")
	digits := strings.TrimLeft(s, "+-")
	sign := s[:len(s)-len(digits)]
	if prefix := map[int]string{16: "0x", 8: "0o", 2: "0b"}[base]; prefix != "" {
		if p, ok := strings.CutPrefix(strings.ToLower(digits), prefix); ok {
			digits = p
		}
	}
	if len(sign) <= 1 && base >= 2 && base <= 36 {
		if i, err := strconv.ParseInt(sign+digits, base, 64); err == nil {
			return exec.AsValue(i)
		}
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		if i, ok := truncInt(f); ok {
			return exec.AsValue(i)
		}
	}
	return def
}

// truncInt truncates f toward zero when the result fits an int64.
func truncInt(f float64) (int64, bool) {
	if math.IsNaN(f) || math.IsInf(f, 0) || f >= 1<<63 || f < -(1<<63) {
		return 0, false
	}
	return int64(f), true
}

// filterFloat is float(value, default=0.0): numbers convert, booleans give
// 1.0/0.0, strings parse after trimming (gonja does not trim).
func filterFloat(_ *exec.Evaluator, in *exec.Value, params *exec.VarArgs) *exec.Value {
	if in.IsError() {
		return in
	}
	var def *exec.Value
	if err := params.Take(exec.KeywordArgument("default", exec.AsValue(0.0), takeValue(&def))); err != nil {
		return invalidCall(err)
	}
	switch {
	case in.IsNil():
		return def
	case in.IsBool():
		if in.Bool() {
			return exec.AsValue(1.0)
		}
		return exec.AsValue(0.0)
	case in.IsNumber():
		return exec.AsValue(in.Float())
	case in.IsString():
		if f, err := strconv.ParseFloat(strings.TrimSpace(in.String()), 64); err == nil {
			return exec.AsValue(f)
		}
	}
	return def
}

// filterItems is items(value): [key, value] pairs in the object's order
// (gonja's only knows Go maps).
func filterItems(_ *exec.Evaluator, in *exec.Value, params *exec.VarArgs) *exec.Value {
	if in.IsError() {
		return in
	}
	if err := params.Take(); err != nil {
		return invalidCall(err)
	}
	switch {
	case in.IsNil():
		return exec.AsValue([]any{})
	case in.IsDict():
		return exec.AsValue(itemsOf(in))
	}
	return exec.AsValue(fmt.Errorf("items: expected an object, got %s", kindName(in)))
}

// kindName names a value's kind for error messages.
func kindName(v *exec.Value) string {
	switch {
	case v.IsNil():
		return "none"
	case v.IsBool():
		return "bool"
	case v.IsInteger():
		return "int"
	case v.IsFloat():
		return "float"
	case v.IsString():
		return "string"
	case v.IsList():
		return "list"
	case v.IsDict():
		return "object"
	}
	return fmt.Sprintf("%T", v.Interface())
}
