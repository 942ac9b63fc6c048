package model

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"sync"
	"testing"
)

// reply is one scripted HTTP answer.
type reply struct {
	status int
	header map[string]string
	body   string
}

const okBody = `{"id":"x","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"OK"},"finish_reason":"stop"}],"usage":{"prompt_tokens":3,"completion_tokens":1,"total_tokens":4}}`

var ok200 = reply{status: 200, body: okBody}

// scripted is an httptest server that answers with its replies in order
// (the last one repeated) and records every request.
type scripted struct {
	*httptest.Server
	mu       sync.Mutex
	replies  []reply
	bodies   [][]byte
	requests []*http.Request
}

func newScripted(t *testing.T, replies ...reply) *scripted {
	t.Helper()
	s := &scripted{replies: replies}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		s.mu.Lock()
		n := len(s.bodies)
		s.bodies = append(s.bodies, b)
		s.requests = append(s.requests, r)
		rep := s.replies[min(n, len(s.replies)-1)]
		s.mu.Unlock()
		for k, v := range rep.header {
			w.Header().Set(k, v)
		}
		if w.Header().Get("Content-Type") == "" {
			w.Header().Set("Content-Type", "application/json")
		}
		w.WriteHeader(rep.status)
		io.WriteString(w, rep.body)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *scripted) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.bodies)
}

// body returns the i-th request body, decoded.
func (s *scripted) body(t *testing.T, i int) any {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	var v any
	if err := json.Unmarshal(s.bodies[i], &v); err != nil {
		t.Fatalf("request body %d is not JSON: %v\n%s", i, err, s.bodies[i])
	}
	return v
}

func (s *scripted) endpoint() Endpoint {
	return Endpoint{Provider: "test", BaseURL: s.URL + "/v1", Model: "m"}
}

// jsonEqual fails unless got (a decoded JSON value) equals the JSON text want.
func jsonEqual(t *testing.T, got any, want string) {
	t.Helper()
	var w any
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("bad want JSON: %v", err)
	}
	if !reflect.DeepEqual(got, w) {
		g, _ := json.Marshal(got)
		w2, _ := json.Marshal(w)
		t.Errorf("body\n got %s\nwant %s", g, w2)
	}
}

// complete sends req through a fresh adapter for ep and returns the
// classified error, if any.
func complete(t *testing.T, ep Endpoint, req *Request) (*Response, *Error) {
	t.Helper()
	resp, err := NewOpenAI(ep).Complete(context.Background(), req)
	if err == nil {
		return resp, nil
	}
	var me *Error
	if !errors.As(err, &me) {
		t.Fatalf("error %v (%T) is not a *Error", err, err)
	}
	return nil, me
}
