package validation

import (
	"fmt"

	"github.com/synthgen/synthgen/columns/value"
)

// Keys of a validation result; they are also the field names of the output
// struct.
const (
	keyIsValid  = "is_valid"
	keyMessages = "messages"
)

// resultType is the type of one validation result:
// struct{is_valid bool, messages list<string>}.
var resultType = value.Struct(
	value.Field{Name: keyIsValid, Type: value.Bool},
	value.Field{Name: keyMessages, Type: value.List(value.String)},
)

// result is the outcome of validating one input. An invalid input is a
// result, not an error.
type result struct {
	valid bool
	// undecided: the validator answered is_valid null; the cell's is_valid
	// is then null too.
	undecided bool
	messages  []string
}

// value returns the result as a cell value {is_valid, messages}; messages is
// never nil so every row has the same shape.
func (r result) value() *value.Map {
	m := value.NewMap()
	if r.undecided {
		m.Set(keyIsValid, nil)
	} else {
		m.Set(keyIsValid, r.valid)
	}
	msgs := make([]any, len(r.messages))
	for i, s := range r.messages {
		msgs[i] = s
	}
	m.Set(keyMessages, msgs)
	return m
}

// invalid returns an invalid result with one message.
func invalid(format string, args ...any) result {
	return result{messages: []string{fmt.Sprintf(format, args...)}}
}

// Result fields read besides is_valid: each adds its text to messages.
// Other fields of a result are dropped.
var messageKeys = []string{keyMessages, "message", "error", "errors", "error_message", "error_messages"}

// parseResult reads one result object of a remote or command validator:
// is_valid (bool or null, required) and any of messageKeys (a string or a
// list; non-string items are kept as JSON text).
func parseResult(v any) (result, error) {
	m, ok := v.(*value.Map)
	if !ok {
		return result{}, fmt.Errorf("result is %s, want an object with %q", value.KindOf(v), keyIsValid)
	}
	var r result
	switch iv, _ := m.Get(keyIsValid); iv := iv.(type) {
	case bool:
		r.valid = iv
	case nil:
		if _, present := m.Get(keyIsValid); !present {
			return result{}, fmt.Errorf("result has no %q", keyIsValid)
		}
		r.undecided = true
	default:
		return result{}, fmt.Errorf("result's %q is %s, want a bool", keyIsValid, value.KindOf(iv))
	}
	for _, k := range messageKeys {
		switch mv, _ := m.Get(k); mv := mv.(type) {
		case nil:
		case string:
			if mv != "" {
				r.messages = append(r.messages, mv)
			}
		case []any:
			for _, e := range mv {
				if s, ok := e.(string); ok {
					r.messages = append(r.messages, s)
				} else if e != nil {
					r.messages = append(r.messages, value.JSON(e))
				}
			}
		default:
			r.messages = append(r.messages, value.JSON(mv))
		}
	}
	return r, nil
}
