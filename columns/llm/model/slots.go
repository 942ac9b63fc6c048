package model

import (
	"context"
	"errors"
	"math"
	"slices"
	"sync"
	"time"
)

// Slots is the request admission of one model endpoint (provider + model
// id): at most Limit requests are in flight at once, waiters are admitted
// first come, first served, and the limit adapts to how the endpoint answers
// (AdmissionPolicy; spec/engine.md, "Adaptive concurrency"). Requests go
// through it with WithSlots. Its methods are safe for concurrent use.
type Slots struct {
	p   AdmissionPolicy
	max int // max_parallel_requests: the limit never exceeds it

	mu       sync.Mutex
	limit    int // the adaptive limit, 1..max; the startup ramp may cap it further
	inFlight int
	waiters  []*waiter
	start    time.Time // the first admission, where the startup ramp starts
	// pausedUntil: no request is admitted before it (after a 429).
	pausedUntil time.Time
	// stopped, once set, ends every wait (a stalled endpoint).
	stopped error
	wake    *time.Timer // wakes the waiters at the end of a pause or a ramp step
	wakeAt  time.Time
	wakeGen uint64

	// epoch counts the cuts of the limit; a request carries the epoch it
	// was sent in, so that only a 429 to a request sent after the last cut
	// cuts again.
	epoch uint64
	// successes since the last increase, counted outside pauses.
	successes int
	// ceiling is the limit at the last cut for overload, a 429 or a queue
	// (0 once exceeded): the increase that reaches it again is made slowly,
	// and more slowly each time it fails again (see increaseEvery).
	ceiling, failedProbes int
	// limitedSince is the first 429 since the endpoint last answered
	// anything else; zero when it did.
	limitedSince time.Time
	rateLimited  int64 // 429s seen
	lat          latencySignal
}

// waiter is a request waiting for a slot. ch is closed when it is granted
// one (t is its ticket) or when the endpoint stopped (err).
type waiter struct {
	ch  chan struct{}
	t   ticket
	err error
}

// ticket is what an admitted request carries until it is released.
type ticket struct {
	epoch uint64 // Slots.epoch when it was sent
	batch *latencyBatch
	start time.Time
	conc  int // requests in flight when it was admitted, itself included
}

// NewSlots returns the admission of an endpoint whose limit starts at n
// (the endpoint's max_parallel_requests, at least 1), or ramps up to it,
// and adapts as p says. The zero AdmissionPolicy gives a fixed limit that
// only pauses for Retry-After.
func NewSlots(n int, p AdmissionPolicy) *Slots {
	n = max(n, 1)
	return &Slots{p: p, max: n, limit: n}
}

// acquire waits for a slot, then returns the request's ticket; each
// successful acquire must be followed by one release. It returns at once,
// holding no slot, with the context's cause when ctx is done (also when it
// is done before the call: no new request after a cancellation) and with the
// endpoint's error once it stopped (a *StallError).
func (s *Slots) acquire(ctx context.Context) (ticket, error) {
	if err := context.Cause(ctx); err != nil {
		return ticket{}, err
	}
	s.mu.Lock()
	if s.stopped != nil {
		err := s.stopped
		s.mu.Unlock()
		return ticket{}, err
	}
	now := time.Now()
	if s.start.IsZero() {
		s.start = now
	}
	if len(s.waiters) == 0 && s.inFlight < s.effective(now) && !now.Before(s.pausedUntil) {
		t := s.grant(now)
		s.mu.Unlock()
		return t, nil
	}
	w := &waiter{ch: make(chan struct{})}
	s.waiters = append(s.waiters, w)
	s.admit(now) // schedules the wake-up when a pause or the ramp holds it
	s.mu.Unlock()
	select {
	case <-w.ch:
		if w.err != nil {
			return ticket{}, w.err
		}
		if err := context.Cause(ctx); err != nil { // cancelled as it was granted
			s.release(w.t, err)
			return ticket{}, err
		}
		return w.t, nil
	case <-ctx.Done():
		s.mu.Lock()
		i := slices.Index(s.waiters, w)
		if i >= 0 {
			s.waiters = slices.Delete(s.waiters, i, i+1)
		}
		s.mu.Unlock()
		if i < 0 && w.err == nil { // granted meanwhile: hand the slot on
			s.release(w.t, context.Cause(ctx))
		}
		return ticket{}, context.Cause(ctx)
	}
}

// grant takes a slot. s.mu is held.
func (s *Slots) grant(now time.Time) ticket {
	s.inFlight++
	t := ticket{epoch: s.epoch, start: now, conc: s.inFlight}
	if s.p.LatencySignal {
		t.batch = s.lat.join(max(latencyMinWindow, s.limit/2))
	}
	return t
}

// release frees t's slot and feeds the request's outcome (err nil: a
// reply) to the controller (admission.go).
func (s *Slots) release(t ticket, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.inFlight <= 0 {
		panic("model: Slots released without a slot")
	}
	s.inFlight--
	now := time.Now()
	if t.batch != nil {
		s.latencyFinished(t, err == nil, now)
	}
	var me *Error
	switch {
	case err == nil:
		s.succeeded(now)
	case errors.As(err, &me) && me.Kind == KindRateLimited:
		s.rateLimitedAnswer(t, me, now)
	case errors.As(err, &me) && me.Status != 0:
		s.limitedSince = time.Time{} // an answer, just not a good one
	}
	s.admit(now)
}

// admit grants slots to waiters, first come first served, while the limit,
// the ramp and any pause allow, and fails them all once the endpoint
// stopped. s.mu is held.
func (s *Slots) admit(now time.Time) {
	if s.stopped != nil {
		for _, w := range s.waiters {
			w.err = s.stopped
			close(w.ch)
		}
		s.waiters = nil
		return
	}
	if len(s.waiters) == 0 {
		return
	}
	if now.Before(s.pausedUntil) {
		s.wakeUpAt(s.pausedUntil)
		return
	}
	eff := s.effective(now)
	for s.inFlight < eff && len(s.waiters) > 0 {
		w := s.waiters[0]
		s.waiters = s.waiters[1:]
		w.t = s.grant(now)
		close(w.ch)
	}
	if len(s.waiters) > 0 && eff < s.limit {
		s.wakeUpAt(s.nextRampStep())
	}
}

// wakeUpAt makes sure admit runs again at t. s.mu is held.
func (s *Slots) wakeUpAt(t time.Time) {
	if s.wake != nil && !s.wakeAt.After(t) {
		return // an earlier wake-up runs admit, which asks again
	}
	if s.wake != nil {
		s.wake.Stop()
	}
	s.wakeGen++
	gen := s.wakeGen
	s.wakeAt = t
	s.wake = time.AfterFunc(time.Until(t), func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.wakeGen == gen {
			s.wake = nil
		}
		s.admit(time.Now())
	})
}

// effective is the limit now: the adaptive limit, capped by the startup
// ramp, which rises linearly from 1 to max over StartupRamp from the first
// admission. s.mu is held.
func (s *Slots) effective(now time.Time) int {
	return min(s.limit, s.rampCap(now))
}

func (s *Slots) rampCap(now time.Time) int {
	ramp := s.p.StartupRamp
	if ramp <= 0 || s.max == 1 || s.start.IsZero() {
		return s.max
	}
	el := now.Sub(s.start)
	if el >= ramp {
		return s.max
	}
	return 1 + int(float64(s.max-1)*float64(el)/float64(ramp))
}

// nextRampStep is when the ramp's cap next rises. s.mu is held.
func (s *Slots) nextRampStep() time.Time {
	c := s.rampCap(time.Now()) // the cap c is reached at ramp·(c−1)/(max−1)
	return s.start.Add(time.Duration(math.Ceil(float64(s.p.StartupRamp) * float64(c) / float64(s.max-1))))
}

// InFlight is the number of slots held now (for progress).
func (s *Slots) InFlight() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.inFlight
}

// Max is the endpoint's max_parallel_requests, the most the limit reaches.
func (s *Slots) Max() int { return s.max }

// Limit is the current limit, the startup ramp included (for progress).
func (s *Slots) Limit() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.effective(time.Now())
}

// WithSlots returns a Client that sends each request through s: it waits
// for a slot (and for the end of a pause after a 429), holds it while
// c.Complete runs — the HTTP request when c is the raw adapter — and tells s
// how the request went. Waiting ends with the context's cause (not a
// *Error) when ctx is done, or with a *StallError once s stopped. A request
// that has its slot runs to its end even if ctx is cancelled meanwhile
// (context.WithoutCancel; the adapter's timeout bounds it), so a
// cancellation drains the requests in flight and their replies are
// returned. A 429 is returned marked so that WithRetries sends the request
// again at once: the wait is the pause s imposes on every new request.
func WithSlots(c Client, s *Slots) Client { return &slotted{c: c, s: s} }

type slotted struct {
	c Client
	s *Slots
}

func (sc *slotted) Complete(ctx context.Context, req *Request) (*Response, error) {
	t, err := sc.s.acquire(ctx)
	if err != nil {
		return nil, err
	}
	released := false
	defer func() {
		if !released { // c panicked
			sc.s.release(t, errNoReply)
		}
	}()
	resp, err := sc.c.Complete(context.WithoutCancel(ctx), req)
	released = true
	sc.s.release(t, err)
	if me := (*Error)(nil); errors.As(err, &me) && me.Kind == KindRateLimited {
		return nil, &requeued{err: me}
	}
	return resp, err
}

// errNoReply is the outcome of a request whose client panicked.
var errNoReply = errors.New("no reply")

// requeued is a 429 after which the endpoint's Slots pause new requests:
// WithRetries sends the request again without a wait of its own.
type requeued struct{ err *Error }

func (r *requeued) Error() string { return r.err.Error() }
func (r *requeued) Unwrap() error { return r.err }
