package model

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"
)

// counting is a Client that records its peak concurrency.
type counting struct {
	now, peak atomic.Int64
	hold      time.Duration
}

func (c *counting) Complete(ctx context.Context, req *Request) (*Response, error) {
	n := c.now.Add(1)
	for {
		p := c.peak.Load()
		if n <= p || c.peak.CompareAndSwap(p, n) {
			break
		}
	}
	time.Sleep(c.hold)
	c.now.Add(-1)
	return &Response{}, nil
}

func TestSlotsBound(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := NewSlots(4)
		inner := &counting{hold: 10 * time.Millisecond}
		c := WithSlots(inner, s)
		start := time.Now()
		var wg sync.WaitGroup
		for range 50 {
			wg.Go(func() {
				if _, err := c.Complete(t.Context(), &Request{}); err != nil {
					t.Error(err)
				}
			})
		}
		synctest.Wait()
		if s.InFlight() != 4 || s.Limit() != 4 {
			t.Errorf("in flight %d limit %d", s.InFlight(), s.Limit())
		}
		wg.Wait()
		if p := inner.peak.Load(); p != 4 {
			t.Errorf("peak concurrency %d, want 4", p)
		}
		if d := time.Since(start); d != 13*10*time.Millisecond { // ⌈50/4⌉ rounds
			t.Errorf("took %v", d)
		}
		if s.InFlight() != 0 {
			t.Errorf("%d slots still held", s.InFlight())
		}
	})
}

func TestSlotsBoundRealTime(t *testing.T) {
	s := NewSlots(3)
	inner := &counting{hold: time.Millisecond}
	c := WithSlots(inner, s)
	var wg sync.WaitGroup
	for range 50 {
		wg.Go(func() { c.Complete(context.Background(), &Request{}) })
	}
	wg.Wait()
	if p := inner.peak.Load(); p > 3 || p < 1 {
		t.Errorf("peak concurrency %d, limit 3", p)
	}
}

// TestSlotsReleasedDuringBackoff: a request sleeping in a backoff holds no
// slot, so another one goes through at once.
func TestSlotsReleasedDuringBackoff(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := NewSlots(1)
		slow := WithRetries(WithSlots(&fake{errs: []error{e503, nil}}, s), exact)
		start := time.Now()
		done := make(chan time.Duration)
		go func() {
			slow.Complete(t.Context(), &Request{})
			done <- time.Since(start)
		}()
		synctest.Wait() // the first attempt failed; it sleeps 1 s
		if s.InFlight() != 0 {
			t.Fatalf("%d slots held during the backoff", s.InFlight())
		}
		other := WithRetries(WithSlots(&fake{errs: []error{nil}}, s), exact)
		if _, err := other.Complete(t.Context(), &Request{}); err != nil {
			t.Fatal(err)
		}
		if d := time.Since(start); d != 0 {
			t.Errorf("the other request waited %v", d)
		}
		if d := <-done; d != time.Second {
			t.Errorf("the retried request took %v", d)
		}
	})
}

func TestSlotsAcquireCancelAndSetLimit(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := NewSlots(1)
		if err := s.Acquire(t.Context()); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(t.Context(), time.Second)
		defer cancel()
		if err := s.Acquire(ctx); err != context.DeadlineExceeded {
			t.Errorf("acquire on a full Slots: %v", err)
		}
		if s.InFlight() != 1 {
			t.Errorf("in flight %d after a cancelled wait", s.InFlight())
		}
		// Two waiters; raising the limit to 3 admits both.
		var wg sync.WaitGroup
		for range 2 {
			wg.Go(func() {
				if err := s.Acquire(t.Context()); err != nil {
					t.Error(err)
				}
			})
		}
		synctest.Wait()
		s.SetLimit(3)
		wg.Wait()
		if s.InFlight() != 3 || s.Limit() != 3 {
			t.Errorf("in flight %d limit %d", s.InFlight(), s.Limit())
		}
		// Lowering the limit lets requests in flight finish; new ones wait.
		s.SetLimit(1)
		s.Release()
		s.Release()
		if err := s.Acquire(ctx); err != context.DeadlineExceeded {
			t.Errorf("acquire at the limit: %v", err)
		}
		s.Release()
		if err := s.Acquire(t.Context()); err != nil || s.InFlight() != 1 {
			t.Errorf("acquire below the limit: %v, in flight %d", err, s.InFlight())
		}
	})
}
