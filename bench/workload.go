package main

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Column kinds of a workload.
const (
	kindSampler    = "sampler"
	kindExpression = "expression"
	kindText       = "llm-text"
	kindJudge      = "llm-judge"
	kindToolText   = "llm-text+tools" // an llm-text column with a tool_alias
)

// toolTurns is the number of tool-calling replies the mock server gives
// before its final answer (mock-server --tool-turns, default 1), so a tool
// column costs toolTurns+1 requests per row.
const toolTurns = 1

// benchModel is one model alias and its model id on the mock server. Distinct
// ids are distinct endpoints, each with its own slots.
type benchModel struct {
	Alias, ID string
}

// benchColumn is one column of a workload. Deps are the columns its template
// references; they must come earlier in workload.Columns.
type benchColumn struct {
	Name  string
	Kind  string
	Model string // alias; LLM columns only
	Deps  []string
}

// calls is the number of HTTP requests the column makes per row.
func (c benchColumn) calls() int {
	switch c.Kind {
	case kindText, kindJudge:
		return 1
	case kindToolText:
		return 1 + toolTurns
	}
	return 0
}

// workload is a dataset shape: the harness writes its synthgen config and
// computes its T* from it.
type workload struct {
	Name        string
	Description string
	Models      []benchModel
	Columns     []benchColumn
	Tools       bool // needs the demo MCP server

	// Defaults of a single run (flags override them).
	Rows    int
	Slots   int
	Latency string
	// CapacityDiv > 0 runs the mock server with --capacity slots/CapacityDiv
	// unless -capacity is given; Queueing adds --queueing.
	CapacityDiv int
	Queueing    bool
}

// workloadNames lists every workload.
var workloadNames = []string{"narrow", "wide", "deep", "dual-model", "tools", "big", "ratelimit", "queueing"}

// shapeNames are the workloads the standard suite runs at every size.
var shapeNames = []string{"narrow", "wide", "deep", "dual-model", "tools"}

func lookupWorkload(name string) (workload, error) {
	var w workload
	switch name {
	case "narrow":
		w = chainWorkload("narrow", "4 LLM columns in a chain off one sampler", 4)
	case "wide":
		w = workload{
			Name:        "wide",
			Description: "5 independent LLM columns off one sampler",
			Models:      []benchModel{{"gen", "bench-gen"}},
			Columns:     []benchColumn{topicColumn()},
		}
		for i := 1; i <= 5; i++ {
			w.Columns = append(w.Columns, benchColumn{Name: fmt.Sprintf("w%d", i), Kind: kindText, Model: "gen", Deps: []string{"topic"}})
		}
	case "deep":
		w = workload{
			Name: "deep",
			Description: "a chain of 6 LLM columns (an expression in the middle) plus a 2-column branch " +
				"off the second that joins the last: 8 calls, 6 in the longest chain",
			Models: []benchModel{{"gen", "bench-gen"}},
			Columns: []benchColumn{
				topicColumn(),
				{Name: "d1", Kind: kindText, Model: "gen", Deps: []string{"topic"}},
				{Name: "d2", Kind: kindText, Model: "gen", Deps: []string{"d1"}},
				{Name: "d3", Kind: kindText, Model: "gen", Deps: []string{"d2"}},
				{Name: "d3_len", Kind: kindExpression, Deps: []string{"d3"}},
				{Name: "d4", Kind: kindText, Model: "gen", Deps: []string{"d3", "d3_len"}},
				{Name: "d5", Kind: kindText, Model: "gen", Deps: []string{"d4"}},
				{Name: "b1", Kind: kindText, Model: "gen", Deps: []string{"d2"}},
				{Name: "b2", Kind: kindText, Model: "gen", Deps: []string{"b1"}},
				{Name: "d6", Kind: kindText, Model: "gen", Deps: []string{"d5", "b2"}},
			},
		}
	case "dual-model":
		w = workload{
			Name:        "dual-model",
			Description: "3 generators on one model, each graded by an llm-judge on a second model",
			Models:      []benchModel{{"writer", "bench-writer"}, {"judge", "bench-judge"}},
			Columns:     []benchColumn{topicColumn()},
		}
		for i := 1; i <= 3; i++ {
			w.Columns = append(w.Columns, benchColumn{Name: fmt.Sprintf("g%d", i), Kind: kindText, Model: "writer", Deps: []string{"topic"}})
		}
		for i := 1; i <= 3; i++ {
			w.Columns = append(w.Columns, benchColumn{Name: fmt.Sprintf("j%d", i), Kind: kindJudge, Model: "judge", Deps: []string{fmt.Sprintf("g%d", i)}})
		}
	case "tools":
		w = workload{
			Name: "tools",
			Description: "a chain over three models; the middle one makes one tool turn (2 requests) " +
				"against the demo MCP server (stdio)",
			Models: []benchModel{{"asker", "bench-asker"}, {"agent", "bench-agent"}, {"reviewer", "bench-reviewer"}},
			Columns: []benchColumn{
				topicColumn(),
				{Name: "a", Kind: kindSampler},
				{Name: "b", Kind: kindSampler},
				{Name: "question", Kind: kindText, Model: "asker", Deps: []string{"topic"}},
				{Name: "answer", Kind: kindToolText, Model: "agent", Deps: []string{"question", "a", "b"}},
				{Name: "review", Kind: kindText, Model: "reviewer", Deps: []string{"answer"}},
			},
			Tools: true,
		}
	case "big":
		w = workload{
			Name:        "big",
			Description: "8 LLM columns (4 pairs: a generator and its follow-up) off one sampler, at scale",
			Models:      []benchModel{{"gen", "bench-gen"}},
			Columns:     []benchColumn{topicColumn()},
			Rows:        1_000_000, Slots: 1024, Latency: "20ms",
		}
		for i := 1; i <= 4; i++ {
			x := fmt.Sprintf("x%d", i)
			w.Columns = append(w.Columns,
				benchColumn{Name: x, Kind: kindText, Model: "gen", Deps: []string{"topic"}},
				benchColumn{Name: fmt.Sprintf("y%d", i), Kind: kindText, Model: "gen", Deps: []string{x}})
		}
	case "ratelimit":
		w = chainWorkload("ratelimit", "the narrow chain against a server that answers 429 above --capacity "+
			"(default slots/4)", 4)
		w.CapacityDiv = 4
	case "queueing":
		w = chainWorkload("queueing", "the narrow chain against a server that queues above --capacity "+
			"(default slots/4) instead of answering 429, like vLLM", 4)
		w.CapacityDiv, w.Queueing = 4, true
	default:
		return workload{}, fmt.Errorf("unknown workload %q; known: %s", name, strings.Join(workloadNames, ", "))
	}
	if w.Rows == 0 {
		w.Rows = 1000
	}
	if w.Slots == 0 {
		w.Slots = 64
	}
	if w.Latency == "" {
		w.Latency = "100ms"
	}
	return w, nil
}

func topicColumn() benchColumn { return benchColumn{Name: "topic", Kind: kindSampler} }

// chainWorkload is n LLM columns in a chain off one sampler, on one model.
func chainWorkload(name, desc string, n int) workload {
	w := workload{Name: name, Description: desc, Models: []benchModel{{"gen", "bench-gen"}}, Columns: []benchColumn{topicColumn()}}
	prev := "topic"
	for i := 1; i <= n; i++ {
		c := fmt.Sprintf("n%d", i)
		w.Columns = append(w.Columns, benchColumn{Name: c, Kind: kindText, Model: "gen", Deps: []string{prev}})
		prev = c
	}
	return w
}

// callsPerRow is the requests per row on each model alias.
func (w workload) callsPerRow() map[string]int {
	out := map[string]int{}
	for _, c := range w.Columns {
		if c.Model != "" {
			out[c.Model] += c.calls()
		}
	}
	return out
}

// totalCalls is the requests per row over all models.
func (w workload) totalCalls() int {
	n := 0
	for _, c := range w.callsPerRow() {
		n += c
	}
	return n
}

// chainCalls is the number of requests on the longest dependency chain of a
// row (expressions and samplers count zero).
func (w workload) chainCalls() int {
	longest := map[string]int{}
	best := 0
	for _, c := range w.Columns {
		l := 0
		for _, d := range c.Deps {
			l = max(l, longest[d])
		}
		longest[c.Name] = l + c.calls()
		best = max(best, longest[c.Name])
	}
	return best
}

// effectiveSlots is the concurrency a model can really get: the client's
// slots, or the server's capacity when that is lower.
func effectiveSlots(slots, capacity int) int {
	if capacity > 0 && capacity < slots {
		return capacity
	}
	return slots
}

// tstar is the lower bound of the wall time (spec/engine.md): the busiest
// model's rows × calls per row × mean latency ÷ slots, plus the longest
// per-row chain of latencies. bottleneck is that model's alias (the first in
// config order on a tie).
func (w workload) tstar(rows, slots, capacity int, meanLatency time.Duration) (tstar time.Duration, bottleneck string) {
	s := effectiveSlots(slots, capacity)
	calls := w.callsPerRow()
	var worst float64
	for _, m := range w.Models {
		t := float64(rows) * float64(calls[m.Alias]) * meanLatency.Seconds() / float64(s)
		if bottleneck == "" || t > worst {
			worst, bottleneck = t, m.Alias
		}
	}
	chain := float64(w.chainCalls()) * meanLatency.Seconds()
	return time.Duration((worst + chain) * float64(time.Second)), bottleneck
}

// modelID returns the mock-server model id of an alias.
func (w workload) modelID(alias string) string {
	for _, m := range w.Models {
		if m.Alias == alias {
			return m.ID
		}
	}
	return ""
}

// configParams are the run-specific parts of a workload's config.
type configParams struct {
	Endpoint   string // the mock server's base URL, http://127.0.0.1:PORT/v1
	Slots      int    // max_parallel_requests of every model
	DemoMCP    string // path of the demo MCP server binary (tool workloads)
	BufferSize int    // run_config.buffer_size; 0 leaves the default
	// NoLatencySignal sets run_config.request_admission.latency_signal false.
	NoLatencySignal bool
	// NoSpans sets run_config.write_spans false.
	NoSpans bool
}

// config writes the synthgen YAML config of the workload.
func (w workload) config(p configParams) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# synthgen bench workload %q: %s.\n", w.Name, w.Description)
	fmt.Fprintf(&b, "# Generated by bench/ (go run ./bench -workload %s -print-config).\n", w.Name)
	b.WriteString("model_providers:\n")
	fmt.Fprintf(&b, "  - {name: bench, endpoint: %s, provider_type: openai, api_key: bench-key}\n", q(p.Endpoint))
	if w.Tools {
		b.WriteString("mcp_providers:\n")
		fmt.Fprintf(&b, "  - {name: demo-tools, provider_type: stdio, command: %s}\n", q(p.DemoMCP))
		b.WriteString("tool_configs:\n")
		b.WriteString("  - {tool_alias: calc, providers: [demo-tools], allow_tools: [add, multiply], max_tool_call_turns: 3, timeout_sec: 20}\n")
	}
	b.WriteString("model_configs:\n")
	for _, m := range w.Models {
		fmt.Fprintf(&b, "  - alias: %s\n    model: %s\n    provider: bench\n    skip_health_check: true\n", m.Alias, m.ID)
		fmt.Fprintf(&b, "    inference_parameters: {temperature: 0.7, max_tokens: 256, max_parallel_requests: %d}\n", p.Slots)
	}
	b.WriteString("columns:\n")
	for _, c := range w.Columns {
		b.WriteString(columnYAML(c))
	}
	var rc []string
	if p.BufferSize > 0 {
		rc = append(rc, fmt.Sprintf("buffer_size: %d", p.BufferSize))
	}
	if p.NoLatencySignal {
		rc = append(rc, "request_admission: {latency_signal: false}")
	}
	if p.NoSpans {
		rc = append(rc, "write_spans: false")
	}
	if len(rc) > 0 {
		fmt.Fprintf(&b, "run_config: {%s}\n", strings.Join(rc, ", "))
	}
	return b.String()
}

func columnYAML(c benchColumn) string {
	var b strings.Builder
	fmt.Fprintf(&b, "  - name: %s\n", c.Name)
	switch c.Kind {
	case kindSampler:
		if c.Name == "topic" {
			b.WriteString("    column_type: sampler\n    sampler_type: category\n")
			b.WriteString("    params: {values: [photosynthesis, black holes, tides, compound interest, sorting algorithms, volcanoes, bread baking, jazz]}\n")
		} else {
			b.WriteString("    column_type: sampler\n    sampler_type: uniform\n    params: {low: 2, high: 99}\n    convert_to: int\n")
		}
	case kindExpression:
		fmt.Fprintf(&b, "    column_type: expression\n    expr: %s\n    dtype: int\n", q(fmt.Sprintf("{{ %s | length }}", c.Deps[0])))
	case kindText, kindToolText:
		fmt.Fprintf(&b, "    column_type: llm-text\n    model_alias: %s\n", c.Model)
		if c.Kind == kindToolText {
			b.WriteString("    tool_alias: calc\n")
			b.WriteString("    system_prompt: \"You are a careful assistant. Use the tools for arithmetic.\"\n")
		}
		fmt.Fprintf(&b, "    prompt: %s\n    with_trace: all_messages\n", q(prompt(c)))
	case kindJudge:
		fmt.Fprintf(&b, "    column_type: llm-judge\n    model_alias: %s\n", c.Model)
		fmt.Fprintf(&b, "    prompt: %s\n    with_trace: all_messages\n", q(prompt(c)))
		b.WriteString("    scores:\n")
		b.WriteString("      - name: Quality\n        description: Is the text clear and on topic?\n")
		b.WriteString("        options: {\"1\": Poor, \"3\": Fair, \"5\": Good}\n")
	default:
		panic("unknown column kind " + c.Kind)
	}
	return b.String()
}

// prompt is the user prompt of an LLM column: it references every dependency.
func prompt(c benchColumn) string {
	refs := make([]string, len(c.Deps))
	for i, d := range c.Deps {
		refs[i] = "{{ " + d + " }}"
	}
	switch {
	case c.Kind == kindToolText:
		// The mock calls the tool the prompt names, with the prompt's numbers.
		return fmt.Sprintf("What is {{ a }} plus {{ b }}? Use the add tool. Context: {{ %s }}", c.Deps[0])
	case c.Kind == kindJudge:
		return "Grade this text: " + refs[0]
	case slices.Equal(c.Deps, []string{"topic"}):
		return fmt.Sprintf("Write two sentences about {{ topic }} (%s).", c.Name)
	default:
		return fmt.Sprintf("Continue the text in two sentences (%s): %s", c.Name, strings.Join(refs, " / "))
	}
}

// q quotes s as a YAML double-quoted scalar (JSON strings are valid YAML).
func q(s string) string {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(s); err != nil {
		panic(err) // a string always encodes
	}
	return strings.TrimSuffix(b.String(), "\n")
}
