package export

import (
	"strings"

	"github.com/synthgen/synthgen/tracing"
)

// Tool result prefixes that mark a failed or refused call
// (spec/llm-and-traces.md, "Tool use").
var toolErrorPrefixes = []string{"Error: ", "Tool call refused: "}

// flat is the analysis view of a record:
//
//	{"row", "column", "inputs": {"system", "user"}, "output",
//	 "tools_involved": [distinct tool names, first-call order],
//	 "tool_calls", "tool_errors", "metadata": {...}, "<judge>.<score>.score": …}
//
// inputs holds the system prompt (when there is one) and the first user
// message; output the final answer's text (null when the conversation has
// none). latency and total_tokens are not in a trace and are left out.
func flat(rec Record) any {
	inputs := &obj{}
	var user *string
	for _, m := range rec.Messages {
		if m.Role == tracing.RoleSystem && len(inputs.keys) == 0 {
			inputs.set("system", text(m))
		}
		if m.Role == tracing.RoleUser && user == nil {
			s := text(m)
			user = &s
		}
	}
	if user != nil {
		inputs.set("user", *user)
	}
	var output any
	if i := lastAssistant(rec.Messages); i >= 0 {
		output = text(rec.Messages[i])
	}
	involved := []string{}
	seen := map[string]bool{}
	calls, errs := 0, 0
	for _, m := range rec.Messages {
		for _, c := range m.ToolCalls {
			calls++
			if !seen[c.Function.Name] {
				seen[c.Function.Name] = true
				involved = append(involved, c.Function.Name)
			}
		}
		if m.Role == tracing.RoleTool {
			t := text(m)
			for _, p := range toolErrorPrefixes {
				if strings.HasPrefix(t, p) {
					errs++
					break
				}
			}
		}
	}
	o := (&obj{}).set("row", rec.Row).set("column", rec.Column).
		set("inputs", inputs).set("output", output).
		set("tools_involved", involved).set("tool_calls", calls).set("tool_errors", errs)
	if len(rec.Metadata) > 0 {
		meta := &obj{}
		for _, k := range sortedKeys(rec.Metadata) {
			meta.set(k, rec.Metadata[k])
		}
		o.set("metadata", meta)
	}
	for _, k := range sortedKeys(rec.Scores) {
		o.set(k, rec.Scores[k])
	}
	return o
}
