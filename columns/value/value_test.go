package value

import "testing"

func TestFormatFloatLikePython(t *testing.T) {
	tests := []struct {
		give float64
		want string
	}{
		{2, "2.0"}, {2.5, "2.5"}, {1234567.5, "1234567.5"}, {1e16, "1e+16"}, {1.5e-5, "1.5e-05"},
		{0.0001, "0.0001"}, {-3, "-3.0"}, {0, "0.0"},
	}
	for _, tt := range tests {
		if got := FormatFloat(tt.give); got != tt.want {
			t.Errorf("FormatFloat(%v) = %q, want %q", tt.give, got, tt.want)
		}
	}
}

func TestJSONKeepsOrderAndPythonSeparators(t *testing.T) {
	m := NewMap()
	m.Set("b", int64(1))
	m.Set("a", []any{"x", 2.0, nil, true})
	inner := NewMap()
	inner.Set("ü", "<ok>")
	m.Set("c", inner)
	if got, want := JSON(m), `{"b": 1, "a": ["x", 2.0, null, true], "c": {"ü": "<ok>"}}`; got != want {
		t.Fatalf("JSON = %s, want %s", got, want)
	}
	if got, want := CompactJSON(m), `{"b":1,"a":["x",2.0,null,true],"c":{"ü":"<ok>"}}`; got != want {
		t.Fatalf("CompactJSON = %s, want %s", got, want)
	}
}

func TestDecodeJSONKeepsOrder(t *testing.T) {
	v, err := DecodeJSON([]byte(`{"z": 1, "a": {"y": [1, 2.5], "b": null}}`))
	if err != nil {
		t.Fatal(err)
	}
	if got := JSON(v); got != `{"z": 1, "a": {"y": [1, 2.5], "b": null}}` {
		t.Fatalf("round trip: %s", got)
	}
	if _, err := DecodeJSON([]byte(`{"a": 1} x`)); err == nil {
		t.Fatal("trailing data accepted")
	}
}

func TestInfer(t *testing.T) {
	a := NewMap()
	a.Set("n", int64(1))
	a.Set("s", nil)
	b := NewMap()
	b.Set("n", 2.5)
	b.Set("s", "x")
	b.Set("extra", []any{})
	tests := []struct {
		give []any
		want string
	}{
		{[]any{int64(1), nil, int64(2)}, "int"},
		{[]any{int64(1), 2.5}, "float"},
		{[]any{"a", int64(1)}, "json"},
		{[]any{nil}, "string"},
		{[]any{a, b}, "struct{n float, s string, extra list<string>}"},
		{[]any{[]any{int64(1)}, []any{}}, "list<int>"},
	}
	for _, tt := range tests {
		if got := Infer(tt.give).String(); got != tt.want {
			t.Errorf("Infer(%v) = %s, want %s", tt.give, got, tt.want)
		}
	}
}

func TestMerge(t *testing.T) {
	msg := Struct(Field{"role", String}, Field{"content", String})
	tool := Struct(Field{"role", String}, Field{"tool_calls", List(JSONT)})
	tests := []struct {
		a, b Type
		want string
	}{
		{String, String, "string"},
		{Int, Float, "float"},
		{Float, Int, "float"},
		{String, Int, "json"},
		{Bool, List(Int), "json"},
		{msg, msg, "struct{role string, content string}"},
		{msg, tool, "struct{role string, content string, tool_calls list<json>}"},
		{Struct(Field{"n", Int}), Struct(Field{"n", Float}), "struct{n float}"},
		{Struct(Field{"n", Int}), List(Int), "json"},
		{List(Int), List(Float), "list<float>"},
		{List(msg), List(tool), "list<struct{role string, content string, tool_calls list<json>}>"},
		{JSONT, String, "json"},
	}
	for _, tt := range tests {
		if got := Merge(tt.a, tt.b).String(); got != tt.want {
			t.Errorf("Merge(%s, %s) = %s, want %s", tt.a, tt.b, got, tt.want)
		}
	}
	// The arguments are not modified.
	if msg.String() != "struct{role string, content string}" || tool.String() != "struct{role string, tool_calls list<json>}" {
		t.Errorf("Merge modified its arguments: %s, %s", msg, tool)
	}
}

func TestFormatFloatShortestRepr(t *testing.T) {
	x := 0.1
	if got := FormatFloat(x + 0.2); got != "0.30000000000000004" {
		t.Fatalf("got %s", got)
	}
}
