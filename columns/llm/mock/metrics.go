package mock

import (
	"slices"
	"strconv"
	"time"
)

// load is the accounting of one model (or of all): requests, faults and the
// slots in use. Guarded by Server.mu.
type load struct {
	requests, rateLimited, timeouts, malformed, truncated int64
	errors                                                map[int]int64

	inFlight, peak     int
	queued, peakQueued int
	busy               float64 // slot-seconds up to last
	last               time.Time
	waiters            []chan struct{} // queued requests, first come first served (per model only)
}

// advance adds the busy-slot integral up to now.
func (l *load) advance(now time.Time) {
	if !l.last.IsZero() && now.After(l.last) {
		l.busy += float64(l.inFlight) * now.Sub(l.last).Seconds()
	}
	l.last = now
}

func (l *load) countError(status int) {
	if l.errors == nil {
		l.errors = map[int]int64{}
	}
	l.errors[status]++
	if status == 429 {
		l.rateLimited++
	}
}

// LoadMetrics is the /metrics report of one model, or of all.
type LoadMetrics struct {
	Requests        int64            `json:"requests"`
	InFlight        int              `json:"in_flight"`
	PeakInFlight    int              `json:"peak_in_flight"`
	Queued          int              `json:"queued"`
	PeakQueued      int              `json:"peak_queued"`
	RateLimited     int64            `json:"rate_limited"` // 429s sent (capacity and fail_rate)
	Errors          map[string]int64 `json:"errors"`       // error replies by HTTP status
	Timeouts        int64            `json:"timeouts"`
	Malformed       int64            `json:"malformed"`
	Truncated       int64            `json:"truncated"`
	BusySlotSeconds float64          `json:"busy_slot_seconds"` // ∫ in-flight dt
}

// Metrics is the /metrics report.
type Metrics struct {
	UptimeSeconds float64                `json:"uptime_seconds"`
	Models        map[string]LoadMetrics `json:"models"`
	Total         LoadMetrics            `json:"total"`
}

func (l *load) report() LoadMetrics {
	m := LoadMetrics{
		Requests: l.requests, InFlight: l.inFlight, PeakInFlight: l.peak, Queued: l.queued, PeakQueued: l.peakQueued,
		RateLimited: l.rateLimited, Errors: map[string]int64{}, Timeouts: l.timeouts, Malformed: l.malformed,
		Truncated: l.truncated, BusySlotSeconds: l.busy,
	}
	for s, n := range l.errors {
		m.Errors[strconv.Itoa(s)] = n
	}
	return m
}

// Metrics returns the counters so far. Safe for concurrent use.
func (s *Server) Metrics() Metrics {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := time.Now()
	out := Metrics{UptimeSeconds: now.Sub(s.started).Seconds(), Models: map[string]LoadMetrics{}}
	for name, l := range s.models {
		l.advance(now)
		out.Models[name] = l.report()
	}
	s.total.advance(now)
	out.Total = s.total.report()
	return out
}

// modelLoad returns the model's accounting. Call with s.mu held.
func (s *Server) modelLoad(model string) *load {
	l := s.models[model]
	if l == nil {
		l = &load{}
		s.models[model] = l
	}
	return l
}

// addInFlight changes the in-flight count of l and of the total. Call with
// s.mu held.
func (s *Server) addInFlight(l *load, d int, now time.Time) {
	l.advance(now)
	s.total.advance(now)
	l.inFlight += d
	s.total.inFlight += d
	l.peak = max(l.peak, l.inFlight)
	s.total.peak = max(s.total.peak, s.total.inFlight)
}

// acquire takes one of the model's slots. Above capacity (> 0) it returns
// false at once, or with queueing waits first come first served until a
// slot frees or ctx is done (then the error).
func (s *Server) acquire(ctxDone <-chan struct{}, model string, capacity int, queueing bool) (bool, error) {
	s.mu.Lock()
	l := s.modelLoad(model)
	if capacity <= 0 || l.inFlight < capacity {
		s.addInFlight(l, 1, time.Now())
		s.mu.Unlock()
		return true, nil
	}
	if !queueing {
		s.mu.Unlock()
		return false, nil
	}
	ch := make(chan struct{})
	l.waiters = append(l.waiters, ch)
	l.queued++
	s.total.queued++
	l.peakQueued = max(l.peakQueued, l.queued)
	s.total.peakQueued = max(s.total.peakQueued, s.total.queued)
	s.mu.Unlock()
	select {
	case <-ch:
		return true, nil
	case <-ctxDone:
		s.mu.Lock()
		if i := slices.Index(l.waiters, ch); i >= 0 {
			l.waiters = slices.Delete(l.waiters, i, i+1)
			l.queued--
			s.total.queued--
			s.mu.Unlock()
			return false, errGone
		}
		s.mu.Unlock()
		s.release(model) // a slot was handed over as the client left
		return false, errGone
	}
}

// release frees a slot: it passes to the first queued request, if any.
func (s *Server) release(model string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	l := s.modelLoad(model)
	if len(l.waiters) > 0 {
		ch := l.waiters[0]
		l.waiters = l.waiters[1:]
		l.queued--
		s.total.queued--
		close(ch)
		return
	}
	s.addInFlight(l, -1, time.Now())
}
