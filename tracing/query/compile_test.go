package query

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/synthgen/synthgen/tracing"
)

// fixture is a small span log: two rows (traces) with an LLM cell, its
// model requests and tool calls.
func fixture() []*Record {
	t0 := time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)
	span := func(id, parent, runType, name string, row int64, start, secs float64) tracing.Span {
		st := t0.Add(time.Duration(start * float64(time.Second)))
		trace := "r0"
		if row == 1 {
			trace = "r1"
		}
		return tracing.Span{ID: id, TraceID: trace, ParentID: parent, RunType: runType, Name: name, Row: row, Column: "answer",
			StartTime: st, EndTime: st.Add(time.Duration(secs * float64(time.Second))), Latency: secs, Status: tracing.SpanSuccess}
	}
	meta0 := []KV{{"topic", "billing"}, {"difficulty", "hard"}, {"n", int64(3)}}
	meta1 := []KV{{"topic", "shipping"}, {"difficulty", "easy"}, {"n", int64(7)}}
	recs := []*Record{
		{Span: span("r0", "", "chain", "row", 0, 0, 6), Metadata: meta0, Feedback: []Score{{"grade.Accuracy", 1}, {"human", 0}}},
		{Span: span("c0", "r0", "llm", "answer", 0, 0, 6), Metadata: meta0},
		{Span: span("q0", "c0", "llm", "writer", 0, 0, 2.5), Metadata: meta0,
			Outputs: []KV{{"tool_calls.function.name", "lookup_order"}}},
		{Span: span("t0", "c0", "tool", "lookup_order", 0, 2.5, 0.2), Metadata: meta0},
		{Span: span("q1", "c0", "llm", "writer", 0, 2.7, 3.3), Metadata: meta0,
			Inputs: []KV{{"messages.content", "I want a refund for order 12"}}},
		{Span: span("r1", "", "chain", "row", 1, 1, 1), Metadata: meta1, Feedback: []Score{{"grade.Accuracy", 4}, {"human", 1}}},
		{Span: span("c1", "r1", "llm", "answer", 1, 1, 1), Metadata: meta1},
		{Span: span("q2", "c1", "llm", "writer", 1, 1, 1), Metadata: meta1},
	}
	// Request q0 called a tool that failed; q1's reply was cut; both are
	// tokens-heavy.
	recs[3].Span.Status, recs[3].Span.Error, recs[3].Span.Tags = tracing.SpanError, "order 12 not found", []string{tracing.TagToolError}
	recs[1].Span.Tags = []string{tracing.TagToolError, tracing.TagTruncated}
	recs[4].Span.FinishReason, recs[4].Span.Tags = "length", []string{tracing.TagTruncated}
	for i, r := range recs {
		if r.Span.RunType == "llm" && r.Span.ParentID != "" && r.Span.Name == "writer" {
			recs[i].Span.Model, recs[i].Span.Provider = "mock-text", "mock"
			recs[i].Span.TotalTokens = int64(1000 * (i + 1))
		}
	}
	return recs
}

func matching(t *testing.T, filter string) []string {
	t.Helper()
	f, err := Compile(filter)
	if err != nil {
		t.Fatalf("Compile(%q): %v", filter, err)
	}
	var ids []string
	for _, r := range fixture() {
		ok, err := f.Match(r)
		if err != nil {
			t.Fatalf("Match(%q): %v (program %s)", filter, err, f.Source)
		}
		if ok {
			ids = append(ids, r.Span.ID)
		}
	}
	return ids
}

// Every documented example selects the right spans of the fixture.
func TestFilterSelects(t *testing.T) {
	tests := []struct {
		filter string
		want   []string
	}{
		{`eq(name, "writer")`, []string{"q0", "q1", "q2"}},
		{`eq(run_type, "tool")`, []string{"t0"}},
		{`gt(latency, "3s")`, []string{"r0", "c0", "q1"}},
		{`gte(latency, 2.5)`, []string{"r0", "c0", "q0", "q1"}},
		{`lt(latency, "250ms")`, []string{"t0"}},
		{`gte(start_time, "2026-11-21T10:00:02.5Z")`, []string{"t0", "q1"}},
		{`neq(error, null)`, []string{"t0"}},
		{`eq(error, null)`, []string{"r0", "c0", "q0", "q1", "r1", "c1", "q2"}},
		{`has(tags, "tool_error")`, []string{"c0", "t0"}},
		{`has(tags, "truncated")`, []string{"c0", "q1"}},
		{`search("refund")`, []string{"q1"}},
		{`search("NOT FOUND")`, []string{"t0"}},
		{`search(error, "not found")`, []string{"t0"}},
		{`like(name, "lookup%")`, []string{"t0"}},
		{`like(name, "writ_r")`, []string{"q0", "q1", "q2"}},
		{`in(row, [1])`, []string{"r1", "c1", "q2"}},
		{`in(run_type, ["tool", "chain"])`, []string{"r0", "t0", "r1"}},
		{`eq(finish_reason, "length")`, []string{"q1"}},
		{`and(gt(total_tokens, 4000), eq(run_type, "llm"))`, []string{"q1", "q2"}},
		{`or(has(tags, "tool_error"), eq(row, 1))`, []string{"c0", "t0", "r1", "c1", "q2"}},
		{`not(eq(run_type, "llm"))`, []string{"r0", "t0", "r1"}},
		{`and(eq(feedback_key, "grade.Accuracy"), lt(feedback_score, 2))`, []string{"r0"}},
		{`and(eq(feedback_key, "human"), eq(feedback_score, 1))`, []string{"r1"}},
		{`and(eq(input_key, "messages.content"), like(input_value, "%refund%"))`, []string{"q1"}},
		{`and(eq(output_key, "tool_calls.function.name"), eq(output_value, "lookup_order"))`, []string{"q0"}},
		{`exists(error, true)`, []string{"t0"}},
	}
	for _, tt := range tests {
		if got := matching(t, tt.filter); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s selects %v, want %v", tt.filter, got, tt.want)
		}
	}
}

// The five key/value pair cases (spec: pairs inside one and(...) refer to
// the same entry; neq on a key means no entry has that key).
func TestFilterKeyValuePairs(t *testing.T) {
	roots := func(ids []string) []string {
		var out []string
		for _, id := range ids {
			if strings.HasPrefix(id, "r") {
				out = append(out, id)
			}
		}
		return out
	}
	tests := []struct {
		name, filter string
		want         []string // root spans selected
	}{
		{"key alone: some entry has it", `eq(metadata_key, "topic")`, []string{"r0", "r1"}},
		{"value alone: some entry has it", `eq(metadata_value, "easy")`, []string{"r1"}},
		{"key and value in one and(): the same entry",
			`and(eq(metadata_key, "topic"), eq(metadata_value, "billing"))`, []string{"r0"}},
		{"key and value of different entries do not pair",
			`and(eq(metadata_key, "topic"), eq(metadata_value, "hard"))`, nil},
		{"neq on a key: no entry has that key", `neq(metadata_key, "topic")`, nil},
		{"neq on a missing key", `neq(metadata_key, "locale")`, []string{"r0", "r1"}},
		{"numbers compare as numbers", `and(eq(metadata_key, "n"), gt(metadata_value, 5))`, []string{"r1"}},
		{"in or(), each comparison stands alone",
			`or(eq(metadata_value, "billing"), eq(metadata_value, "easy"))`, []string{"r0", "r1"}},
	}
	for _, tt := range tests {
		if got := roots(matching(t, tt.filter)); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: %s selects roots %v, want %v", tt.name, tt.filter, got, tt.want)
		}
	}
}

// Filters that parse but cannot apply say so at the right column.
func TestCompileErrors(t *testing.T) {
	tests := []struct {
		give string
		col  int
		msg  string
	}{
		{`eq(nmae, "x")`, 4, `unknown attribute "nmae"; did you mean "name"?`},
		{`gt(latency, "soon")`, 13, `latency takes seconds or a duration`},
		{`gt(start_time, "yesterday")`, 16, `ISO-8601`},
		{`eq(row, "3")`, 9, `row compares with a number`},
		{`in(name, "a")`, 10, `in takes a [list]`},
		{`like(name, 3)`, 12, `like takes a quoted pattern`},
		{`has(name, "x")`, 1, `has(name, …) cannot compare`},
		{`gt(tags, "x")`, 1, `gt(tags, …) cannot compare`},
	}
	for _, tt := range tests {
		_, err := Compile(tt.give)
		var pe *Error
		if !errors.As(err, &pe) || pe.Col != tt.col || !strings.Contains(pe.Msg, tt.msg) {
			t.Errorf("Compile(%q) = %v, want column %d containing %q", tt.give, err, tt.col, tt.msg)
		}
	}
}

// The filter text is never pasted into the program: a string that looks
// like expr code stays a string.
func TestCompileQuotesValues(t *testing.T) {
	got := matching(t, `eq(name, "writer\" || true || \"")`)
	if len(got) != 0 {
		t.Errorf("an injected string matched %v", got)
	}
}

// Whatever parses either compiles or gets a positioned error: the program
// built from the AST always compiles (a non-*Error is a bug).
func FuzzCompile(f *testing.F) {
	for _, s := range []string{`and(eq(metadata_key, "topic"), eq(metadata_value, "billing"))`, `search("x")`,
		`in(run_type, ["a", "b"])`, `not(neq(error, null))`, `gt(latency, "5s")`, `like(name, "%a_")`,
		`and(neq(feedback_key, "human"), gt(feedback_score, 1), has(tags, "x"))`, `exists(model, false)`} {
		f.Add(s)
	}
	recs := fixture()
	f.Fuzz(func(t *testing.T, src string) {
		n, err := Parse(src)
		if err != nil {
			return
		}
		flt, err := CompileNode(n)
		if err != nil {
			var pe *Error
			if !errors.As(err, &pe) {
				t.Fatalf("CompileNode(%q): %v", src, err)
			}
			return
		}
		for _, r := range recs {
			if _, err := flt.Match(r); err != nil {
				t.Fatalf("Match(%q) with program %s: %v", src, flt.Source, err)
			}
		}
	})
}

func TestBeyondSpan(t *testing.T) {
	tests := []struct {
		give string
		want bool
	}{
		{`eq(run_type, "tool")`, false},
		{`and(eq(metadata_key, "topic"), eq(metadata_value, "billing"))`, false},
		{`and(eq(feedback_key, "human"), eq(feedback_score, 1))`, true},
		{`or(eq(name, "x"), not(eq(input_key, "a")))`, true},
		{`and(eq(name, "x"), gt(latency, "2s"))`, false},
		{`eq(output_value, "5")`, true},
		{`search("refund")`, true},
	}
	for _, tt := range tests {
		f, err := Compile(tt.give)
		if err != nil {
			t.Fatal(err)
		}
		if f.BeyondSpan() != tt.want {
			t.Errorf("%s: BeyondSpan = %v, want %v", tt.give, !tt.want, tt.want)
		}
	}
	var none *Filter
	if none.BeyondSpan() {
		t.Error("nil filter reads beyond the span")
	}
}
