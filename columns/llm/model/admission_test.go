package model

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/synthgen/synthgen/columns"
	"github.com/synthgen/synthgen/config"
)

// endpoint is a scripted Client: answer decides how long each call takes
// and how it ends (n counts the calls from 0). It records when calls were
// sent and its peak concurrency. A call whose context ends before it is
// done returns the context's error: WithSlots must not let that happen.
type endpoint struct {
	answer func(req *Request, n int) (time.Duration, error)

	mu          sync.Mutex
	calls       []time.Time
	now, peak   int
	interrupted int
}

func (e *endpoint) Complete(ctx context.Context, req *Request) (*Response, error) {
	e.mu.Lock()
	n := len(e.calls)
	e.calls = append(e.calls, time.Now())
	e.now++
	e.peak = max(e.peak, e.now)
	e.mu.Unlock()
	defer func() {
		e.mu.Lock()
		e.now--
		e.mu.Unlock()
	}()
	d, err := e.answer(req, n)
	if d > 0 {
		timer := time.NewTimer(d)
		defer timer.Stop()
		select {
		case <-ctx.Done():
			e.mu.Lock()
			e.interrupted++
			e.mu.Unlock()
			return nil, ctx.Err()
		case <-timer.C:
		}
	}
	if err != nil {
		return nil, err
	}
	return &Response{Content: ptr("ok")}, nil
}

func (e *endpoint) stats() (peak, interrupted int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.peak, e.interrupted
}

func (e *endpoint) sent() []time.Time {
	e.mu.Lock()
	defer e.mu.Unlock()
	return slices.Clone(e.calls)
}

func limited(retryAfter time.Duration) *Error {
	return &Error{Kind: KindRateLimited, Status: 429, Provider: "p", Model: "m", RetryAfter: retryAfter}
}

// TestAdmissionSlotAccounting: whatever the answers — replies, 429s,
// transient and fatal errors, other errors, a panic — never more requests
// are in flight than the limit, and every slot is given back.
func TestAdmissionSlotAccounting(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := NewSlots(4, DefaultAdmission)
		ep := &endpoint{answer: func(req *Request, n int) (time.Duration, error) {
			switch {
			case req.Model == "panic" && n%2 == 0:
				panic("a bug in the client")
			case req.Model == "429" && n%3 == 0:
				return 50 * time.Millisecond, limited(100 * time.Millisecond)
			case req.Model == "503" && n%2 == 0:
				return 10 * time.Millisecond, e503
			case req.Model == "400":
				return time.Millisecond, kindErr(KindFatal, 400, 0)
			case req.Model == "other":
				return 0, errors.New("not a model error")
			}
			return 100 * time.Millisecond, nil
		}}
		c := WithRetries(WithSlots(ep, s), RetryPolicy{MaxRetries: 3, Backoff: 10 * time.Millisecond})
		models := []string{"ok", "429", "503", "400", "other", "panic"}
		var wg sync.WaitGroup
		for i := range 120 {
			ctx := t.Context()
			if i%10 == 9 { // some give up while waiting
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, 150*time.Millisecond)
				defer cancel()
			}
			wg.Go(func() {
				defer func() { _ = recover() }()
				c.Complete(ctx, &Request{Model: models[i%len(models)]})
			})
		}
		wg.Wait()
		peak, interrupted := ep.stats()
		if peak > 4 || peak < 1 {
			t.Errorf("peak concurrency %d, limit 4", peak)
		}
		if st := s.stats(); st.inFlight != 0 || st.waiting != 0 {
			t.Errorf("after all requests: %+v", st)
		}
		if interrupted != 0 {
			t.Errorf("%d requests in flight saw their context end", interrupted)
		}
	})
}

// TestAdmissionNoSlotDuringPause: a rate-limited request waits out the
// pause without a slot; no other request is sent during the pause either.
func TestAdmissionNoSlotDuringPause(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := NewSlots(2, DefaultAdmission)
		ep := &endpoint{answer: func(_ *Request, n int) (time.Duration, error) {
			if n == 0 {
				return 0, limited(5 * time.Second)
			}
			return time.Second, nil
		}}
		c := WithRetries(WithSlots(ep, s), exact)
		var wg sync.WaitGroup
		wg.Go(func() { c.Complete(t.Context(), &Request{}) })
		time.Sleep(time.Second)
		wg.Go(func() { c.Complete(t.Context(), &Request{}) })
		synctest.Wait()
		if st := s.stats(); st.inFlight != 0 || st.waiting != 2 || !st.paused || st.limit != 1 || st.rateLimited != 1 {
			t.Errorf("during the pause: %+v", st)
		}
		wg.Wait()
		want := []time.Duration{0, 5 * time.Second, 6 * time.Second} // limit 1 after the cut
		if got := sinceFirst(ep.sent()); !reflect.DeepEqual(got, want) {
			t.Errorf("sent at %v, want %v", got, want)
		}
	})
}

func sinceFirst(ts []time.Time) []time.Duration {
	var out []time.Duration
	for _, t := range ts {
		out = append(out, t.Sub(ts[0]))
	}
	return out
}

// TestAdmissionCutAndPause: a 429 with Retry-After 3 s cuts the limit from
// 16 to 12 and holds every new request for 3 s; the rate-limited request,
// first in line, goes first. Another endpoint is not held.
func TestAdmissionCutAndPause(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := NewSlots(16, DefaultAdmission)
		ep := &endpoint{answer: func(req *Request, n int) (time.Duration, error) {
			if n == 0 {
				return 0, limited(3 * time.Second)
			}
			return time.Second, nil
		}}
		c := WithRetries(WithSlots(ep, s), exact)
		other := &endpoint{answer: func(*Request, int) (time.Duration, error) { return time.Second, nil }}
		oc := WithRetries(WithSlots(other, NewSlots(32, DefaultAdmission)), exact)
		start := time.Now()
		var wg sync.WaitGroup
		wg.Go(func() { c.Complete(t.Context(), &Request{Model: "first"}) })
		synctest.Wait()
		if s.Limit() != 12 {
			t.Errorf("limit %d after a 429, want 12", s.Limit())
		}
		time.Sleep(time.Second)
		for range 20 {
			wg.Go(func() { c.Complete(t.Context(), &Request{}) })
			wg.Go(func() { oc.Complete(t.Context(), &Request{}) })
		}
		synctest.Wait()
		if got := other.sent(); len(got) != 20 || got[19].Sub(start) != time.Second {
			t.Errorf("the other endpoint sent %d requests, the last at %v", len(got), got[len(got)-1].Sub(start))
		}
		time.Sleep(2 * time.Second) // the end of the pause
		synctest.Wait()
		sent := ep.sent()
		if peak, _ := ep.stats(); len(sent) != 13 || peak != 12 {
			t.Errorf("%d sent by the end of the pause (peak %d), want 1 + 12", len(sent), peak)
		}
		for _, at := range sent[1:] {
			if at.Sub(start) != 3*time.Second {
				t.Errorf("a request was sent at %v, during the pause", at.Sub(start))
			}
		}
		wg.Wait()
	})
}

// TestAdmissionOneCutPerBurst: 16 requests in flight all answered 429 cut
// the limit once (16 → 12); a 429 to a request sent after the cut cuts
// again (12 → 9).
func TestAdmissionOneCutPerBurst(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := NewSlots(16, DefaultAdmission)
		ep := &endpoint{answer: func(_ *Request, n int) (time.Duration, error) {
			switch {
			case n < 16: // the first burst, answered after 1 s
				return time.Second, limited(0)
			case n == 16: // the first request sent after the cut
				return time.Second, limited(0)
			}
			return time.Second, nil
		}}
		c := WithRetries(WithSlots(ep, s), exact)
		var wg sync.WaitGroup
		for range 16 {
			wg.Go(func() { c.Complete(t.Context(), &Request{}) })
		}
		time.Sleep(time.Second)
		synctest.Wait()
		if st := s.stats(); st.limit != 12 || st.rateLimited != 16 || !st.paused {
			t.Errorf("after a burst of 16 429s: %+v, want limit 12", st)
		}
		wg.Wait()
		if st := s.stats(); st.limit != 9 || st.rateLimited != 17 {
			t.Errorf("after a later 429: %+v, want limit 9", st)
		}
	})
}

// TestAdmissionRecovery: after a cut from 16 to 12, every 25 successes
// outside the cooldown add one slot up to 15; the step back to 16, the
// level that was rate limited, takes 25 × 15 successes; never above 16.
func TestAdmissionRecovery(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := NewSlots(16, DefaultAdmission)
		ep := &endpoint{answer: func(req *Request, n int) (time.Duration, error) {
			switch req.Model {
			case "slow":
				return time.Second, nil
			case "limited":
				if n == 10 {
					return 0, limited(0) // cooldown 2 s
				}
			}
			return 0, nil
		}}
		c := WithRetries(WithSlots(ep, s), exact)
		var wg sync.WaitGroup
		for range 10 { // in flight across the 429, done during the cooldown
			wg.Go(func() { c.Complete(t.Context(), &Request{Model: "slow"}) })
		}
		synctest.Wait()
		wg.Go(func() { c.Complete(t.Context(), &Request{Model: "limited"}) })
		wg.Wait() // the slow ones end at 1 s, the rate-limited one is sent again at 2 s
		s.mu.Lock()
		successes := s.successes
		s.mu.Unlock()
		if s.Limit() != 12 || successes != 1 {
			t.Fatalf("limit %d, %d successes counted; want 12 and 1 (none during the cooldown)", s.Limit(), successes)
		}
		run := func(n int) {
			for range n {
				if _, err := c.Complete(t.Context(), &Request{}); err != nil {
					t.Fatal(err)
				}
			}
		}
		for _, want := range []int{12, 13, 14, 15} {
			run(23)
			if s.Limit() != want {
				t.Errorf("limit %d, want %d", s.Limit(), want)
			}
			run(2)
			if s.Limit() != want+1 && want < 15 {
				t.Errorf("limit %d after 25 successes, want %d", s.Limit(), want+1)
			}
		}
		run(25*15 - 27) // 26 counted at 15 so far
		if s.Limit() != 15 {
			t.Errorf("limit %d before the slow step, want 15", s.Limit())
		}
		run(1)
		if s.Limit() != 16 {
			t.Errorf("limit %d after 25 × 15 successes at 15, want 16", s.Limit())
		}
		run(100)
		if s.Limit() != 16 {
			t.Errorf("limit %d above the max 16", s.Limit())
		}
	})
}

// TestAdmissionStartupRamp: the limit rises from 1 to 10 over 9 s, and
// waiting requests are sent as it does.
func TestAdmissionStartupRamp(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := DefaultAdmission
		p.StartupRamp = 9 * time.Second
		s := NewSlots(10, p)
		ep := &endpoint{answer: func(*Request, int) (time.Duration, error) { return time.Minute, nil }}
		c := WithSlots(ep, s)
		var wg sync.WaitGroup
		for range 20 {
			wg.Go(func() { c.Complete(t.Context(), &Request{}) })
		}
		for k := range 12 {
			synctest.Wait()
			if want := min(1+k, 10); s.InFlight() != want || s.Limit() != want {
				t.Errorf("at %d s: %d in flight, limit %d; want %d", k, s.InFlight(), s.Limit(), want)
			}
			time.Sleep(time.Second)
		}
		wg.Wait()
	})
}

// TestAdmissionStall: an endpoint that answers nothing but 429 for the
// stall time stops: its requests, waiting or being retried, end with a
// *StallError that wraps columns.ErrStopRun; later ones at once. A
// success restarts the clock.
func TestAdmissionStall(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := DefaultAdmission
		p.StallAfter = time.Minute
		s := NewSlots(4, p)
		start := time.Now()
		var mu sync.Mutex
		answered := false
		ep := &endpoint{answer: func(*Request, int) (time.Duration, error) {
			mu.Lock()
			defer mu.Unlock()
			if !answered && time.Since(start) >= 30*time.Second { // one success, at 30 s
				answered = true
				return 0, nil
			}
			return 0, limited(0) // retried every 2 s (the cooldown)
		}}
		c := WithRetries(WithSlots(ep, s), exact)
		type result struct {
			err error
			at  time.Duration
		}
		results := make(chan result, 3)
		do := func() {
			_, err := c.Complete(t.Context(), &Request{})
			results <- result{err, time.Since(start)}
		}
		var wg sync.WaitGroup
		wg.Go(do)
		wg.Go(do)
		time.Sleep(40 * time.Second)
		wg.Go(do)
		wg.Wait()
		stalled := 0
		for range 3 {
			r := <-results
			if r.err == nil {
				if r.at != 30*time.Second {
					t.Errorf("the success came at %v", r.at)
				}
				continue
			}
			stalled++
			var se *StallError
			if !errors.Is(r.err, columns.ErrStopRun) || !errors.As(r.err, &se) || se.Provider != "p" || se.Model != "m" {
				t.Fatalf("error %v", r.err)
			}
			if msg := r.err.Error(); !strings.Contains(msg, `p model "m" answered nothing but 429`) || !strings.Contains(msg, "--resume always") {
				t.Errorf("message %q", msg)
			}
			if r.at != 90*time.Second {
				t.Errorf("stopped at %v, want 90 s (60 s after the success)", r.at)
			}
		}
		if stalled != 2 {
			t.Errorf("%d requests stopped, want 2", stalled)
		}
		before := len(ep.sent())
		if _, err := c.Complete(t.Context(), &Request{}); !errors.Is(err, columns.ErrStopRun) || len(ep.sent()) != before {
			t.Errorf("a request after the stall: %v", err)
		}
		if st := s.stats(); !st.stalled {
			t.Errorf("stats %+v", st)
		}
	})
}

// TestAdmissionDrain: when the context is cancelled, waiting requests and
// backoffs end at once and nothing new is sent, but a request in flight
// runs to its end and its reply is returned.
func TestAdmissionDrain(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := NewSlots(1, DefaultAdmission)
		ep := &endpoint{answer: func(req *Request, _ int) (time.Duration, error) {
			if req.Model == "503" {
				return 0, e503
			}
			return 5 * time.Second, nil
		}}
		c := WithRetries(WithSlots(ep, s), exact)
		ctx, cancel := context.WithCancel(t.Context())
		start := time.Now()
		type result struct {
			resp *Response
			err  error
			at   time.Duration
		}
		inFlight, waiting := make(chan result, 1), make(chan result, 1)
		go func() {
			resp, err := c.Complete(ctx, &Request{})
			inFlight <- result{resp, err, time.Since(start)}
		}()
		synctest.Wait()
		go func() {
			resp, err := c.Complete(ctx, &Request{})
			waiting <- result{resp, err, time.Since(start)}
		}()
		backoff := make(chan error, 1)
		go func() { // a transient error, then a backoff of 1 s on another endpoint
			_, err := WithRetries(WithSlots(ep, NewSlots(1, DefaultAdmission)), exact).Complete(ctx, &Request{Model: "503"})
			backoff <- err
		}()
		time.Sleep(500 * time.Millisecond)
		cancel()
		synctest.Wait()
		if r := <-waiting; !errors.Is(r.err, context.Canceled) || r.at != 500*time.Millisecond {
			t.Errorf("waiting request: %v at %v", r.err, r.at)
		}
		if err := <-backoff; !errors.Is(err, context.Canceled) {
			t.Errorf("request in a backoff: %v", err)
		}
		if _, err := c.Complete(ctx, &Request{}); !errors.Is(err, context.Canceled) {
			t.Errorf("a request after the cancellation: %v", err)
		}
		r := <-inFlight
		if r.err != nil || r.resp == nil || *r.resp.Content != "ok" || r.at != 5*time.Second {
			t.Errorf("request in flight: %+v", r)
		}
		if _, interrupted := ep.stats(); len(ep.sent()) != 2 || interrupted != 0 {
			t.Errorf("%d requests sent (want the drained one and the 503), %d interrupted", len(ep.sent()), interrupted)
		}
		if s.InFlight() != 0 {
			t.Errorf("%d slots held", s.InFlight())
		}
	})
}

// TestQuotaExhaustedFailsAtOnce: a 429 whose body says the quota is
// exhausted is not retried and does not touch the admission.
func TestQuotaExhaustedFailsAtOnce(t *testing.T) {
	srv := newScripted(t, reply{status: 429, body: `{"error":{"message":"You exceeded your current quota","code":"insufficient_quota"}}`})
	s := NewSlots(16, DefaultAdmission)
	_, err := WithRetries(WithSlots(NewOpenAI(srv.endpoint()), s), DefaultRetry).Complete(context.Background(), &Request{Messages: userHi})
	var e *Error
	if !errors.As(err, &e) || e.Kind != KindFatal || e.Hint != hintQuota || srv.count() != 1 {
		t.Fatalf("error %+v after %d requests", e, srv.count())
	}
	if st := s.stats(); st.limit != 16 || st.paused || st.rateLimited != 0 {
		t.Errorf("admission after a quota error: %+v", st)
	}
}

// TestAdapterTimeoutWithoutDeadline: the adapter bounds a request whose
// context never ends (as WithSlots sends it) by the endpoint's timeout.
func TestAdapterTimeoutWithoutDeadline(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	ep := Endpoint{Provider: "test", BaseURL: srv.URL + "/v1", Model: "m", Timeout: 200 * time.Millisecond}
	start := time.Now()
	_, err := NewOpenAI(ep).Complete(context.WithoutCancel(context.Background()), &Request{Messages: userHi})
	var e *Error
	if !errors.As(err, &e) || e.Kind != KindTransient || e.Hint != hintTimeout {
		t.Errorf("error %v", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("returned after %v, timeout 200ms", d)
	}
}

func TestAdmissionPolicyOf(t *testing.T) {
	tests := []struct {
		name string
		give *config.RequestAdmission
		want AdmissionPolicy
	}{
		{name: "nil", want: DefaultAdmission},
		{name: "empty", give: &config.RequestAdmission{}, want: DefaultAdmission},
		{
			name: "all set",
			give: &config.RequestAdmission{MultiplicativeDecreaseFactor: ptr(0.5), AdditiveIncreaseStep: ptr(2),
				SuccessesUntilIncrease: ptr(10), CooldownSeconds: ptr(0.5), StartupRampSeconds: ptr(30.0),
				LatencySignal: ptr(false), RateLimitStallSeconds: ptr(0.0)},
			want: AdmissionPolicy{DecreaseFactor: 0.5, IncreaseStep: 2, IncreaseEvery: 10, Cooldown: 500 * time.Millisecond,
				StartupRamp: 30 * time.Second},
		},
		{
			name: "out of range keeps the defaults",
			give: &config.RequestAdmission{MultiplicativeDecreaseFactor: ptr(1.5), AdditiveIncreaseStep: ptr(-1),
				SuccessesUntilIncrease: ptr(0), CooldownSeconds: ptr(-1.0), RateLimitStallSeconds: ptr(-5.0)},
			want: DefaultAdmission,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := AdmissionPolicyOf(tt.give); got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

// TestPoolStatsPaused: Pool.Stats shows an endpoint cooling down after a
// 429, its cut limit and its 429 count, with the Pool's admission policy.
func TestPoolStatsPaused(t *testing.T) {
	srv := newScripted(t, reply{status: 429, header: map[string]string{"Retry-After-Ms": "300"}}, ok200)
	doc := &config.Document{
		ModelProviders: []config.ModelProvider{{Name: "local", Endpoint: srv.URL + "/v1"}},
		ModelConfigs: []config.ModelConfig{{Alias: "w", Model: "m", Provider: "local",
			InferenceParameters: &config.InferenceParameters{MaxParallelRequests: ptr(8)}}},
	}
	p := NewPool(doc, env(), nil)
	p.Admission.DecreaseFactor = 0.5
	c, _, err := p.Client("w")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error)
	go func() { _, err := c.Complete(context.Background(), &Request{Messages: userHi}); done <- err }()
	deadline := time.Now().Add(5 * time.Second)
	for st := p.Stats()[0]; (st.RateLimited == 0 || st.Waiting == 0) && time.Now().Before(deadline); st = p.Stats()[0] {
		time.Sleep(time.Millisecond)
	}
	st := p.Stats()[0]
	if !st.Paused || st.RateLimited != 1 || st.Limit != 4 || st.MaxLimit != 8 || st.Waiting != 1 || st.InFlight != 0 {
		t.Errorf("after a 429: %+v", st)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if st := p.Stats()[0]; st.Paused || st.Waiting != 0 {
		t.Errorf("after the reply: %+v", st)
	}
}
