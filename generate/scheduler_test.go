package generate

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/synthgen/synthgen/columns"
)

// ioUnit is a model-bound fake unit (Concurrency > 0).
func ioUnit(name string, concurrency int, gen columns.Generator, deps ...string) *columns.Unit {
	u := fakeUnit(name, gen, deps...)
	u.Concurrency = concurrency
	return u
}

// waitOrFail waits for ch or fails the test after a while: a scheduler that
// serialises what must overlap deadlocks these tests instead of passing.
func waitOrFail(t *testing.T, ch <-chan struct{}, what string) bool {
	t.Helper()
	select {
	case <-ch:
		return true
	case <-time.After(10 * time.Second):
		t.Errorf("timed out waiting: %s", what)
		return false
	}
}

// A slow row holds back no other row: row 0's cell waits until every other
// row of its group and of the next groups is finished.
func TestScheduler_SlowRowHoldsBackNoOther(t *testing.T) {
	const n = 30
	var others atomic.Int64
	allOthers := make(chan struct{})
	slow := columns.GeneratorFunc(func(ctx context.Context, r columns.Row, out []any) error {
		if r.Index() == 0 {
			waitOrFail(t, allOthers, "the other rows")
		} else if others.Add(1) == n-1 {
			close(allOthers)
		}
		out[0] = r.Index()
		return nil
	})
	p := fakePlan(t, ioUnit("a", 8, slow))
	mem, res, err := run(t, context.Background(), p, Options{NumRecords: n, BufferSize: 10})
	if err != nil || res.RowsWritten != n {
		t.Fatalf("err %v, result %+v", err, res)
	}
	// Groups are handed over as they complete: group 0 (with the slow row)
	// last; Memory keeps them in ID order.
	if len(mem.Groups) != 3 || mem.Groups[0].ID != 0 {
		t.Fatalf("groups %d", len(mem.Groups))
	}
}

// The sink sees groups in completion order, not ID order.
func TestScheduler_GroupsWrittenAsTheyComplete(t *testing.T) {
	release := make(chan struct{})
	gen := columns.GeneratorFunc(func(ctx context.Context, r columns.Row, out []any) error {
		if r.Index() == 0 {
			waitOrFail(t, release, "group 1 written")
		}
		out[0] = r.Index()
		return nil
	})
	p := fakePlan(t, ioUnit("a", 4, gen))
	var order []int
	sink := sinkFunc(func(g *RowGroup) error {
		order = append(order, g.ID)
		if g.ID == 1 {
			close(release)
		}
		return nil
	})
	if _, err := Run(context.Background(), p, Options{NumRecords: 20, BufferSize: 10, Sink: sink}); err != nil {
		t.Fatal(err)
	}
	if len(order) != 2 || order[0] != 1 || order[1] != 0 {
		t.Errorf("sink order %v, want [1 0]", order)
	}
}

type sinkFunc func(g *RowGroup) error

func (f sinkFunc) WriteGroup(_ context.Context, g *RowGroup) error { return f(g) }

// The independent columns of a row overlap: b and c each wait until the
// other has started, for the same row.
func TestScheduler_IndependentColumnsOverlap(t *testing.T) {
	var mu sync.Mutex
	started := map[[2]int64]chan struct{}{} // (row, unit) → started
	ch := func(row, unit int64) chan struct{} {
		mu.Lock()
		defer mu.Unlock()
		k := [2]int64{row, unit}
		if started[k] == nil {
			started[k] = make(chan struct{})
		}
		return started[k]
	}
	pair := func(me, other int64) columns.Generator {
		return columns.GeneratorFunc(func(ctx context.Context, r columns.Row, out []any) error {
			close(ch(r.Index(), me))
			if !waitOrFail(t, ch(r.Index(), other), "the sibling column of the same row") {
				return errors.New("not overlapped")
			}
			out[0] = r.Index()
			return nil
		})
	}
	p := fakePlan(t, fakeUnit("a", rowIndex), ioUnit("b", 2, pair(1, 2), "a"), ioUnit("c", 2, pair(2, 1), "a"))
	_, res, err := run(t, context.Background(), p, Options{NumRecords: 6, BufferSize: 3})
	if err != nil || res.RowsWritten != 6 {
		t.Fatalf("err %v, result %+v", err, res)
	}
}

// Rows in flight never exceed RowsInFlight, and a model-bound unit runs at
// most Concurrency cells at once.
func TestScheduler_BoundedRowsInFlight(t *testing.T) {
	var live, peak, running, peakRunning atomic.Int64
	enter := columns.GeneratorFunc(func(ctx context.Context, r columns.Row, out []any) error {
		n := live.Add(1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		out[0] = r.Index()
		return nil
	})
	work := columns.GeneratorFunc(func(ctx context.Context, r columns.Row, out []any) error {
		n := running.Add(1)
		for {
			p := peakRunning.Load()
			if n <= p || peakRunning.CompareAndSwap(p, n) {
				break
			}
		}
		time.Sleep(200 * time.Microsecond)
		running.Add(-1)
		out[0] = r.Index()
		return nil
	})
	leave := columns.GeneratorFunc(func(ctx context.Context, r columns.Row, out []any) error {
		live.Add(-1)
		out[0] = r.Index()
		return nil
	})
	p := fakePlan(t, fakeUnit("in", enter), ioUnit("work", 3, work, "in"), fakeUnit("out", leave, "work"))
	_, res, err := run(t, context.Background(), p, Options{NumRecords: 400, BufferSize: 10, RowsInFlight: 16})
	if err != nil || res.RowsWritten != 400 {
		t.Fatalf("err %v, result %+v", err, res)
	}
	if peak.Load() > 16 || peak.Load() < 4 {
		t.Errorf("peak rows in flight %d, want 4..16", peak.Load())
	}
	if p := peakRunning.Load(); p > 3 || p < 2 {
		t.Errorf("peak running cells of the unit %d, want 2..3 (its Concurrency)", p)
	}
}

// A batch cell does not stop other groups' model cells: while group 0's
// batch waits, group 1's rows keep running their model cells.
func TestScheduler_BatchIsNoBarrier(t *testing.T) {
	group1Done := make(chan struct{})
	var g1 atomic.Int64
	model := columns.GeneratorFunc(func(ctx context.Context, r columns.Row, out []any) error {
		if r.Index() >= 10 && g1.Add(1) == 10 {
			close(group1Done)
		}
		out[0] = r.Index()
		return nil
	})
	bg := &waitingBatch{first: group1Done, t: t}
	p := fakePlan(t, ioUnit("up", 4, model), fakeUnit("checked", bg, "up"))
	_, res, err := run(t, context.Background(), p, Options{NumRecords: 20, BufferSize: 10})
	if err != nil || res.RowsWritten != 20 {
		t.Fatalf("err %v, result %+v", err, res)
	}
}

// waitingBatch's batches of group 0 wait until first is closed.
type waitingBatch struct {
	first <-chan struct{}
	t     *testing.T
}

func (w *waitingBatch) BatchSize() int { return 5 }
func (w *waitingBatch) Generate(context.Context, columns.Row, []any) error {
	return errors.New("not batched")
}
func (w *waitingBatch) GenerateBatch(_ context.Context, rows []columns.Row, outs [][]any) []error {
	if rows[0].Index() < 10 {
		waitOrFail(w.t, w.first, "group 1's model cells")
	}
	for i, r := range rows {
		outs[i][0] = r.Index()
	}
	return nil
}

// Ctrl-C: cells waiting for their turn never start; the cells running see
// the cancellation and their rows are abandoned, not failed.
func TestScheduler_CancelStopsDispatch(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var started atomic.Int64
	gen := columns.GeneratorFunc(func(c context.Context, r columns.Row, out []any) error {
		if started.Add(1) == 4 {
			cancel()
		}
		<-c.Done() // a request that ends with the cancellation
		return c.Err()
	})
	p := fakePlan(t, ioUnit("a", 4, gen))
	mem, res, err := run(t, ctx, p, Options{NumRecords: 100, BufferSize: 10})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Interrupted || res.RowsFailed != 0 || res.RowsWritten != 0 || len(mem.Groups) != 0 || res.Abandoned == 0 {
		t.Errorf("result %+v", res)
	}
	if n := started.Load(); n > 8 {
		t.Errorf("%d cells started; dispatching must stop at the cancellation", n)
	}
}

// A cell error wrapping columns.ErrStopRun stops the run: its row is
// abandoned (not recorded as failed), complete groups are written, and Run
// returns the error.
func TestScheduler_StopRunError(t *testing.T) {
	stall := errors.New("endpoint stalled")
	gen := columns.GeneratorFunc(func(c context.Context, r columns.Row, out []any) error {
		if r.Index() == 15 {
			return errors.Join(columns.ErrStopRun, stall)
		}
		out[0] = r.Index()
		return nil
	})
	p := fakePlan(t, fakeUnit("a", gen))
	mem, res, err := run(t, context.Background(), p, Options{NumRecords: 50, BufferSize: 10, Workers: 1})
	if !errors.Is(err, stall) {
		t.Fatalf("err = %v, want the stall", err)
	}
	if res.RowsFailed != 0 || res.RowsWritten != 10 || len(mem.Groups) != 1 || res.Abandoned == 0 {
		t.Errorf("result %+v, %d groups", res, len(mem.Groups))
	}
}

// Rows in flight cover each model resource once: units sharing a resource
// share its slots, so they need no more rows than the largest of them.
func TestRowsForResources(t *testing.T) {
	u := func(c int, res string) *columns.Unit { return &columns.Unit{Concurrency: c, Resource: res} }
	tests := []struct {
		name  string
		units []*columns.Unit
		want  int
	}{
		{"cheap only", []*columns.Unit{u(0, ""), u(0, "")}, 0},
		{"a chain on one model", []*columns.Unit{u(0, ""), u(64, "p/m"), u(64, "p/m"), u(64, "p/m")}, 64},
		{"two models", []*columns.Unit{u(64, "p/a"), u(64, "p/a"), u(32, "p/b"), u(32, "p/b")}, 96},
		{"aliases of one endpoint with different settings", []*columns.Unit{u(16, "p/m"), u(64, "p/m")}, 64},
		{"no resource: each unit on its own", []*columns.Unit{u(8, ""), u(8, "")}, 16},
	}
	for _, tt := range tests {
		if got := rowsForResources(tt.units); got != tt.want {
			t.Errorf("%s: %d, want %d", tt.name, got, tt.want)
		}
	}
}
