package cli

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/schollz/progressbar/v3"

	"github.com/synthgen/synthgen/columns/llm"
	"github.com/synthgen/synthgen/generate"
)

// progressMode is how a create run shows its progress (spec/engine.md,
// "Progress").
type progressMode int

const (
	progressOff   progressMode = iota // --no-progress
	progressPlain                     // not a terminal: a log line every interval
	progressBar                       // a terminal: one live bar
)

// modeFor picks the mode for stderr w.
func modeFor(w io.Writer, noProgress bool) progressMode {
	switch {
	case noProgress:
		return progressOff
	case isTerminal(w):
		return progressBar
	}
	return progressPlain
}

// barRefresh is how often the bar is redrawn.
const barRefresh = 250 * time.Millisecond

// rateWindow is the span of recent snapshots the rate and the ETA are
// measured over (the final line shows the whole run's rate).
const rateWindow = 10 * time.Second

// progress shows a create run on stderr: on a terminal a bar whose
// description carries rows/s, the ETA, failures, each model's in-flight
// requests and current limit, and tokens; otherwise the same facts as one
// plain line every interval and a final line. Models are named by alias
// only (never by endpoint). update is safe to call from any goroutine,
// concurrently; begin and finish are called by the command, which owns
// the refresh goroutine begin starts and finish stops.
type progress struct {
	w        io.Writer
	mode     progressMode
	interval time.Duration // between plain lines
	live     func() llm.Live
	width    func() int // the terminal's columns; 0 when unknown

	mu   sync.Mutex // guards what follows and serializes output
	last generate.Progress
	seen bool // an update arrived
	// recent are the rows processed at recent snapshots (by their
	// Elapsed), oldest first, spanning at least rateWindow when the run is
	// that long.
	recent []rateSample
	start  time.Time
	bar    *progressbar.ProgressBar

	stop chan struct{}
	done chan struct{}
}

// newProgress returns the progress of a run of n rows. live, when set,
// gives the models' live state.
func newProgress(w io.Writer, mode progressMode, interval time.Duration, n int, live func() llm.Live) *progress {
	p := &progress{w: w, mode: mode, interval: interval, live: live, width: func() int { return termWidth(w) },
		last: generate.Progress{RowsTarget: n}}
	if interval <= 0 {
		p.interval = 10 * time.Second
	}
	return p
}

// begin starts the refresh goroutine; finish stops it.
func (p *progress) begin() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.mode == progressOff || p.stop != nil {
		return
	}
	p.start = time.Now()
	every := p.interval
	if p.mode == progressBar {
		every = barRefresh
		p.bar = p.newBar()
		p.renderBarLocked(false)
	}
	p.stop, p.done = make(chan struct{}), make(chan struct{})
	go p.loop(every, p.stop, p.done)
}

func (p *progress) loop(every time.Duration, stop <-chan struct{}, done chan<- struct{}) {
	defer close(done)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			p.mu.Lock()
			if p.mode == progressBar {
				p.renderBarLocked(false)
			} else {
				fmt.Fprintln(p.w, p.lineLocked(false))
			}
			p.mu.Unlock()
		}
	}
}

// update records the engine's latest snapshot; it never blocks on output
// for long (the refresh goroutine renders).
func (p *progress) update(s generate.Progress) {
	if p.mode == progressOff {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.last, p.seen = s, true
	smp := rateSample{at: s.Elapsed, rows: s.RowsDone + s.RowsFailed}
	if n := len(p.recent); n > 0 && p.recent[n-1].at >= smp.at {
		p.recent[n-1] = smp // the clock did not move (or went back): replace
	} else {
		p.recent = append(p.recent, smp)
	}
	// Keep one sample at or before the window's start as the base.
	drop := 0
	for drop+1 < len(p.recent) && p.recent[drop+1].at <= smp.at-rateWindow {
		drop++
	}
	p.recent = append(p.recent[:0], p.recent[drop:]...)
}

type rateSample struct {
	at   time.Duration
	rows int
}

// finish stops the refresh and shows the final state: the bar's last
// frame, left on its line, or a final plain line. Nothing is shown when the
// engine never reported (the run did not start).
func (p *progress) finish() {
	p.mu.Lock()
	stop, done := p.stop, p.done
	p.stop = nil
	p.mu.Unlock()
	if stop == nil {
		return
	}
	close(stop)
	<-done
	p.mu.Lock()
	defer p.mu.Unlock()
	switch {
	case p.bar != nil && !p.seen:
		p.bar.Clear()
		p.bar.Exit()
	case p.bar != nil:
		p.renderBarLocked(true)
		p.bar.Exit()
		fmt.Fprintln(p.w)
	case p.seen:
		fmt.Fprintln(p.w, p.lineLocked(true))
	}
}

// progressFacts are what both forms show.
type progressFacts struct {
	processed, target, failed int
	rate                      float64 // rows/s over the recent window
	overall                   float64 // rows/s over the whole run
	elapsed                   time.Duration
	models                    []string // "alias in-flight/limit"
	tokens                    string   // "" when no model was used
}

func (p *progress) factsLocked() progressFacts {
	s := p.last
	f := progressFacts{processed: s.RowsDone + s.RowsFailed, target: s.RowsTarget, failed: s.RowsFailed, elapsed: s.Elapsed}
	if !p.seen {
		f.elapsed = time.Since(p.start)
	}
	if f.elapsed > 0 {
		f.overall = float64(f.processed) / f.elapsed.Seconds()
	}
	f.rate = f.overall
	if n := len(p.recent); n >= 2 {
		first, last := p.recent[0], p.recent[n-1]
		if span := last.at - first.at; span >= time.Second {
			f.rate = float64(last.rows-first.rows) / span.Seconds()
		}
	}
	if p.live == nil {
		return f
	}
	l := p.live()
	for _, e := range l.Endpoints {
		f.models = append(f.models, fmt.Sprintf("%s %d/%d", strings.Join(e.Aliases, "+"), e.InFlight, e.Limit))
	}
	if len(l.Endpoints) > 0 || l.InputTokens+l.OutputTokens > 0 {
		f.tokens = "tokens in " + humanCount(l.InputTokens) + " out " + humanCount(l.OutputTokens)
		if l.ReasoningTokens > 0 {
			f.tokens += " reasoning " + humanCount(l.ReasoningTokens)
		}
	}
	return f
}

// lineLocked is the plain line, e.g. "progress: 1200/5000 rows (24%), 3
// failed, 410 rows/s, eta 9s, writer 16/16, tokens in 120k out 340k". The
// final line has the elapsed time instead of the ETA.
func (p *progress) lineLocked(final bool) string {
	f := p.factsLocked()
	parts := []string{
		fmt.Sprintf("progress: %d/%d rows (%d%%)", f.processed, f.target, percent(f.processed, f.target)),
		fmt.Sprintf("%d failed", f.failed),
	}
	if final {
		parts = append(parts, formatRate(f.overall), "elapsed "+roundDuration(f.elapsed))
	} else {
		parts = append(parts, formatRate(f.rate), "eta "+eta(f))
	}
	parts = append(parts, f.models...)
	if f.tokens != "" {
		parts = append(parts, f.tokens)
	}
	return strings.Join(parts, ", ")
}

// Bar layout: "  24% |█████     | (1200/5000) [3s] <description>", the
// description starting with the rate and the ETA, measured as the plain
// line's (the bar library's own ETA reads 0s while no row is done).
// The bar library cannot measure the terminal through the redacting
// writer, so the bar is sized here and the description cut to the room
// left on the line (a wrapped line would not be redrawn in place).
const (
	barMinWidth, barMaxWidth = 10, 30
	// barFixedColumns: the percent, the bar's ends, spaces, " [1h2m3s]" and
	// a margin.
	barFixedColumns = 6 + 2 + 1 + 9 + 2
	// descWanted is the room wanted for the description before the bar
	// may be wider than barMinWidth.
	descWanted = 120
)

func (p *progress) newBar() *progressbar.ProgressBar {
	return progressbar.NewOptions(max(p.last.RowsTarget, 1),
		progressbar.OptionSetWriter(p.w),
		progressbar.OptionSetWidth(p.barWidth()),
		progressbar.OptionShowCount(),
		progressbar.OptionSetPredictTime(false),
		progressbar.OptionSetElapsedTime(true),
		progressbar.OptionShowDescriptionAtLineEnd(),
		progressbar.OptionThrottle(0), // the refresh goroutine paces it
	)
}

// barWidth leaves descWanted columns to the description when it can.
func (p *progress) barWidth() int {
	w := p.width()
	if w <= 0 {
		return barMaxWidth
	}
	return min(max(w-barFixedColumns-p.statsWidth()-descWanted, barMinWidth), barMaxWidth)
}

// statsWidth bounds the width of the bar's "(1200/5000)".
func (p *progress) statsWidth() int {
	n := p.last.RowsTarget
	return len(fmt.Sprintf("(%d/%d)", n, n))
}

// descriptionLocked is the bar's description, cut to fit; the final one
// has the whole run's rate and no ETA.
func (p *progress) descriptionLocked(f progressFacts, barWidth int, final bool) string {
	parts := []string{formatRate(f.rate), "eta " + eta(f)}
	if final {
		parts = []string{formatRate(f.overall)}
	}
	parts = append(parts, fmt.Sprintf("%d failed", f.failed))
	parts = append(parts, f.models...)
	if f.tokens != "" {
		parts = append(parts, f.tokens)
	}
	desc := strings.Join(parts, " · ")
	w := p.width()
	if w <= 0 {
		return desc
	}
	return truncateRunes(desc, w-barFixedColumns-barWidth-p.statsWidth())
}

func (p *progress) renderBarLocked(final bool) {
	f := p.factsLocked()
	if f.target > 0 && f.target != p.bar.GetMax() {
		p.bar.ChangeMax(f.target)
	}
	p.bar.Describe(p.descriptionLocked(f, p.barWidth(), final))
	p.bar.Set(min(f.processed, f.target))
}

func percent(n, of int) int {
	if of <= 0 {
		return 0
	}
	return int(int64(n) * 100 / int64(of))
}

func formatRate(r float64) string {
	if r < 10 {
		return fmt.Sprintf("%.1f rows/s", r)
	}
	return fmt.Sprintf("%.0f rows/s", r)
}

func eta(f progressFacts) string {
	if f.rate <= 0 {
		return "?"
	}
	left := float64(max(f.target-f.processed, 0)) / f.rate
	return roundDuration(time.Duration(left * float64(time.Second)))
}

func roundDuration(d time.Duration) string {
	if d < 10*time.Second {
		return d.Round(100 * time.Millisecond).String()
	}
	return d.Round(time.Second).String()
}

// humanCount writes a count with k/M/G suffixes: 950, 1.2k, 120k, 3.4M.
func humanCount(n int64) string {
	v := float64(n)
	for _, u := range []struct {
		div  float64
		unit string
	}{{1e9, "G"}, {1e6, "M"}, {1e3, "k"}} {
		if v >= u.div {
			if v/u.div < 9.95 {
				return fmt.Sprintf("%.1f%s", v/u.div, u.unit)
			}
			return fmt.Sprintf("%.0f%s", v/u.div, u.unit)
		}
	}
	return fmt.Sprint(n)
}

// truncateRunes cuts s to at most n runes, ending in "…" when cut.
func truncateRunes(s string, n int) string {
	if n <= 0 {
		return ""
	}
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}
