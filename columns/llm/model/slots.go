package model

import (
	"context"
	"slices"
	"sync"
)

// Slots is the admission of one model endpoint: at most Limit requests are
// in flight at once; waiters are admitted first come, first served. Its
// methods are safe for concurrent use.
type Slots struct {
	mu       sync.Mutex
	limit    int
	max      int // the limit it was made with
	inFlight int
	waiters  []chan struct{}
}

// NewSlots returns Slots with limit n (at least 1).
func NewSlots(n int) *Slots { return &Slots{limit: max(n, 1), max: max(n, 1)} }

// Acquire waits for a free slot or until ctx is done (then it returns the
// context's cause and holds no slot). Each successful Acquire must be
// followed by one Release.
func (s *Slots) Acquire(ctx context.Context) error {
	s.mu.Lock()
	if s.inFlight < s.limit && len(s.waiters) == 0 {
		s.inFlight++
		s.mu.Unlock()
		return nil
	}
	ch := make(chan struct{})
	s.waiters = append(s.waiters, ch)
	s.mu.Unlock()
	select {
	case <-ch:
		return nil
	case <-ctx.Done():
		s.mu.Lock()
		if i := slices.Index(s.waiters, ch); i >= 0 {
			s.waiters = slices.Delete(s.waiters, i, i+1)
			s.mu.Unlock()
		} else { // granted meanwhile: hand the slot on
			s.mu.Unlock()
			s.Release()
		}
		return context.Cause(ctx)
	}
}

// Release frees a slot taken by Acquire.
func (s *Slots) Release() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.inFlight <= 0 {
		panic("model: Slots.Release without Acquire")
	}
	s.inFlight--
	s.admit()
}

// SetLimit changes the limit (at least 1); requests in flight above a lower
// limit finish normally. The seam for adaptive concurrency (AIMD).
func (s *Slots) SetLimit(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.limit = max(n, 1)
	s.admit()
}

// admit grants slots to waiters while there is room. s.mu is held.
func (s *Slots) admit() {
	for s.inFlight < s.limit && len(s.waiters) > 0 {
		s.inFlight++
		close(s.waiters[0])
		s.waiters = s.waiters[1:]
	}
}

// InFlight is the number of slots held now (for progress).
func (s *Slots) InFlight() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.inFlight
}

// Limit is the current limit (for progress).
func (s *Slots) Limit() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.limit
}

// WithSlots returns a Client that holds one of s's slots while c.Complete
// runs, i.e. during the HTTP request when c is the raw adapter. Waiting for
// a slot ends with the context's error (not a *Error) when ctx is done.
func WithSlots(c Client, s *Slots) Client { return &slotted{c: c, s: s} }

type slotted struct {
	c Client
	s *Slots
}

func (sc *slotted) Complete(ctx context.Context, req *Request) (*Response, error) {
	if err := sc.s.Acquire(ctx); err != nil {
		return nil, err
	}
	defer sc.s.Release()
	return sc.c.Complete(ctx, req)
}
