package template

import (
	"sort"

	"github.com/nikolalohinski/gonja/v2/exec"

	"github.com/synthgen/synthgen/columns/value"
)

// toGonja converts a cell value into what gonja works with. A *value.Map
// becomes a gonja Dict (by value, so that its Go methods Keys, Get and String
// do not shadow object keys of those names), which keeps key order for
// iteration and is a mapping to filters and tests; lists become list. The
// copies also keep a template from ever modifying a row's values.
func toGonja(v any) any {
	switch t := v.(type) {
	case *value.Map:
		d := exec.Dict{Pairs: make([]*exec.Pair, 0, t.Len())}
		for _, k := range t.Keys() {
			e, _ := t.Get(k)
			d.Pairs = append(d.Pairs, &exec.Pair{Key: exec.AsValue(k), Value: exec.AsValue(toGonja(e))})
		}
		return d
	case map[string]any:
		keys := make([]string, 0, len(t))
		for k := range t {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		d := exec.Dict{Pairs: make([]*exec.Pair, 0, len(keys))}
		for _, k := range keys {
			d.Pairs = append(d.Pairs, &exec.Pair{Key: exec.AsValue(k), Value: exec.AsValue(toGonja(t[k]))})
		}
		return d
	case []any:
		out := make(list, len(t))
		for i, e := range t {
			out[i] = toGonja(e)
		}
		return out
	case []string:
		out := make(list, len(t))
		for i, e := range t {
			out[i] = e
		}
		return out
	}
	return v
}

// list is a list value. It indexes like Python (gonja's own indexing misses
// l[-len(l)]).
type list []any

// GetItem implements exec.ItemGetter.
func (l list) GetItem(key any) (*exec.Value, bool) {
	i, ok := key.(int)
	if !ok {
		return exec.AsValue(nil), false
	}
	if i < 0 {
		i += len(l)
	}
	if i < 0 || i >= len(l) {
		return exec.AsValue(nil), false
	}
	return exec.ToValue(l[i]), true
}

// unwrap returns the innermost of nested *exec.Value.
func unwrap(v *exec.Value) *exec.Value {
	for v != nil && v.Val.IsValid() && v.Val.CanInterface() {
		inner, ok := v.Val.Interface().(*exec.Value)
		if !ok {
			break
		}
		v = inner
	}
	return v
}

// fromGonja converts a gonja value back into a cell value (mappings become
// *value.Map in their own order).
func fromGonja(v *exec.Value) any {
	v = unwrap(v)
	if v == nil || v.IsNil() || v.IsError() {
		return nil
	}
	switch t := v.Interface().(type) {
	case exec.Dict:
		return dictToMap(&t)
	case *exec.Dict:
		return dictToMap(t)
	case *exec.Pair:
		return []any{fromGonja(t.Key), fromGonja(t.Value)}
	}
	switch {
	case v.IsBool():
		return v.Bool()
	case v.IsInteger():
		return int64(v.Integer())
	case v.IsFloat():
		return v.Float()
	case v.IsString():
		return v.String()
	case v.IsList():
		out := make([]any, v.Len())
		for i := range out {
			out[i] = fromGonja(v.Index(i))
		}
		return out
	case v.IsDict():
		m := value.NewMap()
		eachPair(v, func(k, e *exec.Value) { m.Set(text(k), fromGonja(e)) })
		return m
	}
	return v.String()
}

func dictToMap(d *exec.Dict) *value.Map {
	m := value.NewMap()
	for _, p := range d.Pairs {
		m.Set(text(p.Key), fromGonja(p.Value))
	}
	return m
}

// text is how a value prints: strings as they are, nil as "", booleans as
// True/False, numbers like Python, objects and lists as JSON (value.JSON).
func text(v *exec.Value) string {
	v = unwrap(v)
	if v == nil || v.IsNil() || v.IsError() {
		return ""
	}
	switch v.Interface().(type) {
	case exec.Dict, *exec.Dict, *exec.Pair:
		return value.JSON(fromGonja(v))
	}
	switch {
	case v.IsString():
		return v.String()
	case v.IsBool():
		if v.Bool() {
			return "True"
		}
		return "False"
	case v.IsInteger():
		return v.String()
	case v.IsFloat():
		return value.FormatFloat(v.Float())
	case v.IsList(), v.IsDict():
		return value.JSON(fromGonja(v))
	}
	return v.String()
}
