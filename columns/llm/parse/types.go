package parse

import (
	"math"

	"github.com/synthgen/synthgen/columns/value"
)

// TypeOfSchema returns the column type of the values a JSON Schema allows
// (spec "Output types"): object → struct with the properties in schema
// order, array → list, string → String, integer → Int, number → Float,
// boolean → Bool; a nullable type (["string", "null"], or anyOf with a
// {"type": "null"} alternative) → that type. Local $refs and allOf are
// followed (allOf of objects merges their fields). Whatever cannot be
// mapped is value.JSONT: a missing type, a free object (no properties, or
// additionalProperties / patternProperties that admit more keys), anyOf /
// oneOf alternatives of differing types, an enum of mixed types, tuple
// items (prefixItems), if/then/else, recursive schemas.
func TypeOfSchema(schema *value.Map) value.Type {
	t := typer{root: schema, expanding: map[string]bool{}}
	if typ, ok := t.typeOf(schema, 0); ok {
		return typ
	}
	return value.JSONT
}

type typer struct {
	root      *value.Map
	expanding map[string]bool // $refs being expanded: a cycle is a recursive schema
}

// typeOf returns the type of a subschema; ok is false when the subschema
// does not constrain the type at all (true, {}, constraints only).
func (t typer) typeOf(schema any, depth int) (value.Type, bool) {
	m, isMap := schema.(*value.Map)
	if !isMap {
		return value.Type{}, false
	}
	if depth > maxSchemaDepth {
		return value.JSONT, true
	}
	for _, k := range []string{"if", "then", "else", "dependentSchemas", "$dynamicRef", "not"} {
		if _, has := m.Get(k); has {
			return value.JSONT, true
		}
	}
	var parts []value.Type
	own, ownKnown, freeObject := t.ownType(m, depth)
	if ownKnown {
		parts = append(parts, own)
	}
	if ref, ok := getKey(m, "$ref").(string); ok {
		target, ok := resolvePointer(t.root, ref)
		if !ok || t.expanding[ref] {
			return value.JSONT, true
		}
		t.expanding[ref] = true
		rt, known := t.typeOf(target, depth+1)
		delete(t.expanding, ref)
		if known {
			parts = append(parts, rt)
		}
	}
	if all, ok := getKey(m, "allOf").([]any); ok {
		for _, sub := range all {
			if st, known := t.typeOf(sub, depth+1); known {
				parts = append(parts, st)
			}
		}
	}
	for _, key := range []string{"anyOf", "oneOf"} {
		alts, ok := getKey(m, key).([]any)
		if !ok {
			continue
		}
		var alt *value.Type
		mapped := true
		for _, a := range alts {
			if isNullSchema(a) {
				continue
			}
			at, known := t.typeOf(a, depth+1)
			if !known || (alt != nil && !alt.Equal(at)) {
				mapped = false
				break
			}
			alt = &at
		}
		switch {
		case !mapped:
			parts = append(parts, value.JSONT)
		case alt != nil:
			parts = append(parts, *alt)
		}
	}
	if freeObject && len(parts) > 1 {
		parts = parts[1:] // "type": "object" refined by a $ref or allOf
	}
	if len(parts) == 0 {
		return value.Type{}, false
	}
	out := parts[0]
	for _, p := range parts[1:] {
		switch {
		case out.Equal(p):
		case out.Kind == value.KindStruct && p.Kind == value.KindStruct:
			out = value.Merge(out, p)
		default:
			return value.JSONT, true
		}
	}
	return out, true
}

// ownType maps the schema's own "type" (or, without one, its enum or
// const). freeObject reports "type": "object" with nothing else to map.
func (t typer) ownType(m *value.Map, depth int) (typ value.Type, known, freeObject bool) {
	var names []string
	switch x := getKey(m, "type").(type) {
	case string:
		names = []string{x}
	case []any:
		for _, n := range x {
			if s, ok := n.(string); ok {
				names = append(names, s)
			}
		}
	case nil:
		if enum, ok := getKey(m, "enum").([]any); ok {
			return enumType(enum), true, false
		}
		if c, ok := m.Get("const"); ok {
			return enumType([]any{c}), true, false
		}
		return value.Type{}, false, false
	default:
		return value.JSONT, true, false
	}
	var nonNull []string
	for _, n := range names {
		if n != "null" {
			nonNull = append(nonNull, n)
		}
	}
	switch {
	case len(nonNull) == 2 && ((nonNull[0] == "integer" && nonNull[1] == "number") || (nonNull[0] == "number" && nonNull[1] == "integer")):
		return value.Float, true, false
	case len(nonNull) != 1:
		return value.JSONT, true, false
	}
	switch nonNull[0] {
	case "string":
		return value.String, true, false
	case "integer":
		return value.Int, true, false
	case "number":
		return value.Float, true, false
	case "boolean":
		return value.Bool, true, false
	case "array":
		return t.arrayType(m, depth), true, false
	case "object":
		typ, free := t.objectType(m, depth)
		return typ, true, free
	}
	return value.JSONT, true, false
}

func (t typer) objectType(m *value.Map, depth int) (typ value.Type, free bool) {
	if ap, ok := m.Get("additionalProperties"); ok && ap != false {
		return value.JSONT, false
	}
	if pp, ok := getKey(m, "patternProperties").(*value.Map); ok && pp.Len() > 0 {
		return value.JSONT, false
	}
	if up, ok := m.Get("unevaluatedProperties"); ok && up != false {
		return value.JSONT, false
	}
	props, _ := getKey(m, "properties").(*value.Map)
	if props.Len() == 0 {
		return value.JSONT, true
	}
	fields := make([]value.Field, 0, props.Len())
	for _, k := range props.Keys() {
		ps, _ := props.Get(k)
		ft, known := t.typeOf(ps, depth+1)
		if !known {
			ft = value.JSONT
		}
		fields = append(fields, value.Field{Name: k, Type: ft})
	}
	return value.Struct(fields...), false
}

func (t typer) arrayType(m *value.Map, depth int) value.Type {
	if _, ok := m.Get("prefixItems"); ok {
		return value.JSONT
	}
	switch items := getKey(m, "items").(type) {
	case []any:
		return value.JSONT // a tuple
	case *value.Map:
		if it, known := t.typeOf(items, depth+1); known {
			return value.List(it)
		}
	}
	return value.List(value.JSONT)
}

// enumType is the type shared by enum values (nulls aside).
func enumType(vals []any) value.Type {
	var out *value.Type
	for _, v := range vals {
		var vt value.Type
		switch v.(type) {
		case nil:
			continue
		case string:
			vt = value.String
		case bool:
			vt = value.Bool
		case int64:
			vt = value.Int
		case float64:
			vt = value.Float
		default:
			return value.JSONT
		}
		switch {
		case out == nil:
			out = &vt
		case out.Equal(vt):
		case (out.Kind == value.KindInt || out.Kind == value.KindFloat) && (vt.Kind == value.KindInt || vt.Kind == value.KindFloat):
			out = &value.Float
		default:
			return value.JSONT
		}
	}
	if out == nil {
		return value.JSONT
	}
	return *out
}

// isNullSchema reports a schema that only allows null.
func isNullSchema(s any) bool {
	m, ok := s.(*value.Map)
	if !ok {
		return false
	}
	if t, ok := getKey(m, "type").(string); ok && t == "null" {
		return true
	}
	if c, ok := m.Get("const"); ok && c == nil {
		return true
	}
	if e, ok := getKey(m, "enum").([]any); ok && len(e) == 1 && e[0] == nil {
		return true
	}
	return false
}

// Conform makes a parsed value fit t exactly, as the writers expect it:
// for Int an integral float becomes int64, for Float an int becomes
// float64; a struct keeps only its fields, in the type's order (missing
// fields stay missing, which writers read as null); list items conform to
// the element type; JSON-typed parts are kept as they are (the writers
// store them as JSON text). A part that cannot fit — possible only for a
// value not validated against the schema t came from, or an integer
// beyond int64 — becomes nil. v is not modified.
func Conform(v any, t value.Type) any {
	if v == nil {
		return nil
	}
	switch t.Kind {
	case value.KindJSON:
		return v
	case value.KindString:
		if s, ok := v.(string); ok {
			return s
		}
	case value.KindBool:
		if b, ok := v.(bool); ok {
			return b
		}
	case value.KindInt:
		switch x := v.(type) {
		case int64:
			return x
		case int:
			return int64(x)
		case float64:
			if x == math.Trunc(x) && x >= -(1<<63) && x < 1<<63 {
				return int64(x)
			}
		}
	case value.KindFloat:
		switch x := v.(type) {
		case float64:
			return x
		case int64:
			return float64(x)
		case int:
			return float64(x)
		}
	case value.KindList:
		if list, ok := v.([]any); ok {
			out := make([]any, len(list))
			for i, x := range list {
				out[i] = Conform(x, *t.Elem)
			}
			return out
		}
	case value.KindStruct:
		m, ok := v.(*value.Map)
		if !ok {
			return nil
		}
		if len(t.Fields) == 0 {
			return m // stored like JSON
		}
		out := value.NewMap()
		for _, f := range t.Fields {
			if x, ok := m.Get(f.Name); ok {
				out.Set(f.Name, Conform(x, f.Type))
			}
		}
		return out
	}
	return nil
}
