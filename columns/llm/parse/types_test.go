package parse

import (
	"testing"

	"github.com/synthgen/synthgen/columns/value"
)

func TestTypeOfSchema(t *testing.T) {
	tests := []struct {
		name   string
		schema string
		want   string
	}{
		{"string", `{"type": "string"}`, "string"},
		{"integer", `{"type": "integer"}`, "int"},
		{"number", `{"type": "number"}`, "float"},
		{"boolean", `{"type": "boolean"}`, "bool"},
		{"nullable", `{"type": ["string", "null"]}`, "string"},
		{"integer or number", `{"type": ["integer", "number"]}`, "float"},
		{"two types", `{"type": ["string", "integer"]}`, "json"},
		{"only null", `{"type": "null"}`, "json"},
		{"object in schema order", `{"type": "object", "properties": {"z": {"type": "string"}, "a": {"type": "integer"}}}`, "struct{z string, a int}"},
		{"nested", `{"type": "object", "properties": {"facts": {"type": "array", "items": {"type": "object", "properties": {"n": {"type": "number"}}}}}}`,
			"struct{facts list<struct{n float}>}"},
		{"array without items", `{"type": "array"}`, "list<json>"},
		{"tuple (prefixItems)", `{"type": "array", "prefixItems": [{"type": "string"}]}`, "json"},
		{"tuple (items array)", `{"type": "array", "items": [{"type": "string"}]}`, "json"},
		{"property without type", `{"type": "object", "properties": {"a": {"description": "anything"}}}`, "struct{a json}"},
		{"missing type", `{"properties": {"a": {"type": "string"}}}`, "json"},
		{"free object", `{"type": "object"}`, "json"},
		{"free additionalProperties", `{"type": "object", "additionalProperties": {"type": "string"}}`, "json"},
		{"properties plus additionalProperties true", `{"type": "object", "properties": {"a": {"type": "string"}}, "additionalProperties": true}`, "json"},
		{"additionalProperties false", `{"type": "object", "properties": {"a": {"type": "string"}}, "additionalProperties": false}`, "struct{a string}"},
		{"patternProperties", `{"type": "object", "properties": {"a": {"type": "string"}}, "patternProperties": {"^x": {}}}`, "json"},
		{"enum of strings", `{"enum": ["a", "b"]}`, "string"},
		{"enum of integers", `{"enum": [1, 2, null]}`, "int"},
		{"enum of numbers", `{"enum": [1, 2.5]}`, "float"},
		{"enum of mixed types", `{"enum": ["a", 1]}`, "json"},
		{"const", `{"const": true}`, "bool"},
		{"anyOf with null (pydantic Optional)", `{"anyOf": [{"type": "integer"}, {"type": "null"}]}`, "int"},
		{"anyOf of differing types", `{"anyOf": [{"type": "integer"}, {"type": "string"}]}`, "json"},
		{"oneOf of the same type", `{"oneOf": [{"type": "string", "maxLength": 2}, {"type": "string", "minLength": 5}]}`, "string"},
		{"allOf of objects merges", `{"allOf": [{"type": "object", "properties": {"a": {"type": "string"}}}, {"type": "object", "properties": {"b": {"type": "integer"}}}]}`,
			"struct{a string, b int}"},
		{"allOf of differing types", `{"allOf": [{"type": "string"}, {"type": "integer"}]}`, "json"},
		{"type with a constraint-only allOf", `{"type": "string", "allOf": [{"minLength": 1}]}`, "string"},
		{"$ref to $defs", `{"type": "object", "properties": {"s": {"$ref": "#/$defs/S"}}, "$defs": {"S": {"type": "object", "properties": {"u": {"type": "string"}}}}}`,
			"struct{s struct{u string}}"},
		{"object refined by allOf $ref", `{"type": "object", "allOf": [{"$ref": "#/$defs/S"}], "$defs": {"S": {"type": "object", "properties": {"u": {"type": "string"}}}}}`,
			"struct{u string}"},
		{"unresolvable $ref", `{"$ref": "#/nowhere"}`, "json"},
		{"recursive schema", `{"$ref": "#/$defs/N", "$defs": {"N": {"type": "object", "properties": {"v": {"type": "integer"}, "next": {"anyOf": [{"$ref": "#/$defs/N"}, {"type": "null"}]}}}}}`,
			"struct{v int, next json}"},
		{"if/then", `{"type": "string", "if": {"minLength": 1}, "then": {"maxLength": 3}}`, "json"},
		{"empty schema", `{}`, "json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := TypeOfSchema(mustMap(t, tt.schema)).String(); got != tt.want {
				t.Errorf("TypeOfSchema(%s) = %s, want %s", tt.schema, got, tt.want)
			}
		})
	}
}

func TestConform(t *testing.T) {
	obj := value.Struct(value.Field{Name: "b", Type: value.Float}, value.Field{Name: "a", Type: value.Int})
	tests := []struct {
		name string
		give string
		typ  value.Type
		want string // value.JSON
	}{
		{"int from an integral float", `3.0`, value.Int, `3`},
		{"float from an int", `3`, value.Float, `3.0`},
		{"non-integral float does not fit Int", `3.5`, value.Int, `null`},
		{"null", `null`, value.Int, `null`},
		{"struct in type order, unknown keys dropped, missing kept missing", `{"a": 1.0, "x": 2, "b": 2}`, obj, `{"b": 2.0, "a": 1}`},
		{"list items", `[1, 2.0]`, value.List(value.Int), `[1, 2]`},
		{"JSON parts kept", `{"b": 1, "a": [1, "x"]}`, value.Struct(value.Field{Name: "a", Type: value.JSONT}), `{"a": [1, "x"]}`},
		{"mismatch", `"x"`, value.Int, `null`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := value.DecodeJSON([]byte(tt.give))
			if err != nil {
				t.Fatal(err)
			}
			if got := value.JSON(Conform(v, tt.typ)); got != tt.want {
				t.Errorf("Conform(%s, %s) = %s, want %s", tt.give, tt.typ, got, tt.want)
			}
		})
	}
	if _, ok := Conform(float64(7), value.Int).(int64); !ok {
		t.Error("Conform(7.0, Int) is not an int64")
	}
	if _, ok := Conform(int64(7), value.Float).(float64); !ok {
		t.Error("Conform(7, Float) is not a float64")
	}
}
