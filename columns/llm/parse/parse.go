package parse

import (
	"errors"
	"fmt"
	"strings"
)

// Text parses an llm-text reply: the content with surrounding whitespace
// removed.
func Text(reply string) string { return strings.TrimSpace(reply) }

// Code parses an llm-code reply: the code of the last fenced block,
// trimmed. The block's language tag, if it has one, must name lang
// (case-insensitive; common aliases such as py, js, c++, cs, sh, golang,
// and sql for every SQL dialect are accepted). An untagged block is
// accepted, and so is a final block whose closing fence is missing.
func Code(reply, lang string) (string, error) {
	fs := fences(reply)
	if len(fs) == 0 {
		return "", fmt.Errorf("the reply has no fenced code block; put the %s code in one block that starts with a line ```%s and ends with a line ```",
			languageName(lang), FenceTag(lang))
	}
	last := fs[len(fs)-1]
	if last.tag != "" && !tagMatches(last.tag, lang) {
		return "", fmt.Errorf("the last fenced code block is tagged %q, but %s code was asked for in a ```%s block",
			last.tag, languageName(lang), FenceTag(lang))
	}
	code := strings.TrimSpace(last.code)
	if code == "" {
		return "", errors.New("the last fenced code block is empty")
	}
	return code, nil
}

// Structured parses an llm-structured reply against a compiled schema:
// the last ```json fenced block (or the last untagged block whose content
// is JSON), decoded tolerantly (DecodeTolerant). With bare (the model was
// sent response_format, `structured_outputs: native`) a reply that is
// JSON without fences is accepted too. Properties the schema does not
// declare are removed, object keys are put in the schema's property order,
// the result is validated, and it is returned conformed to schema.Type().
//
// The error says what was wrong in words meant to be sent back to the
// model as a correction, e.g. `the reply has no ```json fenced block; ...`
// or `the JSON does not match the schema: property "facts": expected
// array, got string`. schema must not be nil.
func Structured(reply string, schema *Schema, bare bool) (any, error) {
	v, err := decodeReply(reply, bare)
	if err != nil {
		return nil, err
	}
	v = schema.prepare(v)
	if err := schema.validate(v); err != nil {
		return nil, err
	}
	return Conform(v, schema.typ), nil
}

// jsonTags are the fence tags of a JSON block (compared lower-case).
var jsonTags = map[string]bool{"json": true, "jsonc": true, "json5": true}

// decodeReply finds and decodes the JSON of a reply.
func decodeReply(reply string, bare bool) (any, error) {
	fs := fences(reply)
	for i := len(fs) - 1; i >= 0; i-- {
		f := fs[i]
		if jsonTags[strings.ToLower(f.tag)] {
			v, err := DecodeTolerant(f.code)
			if err != nil {
				return nil, fmt.Errorf("the JSON in the last ```json block is not valid: %w", err)
			}
			return v, nil
		}
		if f.tag == "" {
			if v, err := DecodeTolerant(f.code); err == nil {
				return v, nil
			}
		}
	}
	if text := strings.TrimSpace(reply); bare && text != "" {
		v, err := DecodeTolerant(text)
		if err == nil {
			return v, nil
		}
		if len(fs) == 0 {
			return nil, fmt.Errorf("the reply is neither JSON nor has a ```json fenced block: %w", err)
		}
	}
	return nil, errors.New("the reply has no ```json fenced block; put the JSON in one block that starts with a line ```json and ends with a line ```")
}
