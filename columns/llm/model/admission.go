package model

import (
	"cmp"
	"fmt"
	"math"
	"time"

	"github.com/synthgen/synthgen/columns"
	"github.com/synthgen/synthgen/config"
)

// AdmissionPolicy tunes the adaptive concurrency of one endpoint's Slots
// (run_config.request_admission; spec/engine.md, "Adaptive concurrency"). A
// zero field turns its mechanism off.
type AdmissionPolicy struct {
	// DecreaseFactor: a 429 to a request sent after the last cut cuts the
	// limit to ⌊DecreaseFactor × limit⌋ (at least 1). Outside (0, 1) a 429
	// does not change the limit.
	DecreaseFactor float64
	// IncreaseStep slots are added after every IncreaseEvery successes
	// outside a pause, up to the endpoint's max_parallel_requests. The step
	// that reaches the limit of the last cut for overload (a 429, or a queue
	// seen by the latency signal) again waits IncreaseEvery × limit
	// successes instead (about IncreaseEvery latencies at full speed),
	// doubled each time that level fails again, up to 16 times: an endpoint
	// with a fixed capacity is probed rarely rather than cut every few
	// seconds (plain AIMD would average 87.5% of the capacity).
	IncreaseStep, IncreaseEvery int
	// Cooldown pauses new requests after a 429 without Retry-After.
	Cooldown time.Duration
	// StartupRamp: the limit rises linearly from 1 to the max over this
	// time from the endpoint's first request; 0 starts at the max.
	StartupRamp time.Duration
	// LatencySignal backs off from servers that queue requests instead of
	// answering 429 (admission_latency.go).
	LatencySignal bool
	// StallAfter: once an endpoint has answered nothing but 429 for this
	// long, its requests end with a *StallError; 0 never.
	StallAfter time.Duration
}

// DefaultAdmission is the policy of spec/engine.md: cut to 75% on a 429,
// one slot more per 25 successes, a 2 s cooldown, no startup ramp, the
// latency signal on, a stall after 10 minutes of nothing but 429s.
var DefaultAdmission = AdmissionPolicy{
	DecreaseFactor: 0.75,
	IncreaseStep:   1,
	IncreaseEvery:  25,
	Cooldown:       2 * time.Second,
	LatencySignal:  true,
	StallAfter:     600 * time.Second,
}

// AdmissionPolicyOf is the policy of a run's request_admission settings:
// DefaultAdmission with the fields that are set (nil: the defaults).
// Values out of range keep the default, except rate_limit_stall_seconds 0,
// which never stops an endpoint, and additive_increase_step 0, which never
// raises the limit after a cut.
func AdmissionPolicyOf(ra *config.RequestAdmission) AdmissionPolicy {
	p := DefaultAdmission
	if ra == nil {
		return p
	}
	if f := ra.MultiplicativeDecreaseFactor; f != nil && *f > 0 && *f < 1 {
		p.DecreaseFactor = *f
	}
	if n := ra.AdditiveIncreaseStep; n != nil && *n >= 0 {
		p.IncreaseStep = *n
	}
	if n := ra.SuccessesUntilIncrease; n != nil && *n > 0 {
		p.IncreaseEvery = *n
	}
	if s := ra.CooldownSeconds; s != nil && *s >= 0 {
		p.Cooldown = secondsOf(*s)
	}
	if s := ra.StartupRampSeconds; s != nil && *s >= 0 {
		p.StartupRamp = secondsOf(*s)
	}
	if b := ra.LatencySignal; b != nil {
		p.LatencySignal = *b
	}
	if s := ra.RateLimitStallSeconds; s != nil && *s >= 0 {
		p.StallAfter = secondsOf(*s)
	}
	return p
}

// secondsOf converts seconds of a setting, at most ~30 years.
func secondsOf(s float64) time.Duration {
	return time.Duration(min(s, 1e9) * float64(time.Second))
}

// StallError ends the requests to an endpoint that has answered nothing but
// 429 for AdmissionPolicy.StallAfter: no more requests are sent to it. It
// wraps columns.ErrStopRun, so the run stops, keeps what is complete, and
// can be resumed later. It names the endpoint by provider and model id
// only (never a URL or a key).
type StallError struct {
	Provider, Model string
	For             time.Duration // how long it answered only 429
}

func (e *StallError) Error() string {
	return fmt.Sprintf("%s model %q answered nothing but 429 (rate limited) for %s; stopped sending requests to it: "+
		"resume the run later with --resume always", e.Provider, e.Model, e.For.Round(time.Second))
}

func (e *StallError) Unwrap() error { return columns.ErrStopRun }

// succeeded feeds a successful request to the controller: it ends a run of
// 429s and counts towards the next increase unless the endpoint is paused.
// s.mu is held.
func (s *Slots) succeeded(now time.Time) {
	s.limitedSince = time.Time{}
	if now.Before(s.pausedUntil) {
		return
	}
	s.successes++
	if s.limit >= s.max || s.p.IncreaseStep <= 0 || s.p.IncreaseEvery <= 0 ||
		(s.p.LatencySignal && !s.lat.allowsIncrease()) || s.successes < s.increaseEvery() {
		return
	}
	s.successes = 0
	s.limit = min(s.max, s.limit+s.p.IncreaseStep)
	if s.limit == s.ceiling && s.p.LatencySignal {
		s.lat.probe() // judge the level that failed before on a window of its own
	}
	if s.limit > s.ceiling {
		s.ceiling, s.failedProbes = 0, 0 // the level of the last cut is passed: on at the normal pace
	}
}

// overloadedAt records a cut for overload from limit n (see ceiling).
// s.mu is held.
func (s *Slots) overloadedAt(n int) {
	if n == s.ceiling {
		s.failedProbes = min(s.failedProbes+1, maxFailedProbes)
	} else {
		s.ceiling, s.failedProbes = n, 0
	}
}

// maxFailedProbes bounds the slow-down of probes: at most 2⁴ × the first
// wait.
const maxFailedProbes = 4

// increaseEvery is the number of successes before the next increase: the
// policy's, or, for the step that reaches the level of the last cut for
// overload again, that many rounds of the whole limit, doubled for each
// time that level failed again in a row. s.mu is held.
func (s *Slots) increaseEvery() int {
	if s.ceiling > 0 && s.limit+s.p.IncreaseStep >= s.ceiling {
		return s.p.IncreaseEvery * s.limit << s.failedProbes
	}
	return s.p.IncreaseEvery
}

// rateLimitedAnswer feeds a 429 to the controller. A 429 to a request sent
// after the last cut cuts the limit and pauses new requests for its
// Retry-After or the cooldown; a 429 to an older request (the rest of a
// burst) changes nothing but honours its own Retry-After. Once the endpoint
// has answered nothing but 429 for StallAfter, it stops. s.mu is held.
func (s *Slots) rateLimitedAnswer(t ticket, e *Error, now time.Time) {
	s.rateLimited++
	if s.limitedSince.IsZero() {
		s.limitedSince = now
	}
	if d := now.Sub(s.limitedSince); s.p.StallAfter > 0 && d >= s.p.StallAfter {
		s.stopped = &StallError{Provider: e.Provider, Model: e.Model, For: d}
		return
	}
	wait := e.RetryAfter
	if t.epoch == s.epoch {
		eff := s.effective(now)
		if f := s.p.DecreaseFactor; f > 0 && f < 1 {
			s.overloadedAt(eff)
			s.setLimit(int(math.Floor(f * float64(eff))))
		}
		s.epoch++ // the rest of the burst is old news
		wait = cmp.Or(wait, s.p.Cooldown)
	}
	if until := now.Add(wait); until.After(s.pausedUntil) {
		s.pausedUntil = until
	}
}

// setLimit changes the limit (kept within 1..max) as the controller
// decided. Successes and latency samples are counted afresh. s.mu is held.
func (s *Slots) setLimit(n int) {
	s.limit = min(max(n, 1), s.max)
	if s.limit >= s.ceiling {
		s.ceiling, s.failedProbes = 0, 0
	}
	s.successes = 0
	s.lat.restart()
}

// slotsStats is a snapshot for EndpointStats.
type slotsStats struct {
	inFlight, waiting, limit, max int
	paused, stalled               bool
	rateLimited                   int64
}

func (s *Slots) stats() slotsStats {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := time.Now()
	return slotsStats{inFlight: s.inFlight, waiting: len(s.waiters), limit: s.effective(now), max: s.max,
		paused: now.Before(s.pausedUntil), stalled: s.stopped != nil, rateLimited: s.rateLimited}
}
