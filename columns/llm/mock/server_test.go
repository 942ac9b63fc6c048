package mock

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestReasoningFields(t *testing.T) {
	tr, fa := true, false
	tests := []struct {
		name      string
		model     string
		opts      map[string]any
		wantField string // "" for none
	}{
		{"reasoning model, default field", "mock-reasoning", nil, FieldReasoningContent},
		{"thinking model", "qwen-think", nil, FieldReasoningContent},
		{"plain model", "mock-text", nil, ""},
		{"forced on", "mock-text", map[string]any{"reasoning": tr}, FieldReasoningContent},
		{"forced off", "mock-reasoning", map[string]any{"reasoning": fa}, ""},
		{"reasoning field", "mock-reasoning", map[string]any{"reasoning_field": "reasoning"}, FieldReasoning},
		{"think tags", "mock-text", map[string]any{"reasoning": tr, "reasoning_field": "think"}, FieldThink},
	}
	_, url := newTestServer(t, Options{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, withTools := range []bool{false, true} {
				body := user(tt.model, "Why is the sky blue?")
				if tt.opts != nil {
					body["mock"] = tt.opts
				}
				if withTools {
					body["tools"] = tools(t)
				}
				c := chat(t, url, body).completion(t)
				m := c.Choices[0].Message
				content := c.content()
				if withTools != (len(m.ToolCalls) > 0) {
					t.Fatalf("tools %v: %d calls", withTools, len(m.ToolCalls))
				}
				got := map[string]string{FieldReasoningContent: m.ReasoningContent, FieldReasoning: m.Reasoning}
				if strings.HasPrefix(content, "<think>\n") {
					i := strings.Index(content, "\n</think>\n\n")
					if i < 0 {
						t.Fatalf("unclosed think: %q", content)
					}
					got[FieldThink] = content[len("<think>\n"):i]
				}
				for f, v := range got {
					if (f == tt.wantField) != (v != "") {
						t.Errorf("tools %v: field %s = %q, want reasoning only in %q", withTools, f, v, tt.wantField)
					}
				}
				details := c.Usage.CompletionTokensDetails
				if (tt.wantField != "") != (details != nil && details.ReasoningTokens > 0) {
					t.Errorf("usage %+v", c.Usage)
				}
			}
		})
	}
}

func TestFaults(t *testing.T) {
	_, url := newTestServer(t, Options{})
	t.Run("429 with Retry-After", func(t *testing.T) {
		body := user("m", "hello")
		body["mock"] = map[string]any{"fail_rate": map[string]any{"429": 1.0}, "retry_after": 2}
		r := chat(t, url, body)
		e := r.apiError(t)
		if r.status != 429 || r.header.Get("Retry-After") != "2" || r.header.Get("Retry-After-Ms") != "2000" || e.Error.Code != "rate_limit_exceeded" {
			t.Errorf("status %d Retry-After %q error %+v", r.status, r.header.Get("Retry-After"), e.Error)
		}
	})
	t.Run("503", func(t *testing.T) {
		body := user("m", "hello")
		body["mock"] = map[string]any{"fail_rate": map[string]any{"503": 1}}
		r := chat(t, url, body)
		if e := r.apiError(t); r.status != 503 || r.header.Get("Retry-After") != "" || e.Error.Type != "server_error" {
			t.Errorf("status %d Retry-After %q error %+v", r.status, r.header.Get("Retry-After"), e.Error)
		}
	})
	t.Run("malformed", func(t *testing.T) {
		body := user("m", "hello")
		body["mock"] = map[string]any{"malformed_rate": 1}
		r := chat(t, url, body)
		if r.status != 200 || json.Valid(r.raw) || len(r.raw) == 0 {
			t.Errorf("status %d, body %q", r.status, r.raw)
		}
	})
	t.Run("truncate", func(t *testing.T) {
		full := chat(t, url, user("m", "Tell me about glaciers.")).completion(t).content()
		body := user("m", "Tell me about glaciers.")
		body["mock"] = map[string]any{"truncate_rate": 1}
		c := chat(t, url, body).completion(t)
		if c.Choices[0].FinishReason != "length" || c.content() == "" || !strings.HasPrefix(full, c.content()) || len(c.content()) >= len(full) {
			t.Errorf("finish %q: %q is not a cut of %q", c.Choices[0].FinishReason, c.content(), full)
		}
	})
	t.Run("timeout", func(t *testing.T) {
		body := user("m", "hello")
		body["mock"] = map[string]any{"timeout_rate": 1}
		ctx, cancel := context.WithTimeout(context.Background(), 150*time.Millisecond)
		defer cancel()
		start := time.Now()
		_, err := post(t, ctx, url, body)
		if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) < 150*time.Millisecond {
			t.Errorf("err %v after %v, want the client's deadline", err, time.Since(start))
		}
	})
	t.Run("latency honours cancellation", func(t *testing.T) {
		s, url := newTestServer(t, Options{Latency: Latency{Fixed: 5 * time.Second}})
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		if _, err := post(t, ctx, url, user("m", "hello")); err == nil {
			t.Fatal("want the client's deadline")
		}
		waitFor(t, func() bool { return s.Metrics().Total.InFlight == 0 })
	})
}

// waitFor polls cond for up to 2 s.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(2 * time.Second); !cond(); {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// Fault decisions are a function of (request, seed, attempt): the same for
// two servers, different across prompts, and a retried request gets a new
// draw so it eventually succeeds.
func TestFaultsDeterministic(t *testing.T) {
	o := Options{FailRate: map[int]float64{429: 0.3, 503: 0.2}, MalformedRate: 0.1, Seed: 3}
	outcomes := func() string {
		_, url := newTestServer(t, o)
		var b strings.Builder
		for i := range 40 {
			r := chat(t, url, user("m", fmt.Sprintf("prompt %d", i)))
			if r.status == 200 && !json.Valid(r.raw) {
				b.WriteString("M")
			} else {
				fmt.Fprintf(&b, "%d ", r.status)
			}
		}
		return b.String()
	}
	a, b := outcomes(), outcomes()
	if a != b {
		t.Fatalf("fault decisions differ:\n%s\n%s", a, b)
	}
	if !strings.Contains(a, "429") || !strings.Contains(a, "503") || !strings.Contains(a, "200") {
		t.Errorf("want a mix of outcomes: %s", a)
	}
	_, url := newTestServer(t, o)
	for i := range 40 {
		ok := false
		for attempt := 0; attempt < 30 && !ok; attempt++ {
			r := chat(t, url, user("m", fmt.Sprintf("prompt %d", i)))
			ok = r.status == 200 && json.Valid(r.raw)
		}
		if !ok {
			t.Fatalf("prompt %d never succeeded", i)
		}
	}
}

func TestCapacity(t *testing.T) {
	concurrent := func(t *testing.T, url string, n int, mock map[string]any) []result {
		var wg sync.WaitGroup
		out := make([]result, n)
		for i := range n {
			wg.Go(func() {
				body := user("m", fmt.Sprintf("request %d", i))
				body["mock"] = mock
				out[i] = chat(t, url, body)
			})
		}
		wg.Wait()
		return out
	}
	t.Run("429 above capacity", func(t *testing.T) {
		s, url := newTestServer(t, Options{Latency: Latency{Fixed: 300 * time.Millisecond}})
		rs := concurrent(t, url, 3, map[string]any{"capacity": 1})
		var ok, limited int
		for _, r := range rs {
			switch r.status {
			case 200:
				ok++
			case 429:
				limited++
				if r.header.Get("Retry-After") != "0.3" {
					t.Errorf("Retry-After %q, want the mean latency 0.3", r.header.Get("Retry-After"))
				}
				r.apiError(t)
			}
		}
		m := s.Metrics()
		if ok != 1 || limited != 2 || m.Models["m"].RateLimited != 2 || m.Models["m"].PeakInFlight != 1 || m.Models["m"].Requests != 3 {
			t.Errorf("%d ok, %d limited, metrics %+v", ok, limited, m.Models["m"])
		}
	})
	t.Run("queueing", func(t *testing.T) {
		s, url := newTestServer(t, Options{Latency: Latency{Fixed: 100 * time.Millisecond}})
		start := time.Now()
		rs := concurrent(t, url, 3, map[string]any{"capacity": 1, "queueing": true})
		took := time.Since(start)
		for _, r := range rs {
			r.completion(t)
		}
		m := s.Metrics().Models["m"]
		if took < 300*time.Millisecond || m.PeakInFlight != 1 || m.PeakQueued != 2 || m.RateLimited != 0 || m.InFlight != 0 || m.Queued != 0 {
			t.Errorf("took %v, metrics %+v", took, m)
		}
	})
	t.Run("a queued client that leaves frees its place", func(t *testing.T) {
		s, url := newTestServer(t, Options{Latency: Latency{Fixed: 300 * time.Millisecond}, Capacity: 1, Queueing: true})
		done := make(chan result)
		go func() { done <- chat(t, url, user("m", "first")) }()
		waitFor(t, func() bool { return s.Metrics().Total.InFlight == 1 })
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		if _, err := post(t, ctx, url, user("m", "second")); err == nil {
			t.Fatal("want the client's deadline")
		}
		if r := <-done; r.status != 200 {
			t.Fatalf("first: %d", r.status)
		}
		waitFor(t, func() bool { m := s.Metrics().Total; return m.InFlight == 0 && m.Queued == 0 })
	})
}

func TestMetrics(t *testing.T) {
	const latency = 80 * time.Millisecond
	_, url := newTestServer(t, Options{Latency: Latency{Fixed: latency}})
	for i := range 4 {
		chat(t, url, user("alpha", fmt.Sprint("q", i))).completion(t)
	}
	chat(t, url, user("beta", "q")).completion(t)
	body := user("beta", "q2")
	body["mock"] = map[string]any{"fail_rate": map[string]any{"500": 1}}
	chat(t, url, body)

	var m Metrics
	if err := json.Unmarshal(get(t, strings.TrimSuffix(url, "/v1")+"/metrics").raw, &m); err != nil {
		t.Fatal(err)
	}
	a, b := m.Models["alpha"], m.Models["beta"]
	if a.Requests != 4 || b.Requests != 2 || m.Total.Requests != 6 || b.Errors["500"] != 1 || m.Total.PeakInFlight != 1 || m.Total.InFlight != 0 {
		t.Errorf("metrics %+v", m)
	}
	want := 4 * latency.Seconds()
	if a.BusySlotSeconds < want || a.BusySlotSeconds > want*1.5 {
		t.Errorf("alpha busy_slot_seconds %v, want about %v (latency × requests)", a.BusySlotSeconds, want)
	}
	if total := m.Total.BusySlotSeconds; total < a.BusySlotSeconds+b.BusySlotSeconds-1e-6 || total > a.BusySlotSeconds+b.BusySlotSeconds+1e-6 {
		t.Errorf("total busy %v != %v + %v", total, a.BusySlotSeconds, b.BusySlotSeconds)
	}
}

func TestModelsAndHealth(t *testing.T) {
	_, url := newTestServer(t, Options{})
	chat(t, url, user("custom-model", "hi"))
	var list struct {
		Object string `json:"object"`
		Data   []struct {
			ID     string `json:"id"`
			Object string `json:"object"`
		} `json:"data"`
	}
	r := get(t, url+"/models")
	if err := json.Unmarshal(r.raw, &list); err != nil || list.Object != "list" {
		t.Fatalf("%s: %v", r.raw, err)
	}
	var ids []string
	for _, d := range list.Data {
		ids = append(ids, d.ID)
	}
	if strings.Join(ids, ",") != "custom-model,mock-reasoning,mock-text" {
		t.Errorf("models %v", ids)
	}
	if r := get(t, strings.TrimSuffix(url, "/v1")+"/health"); r.status != 200 || !strings.Contains(string(r.raw), "ok") {
		t.Errorf("health %d %s", r.status, r.raw)
	}
}

func TestStart(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	url, closer, err := NewServer(Options{}).Start(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(url, "http://127.0.0.1:") || !strings.HasSuffix(url, "/v1") {
		t.Fatalf("url %q", url)
	}
	chat(t, url, user("m", "hi")).completion(t)
	cancel()
	deadline := time.Now().Add(2 * time.Second)
	for {
		_, err := http.Get(url + "/models")
		if err != nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the server still answers after its context is done")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := closer.Close(); err != nil {
		t.Errorf("close: %v", err)
	}
	if err := closer.Close(); err != nil {
		t.Errorf("second close: %v", err)
	}
}

// Closing the server ends a request that hangs (timeout_rate).
func TestCloseEndsHangingRequests(t *testing.T) {
	url, closer, err := NewServer(Options{TimeoutRate: 1}).Start(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	errc := make(chan error, 1)
	go func() {
		_, err := post(t, context.Background(), url, user("m", "hi"))
		errc <- err
	}()
	time.Sleep(50 * time.Millisecond)
	done := make(chan struct{})
	go func() { _ = closer.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(3 * time.Second):
		t.Fatal("Close hangs")
	}
	if err := <-errc; err == nil {
		t.Errorf("the hanging request got an answer")
	}
}
