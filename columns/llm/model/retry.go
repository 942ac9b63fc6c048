package model

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"
)

// RetryPolicy says how WithRetries retries a request (spec/engine.md,
// "Retries and failures").
type RetryPolicy struct {
	// MaxRetries is how often a KindTransient error is retried. The n-th
	// retry (from 0) waits Backoff·2ⁿ ± Jitter (a fraction), or the error's
	// RetryAfter when that is longer.
	MaxRetries int
	Backoff    time.Duration
	Jitter     float64
	// Cooldown is the wait after a KindRateLimited error without
	// Retry-After, unless the error comes from WithSlots, whose Slots pause
	// the endpoint instead. Rate-limited requests are retried until they
	// succeed or the context is done.
	Cooldown time.Duration
	// Rand returns a number in [0, 1) for the jitter; nil uses math/rand/v2.
	Rand func() float64
}

// DefaultRetry is the policy of spec/engine.md: transient errors retried 3
// times after 1 s, 2 s, 4 s (±20%), rate limits after Retry-After or 2 s.
var DefaultRetry = RetryPolicy{MaxRetries: 3, Backoff: time.Second, Jitter: 0.2, Cooldown: 2 * time.Second}

// WithRetries returns a Client that retries c's *Error failures by kind:
// KindTransient up to p.MaxRetries times with backoff, KindRateLimited until
// success or ctx is done, KindFatal (and errors that are not *Error) never.
// It sets Response.Attempts and RateLimited, and the same counts on the
// *Error it gives up with; when c fails with another error after a *Error
// (the context ended while waiting for a slot, or the endpoint stalled), the
// error returned wraps both. Compose as WithRetries(WithSlots(raw, slots), p)
// so no slot is held while sleeping and a 429 waits in the endpoint's pause.
// Safe for concurrent use when c is.
func WithRetries(c Client, p RetryPolicy) Client { return &retrying{c: c, p: p} }

type retrying struct {
	c Client
	p RetryPolicy
}

func (r *retrying) Complete(ctx context.Context, req *Request) (*Response, error) {
	attempts, limited, transient := 0, 0, 0
	var last *Error
	for {
		attempts++
		resp, err := r.c.Complete(ctx, req)
		if err == nil {
			resp.Attempts, resp.RateLimited = attempts, limited
			return resp, nil
		}
		var me *Error
		if !errors.As(err, &me) {
			if last == nil {
				return nil, err
			}
			// Not sent (no slot): the counts are those of the last attempt.
			return nil, fmt.Errorf("%w; last error: %w", err, counted(last, attempts-1, limited))
		}
		last = me
		var wait time.Duration
		switch me.Kind {
		case KindRateLimited:
			limited++
			if rq := (*requeued)(nil); !errors.As(err, &rq) {
				wait = cmp.Or(me.RetryAfter, r.p.Cooldown)
			}
		case KindTransient:
			if transient >= r.p.MaxRetries {
				return nil, counted(me, attempts, limited)
			}
			wait = max(r.p.backoff(transient), me.RetryAfter)
			transient++
		default:
			return nil, counted(me, attempts, limited)
		}
		if err := sleep(ctx, wait); err != nil {
			return nil, fmt.Errorf("%w; last error: %w", err, counted(me, attempts, limited))
		}
	}
}

// backoff is the wait before the n-th transient retry (from 0).
func (p *RetryPolicy) backoff(n int) time.Duration {
	u := rand.Float64
	if p.Rand != nil {
		u = p.Rand
	}
	d := float64(p.Backoff) * float64(int64(1)<<min(n, 30))
	return time.Duration(d * (1 + p.Jitter*(2*u()-1)))
}

// counted returns a copy of e with the attempt counts.
func counted(e *Error, attempts, limited int) *Error {
	c := *e
	c.Attempts, c.RateLimited = attempts, limited
	return &c
}

// sleep waits d or until ctx is done (then it returns the cause).
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return context.Cause(ctx)
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return context.Cause(ctx)
	case <-t.C:
		return nil
	}
}
