package llm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/synthgen/synthgen/columns"
	"github.com/synthgen/synthgen/columns/llm/model"
	"github.com/synthgen/synthgen/columns/value"
	"github.com/synthgen/synthgen/tracing"
)

// Toolbox is the set of tools one LLM column may call (one tool_alias).
// Implementations are safe for concurrent use.
type Toolbox interface {
	// Tools lists the tools offered to the model (resolved once, before the
	// run; an unusable provider is an error wrapping columns.ErrUnreachable).
	Tools(ctx context.Context) ([]model.Tool, error)
	// Call runs one tool with its JSON arguments. An error is the reason the
	// tool failed (it becomes the tool message "Error: <tool> failed: <reason>").
	Call(ctx context.Context, name, arguments string) ([]tracing.Block, error)
}

// refusalText is the tool message of a call refused past the turn budget.
func refusalText(limit int) string {
	return fmt.Sprintf("%sthe limit of %d tool-calling turns is reached. Give your final answer without calling tools.", tracing.ToolRefusedPrefix, limit)
}

// maxRefusedTurns: after the first refused turn, a model that asks for tools
// two more turns fails the cell ("tool turn limit").
const maxRefusedTurns = 2

// errToolTurnLimit fails a cell whose model keeps calling tools.
var errToolTurnLimit = errors.New("tool turn limit")

// conversation is one cell's messages and tool-turn state.
type conversation struct {
	g    *generator
	row  columns.Row
	rng  *rand.Rand
	msgs []tracing.Message
	// checkpoint is where a restart resumes: after the prompt, or after the
	// last completed tool turn.
	checkpoint int
	turns      int // completed tool turns
	refused    int // refused turns
	// spans records the cell's child spans (nil: not recorded).
	spans *columns.SpanRecorder
}

// reply calls the model until it answers without tool calls, running the
// tool turns in between; it returns the final assistant message.
func (c *conversation) reply(ctx context.Context) (tracing.Message, string, error) {
	g := c.g
	for {
		resp, err := g.call(ctx, c.rng, c.msgs, c.spans)
		if err != nil {
			return tracing.Message{}, "", err
		}
		turn := len(c.msgs)
		reply := tracing.AssistantReply(resp.Content, resp.Reasoning, resp.ReasoningContent, resp.ToolCalls, g.info.ParseThinkTags)
		reply.AssignCallIDs(tracing.CallIDs(fmt.Sprintf("%d_%d", c.row.Index(), turn)))
		c.msgs = append(c.msgs, reply)
		if len(reply.ToolCalls) == 0 || g.tools == nil {
			return reply, resp.FinishReason, nil
		}
		if c.turns >= g.maxTurns {
			if c.refused >= maxRefusedTurns {
				return tracing.Message{}, "", fmt.Errorf("%w: the model asked for tools %d more turns after the limit of %d tool-calling turns was reached", errToolTurnLimit, c.refused+1, g.maxTurns)
			}
			c.refused++
			c.spans.Tag(tracing.TagRefused)
			g.tools.count(func(t *ToolUsage) { t.RefusedCalls += int64(len(reply.ToolCalls)) })
			for _, call := range reply.ToolCalls {
				c.msgs = append(c.msgs, tracing.ToolResult(call.ID, refusalText(g.maxTurns)))
			}
			continue
		}
		c.msgs = append(c.msgs, g.tools.runTurn(ctx, reply.ToolCalls, c.spans)...)
		c.turns++
		c.checkpoint = len(c.msgs)
	}
}

// columnTools is an LLM column's tools: the toolbox, the schemas sent with
// every request, the turn budget and per-call timeout, and the counters.
type columnTools struct {
	box     Toolbox
	alias   string
	schemas []model.Tool
	offered map[string]bool
	timeout time.Duration
	usage   *ToolUsage
	// value is the tools as the cell value of {column}__tools: the
	// OpenAI tools list, for chat-format datasets (schema_transform).
	value []any
}

// ToolsSuffix names the hidden (dropped) output of a column with tools that
// holds its tool definitions: "{{ answer__tools }}" in a schema_transform
// template gives the chat format's `tools` list.
const ToolsSuffix = "__tools"

// ToolsType is the type of a {column}__tools value.
var ToolsType = value.List(value.Struct(
	value.Field{Name: "type", Type: value.String},
	value.Field{Name: "function", Type: value.Struct(
		value.Field{Name: "name", Type: value.String},
		value.Field{Name: "description", Type: value.String},
		value.Field{Name: "parameters", Type: value.JSONT},
	)},
))

// toolsValue converts tool schemas to a {column}__tools value.
func toolsValue(schemas []model.Tool) []any {
	out := make([]any, 0, len(schemas))
	for _, s := range schemas {
		fn := value.NewMap()
		fn.Set("name", s.Name)
		fn.Set("description", s.Description)
		params, _ := value.DecodeJSON(mustJSON(s.Parameters))
		fn.Set("parameters", params)
		t := value.NewMap()
		t.Set("type", "function")
		t.Set("function", fn)
		out = append(out, t)
	}
	return out
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		return []byte("null")
	}
	return b
}

// resolve fetches the tool schemas once, before the run (nil t: no tools).
func (t *columnTools) resolve(ctx context.Context) error {
	if t == nil || t.schemas != nil {
		return nil
	}
	schemas, err := t.box.Tools(ctx)
	if err != nil {
		return err
	}
	t.offered = map[string]bool{}
	for _, s := range schemas {
		t.offered[s.Name] = true
	}
	t.schemas = schemas
	t.value = toolsValue(schemas)
	t.count(func(u *ToolUsage) { u.schemas = t.value })
	return nil
}

func (t *columnTools) count(f func(*ToolUsage)) {
	t.usage.mu.Lock()
	f(t.usage)
	t.usage.mu.Unlock()
}

// runTurn checks every call of a turn first, runs the valid ones at once
// (each under the timeout), and returns one tool message per call, in call
// order. Each call is a tool span on rec (nil: none).
func (t *columnTools) runTurn(ctx context.Context, calls []tracing.ToolCall, rec *columns.SpanRecorder) []tracing.Message {
	out := make([]tracing.Message, len(calls))
	// Check every call of the turn before running any.
	runnable := make([]bool, len(calls))
	failed := 0
	for i, call := range calls {
		if reason := t.check(call); reason != "" {
			out[i] = tracing.ToolResult(call.ID, tracing.ToolErrorPrefix+reason)
			failed++
			if rec != nil {
				now := time.Now()
				toolSpan(rec, call.Function.Name, now, now, reason)
			}
			continue
		}
		runnable[i] = true
	}
	var wg sync.WaitGroup
	errs := make([]bool, len(calls))
	for i, call := range calls {
		if !runnable[i] {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			cctx, cancel := context.WithTimeout(ctx, t.timeout)
			defer cancel()
			start := time.Now()
			blocks, err := t.box.Call(cctx, call.Function.Name, arguments(call))
			if err == nil && cctx.Err() != nil {
				err = cctx.Err()
			}
			if err != nil {
				reason := err.Error()
				if errors.Is(err, context.DeadlineExceeded) {
					reason = fmt.Sprintf("timed out after %s", t.timeout)
				}
				out[i] = tracing.ToolResult(call.ID, fmt.Sprintf("%s%s failed: %s", tracing.ToolErrorPrefix, call.Function.Name, reason))
				errs[i] = true
				if rec != nil {
					toolSpan(rec, call.Function.Name, start, time.Now(), reason)
				}
				return
			}
			if rec != nil {
				toolSpan(rec, call.Function.Name, start, time.Now(), "")
			}
			out[i] = tracing.Message{Role: tracing.RoleTool, Content: blocks, ToolCallID: call.ID}
			if len(blocks) == 0 {
				out[i].Content = []tracing.Block{tracing.TextBlock("")}
			}
		}()
	}
	wg.Wait()
	for _, e := range errs {
		if e {
			failed++
		}
	}
	t.count(func(u *ToolUsage) {
		u.Calls += int64(len(calls))
		u.Turns++
		u.FailedCalls += int64(failed)
	})
	return out
}

// toolSpan records one tool call; a failed one (reason set) is tagged
// tool_error, and so is its cell.
func toolSpan(rec *columns.SpanRecorder, name string, start, end time.Time, reason string) {
	s := tracing.Span{RunType: "tool", Name: name, StartTime: start, EndTime: end, Error: reason}
	if reason != "" {
		s.Tags = []string{tracing.TagToolError}
		rec.Tag(tracing.TagToolError)
	}
	rec.Add(s)
}

// check says why a call cannot run: a tool that is not offered, or
// arguments that are not a JSON object. "" means it can run.
func (t *columnTools) check(call tracing.ToolCall) string {
	name := call.Function.Name
	if !t.offered[name] {
		names := make([]string, 0, len(t.offered))
		for n := range t.offered {
			names = append(names, n)
		}
		sort.Strings(names)
		return fmt.Sprintf("tool %q is not available; the available tools are: %s", name, strings.Join(names, ", "))
	}
	var obj map[string]any
	if err := json.Unmarshal([]byte(arguments(call)), &obj); err != nil || obj == nil {
		return fmt.Sprintf("the arguments of %s are not a JSON object: %s", name, clip(arguments(call), 200))
	}
	return ""
}

func arguments(call tracing.ToolCall) string {
	if strings.TrimSpace(call.Function.Arguments) == "" {
		return tracing.EmptyArguments
	}
	return call.Function.Arguments
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// ToolCounts are one column's tool-use counters.
type ToolCounts struct {
	Calls        int64 `json:"tool_calls"`
	Turns        int64 `json:"tool_turns"`
	FailedCalls  int64 `json:"failed_tool_calls"`
	RefusedCalls int64 `json:"refused_tool_calls"`
}

// ToolUsage counts one column's tool use in a run. Safe for concurrent use.
type ToolUsage struct {
	mu sync.Mutex
	ToolCounts
	// schemas are the column's tools as a {column}__tools value, once
	// resolved (metadata.json "tools").
	schemas []any
}

// Counts returns a copy of the counters.
func (u *ToolUsage) Counts() ToolCounts {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.ToolCounts
}
