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
		s := NewSlots(4, DefaultAdmission)
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
	s := NewSlots(3, DefaultAdmission)
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
		s := NewSlots(1, DefaultAdmission)
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

func TestSlotsAcquireCancel(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := NewSlots(1, DefaultAdmission)
		held, err := s.acquire(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(t.Context(), time.Second)
		defer cancel()
		start := time.Now()
		if _, err := s.acquire(ctx); err != context.DeadlineExceeded || time.Since(start) != time.Second {
			t.Errorf("acquire on a full Slots: %v after %v", err, time.Since(start))
		}
		if st := s.stats(); st.inFlight != 1 || st.waiting != 0 {
			t.Errorf("after a cancelled wait: %+v", st)
		}
		// A context already done gets no slot, even a free one.
		s.release(held, nil)
		if _, err := s.acquire(ctx); err != context.DeadlineExceeded || s.InFlight() != 0 {
			t.Errorf("acquire with a done context: %v, %d in flight", err, s.InFlight())
		}
		// A waiter granted a slot as its context ends either keeps the slot
		// (and runs) or hands it on: never both, never neither.
		for range 100 {
			held, _ = s.acquire(t.Context())
			ctx2, cancel2 := context.WithCancel(t.Context())
			got := make(chan error)
			var tk ticket
			go func() {
				var err error
				tk, err = s.acquire(ctx2)
				got <- err
			}()
			synctest.Wait()
			s.release(held, nil) // grants the waiter…
			cancel2()            // …whose context ends meanwhile
			err := <-got
			if n := s.InFlight(); (err == nil) != (n == 1) || n > 1 {
				t.Fatalf("waiter got %v with %d slots in flight", err, n)
			}
			if err == nil {
				s.release(tk, nil)
			}
		}
	})
}
