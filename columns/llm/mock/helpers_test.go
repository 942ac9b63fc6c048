package mock

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// completion is the OpenAI chat.completion object, as clients decode it.
type completion struct {
	ID      string `json:"id"`
	Object  string `json:"object"`
	Created int64  `json:"created"`
	Model   string `json:"model"`
	Choices []struct {
		Index   int `json:"index"`
		Message struct {
			Role             string  `json:"role"`
			Content          *string `json:"content"`
			ReasoningContent string  `json:"reasoning_content"`
			Reasoning        string  `json:"reasoning"`
			ToolCalls        []struct {
				ID       string `json:"id"`
				Type     string `json:"type"`
				Function struct {
					Name      string `json:"name"`
					Arguments string `json:"arguments"`
				} `json:"function"`
			} `json:"tool_calls"`
		} `json:"message"`
		FinishReason string `json:"finish_reason"`
	} `json:"choices"`
	Usage struct {
		PromptTokens            int `json:"prompt_tokens"`
		CompletionTokens        int `json:"completion_tokens"`
		TotalTokens             int `json:"total_tokens"`
		CompletionTokensDetails *struct {
			ReasoningTokens int `json:"reasoning_tokens"`
		} `json:"completion_tokens_details"`
	} `json:"usage"`
}

func (c completion) content() string {
	if len(c.Choices) == 0 || c.Choices[0].Message.Content == nil {
		return ""
	}
	return *c.Choices[0].Message.Content
}

// apiError is the OpenAI error body.
type apiError struct {
	Error struct {
		Message string  `json:"message"`
		Type    string  `json:"type"`
		Param   *string `json:"param"`
		Code    any     `json:"code"`
	} `json:"error"`
}

// result is one HTTP exchange.
type result struct {
	status int
	header http.Header
	raw    []byte
}

func (r result) completion(t *testing.T) completion {
	t.Helper()
	if r.status != http.StatusOK {
		t.Fatalf("status %d: %s", r.status, r.raw)
	}
	var c completion
	if err := json.Unmarshal(r.raw, &c); err != nil {
		t.Fatalf("decoding %s: %v", r.raw, err)
	}
	if c.Object != "chat.completion" || len(c.Choices) != 1 || c.Choices[0].Message.Role != "assistant" {
		t.Fatalf("not a chat completion: %s", r.raw)
	}
	return c
}

func (r result) apiError(t *testing.T) apiError {
	t.Helper()
	var e apiError
	if err := json.Unmarshal(r.raw, &e); err != nil || e.Error.Message == "" {
		t.Fatalf("not an OpenAI error body (%v): %s", err, r.raw)
	}
	return e
}

func newTestServer(t *testing.T, o Options) (*Server, string) {
	t.Helper()
	s := NewServer(o)
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	return s, ts.URL + "/v1"
}

func post(t *testing.T, ctx context.Context, url string, body any) (result, error) {
	t.Helper()
	data, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url+"/chat/completions", bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return result{}, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	return result{status: resp.StatusCode, header: resp.Header, raw: raw}, err
}

func chat(t *testing.T, url string, body any) result {
	t.Helper()
	r, err := post(t, context.Background(), url, body)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func get(t *testing.T, url string) result {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return result{status: resp.StatusCode, header: resp.Header, raw: raw}
}

// user is a request with one user message.
func user(model, prompt string) map[string]any {
	return map[string]any{"model": model, "messages": []any{map[string]any{"role": "user", "content": prompt}}}
}

// fenced returns the body of the last ```tag fenced block of s.
func fenced(t *testing.T, s, tag string) string {
	t.Helper()
	open := "```" + tag + "\n"
	i := strings.LastIndex(s, open)
	if i < 0 {
		t.Fatalf("no %q block in %q", open, s)
	}
	rest := s[i+len(open):]
	j := strings.Index(rest, "\n```")
	if j < 0 {
		t.Fatalf("unterminated block in %q", s)
	}
	return rest[:j]
}

// validate checks instance JSON text against a schema given as JSON text.
func validate(t *testing.T, schemaJSON, instance string) {
	t.Helper()
	sch, err := jsonschema.UnmarshalJSON(strings.NewReader(schemaJSON))
	if err != nil {
		t.Fatalf("schema: %v", err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource("schema.json", sch); err != nil {
		t.Fatal(err)
	}
	compiled, err := c.Compile("schema.json")
	if err != nil {
		t.Fatalf("compiling schema: %v", err)
	}
	inst, err := jsonschema.UnmarshalJSON(strings.NewReader(instance))
	if err != nil {
		t.Fatalf("instance is not JSON: %v\n%s", err, instance)
	}
	if err := compiled.Validate(inst); err != nil {
		t.Fatalf("instance does not validate: %v\n%s", err, instance)
	}
}
