package llm

import (
	"math"
	"sort"
	"sync"
	"time"
)

// Usage counts what one model alias did in a run. Safe for concurrent use.
type Usage struct {
	mu                             sync.Mutex
	requests, failed               int64
	promptTokens, completionTokens int64
	reasoningTokens                int64
	retries, rateLimited           int64
	corrections, restarts          int64
	latency                        histogram
}

// UsageSet holds the usage of every alias of a run, and the tool use of
// every column that calls tools.
type UsageSet struct {
	mu    sync.Mutex
	m     map[string]*Usage
	tools map[string]*toolEntry // by column
}

type toolEntry struct {
	alias string
	usage *ToolUsage
}

// Tools returns the tool counters of a column whose model is alias.
func (s *UsageSet) Tools(column, alias string) *ToolUsage {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.tools == nil {
		s.tools = map[string]*toolEntry{}
	}
	e, ok := s.tools[column]
	if !ok {
		e = &toolEntry{alias: alias, usage: &ToolUsage{}}
		s.tools[column] = e
	}
	return e.usage
}

// ColumnTools returns the tools offered to each column that calls tools,
// as OpenAI function tools ({"type": "function", "function": {name,
// description, parameters}}), by column; columns whose tools are not
// resolved yet are left out. The values are not mutated afterwards.
func (s *UsageSet) ColumnTools() map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]any{}
	for col, e := range s.tools {
		e.usage.mu.Lock()
		if e.usage.schemas != nil {
			out[col] = e.usage.schemas
		}
		e.usage.mu.Unlock()
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// ToolTotals sums the tool use of every column; ok is false when no column
// calls tools.
func (s *UsageSet) ToolTotals() (ToolCounts, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var t ToolCounts
	for _, e := range s.tools {
		c := e.usage.Counts()
		t.Calls += c.Calls
		t.Turns += c.Turns
		t.FailedCalls += c.FailedCalls
		t.RefusedCalls += c.RefusedCalls
	}
	return t, len(s.tools) > 0
}

// For returns the usage of an alias.
func (s *UsageSet) For(alias string) *Usage {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m == nil {
		s.m = map[string]*Usage{}
	}
	u, ok := s.m[alias]
	if !ok {
		u = &Usage{}
		s.m[alias] = u
	}
	return u
}

// Tokens sums the tokens of every alias so far: input (prompt), output
// (completion) and reasoning tokens (as the provider reports them; most
// count reasoning within output). Safe for concurrent use.
func (s *UsageSet) Tokens() (in, out, reasoning int64) {
	s.mu.Lock()
	us := make([]*Usage, 0, len(s.m))
	for _, u := range s.m {
		us = append(us, u)
	}
	s.mu.Unlock()
	for _, u := range us {
		u.mu.Lock()
		in += u.promptTokens
		out += u.completionTokens
		reasoning += u.reasoningTokens
		u.mu.Unlock()
	}
	return in, out, reasoning
}

// Snapshot returns metadata.json's model_usage: per alias, requests, tokens,
// latency percentiles (seconds), 429s, retries, corrections, restarts and
// tool use.
func (s *UsageSet) Snapshot() map[string]any {
	s.mu.Lock()
	aliases := make([]string, 0, len(s.m))
	for a := range s.m {
		aliases = append(aliases, a)
	}
	s.mu.Unlock()
	sort.Strings(aliases)
	out := map[string]any{}
	for _, a := range aliases {
		u := s.For(a)
		u.mu.Lock()
		out[a] = map[string]any{
			"requests":            u.requests,
			"failed_requests":     u.failed,
			"input_tokens":        u.promptTokens,
			"output_tokens":       u.completionTokens,
			"reasoning_tokens":    u.reasoningTokens,
			"rate_limited":        u.rateLimited,
			"retries":             u.retries,
			"corrections":         u.corrections,
			"restarts":            u.restarts,
			"latency_p50_seconds": u.latency.quantile(0.50),
			"latency_p95_seconds": u.latency.quantile(0.95),
			"latency_p99_seconds": u.latency.quantile(0.99),
		}
		u.mu.Unlock()
	}
	s.addToolUse(out)
	return out
}

// addToolUse adds tool use to a snapshot: totals per alias (tool_calls,
// tool_turns, failed_tool_calls, refused_tool_calls) and the counts of each
// column under tools_by_column.
func (s *UsageSet) addToolUse(out map[string]any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	cols := make([]string, 0, len(s.tools))
	for c := range s.tools {
		cols = append(cols, c)
	}
	sort.Strings(cols)
	for _, col := range cols {
		e := s.tools[col]
		m, ok := out[e.alias].(map[string]any)
		if !ok {
			m = map[string]any{}
			out[e.alias] = m
		}
		c := e.usage.Counts()
		m["tool_calls"] = toInt(m["tool_calls"]) + c.Calls
		m["tool_turns"] = toInt(m["tool_turns"]) + c.Turns
		m["failed_tool_calls"] = toInt(m["failed_tool_calls"]) + c.FailedCalls
		m["refused_tool_calls"] = toInt(m["refused_tool_calls"]) + c.RefusedCalls
		by, _ := m["tools_by_column"].(map[string]ToolCounts)
		if by == nil {
			by = map[string]ToolCounts{}
		}
		by[col] = c
		m["tools_by_column"] = by
	}
}

func toInt(v any) int64 {
	i, _ := v.(int64)
	return i
}

func (u *Usage) add(f func(u *Usage)) {
	u.mu.Lock()
	f(u)
	u.mu.Unlock()
}

// histogram keeps latencies in log-spaced buckets (20 per decade from 1 ms
// to 10,000 s) so memory does not grow with the run; quantiles are the
// bucket's upper bound (within 12%).
type histogram struct {
	counts [161]int64
	n      int64
}

func (h *histogram) add(d time.Duration) {
	s := d.Seconds()
	i := 0
	if s > 0.001 {
		i = int(math.Ceil(20 * math.Log10(s/0.001)))
	}
	i = min(max(i, 0), len(h.counts)-1)
	h.counts[i]++
	h.n++
}

func (h *histogram) quantile(q float64) float64 {
	if h.n == 0 {
		return 0
	}
	want := int64(math.Ceil(q * float64(h.n)))
	var seen int64
	for i, c := range h.counts {
		seen += c
		if seen >= want {
			return math.Round(0.001*math.Pow(10, float64(i)/20)*1e6) / 1e6
		}
	}
	return 0
}
