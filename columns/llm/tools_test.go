package llm

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/synthgen/synthgen/columns"
	"github.com/synthgen/synthgen/columns/llm/model"
	"github.com/synthgen/synthgen/columns/value"
	"github.com/synthgen/synthgen/tracing"
)

// fakeBox is a Toolbox with add, echo and sleep tools; it records calls.
type fakeBox struct {
	mu    sync.Mutex
	calls []string
}

func (b *fakeBox) Tools(context.Context) ([]model.Tool, error) {
	obj := map[string]any{"type": "object"}
	return []model.Tool{{Name: "add", Parameters: obj}, {Name: "echo", Parameters: obj}, {Name: "sleep", Parameters: obj}, {Name: "fail", Parameters: obj}}, nil
}

func (b *fakeBox) Call(ctx context.Context, name, args string) ([]tracing.Block, error) {
	b.mu.Lock()
	b.calls = append(b.calls, name+" "+args)
	b.mu.Unlock()
	switch name {
	case "add":
		return []tracing.Block{tracing.TextBlock("5")}, nil
	case "echo":
		return []tracing.Block{tracing.TextBlock("echo " + args)}, nil
	case "sleep":
		select {
		case <-time.After(10 * time.Second):
			return []tracing.Block{tracing.TextBlock("slept")}, nil
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	return nil, errors.New("the server said no")
}

func call(id, name, args string) tracing.ToolCall {
	return tracing.ToolCall{ID: id, Type: "function", Function: tracing.FunctionCall{Name: name, Arguments: args}}
}

func toolReply(calls ...tracing.ToolCall) *model.Response {
	return &model.Response{Content: nil, ToolCalls: calls, FinishReason: "tool_calls", Attempts: 1}
}

func toolGen(t *testing.T, c model.Client, box *fakeBox, maxTurns int, timeout time.Duration) *generator {
	t.Helper()
	g := newGen(t, "", "What is 2+3?", textRecipe, tracing.TraceAllMessages, false, c)
	schemas, _ := box.Tools(context.Background())
	offered := map[string]bool{}
	for _, s := range schemas {
		offered[s.Name] = true
	}
	g.tools = &columnTools{box: box, schemas: schemas, offered: offered, timeout: timeout, usage: &ToolUsage{}, value: toolsValue(schemas)}
	g.maxTurns = maxTurns
	return g
}

// summary renders a trace as "role[:call ids or tool_call_id]:text" lines.
func summary(trace any) string {
	var lines []string
	for _, m := range trace.([]any) {
		mm := m.(*value.Map)
		role, _ := mm.Get("role")
		line := role.(string)
		if calls, ok := mm.Get("tool_calls"); ok {
			var names []string
			for _, c := range calls.([]any) {
				fn, _ := c.(*value.Map).Get("function")
				n, _ := fn.(*value.Map).Get("name")
				id, _ := c.(*value.Map).Get("id")
				names = append(names, fmt.Sprint(id, "=", n))
			}
			line += "[" + strings.Join(names, ",") + "]"
		}
		if id, ok := mm.Get("tool_call_id"); ok {
			line += "<" + id.(string) + ">"
		}
		content, _ := mm.Get("content")
		text, _ := content.([]any)[0].(*value.Map).Get("text")
		line += ":" + fmt.Sprint(text)
		lines = append(lines, line)
	}
	return strings.Join(lines, "\n")
}

func TestToolLoop(t *testing.T) {
	tests := []struct {
		name      string
		replies   []*model.Response
		maxTurns  int
		restarts  int
		wantTrace string
		wantCalls []string
		wantErr   string
		wantUsage ToolCounts
	}{
		{name: "single call",
			replies:   []*model.Response{toolReply(call("c1", "add", `{"a":2,"b":3}`)), reply("2+3 is 5.", "")},
			maxTurns:  5,
			wantTrace: "user:What is 2+3?\nassistant[c1=add]:\ntool<c1>:5\nassistant:2+3 is 5.",
			wantCalls: []string{`add {"a":2,"b":3}`}, wantUsage: ToolCounts{Calls: 1, Turns: 1}},
		{name: "three parallel calls are one turn, results in call order",
			replies:   []*model.Response{toolReply(call("c1", "echo", `{"x":1}`), call("c2", "add", `{}`), call("c3", "echo", `{"x":3}`)), reply("done", "")},
			maxTurns:  1,
			wantTrace: "user:What is 2+3?\nassistant[c1=echo,c2=add,c3=echo]:\ntool<c1>:echo {\"x\":1}\ntool<c2>:5\ntool<c3>:echo {\"x\":3}\nassistant:done",
			wantUsage: ToolCounts{Calls: 3, Turns: 1}},
		{name: "two turns",
			replies:   []*model.Response{toolReply(call("c1", "add", `{}`)), toolReply(call("c2", "echo", `{}`)), reply("ok", "")},
			maxTurns:  2,
			wantTrace: "user:What is 2+3?\nassistant[c1=add]:\ntool<c1>:5\nassistant[c2=echo]:\ntool<c2>:echo {}\nassistant:ok",
			wantUsage: ToolCounts{Calls: 2, Turns: 2}},
		{name: "budget 1 with three tool-call replies: refusals, then the answer",
			replies:  []*model.Response{toolReply(call("c1", "add", `{}`)), toolReply(call("c2", "add", `{}`)), toolReply(call("c3", "add", `{}`)), reply("5", "")},
			maxTurns: 1,
			wantTrace: "user:What is 2+3?\nassistant[c1=add]:\ntool<c1>:5\nassistant[c2=add]:\ntool<c2>:" + refusalText(1) +
				"\nassistant[c3=add]:\ntool<c3>:" + refusalText(1) + "\nassistant:5",
			wantCalls: []string{"add {}"}, wantUsage: ToolCounts{Calls: 1, Turns: 1, RefusedCalls: 2}},
		{name: "refusal ignored twice fails the cell",
			replies:  []*model.Response{toolReply(call("c1", "add", `{}`)), toolReply(call("c2", "add", `{}`)), toolReply(call("c3", "add", `{}`)), toolReply(call("c4", "add", `{}`))},
			maxTurns: 1, wantErr: "tool turn limit", wantUsage: ToolCounts{Calls: 1, Turns: 1, RefusedCalls: 2}},
		{name: "unknown tool and non-object arguments are not run",
			replies:   []*model.Response{toolReply(call("c1", "nope", `{}`), call("c2", "add", `[1,2]`), call("c3", "add", `{}`)), reply("ok", "")},
			maxTurns:  3,
			wantTrace: "user:What is 2+3?\nassistant[c1=nope,c2=add,c3=add]:\ntool<c1>:Error: tool \"nope\" is not available; the available tools are: add, echo, fail, sleep\ntool<c2>:Error: the arguments of add are not a JSON object: [1,2]\ntool<c3>:5\nassistant:ok",
			wantCalls: []string{"add {}"}, wantUsage: ToolCounts{Calls: 3, Turns: 1, FailedCalls: 2}},
		{name: "checks and failures in one turn are all counted",
			replies:   []*model.Response{toolReply(call("c1", "fail", `{}`), call("c2", "nope", `{}`), call("c3", "add", `"x"`)), reply("ok", "")},
			maxTurns:  3,
			wantCalls: []string{"fail {}"}, wantUsage: ToolCounts{Calls: 3, Turns: 1, FailedCalls: 3},
			wantTrace: "user:What is 2+3?\nassistant[c1=fail,c2=nope,c3=add]:\ntool<c1>:Error: fail failed: the server said no\ntool<c2>:Error: tool \"nope\" is not available; the available tools are: add, echo, fail, sleep\ntool<c3>:Error: the arguments of add are not a JSON object: \"x\"\nassistant:ok"},
		{name: "a failing tool becomes an Error message and the conversation goes on",
			replies:   []*model.Response{toolReply(call("c1", "fail", `{}`)), reply("sorry", "")},
			maxTurns:  3,
			wantTrace: "user:What is 2+3?\nassistant[c1=fail]:\ntool<c1>:Error: fail failed: the server said no\nassistant:sorry",
			wantUsage: ToolCounts{Calls: 1, Turns: 1, FailedCalls: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			box := &fakeBox{}
			c := &scripted{replies: tt.replies}
			g := toolGen(t, c, box, tt.maxTurns, time.Second)
			g.restarts = tt.restarts
			out := make([]any, 3) // value, trace, tools
			err := g.Generate(context.Background(), fakeRow{}, out)
			if tt.wantErr != "" {
				var ce *columns.CellError
				if !errors.As(err, &ce) || !strings.Contains(err.Error(), tt.wantErr) || ce.Kind != "tool_turn_limit" {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
			} else {
				if err != nil {
					t.Fatal(err)
				}
				if got := summary(out[1]); got != tt.wantTrace {
					t.Errorf("trace:\n%s\nwant:\n%s", got, tt.wantTrace)
				}
			}
			if tt.wantCalls != nil && strings.Join(box.calls, "|") != strings.Join(tt.wantCalls, "|") {
				t.Errorf("tool calls %q, want %q", box.calls, tt.wantCalls)
			}
			if u := g.tools.usage.Counts(); u != tt.wantUsage {
				t.Errorf("usage %+v, want %+v", u, tt.wantUsage)
			}
			if tt.wantErr == "" {
				if tools := value.JSON(out[2]); !strings.HasPrefix(tools, `[{"type": "function", "function": {"name": "add", "description": "", "parameters": {"type": "object"}}}`) {
					t.Errorf("tools value: %s", tools)
				}
			}
			for _, r := range c.reqs {
				if len(r.Tools) != 4 {
					t.Fatalf("every request carries the tools; got %d", len(r.Tools))
				}
			}
		})
	}
}

func TestToolTimeout(t *testing.T) {
	box := &fakeBox{}
	c := &scripted{replies: []*model.Response{toolReply(call("c1", "sleep", `{}`)), reply("late", "")}}
	g := toolGen(t, c, box, 2, 100*time.Millisecond)
	out := make([]any, 3) // value, trace, tools
	start := time.Now()
	if err := g.Generate(context.Background(), fakeRow{}, out); err != nil {
		t.Fatal(err)
	}
	if el := time.Since(start); el > 2*time.Second {
		t.Fatalf("took %s; the timeout is 100ms", el)
	}
	if got := summary(out[1]); !strings.Contains(got, "tool<c1>:Error: sleep failed: timed out after 100ms") {
		t.Fatalf("trace:\n%s", got)
	}
}

// A restart after a completed tool turn resumes after it: the tool is not
// run again and the discarded reply is not in the trace.
func TestRestartAfterToolTurnDoesNotRerunTools(t *testing.T) {
	doc, _ := schemaFromJSON(`{"type": "object", "properties": {"n": {"type": "integer"}}, "required": ["n"]}`)
	box := &fakeBox{}
	c := &scripted{replies: []*model.Response{
		toolReply(call("c1", "add", `{"a":2,"b":3}`)),
		reply("not json", ""),
		reply("```json\n{\"n\": 5}\n```", ""),
	}}
	g := toolGen(t, c, box, 3, time.Second)
	g.recipe = jsonRecipe(t, doc)
	g.restarts = 1
	out := make([]any, 3) // value, trace, tools
	if err := g.Generate(context.Background(), fakeRow{}, out); err != nil {
		t.Fatal(err)
	}
	if len(box.calls) != 1 {
		t.Fatalf("tools ran %d times: %q", len(box.calls), box.calls)
	}
	want := "user:What is 2+3?\n\nReply with JSON.\nassistant[c1=add]:\ntool<c1>:5\nassistant:```json\n{\"n\": 5}\n```"
	if got := summary(out[1]); got != want {
		t.Fatalf("trace:\n%s\nwant:\n%s", got, want)
	}
	// The third request resumed from the checkpoint: prompt, call, result.
	if n := len(c.reqs[2].Messages); n != 3 {
		t.Fatalf("restart sent %d messages, want 3", n)
	}
}

// slotProbe is a Toolbox that records the endpoint's requests in flight
// while a tool runs.
type slotProbe struct {
	fakeBox
	slots *model.Slots
	seen  []int
}

func (b *slotProbe) Call(ctx context.Context, name, args string) ([]tracing.Block, error) {
	b.mu.Lock()
	b.seen = append(b.seen, b.slots.InFlight())
	b.mu.Unlock()
	return b.fakeBox.Call(ctx, name, args)
}

// No request slot is held while tools run: the slot is the HTTP request's.
func TestToolCallsHoldNoSlot(t *testing.T) {
	slots := model.NewSlots(1, model.DefaultAdmission)
	c := model.WithSlots(&scripted{replies: []*model.Response{
		toolReply(call("c1", "add", `{}`), call("c2", "echo", `{}`)), toolReply(call("c3", "add", `{}`)), reply("5", ""),
	}}, slots)
	box := &slotProbe{slots: slots}
	g := toolGen(t, c, &box.fakeBox, 3, time.Second)
	g.tools.box = box
	out := make([]any, 3)
	if err := g.Generate(context.Background(), fakeRow{}, out); err != nil {
		t.Fatal(err)
	}
	if len(box.seen) != 3 {
		t.Fatalf("%d tool calls, want 3", len(box.seen))
	}
	for i, n := range box.seen {
		if n != 0 {
			t.Errorf("tool call %d ran with %d request slot(s) held", i+1, n)
		}
	}
}
