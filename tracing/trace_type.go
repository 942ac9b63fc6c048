package tracing

import (
	"errors"
	"fmt"
	"strings"
)

// TraceType is the with_trace setting of an LLM column: which messages its
// {col}__trace column holds. The zero value is TraceNone.
type TraceType string

// The trace types.
const (
	TraceNone        TraceType = "none"         // no trace column
	TraceLastMessage TraceType = "last_message" // the last assistant message
	TraceAllMessages TraceType = "all_messages" // the whole final conversation
)

// TraceTypes lists the trace types in documentation order.
func TraceTypes() []TraceType {
	return []TraceType{TraceNone, TraceLastMessage, TraceAllMessages}
}

// ErrUnknownTraceType is wrapped by the error of ParseTraceType.
var ErrUnknownTraceType = errors.New("unknown trace type")

// ParseTraceType parses a with_trace value. Any value other than the three
// names is an error wrapping ErrUnknownTraceType that lists the valid values
// and suggests one where it can: "all_messages" for "true", "none" for
// "false", else the name within edit distance 2.
func ParseTraceType(s string) (TraceType, error) {
	names := make([]string, 0, 3)
	for _, t := range TraceTypes() {
		if s == string(t) {
			return t, nil
		}
		names = append(names, string(t))
	}
	hint := ""
	switch {
	case strings.EqualFold(s, "true"):
		hint = string(TraceAllMessages)
	case strings.EqualFold(s, "false"):
		hint = string(TraceNone)
	default:
		hint = Suggest(strings.ToLower(s), names)
	}
	if hint != "" {
		hint = fmt.Sprintf("; did you mean %q?", hint)
	}
	return "", fmt.Errorf("%w %q: want one of %s%s", ErrUnknownTraceType, s, strings.Join(names, ", "), hint)
}

// UnmarshalText parses the text with ParseTraceType.
func (t *TraceType) UnmarshalText(b []byte) error {
	v, err := ParseTraceType(string(b))
	if err != nil {
		return err
	}
	*t = v
	return nil
}

// Suggest returns the candidate closest to name when the edit distance
// (adjacent transpositions count 1) is at most 2 and less than the name's
// length, else "". Ties go to the earlier candidate.
func Suggest(name string, candidates []string) string {
	best, bestD := "", 3
	for _, c := range candidates {
		if d := editDistance(name, c); d < bestD && d < len(name) {
			best, bestD = c, d
		}
	}
	return best
}

// editDistance is the optimal-string-alignment distance (Levenshtein plus
// adjacent transpositions).
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev2 := make([]int, len(rb)+1)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(rb)]
}
