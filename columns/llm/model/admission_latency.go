package model

import (
	"cmp"
	"math"
	"slices"
	"time"
)

// The latency signal (AdmissionPolicy.LatencySignal) is for servers that
// queue requests above their capacity instead of answering 429 (vLLM, NIM):
// there, a limit above the capacity only adds waiting time — latency rises
// while throughput does not. It is a queue estimate by Little's law, judged
// against the noise of the latencies, with steps down that test whether
// latency follows concurrency.
//
// Windows: the next max(25, limit/2) requests sent, judged once all of them
// have finished (the first replies after a burst would be its fastest
// ones). A window gives the mean concurrency N (requests in flight when each
// was sent), the mean latency W (each latency counted as at most 4 × the
// baseline: long tails are noise) and the throughput N/W.
//
// Baseline B, the unqueued latency: a low quantile (4th lowest of 16) of
// recent windows' candidates — the mean latency of a window's requests sent
// at the lowest concurrency (its eighth, at least 8; all of them in a steady
// state; in the first window after the burst at the start, the requests a
// FIFO server served at once). A queue must not leak into it, or the
// baseline and the limit creep up together: once a back-off has found the
// server queueing, the candidates are the windows sent at or below the
// concurrency of the knee it measured, or clearly faster ones; before that,
// the windows that allow an increase.
//
// Queue Q = N × (1 − B/W), the requests waiting beyond what the server
// serves; its noise σ is the relative standard error of W at the baseline's
// spread, cv/√n (0 for a fixed latency: then one waiting request shows).
// Thresholds are the queues k σ above the baseline, N × (1 − e^(−kσ)), at
// least half a request:
//
//   - Q above 3σ: no increase.
//   - Q above 4σ in two windows in a row (or in one that judges a slow
//     probe of the level of the last cut), or above max(8σ, N/4) in one:
//     back off, and remember the level as for a 429 cut. Eight windows in a
//     row without increase while the limit is below its max also start a
//     back-off, to check the baseline.
//   - A back-off steps down to N·B/W (what the server serves, plus 2σ of
//     headroom: below the knee throughput is lost), by at most half. Only
//     its first step from a trusted baseline may be small; the others cut
//     at least 15% so that the next window can judge them by the
//     elasticity of latency to concurrency: at least 0.7 means the latency
//     was waiting time (step on while Q is above 3σ, else probe 25% lower
//     unless the baseline is trusted); at most 0.35 means the step reached
//     the knee: that window's latency becomes the (trusted) baseline and
//     the limit B × the highest throughput of the back-off (+2σ); in
//     between, one step lower tells (at most 3 probes).
//   - A back-off that finds no queue at all (a slower model, or noise)
//     restores the limit, with the new latency as the baseline.
//
// The baseline does not drift up on its own: on a queueing server it would
// follow the queue. A genuinely slower model is recognised by evidence,
// within a few windows.
const (
	latencyMinWindow = 25 // samples of a window, at least; else limit/2
	latencyLowMin    = 8  // samples of a window's low-concurrency part, at least…
	latencyLowShare  = 8  // …else this fraction

	latencyClip        = 4.0 // latencies count as at most this × baseline (long tails are noise)
	latencyBaseWindows = 16  // the baseline is a low quantile of this many recent windows:
	latencyBaseRank    = 4   // the rank-th lowest (the lowest is biased by noise)

	latencyQueueMin = 0.5 // queue estimates at or below this are no queue
	// latencyNoiseFloor is the least relative noise of a window's mean, and
	// latencyJitter the least absolute one: a server with a near-constant
	// latency still varies by a percent or a millisecond or two with the
	// client's and the machine's load (scheduling, GC), which is no queue.
	latencyNoiseFloor = 0.01
	latencyJitter     = 2 * time.Millisecond
	latencyRaiseSigma = 3.0  // no increase above this many σ
	latencyBackSigma  = 4.0  // back off after two windows above this many σ…
	latencyNowSigma   = 8.0  // …or one above this many σ…
	latencyNowShare   = 0.25 // …and this share of the concurrency
	latencyVerifyRuns = 8    // windows without increase before the baseline is checked

	latencyHeadroom  = 2.0  // back-offs aim this many standard errors above the knee (below it, throughput is lost)
	latencyStepMin   = 0.5  // a step cuts to at least this share of the concurrency
	latencyStepMax   = 0.85 // …and at most this share, so that the next window can judge the step
	latencyProbe     = 0.75 // a probe below a doubtful baseline
	latencyQueued    = 0.7  // elasticity at or above which the server queues…
	latencyFlat      = 0.35 // …and at or below which it does not
	latencyMaxProbes = 3    // probes of one back-off, at most
	latencyStepSeen  = 0.9  // a step shows when a window's concurrency is below this share of the last one's
)

type latencySignal struct {
	open *latencyBatch // takes the requests sent now
	gen  uint64        // bumped by every limit change: batches of an older one are not judged

	base     time.Duration // the baseline; 0 before the first window
	baseCV   float64       // the relative spread of the latencies that gave it
	lows     []baseline    // candidates of the last latencyBaseWindows windows, oldest first
	trusted  bool          // the baseline was measured at the knee by a back-off
	kneeConc float64       // the concurrency at the knee of a server seen queueing; 0: none
	prev     latencyWindow // the last window
	back     bool          // the last window's queue was above the back-off threshold
	probing  bool          // the window judges an increase to the level of the last cut
	high     bool          // the last window's queue allows no increase
	highRun  int           // windows in a row that allow no increase
	descent  *latencyDescent
}

// latencyBatch is a window in the making: the next size requests sent. It
// is judged once all of them have finished, so that its latencies are not
// the fastest of a burst (as the first replies after a burst would be).
type latencyBatch struct {
	gen                 uint64
	size, sent, pending int
	samples             []latencySample // of the successful requests
}

type baseline struct {
	latency time.Duration
	cv      float64
}

type latencySample struct {
	latency time.Duration
	conc    int
}

type latencyWindow struct {
	n     int
	conc  float64       // mean concurrency at admission
	mean  time.Duration // mean latency
	cv    float64       // relative standard deviation of the latencies
	low   time.Duration // mean latency of the samples sent at the lowest concurrency…
	lowCV float64       // …and their relative spread
	queue float64       // Q (set against the baseline)
	noise float64       // the relative standard error of the mean: cv/√n at the baseline's spread
}

// threshold is the queue of window w whose latency is k standard errors
// above the baseline — N × (1 − e^(−k·noise)), the noise being relative —
// and at least latencyQueueMin.
func (w latencyWindow) threshold(k float64) float64 {
	return max(latencyQueueMin, w.conc*(1-math.Exp(-k*w.noise)))
}

// rate is the throughput by Little's law, in requests per second.
func (w latencyWindow) rate() float64 {
	if w.mean <= 0 {
		return 0
	}
	return w.conc / w.mean.Seconds()
}

// latencyDescent is a back-off in steps, until a step shows the knee.
type latencyDescent struct {
	startLimit int
	start      latencyWindow // the window that started it
	// ceiling and failedProbes of the Slots before it, restored when it
	// finds no queue after all.
	ceiling, failedProbes int
	rate                  float64 // the highest throughput of its windows
	queued                bool    // a step lowered latency with concurrency
	steps, probes         int
}

// allowsIncrease reports whether latency lets the limit rise.
func (l *latencySignal) allowsIncrease() bool { return l.descent == nil && !l.high }

// probe starts a window that judges an increase to the level of the last
// cut: one window with a queue is enough to back off.
func (l *latencySignal) probe() {
	l.restart()
	l.probing = true
}

// restart starts a new window for requests sent from now on.
func (l *latencySignal) restart() {
	l.gen++
	l.open = nil
}

// join adds a request being sent to the open batch, opening one of size
// when needed, and returns it.
func (l *latencySignal) join(size int) *latencyBatch {
	if l.open == nil || l.open.sent == l.open.size {
		l.open = &latencyBatch{gen: l.gen, size: size}
	}
	l.open.sent++
	l.open.pending++
	return l.open
}

// latencyFinished records that t's request finished (ok: successfully,
// then its latency is a sample), and judges its batch once all of the
// batch's requests have finished. s.mu is held.
func (s *Slots) latencyFinished(t ticket, ok bool, now time.Time) {
	b := t.batch
	b.pending--
	if ok {
		b.samples = append(b.samples, latencySample{latency: now.Sub(t.start), conc: t.conc})
	}
	if b.pending > 0 || b.sent < b.size || b.gen != s.lat.gen || len(b.samples) < b.size/2 {
		return
	}
	if w := summarise(b.samples, time.Duration(latencyClip*float64(s.lat.base))); w.mean > 0 && w.low > 0 {
		s.latencyWindow(w)
	}
	b.samples = nil
}

// summarise computes a window's figures but the queue, counting latencies
// as at most clip when it is positive (and reorders ss).
func summarise(ss []latencySample, clip time.Duration) latencyWindow {
	sum := 0
	for _, x := range ss {
		sum += x.conc
	}
	slices.SortStableFunc(ss, func(a, b latencySample) int { return cmp.Compare(a.conc, b.conc) })
	k := min(max(latencyLowMin, len(ss)/latencyLowShare), len(ss))
	for k < len(ss) && ss[k].conc == ss[k-1].conc {
		k++ // ties with the last one taken count too: in a steady state, all
	}
	w := latencyWindow{n: len(ss), conc: float64(sum) / float64(len(ss))}
	w.mean, w.cv = meanCV(ss, clip)
	w.low, w.lowCV = meanCV(ss[:k], clip)
	return w
}

func meanCV(ss []latencySample, clip time.Duration) (time.Duration, float64) {
	var sum, sq float64
	for _, x := range ss {
		v := x.latency.Seconds()
		if clip > 0 {
			v = min(v, clip.Seconds())
		}
		sum += v
		sq += v * v
	}
	n := float64(len(ss))
	mean := sum / n
	if mean <= 0 {
		return 0, 0
	}
	return time.Duration(mean * float64(time.Second)), math.Sqrt(max(sq/n-mean*mean, 0)) / mean
}

// latencyWindow acts on a full window. s.mu is held.
func (s *Slots) latencyWindow(w latencyWindow) {
	l := &s.lat
	prev := l.prev
	if l.base == 0 {
		l.remember(baseline{w.low, w.lowCV})
	}
	w.queue = w.conc * (1 - float64(l.base)/float64(w.mean))
	w.noise = max(l.baseCV/math.Sqrt(float64(w.n)), latencyNoiseFloor, float64(latencyJitter)/float64(l.base))
	l.prev = w
	raise, back := w.threshold(latencyRaiseSigma), w.threshold(latencyBackSigma)
	// A queue must not leak into the baseline, or the baseline and the
	// limit creep up together: on a server seen queueing, the candidates
	// are the windows sent at or below the concurrency of the knee, and
	// clearly faster ones (the server got faster); elsewhere the windows
	// that allow an increase.
	candidate := w.queue <= raise
	if l.kneeConc > 0 {
		candidate = w.conc <= l.kneeConc+0.5 || float64(w.mean) < float64(l.base)*math.Exp(-latencyBackSigma*w.noise)
	}
	if candidate {
		l.remember(baseline{w.low, w.lowCV})
	}
	if l.descent != nil {
		s.judgeStep(w, prev, raise, back)
		return
	}
	l.high = w.queue > raise
	if l.high {
		l.highRun++
	} else {
		l.highRun = 0
	}
	overloaded := w.queue > max(w.threshold(latencyNowSigma), latencyNowShare*w.conc) || (w.queue > back && (l.back || l.probing))
	l.probing = false
	if overloaded || (l.highRun >= latencyVerifyRuns && s.limit < s.max) {
		l.descent = &latencyDescent{startLimit: s.limit, start: w, rate: max(w.rate(), prev.rate()),
			ceiling: s.ceiling, failedProbes: s.failedProbes}
		if overloaded {
			s.overloadedAt(s.limit)
		}
		l.back, l.highRun = false, 0
		s.latencyStep(w, !overloaded)
		return
	}
	l.back = w.queue > back
}

// judgeStep judges the last step of a back-off by window w (prev is the
// window before it): step on, probe lower, stop, or — at the knee — set the
// baseline and the limit. s.mu is held.
func (s *Slots) judgeStep(w, prev latencyWindow, raise, back float64) {
	l, d := &s.lat, s.lat.descent
	d.rate = max(d.rate, w.rate())
	e := -1.0 // no judgement: too small a step, or the lower limit has not reached the server
	if w.conc <= latencyStepSeen*prev.conc {
		e = math.Log(float64(prev.mean)/float64(w.mean)) / math.Log(prev.conc/w.conc)
	}
	switch {
	case e >= latencyQueued || e < 0:
		long := w.queue > back
		if e >= latencyQueued {
			d.queued = true // latency fell with concurrency: it was waiting time
			long = w.queue > raise
		}
		switch {
		case long:
			s.latencyStep(w, false)
		case !l.trusted && d.probes < latencyMaxProbes:
			d.probes++
			s.latencyStep(w, true) // a short queue, but the baseline may be too high
		default:
			s.endDescent()
		}
	case e > latencyFlat && d.probes < latencyMaxProbes:
		d.probes++
		s.latencyStep(w, true) // unclear: one step lower tells
	default:
		s.atKnee(w)
	}
}

// atKnee ends a back-off whose last step reached the knee: window w's
// latency is the baseline, and the limit what the server serves. When the
// server was not queueing at all, the back-off is undone. s.mu is held.
func (s *Slots) atKnee(w latencyWindow) {
	l, d := &s.lat, s.lat.descent
	l.lows = l.lows[:0]
	l.trusted = true
	l.remember(baseline{w.mean, w.cv})
	target := int(l.base.Seconds() * d.rate * math.Exp(latencyHeadroom*w.noise))
	start := d.start
	start.queue = start.conc * (1 - float64(l.base)/float64(start.mean))
	if d.queued || start.queue > start.threshold(latencyRaiseSigma) {
		if s.ceiling > 0 {
			target = min(target, s.ceiling-1) // the level that failed is probed slowly
		}
		l.kneeConc = w.conc
	} else {
		target = max(target, d.startLimit)
		s.ceiling, s.failedProbes = d.ceiling, d.failedProbes
		l.kneeConc = 0
	}
	s.endDescent()
	s.setLimit(target)
}

// remember adds a baseline candidate; the baseline is the rank-th lowest
// of the recent ones (the lowest while there are fewer), its spread the
// median of their spreads.
func (l *latencySignal) remember(b baseline) {
	if len(l.lows) == latencyBaseWindows {
		l.lows = append(l.lows[:0], l.lows[1:]...)
	}
	l.lows = append(l.lows, b)
	var lat [latencyBaseWindows]time.Duration
	var cv [latencyBaseWindows]float64
	for i, c := range l.lows {
		lat[i], cv[i] = c.latency, c.cv
	}
	n := len(l.lows)
	slices.Sort(lat[:n])
	slices.Sort(cv[:n])
	l.base = lat[0]
	if n >= 2*latencyBaseRank {
		l.base = lat[latencyBaseRank-1]
	}
	l.baseCV = cv[n/2]
}

// latencyStep lowers the limit one step of a back-off from window w: to what
// the server serves (plus the headroom), or 25% lower for a probe. Only the
// first step of a back-off from a trusted baseline may be small (a trim);
// the others cut at least 15%, so that the next window can judge them. A
// back-off that cannot go lower ends. s.mu is held.
func (s *Slots) latencyStep(w latencyWindow, probe bool) {
	d := s.lat.descent
	n := min(float64(s.limit), w.conc)
	target := n * float64(s.lat.base) / float64(w.mean) * math.Exp(latencyHeadroom*w.noise)
	if probe {
		target = latencyProbe * n
	}
	target = max(target, latencyStepMin*n)
	if !s.lat.trusted || d.steps > 0 {
		target = min(target, latencyStepMax*n)
	}
	next := max(1, int(math.Round(target)))
	if next >= s.limit {
		s.endDescent()
		return
	}
	d.steps++
	s.setLimit(next)
	s.epoch++ // a cut, as for a 429
}

// endDescent ends a back-off. s.mu is held.
func (s *Slots) endDescent() {
	l := &s.lat
	l.descent, l.back, l.high, l.highRun = nil, false, false, 0
}
