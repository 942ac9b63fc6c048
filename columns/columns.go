package columns

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"sync"

	"github.com/synthgen/synthgen/columns/value"
	"github.com/synthgen/synthgen/config"
)

// Row is the read-only view of one row that a generator reads. Get returns
// the value of any column (or side-effect column) generated earlier in the
// row, and of seed columns. Values must not be mutated.
type Row interface {
	// Index is the row's position in the whole dataset (stable across resumed runs).
	Index() int64
	// Get returns the named value; ok is false when the name is not a column
	// of this row or has not been generated yet.
	Get(name string) (v any, ok bool)
}

// Output is one column a unit writes: its main column or a side effect.
type Output struct {
	Name string
	Type value.Type
	// Column is the config column this output belongs to (the main column's
	// name for side-effect outputs such as x__trace).
	Column string
	// Drop leaves the output out of the written dataset; it stays usable by
	// later columns.
	Drop bool
	// OmitNullFields: in JSON output (JSONL, CSV's JSON text), object fields
	// that are null are left out (trace messages: reasoning_content,
	// tool_calls, tool_call_id appear only when set). Parquet stores nulls.
	OmitNullFields bool
}

// Generator fills one unit's outputs for one row.
//
// Generate is called concurrently for different rows; implementations must
// be safe for that. out has one slot per Unit.Outputs entry, in order; the
// generator stores the row's values there. A returned error drops the row
// (wrap it as *CellError or return an error the engine wraps).
type Generator interface {
	Generate(ctx context.Context, row Row, out []any) error
}

// GeneratorFunc adapts a function to Generator.
type GeneratorFunc func(ctx context.Context, row Row, out []any) error

// Generate calls f.
func (f GeneratorFunc) Generate(ctx context.Context, row Row, out []any) error {
	return f(ctx, row, out)
}

// Dep is a name a unit reads, with where the reference was written.
type Dep struct {
	Name string
	Pos  config.Pos
	Path string
}

// Unit is what the engine schedules: one or more config columns generated
// together for each row. Most units hold one column; a sampler unit holds
// every sampler column that shares a constraint so rejection sampling is
// joint; the seed unit holds every seed column.
type Unit struct {
	// Kind is the column kind (column_type), or "seed-dataset".
	Kind string
	// Columns are the config column names in the unit, in generation order.
	Columns []string
	// Outputs are the values the generator stores, in slot order.
	Outputs []Output
	// Deps are the names the unit reads (columns outside the unit; side-effect
	// names like x__trace are allowed and resolve to their column).
	Deps []Dep
	// Gen produces the outputs.
	Gen Generator
	// Skip, when set, is evaluated before Gen; a skipped cell stores its
	// value in the first output and nil in the others.
	Skip *Skip
	// PropagateSkip: skip this unit when a unit it depends on was skipped in
	// the same row.
	PropagateSkip bool
	// Concurrency, when > 0, marks a model-bound unit and is how many of its
	// cells may run at once: enough to keep the model's request slots busy
	// while some cells parse, run tools or back off (the model layer bounds
	// the requests themselves). 0 means cheap cells, run on one goroutine
	// per CPU.
	Concurrency int
	// Resource names what a model-bound unit's cells wait for (its model
	// endpoint, e.g. "openai/gpt-4.1"); units that share one share its
	// request slots. The engine keeps enough rows in flight for each
	// resource, not for each unit. "" counts the unit on its own.
	Resource string
	// Pos is where the unit's (first) column is declared.
	Pos config.Pos
	// Path is the config path of the (first) column, e.g. columns[3].
	Path string
}

// Skip is a compiled `skip` rule.
type Skip struct {
	// When reports whether the cell is skipped; an evaluation error skips too
	// (the engine logs a warning).
	When func(row Row) (bool, error)
	// Value is the value a skipped cell gets.
	Value any
	// Deps are the names the condition reads.
	Deps []Dep
}

// CellError is the failure of one cell; it drops its row.
type CellError struct {
	Row    int64
	Column string
	Kind   string // short error kind, e.g. "render", "cast", "sampler"
	Err    error
	// Conversation is, for LLM cells, the conversation so far as a trace
	// value (a list of message objects), written to failures.jsonl.
	Conversation any
}

func (e *CellError) Error() string {
	return fmt.Sprintf("column %q row %d: %v", e.Column, e.Row, e.Err)
}

func (e *CellError) Unwrap() error { return e.Err }

// AsCellError returns err's *CellError, or wraps err as one.
func AsCellError(err error, row int64, column, kind string) *CellError {
	var ce *CellError
	if errors.As(err, &ce) {
		return ce
	}
	return &CellError{Row: row, Column: column, Kind: kind, Err: err}
}

// BuildContext is what a Spec's Build receives.
type BuildContext struct {
	// Doc is the whole config.
	Doc *config.Document
	// BaseDir resolves relative paths in the config (the config file's folder).
	BaseDir string
	// Seed is the run's seed; generators derive per-(column,row) randomness
	// from it so values do not depend on scheduling.
	Seed uint64
	// Run holds the effective run settings (the config's run_config merged
	// with --run-config); nil means defaults.
	Run *config.RunConfig
	// Getenv looks up environment variables (API keys); nil means none.
	Getenv func(string) (string, bool)
	// Logger receives warnings (never nil).
	Logger *slog.Logger

	sharedMu sync.Mutex // held while a Shared value is created
	shared   map[string]any
	closerMu sync.Mutex
	closers  []io.Closer
}

// FieldDoc documents one field of a column kind (for `synthgen columns`);
// it is the config package's view of the struct tags that drive decoding.
type FieldDoc = config.FieldInfo

// FieldsOf documents the fields of a config struct from its tags, leaving
// out the names in omit.
func FieldsOf(v any, omit ...string) []FieldDoc {
	var out []FieldDoc
	for _, f := range config.Fields(v) {
		if !slices.Contains(omit, f.Name) {
			out = append(out, f)
		}
	}
	return out
}

// Spec is one column kind: its documentation and how to build units from
// the config columns of that kind. The config struct of the kind (with its
// tags) is the single source of truth for fields; Fields is derived from it.
type Spec struct {
	Kind    string
	Summary string
	Fields  []FieldDoc
	// Extra documents kind-specific sub-objects (e.g. one entry per sampler
	// type), by heading.
	Extra map[string][]FieldDoc
	// Build turns every config column of this kind into units. cols are in
	// config order. Problems are returned as diagnostics with positions.
	Build func(bc *BuildContext, cols []config.Column) ([]*Unit, config.Diagnostics)
}

// BatchGenerator is implemented by generators that work on several rows at
// once (validation calls a program or endpoint per batch). The engine calls
// GenerateBatch with up to BatchSize rows of one row group; Generate must
// still work for a single row.
type BatchGenerator interface {
	Generator
	BatchSize() int
	// GenerateBatch fills outs[i] for rows[i] and returns one error (or nil)
	// per row.
	GenerateBatch(ctx context.Context, rows []Row, outs [][]any) []error
}

// Shared returns the value stored under key, calling create on first use.
// Kinds use it to share one resource across their Build calls (the four LLM
// kinds share model clients). Safe for concurrent use; create may call
// AddCloser but not Shared.
func (bc *BuildContext) Shared(key string, create func() any) any {
	bc.sharedMu.Lock()
	defer bc.sharedMu.Unlock()
	if bc.shared == nil {
		bc.shared = map[string]any{}
	}
	if v, ok := bc.shared[key]; ok {
		return v
	}
	v := create()
	bc.shared[key] = v
	return v
}

// AddCloser registers a resource (a server, a connection) that lives as long
// as the run; Close closes them in reverse order.
func (bc *BuildContext) AddCloser(c io.Closer) {
	bc.closerMu.Lock()
	defer bc.closerMu.Unlock()
	bc.closers = append(bc.closers, c)
}

// Close closes every registered resource, last first, and returns the first
// error. It is idempotent.
func (bc *BuildContext) Close() error {
	bc.closerMu.Lock()
	cs := bc.closers
	bc.closers = nil
	bc.closerMu.Unlock()
	var first error
	for i := len(cs) - 1; i >= 0; i-- {
		if err := cs[i].Close(); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// Preparer is implemented by generators that must check something before a
// run starts (a model's health check, an MCP server's tool list). The CLI
// calls Prepare once per unit before generating; an error wrapping
// ErrUnreachable means a provider cannot be used (exit code 3).
type Preparer interface {
	Prepare(ctx context.Context) error
}

// ErrUnreachable marks a provider that is unreachable or misconfigured
// (missing key): nothing can be generated with it.
var ErrUnreachable = errors.New("provider unreachable")

// ErrStopRun marks a cell error that is not the row's fault but a reason to
// stop the whole run and leave it resumable (an endpoint that has answered
// nothing but 429 for rate_limit_stall_seconds). The engine does not record
// the row as failed: it stops dispatching, writes the complete row groups
// and returns the error.
var ErrStopRun = errors.New("run stopped")
