package validation

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/synthgen/synthgen/columns"
	"github.com/synthgen/synthgen/config"
)

// recordSleeps replaces the validator's sleep with one that records the
// delays and returns at once.
func recordSleeps(g *generator) *[]time.Duration {
	var (
		mu     sync.Mutex
		delays []time.Duration
	)
	g.v.(*remoteValidator).sleep = func(_ context.Context, d time.Duration) error {
		mu.Lock()
		defer mu.Unlock()
		delays = append(delays, d)
		return nil
	}
	return &delays
}

type remoteRequest struct {
	Data []map[string]any `json:"data"`
}

// answer replies to each row with is_valid = (row's "n" is even).
func answer(w http.ResponseWriter, r *http.Request) {
	var req remoteRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	var results []map[string]any
	for _, row := range req.Data {
		n := row["n"].(float64)
		res := map[string]any{"is_valid": int(n)%2 == 0, "score": n}
		if int(n)%2 != 0 {
			res["error"] = fmt.Sprintf("%v is odd", n)
		}
		results = append(results, res)
	}
	json.NewEncoder(w).Encode(map[string]any{"data": results})
}

func numberRows(ns ...int) []columns.Row {
	rows := make([]columns.Row, len(ns))
	for i, n := range ns {
		rows[i] = row(int64(100+i), map[string]any{"n": int64(n), "label": fmt.Sprint("row", n)})
	}
	return rows
}

func TestRemoteValidator(t *testing.T) {
	var bodies []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/json" {
			t.Errorf("got %s with Content-Type %q", r.Method, r.Header.Get("Content-Type"))
		}
		b, _ := io.ReadAll(r.Body)
		bodies = append(bodies, string(b))
		r.Body = io.NopCloser(bytes.NewReader(b))
		answer(w, r)
	}))
	defer srv.Close()

	unit, g := buildOne(t, newBC(t), remoteCol("remote_check", srv.URL, "n", "label"))
	if !unit.Outputs[0].Type.Equal(resultType) {
		t.Errorf("remote output type %v, want %v (one result per row)", unit.Outputs[0].Type, resultType)
	}
	got, errs := generateAll(t, g, numberRows(2, 3))
	mustSucceed(t, errs)
	want := []string{
		`{"is_valid": true, "messages": []}`,
		`{"is_valid": false, "messages": ["3 is odd"]}`,
	}
	if !slices.Equal(got, want) {
		t.Errorf("got  %q\nwant %q", got, want)
	}
	wantBody := `{"data":[{"n":2,"label":"row2"},{"n":3,"label":"row3"}]}`
	if len(bodies) != 1 || bodies[0] != wantBody {
		t.Errorf("request bodies %q, want [%q]", bodies, wantBody)
	}
}

func TestRemoteValidatorRetriesThenSucceeds(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) <= 2 {
			http.Error(w, "busy", http.StatusServiceUnavailable)
			return
		}
		answer(w, r)
	}))
	defer srv.Close()

	_, g := buildOne(t, newBC(t), remoteCol("remote_check", srv.URL, "n"))
	delays := recordSleeps(g)
	got, errs := generateAll(t, g, numberRows(4))
	mustSucceed(t, errs)
	if got[0] != `{"is_valid": true, "messages": []}` {
		t.Errorf("got %s", got[0])
	}
	if calls.Load() != 3 {
		t.Errorf("%d requests, want 3", calls.Load())
	}
	if want := []time.Duration{2 * time.Second, 4 * time.Second}; !slices.Equal(*delays, want) {
		t.Errorf("backoff delays %v, want %v (retry_backoff^n seconds)", *delays, want)
	}
}

func TestRemoteValidatorFailures(t *testing.T) {
	tests := []struct {
		name      string
		handler   http.HandlerFunc
		retries   int
		wantCalls int32
		wantErr   []string
	}{
		{
			name:      "wrong number of results",
			handler:   func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, `{"data": [{"is_valid": true}]}`) },
			retries:   3,
			wantCalls: 1,
			wantErr:   []string{"response has 1 results for 2 rows"},
		},
		{
			name:      "client error is not retried",
			handler:   func(w http.ResponseWriter, r *http.Request) { http.Error(w, "bad payload", http.StatusBadRequest) },
			retries:   3,
			wantCalls: 1,
			wantErr:   []string{"400 Bad Request", "bad payload"},
		},
		{
			name:      "5xx until retries run out",
			handler:   func(w http.ResponseWriter, r *http.Request) { http.Error(w, "down", http.StatusBadGateway) },
			retries:   2,
			wantCalls: 3,
			wantErr:   []string{"502 Bad Gateway", "gave up after 3 attempts"},
		},
		{
			name: "result without is_valid",
			handler: func(w http.ResponseWriter, r *http.Request) {
				io.WriteString(w, `{"data": [{"ok": 1}, {"is_valid": true}]}`)
			},
			retries:   3,
			wantCalls: 1,
			wantErr:   []string{`response result 1: result has no "is_valid"`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var calls atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				calls.Add(1)
				tt.handler(w, r)
			}))
			defer srv.Close()
			col := remoteCol("remote_check", srv.URL+"?token=secret", "n")
			col.Remote.MaxRetries = &tt.retries
			_, g := buildOne(t, newBC(t), col)
			recordSleeps(g)
			got, errs := generateAll(t, g, numberRows(1, 2))
			for i, err := range errs {
				ce := asCellError(t, err, int64(100+i), "remote_check")
				if !contains(ce.Error(), tt.wantErr...) {
					t.Errorf("row %d error %q, want it to contain %q", i, ce.Error(), tt.wantErr)
				}
				if contains(ce.Error(), "secret") {
					t.Errorf("error shows the URL's query: %q", ce.Error())
				}
				if got[i] != "" {
					t.Errorf("row %d has a value %s despite its error", i, got[i])
				}
			}
			if calls.Load() != tt.wantCalls {
				t.Errorf("%d requests, want %d", calls.Load(), tt.wantCalls)
			}
		})
	}
}

func TestRemoteValidatorConnectionErrorIsRetried(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(answer))
	url := srv.URL
	srv.Close() // nothing listens any more

	col := remoteCol("remote_check", url, "n")
	one := 1
	col.Remote.MaxRetries = &one
	_, g := buildOne(t, newBC(t), col)
	delays := recordSleeps(g)
	_, errs := generateAll(t, g, numberRows(1))
	ce := asCellError(t, errs[0], 100, "remote_check")
	if !contains(ce.Error(), "gave up after 2 attempts") || len(*delays) != 1 {
		t.Errorf("error %q after %d sleeps", ce.Error(), len(*delays))
	}
}

func TestRemoteValidatorBoundsParallelRequests(t *testing.T) {
	var inFlight, peak atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := inFlight.Add(1)
		defer inFlight.Add(-1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		time.Sleep(20 * time.Millisecond)
		answer(w, r)
	}))
	defer srv.Close()

	col := remoteCol("remote_check", srv.URL, "n")
	two := 2
	col.Remote.MaxParallelRequests = &two
	_, g := buildOne(t, newBC(t), col)

	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			_, errs := generateAll(t, g, numberRows(i, i+1))
			mustSucceed(t, errs)
		})
	}
	wg.Wait()
	if p := peak.Load(); p > 2 || p < 1 {
		t.Errorf("peak of %d requests in flight, want at most max_parallel_requests = 2", p)
	}
}

func TestRemoteValidatorCancel(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)

	_, g := buildOne(t, newBC(t), remoteCol("remote_check", srv.URL, "n"))
	ctx, cancel := context.WithCancelCause(context.Background())
	cause := fmt.Errorf("run stopped")
	time.AfterFunc(50*time.Millisecond, func() { cancel(cause) })
	out := make([]any, 1)
	err := g.Generate(ctx, numberRows(1)[0], out)
	ce := asCellError(t, err, 100, "remote_check")
	if ce.Err != cause {
		t.Errorf("error %v, want the context's cause", ce.Err)
	}
}

// secretParts are the credentials the endpoints of the redaction tests
// carry; no error may show any of them.
var secretParts = []string{"s3cr3t", "hunter22", "token=", "user:"}

func TestRemoteValidatorErrorsHideURLCredentials(t *testing.T) {
	// An address nothing listens on: connection refused.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	refused := ln.Addr().String()
	ln.Close()

	release := make(chan struct{})
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer hang.Close()
	defer close(release)
	echo := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		user, pw, _ := r.BasicAuth()
		http.Error(w, fmt.Sprintf("bad credentials %s %s for %s", user, pw, r.URL), http.StatusUnauthorized)
	}))
	defer echo.Close()
	var redirect *httptest.Server
	redirect = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, redirect.URL+"/check?token=s3cr3t&again=1", http.StatusTemporaryRedirect)
	}))
	defer redirect.Close()

	withCreds := func(base string) string {
		return strings.Replace(base, "http://", "http://user:hunter22@", 1) + "/check?token=s3cr3t"
	}
	tests := []struct {
		name     string
		endpoint string
		timeout  float64
		wantErr  []string
	}{
		{"connection refused", "http://127.0.0.1:1/check?token=s3cr3t", 0, []string{"POST http://127.0.0.1:1/check: ", "connection refused"}},
		{"connection refused, user info", withCreds("http://" + refused), 0, []string{"POST http://" + refused + "/check: ", "connection refused"}},
		{"timeout", withCreds(hang.URL), 0.05, []string{"POST " + hang.URL + "/check: ", "Client.Timeout exceeded"}},
		{"response quotes the URL", withCreds(echo.URL), 0, []string{"401 Unauthorized", "bad credentials REDACTED REDACTED for /check?REDACTED"}},
		{"redirect loop", withCreds(redirect.URL), 0, []string{"POST " + redirect.URL + "/check: ", "stopped after 10 redirects"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			col := remoteCol("remote_check", tt.endpoint, "n")
			zero := 0
			col.Remote.MaxRetries = &zero
			if tt.timeout > 0 {
				col.Remote.Timeout = &tt.timeout
			}
			_, g := buildOne(t, newBC(t), col)
			_, errs := generateAll(t, g, numberRows(1))
			ce := asCellError(t, errs[0], 100, "remote_check")
			msg := ce.Error()
			if !contains(msg, tt.wantErr...) {
				t.Errorf("error %q, want it to contain %q", msg, tt.wantErr)
			}
			for _, s := range secretParts {
				if strings.Contains(msg, s) {
					t.Errorf("error shows %q of the URL: %q", s, msg)
				}
			}
			for e := error(ce); e != nil; e = errors.Unwrap(e) {
				var ue *url.Error
				if errors.As(e, &ue) {
					t.Errorf("error chain holds a *url.Error: %v", ue)
				}
			}
		})
	}
}

func TestRemoteValidatorRedactedErrorKeepsIs(t *testing.T) {
	r := &remoteValidator{secrets: urlSecrets("http://h/v?token=s3cr3t")}
	err := r.redact(fmt.Errorf("post ?token=s3cr3t: %w", context.DeadlineExceeded))
	if strings.Contains(err.Error(), "s3cr3t") || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("redact = %v (Is DeadlineExceeded: %v)", err, errors.Is(err, context.DeadlineExceeded))
	}
	plain := errors.New("connection refused")
	if r.redact(plain) != plain {
		t.Error("an error without secrets was replaced")
	}
}

func TestEndpointDiagnosticHidesCredentials(t *testing.T) {
	tests := []struct {
		endpoint string
		want     string
	}{
		{"ftp://user:hunter22@files.example/x?token=s3cr3t", `got "ftp://files.example/x" (query and user info left out)`},
		{"127.0.0.1:8080/check?token=s3cr3t", `got "127.0.0.1:8080/check" (query and user info left out)`},
		{"http://user:hunter22@[::1/check?token=s3cr3t", `got "http://[::1/check" (query and user info left out)`},
		{"user:hunter22@validator.example/check", `got "validator.example/check" (query and user info left out)`},
		{"localhost:8080/check", `got "localhost:8080/check"`},
	}
	for _, tt := range tests {
		t.Run(tt.endpoint, func(t *testing.T) {
			_, diags := Spec().Build(newBC(t), []config.Column{remoteCol("r", tt.endpoint, "a")})
			errs := diags.Errors()
			if len(errs) != 1 {
				t.Fatalf("want 1 error, got %v", diags)
			}
			msg := errs[0].Summary
			if !strings.Contains(msg, "endpoint_url must be an http or https URL, "+tt.want) {
				t.Errorf("diagnostic %q, want it to contain %q", msg, tt.want)
			}
			for _, s := range secretParts {
				if strings.Contains(msg, s) {
					t.Errorf("diagnostic shows %q of the URL: %q", s, msg)
				}
			}
			a := Access{Column: "r", Endpoint: tt.endpoint}
			for _, s := range secretParts {
				if strings.Contains(a.String(), s) {
					t.Errorf("Access.String shows %q: %q", s, a.String())
				}
			}
		})
	}
}
