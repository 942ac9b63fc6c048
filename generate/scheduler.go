package generate

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sourcegraph/conc/pool"
	"github.com/synthgen/synthgen/columns"
	"github.com/synthgen/synthgen/config"
	"github.com/synthgen/synthgen/tracing"
)

// engine is one run of the cell-level scheduler.
//
// A dispatcher admits rows in row order, a group at a time, while fewer
// than RowsInFlight rows are in flight and fewer than maxOpen groups are
// unwritten. Cheap cells (samplers, expressions) run inline on a pool of
// Workers goroutines; each model-bound cell runs on its own goroutine
// (waiting for its model's slots is the model layer's job) and continues its
// row's cheap cells when it returns; batch cells collect the rows of their
// group that reach them and run in batches of BatchSize. A row is finished
// when nothing of it is running; a group is complete when all its rows are
// finished, and goes to the writer goroutine.
type engine struct {
	plan *Plan
	opts Options
	res  *Result

	start time.Time
	ctx   context.Context // the run's; cancelled on Ctrl-C
	// cellCtx is what cells get: cancelled when the run stops for any
	// reason, so cells waiting for a model slot give up.
	cellCtx context.Context
	cancel  context.CancelCauseFunc

	stopping atomic.Bool
	stopMu   sync.Mutex
	stopErr  error // the first reason to stop that is an error

	rowTokens  chan struct{} // one per row in flight
	groupSlots chan struct{} // one per unwritten group
	written    chan *group   // complete groups for the writer
	done       chan struct{} // closed when every admitted row finished

	rowsWG, writerWG, progressWG sync.WaitGroup

	// batchSems bound the concurrent batches of each batch unit.
	batchSems []chan struct{}
	// cheap runs rows' cheap cells on Workers goroutines; cells[ui] runs
	// model-bound unit ui's cells on at most its Concurrency goroutines (twice
	// its model's slots: enough to keep the slots busy while some cells
	// parse, run tools or sleep in retry backoff, which hold no slot). A
	// goroutine per waiting cell instead would cost a stack each: at 1,024
	// slots and 8 columns, over a hundred thousand of them.
	cheap *pool.Pool
	cells []*pool.Pool
	// batches runs batch cells and the rows they release (bounded by
	// batchSems and by the rows in flight).
	batches *pool.Pool
	// dependents[ui] are the units that depend on unit ui.
	dependents [][]int
	batchUnits []int
	// With Options.Spans: spanTypes[ui] is the run_type of unit ui's cell
	// spans and spanCols[ui] its column; rootCol is the root spans'.
	// metaUnits are the sampler and seed units, whose values are the root
	// spans' metadata. spanCap is the spans a row has room for at first.
	spanTypes []string
	spanCols  []columns.SpanColumn
	rootCol   columns.SpanColumn
	metaUnits []int
	spanCap   int

	rowsOK, rowsFailed, groupsDone atomic.Int64
	groupsTotal, rowsTarget        int

	mu         sync.Mutex     // res, liveCauses, the error window, warned
	liveCauses map[string]int // every failed cell's cause, written or not
	window     []bool         // ring of recent outcomes: true = failed
	wpos       int
	wcount     int
	shutdown   bool
	warned     map[string]int
}

// group is a row group being generated.
type group struct {
	id    int
	first int64
	rows  []*row
	left  atomic.Int64 // rows not finished
	// batches[ui] collects the rows waiting for batch unit ui.
	batches map[int]*batchBuf
}

// batchBuf is the rows of one group waiting for one batch unit.
type batchBuf struct {
	mu      sync.Mutex
	pending int // rows of the group that may still reach the unit
	rows    []*row
}

// row is the engine's columns.Row and a row's scheduling state.
type row struct {
	idx     int64
	vals    []any
	skipped []bool // per unit
	failed  *Failure
	plan    *Plan

	g  *group
	mu sync.Mutex
	// waiting[ui] counts unit ui's unfinished dependencies; -1 once the
	// unit was started (or settled without running).
	waiting []int32
	// finished[ui] is set (under mu, after its values) when unit ui's cell
	// succeeded or was skipped.
	finished []bool
	// busy counts goroutines that will still advance the row (a running
	// model cell, a batch the row waits in, the worker running it).
	busy      int
	abandoned bool // the run stopped before the row finished
	// With Options.Spans: when the row started and finished (µs since
	// the Unix epoch), and its cells' spans (under mu).
	start, end int64
	spans      []keptSpan
	// passed[ui] is set when the row reached batch unit ui (parked or
	// skipped), so it is not withdrawn from that batch.
	passed []bool
}

func (r *row) Index() int64 { return r.idx }

func (r *row) Get(name string) (any, bool) {
	s, ok := r.plan.slot[name]
	if !ok {
		return nil, false
	}
	return r.vals[s], true
}

func newEngine(ctx context.Context, p *Plan, opts Options) *engine {
	e := &engine{plan: p, opts: opts, res: &Result{Causes: map[string]int{}}, liveCauses: map[string]int{}, start: time.Now(), ctx: ctx}
	e.cellCtx, e.cancel = context.WithCancelCause(ctx)
	if opts.ErrorWindow > 0 {
		e.window = make([]bool, opts.ErrorWindow)
	}
	e.dependents = make([][]int, len(p.Units))
	for ui := range p.Units {
		for _, d := range p.UnitDeps[ui] {
			e.dependents[d] = append(e.dependents[d], ui)
		}
	}
	if opts.Spans {
		e.spanTypes = make([]string, len(p.Units))
		e.spanCols = make([]columns.SpanColumn, len(p.Units))
		e.rootCol = columns.NewSpanColumn("")
		for ui, u := range p.Units {
			e.spanTypes[ui] = spanRunType(u.Kind)
			e.spanCols[ui] = columns.NewSpanColumn(unitName(u))
			if u.Kind == config.KindSampler || u.Kind == config.KindSeedDataset {
				e.metaUnits = append(e.metaUnits, ui)
			}
			// A cell span; a model-bound cell mostly adds a request and
			// a parse step.
			e.spanCap++
			if u.Concurrency > 0 {
				e.spanCap += 2
			}
		}
	}
	e.batchSems = make([]chan struct{}, len(p.Units))
	for ui, u := range p.Units {
		if _, ok := u.Gen.(columns.BatchGenerator); ok {
			e.batchUnits = append(e.batchUnits, ui)
			e.batchSems[ui] = make(chan struct{}, opts.Workers)
		}
	}
	groups := (opts.NumRecords + opts.BufferSize - 1) / opts.BufferSize
	for g := 0; g < groups; g++ {
		if !opts.Kept[g] {
			e.groupsTotal++
			e.rowsTarget += min(opts.BufferSize, opts.NumRecords-g*opts.BufferSize)
		}
	}
	e.rowTokens = make(chan struct{}, opts.RowsInFlight)
	maxOpen := (opts.RowsInFlight+opts.BufferSize-1)/opts.BufferSize + 2
	e.groupSlots = make(chan struct{}, maxOpen)
	e.written = make(chan *group, maxOpen)
	e.cheap = pool.New().WithMaxGoroutines(opts.Workers)
	e.batches = pool.New()
	e.cells = make([]*pool.Pool, len(p.Units))
	for ui, u := range p.Units {
		if _, ok := u.Gen.(columns.BatchGenerator); !ok && u.Concurrency > 0 {
			e.cells[ui] = pool.New().WithMaxGoroutines(u.Concurrency)
		}
	}
	e.done = make(chan struct{})
	e.writerWG.Go(e.writer)
	e.progressWG.Go(func() { // Ctrl-C
		select {
		case <-ctx.Done():
			e.stop(nil)
		case <-e.done:
		}
	})
	if opts.Progress != nil {
		e.progressWG.Go(e.progressLoop)
	}
	return e
}

// dispatch admits the rows of every group to generate, in order, and
// returns when all are admitted or the run stops.
func (e *engine) dispatch() {
	defer e.cheap.Wait()
	p, n, buf := e.plan, e.opts.NumRecords, e.opts.BufferSize
	groups := (n + buf - 1) / buf
	stop := e.cellCtx.Done()
	for id := 0; id < groups; id++ {
		if e.opts.Kept[id] {
			continue
		}
		select {
		case e.groupSlots <- struct{}{}:
		case <-stop:
			return
		}
		first := int64(id) * int64(buf)
		size := min(buf, n-int(first))
		g := &group{id: id, first: first, rows: make([]*row, size)}
		g.left.Store(int64(size))
		if len(e.batchUnits) > 0 {
			g.batches = make(map[int]*batchBuf, len(e.batchUnits))
			for _, ui := range e.batchUnits {
				g.batches[ui] = &batchBuf{pending: size}
			}
		}
		for i := range g.rows {
			g.rows[i] = &row{idx: first + int64(i), vals: make([]any, len(p.Outputs)), skipped: make([]bool, len(p.Units)),
				plan: p, g: g, waiting: make([]int32, len(p.Units)), finished: make([]bool, len(p.Units))}
			for ui := range p.Units {
				g.rows[i].waiting[ui] = int32(len(p.UnitDeps[ui]))
			}
			if len(e.batchUnits) > 0 {
				g.rows[i].passed = make([]bool, len(p.Units))
			}
		}
		for i, r := range g.rows {
			select {
			case e.rowTokens <- struct{}{}:
			case <-stop:
				// The rest of the group is never started.
				for _, r := range g.rows[i:] {
					r.abandoned = true
					e.withdraw(r)
					if g.left.Add(-1) == 0 {
						e.written <- g
					}
				}
				return
			}
			e.rowsWG.Add(1)
			if e.opts.Spans {
				r.start = micros(time.Now())
			}
			r.busy = 1 // the worker's
			e.cheap.Go(func() { e.advance(r, e.ready(r, -1)) })
		}
	}
}

// ready marks unit ui of r finished (ui < 0: the row just started) and
// returns the units that became ready.
func (e *engine) ready(r *row, ui int) []int {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []int
	if ui < 0 {
		for u, w := range r.waiting {
			if w == 0 {
				r.waiting[u] = -1
				out = append(out, u)
			}
		}
		return out
	}
	r.finished[ui] = true
	for _, d := range e.dependents[ui] {
		if r.waiting[d]--; r.waiting[d] == 0 {
			r.waiting[d] = -1
			out = append(out, d)
		}
	}
	return out
}

// advance runs r's ready units: cheap ones inline, model-bound ones on new
// goroutines, batch ones by parking the row in its group's batch. It
// consumes one of r.busy.
func (e *engine) advance(r *row, todo []int) {
	for len(todo) > 0 {
		// The first ready unit in plan order, so a row of cheap cells runs
		// them in plan order.
		k := 0
		for i, u := range todo {
			if u < todo[k] {
				k = i
			}
		}
		ui := todo[k]
		todo = slices.Delete(todo, k, k+1)
		if e.halted(r) {
			break
		}
		u := e.plan.Units[ui]
		_, isBatch := u.Gen.(columns.BatchGenerator)
		if e.skips(ui, u, r) {
			r.skipped[ui] = true
			if u.Skip != nil {
				r.vals[e.plan.UnitSlots[ui]] = u.Skip.Value
			}
			if isBatch {
				e.pass(r, ui, nil)
			}
			todo = append(todo, e.ready(r, ui)...)
			continue
		}
		if isBatch {
			r.mu.Lock()
			r.busy++
			r.mu.Unlock()
			e.pass(r, ui, r)
			continue
		}
		if u.Concurrency > 0 {
			r.mu.Lock()
			r.busy++
			r.mu.Unlock()
			// Blocks while all the unit's goroutines are busy: back-pressure
			// on the cells upstream (units only submit to later units, so
			// this cannot wait in a circle).
			e.cells[ui].Go(func() {
				if !e.halted(r) && e.cell(r, ui) {
					e.advance(r, e.ready(r, ui))
				} else {
					e.release(r)
				}
			})
			continue
		}
		if !e.cell(r, ui) {
			break
		}
		todo = append(todo, e.ready(r, ui)...)
	}
	e.release(r)
}

// halted says whether r must not start more cells: it failed, or the run
// is stopping (then the row is abandoned unless it failed).
func (e *engine) halted(r *row) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.failed != nil {
		return true
	}
	if e.stopped() {
		r.abandoned = true
		return true
	}
	return false
}

// cell runs one cell of r and settles it; it reports whether the row goes
// on.
func (e *engine) cell(r *row, ui int) bool {
	u := e.plan.Units[ui]
	slot := e.plan.UnitSlots[ui]
	width := len(u.Outputs)
	if !e.opts.Spans {
		err := e.protect(u, func() error {
			return u.Gen.Generate(e.cellCtx, r, r.vals[slot:slot+width:slot+width])
		})
		return e.settle(ui, r, err)
	}
	var rec *columns.SpanRecorder
	ctx := e.cellCtx
	if u.Concurrency > 0 { // only model-bound kinds add child spans
		rec = columns.NewCellRecorder(e.opts.Seed, r.idx, e.spanCols[ui])
		ctx = columns.WithSpans(ctx, rec)
	}
	start := time.Now()
	err := e.protect(u, func() error {
		return u.Gen.Generate(ctx, r, r.vals[slot:slot+width:slot+width])
	})
	e.cellSpan(r, ui, rec, start, time.Now(), err)
	return e.settle(ui, r, err)
}

// cellSpan adds the span of r's cell of unit ui, and the child spans rec
// (nil: none) recorded, to r.
func (e *engine) cellSpan(r *row, ui int, rec *columns.SpanRecorder, start, end time.Time, err error) {
	cell := keptSpan{unit: int32(ui), runType: e.spanTypes[ui], name: e.spanCols[ui].Name(),
		start: micros(start), end: micros(end), status: tracing.SpanSuccess}
	if err != nil {
		cell.status, cell.err = tracing.SpanError, err.Error()
	}
	children, tags := rec.Take()
	cell.tags = tags
	r.mu.Lock()
	if r.spans == nil {
		r.spans = make([]keptSpan, 0, max(e.spanCap, 1+len(children)))
	}
	r.spans = append(r.spans, cell)
	for i := range children {
		r.spans = append(r.spans, keptChild(ui, i+1, &children[i]))
	}
	r.mu.Unlock()
}

// spanRunType is the run_type of a cell span of a unit of kind.
func spanRunType(kind string) string {
	switch kind {
	case config.KindLLMText, config.KindLLMCode, config.KindLLMStructured, config.KindLLMJudge:
		return "llm"
	case config.KindSeedDataset:
		return "seed"
	}
	return kind
}

// protect runs f, turning a panic into a *PanicError that stops the run.
func (e *engine) protect(u *columns.Unit, f func() error) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = &PanicError{Column: unitName(u), Value: v, Stack: debug.Stack()}
			e.stop(err)
		}
	}()
	return f()
}

// pass records that r reached batch unit ui of its group: parked (r
// waiting for the batch) or not (skipped, failed, abandoned; parked nil). A
// full batch, or the last row the batch can expect, runs it.
func (e *engine) pass(r *row, ui int, parked *row) {
	r.passed[ui] = true
	bg := e.plan.Units[ui].Gen.(columns.BatchGenerator)
	b := r.g.batches[ui]
	b.mu.Lock()
	if parked != nil {
		b.rows = append(b.rows, parked)
	}
	b.pending--
	var run []*row
	if len(b.rows) > 0 && (len(b.rows) >= max(1, bg.BatchSize()) || b.pending == 0) {
		run, b.rows = b.rows, nil
	}
	b.mu.Unlock()
	if run != nil {
		e.batches.Go(func() { e.runBatch(ui, bg, run) })
	}
}

// withdraw tells the batches r never reached that it will not come. The
// row is finished: nothing else touches it.
func (e *engine) withdraw(r *row) {
	for _, ui := range e.batchUnits {
		if !r.passed[ui] {
			e.pass(r, ui, nil)
		}
	}
}

// runBatch runs one batch of unit ui and advances its rows.
func (e *engine) runBatch(ui int, bg columns.BatchGenerator, rows []*row) {
	sem := e.batchSems[ui]
	sem <- struct{}{}
	defer func() { <-sem }()
	live := rows[:0:0]
	for _, r := range rows {
		if e.halted(r) {
			e.release(r)
			continue
		}
		live = append(live, r)
	}
	if len(live) == 0 {
		return
	}
	u := e.plan.Units[ui]
	slot := e.plan.UnitSlots[ui]
	width := len(u.Outputs)
	views := make([]columns.Row, len(live))
	outs := make([][]any, len(live))
	for i, r := range live {
		views[i] = r
		outs[i] = r.vals[slot : slot+width : slot+width]
	}
	var errs []error
	start := time.Now()
	err := e.protect(u, func() error {
		errs = bg.GenerateBatch(e.cellCtx, views, outs)
		return nil
	})
	end := time.Now()
	if err != nil {
		for _, r := range live {
			if e.opts.Spans {
				e.cellSpan(r, ui, nil, start, end, err)
			}
			e.settle(ui, r, err)
			e.release(r)
		}
		return
	}
	for i, r := range live {
		var cellErr error
		if i < len(errs) {
			cellErr = errs[i]
		}
		if e.opts.Spans {
			e.cellSpan(r, ui, nil, start, end, cellErr)
		}
		if e.settle(ui, r, cellErr) {
			e.batches.Go(func() { e.advance(r, e.ready(r, ui)) })
		} else {
			e.release(r)
		}
	}
}

// release drops one of r.busy; the last one finishes the row.
func (e *engine) release(r *row) {
	r.mu.Lock()
	r.busy--
	last := r.busy == 0
	if last && r.failed == nil && !r.abandoned {
		for _, w := range r.waiting {
			if w != -1 { // the run stopped between two of its cells
				r.abandoned = true
				break
			}
		}
	}
	if last && e.opts.Spans {
		r.end = micros(time.Now())
	}
	r.mu.Unlock()
	if !last {
		return
	}
	e.withdraw(r)
	switch {
	case r.abandoned:
	case r.failed != nil:
		e.rowsFailed.Add(1)
	default:
		e.rowsOK.Add(1)
	}
	<-e.rowTokens
	g := r.g
	if g.left.Add(-1) == 0 {
		e.written <- g
	}
	e.rowsWG.Done()
}

// writer hands complete groups to the sink; a group with an abandoned row
// is not written (a resumed run generates it again).
func (e *engine) writer() {
	for {
		var g *group
		select {
		case g = <-e.written:
		case <-e.done:
			select {
			case g = <-e.written:
			default:
				return
			}
		}
		e.write(g)
		<-e.groupSlots
	}
}

func (e *engine) write(g *group) {
	rg := &RowGroup{ID: g.id, FirstRow: g.first}
	abandoned := 0
	for _, r := range g.rows {
		switch {
		case r.abandoned:
			abandoned++
		case r.failed != nil:
			rg.Failures = append(rg.Failures, *r.failed)
		default:
			rg.Rows = append(rg.Rows, r.vals)
			rg.Indices = append(rg.Indices, r.idx)
		}
	}
	if e.opts.Spans && abandoned == 0 {
		rg.Spans = &SpanLog{seed: e.opts.Seed, cols: e.spanCols, rows: make([]loggedRow, len(g.rows))}
		for i, r := range g.rows {
			rg.Spans.rows[i] = loggedRow{root: e.rootSpan(r), spans: r.spans}
			r.spans = nil
		}
	}
	g.rows = nil // memory goes with the group
	if abandoned > 0 {
		e.mu.Lock()
		e.res.Abandoned += abandoned
		e.mu.Unlock()
		return
	}
	if e.isSinkErr() {
		return
	}
	if err := e.opts.Sink.WriteGroup(context.WithoutCancel(e.ctx), rg); err != nil {
		e.stop(&sinkError{fmt.Errorf("writing row group %d: %w", g.id, err)})
		return
	}
	e.mu.Lock()
	e.res.RowsWritten += len(rg.Rows)
	e.res.RowsFailed += len(rg.Failures)
	for _, f := range rg.Failures {
		e.res.Causes[f.Column+": "+f.ErrorKind]++
	}
	e.res.GroupsDone++
	e.mu.Unlock()
	e.groupsDone.Add(1)
}

// sinkError is a failed write: no later group is written.
type sinkError struct{ error }

func (e *engine) isSinkErr() bool {
	e.stopMu.Lock()
	defer e.stopMu.Unlock()
	var se *sinkError
	return errors.As(e.stopErr, &se)
}

// stop stops dispatching: no new row or cell starts, cells waiting for a
// model give up. err (nil for Ctrl-C) is the first reason kept.
func (e *engine) stop(err error) {
	e.stopMu.Lock()
	if err != nil && e.stopErr == nil {
		e.stopErr = err
	}
	e.stopMu.Unlock()
	e.stopping.Store(true)
	e.cancel(errStopping)
}

// errStopping is the cause of the cells' context once the run stops.
var errStopping = errors.New("the run is stopping")

// stopped says whether the run is stopping (Ctrl-C included, even before
// the watcher noticed).
func (e *engine) stopped() bool { return e.stopping.Load() || e.ctx.Err() != nil }

func (e *engine) progressLoop() {
	t := time.NewTicker(e.opts.ProgressEvery)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			e.opts.Progress(e.snapshot())
		case <-e.done:
			// Written after the writer finished, so the last call counts
			// every group.
			e.writerWG.Wait()
			e.opts.Progress(e.snapshot())
			return
		}
	}
}

func (e *engine) snapshot() Progress {
	return Progress{
		RowsDone: int(e.rowsOK.Load()), RowsFailed: int(e.rowsFailed.Load()), RowsTarget: e.rowsTarget,
		GroupsDone: int(e.groupsDone.Load()), GroupsTotal: e.groupsTotal, Elapsed: time.Since(e.start),
	}
}

// finish returns the result once every goroutine is done.
func (e *engine) finish() (*Result, error) {
	if e.ctx.Err() != nil {
		e.res.Interrupted = true
	}
	e.stopMu.Lock()
	err := e.stopErr
	e.stopMu.Unlock()
	if se, ok := err.(*sinkError); ok {
		err = se.error
	}
	if err == nil && e.shutdown {
		err = fmt.Errorf("%w: %s", ErrEarlyShutdown, e.topCause())
	}
	return e.res, err
}
