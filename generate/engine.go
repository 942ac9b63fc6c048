package generate

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"sort"
	"time"

	"github.com/synthgen/synthgen/columns"
	"github.com/synthgen/synthgen/columns/value"
)

// Options configure one run of the engine.
type Options struct {
	// NumRecords is the number of rows wanted in the dataset.
	NumRecords int
	// BufferSize is the number of rows per row group (one output file each).
	BufferSize int
	// Kept are row groups already on disk (resume): they are not generated.
	// Row indices stay those of a fresh run.
	Kept map[int]bool
	// Workers bounds the goroutines running cheap cells (samplers,
	// expressions), and the batches of each batch unit, at once; 0 means
	// GOMAXPROCS. A model-bound unit (Unit.Concurrency > 0) runs up to
	// Concurrency cells at once, which wait for their model's request slots.
	Workers int
	// RowsInFlight bounds the rows being generated at once; 0 means enough
	// to keep every model resource busy (rowsForResources), at least 1024;
	// never less than BufferSize.
	RowsInFlight int
	// EarlyShutdown: stop when ErrorRate of the last ErrorWindow finished
	// cells failed (and at least ErrorWindow cells finished). Zero window
	// disables it.
	ErrorWindow int
	ErrorRate   float64
	// Sink receives each complete row group, in the order they complete
	// (not necessarily by ID), from one goroutine.
	Sink Sink
	// Progress, when set, is called about every ProgressEvery (default
	// 250 ms) and once at the end, from one goroutine; it must not block long.
	Progress      func(Progress)
	ProgressEvery time.Duration
	// Logger receives warnings; nil discards them.
	Logger *slog.Logger
	// Spans records the span log (spec/trace-toolkit.md, "Spans"): a root
	// span per row, a span per cell, and the model requests, tool calls and
	// parse steps LLM cells add through columns.SpansFrom. Each group's
	// spans go to the sink in RowGroup.Spans. Seed derives the span IDs
	// (columns.SpanID).
	Spans bool
	Seed  uint64
}

// Progress is a snapshot of a run.
type Progress struct {
	// RowsDone and RowsFailed count rows finished so far (generated or
	// dropped); RowsTarget is what this run generates (kept groups excluded).
	RowsDone, RowsFailed, RowsTarget int
	GroupsDone, GroupsTotal          int
	Elapsed                          time.Duration
}

// RowGroup is a finished row group.
type RowGroup struct {
	ID       int
	FirstRow int64
	// Rows are the rows that succeeded, in row order; each row has one value
	// per Plan.Outputs slot. Rows and values must not be mutated.
	Rows [][]any
	// Indices are the dataset row indices of Rows.
	Indices []int64
	// Failures are the rows that were dropped, in row order.
	Failures []Failure
	// Spans are the spans of the group's written and failed rows (not of
	// abandoned ones), when Options.Spans (else nil): by row, each row's
	// root span first, then each cell span followed by its children.
	Spans *SpanLog
}

// Failure records one dropped row: everything needed to understand it.
type Failure struct {
	Row       int64      `json:"row"`
	Column    string     `json:"column"`
	ErrorKind string     `json:"error_kind"`
	Message   string     `json:"message"`
	Upstream  *value.Map `json:"upstream"`
	// Conversation is an LLM cell's conversation so far, when it has one.
	Conversation any `json:"conversation,omitempty"`
}

// Sink receives complete row groups. WriteGroup is called from one
// goroutine, in completion order.
type Sink interface {
	WriteGroup(ctx context.Context, g *RowGroup) error
}

// Result summarises a run.
type Result struct {
	RowsWritten int
	RowsFailed  int
	GroupsDone  int
	// Interrupted is true when the context was cancelled; the groups
	// complete by then were written.
	Interrupted bool
	// Abandoned counts rows left unfinished because the run stopped early
	// (Ctrl-C, early shutdown, a stalled endpoint); their groups were not
	// written and a resumed run generates them.
	Abandoned int
	// Causes counts the failures written (RowsFailed) by column and error
	// kind ("column: kind").
	Causes map[string]int
}

// ErrEarlyShutdown is returned (wrapped) when too many recent cells failed.
var ErrEarlyShutdown = errors.New("early shutdown: too many recent cells failed")

// PanicError is a recovered panic in a generator: a bug, which stops the run.
type PanicError struct {
	Column string
	Value  any
	Stack  []byte
}

func (e *PanicError) Error() string {
	return fmt.Sprintf("bug: column %q panicked: %v\n%s", e.Column, e.Value, e.Stack)
}

// ErrNotRunnable is returned before generation when a unit has no generator.
var ErrNotRunnable = errors.New("column kind not runnable in this build")

// Runnable checks every unit has a generator.
func (p *Plan) Runnable() error {
	for _, u := range p.Units {
		if u.Gen == nil {
			return fmt.Errorf("column %q (%s): %w: this kind is validated and planned but cannot generate in this build", unitName(u), u.Kind, ErrNotRunnable)
		}
	}
	return nil
}

// rowsForResources is the rows to keep in flight so every model resource
// has Concurrency cells ready (twice its request slots): the sum over
// resources of the largest Concurrency of their units. A row has at least
// one cell ready for some resource until it is finished, so more rows than
// that only hold memory.
func rowsForResources(units []*columns.Unit) int {
	per := map[string]int{}
	sum := 0
	for i, u := range units {
		if u.Concurrency <= 0 {
			continue
		}
		key := u.Resource
		if key == "" {
			key = fmt.Sprintf("\x00unit %d", i)
		}
		if u.Concurrency > per[key] {
			sum += u.Concurrency - per[key]
			per[key] = u.Concurrency
		}
	}
	return sum
}

// Run generates the row groups of NumRecords rows (but Kept), cell by cell:
// a cell starts as soon as its row's upstream cells are done, so rows and
// the independent columns of a row overlap and a slow row holds back no
// other. Each complete group goes to the sink while generation goes on.
//
// Cancelling ctx stops dispatching: no new cell starts, cells already
// running see the cancellation (the model layer lets HTTP requests in
// flight finish), complete groups are written, and Run returns with
// Interrupted set. Early shutdown, a cell error wrapping columns.ErrStopRun,
// a panic or a sink error stop the run the same way and are returned.
func Run(ctx context.Context, p *Plan, opts Options) (*Result, error) {
	if err := p.Runnable(); err != nil {
		return nil, err
	}
	if opts.BufferSize <= 0 {
		opts.BufferSize = 1000
	}
	if opts.Workers <= 0 {
		opts.Workers = runtime.GOMAXPROCS(0)
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.ProgressEvery <= 0 {
		opts.ProgressEvery = 250 * time.Millisecond
	}
	if opts.RowsInFlight <= 0 {
		opts.RowsInFlight = max(rowsForResources(p.Units), 1024)
	}
	// A batch cell waits for the rows of its group; all of a group's rows
	// must be able to be in flight at once.
	opts.RowsInFlight = max(opts.RowsInFlight, opts.BufferSize)

	e := newEngine(ctx, p, opts)
	defer e.cancel(nil)
	e.dispatch()
	e.rowsWG.Wait()
	for _, c := range e.cells {
		if c != nil {
			c.Wait()
		}
	}
	e.batches.Wait()
	close(e.done)
	e.writerWG.Wait()
	e.progressWG.Wait()
	return e.finish()
}

// skips decides whether a row's cell of unit ui is skipped: an upstream cell
// was skipped (with propagate_skip), or the skip rule holds.
func (e *engine) skips(ui int, u *columns.Unit, r *row) bool {
	if u.PropagateSkip {
		for _, d := range e.plan.UnitDeps[ui] {
			if r.skipped[d] {
				return true
			}
		}
	}
	if u.Skip == nil {
		return false
	}
	skip, err := u.Skip.When(r)
	if err != nil {
		e.warnOnce(unitName(u), "skip.when of column %q failed to evaluate (row %d), so the cell is skipped: %v", unitName(u), r.idx, err)
		return true
	}
	return skip
}

// settle records a cell's outcome and reports whether the row goes on. A
// failure drops the row; a cell that ended because the run is stopping (or
// that stops it: columns.ErrStopRun) abandons the row instead, so a resumed
// run generates it.
func (e *engine) settle(ui int, r *row, err error) bool {
	if err == nil {
		e.outcome(false)
		return true
	}
	if errors.Is(err, columns.ErrStopRun) {
		e.stop(err)
		r.mu.Lock()
		r.abandoned = true
		r.mu.Unlock()
		return false
	}
	if e.stopped() && (errors.Is(err, context.Canceled) || errors.Is(err, errStopping)) {
		r.mu.Lock()
		r.abandoned = true
		r.mu.Unlock()
		return false
	}
	u := e.plan.Units[ui]
	ce := columns.AsCellError(err, r.idx, unitName(u), u.Kind)
	f := &Failure{Row: r.idx, Column: ce.Column, ErrorKind: ce.Kind, Message: ce.Error(), Upstream: e.upstream(r, ui), Conversation: ce.Conversation}
	r.mu.Lock()
	first := r.failed == nil
	if first {
		r.failed = f
	}
	r.mu.Unlock()
	if first {
		e.mu.Lock()
		e.liveCauses[f.Column+": "+f.ErrorKind]++
		e.mu.Unlock()
	}
	e.outcome(true)
	return false
}

// outcome adds a finished cell to the early-shutdown window.
func (e *engine) outcome(failed bool) {
	if e.window == nil {
		return
	}
	e.mu.Lock()
	e.window[e.wpos] = failed
	e.wpos = (e.wpos + 1) % len(e.window)
	if e.wcount < len(e.window) {
		e.wcount++
	}
	trip := false
	if e.wcount == len(e.window) && !e.shutdown {
		bad := 0
		for _, f := range e.window {
			if f {
				bad++
			}
		}
		if float64(bad)/float64(len(e.window)) >= e.opts.ErrorRate {
			e.shutdown, trip = true, true
		}
	}
	e.mu.Unlock()
	if trip {
		e.stop(nil)
	}
}

// upstream collects the row's values of the units finished when the cell
// failed (its dependencies among them), dropped columns included, in plan
// order. For a row of cheap cells that is everything before the cell.
func (e *engine) upstream(r *row, failed int) *value.Map {
	m := value.NewMap()
	r.mu.Lock()
	defer r.mu.Unlock()
	for ui, u := range e.plan.Units {
		if ui == failed || !r.finished[ui] {
			continue
		}
		slot := e.plan.UnitSlots[ui]
		for k, o := range u.Outputs {
			m.Set(o.Name, r.vals[slot+k])
		}
	}
	return m
}

// topCause is the most common cause among every failed cell so far
// (written or not: for the early-shutdown message).
func (e *engine) topCause() string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return topCauses(e.liveCauses, 1)
}

// topCauses formats the n most common failure causes.
func topCauses(causes map[string]int, n int) string {
	type kv struct {
		k string
		v int
	}
	var list []kv
	for k, v := range causes {
		list = append(list, kv{k, v})
	}
	sort.Slice(list, func(i, j int) bool {
		if list[i].v != list[j].v {
			return list[i].v > list[j].v
		}
		return list[i].k < list[j].k
	})
	var out string
	for i, x := range list {
		if i == n {
			break
		}
		if i > 0 {
			out += ", "
		}
		out += fmt.Sprintf("%s (%d)", x.k, x.v)
	}
	return out
}

// TopCauses formats the n most common failure causes of a result.
func (r *Result) TopCauses(n int) string { return topCauses(r.Causes, n) }

// warnLimit is how many warnings of one kind a run logs.
const warnLimit = 3

func (e *engine) warnOnce(key, format string, args ...any) {
	e.mu.Lock()
	if e.warned == nil {
		e.warned = map[string]int{}
	}
	e.warned[key]++
	n := e.warned[key]
	e.mu.Unlock()
	if n <= warnLimit {
		e.opts.Logger.Warn(fmt.Sprintf(format, args...))
	}
}
