package seed

import (
	"context"
	"fmt"
	"strings"

	"github.com/synthgen/synthgen/columns"
	"github.com/synthgen/synthgen/columns/value"
	"github.com/synthgen/synthgen/config"
)

// Kind is the Unit.Kind of the seed unit.
const Kind = config.KindSeedDataset

// Sampling strategies (seed_config.sampling_strategy).
const (
	Ordered = "ordered"
	Shuffle = "shuffle"
)

// Build reads bc.Doc.SeedConfig and returns the seed unit: every column of
// the seed dataset, filled for each row from one seed row. Without a
// seed_config it returns nil, nil (an error per declared column when
// declared is not empty).
//
// declared are the config's seed-dataset columns (Data Designer writes one
// per seed column in serialized configs). Each must name a column of the
// seed, and its drop applies to that column; seed columns not declared are
// still output.
//
// Source: `source: {seed_type: local, path}` or the older `dataset: path`.
// A relative path resolves against bc.BaseDir; a glob concatenates its files
// in sorted order (one format, the same column names). The format follows
// the extension: .parquet, .csv (types inferred per column), .json (an array
// of objects, or one object per line) and .jsonl.
//
// Selection, as in Data Designer: `{start, end}` keeps rows start..end with
// BOTH ends inclusive; `{index, num_partitions}` keeps the index-th (0-based)
// of num_partitions contiguous partitions of len/num_partitions rows, the
// last one also taking the remainder.
//
// Sampling: `ordered` gives row i seed row i mod n (cycling); `shuffle` gives
// row i perm_p[i mod n], where p = i / n and perm_p is a permutation seeded
// by (bc.Seed, p): every seed row is used once per pass, each pass in a new
// order, and a row's values depend only on its index.
//
// The selected seed is held in memory, column-major, for the unit's
// lifetime. The unit's Gen is safe for concurrent use; the values it stores
// are shared by every row that uses the same seed row and must not be
// mutated.
func Build(bc *columns.BuildContext, declared []config.Column) (*columns.Unit, config.Diagnostics) {
	var diags config.Diagnostics
	sc := bc.Doc.SeedConfig
	if sc == nil {
		for _, c := range declared {
			b := c.Base()
			diags = append(diags, config.Diagnostic{
				Pos: b.Pos, Path: b.Path,
				Summary: fmt.Sprintf("seed-dataset column %q needs a seed_config to take its values from", b.Name),
				Detail:  "add seed_config: {source: {seed_type: local, path: <file>}}, or remove the column",
			})
		}
		return nil, diags
	}

	pattern, pathPos, pathPath, ok := sourcePath(sc, &diags)
	shuffle := false
	switch sc.SamplingStrategy {
	case "", Ordered:
	case Shuffle:
		shuffle = true
	default:
		pos, path := sc.At("sampling_strategy")
		diags.Errorf(pos, path, "unknown sampling_strategy %q; use %s or %s", sc.SamplingStrategy, Ordered, Shuffle)
		ok = false
	}
	if !ok {
		return nil, diags
	}
	tbl, err := load(bc.BaseDir, pattern)
	if err != nil {
		diags.Errorf(pathPos, pathPath, "%v", err)
		return nil, diags
	}
	lo, hi, ok := selectRows(sc.SelectionStrategy, tbl.rows, &diags)
	if !ok {
		return nil, diags
	}
	tbl = tbl.slice(lo, hi)

	checkCollisions(bc.Doc.Columns, tbl.names, pattern, &diags)
	drop := checkDeclared(declared, tbl.names, pattern, &diags)
	if diags.HasErrors() {
		return nil, diags
	}

	outputs := make([]columns.Output, len(tbl.names))
	for c, name := range tbl.names {
		typ := value.Infer(tbl.cols[c])
		if typ.Kind == value.KindFloat {
			widenInts(tbl.cols[c])
		}
		outputs[c] = columns.Output{Name: name, Type: typ, Column: name, Drop: drop[name]}
	}
	g := &generator{cols: tbl.cols, n: int64(tbl.rows)}
	if shuffle {
		g.perms = newPerms(bc.Seed, tbl.rows)
	}
	path := sc.Path
	if path == "" {
		path = "seed_config"
	}
	return &columns.Unit{
		Kind:    Kind,
		Columns: append([]string(nil), tbl.names...),
		Outputs: outputs,
		Gen:     g,
		Pos:     sc.Pos,
		Path:    path,
	}, diags
}

// generator fills the seed unit's outputs. cols are read-only once built.
type generator struct {
	cols  [][]any
	n     int64
	perms *perms // nil when ordered
}

func (g *generator) Generate(_ context.Context, row columns.Row, out []any) error {
	i := row.Index()
	if i < 0 {
		return fmt.Errorf("negative row index %d", i)
	}
	r := int(i % g.n)
	if g.perms != nil {
		r = g.perms.get(i / g.n)[r]
	}
	for c, col := range g.cols {
		out[c] = col[r]
	}
	return nil
}

// sourcePath returns the configured path and where it is written.
func sourcePath(sc *config.SeedConfig, diags *config.Diagnostics) (string, config.Pos, string, bool) {
	if sc.Source != nil && sc.Dataset != "" {
		pos, path := sc.At("dataset")
		diags.Errorf(pos, path, "seed_config has both source and dataset; keep source")
		return "", pos, path, false
	}
	if sc.Dataset != "" {
		pos, path := sc.At("dataset")
		return sc.Dataset, pos, path, true
	}
	src := sc.Source
	if src == nil {
		diags.Errorf(sc.Pos, pathOr(sc.Path, "seed_config"), "seed_config needs a source: {seed_type: local, path: <file or glob>}")
		return "", sc.Pos, sc.Path, false
	}
	switch src.SeedType {
	case "", "local":
	case "hf":
		pos, path := src.At("seed_type")
		*diags = append(*diags, config.Diagnostic{
			Pos: pos, Path: path,
			Summary: "not supported: seed_type hf (Hugging Face Hub datasets; no network access assumed)",
			Detail:  "download the files and use source: {seed_type: local, path: <file or glob>}",
		})
		return "", pos, path, false
	case "df":
		pos, path := src.At("seed_type")
		*diags = append(*diags, config.Diagnostic{
			Pos: pos, Path: path,
			Summary: "not supported: seed_type df (Python DataFrames cannot be given in a config file)",
			Detail:  "save the DataFrame to Parquet and use source: {seed_type: local, path: <file>}",
		})
		return "", pos, path, false
	default:
		pos, path := src.At("seed_type")
		diags.Errorf(pos, path, "unknown seed_type %q; supported: local", src.SeedType)
		return "", pos, path, false
	}
	pos, path := src.At("path")
	if src.Path == "" {
		diags.Errorf(pos, path, "seed_config.source needs a path (a file or a glob)")
		return "", pos, path, false
	}
	return src.Path, pos, path, true
}

func pathOr(p, def string) string {
	if p == "" {
		return def
	}
	return p
}

// selectRows returns the selected rows [lo, hi) of a seed of n rows.
func selectRows(sel *config.SelectionStrategy, n int, diags *config.Diagnostics) (lo, hi int, ok bool) {
	if sel == nil {
		return 0, n, true
	}
	isRange := sel.Start != nil || sel.End != nil
	isPart := sel.Index != nil || sel.NumPartitions != nil
	switch {
	case isRange && isPart:
		diags.Errorf(sel.Pos, sel.Path, "selection_strategy mixes an index range (start, end) with a partition (index, num_partitions); use one")
		return 0, 0, false
	case isRange:
		return selectRange(sel, n, diags)
	}
	// A partition; an empty mapping is partition 0 of 1 (Data Designer's
	// defaults), i.e. every row.
	index, num := 0, 1
	if sel.Index != nil {
		index = *sel.Index
	}
	if sel.NumPartitions != nil {
		num = *sel.NumPartitions
	}
	ok = true
	if num < 1 {
		pos, path := sel.At("num_partitions")
		diags.Errorf(pos, path, "num_partitions must be at least 1, got %d", num)
		ok = false
	}
	if index < 0 || (num >= 1 && index >= num) {
		pos, path := sel.At("index")
		diags.Errorf(pos, path, "index must be in [0, num_partitions) = [0, %d), got %d", num, index)
		ok = false
	}
	if !ok {
		return 0, 0, false
	}
	size := n / num
	lo, hi = index*size, (index+1)*size
	if index == num-1 {
		hi = n
	}
	if lo == hi {
		pos, path := sel.At("num_partitions")
		diags.Errorf(pos, path, "partition %d of %d is empty: the seed has only %d rows", index, num, n)
		return 0, 0, false
	}
	return lo, hi, true
}

// selectRange handles {start, end}; end is inclusive, as in Data Designer.
func selectRange(sel *config.SelectionStrategy, n int, diags *config.Diagnostics) (lo, hi int, ok bool) {
	ok = true
	for _, k := range []struct {
		name string
		v    *int
	}{{"start", sel.Start}, {"end", sel.End}} {
		pos, path := sel.At(k.name)
		switch {
		case k.v == nil:
			diags.Errorf(pos, path, "selection_strategy needs %s (the index range is start..end, both inclusive)", k.name)
			ok = false
		case *k.v < 0:
			diags.Errorf(pos, path, "%s must be 0 or more, got %d", k.name, *k.v)
			ok = false
		}
	}
	if !ok {
		return 0, 0, false
	}
	start, end := *sel.Start, *sel.End
	if start > end {
		pos, path := sel.At("start")
		diags.Errorf(pos, path, "start %d is after end %d (end is inclusive)", start, end)
		return 0, 0, false
	}
	if end >= n {
		pos, path := sel.At("end")
		diags.Errorf(pos, path, "end %d is past the last seed row (the seed has %d rows, indexes 0..%d; end is inclusive)", end, n, n-1)
		return 0, 0, false
	}
	return start, end + 1, true
}

// checkCollisions reports seed columns named like a configured column (or
// one of its side-effect columns).
func checkCollisions(cols []config.Column, seedNames []string, source string, diags *config.Diagnostics) {
	type owner struct {
		col  *config.ColumnBase
		what string
	}
	taken := map[string]owner{}
	for _, c := range cols {
		b := c.Base()
		if _, ok := c.(*config.SeedDatasetColumn); ok || b.ColumnType == config.KindSeedDataset {
			continue
		}
		taken[b.Name] = owner{b, fmt.Sprintf("the %s column %q", b.ColumnType, b.Name)}
		if llm := llmOf(c); llm != nil {
			if llm.WithTrace != "" && llm.WithTrace != "none" {
				taken[b.Name+"__trace"] = owner{b, fmt.Sprintf("the trace column of %s column %q", b.ColumnType, b.Name)}
			}
			if llm.ExtractReasoningContent {
				taken[b.Name+"__reasoning_content"] = owner{b, fmt.Sprintf("the reasoning column of %s column %q", b.ColumnType, b.Name)}
			}
		}
	}
	for _, name := range seedNames {
		o, ok := taken[name]
		if !ok {
			continue
		}
		pos, path := o.col.At("name")
		*diags = append(*diags, config.Diagnostic{
			Pos: pos, Path: path,
			Summary: fmt.Sprintf("seed column %q (from %s) has the same name as %s", name, source, o.what),
			Detail:  "every seed column becomes a column of the dataset; rename the configured column or the seed column",
		})
	}
}

func llmOf(c config.Column) *config.LLMColumn {
	switch t := c.(type) {
	case *config.LLMTextColumn:
		return &t.LLMColumn
	case *config.LLMCodeColumn:
		return &t.LLMColumn
	case *config.LLMStructuredColumn:
		return &t.LLMColumn
	case *config.LLMJudgeColumn:
		return &t.LLMColumn
	}
	return nil
}

// checkDeclared checks the seed-dataset columns of the config against the
// seed's columns and returns which seed columns are dropped.
func checkDeclared(declared []config.Column, seedNames []string, source string, diags *config.Diagnostics) map[string]bool {
	have := make(map[string]bool, len(seedNames))
	for _, n := range seedNames {
		have[n] = true
	}
	drop := map[string]bool{}
	for _, c := range declared {
		b := c.Base()
		if !have[b.Name] {
			pos, path := b.At("name")
			summary := fmt.Sprintf("seed-dataset column %q is not a column of the seed dataset %s", b.Name, source)
			summary += config.DidYouMean(b.Name, seedNames)
			*diags = append(*diags, config.Diagnostic{
				Pos: pos, Path: path, Summary: summary,
				Detail: "the seed's columns: " + strings.Join(seedNames, ", "),
			})
			continue
		}
		drop[b.Name] = drop[b.Name] || b.Drop
	}
	return drop
}

// widenInts turns the int64 values of a column inferred as float into
// float64, so a column's values match its type (as pandas does).
func widenInts(col []any) {
	for i, v := range col {
		if n, ok := v.(int64); ok {
			col[i] = float64(n)
		}
	}
}
