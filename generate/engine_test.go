package generate

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/synthgen/synthgen/columns"
	"github.com/synthgen/synthgen/columns/value"
	"github.com/synthgen/synthgen/config"
)

// fakeUnit is a one-column unit of kind "fake" with an int output.
func fakeUnit(name string, gen columns.Generator, deps ...string) *columns.Unit {
	u := &columns.Unit{
		Kind:          "fake",
		Columns:       []string{name},
		Outputs:       []columns.Output{{Name: name, Type: value.Int, Column: name}},
		Gen:           gen,
		PropagateSkip: true,
	}
	for _, d := range deps {
		u.Deps = append(u.Deps, columns.Dep{Name: d})
	}
	return u
}

// fakePlan plans hand-made units; the document declares one column per unit
// column, in the order given.
func fakePlan(t testing.TB, units ...*columns.Unit) *Plan {
	t.Helper()
	doc := &config.Document{}
	for _, u := range units {
		for _, c := range u.Columns {
			doc.Columns = append(doc.Columns, &config.ExpressionColumn{ColumnBase: config.ColumnBase{Name: c, ColumnType: config.KindExpression}})
		}
	}
	p, diags := NewPlan(doc, units)
	if diags.HasErrors() {
		t.Fatalf("NewPlan: %v", diags)
	}
	return p
}

// rowIndex is a generator storing the row index.
var rowIndex = columns.GeneratorFunc(func(_ context.Context, row columns.Row, out []any) error {
	out[0] = row.Index()
	return nil
})

// failWhen fails the rows for which bad holds with a plain error.
func failWhen(bad func(int64) bool) columns.Generator {
	return columns.GeneratorFunc(func(_ context.Context, row columns.Row, out []any) error {
		if bad(row.Index()) {
			return fmt.Errorf("row %d is bad", row.Index())
		}
		out[0] = row.Index()
		return nil
	})
}

// run runs p into memory.
func run(t testing.TB, ctx context.Context, p *Plan, opts Options) (*Memory, *Result, error) {
	t.Helper()
	mem := &Memory{}
	opts.Sink = mem
	res, err := Run(ctx, p, opts)
	return mem, res, err
}

// records returns the values of the written columns of every row, by name.
func records(p *Plan, mem *Memory) []map[string]any {
	var out []map[string]any
	for _, rec := range mem.Records(p) {
		m := map[string]any{}
		for _, k := range rec.Keys() {
			m[k], _ = rec.Get(k)
		}
		out = append(out, m)
	}
	return out
}

func TestRun_SkipAndPropagation(t *testing.T) {
	_, p := mustPlan(t, `columns:
  - {name: flag, column_type: sampler, sampler_type: bernoulli, params: {p: 0.5}}
  - {name: big, column_type: expression, dtype: int, expr: "{{ flag + 10 }}", skip: {when: "{{ flag == 1 }}", value: -1}}
  - {name: follows, column_type: expression, expr: "{{ big }}!"}
  - {name: follows2, column_type: expression, expr: "{{ follows }}?"}
  - {name: independent, column_type: expression, expr: "got {{ big }}", propagate_skip: false}
  - {name: unrelated, column_type: expression, expr: "{{ flag }}"}
`, 3)
	mem, res, err := run(t, context.Background(), p, Options{NumRecords: 60, BufferSize: 16})
	if err != nil {
		t.Fatal(err)
	}
	if res.RowsWritten != 60 || res.RowsFailed != 0 || res.GroupsDone != 4 || res.Interrupted {
		t.Fatalf("result = %+v", res)
	}
	skipped := 0
	for i, r := range records(p, mem) {
		switch r["flag"] {
		case int64(1):
			skipped++
			want := map[string]any{"flag": int64(1), "big": int64(-1), "follows": nil, "follows2": nil, "independent": "got -1", "unrelated": "1"}
			if !reflect.DeepEqual(r, want) {
				t.Errorf("skipped row %d = %v\nwant %v", i, r, want)
			}
		case int64(0):
			want := map[string]any{"flag": int64(0), "big": int64(10), "follows": "10!", "follows2": "10!?", "independent": "got 10", "unrelated": "0"}
			if !reflect.DeepEqual(r, want) {
				t.Errorf("row %d = %v\nwant %v", i, r, want)
			}
		default:
			t.Fatalf("row %d: flag = %#v", i, r["flag"])
		}
	}
	if skipped == 0 || skipped == 60 {
		t.Fatalf("%d of 60 rows skipped; the test needs both kinds", skipped)
	}
}

// A skip condition that cannot be evaluated skips the cell, with a warning
// logged a bounded number of times; its side outputs stay null.
func TestRun_SkipEvaluationErrorSkips(t *testing.T) {
	var calls atomic.Int64
	u := fakeUnit("a", columns.GeneratorFunc(func(_ context.Context, _ columns.Row, out []any) error {
		calls.Add(1)
		out[0], out[1] = int64(1), int64(2)
		return nil
	}))
	u.Outputs = append(u.Outputs, columns.Output{Name: "a_side", Type: value.Int, Column: "a"})
	u.Skip = &columns.Skip{Value: int64(7), When: func(r columns.Row) (bool, error) {
		if r.Index()%2 == 0 {
			return false, errors.New("boom")
		}
		return false, nil
	}}
	p := fakePlan(t, u)
	var log bytes.Buffer
	mem, _, err := run(t, context.Background(), p, Options{NumRecords: 10, BufferSize: 10, Logger: slog.New(slog.NewTextHandler(&log, nil))})
	if err != nil {
		t.Fatal(err)
	}
	rows := mem.Groups[0].Rows
	for i, r := range rows {
		want := []any{int64(1), int64(2)}
		if i%2 == 0 {
			want = []any{int64(7), nil}
		}
		if !reflect.DeepEqual(r, want) {
			t.Errorf("row %d = %v, want %v", i, r, want)
		}
	}
	if calls.Load() != 5 {
		t.Errorf("generator called %d times, want 5", calls.Load())
	}
	if n := strings.Count(log.String(), `skip.when of column \"a\" failed to evaluate`); n != 3 {
		t.Errorf("warning logged %d times, want 3 (bounded):\n%s", n, log.String())
	}
}

func TestRun_FailedCellDropsOnlyItsRow(t *testing.T) {
	_, p := mustPlan(t, `columns:
  - {name: flag, column_type: sampler, sampler_type: bernoulli, params: {p: 0.5}}
  - {name: secret, column_type: expression, expr: "s{{ flag }}", drop: true}
  - {name: num, column_type: expression, dtype: int, expr: "{% if flag == 1 %}abc{% else %}7{% endif %}"}
  - {name: after, column_type: expression, expr: "{{ num }}"}
`, 5)
	mem, res, err := run(t, context.Background(), p, Options{NumRecords: 40, BufferSize: 8, Workers: 4})
	if err != nil {
		t.Fatal(err)
	}
	var fails []Failure
	var kept []int64
	for _, g := range mem.Groups {
		fails = append(fails, g.Failures...)
		kept = append(kept, g.Indices...)
		for _, r := range g.Rows {
			if r[0] != int64(0) {
				t.Errorf("kept row with flag %v", r[0])
			}
		}
	}
	if len(fails) == 0 || len(kept) == 0 {
		t.Fatalf("%d failures and %d rows; the test needs both", len(fails), len(kept))
	}
	if res.RowsFailed != len(fails) || res.RowsWritten != len(kept) || len(fails)+len(kept) != 40 {
		t.Errorf("result %+v; %d failures, %d rows", res, len(fails), len(kept))
	}
	if got := res.Causes["num: expression"]; got != len(fails) {
		t.Errorf("Causes = %v, want num: expression = %d", res.Causes, len(fails))
	}
	seen := map[int64]bool{}
	for _, idx := range kept {
		seen[idx] = true
	}
	for i, f := range fails {
		if seen[f.Row] {
			t.Errorf("row %d is both kept and failed", f.Row)
		}
		seen[f.Row] = true
		if i > 0 && f.Row <= fails[i-1].Row {
			t.Errorf("failures out of row order: %d after %d", f.Row, fails[i-1].Row)
		}
		if f.Column != "num" || f.ErrorKind != "expression" {
			t.Errorf("failure %+v: want column num, kind expression", f)
		}
		if want := fmt.Sprintf(`column "num" row %d: cannot cast "abc" to int: not a number`, f.Row); f.Message != want {
			t.Errorf("message = %q, want %q", f.Message, want)
		}
		// Upstream: the row's values generated before the cell failed,
		// dropped columns included.
		if got, want := value.CompactJSON(f.Upstream), `{"flag":1,"secret":"s1"}`; got != want {
			t.Errorf("upstream = %s, want %s", got, want)
		}
	}
	if len(seen) != 40 {
		t.Errorf("%d distinct rows accounted for, want 40", len(seen))
	}
}

// A generator's own *CellError keeps its kind; a plain error gets the unit's kind.
func TestRun_FailureKinds(t *testing.T) {
	custom := columns.GeneratorFunc(func(_ context.Context, row columns.Row, out []any) error {
		if row.Index() == 1 {
			return &columns.CellError{Row: row.Index(), Column: "a", Kind: "render", Err: errors.New("bad template")}
		}
		out[0] = int64(0)
		return nil
	})
	p := fakePlan(t, fakeUnit("a", custom), fakeUnit("b", failWhen(func(i int64) bool { return i == 2 }), "a"))
	mem, res, err := run(t, context.Background(), p, Options{NumRecords: 4, BufferSize: 4})
	if err != nil {
		t.Fatal(err)
	}
	got := mem.Groups[0].Failures
	if len(got) != 2 || got[0].ErrorKind != "render" || got[1].ErrorKind != "fake" || got[1].Column != "b" {
		t.Fatalf("failures = %+v", got)
	}
	if got[1].Message != `column "b" row 2: row 2 is bad` {
		t.Errorf("message = %q", got[1].Message)
	}
	if got, want := res.TopCauses(5), "a: render (1), b: fake (1)"; got != want {
		t.Errorf("TopCauses = %q, want %q", got, want)
	}
}

func TestRun_EarlyShutdown(t *testing.T) {
	t.Run("every row fails", func(t *testing.T) {
		_, p := mustPlan(t, `columns:
  - {name: n, column_type: expression, dtype: int, expr: "not a number"}
`, 1)
		mem, res, err := run(t, context.Background(), p, Options{NumRecords: 100, BufferSize: 10, ErrorWindow: 10, ErrorRate: 0.5, Workers: 1})
		if !errors.Is(err, ErrEarlyShutdown) {
			t.Fatalf("err = %v, want ErrEarlyShutdown", err)
		}
		if !strings.Contains(err.Error(), "n: expression (10)") {
			t.Errorf("error %q does not name the cause", err)
		}
		// The tenth failure completes the first group, which is written.
		if len(mem.Groups) != 1 || res.GroupsDone != 1 || res.RowsFailed != 10 || res.RowsWritten != 0 {
			t.Errorf("groups %d, result %+v", len(mem.Groups), res)
		}
	})
	t.Run("groups before stay", func(t *testing.T) {
		var laterCalls atomic.Int64
		p := fakePlan(t,
			fakeUnit("ok", rowIndex),
			fakeUnit("bad", failWhen(func(i int64) bool { return i >= 20 }), "ok"),
			fakeUnit("later", columns.GeneratorFunc(func(_ context.Context, r columns.Row, out []any) error {
				laterCalls.Add(1)
				out[0] = r.Index()
				return nil
			}), "bad"),
		)
		mem, res, err := run(t, context.Background(), p, Options{NumRecords: 100, BufferSize: 10, ErrorWindow: 10, ErrorRate: 0.5, Workers: 1})
		// Rows 20-24 give 5 successes (ok) and 5 failures (bad): the window
		// trips, dispatching stops, and the third group is not complete.
		if !errors.Is(err, ErrEarlyShutdown) || !strings.Contains(err.Error(), "bad: fake (5)") {
			t.Fatalf("err = %v, want ErrEarlyShutdown naming bad: fake (5)", err)
		}
		if len(mem.Groups) != 2 || res.GroupsDone != 2 || res.RowsWritten != 20 || res.RowsFailed != 0 || res.Abandoned == 0 {
			t.Fatalf("groups %d, result %+v", len(mem.Groups), res)
		}
		for g := 0; g < 2; g++ {
			if n := len(mem.Groups[g].Rows); n != 10 {
				t.Errorf("group %d has %d rows, want 10", g, n)
			}
		}
		if laterCalls.Load() != 20 {
			t.Errorf("downstream generator called %d times, want 20 (never for failed rows, never after shutdown)", laterCalls.Load())
		}
	})
	t.Run("below the rate", func(t *testing.T) {
		// One row in three fails: under 0.5 of any 10 recent cells.
		p := fakePlan(t, fakeUnit("a", failWhen(func(i int64) bool { return i%3 == 0 })))
		_, res, err := run(t, context.Background(), p, Options{NumRecords: 60, BufferSize: 10, ErrorWindow: 10, ErrorRate: 0.5, Workers: 1})
		if err != nil {
			t.Fatal(err)
		}
		if res.RowsFailed != 20 || res.RowsWritten != 40 {
			t.Errorf("result %+v", res)
		}
	})
	t.Run("fewer cells than the window", func(t *testing.T) {
		p := fakePlan(t, fakeUnit("a", failWhen(func(int64) bool { return true })))
		_, res, err := run(t, context.Background(), p, Options{NumRecords: 9, BufferSize: 3, ErrorWindow: 10, ErrorRate: 0.5})
		if err != nil {
			t.Fatalf("err = %v; 9 cells cannot fill a window of 10", err)
		}
		if res.RowsFailed != 9 || res.GroupsDone != 3 {
			t.Errorf("result %+v", res)
		}
	})
	t.Run("disabled", func(t *testing.T) {
		p := fakePlan(t, fakeUnit("a", failWhen(func(int64) bool { return true })))
		_, res, err := run(t, context.Background(), p, Options{NumRecords: 50, BufferSize: 10})
		if err != nil || res.RowsFailed != 50 || res.GroupsDone != 5 {
			t.Errorf("err %v, result %+v", err, res)
		}
	})
}

func TestRun_PanicStopsTheRun(t *testing.T) {
	var laterGroups atomic.Int64
	boom := columns.GeneratorFunc(func(_ context.Context, r columns.Row, out []any) error {
		if r.Index() == 13 {
			panic("kaboom")
		}
		if r.Index() >= 20 {
			laterGroups.Add(1)
		}
		out[0] = r.Index()
		return nil
	})
	p := fakePlan(t, fakeUnit("first", rowIndex), fakeUnit("boom", boom, "first"))
	mem, _, err := run(t, context.Background(), p, Options{NumRecords: 50, BufferSize: 10, Workers: 1})
	var pe *PanicError
	if !errors.As(err, &pe) {
		t.Fatalf("err = %v, want *PanicError", err)
	}
	if pe.Column != "boom" || pe.Value != "kaboom" || len(pe.Stack) == 0 {
		t.Errorf("PanicError = {%q, %v, %d bytes of stack}", pe.Column, pe.Value, len(pe.Stack))
	}
	if !strings.Contains(err.Error(), `bug: column "boom" panicked: kaboom`) {
		t.Errorf("message = %q", err.Error())
	}
	if len(mem.Groups) != 1 {
		t.Errorf("%d groups reached the sink, want 1 (the one before the panic)", len(mem.Groups))
	}
	if laterGroups.Load() != 0 {
		t.Errorf("%d cells of later groups ran after the panic", laterGroups.Load())
	}
}

// batchGen is a BatchGenerator fake: it records every batch it receives.
type batchGen struct {
	size      int
	mu        sync.Mutex
	batches   [][]int64
	singleRun atomic.Int64
}

func (g *batchGen) BatchSize() int { return g.size }

func (g *batchGen) Generate(context.Context, columns.Row, []any) error {
	g.singleRun.Add(1)
	return errors.New("Generate called on a batch generator")
}

func (g *batchGen) GenerateBatch(_ context.Context, rows []columns.Row, outs [][]any) []error {
	idx := make([]int64, len(rows))
	errs := make([]error, len(rows))
	for i, r := range rows {
		idx[i] = r.Index()
		up, _ := r.Get("up")
		outs[i][0] = up.(int64) * 2
		if r.Index()%7 == 3 {
			errs[i] = errors.New("invalid")
		}
	}
	g.mu.Lock()
	g.batches = append(g.batches, idx)
	g.mu.Unlock()
	return errs
}

func TestRun_BatchGenerator(t *testing.T) {
	bg := &batchGen{size: 4}
	p := fakePlan(t,
		fakeUnit("up", failWhen(func(i int64) bool { return i%5 == 0 })),
		fakeUnit("batched", bg, "up"),
	)
	mem, res, err := run(t, context.Background(), p, Options{NumRecords: 23, BufferSize: 10, Workers: 3})
	if err != nil {
		t.Fatal(err)
	}
	if bg.singleRun.Load() != 0 {
		t.Errorf("Generate called %d times; the engine must use GenerateBatch", bg.singleRun.Load())
	}
	seen := map[int64]int{}
	for _, b := range bg.batches {
		if len(b) == 0 || len(b) > 4 {
			t.Errorf("batch of %d rows, want 1..4: %v", len(b), b)
		}
		for _, i := range b {
			if i/10 != b[0]/10 {
				t.Errorf("batch %v spans row groups", b)
			}
			seen[i]++
		}
	}
	for i := int64(0); i < 23; i++ {
		want := 1
		if i%5 == 0 {
			want = 0 // dropped upstream: never reaches the batch
		}
		if seen[i] != want {
			t.Errorf("row %d in %d batches, want %d", i, seen[i], want)
		}
	}
	var kept []int64
	for _, g := range mem.Groups {
		for k, r := range g.Rows {
			kept = append(kept, g.Indices[k])
			if r[1] != g.Indices[k]*2 {
				t.Errorf("row %d: batched = %v, want %d", g.Indices[k], r[1], g.Indices[k]*2)
			}
		}
	}
	var want []int64
	for i := int64(0); i < 23; i++ {
		if i%5 != 0 && i%7 != 3 {
			want = append(want, i)
		}
	}
	if !reflect.DeepEqual(kept, want) {
		t.Errorf("kept rows %v\nwant      %v", kept, want)
	}
	if res.Causes["batched: fake"] != 2 || res.Causes["up: fake"] != 5 {
		t.Errorf("causes = %v", res.Causes)
	}
}

// A batch generator that returns fewer errors than rows: the missing ones
// count as success.
func TestRun_BatchGeneratorShortErrors(t *testing.T) {
	g := &shortBatch{}
	p := fakePlan(t, fakeUnit("a", g))
	_, res, err := run(t, context.Background(), p, Options{NumRecords: 5, BufferSize: 5})
	if err != nil || res.RowsWritten != 5 {
		t.Errorf("err %v, result %+v", err, res)
	}
}

type shortBatch struct{}

func (shortBatch) BatchSize() int                                     { return 0 } // < 1 means 1
func (shortBatch) Generate(context.Context, columns.Row, []any) error { return nil }
func (shortBatch) GenerateBatch(_ context.Context, rows []columns.Row, outs [][]any) []error {
	if len(rows) != 1 {
		panic(fmt.Sprintf("batch of %d rows with BatchSize 0", len(rows)))
	}
	outs[0][0] = int64(1)
	return nil
}

// notRunnable is a unit of a kind that has no generator in a build.
func notRunnable() *columns.Unit {
	return &columns.Unit{Kind: "llm-text", Columns: []string{"answer"}, Outputs: []columns.Output{{Name: "answer", Type: value.String, Column: "answer"}}}
}

func TestPlan_Runnable(t *testing.T) {
	p := fakePlan(t, notRunnable())
	err := p.Runnable()
	if !errors.Is(err, ErrNotRunnable) || !strings.Contains(err.Error(), `column "answer" (llm-text)`) {
		t.Fatalf("Runnable = %v, want ErrNotRunnable naming answer", err)
	}
	mem, res, err := run(t, context.Background(), p, Options{NumRecords: 3})
	if !errors.Is(err, ErrNotRunnable) || res != nil || len(mem.Groups) != 0 {
		t.Errorf("Run = %v, %v, %d groups", res, err, len(mem.Groups))
	}
	_, ok := mustPlan(t, "columns:\n  - {name: a, column_type: expression, expr: \"1\"}\n", 1)
	if err := ok.Runnable(); err != nil {
		t.Errorf("Runnable on an expression plan: %v", err)
	}
}

func TestRun_Cancelled(t *testing.T) {
	t.Run("before start", func(t *testing.T) {
		var calls atomic.Int64
		p := fakePlan(t, fakeUnit("a", columns.GeneratorFunc(func(context.Context, columns.Row, []any) error {
			calls.Add(1)
			return nil
		})))
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		mem, res, err := run(t, ctx, p, Options{NumRecords: 30, BufferSize: 10})
		if err != nil {
			t.Fatal(err)
		}
		if !res.Interrupted || res.GroupsDone != 0 || len(mem.Groups) != 0 || calls.Load() != 0 {
			t.Errorf("result %+v, %d groups, %d calls", res, len(mem.Groups), calls.Load())
		}
	})
	t.Run("during a group", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		gen := columns.GeneratorFunc(func(ctx context.Context, r columns.Row, out []any) error {
			if r.Index() == 12 {
				cancel()
			}
			if ctx.Err() != nil {
				return ctx.Err() // a cancelled cell would drop its row
			}
			out[0] = r.Index()
			return nil
		})
		p := fakePlan(t, fakeUnit("a", gen))
		mem, res, err := run(t, ctx, p, Options{NumRecords: 50, BufferSize: 10, Workers: 1})
		if err != nil {
			t.Fatal(err)
		}
		// No cell starts after the cancellation; the cell that saw it
		// abandons its row (no failure), so its group is not written.
		if !res.Interrupted || res.GroupsDone != 1 || res.RowsWritten != 10 || res.RowsFailed != 0 || res.Abandoned == 0 || len(mem.Groups) != 1 {
			t.Errorf("result %+v, %d groups", res, len(mem.Groups))
		}
	})
}

func TestRun_Kept(t *testing.T) {
	var mu sync.Mutex
	var seenIdx []int64
	gen := columns.GeneratorFunc(func(_ context.Context, r columns.Row, out []any) error {
		mu.Lock()
		seenIdx = append(seenIdx, r.Index())
		mu.Unlock()
		out[0] = r.Index()
		return nil
	})
	p := fakePlan(t, fakeUnit("a", gen))
	var last Progress
	calls := 0
	mem, res, err := run(t, context.Background(), p, Options{
		NumRecords: 35, BufferSize: 10, Kept: map[int]bool{0: true, 2: true},
		Progress: func(pr Progress) { last = pr; calls++ },
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(mem.Groups) != 2 || res.GroupsDone != 2 || res.RowsWritten != 15 {
		t.Fatalf("%d groups, result %+v", len(mem.Groups), res)
	}
	for k, g := range mem.Groups {
		id := []int{1, 3}[k]
		if g.ID != id || g.FirstRow != int64(id*10) {
			t.Errorf("group %d: ID %d, FirstRow %d", k, g.ID, g.FirstRow)
		}
		want := 10
		if id == 3 {
			want = 5
		}
		if len(g.Rows) != want {
			t.Errorf("group %d has %d rows, want %d", id, len(g.Rows), want)
		}
		for i, r := range g.Rows {
			idx := g.FirstRow + int64(i)
			if g.Indices[i] != idx || r[0] != idx {
				t.Errorf("group %d row %d: index %d, value %v, want %d", id, i, g.Indices[i], r[0], idx)
			}
		}
	}
	if len(seenIdx) != 15 {
		t.Errorf("generator saw %d rows, want 15", len(seenIdx))
	}
	for _, i := range seenIdx {
		if i < 10 || (i >= 20 && i < 30) || i >= 35 {
			t.Errorf("generator saw row %d", i)
		}
	}
	last.Elapsed = 0
	if want := (Progress{RowsDone: 15, RowsTarget: 15, GroupsDone: 2, GroupsTotal: 2}); calls == 0 || last != want {
		t.Errorf("%d progress calls, last %+v, want %+v", calls, last, want)
	}
}

// determinismConfig exercises every cheap kind whose values depend on the
// seed.
const determinismConfig = `columns:
  - {name: id, column_type: sampler, sampler_type: uuid, params: {short_form: true}}
  - {name: color, column_type: sampler, sampler_type: category, params: {values: [red, green, blue], weights: [1, 2, 3]}}
  - {name: size, column_type: sampler, sampler_type: subcategory, params: {category: color, values: {red: [s, m], green: [l], blue: [xl, xxl]}}}
  - {name: x, column_type: sampler, sampler_type: gaussian, params: {mean: 0, stddev: 1, decimal_places: 3}}
  - {name: k, column_type: sampler, sampler_type: poisson, params: {mean: 4}}
  - {name: person, column_type: sampler, sampler_type: person_from_faker, params: {locale: en_US}}
  - {name: label, column_type: expression, expr: "{{ color }}-{{ size }}-{{ person.first_name }}"}
  - {name: twice, column_type: expression, dtype: float, expr: "{{ x * 2 }}"}
  - {name: odd, column_type: expression, dtype: int, expr: "{% if k % 2 == 1 %}oops{% else %}{{ k }}{% endif %}"}
`

func TestRun_Deterministic(t *testing.T) {
	gen := func(seed uint64, workers int) ([][]any, []Failure) {
		_, p := mustPlan(t, determinismConfig, seed)
		mem, _, err := run(t, context.Background(), p, Options{NumRecords: 150, BufferSize: 32, Workers: workers})
		if err != nil {
			t.Fatal(err)
		}
		var rows [][]any
		var fails []Failure
		for _, g := range mem.Groups {
			rows = append(rows, g.Rows...)
			fails = append(fails, g.Failures...)
		}
		return rows, fails
	}
	rows1, fails1 := gen(42, 1)
	rows2, fails2 := gen(42, 1)
	rows8, fails8 := gen(42, 8)
	if len(rows1) == 0 || len(fails1) == 0 {
		t.Fatalf("%d rows, %d failures: the test needs both", len(rows1), len(fails1))
	}
	if !reflect.DeepEqual(rows1, rows2) || !reflect.DeepEqual(fails1, fails2) {
		t.Error("two runs with the same seed differ")
	}
	if !reflect.DeepEqual(rows1, rows8) || !reflect.DeepEqual(fails1, fails8) {
		t.Error("Workers 1 and Workers 8 give different rows")
	}
	other, _ := gen(43, 8)
	if reflect.DeepEqual(rows1, other) {
		t.Error("seeds 42 and 43 give the same rows")
	}
}
