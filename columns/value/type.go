package value

import "strings"

// Kind is the kind of a column's values.
type Kind int

const (
	KindString Kind = iota // UTF-8 text
	KindInt                // int64
	KindFloat              // float64
	KindBool               // bool
	KindStruct             // *Map with the fields of Type.Fields
	KindList               // []any of Type.Elem
	KindJSON               // any value, stored as JSON text in columnar formats

	kindUnknown // only null values seen so far (inference only)
)

// Type describes a column's values. Every value may also be nil (null).
type Type struct {
	Kind   Kind
	Fields []Field // KindStruct
	Elem   *Type   // KindList
}

// Field is one named field of a struct type.
type Field struct {
	Name string
	Type Type
}

var (
	String = Type{Kind: KindString}
	Int    = Type{Kind: KindInt}
	Float  = Type{Kind: KindFloat}
	Bool   = Type{Kind: KindBool}
	JSONT  = Type{Kind: KindJSON}
)

// Struct returns a struct type with the given fields.
func Struct(fields ...Field) Type { return Type{Kind: KindStruct, Fields: fields} }

// List returns a list type of elem.
func List(elem Type) Type { return Type{Kind: KindList, Elem: &elem} }

// String describes the type, e.g. "struct{a string, b list<int>}".
func (t Type) String() string {
	switch t.Kind {
	case KindString:
		return "string"
	case KindInt:
		return "int"
	case KindFloat:
		return "float"
	case KindBool:
		return "bool"
	case KindJSON:
		return "json"
	case kindUnknown:
		return "null"
	case KindList:
		return "list<" + t.Elem.String() + ">"
	case KindStruct:
		parts := make([]string, len(t.Fields))
		for i, f := range t.Fields {
			parts[i] = f.Name + " " + f.Type.String()
		}
		return "struct{" + strings.Join(parts, ", ") + "}"
	}
	return "unknown"
}

// Equal reports whether two types have the same shape.
func (t Type) Equal(o Type) bool { return t.String() == o.String() }

// KindOf names the kind of a cell value, for error messages.
func KindOf(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "string"
	case int, int32, int64:
		return "int"
	case float32, float64:
		return "float"
	case bool:
		return "bool"
	case *Map, map[string]any:
		return "object"
	case []any:
		return "list"
	}
	return "unknown"
}

// Infer returns the narrowest type that holds every value in vals (nulls are
// ignored). Mixed ints and floats give float; objects give a struct with the
// union of their keys in first-seen order; anything else mixed gives JSON.
// With no non-null values the type is string.
func Infer(vals []any) Type {
	return settle(infer(vals))
}

func infer(vals []any) Type {
	t := Type{Kind: kindUnknown}
	for _, v := range vals {
		t = merge(t, typeOf(v))
	}
	return t
}

// settle replaces types still unknown after inference (only nulls or empty
// lists seen) with string.
func settle(t Type) Type {
	switch t.Kind {
	case kindUnknown:
		return String
	case KindList:
		return List(settle(*t.Elem))
	case KindStruct:
		fields := make([]Field, len(t.Fields))
		for i, f := range t.Fields {
			fields[i] = Field{Name: f.Name, Type: settle(f.Type)}
		}
		return Struct(fields...)
	}
	return t
}

func typeOf(v any) Type {
	switch x := v.(type) {
	case nil:
		return Type{Kind: kindUnknown}
	case string:
		return String
	case int, int32, int64:
		return Int
	case float32, float64:
		return Float
	case bool:
		return Bool
	case *Map:
		fields := make([]Field, 0, x.Len())
		for _, k := range x.Keys() {
			fv, _ := x.Get(k)
			fields = append(fields, Field{Name: k, Type: typeOf(fv)})
		}
		return Struct(fields...)
	case []any:
		return List(infer(x))
	}
	return JSONT
}

// Merge returns the narrowest type that holds the values of both a and b,
// as Infer combines the values it sees: equal types stay as they are; int
// and float give float; two structs give a struct with a's fields in order,
// then b's fields a lacks, a field in both merged (so a field missing from
// one side is simply null there); two lists give a list of the merged
// element types; any other pair (string and int, a struct and a list, ...)
// gives JSON. Merge is commutative up to the order of struct fields, and
// neither argument is modified.
func Merge(a, b Type) Type { return merge(a, b) }

func merge(a, b Type) Type {
	if a.Kind == kindUnknown {
		return b
	}
	if b.Kind == kindUnknown || a.Equal(b) {
		return a
	}
	switch {
	case a.Kind == KindInt && b.Kind == KindFloat, a.Kind == KindFloat && b.Kind == KindInt:
		return Float
	case a.Kind == KindStruct && b.Kind == KindStruct:
		out := Struct(append([]Field(nil), a.Fields...)...)
		for _, bf := range b.Fields {
			found := false
			for i, af := range out.Fields {
				if af.Name == bf.Name {
					out.Fields[i].Type = merge(af.Type, bf.Type)
					found = true
					break
				}
			}
			if !found {
				out.Fields = append(out.Fields, bf)
			}
		}
		return out
	case a.Kind == KindList && b.Kind == KindList:
		return List(merge(*a.Elem, *b.Elem))
	}
	return JSONT
}
