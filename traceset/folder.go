package traceset

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/synthgen/synthgen/columns/value"
	"github.com/synthgen/synthgen/generate"
	"github.com/synthgen/synthgen/generate/output"
	"github.com/synthgen/synthgen/tracing"
	"github.com/synthgen/synthgen/tracing/query"
)

// TraceSuffix names the derived column holding an LLM column's trace.
const TraceSuffix = "__trace"

// ErrNotDataset marks a folder that is not a dataset folder (or has no
// completed row group); ErrNoSpans one whose run wrote no span log.
var (
	ErrNotDataset = errors.New("not a dataset folder")
	ErrNoSpans    = errors.New("no span log")
)

// Folder is a dataset folder opened for reading. Its methods read one row
// group at a time; nothing holds the whole dataset. A Folder is safe for
// concurrent use once opened (it is read-only).
type Folder struct {
	Dir     string
	Written *generate.WrittenRows
	// Declared are the configured columns; Samplers the sampler columns
	// (with the seed columns, a row's metadata); Judges the llm-judge
	// columns and their score names, from builder_config.json.
	Declared, Samplers map[string]bool
	Judges             map[string][]string
	// ScoreOptions are the numeric options of each judge score, ascending,
	// keyed "<judge column>.<score name>" (scores whose options are not all
	// numbers are left out).
	ScoreOptions map[string][]float64
	// Tools are the tool schemas offered to each column that called tools
	// (metadata.json "tools"; OpenAI function tools).
	Tools map[string][]json.RawMessage
}

// Open opens a dataset folder; errors wrap ErrNotDataset.
func Open(dir string) (*Folder, error) {
	f := &Folder{Dir: dir, Declared: map[string]bool{}, Samplers: map[string]bool{}, Judges: map[string][]string{}, ScoreOptions: map[string][]float64{}}
	if err := f.readBuilderConfig(); err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrNotDataset, dir, err)
	}
	w, err := generate.ReadWrittenRows(dir)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrNotDataset, dir, err)
	}
	if len(w.Groups()) == 0 {
		return nil, fmt.Errorf("%w: %s has no completed row groups", ErrNotDataset, dir)
	}
	f.Written = w
	b, err := os.ReadFile(filepath.Join(dir, generate.MetadataFile))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNotDataset, err)
	}
	var meta struct {
		Tools map[string][]json.RawMessage `json:"tools"`
	}
	if err := json.Unmarshal(b, &meta); err != nil {
		return nil, fmt.Errorf("%w: reading %s: %v", ErrNotDataset, generate.MetadataFile, err)
	}
	f.Tools = meta.Tools
	return f, nil
}

func (f *Folder) readBuilderConfig() error {
	b, err := os.ReadFile(filepath.Join(f.Dir, generate.BuilderConfigFile))
	if err != nil {
		return err
	}
	var doc struct {
		DataDesigner struct {
			Columns []struct {
				Name       string `json:"name"`
				ColumnType string `json:"column_type"`
				Scores     []struct {
					Name    string          `json:"name"`
					Options json.RawMessage `json:"options"`
				} `json:"scores"`
			} `json:"columns"`
		} `json:"data_designer"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		return fmt.Errorf("reading %s: %w", generate.BuilderConfigFile, err)
	}
	for _, c := range doc.DataDesigner.Columns {
		f.Declared[c.Name] = true
		switch c.ColumnType {
		case "sampler":
			f.Samplers[c.Name] = true
		case "llm-judge":
			for _, s := range c.Scores {
				f.Judges[c.Name] = append(f.Judges[c.Name], s.Name)
				if nums := numericOptions(s.Options); nums != nil {
					f.ScoreOptions[c.Name+"."+s.Name] = nums
				}
			}
		}
	}
	return nil
}

// numericOptions reads a judge score's options (an object keyed by value
// or a list of values) as numbers, ascending; nil unless all are numbers.
func numericOptions(raw json.RawMessage) []float64 {
	var values []string
	var m map[string]any
	var l []any
	switch {
	case json.Unmarshal(raw, &m) == nil:
		for k := range m {
			values = append(values, k)
		}
	case json.Unmarshal(raw, &l) == nil:
		for _, v := range l {
			values = append(values, fmt.Sprint(v))
		}
	}
	var nums []float64
	for _, v := range values {
		f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if err != nil {
			return nil
		}
		nums = append(nums, f)
	}
	sort.Float64s(nums)
	return nums
}

// Groups returns the completed row groups' ids in order.
func (f *Folder) Groups() []int { return f.Written.Groups() }

// Group is one row group's data: columns, rows, and each row's dataset
// index. Rows share the group's slices; do not mutate them.
type Group struct {
	ID      int
	Cols    []output.Column
	Rows    [][]any
	Indices []int64
	folder  *Folder
	col     map[string]int
}

// Group reads row group id's data file.
func (f *Folder) Group(id int) (*Group, error) {
	cols, rows, err := output.ReadParquetFile(filepath.Join(f.Dir, generate.ParquetDir, generate.BatchFile(id)))
	if err != nil {
		return nil, err
	}
	indices, err := f.Written.Indices(id, len(rows))
	if err != nil {
		return nil, err
	}
	g := &Group{ID: id, Cols: cols, Rows: rows, Indices: indices, folder: f, col: map[string]int{}}
	for i, c := range cols {
		g.col[c.Name] = i
	}
	return g, nil
}

// HasSpans says whether row group id has a span file.
func (f *Folder) HasSpans(id int) bool {
	_, err := os.Stat(f.spansPath(id))
	return err == nil
}

func (f *Folder) spansPath(id int) string {
	return filepath.Join(f.Dir, generate.SpansDir, generate.BatchFile(id))
}

// Spans reads row group id's span file; a missing one is an error
// wrapping ErrNoSpans. A trace's spans are together, root first.
func (f *Folder) Spans(id int) ([]tracing.Span, error) {
	if !f.HasSpans(id) {
		return nil, fmt.Errorf("%w for row group %d in %s (was the run made with run_config.write_spans: false?)", ErrNoSpans, id, f.Dir)
	}
	return generate.ReadSpans(f.spansPath(id))
}

// Col returns the index of column name in g, or -1.
func (g *Group) Col(name string) int {
	if i, ok := g.col[name]; ok {
		return i
	}
	return -1
}

// TraceColumns are the columns of g that kept a trace, in file order.
func (g *Group) TraceColumns() []string {
	var out []string
	for _, c := range g.Cols {
		if base, ok := strings.CutSuffix(c.Name, TraceSuffix); ok {
			out = append(out, base)
		}
	}
	return out
}

// TraceColumn resolves column: "" means the only column with a trace.
func (g *Group) TraceColumn(column string) (string, error) {
	names := g.TraceColumns()
	if column == "" {
		switch len(names) {
		case 0:
			return "", errors.New("the dataset has no trace columns (set with_trace on an LLM column)")
		case 1:
			return names[0], nil
		}
		return "", fmt.Errorf("the dataset has traces of %s: choose one with --column", strings.Join(names, ", "))
	}
	if g.Col(column+TraceSuffix) < 0 {
		if len(names) > 0 {
			if s := tracing.Suggest(column, names); s != "" {
				return "", fmt.Errorf("column %q has no trace; did you mean %q?", column, s)
			}
			return "", fmt.Errorf("column %q has no %s%s column (columns with traces: %s)", column, column, TraceSuffix, strings.Join(names, ", "))
		}
		return "", fmt.Errorf("column %q has no %s%s column (set with_trace on it)", column, column, TraceSuffix)
	}
	return column, nil
}

// Row is row k of g.
func (g *Group) Row(k int) Row { return Row{Index: g.Indices[k], Values: g.Rows[k], g: g} }

// Row is one written row of a group.
type Row struct {
	Index  int64 // dataset row index
	Values []any
	g      *Group
}

// Trace returns the row's trace of column; ok is false when the cell is
// empty (skipped) or the column has no trace.
func (r Row) Trace(column string) (msgs []tracing.Message, ok bool, err error) {
	i := r.g.Col(column + TraceSuffix)
	if i < 0 || r.Values[i] == nil {
		return nil, false, nil
	}
	if err := DecodeCell(r.Values[i], &msgs); err != nil {
		return nil, false, fmt.Errorf("row %d: reading %s%s: %w", r.Index, column, TraceSuffix, err)
	}
	return msgs, true, nil
}

// TraceHash is the hash of the row's trace of column (TraceHash of the
// cell; "" when the column has no trace).
func (r Row) TraceHash(column string) string {
	i := r.g.Col(column + TraceSuffix)
	if i < 0 {
		return ""
	}
	return TraceHash(r.Values[i])
}

// Conversations returns every trace of the row, by column.
func (r Row) Conversations() (map[string][]tracing.Message, error) {
	out := map[string][]tracing.Message{}
	for _, c := range r.g.TraceColumns() {
		msgs, ok, err := r.Trace(c)
		if err != nil {
			return nil, err
		}
		if ok {
			out[c] = msgs
		}
	}
	return out, nil
}

// Metadata returns the row's sampler and seed values as plain JSON values.
func (r Row) Metadata() map[string]any {
	out := map[string]any{}
	f := r.g.folder
	for i, c := range r.g.Cols {
		if f.Samplers[c.Name] || !f.Declared[c.Name] && !strings.Contains(c.Name, "__") {
			out[c.Name] = JSONValue(r.Values[i])
		}
	}
	return out
}

// Scores returns the row's judge scores keyed "<judge column>.<score
// name>.score", as written (numbers or strings).
func (r Row) Scores() map[string]any {
	out := map[string]any{}
	for i, c := range r.g.Cols {
		names, ok := r.g.folder.Judges[c.Name]
		if !ok {
			continue
		}
		m, ok := JSONValue(r.Values[i]).(map[string]any)
		if !ok {
			continue
		}
		for _, n := range names {
			if s, ok := m[n].(map[string]any); ok {
				out[c.Name+"."+n+".score"] = s["score"]
			}
		}
	}
	return out
}

// JudgeScores returns the row's numeric judge scores as feedback entries
// "<judge column>.<score name>", sorted by key; a score that is not a
// number is left out.
func (r Row) JudgeScores() []query.Score {
	scores := r.Scores()
	keys := make([]string, 0, len(scores))
	for k := range scores {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var out []query.Score
	for _, k := range keys {
		if f, ok := Number(scores[k]); ok {
			out = append(out, query.Score{Key: strings.TrimSuffix(k, ".score"), Score: f})
		}
	}
	return out
}

// Number reads a score: a number, or a string holding one.
func Number(v any) (float64, bool) {
	switch t := v.(type) {
	case float64:
		return t, true
	case int64:
		return float64(t), true
	case string:
		f, err := strconv.ParseFloat(strings.TrimSpace(t), 64)
		return f, err == nil
	}
	return 0, false
}

// DecodeCell reads a nested cell (a trace, tool schemas) into v.
func DecodeCell(cell any, v any) error {
	return json.Unmarshal([]byte(value.CompactJSON(cell)), v)
}

// JSONValue converts a cell of the value model to plain JSON values.
func JSONValue(v any) any {
	if v == nil {
		return nil
	}
	var out any
	if json.Unmarshal([]byte(value.CompactJSON(v)), &out) != nil {
		return nil
	}
	return out
}
