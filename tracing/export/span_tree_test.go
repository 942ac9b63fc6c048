package export

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/synthgen/synthgen/tracing"
)

// sid is the UUID of test span n.
func sid(n int) string { return fmt.Sprintf("00000000-0000-8000-8000-%012d", n) }

// When the spans and the conversation do not line up (restarts dropped
// replies, the trace keeps only the last message, corrections added turns,
// requests failed), each span gets the messages that match or none — never
// a neighbour's.
func TestSpanMessageMatching(t *testing.T) {
	sys := tracing.Text(tracing.RoleSystem, "sys")
	user := tracing.Text(tracing.RoleUser, "q")
	call := tracing.ToolCall{ID: "c1", Type: "function", Function: tracing.FunctionCall{Name: "add", Arguments: `{"a":1}`}}
	withCall := tracing.Text(tracing.RoleAssistant, "")
	withCall.ToolCalls = []tracing.ToolCall{call}
	final := tracing.Text(tracing.RoleAssistant, "done")
	bad := tracing.Text(tracing.RoleAssistant, "not json")
	correction := tracing.Text(tracing.RoleUser, "fix it")

	request := func(n int, start, end int64, failed bool) tracing.Span {
		s := span(sid(n), sid(1), "llm", "m", "c", start, end)
		s.Model = "model"
		if failed {
			s.Status, s.Error = tracing.SpanError, "HTTP 500"
		}
		return s
	}
	tool := func(n int, name string, start, end int64) tracing.Span {
		return span(sid(n), sid(1), "tool", name, "c", start, end)
	}
	root := span(rootID, "", "chain", "row", "", 0, 1000)
	cell := span(sid(1), rootID, "llm", "c", "c", 1, 999)
	restarted := cell
	restarted.Tags = []string{tracing.TagRestarted}
	restarted.Status, restarted.Error = tracing.SpanError, "model error"

	tests := []struct {
		name  string
		conv  []tracing.Message
		spans []tracing.Span
		// want maps a request's span number to the index of its reply in
		// conv (-1: no messages).
		want map[int]int
		// wantCall maps a tool span's number to its call ID ("": none).
		wantCall map[int]string
	}{{
		name: "restart dropped a reply, a request failed, a tool span has no call",
		conv: []tracing.Message{sys, user, withCall, tracing.ToolResult("c1", "2"), final},
		spans: []tracing.Span{root, cell,
			request(10, 10, 100, false), tool(20, "add", 110, 120), tool(21, "multiply", 121, 130),
			request(11, 200, 300, false), // reply dropped by the restart
			request(12, 310, 320, true),  // failed
			request(13, 400, 500, false), // the final answer
		},
		want:     map[int]int{10: 2, 11: -1, 12: -1, 13: 4},
		wantCall: map[int]string{20: "c1", 21: ""},
	}, {
		name:     "the trace keeps the last message only",
		conv:     []tracing.Message{final},
		spans:    []tracing.Span{root, cell, request(10, 10, 100, false), tool(20, "add", 110, 120), request(11, 200, 300, false)},
		want:     map[int]int{10: -1, 11: 0},
		wantCall: map[int]string{20: ""},
	}, {
		name:  "a correction keeps both replies",
		conv:  []tracing.Message{sys, user, bad, correction, final},
		spans: []tracing.Span{root, cell, request(11, 200, 300, false), request(10, 10, 100, false)},
		want:  map[int]int{10: 2, 11: 4},
	}, {
		name:  "a restart dropped the first reply: the last request made the last one",
		conv:  []tracing.Message{sys, user, bad},
		spans: []tracing.Span{root, cell, request(10, 10, 100, false), request(11, 200, 300, false)},
		want:  map[int]int{10: -1, 11: 2},
	}, {
		name:  "the cell stopped at a tool-calling reply",
		conv:  []tracing.Message{sys, user, withCall},
		spans: []tracing.Span{root, cell, request(10, 10, 100, false), request(11, 200, 300, false)},
		want:  map[int]int{10: -1, 11: 2},
	}, {
		name: "a restart dropped the last successful request's reply, then a request failed",
		conv: []tracing.Message{sys, user, withCall, tracing.ToolResult("c1", "2")},
		spans: []tracing.Span{root, restarted,
			request(10, 10, 100, false), tool(20, "add", 110, 120),
			request(11, 200, 300, false), // reply dropped by the restart
			request(12, 310, 320, true),  // failed after the restart
		},
		want:     map[int]int{10: 2, 11: -1, 12: -1},
		wantCall: map[int]string{20: "c1"},
	}, {
		name:  "no conversation for the column",
		conv:  nil,
		spans: []tracing.Span{root, cell, request(10, 10, 100, false)},
		want:  map[int]int{10: -1},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := Record{Row: 0, Column: "other", Spans: tt.spans}
			if tt.conv != nil {
				rec.Conversations = map[string][]tracing.Message{"c": tt.conv}
			}
			tree := newSpanTree(rec)
			if len(tree.order) != len(tt.spans) || tree.order[0].span.ID != rootID {
				t.Fatalf("tree has %d spans (root %s), want %d", len(tree.order), tree.order[0].span.ID, len(tt.spans))
			}
			byID := map[string]*spanNode{}
			for _, n := range tree.order {
				byID[n.span.ID] = n
			}
			for n, want := range tt.want {
				node := byID[sid(n)]
				switch {
				case want < 0 && (node.output != nil || node.input != nil):
					t.Errorf("request %d got messages (output %v), want none", n, node.output)
				case want >= 0 && (node.output != &tt.conv[want] || len(node.input) != want):
					t.Errorf("request %d: output %v with %d inputs, want message %d", n, node.output, len(node.input), want)
				}
			}
			for n, want := range tt.wantCall {
				node := byID[sid(n)]
				got := ""
				if node.call != nil {
					got = node.call.ID
				}
				if got != want {
					t.Errorf("tool span %d: call %q, want %q", n, got, want)
				}
			}
			// Both span formats write every span of it.
			for _, format := range []string{FormatOTLP, FormatLangSmith} {
				var buf bytes.Buffer
				w, _ := NewWriter(&buf, Options{Format: format})
				if err := w.Write(rec); err != nil {
					t.Fatalf("%s: %v", format, err)
				}
			}
		})
	}
}

// Spans whose parent is missing, in a parent cycle or a repeated ID still
// give one tree: the strays hang under the root, the repeat is dropped.
func TestSpanTreeStrays(t *testing.T) {
	root := span(rootID, "", "chain", "row", "", 0, 1000)
	orphan := span(sid(1), sid(99), "sampler", "x", "x", 5, 6)
	cycleA := span(sid(2), sid(3), "parser", "a", "c", 7, 8)
	cycleB := span(sid(3), sid(2), "parser", "b", "c", 9, 10)
	dup := span(sid(1), rootID, "sampler", "dup", "x", 11, 12)
	rec := Record{Spans: []tracing.Span{orphan, root, cycleA, cycleB, dup}}
	tree := newSpanTree(rec)
	if tree.root.span.ID != rootID || len(tree.order) != 4 {
		t.Fatalf("root %s, %d spans; want the span without a parent and 4 spans", tree.root.span.ID, len(tree.order))
	}
	seen := map[string]bool{}
	for _, n := range tree.order {
		if seen[n.span.ID] {
			t.Errorf("span %s twice", n.span.ID)
		}
		seen[n.span.ID] = true
		if n != tree.root && (n.parent == nil || !seen[n.parent.span.ID]) {
			t.Errorf("span %s comes before its parent", n.span.ID)
		}
	}
	if byName := tree.order[1]; byName.span.Name != "x" || byName.parent != tree.root {
		t.Errorf("the orphan %q should hang under the root first", byName.span.Name)
	}
	for _, format := range []string{FormatOTLP, FormatLangSmith} {
		var buf bytes.Buffer
		w, _ := NewWriter(&buf, Options{Format: format})
		if err := w.Write(rec); err != nil {
			t.Errorf("%s: %v", format, err)
		}
		w.Close()
		if format == FormatLangSmith && w.Lines() != 4 {
			t.Errorf("langsmith wrote %d lines, want 4", w.Lines())
		}
	}
}
