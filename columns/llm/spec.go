package llm

import (
	"fmt"

	"github.com/synthgen/synthgen/columns"
	"github.com/synthgen/synthgen/columns/template"
	"github.com/synthgen/synthgen/columns/value"
	"github.com/synthgen/synthgen/config"
)

var summaries = map[string]string{
	config.KindLLMText:       "text written by a model from a prompt template",
	config.KindLLMCode:       "code in one language, taken from the model's fenced block",
	config.KindLLMStructured: "a JSON value matching a JSON Schema",
	config.KindLLMJudge:      "scores from a model grading other columns against a rubric",
}

// Kinds lists the LLM column kinds.
func Kinds() []string {
	return []string{config.KindLLMText, config.KindLLMCode, config.KindLLMStructured, config.KindLLMJudge}
}

// Spec returns the spec of one LLM kind.
func Spec(kind string) columns.Spec {
	return columns.Spec{Kind: kind, Summary: summaries[kind], Fields: columns.FieldsOf(config.ColumnStruct(kind)), Build: build}
}

// TraceType is the Parquet shape of a {col}__trace column
// (spec/llm-and-traces.md, "Output types").
var TraceType = value.List(value.Struct(
	value.Field{Name: "role", Type: value.String},
	value.Field{Name: "content", Type: value.List(value.Struct(
		value.Field{Name: "type", Type: value.String},
		value.Field{Name: "text", Type: value.String},
		value.Field{Name: "image_url", Type: value.Struct(value.Field{Name: "url", Type: value.String})},
	))},
	value.Field{Name: "reasoning_content", Type: value.String},
	value.Field{Name: "tool_calls", Type: value.List(value.Struct(
		value.Field{Name: "id", Type: value.String},
		value.Field{Name: "type", Type: value.String},
		value.Field{Name: "function", Type: value.Struct(
			value.Field{Name: "name", Type: value.String},
			value.Field{Name: "arguments", Type: value.String},
		)},
	))},
	value.Field{Name: "tool_call_id", Type: value.String},
))

func build(bc *columns.BuildContext, cols []config.Column) ([]*columns.Unit, config.Diagnostics) {
	var diags config.Diagnostics
	var units []*columns.Unit
	for _, col := range cols {
		c := config.LLM(col)
		u := &columns.Unit{
			Kind:          c.ColumnType,
			Columns:       []string{c.Name},
			PropagateSkip: c.Propagates(),
			Pos:           c.Meta.Pos,
			Path:          c.Meta.Path,
		}
		for _, key := range []string{"prompt", "system_prompt"} {
			src := c.Prompt
			if key == "system_prompt" {
				src = c.SystemPrompt
			}
			if src == "" {
				continue
			}
			pos, path := c.Meta.At(key)
			t, err := template.Parse(src)
			if err != nil {
				diags.Errorf(pos, path, "%s of column %q is not a valid template: %v", key, c.Name, err)
				continue
			}
			for _, ref := range t.Refs() {
				u.Deps = append(u.Deps, columns.Dep{Name: ref, Pos: pos, Path: path})
			}
		}
		for i, mm := range c.MultiModalContext {
			pos, path := mm.Meta.At("column_name")
			if path == "" {
				path = fmt.Sprintf("%s.multi_modal_context[%d]", c.Meta.Path, i)
			}
			u.Deps = append(u.Deps, columns.Dep{Name: mm.ColumnName, Pos: pos, Path: path})
		}
		u.Outputs = append(u.Outputs, columns.Output{Name: c.Name, Type: mainType(col), Column: c.Name, Drop: c.Drop})
		for _, se := range config.SideEffects(col) {
			t := value.String
			if se == c.Name+config.TraceSuffix {
				t = TraceType
			}
			u.Outputs = append(u.Outputs, columns.Output{Name: se, Type: t, Column: c.Name})
		}
		units = append(units, u)
	}
	return units, diags
}

// mainType is the type of an LLM column's value.
func mainType(col config.Column) value.Type {
	switch c := col.(type) {
	case *config.LLMJudgeColumn:
		fields := make([]value.Field, 0, len(c.Scores))
		for _, s := range c.Scores {
			fields = append(fields, value.Field{Name: s.Name, Type: value.Struct(
				value.Field{Name: "reasoning", Type: value.String},
				value.Field{Name: "score", Type: value.String},
			)})
		}
		return value.Struct(fields...)
	case *config.LLMStructuredColumn:
		return value.JSONT // the schema-derived struct comes with the LLM columns
	}
	return value.String
}
