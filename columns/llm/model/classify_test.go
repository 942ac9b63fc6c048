package model

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestClassifyHTTP(t *testing.T) {
	const nginx502 = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
	tests := []struct {
		name string
		give reply
		want Error // Provider and Model are "test" and "m"
	}{{
		name: "429 with Retry-After seconds",
		give: reply{status: 429, header: map[string]string{"Retry-After": "7"},
			body: `{"error":{"message":"Rate limit reached for requests","type":"requests","code":"rate_limit_exceeded"}}`},
		want: Error{Kind: KindRateLimited, Status: 429, Message: "Rate limit reached for requests", RetryAfter: 7 * time.Second},
	}, {
		name: "429 with Retry-After-Ms",
		give: reply{status: 429, header: map[string]string{"Retry-After-Ms": "1500", "Retry-After": "2"}, body: `{"error":{"message":"slow down"}}`},
		want: Error{Kind: KindRateLimited, Status: 429, Message: "slow down", RetryAfter: 1500 * time.Millisecond},
	}, {
		name: "429 quota exhausted is fatal",
		give: reply{status: 429, body: `{"error":{"message":"You exceeded your current quota, please check your plan.","type":"insufficient_quota","code":"insufficient_quota"}}`},
		want: Error{Kind: KindFatal, Status: 429, Message: "You exceeded your current quota, please check your plan.", Hint: hintQuota},
	}, {
		name: "429 out of credits (plain text) is fatal",
		give: reply{status: 429, header: map[string]string{"Content-Type": "text/plain"}, body: "Insufficient credits. Add more using https://openrouter.ai/credits"},
		want: Error{Kind: KindFatal, Status: 429, Message: "Insufficient credits. Add more using https://openrouter.ai/credits", Hint: hintQuota},
	}, {
		name: "500 JSON",
		give: reply{status: 500, body: `{"error":{"message":"internal error","type":"server_error"}}`},
		want: Error{Kind: KindTransient, Status: 500, Message: "internal error"},
	}, {
		name: "502 HTML from a proxy (a *RequestError in go-openai)",
		give: reply{status: 502, header: map[string]string{"Content-Type": "text/html"}, body: nginx502},
		want: Error{Kind: KindTransient, Status: 502, Message: "502 Bad Gateway 502 Bad Gateway nginx"},
	}, {
		name: "503 with Retry-After",
		give: reply{status: 503, header: map[string]string{"Retry-After": "3"}, body: `{"error":"overloaded"}`},
		want: Error{Kind: KindTransient, Status: 503, Message: "overloaded", RetryAfter: 3 * time.Second},
	}, {
		name: "504 empty body",
		give: reply{status: 504},
		want: Error{Kind: KindTransient, Status: 504},
	}, {
		name: "400 context window (vLLM)",
		give: reply{status: 400, body: `{"object":"error","message":"This model's maximum context length is 4096 tokens. However, you requested 5000 tokens.","type":"BadRequestError","code":400}`},
		want: Error{Kind: KindFatal, Status: 400, Message: "This model's maximum context length is 4096 tokens. However, you requested 5000 tokens.", Hint: hintContext},
	}, {
		name: "400 context window (llama.cpp)",
		give: reply{status: 400, body: `{"error":{"code":400,"message":"the request exceeds the available context size, try increasing it","type":"exceed_context_size_error"}}`},
		want: Error{Kind: KindFatal, Status: 400, Message: "the request exceeds the available context size, try increasing it", Hint: hintContext},
	}, {
		name: "400 other",
		give: reply{status: 400, body: `{"error":{"message":"Invalid value for 'temperature'","type":"invalid_request_error","param":"temperature"}}`},
		want: Error{Kind: KindFatal, Status: 400, Message: "Invalid value for 'temperature'"},
	}, {
		name: "401",
		give: reply{status: 401, body: `{"error":{"message":"Incorrect API key provided","type":"invalid_request_error","code":"invalid_api_key"}}`},
		want: Error{Kind: KindFatal, Status: 401, Message: "Incorrect API key provided", Hint: hintKey},
	}, {
		name: "403",
		give: reply{status: 403, body: `{"error":{"message":"forbidden"}}`},
		want: Error{Kind: KindFatal, Status: 403, Message: "forbidden", Hint: hintForbidden},
	}, {
		name: "404 (Ollama's string error)",
		give: reply{status: 404, body: `{"error":"model \"llama9\" not found, try pulling it first"}`},
		want: Error{Kind: KindFatal, Status: 404, Message: `model "llama9" not found, try pulling it first`, Hint: hintModel},
	}, {
		name: "422 FastAPI detail list",
		give: reply{status: 422, body: `{"detail":[{"loc":["body","messages"],"msg":"field required"}]}`},
		want: Error{Kind: KindFatal, Status: 422, Message: `{"detail":[{"loc":["body","messages"],"msg":"field required"}]}`, Hint: hintUnprocessable},
	}, {
		name: "200 not JSON",
		give: reply{status: 200, body: "<html>oops</html>"},
		want: Error{Kind: KindTransient, Status: 200, Message: "malformed reply: invalid character '<' looking for beginning of value: oops"},
	}, {
		name: "200 without choices",
		give: reply{status: 200, body: `{"choices":[]}`},
		want: Error{Kind: KindTransient, Status: 200, Message: `malformed reply: no choices: {"choices":[]}`},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newScripted(t, tt.give)
			_, got := complete(t, s.endpoint(), &Request{Messages: userHi})
			if got == nil {
				t.Fatal("no error")
			}
			want := tt.want
			want.Provider, want.Model, want.Err = "test", "m", got.Err
			if *got != want {
				t.Errorf("error\n got %#v\nwant %#v", *got, want)
			}
		})
	}
}

func TestRetryAfterDate(t *testing.T) {
	now := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	h := http.Header{}
	h.Set("Retry-After", now.Add(90*time.Second).Format(http.TimeFormat))
	if got := retryAfter(h, now); got != 90*time.Second {
		t.Errorf("date: got %v", got)
	}
	h.Set("Retry-After", now.Add(-time.Minute).Format(http.TimeFormat))
	if got := retryAfter(h, now); got != 0 {
		t.Errorf("past date: got %v", got)
	}
	h.Set("Retry-After", "soon")
	if got := retryAfter(h, now); got != 0 {
		t.Errorf("invalid: got %v", got)
	}

	// Over HTTP, a date a minute ahead (second precision).
	s := newScripted(t, reply{status: 429, header: map[string]string{"Retry-After": time.Now().Add(time.Minute).UTC().Format(http.TimeFormat)}})
	_, e := complete(t, s.endpoint(), &Request{Messages: userHi})
	if e == nil || e.Kind != KindRateLimited || e.RetryAfter < 58*time.Second || e.RetryAfter > time.Minute {
		t.Errorf("got %+v", e)
	}
}

// closedURL returns the base URL of a port nothing listens on.
func closedURL(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + l.Addr().String() + "/v1"
	l.Close()
	return url
}

func TestClassifyTransport(t *testing.T) {
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.ReadAll(r.Body) // so the server notices the client going away
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	}))
	defer hang.Close()
	reset := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, _, err := w.(http.Hijacker).Hijack()
		if err != nil {
			return
		}
		conn.(*net.TCPConn).SetLinger(0) // close with RST
		conn.Close()
	}))
	defer reset.Close()

	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name    string
		ep      Endpoint
		ctx     context.Context
		kind    ErrorKind
		message string // substring
		is      error
	}{
		{name: "connection refused", ep: Endpoint{BaseURL: closedURL(t)}, kind: KindTransient, message: "connection refused"},
		{name: "timeout is ep.Timeout", ep: Endpoint{BaseURL: hang.URL, Timeout: 100 * time.Millisecond}, kind: KindTransient, message: "no reply within 100ms"},
		{name: "connection reset", ep: Endpoint{BaseURL: reset.URL}, kind: KindTransient},
		{name: "caller cancelled", ep: Endpoint{BaseURL: hang.URL}, ctx: cancelled, kind: KindFatal, message: "context canceled", is: context.Canceled},
		{name: "bad URL", ep: Endpoint{BaseURL: "ftp://example.invalid/v1"}, kind: KindFatal, message: "unsupported protocol scheme"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := tt.ctx
			if ctx == nil {
				ctx = context.Background()
			}
			tt.ep.Provider, tt.ep.Model = "p", "m"
			_, err := NewOpenAI(tt.ep).Complete(ctx, &Request{Messages: userHi})
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("got %v (%T)", err, err)
			}
			if e.Kind != tt.kind || e.Status != 0 || !strings.Contains(e.Message, tt.message) {
				t.Errorf("got kind %v status %d message %q; want %v, 0, %q", e.Kind, e.Status, e.Message, tt.kind, tt.message)
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("%v does not match %v", err, tt.is)
			}
		})
	}
}

// TestKeyNeverInErrors has servers echo the Authorization header into
// every kind of failure.
func TestKeyNeverInErrors(t *testing.T) {
	const key = "sk-proj-SECRET-0123456789"
	echo := func(status int, format string) *httptest.Server {
		s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(status)
			fmt.Fprintf(w, format, r.Header.Get("Authorization"))
		}))
		t.Cleanup(s.Close)
		return s
	}
	urls := []string{
		echo(401, `{"error":{"message":"Incorrect API key provided: %s"}}`).URL,
		echo(500, `<html><body>bad token %s</body></html>`).URL,
		echo(429, `too many requests for %s`).URL,
		echo(400, `{"error":"key %s is not valid"}`).URL,
		echo(200, `not json %s`).URL,
		echo(200, `{"choices":[], "key": "%s"}`).URL,
		closedURL(t),
	}
	for _, u := range urls {
		_, err := NewOpenAI(Endpoint{Provider: "p", BaseURL: u, APIKey: key, Model: "m"}).Complete(context.Background(), &Request{Messages: userHi})
		if err == nil {
			t.Fatalf("%s: no error", u)
		}
		for e := err; e != nil; e = errors.Unwrap(e) {
			for _, s := range []string{e.Error(), fmt.Sprintf("%+v", e), fmt.Sprintf("%v", e)} {
				if strings.Contains(s, key) || strings.Contains(s, "SECRET") {
					t.Errorf("%s: the key leaks: %s", u, s)
				}
			}
		}
		if me := (*Error)(nil); errors.As(err, &me) && strings.Contains(me.Message+me.Hint, "SECRET") {
			t.Errorf("%s: the key leaks in %+v", u, me)
		}
	}
}
