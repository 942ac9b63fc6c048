package model

import (
	"context"
	"errors"
	"reflect"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/synthgen/synthgen/columns"
)

// fake is a scripted Client: it returns its errors in order (nil: a
// reply), the last one repeated, and records when it was called.
type fake struct {
	mu    sync.Mutex
	errs  []error
	calls []time.Time
	hold  time.Duration // how long each call takes
}

func (f *fake) Complete(ctx context.Context, req *Request) (*Response, error) {
	f.mu.Lock()
	n := len(f.calls)
	f.calls = append(f.calls, time.Now())
	err := f.errs[min(n, len(f.errs)-1)]
	f.mu.Unlock()
	if f.hold > 0 {
		time.Sleep(f.hold)
	}
	if err != nil {
		return nil, err
	}
	return &Response{Content: ptr("ok")}, nil
}

// gaps are the waits between calls.
func (f *fake) gaps() []time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []time.Duration
	for i := 1; i < len(f.calls); i++ {
		out = append(out, f.calls[i].Sub(f.calls[i-1]))
	}
	return out
}

func kindErr(k ErrorKind, status int, retryAfter time.Duration) *Error {
	return &Error{Kind: k, Status: status, Provider: "p", Model: "m", RetryAfter: retryAfter}
}

var (
	e503 = kindErr(KindTransient, 503, 0)
	e429 = kindErr(KindRateLimited, 429, 0)
)

// exact is DefaultRetry without jitter (the random factor is the middle).
var exact = func() RetryPolicy { p := DefaultRetry; p.Rand = func() float64 { return 0.5 }; return p }()

func TestRetries(t *testing.T) {
	tests := []struct {
		name        string
		errs        []error
		policy      RetryPolicy
		wantGaps    []time.Duration
		wantErr     *Error // nil: success
		wantLimited int
	}{{
		name:     "503, 503, 200: backoff 1 s, 2 s",
		errs:     []error{e503, e503, nil},
		wantGaps: []time.Duration{time.Second, 2 * time.Second},
	}, {
		name:     "transient given up after 3 retries (1 s, 2 s, 4 s)",
		errs:     []error{e503},
		wantGaps: []time.Duration{time.Second, 2 * time.Second, 4 * time.Second},
		wantErr:  &Error{Kind: KindTransient, Status: 503, Provider: "p", Model: "m", Attempts: 4},
	}, {
		name:    "400 is not retried",
		errs:    []error{kindErr(KindFatal, 400, 0)},
		wantErr: &Error{Kind: KindFatal, Status: 400, Provider: "p", Model: "m", Attempts: 1},
	}, {
		name:    "401 is not retried",
		errs:    []error{kindErr(KindFatal, 401, 0)},
		wantErr: &Error{Kind: KindFatal, Status: 401, Provider: "p", Model: "m", Attempts: 1},
	}, {
		name:     "Retry-After longer than the backoff is honoured",
		errs:     []error{kindErr(KindTransient, 503, 5*time.Second), kindErr(KindTransient, 503, 500*time.Millisecond), nil},
		wantGaps: []time.Duration{5 * time.Second, 2 * time.Second},
	}, {
		name:        "429 then 200: the 2 s cooldown",
		errs:        []error{e429, nil},
		wantGaps:    []time.Duration{2 * time.Second},
		wantLimited: 1,
	}, {
		name:        "429 with Retry-After, retried past MaxRetries, transient count apart",
		errs:        []error{kindErr(KindRateLimited, 429, 10*time.Second), e429, e429, e429, e429, e503, nil},
		wantGaps:    []time.Duration{10 * time.Second, 2 * time.Second, 2 * time.Second, 2 * time.Second, 2 * time.Second, time.Second},
		wantLimited: 5,
	}, {
		name:     "a policy's own backoff",
		errs:     []error{e503, e503, nil},
		policy:   RetryPolicy{MaxRetries: 2, Backoff: 10 * time.Millisecond, Rand: func() float64 { return 0 }, Jitter: 0.5},
		wantGaps: []time.Duration{5 * time.Millisecond, 10 * time.Millisecond},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				f := &fake{errs: tt.errs}
				p := tt.policy
				if p.Backoff == 0 {
					p = exact
				}
				resp, err := WithRetries(f, p).Complete(t.Context(), &Request{})
				if got := f.gaps(); !reflect.DeepEqual(got, tt.wantGaps) {
					t.Errorf("waits %v, want %v", got, tt.wantGaps)
				}
				if tt.wantErr == nil {
					if err != nil {
						t.Fatal(err)
					}
					if resp.Attempts != len(tt.errs) || resp.RateLimited != tt.wantLimited {
						t.Errorf("attempts %d rate limited %d, want %d %d", resp.Attempts, resp.RateLimited, len(tt.errs), tt.wantLimited)
					}
					return
				}
				var got *Error
				if !errors.As(err, &got) || *got != *tt.wantErr {
					t.Errorf("error %#v, want %#v", got, tt.wantErr)
				}
			})
		})
	}
}

func TestRetryJitterBounds(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		seen := map[time.Duration]bool{}
		for range 50 {
			f := &fake{errs: []error{e503, e503, e503, nil}}
			if _, err := WithRetries(f, DefaultRetry).Complete(t.Context(), &Request{}); err != nil {
				t.Fatal(err)
			}
			for i, g := range f.gaps() {
				base := time.Second << i
				if g < base*8/10 || g > base*12/10 {
					t.Errorf("wait %d = %v, outside %v ±20%%", i, g, base)
				}
				seen[g] = true
			}
		}
		if len(seen) < 100 {
			t.Errorf("only %d distinct waits in 150: no jitter?", len(seen))
		}
	})
}

func TestRateLimitedUntilContextDone(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithTimeout(t.Context(), 9*time.Second)
		defer cancel()
		f := &fake{errs: []error{e429}}
		start := time.Now()
		_, err := WithRetries(f, exact).Complete(ctx, &Request{})
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("error %v does not say the context ended", err)
		}
		var e *Error
		if !errors.As(err, &e) || e.Kind != KindRateLimited || e.Attempts != 5 || e.RateLimited != 5 {
			t.Errorf("last error %+v", e)
		}
		if d := time.Since(start); d != 9*time.Second {
			t.Errorf("returned after %v", d)
		}
	})
}

// TestRequeuedRateLimit: a 429 from WithSlots is sent again without a wait
// of the retry's own (the endpoint's pause is the wait), and an error that
// ends the retries after it (a stall) wraps the last 429 with its counts.
func TestRequeuedRateLimit(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := &fake{errs: []error{&requeued{err: kindErr(KindRateLimited, 429, time.Second)}, nil}}
		resp, err := WithRetries(f, exact).Complete(t.Context(), &Request{})
		if err != nil || resp.Attempts != 2 || resp.RateLimited != 1 {
			t.Fatalf("resp %+v err %v", resp, err)
		}
		if got := f.gaps(); !reflect.DeepEqual(got, []time.Duration{0}) {
			t.Errorf("waits %v, want none", got)
		}

		stall := &StallError{Provider: "p", Model: "m", For: time.Minute}
		f = &fake{errs: []error{&requeued{err: e429}, &requeued{err: e429}, stall}}
		_, err = WithRetries(f, exact).Complete(t.Context(), &Request{})
		var e *Error
		if !errors.Is(err, columns.ErrStopRun) || !errors.As(err, &e) || e.Attempts != 2 || e.RateLimited != 2 {
			t.Errorf("error %v (last %+v)", err, e)
		}
	})
}

func TestNonModelErrorsAreNotRetried(t *testing.T) {
	f := &fake{errs: []error{context.Canceled}}
	_, err := WithRetries(f, exact).Complete(context.Background(), &Request{})
	if !errors.Is(err, context.Canceled) || len(f.calls) != 1 {
		t.Errorf("err %v after %d calls", err, len(f.calls))
	}
}

// TestRetriesOverHTTP runs the real adapter against a scripted server.
func TestRetriesOverHTTP(t *testing.T) {
	fast := RetryPolicy{MaxRetries: 3, Backoff: time.Millisecond, Cooldown: time.Millisecond}
	tests := []struct {
		name         string
		replies      []reply
		wantRequests int
		wantKind     ErrorKind // 0: success
		wantLimited  int
	}{
		{name: "503, 503, 200", replies: []reply{{status: 503}, {status: 503, body: "<html>busy</html>"}, ok200}, wantRequests: 3},
		{name: "400 once", replies: []reply{{status: 400, body: `{"error":{"message":"bad"}}`}}, wantRequests: 1, wantKind: KindFatal},
		{name: "401 once", replies: []reply{{status: 401}}, wantRequests: 1, wantKind: KindFatal},
		{name: "502 four times", replies: []reply{{status: 502}}, wantRequests: 4, wantKind: KindTransient},
		{name: "429 then 200", replies: []reply{{status: 429, header: map[string]string{"Retry-After": "0"}}, ok200}, wantRequests: 2, wantLimited: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newScripted(t, tt.replies...)
			resp, err := WithRetries(NewOpenAI(s.endpoint()), fast).Complete(context.Background(), &Request{Messages: userHi})
			if s.count() != tt.wantRequests {
				t.Errorf("%d requests, want %d", s.count(), tt.wantRequests)
			}
			if tt.wantKind == 0 {
				if err != nil {
					t.Fatal(err)
				}
				if resp.Attempts != tt.wantRequests || resp.RateLimited != tt.wantLimited || *resp.Content != "OK" {
					t.Errorf("response %+v", resp)
				}
				return
			}
			var e *Error
			if !errors.As(err, &e) || e.Kind != tt.wantKind || e.Attempts != tt.wantRequests {
				t.Errorf("error %+v", e)
			}
		})
	}
}

// TestRetryAfterOverHTTP: a 503's Retry-After of 1 s is waited, not the
// policy's 1 ms backoff.
func TestRetryAfterOverHTTP(t *testing.T) {
	s := newScripted(t, reply{status: 503, header: map[string]string{"Retry-After": "1"}}, ok200)
	start := time.Now()
	resp, err := WithRetries(NewOpenAI(s.endpoint()), RetryPolicy{MaxRetries: 3, Backoff: time.Millisecond}).Complete(context.Background(), &Request{Messages: userHi})
	if err != nil || resp.Attempts != 2 {
		t.Fatalf("resp %+v err %v", resp, err)
	}
	if d := time.Since(start); d < time.Second {
		t.Errorf("retried after %v, before Retry-After", d)
	}
}
