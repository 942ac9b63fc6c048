package llm

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/synthgen/synthgen/columns"
	"github.com/synthgen/synthgen/columns/llm/model"
	"github.com/synthgen/synthgen/columns/template"
	"github.com/synthgen/synthgen/config"
	"github.com/synthgen/synthgen/tracing"
)

// recipe is what distinguishes the four kinds: the instructions appended to
// the user prompt, how a reply is parsed, and how a failure is described.
type recipe struct {
	instructions string
	// parse turns the final reply text into the cell value; bare is true
	// when the model was asked for native structured output.
	parse func(reply string, bare bool) (any, error)
	// what completes "could not parse the model output <what>".
	what string
	// schema is sent as response_format in native structured mode.
	schema map[string]any
}

// generator runs one LLM column: one conversation per cell.
type generator struct {
	name        string
	alias       string
	system      *template.Template
	prompt      *template.Template
	refs        []string
	recipe      recipe
	client      model.Client
	info        *model.ModelInfo
	usage       *Usage
	traceMode   tracing.TraceType
	reasoning   bool // writes {name}__reasoning_content
	seed        uint64
	restarts    int
	corrections int
	health      *healthOnce
	skipHealth  bool
	// tools, when set, are the column's tools (tool_alias); maxTurns is
	// max_tool_call_turns.
	tools    *columnTools
	maxTurns int
	// images are the multi_modal_context entries: image blocks sent before
	// the prompt text.
	images []config.MultiModalContext
	// prepErr is why the model cannot be used (unknown provider, missing
	// key); Prepare reports it before the run starts.
	prepErr error
}

// Generate renders the prompts, runs the conversation and fills the main
// column, then the trace and reasoning columns when enabled (in that order).
func (g *generator) Generate(ctx context.Context, row columns.Row, out []any) error {
	vars := template.RowVars(row, g.refs)
	var base []tracing.Message
	if g.system != nil {
		sys, err := g.system.Render(vars)
		if err != nil {
			return g.fail(row, "render", fmt.Errorf("rendering system_prompt: %w", err), nil)
		}
		if strings.TrimSpace(sys) != "" {
			base = append(base, tracing.Text(tracing.RoleSystem, sys))
		}
	}
	user, err := g.prompt.Render(vars)
	if err != nil {
		return g.fail(row, "render", fmt.Errorf("rendering prompt: %w", err), nil)
	}
	if strings.TrimSpace(user) == "" {
		return g.fail(row, "render", errors.New("the prompt rendered empty"), nil)
	}
	if g.recipe.instructions != "" {
		user = strings.TrimRight(user, "\n") + "\n\n" + g.recipe.instructions
	}
	userMsg := tracing.Text(tracing.RoleUser, user)
	if len(g.images) > 0 {
		blocks, err := g.imageBlocks(row)
		if err != nil {
			return g.fail(row, "render", err, nil)
		}
		userMsg.Content = append(blocks, userMsg.Content...) // images come before the text
	}
	base = append(base, userMsg)

	rng := cellRand(g.seed, g.name, row.Index())
	c := &conversation{g: g, row: row, rng: rng, msgs: base, checkpoint: len(base), spans: columns.SpansFrom(ctx)}
	var (
		lastErr    error
		lastFinish string
	)
	for restart := 0; restart <= g.restarts; restart++ {
		if restart > 0 {
			g.usage.add(func(u *Usage) { u.restarts++ })
			c.spans.Tag(tracing.TagRestarted)
			// Start again from the last checkpoint: the prompt, or the end of
			// the last completed tool turn (tools already run are not re-run).
			c.msgs = append([]tracing.Message(nil), c.msgs[:c.checkpoint]...)
			c.refused = 0 // the refused turns were discarded with the attempt
		}
		for correction := 0; ; correction++ {
			reply, finish, err := c.reply(ctx)
			if err != nil {
				return g.fail(row, failKind(err), err, c.msgs)
			}
			var parseStart time.Time
			if c.spans != nil {
				parseStart = time.Now()
			}
			val, perr := g.recipe.parse(replyText(reply), g.info.StructuredOutputs == "native")
			if perr == nil {
				if c.spans != nil {
					c.spans.Add(tracing.Span{RunType: "parser", Name: "parse", StartTime: parseStart, EndTime: time.Now()})
				}
				g.fill(out, val, c.msgs)
				return nil
			}
			lastErr, lastFinish = perr, finish
			if correction >= g.corrections {
				c.parseSpan(parseStart, perr, false)
				break
			}
			c.parseSpan(parseStart, perr, true)
			g.usage.add(func(u *Usage) { u.corrections++ })
			c.msgs = append(c.msgs, tracing.Text(tracing.RoleUser, correctionText(perr)))
		}
	}
	msgs := c.msgs
	msg := fmt.Sprintf("could not parse the model output %s after %s and %s: %v",
		g.recipe.what, count(g.corrections, "correction"), count(g.restarts, "restart"), lastErr)
	if lastFinish == "length" {
		msg += fmt.Sprintf("; the last reply was cut at max_tokens (%s): raise max_tokens", maxTokensText(g.info))
	}
	return g.fail(row, "parse", errors.New(msg), msgs)
}

// parseSpan records a failed parse step; corrected says a correction
// follows it.
func (c *conversation) parseSpan(start time.Time, err error, corrected bool) {
	if c.spans == nil {
		return
	}
	s := tracing.Span{RunType: "parser", Name: "parse", StartTime: start, EndTime: time.Now(), Error: err.Error()}
	if corrected {
		s.Tags = []string{tracing.TagCorrected}
		c.spans.Tag(tracing.TagCorrected)
	}
	c.spans.Add(s)
}

// call sends one request with per-request sampled parameters and records
// usage, and a span on rec (nil: none).
func (g *generator) call(ctx context.Context, rng *rand.Rand, msgs []tracing.Message, rec *columns.SpanRecorder) (*model.Response, error) {
	req := &model.Request{Model: g.info.Model, Messages: msgs, MaxTokens: g.info.MaxTokens, ExtraBody: g.info.ExtraBody}
	if g.tools != nil {
		req.Tools = g.tools.schemas
	}
	req.Temperature, req.TopP = g.info.Params(rng)
	if g.info.StructuredOutputs == "native" && g.recipe.schema != nil {
		req.ResponseFormat = &model.JSONSchemaFormat{Name: g.name, Schema: g.recipe.schema}
	}
	var start time.Time
	if rec != nil {
		start = time.Now()
	}
	resp, err := g.client.Complete(ctx, req)
	if rec != nil {
		g.requestSpan(rec, start, resp, err)
	}
	g.usage.add(func(u *Usage) {
		u.requests++
		if err != nil {
			u.failed++
			var me *model.Error
			if errors.As(err, &me) {
				u.retries += int64(max(me.Attempts-1, 0))
				u.rateLimited += int64(me.RateLimited)
			}
			return
		}
		u.promptTokens += int64(resp.Usage.PromptTokens)
		u.completionTokens += int64(resp.Usage.CompletionTokens)
		u.reasoningTokens += int64(resp.Usage.ReasoningTokens)
		u.retries += int64(max(resp.Attempts-1, 0))
		u.rateLimited += int64(resp.RateLimited)
		u.latency.add(resp.Latency)
	})
	return resp, err
}

// requestSpan records one model request (with its retries) on rec and tags
// the cell truncated when the reply was cut at max_tokens.
func (g *generator) requestSpan(rec *columns.SpanRecorder, start time.Time, resp *model.Response, err error) {
	s := tracing.Span{RunType: "llm", Name: g.alias, StartTime: start, EndTime: time.Now(), Model: g.info.Model, Provider: g.info.Provider}
	if err != nil {
		s.Error = err.Error()
		var me *model.Error
		if errors.As(err, &me) {
			s.Attempt = int64(me.Attempts)
		}
	} else {
		s.FinishReason = resp.FinishReason
		s.Attempt = int64(resp.Attempts)
		s.PromptTokens = int64(resp.Usage.PromptTokens)
		s.CompletionTokens = int64(resp.Usage.CompletionTokens)
		s.ReasoningTokens = int64(resp.Usage.ReasoningTokens)
		s.TotalTokens = s.PromptTokens + s.CompletionTokens
		if resp.FinishReason == "length" {
			s.Tags = []string{tracing.TagTruncated}
			rec.Tag(tracing.TagTruncated)
		}
	}
	s.Attempt = max(s.Attempt, 1)
	rec.Add(s)
}

// fill stores the value, then the trace and the reasoning when enabled.
func (g *generator) fill(out []any, val any, msgs []tracing.Message) {
	out[0] = val
	i := 1
	if g.traceMode != tracing.TraceNone {
		out[i] = traceValue(tracing.Build(msgs, g.traceMode))
		i++
	}
	if g.reasoning {
		if r, ok := tracing.ReasoningOf(msgs); ok {
			out[i] = r
		} else {
			out[i] = nil
		}
		i++
	}
	if g.tools != nil {
		out[i] = g.tools.value // {name}__tools: dropped, for processors
	}
}

// fail returns the cell's error with the conversation so far, so failures
// can be reviewed too.
func (g *generator) fail(row columns.Row, kind string, err error, msgs []tracing.Message) error {
	ce := &columns.CellError{Row: row.Index(), Column: g.name, Kind: kind, Err: err}
	var me *model.Error
	if errors.As(err, &me) {
		ce.Kind = "model_" + me.Kind.String()
	}
	if len(msgs) > 0 {
		ce.Conversation = traceValue(msgs)
	}
	return ce
}

// failKind names a conversation failure for failures.jsonl.
func failKind(err error) string {
	if errors.Is(err, errToolTurnLimit) {
		return "tool_turn_limit"
	}
	return "model"
}

// replyText is the text of an assistant message (its text blocks joined).
func replyText(m tracing.Message) string {
	var b strings.Builder
	for _, blk := range m.Content {
		if blk.Type == tracing.BlockText || blk.Type == "" {
			b.WriteString(blk.Text)
		}
	}
	return b.String()
}

func correctionText(err error) string {
	return "Your previous reply could not be used: " + err.Error() + "\nReply again, following the instructions exactly."
}

func count(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

func maxTokensText(info *model.ModelInfo) string {
	if info.MaxTokens == nil {
		return "the provider's default"
	}
	return fmt.Sprint(*info.MaxTokens)
}

// cellRand is the cell's random source: it depends only on the run seed,
// the column and the row, so sampled temperatures do not depend on
// scheduling.
func cellRand(seed uint64, column string, row int64) *rand.Rand {
	h := fnv.New64a()
	fmt.Fprintf(h, "%d\x00%s\x00%d", seed, column, row)
	s := h.Sum64()
	return rand.New(rand.NewPCG(s, s^0x9e3779b97f4a7c15))
}

// imageBlocks builds the image blocks of a row from its multi_modal_context
// columns: a URL as is, base64 data as a data: URL of the image format.
func (g *generator) imageBlocks(row columns.Row) ([]tracing.Block, error) {
	var out []tracing.Block
	for _, mm := range g.images {
		v, _ := row.Get(mm.ColumnName)
		var urls []string
		switch t := v.(type) {
		case string:
			urls = []string{t}
		case []any:
			for _, x := range t {
				if s, ok := x.(string); ok {
					urls = append(urls, s)
				}
			}
		case nil:
			return nil, fmt.Errorf("image column %q is null", mm.ColumnName)
		default:
			return nil, fmt.Errorf("image column %q holds %T, not a URL or base64 text", mm.ColumnName, v)
		}
		for _, u := range urls {
			if mm.DataType == "base64" && !strings.HasPrefix(u, "data:") {
				format := mm.ImageFormat
				switch format {
				case "":
					format = "png"
				case "jpg":
					format = "jpeg"
				}
				u = "data:image/" + format + ";base64," + u
			}
			out = append(out, tracing.ImageBlock(u))
		}
	}
	return out, nil
}
