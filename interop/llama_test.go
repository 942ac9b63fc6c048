//go:build interop

package interop

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"slices"
	"testing"
	"time"
	"unicode/utf8"
)

var httpClient = &http.Client{Timeout: 120 * time.Second}

// postJSON posts body (marshalled unless it is already []byte) to base+path.
func postJSON(t *testing.T, base, path string, body any) (int, []byte) {
	t.Helper()
	raw, ok := body.([]byte)
	if !ok {
		var err error
		if raw, err = json.Marshal(body); err != nil {
			t.Fatal(err)
		}
	}
	resp, err := httpClient.Post(base+path, "application/json", bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("POST %s: %v", path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("reading %s reply: %v", path, err)
	}
	return resp.StatusCode, b
}

type chatReply struct {
	ID      *string `json:"id"`
	Object  string  `json:"object"`
	Model   string  `json:"model"`
	Choices []struct {
		Index   int `json:"index"`
		Message struct {
			Role    string  `json:"role"`
			Content *string `json:"content"`
		} `json:"message"`
		FinishReason string `json:"finish_reason"`
	} `json:"choices"`
	Usage *struct {
		PromptTokens     int `json:"prompt_tokens"`
		CompletionTokens int `json:"completion_tokens"`
		TotalTokens      int `json:"total_tokens"`
	} `json:"usage"`
}

// chat posts a chat completion, requires 200 and checks the OpenAI reply shape.
func chat(t *testing.T, base string, body map[string]any) chatReply {
	t.Helper()
	status, raw := postJSON(t, base, "/v1/chat/completions", body)
	if status != http.StatusOK {
		t.Fatalf("status %d, body %s", status, raw)
	}
	var r chatReply
	if err := json.Unmarshal(raw, &r); err != nil {
		t.Fatalf("reply is not JSON: %v\n%s", err, raw)
	}
	if r.Object != "chat.completion" {
		t.Errorf("object = %q, want chat.completion", r.Object)
	}
	if r.ID == nil || *r.ID == "" {
		t.Errorf("no id in %s", raw)
	}
	if r.Model == "" {
		t.Errorf("no model in %s", raw)
	}
	if len(r.Choices) != 1 {
		t.Fatalf("%d choices, want 1: %s", len(r.Choices), raw)
	}
	c := r.Choices[0]
	if c.Index != 0 || c.Message.Role != "assistant" {
		t.Errorf("choice index %d role %q, want 0 assistant", c.Index, c.Message.Role)
	}
	if c.Message.Content == nil {
		t.Errorf("choices[0].message.content missing or null: %s", raw)
	}
	if c.FinishReason != "stop" && c.FinishReason != "length" {
		t.Errorf("finish_reason = %q, want stop or length", c.FinishReason)
	}
	if r.Usage == nil {
		t.Fatalf("no usage in %s", raw)
	}
	u := r.Usage
	if u.PromptTokens <= 0 || u.CompletionTokens <= 0 || u.TotalTokens != u.PromptTokens+u.CompletionTokens {
		t.Errorf("usage = %+v: want prompt>0, completion>0, total = prompt+completion", *u)
	}
	if mt, ok := body["max_tokens"].(int); ok && u.CompletionTokens > mt {
		t.Errorf("completion_tokens %d > max_tokens %d", u.CompletionTokens, mt)
	}
	return r
}

func userMessages(text string) []map[string]any {
	return []map[string]any{
		{"role": "system", "content": "You are terse."},
		{"role": "user", "content": text},
	}
}

func TestHealthAndModels(t *testing.T) {
	base := StartLlamaServer(t)
	resp, err := httpClient.Get(base + "/v1/models")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var models struct {
		Data []struct {
			ID string `json:"id"`
		} `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&models); err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET /v1/models: status %d, %v", resp.StatusCode, err)
	}
	if len(models.Data) == 0 || models.Data[0].ID != ModelAlias {
		t.Errorf("/v1/models data = %+v, want id %q", models.Data, ModelAlias)
	}
}

func TestChatCompletionText(t *testing.T) {
	base := StartLlamaServer(t)
	r := chat(t, base, map[string]any{
		"model":      ModelAlias,
		"messages":   userMessages("Write one sentence about rivers."),
		"max_tokens": 24,
		"seed":       7,
	})
	if r.Model != ModelAlias {
		t.Errorf("model = %q, want %q", r.Model, ModelAlias)
	}
	t.Logf("content %q, finish %s, usage %+v", *r.Choices[0].Message.Content, r.Choices[0].FinishReason, *r.Usage)
}

// temperature 0 and top_p 0 are legal values that must reach the server (go-openai
// drops them with omitempty); the server must accept both.
func TestTemperatureAndTopPZero(t *testing.T) {
	base := StartLlamaServer(t)
	for _, extra := range []map[string]any{
		{"temperature": 0},
		{"temperature": 0, "top_p": 0},
	} {
		body := map[string]any{"model": ModelAlias, "messages": userMessages("Say hi."), "max_tokens": 8}
		for k, v := range extra {
			body[k] = v
		}
		r := chat(t, base, body)
		t.Logf("%v: content %q", extra, *r.Choices[0].Message.Content)
	}
}

var boundedSchema = map[string]any{
	"type": "object",
	"properties": map[string]any{
		"color": map[string]any{"type": "string", "enum": []string{"red", "green", "blue"}},
		"label": map[string]any{"type": "string", "maxLength": 12},
		"score": map[string]any{"type": "integer", "minimum": 1, "maximum": 5},
		"tags": map[string]any{
			"type":     "array",
			"items":    map[string]any{"type": "string", "enum": []string{"a", "b", "c"}},
			"maxItems": 3,
		},
	},
	"required":             []string{"color", "label", "score", "tags"},
	"additionalProperties": false,
}

// checkBounded validates content against boundedSchema by hand.
func checkBounded(content string) error {
	var v map[string]any
	dec := json.NewDecoder(bytes.NewReader([]byte(content)))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return fmt.Errorf("not a JSON object: %v", err)
	}
	if dec.More() {
		return fmt.Errorf("trailing data after the JSON object")
	}
	if len(v) != 4 {
		return fmt.Errorf("%d keys, want exactly color, label, score, tags", len(v))
	}
	color, ok := v["color"].(string)
	if !ok || !slices.Contains([]string{"red", "green", "blue"}, color) {
		return fmt.Errorf("color = %#v, want one of red/green/blue", v["color"])
	}
	label, ok := v["label"].(string)
	if !ok || utf8.RuneCountInString(label) > 12 {
		return fmt.Errorf("label = %#v, want a string of at most 12 characters", v["label"])
	}
	num, ok := v["score"].(json.Number)
	if !ok {
		return fmt.Errorf("score = %#v, want an integer", v["score"])
	}
	f, err := num.Float64()
	if err != nil || f != math.Trunc(f) || f < 1 || f > 5 {
		return fmt.Errorf("score = %s, want an integer in [1, 5]", num)
	}
	tags, ok := v["tags"].([]any)
	if !ok || len(tags) > 3 {
		return fmt.Errorf("tags = %#v, want an array of at most 3 items", v["tags"])
	}
	for _, tag := range tags {
		if s, ok := tag.(string); !ok || !slices.Contains([]string{"a", "b", "c"}, s) {
			return fmt.Errorf("tag %#v, want one of a/b/c", tag)
		}
	}
	return nil
}

func TestJSONSchemaResponseFormat(t *testing.T) {
	base := StartLlamaServer(t)
	// Greedy, then sampled with a few seeds: a random model only ever stops inside
	// the bounds the grammar imposes.
	for _, opts := range []map[string]any{
		{"temperature": 0},
		{"temperature": 1, "seed": 1},
		{"temperature": 1, "seed": 2},
		{"temperature": 1, "seed": 3},
	} {
		body := map[string]any{
			"model":      ModelAlias,
			"messages":   userMessages("Describe a fruit as JSON."),
			"max_tokens": 512,
			"response_format": map[string]any{
				"type": "json_schema",
				"json_schema": map[string]any{
					"name":   "fruit",
					"schema": boundedSchema,
					"strict": false,
				},
			},
		}
		for k, v := range opts {
			body[k] = v
		}
		r := chat(t, base, body)
		content := *r.Choices[0].Message.Content
		if r.Choices[0].FinishReason != "stop" {
			t.Errorf("%v: finish_reason %q (cut at max_tokens?), content %q", opts, r.Choices[0].FinishReason, content)
			continue
		}
		if err := checkBounded(content); err != nil {
			t.Errorf("%v: content %q: %v", opts, content, err)
			continue
		}
		t.Logf("%v: %s (completion_tokens %d)", opts, content, r.Usage.CompletionTokens)
	}
}

// errorBody is llama-server's OpenAI-style error reply.
type errorBody struct {
	Error *struct {
		Code    *int    `json:"code"`
		Message *string `json:"message"`
		Type    *string `json:"type"`
	} `json:"error"`
}

// Error replies have the shape {"error":{"code":N,"message":"...","type":"..."}}.
// A request that parses but is invalid gets 400 invalid_request_error; a body that
// is not JSON at all gets 500 server_error (llama-server's own classification, so a
// client that retries 5xx retries it: pinned here so a change is noticed).
func TestMalformedRequest400(t *testing.T) {
	base := StartLlamaServer(t)
	cases := []struct {
		name       string
		body       any
		wantStatus int
		wantType   string
	}{
		{"messages is a string", map[string]any{"model": ModelAlias, "messages": "x"}, 400, "invalid_request_error"},
		{"messages missing", map[string]any{"model": ModelAlias}, 400, "invalid_request_error"},
		{"body is not JSON", []byte(`{"messages": [`), 500, "server_error"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			status, raw := postJSON(t, base, "/v1/chat/completions", c.body)
			t.Logf("status %d body %s", status, raw)
			if status != c.wantStatus {
				t.Fatalf("status %d, want %d; body %s", status, c.wantStatus, raw)
			}
			var e errorBody
			dec := json.NewDecoder(bytes.NewReader(raw))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&e); err != nil {
				t.Fatalf("error body is not {\"error\":{code,message,type}}: %v\n%s", err, raw)
			}
			if e.Error == nil || e.Error.Code == nil || e.Error.Message == nil || e.Error.Type == nil {
				t.Fatalf("want {\"error\":{\"code\",\"message\",\"type\"}}, got %s", raw)
			}
			if *e.Error.Code != c.wantStatus || *e.Error.Type != c.wantType || *e.Error.Message == "" {
				t.Errorf("error = code %d type %q message %q, want %d %s and a message",
					*e.Error.Code, *e.Error.Type, *e.Error.Message, c.wantStatus, c.wantType)
			}
		})
	}
}
