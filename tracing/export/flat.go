package export

import (
	"github.com/synthgen/synthgen/tracing"
)

// flat is the analysis view of a record:
//
//	{"row", "column", "inputs": {"system", "user"}, "output",
//	 "tools_involved": [distinct tool names, first-call order],
//	 "tool_calls", "tool_errors", "metadata": {...}, "<judge>.<score>.score": …}
//
// inputs holds the system prompt (when there is one) and the first user
// message; output the final answer's text (null when the conversation has
// none). With the row's spans (Record.Spans), "latency" (seconds) and
// "total_tokens" of the column's cell follow tool_errors: the cell span's
// latency, and its total tokens or else the sum over its model requests
// (null when the trace has no cell of the column); without spans they are
// left out.
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
		if tracing.IsToolError(m) {
			errs++
		}
	}
	o := (&obj{}).set("row", rec.Row).set("column", rec.Column).
		set("inputs", inputs).set("output", output).
		set("tools_involved", involved).set("tool_calls", calls).set("tool_errors", errs)
	if len(rec.Spans) > 0 {
		var latency, total any // null without a cell of the column
		if cell := newSpanTree(rec).cellOf(rec.Column); cell != nil {
			s := cell.span
			seconds := s.Latency
			if seconds == 0 && !s.EndTime.IsZero() {
				seconds = s.EndTime.Sub(s.StartTime).Seconds()
			}
			latency, total = seconds, s.TotalTokens
			if cell.cell != nil { // an LLM cell
				total = cell.cell.totalTokens
			}
		}
		o.set("latency", latency).set("total_tokens", total)
	}
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
