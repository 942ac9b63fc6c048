package model

import (
	"reflect"
	"testing"

	"github.com/synthgen/synthgen/tracing"
)

func ptr[T any](v T) *T { return &v }

var userHi = []tracing.Message{tracing.Text(tracing.RoleUser, "hi")}

func TestRequestBody(t *testing.T) {
	tests := []struct {
		name string
		give Request
		want string
	}{{
		name: "nothing optional is sent",
		give: Request{Messages: userHi},
		want: `{"model":"m","stream":false,"messages":[{"role":"user","content":"hi"}]}`,
	}, {
		name: "temperature 0 and top_p 0 are sent (go-openai drops them)",
		give: Request{Messages: userHi, Temperature: ptr(0.0), TopP: ptr(0.0), MaxTokens: ptr(16)},
		want: `{"model":"m","stream":false,"messages":[{"role":"user","content":"hi"}],"temperature":0,"top_p":0,"max_tokens":16}`,
	}, {
		name: "full precision, request model wins",
		give: Request{Model: "other", Messages: userHi, Temperature: ptr(0.123456789012), TopP: ptr(0.95)},
		want: `{"model":"other","stream":false,"messages":[{"role":"user","content":"hi"}],"temperature":0.123456789012,"top_p":0.95}`,
	}, {
		name: "extra_body merged at the top level and wins; never n or tool_choice",
		give: Request{Messages: userHi, Temperature: ptr(0.9), ExtraBody: map[string]any{
			"reasoning_effort": "low", "temperature": 0.3, "n": 3, "tool_choice": "auto",
			"mock":                 map[string]any{"fail_rate": map[string]any{"429": 0.5}},
			"chat_template_kwargs": map[string]any{"enable_thinking": false},
		}},
		want: `{"model":"m","stream":false,"messages":[{"role":"user","content":"hi"}],"temperature":0.3,
			"reasoning_effort":"low","mock":{"fail_rate":{"429":0.5}},"chat_template_kwargs":{"enable_thinking":false}}`,
	}, {
		name: "messages: string content, block lists, tool calls, reasoning echoed, tool results",
		give: Request{Messages: []tracing.Message{
			tracing.Text(tracing.RoleSystem, "be brief"),
			{Role: tracing.RoleUser, Content: []tracing.Block{tracing.TextBlock("what is this?"), tracing.ImageBlock("data:image/png;base64,AAAA")}},
			{Role: tracing.RoleAssistant, Content: []tracing.Block{tracing.TextBlock("")}, ReasoningContent: "I need the add tool",
				ToolCalls: []tracing.ToolCall{{ID: "call_1", Function: tracing.FunctionCall{Name: "add", Arguments: `{"a":2,"b":3}`}},
					{ID: "call_2", Function: tracing.FunctionCall{Name: "now"}}}},
			tracing.ToolResult("call_1", "5"),
			tracing.ToolResult("call_2", "noon"),
			{Role: tracing.RoleUser},
		}},
		want: `{"model":"m","stream":false,"messages":[
			{"role":"system","content":"be brief"},
			{"role":"user","content":[{"type":"text","text":"what is this?"},{"type":"image_url","image_url":{"url":"data:image/png;base64,AAAA"}}]},
			{"role":"assistant","content":"","reasoning_content":"I need the add tool","tool_calls":[
				{"id":"call_1","type":"function","function":{"name":"add","arguments":"{\"a\":2,\"b\":3}"}},
				{"id":"call_2","type":"function","function":{"name":"now","arguments":"{}"}}]},
			{"role":"tool","content":"5","tool_call_id":"call_1"},
			{"role":"tool","content":"noon","tool_call_id":"call_2"},
			{"role":"user","content":""}]}`,
	}, {
		name: "tools",
		give: Request{Messages: userHi, Tools: []Tool{
			{Name: "add", Description: "adds", Parameters: map[string]any{"type": "object", "properties": map[string]any{"a": map[string]any{"type": "number"}}}},
			{Name: "now"},
		}},
		want: `{"model":"m","stream":false,"messages":[{"role":"user","content":"hi"}],"tools":[
			{"type":"function","function":{"name":"add","description":"adds","parameters":{"type":"object","properties":{"a":{"type":"number"}}}}},
			{"type":"function","function":{"name":"now"}}]}`,
	}, {
		name: "response_format json_schema, strict false",
		give: Request{Messages: userHi, ResponseFormat: &JSONSchemaFormat{Name: "facts", Schema: map[string]any{"type": "object"}}},
		want: `{"model":"m","stream":false,"messages":[{"role":"user","content":"hi"}],
			"response_format":{"type":"json_schema","json_schema":{"name":"facts","schema":{"type":"object"},"strict":false}}}`,
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newScripted(t, ok200)
			if _, err := complete(t, s.endpoint(), &tt.give); err != nil {
				t.Fatal(err)
			}
			jsonEqual(t, s.body(t, 0), tt.want)
		})
	}
}

func TestRequestHeaders(t *testing.T) {
	s := newScripted(t, ok200)
	ep := s.endpoint()
	ep.APIKey = "sk-abc"
	ep.Headers = map[string]string{"X-Title": "synthgen", "HTTP-Referer": "https://example.com"}
	if _, err := complete(t, ep, &Request{Messages: userHi}); err != nil {
		t.Fatal(err)
	}
	r := s.requests[0]
	for k, want := range map[string]string{"Authorization": "Bearer sk-abc", "X-Title": "synthgen",
		"Http-Referer": "https://example.com", "Content-Type": "application/json"} {
		if got := r.Header.Get(k); got != want {
			t.Errorf("header %s = %q, want %q", k, got, want)
		}
	}
	if r.Method != "POST" || r.URL.Path != "/v1/chat/completions" {
		t.Errorf("request %s %s", r.Method, r.URL.Path)
	}

	// No key: no Authorization header (mock, local servers).
	s2 := newScripted(t, ok200)
	if _, err := complete(t, s2.endpoint(), &Request{Messages: userHi}); err != nil {
		t.Fatal(err)
	}
	if got, ok := s2.requests[0].Header["Authorization"]; ok {
		t.Errorf("Authorization sent without a key: %q", got)
	}
}

func TestReply(t *testing.T) {
	tests := []struct {
		name string
		body string
		want Response
	}{{
		name: "plain",
		body: okBody,
		want: Response{Content: ptr("OK"), FinishReason: "stop", Usage: Usage{PromptTokens: 3, CompletionTokens: 1}},
	}, {
		name: "reasoning field (vLLM, OpenRouter, Ollama) and reasoning tokens",
		body: `{"choices":[{"message":{"role":"assistant","content":"5","reasoning":"2+3=5"},"finish_reason":"stop"}],
			"usage":{"prompt_tokens":10,"completion_tokens":20,"completion_tokens_details":{"reasoning_tokens":15}}}`,
		want: Response{Content: ptr("5"), Reasoning: "2+3=5", FinishReason: "stop",
			Usage: Usage{PromptTokens: 10, CompletionTokens: 20, ReasoningTokens: 15}},
	}, {
		name: "reasoning_content (DeepSeek, vLLM) kept verbatim beside reasoning",
		body: `{"choices":[{"message":{"role":"assistant","content":"\n5 ","reasoning_content":" think\n","reasoning":"r"},"finish_reason":"length"}]}`,
		want: Response{Content: ptr("\n5 "), Reasoning: "r", ReasoningContent: " think\n", FinishReason: "length"},
	}, {
		name: "null content with tool calls; empty arguments become {}",
		body: `{"choices":[{"message":{"role":"assistant","content":null,"tool_calls":[
			{"id":"c1","type":"function","function":{"name":"add","arguments":"{\"a\": 2}"}},
			{"id":"","type":"function","function":{"name":"now","arguments":""}}]},"finish_reason":"tool_calls"}]}`,
		want: Response{FinishReason: "tool_calls", ToolCalls: []tracing.ToolCall{
			{ID: "c1", Type: "function", Function: tracing.FunctionCall{Name: "add", Arguments: `{"a": 2}`}},
			{Type: "function", Function: tracing.FunctionCall{Name: "now", Arguments: "{}"}}}},
	}, {
		name: "absent content is nil, empty content is empty",
		body: `{"choices":[{"message":{"role":"assistant"},"finish_reason":"stop"}]}`,
		want: Response{FinishReason: "stop"},
	}, {
		name: "empty string content",
		body: `{"choices":[{"message":{"role":"assistant","content":""},"finish_reason":"stop"}]}`,
		want: Response{Content: ptr(""), FinishReason: "stop"},
	}, {
		name: "content as a list of parts: text parts joined",
		body: `{"choices":[{"message":{"role":"assistant","content":[{"type":"text","text":"a"},{"type":"text","text":"b"}]},"finish_reason":"stop"}]}`,
		want: Response{Content: ptr("ab"), FinishReason: "stop"},
	}, {
		name: "a non-string reasoning is ignored",
		body: `{"choices":[{"message":{"role":"assistant","content":"x","reasoning":{"steps":[]}},"finish_reason":"stop"}]}`,
		want: Response{Content: ptr("x"), FinishReason: "stop"},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newScripted(t, reply{status: 200, body: tt.body})
			got, err := complete(t, s.endpoint(), &Request{Messages: userHi})
			if err != nil {
				t.Fatal(err)
			}
			if got.Latency <= 0 {
				t.Errorf("latency %v", got.Latency)
			}
			got.Latency = 0
			if !reflect.DeepEqual(*got, tt.want) {
				t.Errorf("reply\n got %+v (content %v)\nwant %+v (content %v)", *got, deref(got.Content), tt.want, deref(tt.want.Content))
			}
		})
	}
}

func deref(s *string) any {
	if s == nil {
		return nil
	}
	return *s
}

// The struct-encoded body (no extra_body) is byte for byte the map-built one.
func TestPlainBodyMatchesMapBody(t *testing.T) {
	zero, two := 0.0, 2
	req := &Request{
		Messages: []tracing.Message{
			{Role: tracing.RoleSystem, Content: []tracing.Block{tracing.TextBlock("be <brief> & exact")}},
			{Role: tracing.RoleUser, Content: []tracing.Block{tracing.TextBlock("hi"), {Type: tracing.BlockImageURL, ImageURL: &tracing.ImageURL{URL: "https://x.example/a.png"}}}},
			{Role: tracing.RoleAssistant, ReasoningContent: "hm", ToolCalls: []tracing.ToolCall{{ID: "c1", Type: "function", Function: tracing.FunctionCall{Name: "add", Arguments: `{"a":1}`}}}},
			{Role: tracing.RoleTool, ToolCallID: "c1", Content: []tracing.Block{tracing.TextBlock("2")}},
		},
		Tools:          []Tool{{Name: "add", Description: "adds", Parameters: map[string]any{"type": "object"}}},
		Temperature:    &zero,
		TopP:           &zero,
		MaxTokens:      &two,
		ResponseFormat: &JSONSchemaFormat{Schema: map[string]any{"type": "object"}},
	}
	for _, r := range []*Request{req, {Messages: req.Messages[:1]}} {
		x := &exchange{req: r, model: "m"}
		plain, err := x.plainBody()
		if err != nil {
			t.Fatal(err)
		}
		viaMap, err := x.mapBody([]byte(`{"model":"m","messages":null,"stream":false}`))
		if err != nil {
			t.Fatal(err)
		}
		if string(plain) != string(viaMap) {
			t.Errorf("plain body\n%s\nmap body\n%s", plain, viaMap)
		}
	}
}
