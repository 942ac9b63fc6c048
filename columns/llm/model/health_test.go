package model

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/synthgen/synthgen/columns"
)

func TestHealthCheckClosedPort(t *testing.T) {
	const key = "sk-never-shown-42"
	url := closedURL(t)
	c := NewOpenAI(Endpoint{Provider: "local", BaseURL: url, APIKey: key, Model: "m"})
	err := HealthCheck(context.Background(), c, &ModelInfo{Provider: "local", BaseURL: url, Model: "m"})
	if !errors.Is(err, columns.ErrUnreachable) {
		t.Fatalf("%v does not wrap ErrUnreachable", err)
	}
	var e *Error
	if !errors.As(err, &e) || e.Kind != KindTransient {
		t.Errorf("classified as %+v", e)
	}
	msg := err.Error()
	wantPrefix := "provider local at " + url + `: health check failed: local model "m": `
	if !strings.HasPrefix(msg, wantPrefix) || !strings.Contains(msg, "connection refused") || strings.Contains(msg, key) {
		t.Errorf("message %q, want prefix %q, the cause and no key", msg, wantPrefix)
	}
}

func TestHealthCheckRequest(t *testing.T) {
	s := newScripted(t, ok200)
	info := &ModelInfo{Provider: "test", BaseURL: s.URL + "/v1", Model: "m", ExtraBody: map[string]any{"reasoning_effort": "low"}}
	if err := HealthCheck(context.Background(), NewOpenAI(s.endpoint()), info); err != nil {
		t.Fatal(err)
	}
	jsonEqual(t, s.body(t, 0), `{"model":"m","stream":false,"messages":[{"role":"user","content":"Say OK"}],"max_tokens":8,"reasoning_effort":"low"}`)
}

func TestHealthCheckMaxTokensRejected(t *testing.T) {
	s := newScripted(t, reply{status: 400, body: `{"error":{"message":"Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead."}}`}, ok200)
	info := &ModelInfo{Provider: "test", BaseURL: s.URL + "/v1", Model: "m"}
	if err := HealthCheck(context.Background(), NewOpenAI(s.endpoint()), info); err != nil {
		t.Fatal(err)
	}
	if s.count() != 2 {
		t.Fatalf("%d requests", s.count())
	}
	jsonEqual(t, s.body(t, 1), `{"model":"m","stream":false,"messages":[{"role":"user","content":"Say OK"}]}`)
}

func TestHealthCheckUnauthorized(t *testing.T) {
	s := newScripted(t, reply{status: 401, body: `{"error":{"message":"invalid key"}}`})
	info := &ModelInfo{Provider: "test", BaseURL: s.URL + "/v1", Model: "m"}
	err := HealthCheck(context.Background(), WithRetries(NewOpenAI(s.endpoint()), DefaultRetry), info)
	want := "provider test at " + s.URL + `/v1: health check failed: test model "m": HTTP 401: invalid key (check the api_key's environment variable)`
	if err == nil || err.Error() != want || !errors.Is(err, columns.ErrUnreachable) || s.count() != 1 {
		t.Errorf("got %v after %d requests\nwant %s", err, s.count(), want)
	}
}
