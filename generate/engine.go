package generate

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"runtime/debug"
	"sort"
	"sync"
	"time"

	"github.com/sourcegraph/conc/pool"

	"github.com/synthgen/synthgen/columns"
	"github.com/synthgen/synthgen/columns/value"
)

// Options configure one run of the engine.
type Options struct {
	// NumRecords is the number of rows wanted in the dataset.
	NumRecords int
	// BufferSize is the number of rows per row group (one output file each).
	BufferSize int
	// StartGroup is the first row group to generate (resume skips the
	// groups already on disk). Row indices stay those of a fresh run.
	StartGroup int
	// Workers bounds the goroutines generating cells; 0 means GOMAXPROCS.
	Workers int
	// EarlyShutdown: stop when ErrorRate of the last ErrorWindow finished
	// cells failed (and at least ErrorWindow cells finished). Zero window
	// disables it.
	ErrorWindow int
	ErrorRate   float64
	// Sink receives each finished row group, in row-group order.
	Sink Sink
	// Progress, when set, is called after each row group (from the engine's
	// goroutine; it must not block long).
	Progress func(Progress)
	// Logger receives warnings; nil discards them.
	Logger *slog.Logger
}

// Progress is a snapshot of a run.
type Progress struct {
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

// Sink receives finished row groups. WriteGroup is called from one goroutine
// in row-group order.
type Sink interface {
	WriteGroup(ctx context.Context, g *RowGroup) error
}

// Result summarises a run.
type Result struct {
	RowsWritten int
	RowsFailed  int
	GroupsDone  int
	// Interrupted is true when the context was cancelled; the groups
	// finished before that were written.
	Interrupted bool
	// Causes counts failures by error kind and column ("column: kind").
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

// Run generates row groups StartGroup.. until NumRecords rows are covered,
// handing each finished group to the sink. Cancelling ctx finishes the group
// in progress, writes it, and returns with Interrupted set.
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
	e := &engine{plan: p, opts: opts, res: &Result{Causes: map[string]int{}}, start: time.Now()}
	if opts.ErrorWindow > 0 {
		e.window = make([]bool, opts.ErrorWindow)
	}
	groups := (opts.NumRecords + opts.BufferSize - 1) / opts.BufferSize
	for g := opts.StartGroup; g < groups; g++ {
		if ctx.Err() != nil {
			e.res.Interrupted = true
			break
		}
		first := int64(g) * int64(opts.BufferSize)
		n := min(opts.BufferSize, opts.NumRecords-int(first))
		// A cancelled run still finishes the group it started, so generation
		// inside a group uses a context that is not cancelled by Ctrl-C.
		rg, err := e.group(context.WithoutCancel(ctx), g, first, n)
		if err != nil {
			return e.res, err
		}
		if err := opts.Sink.WriteGroup(ctx, rg); err != nil {
			return e.res, fmt.Errorf("writing row group %d: %w", g, err)
		}
		e.res.RowsWritten += len(rg.Rows)
		e.res.RowsFailed += len(rg.Failures)
		e.res.GroupsDone++
		if opts.Progress != nil {
			opts.Progress(Progress{
				RowsDone: e.res.RowsWritten, RowsFailed: e.res.RowsFailed, RowsTarget: opts.NumRecords - opts.StartGroup*opts.BufferSize,
				GroupsDone: e.res.GroupsDone, GroupsTotal: groups - opts.StartGroup, Elapsed: time.Since(e.start),
			})
		}
		if e.shutdown {
			return e.res, fmt.Errorf("%w: %s", ErrEarlyShutdown, e.topCause())
		}
	}
	return e.res, nil
}

type engine struct {
	plan  *Plan
	opts  Options
	res   *Result
	start time.Time

	mu       sync.Mutex
	window   []bool // ring of recent outcomes: true = failed
	wpos     int
	wcount   int
	shutdown bool
	warned   map[string]int
}

// row is the engine's columns.Row.
type row struct {
	idx     int64
	vals    []any
	skipped []bool // per unit
	failed  *Failure
	plan    *Plan
}

func (r *row) Index() int64 { return r.idx }

func (r *row) Get(name string) (any, bool) {
	s, ok := r.plan.slot[name]
	if !ok {
		return nil, false
	}
	return r.vals[s], true
}

func (e *engine) group(ctx context.Context, id int, first int64, n int) (*RowGroup, error) {
	p := e.plan
	rows := make([]*row, n)
	for i := range rows {
		rows[i] = &row{idx: first + int64(i), vals: make([]any, len(p.Outputs)), skipped: make([]bool, len(p.Units)), plan: p}
	}
	for ui, u := range p.Units {
		live := make([]*row, 0, len(rows))
		for _, r := range rows {
			if r.failed == nil {
				live = append(live, r)
			}
		}
		if len(live) == 0 {
			break
		}
		if err := e.runUnit(ctx, ui, u, live); err != nil {
			return nil, err
		}
	}
	rg := &RowGroup{ID: id, FirstRow: first}
	for _, r := range rows {
		if r.failed != nil {
			rg.Failures = append(rg.Failures, *r.failed)
			continue
		}
		rg.Rows = append(rg.Rows, r.vals)
		rg.Indices = append(rg.Indices, r.idx)
	}
	return rg, nil
}

// runUnit fills one unit's cells for the live rows of a group, in parallel.
func (e *engine) runUnit(ctx context.Context, ui int, u *columns.Unit, live []*row) error {
	slot := e.plan.UnitSlots[ui]
	width := len(u.Outputs)
	// Rows that are skipped are settled first; the rest are generated.
	todo := live[:0:0]
	for _, r := range live {
		if e.skips(ui, u, r) {
			r.skipped[ui] = true
			if u.Skip != nil {
				r.vals[slot] = u.Skip.Value
			}
			continue
		}
		todo = append(todo, r)
	}
	if len(todo) == 0 {
		return nil
	}
	chunk, workers := 64, e.opts.Workers
	if u.Concurrency > 0 {
		chunk, workers = 1, u.Concurrency // each cell waits on I/O
	}
	bg, isBatch := u.Gen.(columns.BatchGenerator)
	if isBatch {
		chunk = max(1, bg.BatchSize())
	}
	wp := pool.New().WithErrors().WithMaxGoroutines(workers)
	for start := 0; start < len(todo); start += chunk {
		part := todo[start:min(start+chunk, len(todo))]
		wp.Go(func() (err error) {
			defer func() {
				if v := recover(); v != nil {
					err = &PanicError{Column: unitName(u), Value: v, Stack: debug.Stack()}
				}
			}()
			if isBatch {
				views := make([]columns.Row, len(part))
				outs := make([][]any, len(part))
				for i, r := range part {
					views[i] = r
					outs[i] = r.vals[slot : slot+width : slot+width]
				}
				errs := bg.GenerateBatch(ctx, views, outs)
				for i, r := range part {
					var cellErr error
					if i < len(errs) {
						cellErr = errs[i]
					}
					e.settle(u, r, cellErr)
				}
				return nil
			}
			for _, r := range part {
				err := u.Gen.Generate(ctx, r, r.vals[slot:slot+width:slot+width])
				e.settle(u, r, err)
			}
			return nil
		})
	}
	return wp.Wait()
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

// settle records a cell's outcome; a failure drops the row.
func (e *engine) settle(u *columns.Unit, r *row, err error) {
	failed := err != nil
	if failed {
		ce := columns.AsCellError(err, r.idx, unitName(u), u.Kind)
		r.failed = &Failure{Row: r.idx, Column: ce.Column, ErrorKind: ce.Kind, Message: ce.Error(), Upstream: e.upstream(r, u), Conversation: ce.Conversation}
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if failed {
		e.res.Causes[r.failed.Column+": "+r.failed.ErrorKind]++
	}
	if e.window == nil {
		return
	}
	e.window[e.wpos] = failed
	e.wpos = (e.wpos + 1) % len(e.window)
	if e.wcount < len(e.window) {
		e.wcount++
	}
	if e.wcount == len(e.window) && !e.shutdown {
		bad := 0
		for _, f := range e.window {
			if f {
				bad++
			}
		}
		if float64(bad)/float64(len(e.window)) >= e.opts.ErrorRate {
			e.shutdown = true
		}
	}
}

// upstream collects the values the failed unit could read: everything
// generated before it in the row (dropped columns included).
func (e *engine) upstream(r *row, u *columns.Unit) *value.Map {
	m := value.NewMap()
	for ui, other := range e.plan.Units {
		if other == u {
			break
		}
		slot := e.plan.UnitSlots[ui]
		for k, o := range other.Outputs {
			m.Set(o.Name, r.vals[slot+k])
		}
	}
	return m
}

func (e *engine) topCause() string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return topCauses(e.res.Causes, 1)
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
