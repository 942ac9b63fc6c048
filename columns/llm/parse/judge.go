package parse

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/synthgen/synthgen/columns/value"
	"github.com/synthgen/synthgen/config"
	"go.yaml.in/yaml/v3"
)

// Score is one rubric of an llm-judge column.
type Score struct {
	Name        string
	Description string
	Options     []Option // in file order
}

// Option is one allowed score value.
type Option struct {
	// Value is the option as written in the YAML key: "5", "excellent".
	// It is the score's value in the cell.
	Value string
	// Number is set when the YAML key was numeric (5, 4.5); the schema's
	// enum then holds the number.
	Number *float64
	// Description says what the option means.
	Description string
}

// enumValue is the option as a JSON value of the schema's enum.
func (o Option) enumValue() any {
	if o.Number == nil {
		return o.Value
	}
	if f := *o.Number; f == math.Trunc(f) && math.Abs(f) < 1<<53 {
		return int64(f)
	}
	return *o.Number
}

// ScoresFromConfig reads the rubrics of an llm-judge column. Each options
// mapping gives option value → description, in file order; a numeric key
// (5, 4.5) makes a numeric option.
func ScoresFromConfig(scores []config.Score) ([]Score, error) {
	out := make([]Score, 0, len(scores))
	for _, cs := range scores {
		s := Score{Name: cs.Name, Description: cs.Description}
		n := cs.Options
		for n != nil && n.Kind == yaml.AliasNode {
			n = n.Alias
		}
		if n == nil || n.Kind != yaml.MappingNode {
			return nil, fmt.Errorf("score %q: options must be a mapping of value → description", cs.Name)
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			for k.Kind == yaml.AliasNode && k.Alias != nil {
				k = k.Alias
			}
			for v.Kind == yaml.AliasNode && v.Alias != nil {
				v = v.Alias
			}
			if k.Kind != yaml.ScalarNode || k.ShortTag() == "!!null" {
				return nil, fmt.Errorf("score %q: option keys must be numbers or text (line %d)", cs.Name, k.Line)
			}
			o := Option{Value: k.Value}
			if tag := k.ShortTag(); tag == "!!int" || tag == "!!float" {
				var f float64
				if err := k.Decode(&f); err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
					return nil, fmt.Errorf("score %q: option %s is not a usable number (line %d)", cs.Name, k.Value, k.Line)
				}
				o.Number = &f
			}
			switch {
			case v.Kind == yaml.ScalarNode && v.ShortTag() != "!!null":
				o.Description = v.Value
			case v.Kind != yaml.ScalarNode:
				return nil, fmt.Errorf("score %q: the description of option %s must be text (line %d)", cs.Name, k.Value, v.Line)
			}
			s.Options = append(s.Options, o)
		}
		out = append(out, s)
	}
	return out, nil
}

// JudgeSchema builds the JSON Schema a judge reply must match: an object
// with one required property per score, each an object
// {reasoning: string, score: one of the option values}, with the
// descriptions, and additionalProperties false at each level. Numeric
// options are numbers in the enum, text options strings. Pass it to
// StructuredInstructions and CompileSchema.
func JudgeSchema(scores []Score) (*value.Map, error) {
	if len(scores) == 0 {
		return nil, errors.New("a judge needs at least one score")
	}
	props := value.NewMap()
	required := make([]any, 0, len(scores))
	for _, s := range scores {
		if s.Name == "" {
			return nil, errors.New("a score has no name")
		}
		if _, dup := props.Get(s.Name); dup {
			return nil, fmt.Errorf("duplicate score name %q", s.Name)
		}
		if err := checkOptions(s); err != nil {
			return nil, err
		}
		reasoning := value.NewMap()
		reasoning.Set("type", "string")
		reasoning.Set("description", "Your reasoning for the score, written before choosing it")
		score := value.NewMap()
		if t := optionsType(s.Options); t != "" {
			score.Set("type", t)
		}
		enum := make([]any, len(s.Options))
		var meanings []string
		described := false
		for i, o := range s.Options {
			enum[i] = o.enumValue()
			if o.Description != "" {
				described = true
				meanings = append(meanings, o.Value+": "+o.Description)
			} else {
				meanings = append(meanings, o.Value)
			}
		}
		score.Set("enum", enum)
		if described {
			score.Set("description", strings.Join(meanings, "; "))
		}
		inner := value.NewMap()
		inner.Set("reasoning", reasoning)
		inner.Set("score", score)
		obj := value.NewMap()
		obj.Set("type", "object")
		if s.Description != "" {
			obj.Set("description", s.Description)
		}
		obj.Set("properties", inner)
		obj.Set("required", []any{"reasoning", "score"})
		obj.Set("additionalProperties", false)
		props.Set(s.Name, obj)
		required = append(required, s.Name)
	}
	schema := value.NewMap()
	schema.Set("type", "object")
	schema.Set("properties", props)
	schema.Set("required", required)
	schema.Set("additionalProperties", false)
	return schema, nil
}

// checkOptions rejects options that score coercion could not tell apart.
func checkOptions(s Score) error {
	if len(s.Options) == 0 {
		return fmt.Errorf("score %q has no options", s.Name)
	}
	for i, a := range s.Options {
		for _, b := range s.Options[:i] {
			same := false
			switch {
			case a.Number != nil && b.Number != nil:
				same = *a.Number == *b.Number
			case a.Number == nil && b.Number == nil:
				same = strings.EqualFold(strings.TrimSpace(a.Value), strings.TrimSpace(b.Value))
			}
			if same {
				return fmt.Errorf("score %q: options %q and %q are the same value", s.Name, b.Value, a.Value)
			}
		}
	}
	return nil
}

// optionsType is the JSON type shared by the options, or "".
func optionsType(opts []Option) string {
	t := ""
	for _, o := range opts {
		ot := "string"
		if o.Number != nil {
			ot = "integer"
			if _, ok := o.enumValue().(float64); ok {
				ot = "number"
			}
		}
		switch {
		case t == "":
			t = ot
		case t == ot:
		case (t == "integer" || t == "number") && (ot == "integer" || ot == "number"):
			t = "number"
		default:
			return ""
		}
	}
	return t
}

// JudgeType is the column type of judge values:
// struct{<score name>: struct{reasoning string, score string}}.
func JudgeType(scores []Score) value.Type {
	fields := make([]value.Field, len(scores))
	for i, s := range scores {
		fields[i] = value.Field{Name: s.Name, Type: value.Struct(
			value.Field{Name: "reasoning", Type: value.String},
			value.Field{Name: "score", Type: value.String},
		)}
	}
	return value.Struct(fields...)
}

// Judge parses an llm-judge reply as Structured does, with schema compiled
// from JudgeSchema(scores). Before validation each score is coerced to an
// option value when that is unambiguous: "5", 5, 5.0 and " 5 " all match
// option 5 (or "5"); text matches text options trimmed and
// case-insensitively; true/false match only text options "true"/"false",
// never numbers. The value has the type JudgeType(scores), each score in
// its string form as written in the config ("5", "excellent").
func Judge(reply string, schema *Schema, scores []Score, bare bool) (any, error) {
	v, err := decodeReply(reply, bare)
	if err != nil {
		return nil, err
	}
	v = schema.prepare(v)
	if m, ok := v.(*value.Map); ok {
		for _, s := range scores {
			sv, _ := m.Get(s.Name)
			sm, ok := sv.(*value.Map)
			if !ok {
				continue
			}
			if raw, ok := sm.Get("score"); ok {
				if i, ok := matchOption(raw, s.Options); ok {
					sm.Set("score", s.Options[i].enumValue())
				}
			}
		}
	}
	if err := schema.validate(v); err != nil {
		return nil, err
	}
	m, _ := v.(*value.Map)
	out := value.NewMap()
	for _, s := range scores {
		sv, _ := m.Get(s.Name)
		sm, ok := sv.(*value.Map)
		if !ok {
			continue
		}
		entry := value.NewMap()
		if r, ok := sm.Get("reasoning"); ok {
			entry.Set("reasoning", Conform(r, value.String))
		}
		if sc, ok := sm.Get("score"); ok {
			text := value.CompactJSON(sc)
			if str, isStr := sc.(string); isStr {
				text = str
			}
			if i, ok := matchOption(sc, s.Options); ok {
				text = s.Options[i].Value
			}
			entry.Set("score", text)
		}
		out.Set(s.Name, entry)
	}
	return out, nil
}

// matchOption finds the option a reply's score stands for: an exact match
// (same JSON type and value) first, else a loose one (trimmed,
// case-insensitive, numbers written as text); only a single match counts.
func matchOption(v any, opts []Option) (int, bool) {
	if i, ok := single(opts, func(o Option) bool { return exactMatch(v, o) }); ok {
		return i, true
	}
	return single(opts, func(o Option) bool { return looseMatch(v, o) })
}

func single(opts []Option, match func(Option) bool) (int, bool) {
	found := -1
	for i, o := range opts {
		if match(o) {
			if found >= 0 {
				return 0, false
			}
			found = i
		}
	}
	return found, found >= 0
}

func exactMatch(v any, o Option) bool {
	switch x := v.(type) {
	case string:
		return o.Number == nil && x == o.Value
	case int64:
		return o.Number != nil && float64(x) == *o.Number
	case float64:
		return o.Number != nil && x == *o.Number
	}
	return false
}

func looseMatch(v any, o Option) bool {
	optNum, optIsNum := optionNumber(o)
	switch x := v.(type) {
	case bool:
		return o.Number == nil && strings.EqualFold(strings.TrimSpace(o.Value), strconv.FormatBool(x))
	case int64:
		return optIsNum && float64(x) == optNum
	case float64:
		return optIsNum && x == optNum
	case string:
		t := strings.TrimSpace(x)
		if o.Number == nil && strings.EqualFold(t, strings.TrimSpace(o.Value)) {
			return true
		}
		n, ok := parseNumber(t)
		return ok && optIsNum && n == optNum
	}
	return false
}

// optionNumber is the option's number: its YAML number, or its text when
// that is a number ('5' quoted in YAML).
func optionNumber(o Option) (float64, bool) {
	if o.Number != nil {
		return *o.Number, true
	}
	return parseNumber(strings.TrimSpace(o.Value))
}

// parseNumber parses a plain decimal number (no NaN, Inf, hex or _).
func parseNumber(s string) (float64, bool) {
	if s == "" || strings.ContainsAny(s, "xXpP_nNiI") {
		return 0, false
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(f, 0) {
		return 0, false
	}
	return f, true
}
