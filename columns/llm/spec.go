package llm

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/synthgen/synthgen/columns"
	"github.com/synthgen/synthgen/columns/llm/parse"
	"github.com/synthgen/synthgen/columns/template"
	"github.com/synthgen/synthgen/columns/value"
	"github.com/synthgen/synthgen/config"
	"github.com/synthgen/synthgen/tracing"
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
	sh := sharedOf(bc)
	for _, col := range cols {
		c := config.LLM(col)
		u := &columns.Unit{
			Kind:          c.ColumnType,
			Columns:       []string{c.Name},
			PropagateSkip: c.Propagates(),
			Pos:           c.Meta.Pos,
			Path:          c.Meta.Path,
		}
		g := &generator{name: c.Name, alias: c.ModelAlias, seed: bc.Seed, usage: sh.usage.For(c.ModelAlias)}
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
			if key == "prompt" {
				g.prompt = t
			} else {
				g.system = t
			}
			for _, ref := range t.Refs() {
				u.Deps = append(u.Deps, columns.Dep{Name: ref, Pos: pos, Path: path})
				g.refs = appendUnique(g.refs, ref)
			}
		}
		for i, mm := range c.MultiModalContext {
			pos, path := mm.Meta.At("column_name")
			if path == "" {
				path = fmt.Sprintf("%s.multi_modal_context[%d]", c.Meta.Path, i)
			}
			u.Deps = append(u.Deps, columns.Dep{Name: mm.ColumnName, Pos: pos, Path: path})
		}
		rec, typ, ds := recipeFor(col)
		diags = append(diags, ds...)
		g.recipe = rec
		u.Outputs = append(u.Outputs, columns.Output{Name: c.Name, Type: typ, Column: c.Name, Drop: c.Drop})
		for _, se := range config.SideEffects(col) {
			o := columns.Output{Name: se, Type: value.String, Column: c.Name}
			if se == c.Name+config.TraceSuffix {
				o.Type, o.OmitNullFields = TraceType, true
			}
			u.Outputs = append(u.Outputs, o)
		}
		g.traceMode = tracing.TraceType(c.WithTrace)
		if g.traceMode == "" {
			g.traceMode = tracing.TraceNone
		}
		g.reasoning = c.ExtractReasoningContent
		g.images = c.MultiModalContext
		g.restarts, g.corrections = conversationLimits(bc.Run)
		client, info, err := sh.pool.Client(c.ModelAlias)
		if err != nil {
			// A missing key or an unknown provider is found when the run
			// prepares (exit 3), not while validating a config.
			g.prepErr = err
		} else {
			g.client, g.info = client, info
			g.skipHealth = info.SkipHealthCheck
			u.Concurrency = 2 * max(info.Slots.Max(), 1)
			u.Resource = info.Provider + "/" + info.Model
		}
		g.health = sh.healthFor(c.ModelAlias)
		if c.ToolAlias != "" {
			u.Outputs = append(u.Outputs, columns.Output{Name: c.Name + ToolsSuffix, Type: ToolsType, Column: c.Name, Drop: true})
			g.tools = &columnTools{box: mcpToolbox{m: sh.tools, alias: c.ToolAlias}, alias: c.ToolAlias, usage: sh.usage.Tools(c.Name, c.ModelAlias)}
			g.maxTurns, g.tools.timeout = toolLimits(bc.Doc, c.ToolAlias)
		}
		if g.prompt != nil && !ds.HasErrors() {
			u.Gen = g
		}
		units = append(units, u)
	}
	return units, diags
}

// conversationLimits are max_conversation_restarts (default 5) and
// max_conversation_correction_steps (default 0).
func conversationLimits(rc *config.RunConfig) (restarts, corrections int) {
	restarts, corrections = 5, 0
	if rc != nil && rc.MaxConversationRestarts != nil {
		restarts = *rc.MaxConversationRestarts
	}
	if rc != nil && rc.MaxConversationCorrectionSteps != nil {
		corrections = *rc.MaxConversationCorrectionSteps
	}
	return restarts, corrections
}

// recipeFor builds a kind's instructions and parser, and the column's type.
func recipeFor(col config.Column) (recipe, value.Type, config.Diagnostics) {
	var diags config.Diagnostics
	switch c := col.(type) {
	case *config.LLMCodeColumn:
		lang := c.CodeLang
		return recipe{
			instructions: parse.CodeInstructions(lang),
			parse:        func(reply string, _ bool) (any, error) { return parse.Code(reply, lang) },
			what:         "as one " + parse.FenceTag(lang) + " code block",
		}, value.String, nil
	case *config.LLMStructuredColumn:
		pos, path := c.Meta.At("output_format")
		doc, err := parse.SchemaFromYAML(c.OutputFormat)
		if err != nil {
			diags.Errorf(pos, path, "output_format of column %q: %v", c.Name, err)
			return recipe{}, value.JSONT, diags
		}
		schema, err := parse.CompileSchema(doc)
		if err != nil {
			diags.Errorf(pos, path, "output_format of column %q: %v", c.Name, err)
			return recipe{}, value.JSONT, diags
		}
		typ := parse.TypeOfSchema(doc)
		return recipe{
			instructions: parse.StructuredInstructions(doc),
			parse: func(reply string, bare bool) (any, error) {
				return parse.Structured(reply, schema, bare) // conformed to typ
			},
			what:   "as JSON matching the schema",
			schema: plainSchema(doc),
		}, typ, nil
	case *config.LLMJudgeColumn:
		pos, path := c.Meta.At("scores")
		scores, err := parse.ScoresFromConfig(c.Scores)
		if err != nil {
			diags.Errorf(pos, path, "scores of column %q: %v", c.Name, err)
			return recipe{}, value.JSONT, diags
		}
		doc, err := parse.JudgeSchema(scores)
		if err != nil {
			diags.Errorf(pos, path, "scores of column %q: %v", c.Name, err)
			return recipe{}, value.JSONT, diags
		}
		schema, err := parse.CompileSchema(doc)
		if err != nil {
			diags.Errorf(pos, path, "scores of column %q: %v", c.Name, err)
			return recipe{}, value.JSONT, diags
		}
		typ := parse.JudgeType(scores)
		return recipe{
			instructions: parse.StructuredInstructions(doc),
			parse: func(reply string, bare bool) (any, error) {
				v, err := parse.Judge(reply, schema, scores, bare)
				if err != nil {
					return nil, err
				}
				return parse.Conform(v, typ), nil
			},
			what:   "as JSON scores matching the rubric",
			schema: plainSchema(doc),
		}, typ, nil
	}
	return recipe{
		parse: func(reply string, _ bool) (any, error) { return parse.Text(reply), nil },
		what:  "as text",
	}, value.String, nil
}

// plainSchema is the schema as plain JSON values, for response_format.
func plainSchema(doc *value.Map) map[string]any {
	var m map[string]any
	if err := json.Unmarshal([]byte(value.CompactJSON(doc)), &m); err != nil {
		return nil
	}
	return m
}

func appendUnique(list []string, s string) []string {
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}

// toolLimits are a tool alias's max_tool_call_turns (default 5) and
// timeout_sec (default 60 s).
func toolLimits(doc *config.Document, alias string) (int, time.Duration) {
	turns, timeout := 5, 60*time.Second
	for _, t := range doc.ToolConfigs {
		if t.ToolAlias != alias {
			continue
		}
		if t.MaxToolCallTurns != nil {
			turns = *t.MaxToolCallTurns
		}
		if t.TimeoutSec != nil {
			timeout = time.Duration(*t.TimeoutSec * float64(time.Second))
		}
	}
	return turns, timeout
}
