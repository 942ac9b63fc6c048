package review

import (
	"cmp"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"

	"github.com/synthgen/synthgen/traceset"
	"github.com/synthgen/synthgen/tracing"
)

// traceResponse is one row's trace as the page renders it. Every string in
// it is model or user data: the page shows it as text only.
type traceResponse struct {
	Row       int64  `json:"row"`
	Column    string `json:"column"`
	Index     int    `json:"index"` // position in the list, -1 when not in it
	TraceHash string `json:"trace_hash"`
	HasTrace  bool   `json:"has_trace"`

	Messages []messageView `json:"messages"`
	Summary  summaryView   `json:"summary"`
	// Metadata are the row's sampler and seed values; Scores its judge
	// scores with the judge's reasoning.
	Metadata map[string]any `json:"metadata"`
	Scores   []scoreView    `json:"scores"`
	// Run is what the span log says about the cell (nil without one).
	Run      *runView   `json:"run"`
	RunError string     `json:"run_error,omitempty"`
	Label    *labelView `json:"label"`
}

// messageView is one message; a tool message answering a call of an
// earlier assistant message is not listed but shown under the call.
type messageView struct {
	Role      string     `json:"role"`
	Text      string     `json:"text"`
	Images    []string   `json:"images,omitempty"`
	Reasoning string     `json:"reasoning,omitempty"`
	ToolCalls []callView `json:"tool_calls,omitempty"`
	// ToolCallID and Error are set on a tool message no call claimed.
	ToolCallID string `json:"tool_call_id,omitempty"`
	Error      bool   `json:"error,omitempty"`
}

type callView struct {
	ID        string      `json:"id"`
	Name      string      `json:"name"`
	Arguments string      `json:"arguments"`
	Result    *resultView `json:"result"` // nil: no result in the trace
}

type resultView struct {
	Text    string   `json:"text"`
	Error   bool     `json:"error"`
	Latency *float64 `json:"latency,omitempty"` // from the tool span
	Tags    []string `json:"tags,omitempty"`
}

type summaryView struct {
	Messages   int `json:"messages"`
	ToolCalls  int `json:"tool_calls"`
	Turns      int `json:"turns"`
	ToolErrors int `json:"tool_errors"`
}

type scoreView struct {
	Key       string `json:"key"` // "<judge column>.<score name>"
	Score     any    `json:"score"`
	Reasoning string `json:"reasoning,omitempty"`
}

// runView sums the cell span and the model requests under it.
type runView struct {
	Status           string   `json:"status"`
	Error            string   `json:"error,omitempty"`
	Latency          float64  `json:"latency"`
	Models           []string `json:"models"`
	Requests         int      `json:"requests"`
	PromptTokens     int64    `json:"prompt_tokens"`
	CompletionTokens int64    `json:"completion_tokens"`
	ReasoningTokens  int64    `json:"reasoning_tokens"`
	TotalTokens      int64    `json:"total_tokens"`
	Tags             []string `json:"tags"`
}

func (s *server) getTrace(w http.ResponseWriter, r *http.Request) {
	if !r.URL.Query().Has("row") {
		writeError(w, http.StatusBadRequest, fmt.Errorf("row is missing"))
		return
	}
	row, err := intParam(r, "row", 0)
	if err != nil {
		writeError(w, http.StatusBadRequest, err)
		return
	}
	id, ok := s.rows.group(row)
	if !ok {
		writeError(w, http.StatusNotFound, fmt.Errorf("row %d is not a written row of the dataset", row))
		return
	}
	cg, err := s.cache.group(id)
	if err != nil {
		writeError(w, http.StatusInternalServerError, err)
		return
	}
	resp, err := s.traceOf(cg, row)
	if err != nil {
		writeError(w, http.StatusInternalServerError, err)
		return
	}
	s.mu.Lock()
	resp.Index = s.index(row)
	resp.Label = s.viewOf(row)
	s.mu.Unlock()
	writeJSON(w, resp)
}

// traceOf builds the view of row's trace from its row group.
func (s *server) traceOf(cg *cachedGroup, row int64) (*traceResponse, error) {
	k := cg.pos[row]
	r := cg.g.Row(k)
	msgs, ok, err := r.Trace(s.column)
	if err != nil {
		return nil, err
	}
	resp := &traceResponse{
		Row: row, Column: s.column, TraceHash: cg.hash(row), HasTrace: ok,
		Messages: []messageView{}, Metadata: r.Metadata(), Scores: s.scoresOf(cg.g, k),
	}
	spans, err := cg.traceSpans(s.f, row)
	if err != nil {
		resp.RunError = err.Error()
	}
	cell, requests, tools := cellSpans(spans, s.column)
	resp.Run = runOf(cell, requests)
	resp.Messages, resp.Summary = viewMessages(msgs, tools)
	return resp, nil
}

// scoresOf returns the judge scores of row k of g, keys sorted.
func (s *server) scoresOf(g *traceset.Group, k int) []scoreView {
	out := []scoreView{}
	for judge, names := range s.f.Judges {
		i := g.Col(judge)
		if i < 0 {
			continue
		}
		m, _ := traceset.JSONValue(g.Rows[k][i]).(map[string]any)
		for _, n := range names {
			sc, ok := m[n].(map[string]any)
			if !ok {
				continue
			}
			reasoning, _ := sc["reasoning"].(string)
			out = append(out, scoreView{Key: judge + "." + n, Score: sc["score"], Reasoning: reasoning})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}

// cellSpans finds the reviewed column's cell span among a trace's spans,
// and its model requests and tool calls by start time.
func cellSpans(spans []tracing.Span, column string) (cell *tracing.Span, requests, tools []tracing.Span) {
	root := ""
	for _, sp := range spans {
		if sp.ParentID == "" {
			root = sp.ID
		}
	}
	for i, sp := range spans {
		if sp.ParentID == root && root != "" && sp.Column == column && sp.RunType == "llm" {
			cell = &spans[i]
			break
		}
	}
	if cell == nil {
		return nil, nil, nil
	}
	for _, sp := range spans {
		if sp.ParentID != cell.ID {
			continue
		}
		switch sp.RunType {
		case "llm":
			requests = append(requests, sp)
		case "tool":
			tools = append(tools, sp)
		}
	}
	byStart := func(a, b tracing.Span) int { return cmp.Or(a.StartTime.Compare(b.StartTime), cmp.Compare(a.ID, b.ID)) }
	slices.SortStableFunc(requests, byStart)
	slices.SortStableFunc(tools, byStart)
	return cell, requests, tools
}

// runOf sums a cell span and its requests; nil without a cell span.
func runOf(cell *tracing.Span, requests []tracing.Span) *runView {
	if cell == nil {
		return nil
	}
	v := &runView{Status: cell.Status, Error: cell.Error, Latency: cell.Latency, Models: []string{}, Tags: []string{}, Requests: len(requests)}
	v.Tags = append(v.Tags, cell.Tags...)
	for _, q := range requests {
		if q.Model != "" && !slices.Contains(v.Models, q.Model) {
			v.Models = append(v.Models, q.Model)
		}
		v.PromptTokens += q.PromptTokens
		v.CompletionTokens += q.CompletionTokens
		v.ReasoningTokens += q.ReasoningTokens
		v.TotalTokens += q.TotalTokens
	}
	if len(requests) == 0 { // a cell span that carries its own usage
		v.PromptTokens, v.CompletionTokens, v.ReasoningTokens, v.TotalTokens = cell.PromptTokens, cell.CompletionTokens, cell.ReasoningTokens, cell.TotalTokens
	}
	return v
}

// viewMessages pairs each tool call with the tool message answering it
// (tracing.ToolResults) and with its tool span (tool spans by start time
// aligned with the calls in order, from the end).
func viewMessages(msgs []tracing.Message, tools []tracing.Span) ([]messageView, summaryView) {
	type callRef = tracing.CallRef
	var calls []callRef
	result := tracing.ToolResults(msgs) // call → tool message
	claimed := map[int]bool{}           // tool messages shown under a call
	for i, m := range msgs {
		for j := range m.ToolCalls {
			calls = append(calls, callRef{Msg: i, Call: j})
		}
	}
	for _, t := range result {
		claimed[t] = true
	}
	span := map[callRef]tracing.Span{}
	for i, j := len(tools)-1, len(calls)-1; i >= 0 && j >= 0; i, j = i-1, j-1 {
		span[calls[j]] = tools[i]
	}

	out := []messageView{}
	var sum summaryView
	sum.Messages = len(msgs)
	for i, m := range msgs {
		if claimed[i] {
			continue
		}
		v := messageView{Role: m.Role, Reasoning: m.ReasoningContent}
		v.Text, v.Images = blocks(m.Content)
		if m.Role == tracing.RoleTool {
			v.ToolCallID = m.ToolCallID
			v.Error = tracing.IsToolError(m)
		}
		if len(m.ToolCalls) > 0 {
			sum.Turns++
		}
		for j, c := range m.ToolCalls {
			sum.ToolCalls++
			cv := callView{ID: c.ID, Name: c.Function.Name, Arguments: c.Function.Arguments}
			ref := callRef{Msg: i, Call: j}
			sp, hasSpan := span[ref]
			if t, ok := result[ref]; ok {
				text, _ := blocks(msgs[t].Content)
				cv.Result = &resultView{Text: text, Error: tracing.IsToolError(msgs[t])}
				if hasSpan {
					lat := sp.Latency
					cv.Result.Latency = &lat
					cv.Result.Tags = sp.Tags
					if sp.Status == tracing.SpanError || slices.Contains(sp.Tags, tracing.TagToolError) || slices.Contains(sp.Tags, tracing.TagRefused) {
						cv.Result.Error = true
					}
				}
				if cv.Result.Error {
					sum.ToolErrors++
				}
			}
			v.ToolCalls = append(v.ToolCalls, cv)
		}
		out = append(out, v)
	}
	return out, sum
}

// blocks returns a message's text blocks joined, and its image URLs.
func blocks(bs []tracing.Block) (string, []string) {
	var parts, images []string
	for _, b := range bs {
		switch {
		case b.ImageURL != nil:
			images = append(images, shortURL(b.ImageURL.URL))
		case b.Text != "":
			parts = append(parts, b.Text)
		}
	}
	return strings.Join(parts, "\n"), images
}

// shortURL cuts a data: URL to its header and size: the page shows image
// URLs as text and never loads them.
func shortURL(u string) string {
	if len(u) <= 200 || !strings.HasPrefix(u, "data:") {
		return u
	}
	head, _, _ := strings.Cut(u, ",")
	return fmt.Sprintf("%s,… (%d bytes)", head, len(u))
}
