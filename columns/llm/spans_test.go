package llm

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/synthgen/synthgen/columns"
	"github.com/synthgen/synthgen/columns/llm/model"
	"github.com/synthgen/synthgen/tracing"
)

// spanSummary is "run_type name status [tags]" per span.
func spanSummary(spans []tracing.Span) []string {
	var out []string
	for _, s := range spans {
		line := s.RunType + " " + s.Name + " " + s.Status
		for _, t := range s.Tags {
			line += " " + t
		}
		out = append(out, line)
	}
	return out
}

// The conversation loop records a span per request, tool call and parse
// step under the cell, and tags the cell with what happened: a failed
// tool, a refused turn, a truncated reply, a correction, a restart.
func TestConversationSpans(t *testing.T) {
	doc, _ := schemaFromJSON(`{"type": "object", "properties": {"n": {"type": "integer"}}, "required": ["n"]}`)
	box := &fakeBox{}
	c := &scripted{replies: []*model.Response{
		toolReply(call("c1", "add", `{"a":2,"b":3}`), call("c2", "fail", `{}`), call("c3", "nope", `{}`)),
		toolReply(call("c4", "add", `{}`)),                              // refused: one turn allowed
		{Content: str("not json"), FinishReason: "length", Attempts: 2}, // truncated, corrected
		reply("still not json", ""),                                     // restarted
		reply("```json\n{\"n\": 5}\n```", ""),
	}}
	g := toolGen(t, c, box, 1, time.Second)
	g.recipe = jsonRecipe(t, doc)
	g.corrections, g.restarts = 1, 1
	rec := columns.NewSpanRecorder(1, 17, "answer", columns.SpanID(1, 17, "", 0))
	if err := g.Generate(columns.WithSpans(context.Background(), rec), fakeRow{}, make([]any, 3)); err != nil {
		t.Fatal(err)
	}
	spans := rec.Finish(nil, tracing.Span{RunType: "llm", Name: "answer"})
	want := []string{
		"llm answer success tool_error refused truncated corrected restarted",
		"llm m success",
		"tool nope error tool_error", // checked before the turn runs
		"tool add success",
		"tool fail error tool_error",
		"llm m success",
		"llm m success truncated",
		"parser parse error corrected",
		"llm m success",
		"parser parse error",
		"llm m success",
		"parser parse success",
	}
	got := spanSummary(spans)
	// The turn's calls run at once: compare its two run calls in any order.
	if len(got) == len(want) {
		slices.Sort(got[3:5])
		slices.Sort(want[3:5])
	}
	if !slices.Equal(got, want) {
		t.Fatalf("spans:\n%q\nwant:\n%q", got, want)
	}
	for _, s := range spans[1:] {
		if s.ParentID != spans[0].ID || s.TraceID != spans[0].ParentID || s.Row != 17 || s.Column != "answer" {
			t.Errorf("span %+v: not a child of the cell %s", s, spans[0].ID)
		}
	}
	if spans[6].Attempt != 2 || spans[1].Attempt != 1 {
		t.Errorf("attempts %d, %d; want 2 for the retried request", spans[6].Attempt, spans[1].Attempt)
	}
}
