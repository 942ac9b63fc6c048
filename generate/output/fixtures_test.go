package output

import (
	"fmt"

	"github.com/synthgen/synthgen/columns/value"
)

func field(name string, t value.Type) value.Field { return value.Field{Name: name, Type: t} }

// obj builds a *value.Map from alternating keys and values.
func obj(kv ...any) *value.Map {
	m := value.NewMap()
	for i := 0; i < len(kv); i += 2 {
		m.Set(kv[i].(string), kv[i+1])
	}
	return m
}

func list(vs ...any) []any {
	if vs == nil {
		return []any{}
	}
	return vs
}

// traceType is the __trace column shape of llm-and-traces.md.
var traceType = value.List(value.Struct(
	field("role", value.String),
	field("content", value.List(value.Struct(
		field("type", value.String),
		field("text", value.String),
		field("image_url", value.Struct(field("url", value.String))),
	))),
	field("reasoning_content", value.String),
	field("tool_calls", value.List(value.Struct(
		field("id", value.String),
		field("type", value.String),
		field("function", value.Struct(field("name", value.String), field("arguments", value.String))),
	))),
	field("tool_call_id", value.String),
))

var personType = value.Struct(
	field("first_name", value.String),
	field("last_name", value.String),
	field("age", value.Int),
	field("height_m", value.Float),
	field("is_member", value.Bool),
	field("address", value.Struct(field("street", value.String), field("city", value.String), field("zip", value.String))),
	field("phones", value.List(value.String)),
)

func textBlock(s string) *value.Map { return obj("type", "text", "text", s) }

// sampleTrace is a conversation with a system prompt, a user turn with an
// image, a tool call, its result and a final answer with reasoning. Absent
// optional fields are simply not set.
func sampleTrace(i int) []any {
	return list(
		obj("role", "system", "content", list(textBlock("You are helpful."))),
		obj("role", "user", "content", list(
			textBlock(fmt.Sprintf("Describe picture %d — ünïcödé, \"quotes\", <tags> & commas,", i)),
			obj("type", "image_url", "image_url", obj("url", "https://example.com/p.png")),
		)),
		obj("role", "assistant", "content", list(), "tool_calls", list(
			obj("id", "call_1", "type", "function", "function", obj("name", "lookup", "arguments", `{"q":"x"}`)),
		)),
		obj("role", "tool", "content", list(textBlock("result\nwith newline")), "tool_call_id", "call_1"),
		obj("role", "assistant", "content", list(textBlock("Done.")), "reasoning_content", "thinking..."),
	)
}

// sampleColumns and sampleRows cover every type, nulls at every level, empty
// lists, lists of structs, the trace shape and a person-like struct.
var sampleColumns = []Column{
	{Name: "id", Type: value.Int},
	{Name: "name", Type: value.String},
	{Name: "score", Type: value.Float},
	{Name: "ok", Type: value.Bool},
	{Name: "person", Type: personType},
	{Name: "tags", Type: value.List(value.String)},
	{Name: "matrix", Type: value.List(value.List(value.Int))},
	{Name: "items", Type: value.List(value.Struct(field("sku", value.String), field("qty", value.Int)))},
	{Name: "extra", Type: value.JSONT},
	{Name: "empty_struct", Type: value.Struct()},
	{Name: "__trace", Type: traceType},
	{Name: "__reasoning_content", Type: value.String},
}

func sampleRows() [][]any {
	person := obj("first_name", "Ada", "last_name", "Lovelace", "age", int64(36), "height_m", 1.65, "is_member", true,
		"address", obj("street", "12 St James's Sq", "city", "London", "zip", "SW1"), "phones", list("+44 1", "+44 2"))
	partial := obj("first_name", "Bob", "age", nil, "address", obj("city", "Paris"), "phones", list())
	return [][]any{
		{int64(1), "alpha", 2.5, true, person, list("a", "b"), list(list(int64(1), int64(2)), list(), nil, list(int64(3))),
			list(obj("sku", "x1", "qty", int64(2)), obj("sku", "x2")), obj("k", list(int64(1), "two", nil), "n", 2.0),
			obj(), sampleTrace(0), "because"},
		{nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil},
		{int64(-3), "", 2.0, false, partial, list(), list(), list(), "plain string", nil, list(), nil},
		{int64(1) << 62, "nulls inside", -0.125, nil, obj("address", nil, "phones", nil), list(nil, "x", nil),
			list(list(nil)), list(nil, obj("sku", nil, "qty", nil)), list(int64(1), 2.5), nil,
			list(obj("role", "user", "content", nil), obj("role", nil, "content", list(nil, obj("type", "text")))), ""},
	}
}

// complete returns v as it reads back for type t: every struct field
// present (absent ones null), in type order.
func complete(v any, t value.Type) any {
	if v == nil {
		return nil
	}
	switch t.Kind {
	case value.KindStruct:
		if len(t.Fields) == 0 {
			return v
		}
		m := v.(*value.Map)
		out := value.NewMap()
		for _, f := range t.Fields {
			fv, _ := m.Get(f.Name)
			out.Set(f.Name, complete(fv, f.Type))
		}
		return out
	case value.KindList:
		in := v.([]any)
		out := make([]any, len(in))
		for i, e := range in {
			out[i] = complete(e, *t.Elem)
		}
		return out
	}
	return v
}

func completeRows(cols []Column, rows [][]any) [][]any {
	out := make([][]any, len(rows))
	for i, row := range rows {
		out[i] = make([]any, len(row))
		for j, v := range row {
			out[i][j] = complete(v, cols[j].Type)
		}
	}
	return out
}
