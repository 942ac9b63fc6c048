package llm

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/synthgen/synthgen/columns"
	"github.com/synthgen/synthgen/columns/llm/model"
	"github.com/synthgen/synthgen/columns/llm/parse"
	"github.com/synthgen/synthgen/columns/template"
	"github.com/synthgen/synthgen/columns/value"
	"github.com/synthgen/synthgen/config"
	"github.com/synthgen/synthgen/tracing"
)

// scripted is a model.Client that answers from a list, recording requests.
type scripted struct {
	mu      sync.Mutex
	replies []*model.Response
	errs    []error
	reqs    []*model.Request
}

func (s *scripted) Complete(_ context.Context, req *model.Request) (*model.Response, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	i := len(s.reqs)
	cp := *req
	cp.Messages = append([]tracing.Message(nil), req.Messages...)
	s.reqs = append(s.reqs, &cp)
	if i < len(s.errs) && s.errs[i] != nil {
		return nil, s.errs[i]
	}
	if i >= len(s.replies) {
		return s.replies[len(s.replies)-1], nil
	}
	return s.replies[i], nil
}

func str(s string) *string { return &s }

func reply(content string, reasoning string) *model.Response {
	return &model.Response{Content: str(content), ReasoningContent: reasoning, FinishReason: "stop", Attempts: 1}
}

type fakeRow map[string]any

func (r fakeRow) Index() int64 { return 17 }
func (r fakeRow) Get(n string) (any, bool) {
	v, ok := r[n]
	return v, ok
}

func newGen(t *testing.T, system, prompt string, rec recipe, mode tracing.TraceType, reasoning bool, c model.Client) *generator {
	t.Helper()
	g := &generator{name: "answer", alias: "m", recipe: rec, client: c, info: &model.ModelInfo{Model: "m", ParseThinkTags: true},
		usage: (&UsageSet{}).For("m"), traceMode: mode, reasoning: reasoning, seed: 1}
	var err error
	if system != "" {
		if g.system, err = template.Parse(system); err != nil {
			t.Fatal(err)
		}
		g.refs = append(g.refs, g.system.Refs()...)
	}
	if g.prompt, err = template.Parse(prompt); err != nil {
		t.Fatal(err)
	}
	g.refs = append(g.refs, g.prompt.Refs()...)
	return g
}

var textRecipe, _, _ = recipeFor(nil)

// roles lists a trace value's roles and texts, e.g. "user:hi|assistant:yo".
func roles(trace any) string {
	var parts []string
	for _, m := range trace.([]any) {
		mm := m.(*value.Map)
		role, _ := mm.Get("role")
		content, _ := mm.Get("content")
		text, _ := content.([]any)[0].(*value.Map).Get("text")
		parts = append(parts, role.(string)+":"+text.(string))
	}
	return strings.Join(parts, "|")
}

func TestTraceCases(t *testing.T) {
	jsonRec := func() recipe {
		doc, _ := schemaFromJSON(`{"type": "object", "properties": {"a": {"type": "integer"}}, "required": ["a"]}`)
		s, err := parse.CompileSchema(doc)
		if err != nil {
			t.Fatal(err)
		}
		return recipe{instructions: "Reply with JSON.", parse: func(r string, b bool) (any, error) { return parse.Structured(r, s, b) }, what: "as JSON matching the schema"}
	}
	tests := []struct {
		name        string
		system      string
		rec         recipe
		mode        tracing.TraceType
		replies     []*model.Response
		corrections int
		restarts    int
		wantTrace   string // roles:texts, "" for no trace column
		wantReason  any
		wantValue   any
	}{
		{name: "text with system prompt", system: "Be brief.", rec: textRecipe, mode: tracing.TraceAllMessages,
			replies:   []*model.Response{reply("  Hi there.  ", "")},
			wantTrace: "system:Be brief.|user:Say hi to Ada|assistant:Hi there.", wantValue: "Hi there."},
		{name: "empty system prompt sends no system message", system: "{{ nothing }}", rec: textRecipe, mode: tracing.TraceAllMessages,
			replies:   []*model.Response{reply("Hi", "")},
			wantTrace: "user:Say hi to Ada|assistant:Hi", wantValue: "Hi"},
		{name: "last_message", rec: textRecipe, mode: tracing.TraceLastMessage,
			replies:   []*model.Response{reply("Hi", "")},
			wantTrace: "assistant:Hi", wantValue: "Hi"},
		{name: "reasoning verbatim in trace, trimmed in column", rec: textRecipe, mode: tracing.TraceLastMessage,
			replies:   []*model.Response{reply("Hi", "  think hard \n")},
			wantTrace: "assistant:Hi", wantReason: "think hard", wantValue: "Hi"},
		{name: "whitespace-only reasoning is null", rec: textRecipe, mode: tracing.TraceNone,
			replies:    []*model.Response{reply("Hi", "   \n ")},
			wantReason: nil, wantValue: "Hi"},
		{name: "reasoning field wins over reasoning_content", rec: textRecipe, mode: tracing.TraceNone,
			replies:    []*model.Response{{Content: str("Hi"), Reasoning: "from reasoning", ReasoningContent: "from reasoning_content", Attempts: 1}},
			wantReason: "from reasoning", wantValue: "Hi"},
		{name: "think tags split", rec: textRecipe, mode: tracing.TraceAllMessages,
			replies:   []*model.Response{reply("  <think>plan it</think>\nHi", "")},
			wantTrace: "user:Say hi to Ada|assistant:Hi", wantReason: "plan it", wantValue: "Hi"},
		{name: "null content is one empty text block", rec: textRecipe, mode: tracing.TraceLastMessage,
			replies:   []*model.Response{{Content: nil, Attempts: 1}},
			wantTrace: "assistant:", wantValue: ""},
		{name: "correction kept in the trace", rec: jsonRec(), mode: tracing.TraceAllMessages, corrections: 1,
			replies:   []*model.Response{reply("no json here", ""), reply("```json\n{\"a\": 1}\n```", "")},
			wantTrace: "user:Say hi to Ada\n\nReply with JSON.|assistant:no json here|user:" + correctionText(errNoJSON) + "|assistant:```json\n{\"a\": 1}\n```",
			wantValue: mapOf("a", int64(1))},
		{name: "restart discarded from the trace", rec: jsonRec(), mode: tracing.TraceAllMessages, restarts: 1,
			replies:   []*model.Response{reply("no json here", ""), reply("```json\n{\"a\": 2}\n```", "")},
			wantTrace: "user:Say hi to Ada\n\nReply with JSON.|assistant:```json\n{\"a\": 2}\n```", wantValue: mapOf("a", int64(2))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &scripted{replies: tt.replies}
			g := newGen(t, tt.system, "Say hi to {{ who }}", tt.rec, tt.mode, true, c)
			g.corrections, g.restarts = tt.corrections, tt.restarts
			width := 2
			if tt.mode != tracing.TraceNone {
				width = 3
			}
			out := make([]any, width)
			if err := g.Generate(context.Background(), fakeRow{"who": "Ada"}, out); err != nil {
				t.Fatal(err)
			}
			if got := value.JSON(out[0]); got != value.JSON(tt.wantValue) {
				t.Errorf("value = %s, want %s", got, value.JSON(tt.wantValue))
			}
			if tt.mode != tracing.TraceNone {
				if got := roles(out[1]); got != tt.wantTrace {
					t.Errorf("trace =\n%q\nwant\n%q", got, tt.wantTrace)
				}
			}
			if got := out[width-1]; got != tt.wantReason {
				t.Errorf("reasoning = %#v, want %#v", got, tt.wantReason)
			}
		})
	}
}

var errNoJSON = func() error {
	doc, _ := schemaFromJSON(`{"type": "object"}`)
	s, _ := parse.CompileSchema(doc)
	_, err := parse.Structured("no json here", s, false)
	return err
}()

func mapOf(kv ...any) *value.Map {
	m := value.NewMap()
	for i := 0; i+1 < len(kv); i += 2 {
		m.Set(kv[i].(string), kv[i+1])
	}
	return m
}

// The reasoning of an earlier tool-call message does not count: only the
// last assistant message's.
func TestReasoningOnlyFromLastAssistant(t *testing.T) {
	msgs := []tracing.Message{
		tracing.Text(tracing.RoleUser, "q"),
		{Role: tracing.RoleAssistant, Content: []tracing.Block{tracing.TextBlock("")}, ReasoningContent: "call a tool", ToolCalls: []tracing.ToolCall{{ID: "c1", Type: "function", Function: tracing.FunctionCall{Name: "add", Arguments: "{}"}}}},
		tracing.ToolResult("c1", "5"),
		tracing.Text(tracing.RoleAssistant, "5"),
	}
	g := &generator{traceMode: tracing.TraceNone, reasoning: true}
	out := make([]any, 2)
	g.fill(out, "5", msgs)
	if out[1] != nil {
		t.Fatalf("reasoning = %#v, want null", out[1])
	}
}

func TestParseFailureMessageAndCallCount(t *testing.T) {
	doc, _ := schemaFromJSON(`{"type": "object", "properties": {"a": {"type": "integer"}}, "required": ["a"]}`)
	s, _ := parse.CompileSchema(doc)
	rec := recipe{parse: func(r string, b bool) (any, error) { return parse.Structured(r, s, b) }, what: "as JSON matching the schema"}
	c := &scripted{replies: []*model.Response{{Content: str("```json\n{\"b\": 1}"), FinishReason: "length", Attempts: 1}}}
	g := newGen(t, "", "q", rec, tracing.TraceNone, false, c)
	g.corrections, g.restarts = 1, 5
	max := 100
	g.info.MaxTokens = &max
	err := g.Generate(context.Background(), fakeRow{}, make([]any, 1))
	var ce *columns.CellError
	if !errors.As(err, &ce) || ce.Kind != "parse" || ce.Conversation == nil {
		t.Fatalf("err = %#v", err)
	}
	want := `column "answer" row 17: could not parse the model output as JSON matching the schema after 1 correction and 5 restarts: `
	if !strings.HasPrefix(err.Error(), want) || !strings.Contains(err.Error(), "cut at max_tokens (100)") {
		t.Fatalf("message:\n%s", err)
	}
	if n := len(c.reqs); n != (1+1)*(5+1) {
		t.Fatalf("%d model calls, want (corrections+1)×(restarts+1) = 12", n)
	}
}

func TestModelErrorFailsCellAtOnce(t *testing.T) {
	c := &scripted{errs: []error{&model.Error{Kind: model.KindFatal, Status: 401, Provider: "p", Model: "m", Message: "bad key"}}, replies: []*model.Response{reply("x", "")}}
	g := newGen(t, "", "q", textRecipe, tracing.TraceNone, false, c)
	err := g.Generate(context.Background(), fakeRow{}, make([]any, 1))
	var ce *columns.CellError
	if !errors.As(err, &ce) || ce.Kind != "model_fatal" || len(c.reqs) != 1 {
		t.Fatalf("err %v, %d calls", err, len(c.reqs))
	}
}

func TestRequestCarriesInstructionsAndParams(t *testing.T) {
	c := &scripted{replies: []*model.Response{reply("```python\nprint(1)\n```", "")}}
	codeRec, _, _ := recipeFor(codeColumn("python"))
	g := newGen(t, "", "Write code for {{ who }}", codeRec, tracing.TraceNone, false, c)
	out := make([]any, 1)
	if err := g.Generate(context.Background(), fakeRow{"who": "Ada"}, out); err != nil {
		t.Fatal(err)
	}
	if out[0] != "print(1)" {
		t.Fatalf("value %q", out[0])
	}
	user := c.reqs[0].Messages[0]
	if user.Role != tracing.RoleUser || !strings.HasPrefix(user.Content[0].Text, "Write code for Ada\n\n") || !strings.Contains(user.Content[0].Text, "```python") {
		t.Fatalf("user message %q", user.Content[0].Text)
	}
}

func schemaFromJSON(s string) (*value.Map, error) {
	v, err := value.DecodeJSON([]byte(s))
	if err != nil {
		return nil, err
	}
	return v.(*value.Map), nil
}

func codeColumn(lang string) *config.LLMCodeColumn {
	c := &config.LLMCodeColumn{CodeLang: lang}
	c.Name = "code"
	return c
}

func TestImageContextBlocksBeforeText(t *testing.T) {
	c := &scripted{replies: []*model.Response{reply("a cat", "")}}
	g := newGen(t, "", "Describe the image.", textRecipe, tracing.TraceAllMessages, false, c)
	g.images = []config.MultiModalContext{{ColumnName: "pic", DataType: "url"}, {ColumnName: "raw", DataType: "base64", ImageFormat: "jpg"}}
	out := make([]any, 2)
	if err := g.Generate(context.Background(), fakeRow{"pic": "https://x/cat.png", "raw": "AAAA"}, out); err != nil {
		t.Fatal(err)
	}
	user := c.reqs[0].Messages[0]
	if len(user.Content) != 3 || user.Content[0].ImageURL.URL != "https://x/cat.png" || user.Content[1].ImageURL.URL != "data:image/jpeg;base64,AAAA" || user.Content[2].Text != "Describe the image." {
		t.Fatalf("user content: %+v", user.Content)
	}
	first := out[1].([]any)[0].(*value.Map)
	content, _ := first.Get("content")
	if got := value.JSON(content); got != `[{"type": "image_url", "image_url": {"url": "https://x/cat.png"}}, {"type": "image_url", "image_url": {"url": "data:image/jpeg;base64,AAAA"}}, {"type": "text", "text": "Describe the image."}]` {
		t.Fatalf("trace content: %s", got)
	}
}

// jsonRecipe is the structured recipe for a schema, with fixed instructions.
func jsonRecipe(t *testing.T, doc *value.Map) recipe {
	t.Helper()
	s, err := parse.CompileSchema(doc)
	if err != nil {
		t.Fatal(err)
	}
	return recipe{instructions: "Reply with JSON.", parse: func(r string, b bool) (any, error) { return parse.Structured(r, s, b) }, what: "as JSON matching the schema"}
}
