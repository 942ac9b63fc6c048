package review

import (
	"path/filepath"
	"slices"
	"sort"
	"sync"

	"github.com/synthgen/synthgen/generate"
	"github.com/synthgen/synthgen/generate/output"
	"github.com/synthgen/synthgen/traceset"
	"github.com/synthgen/synthgen/tracing"
)

// rowIndex holds the dataset row index of every written row, ascending,
// and the row groups they are in: read from metadata.json, failures.jsonl
// and the row-group files' footers, never from their data.
type rowIndex struct {
	all    []int64
	groups []int   // ids, ascending
	firsts []int64 // the first row each group was asked for
	ends   []int64
}

func indexRows(f *traceset.Folder) (*rowIndex, error) {
	ri := &rowIndex{}
	for _, id := range f.Groups() {
		n, err := output.ParquetNumRows(filepath.Join(f.Dir, generate.ParquetDir, generate.BatchFile(id)))
		if err != nil {
			return nil, err
		}
		idx, err := f.Written.Indices(id, int(n))
		if err != nil {
			return nil, err
		}
		first, end := f.Written.Span(id)
		ri.all = append(ri.all, idx...)
		ri.groups = append(ri.groups, id)
		ri.firsts = append(ri.firsts, first)
		ri.ends = append(ri.ends, end)
	}
	slices.Sort(ri.all) // already ascending (groups come in id order); kept sorted for the binary searches
	return ri, nil
}

// has says whether row is a written row.
func (ri *rowIndex) has(row int64) bool {
	_, ok := slices.BinarySearch(ri.all, row)
	return ok
}

// group returns the id of the row group holding written row row.
func (ri *rowIndex) group(row int64) (int, bool) {
	if !ri.has(row) {
		return 0, false
	}
	i := sort.Search(len(ri.groups), func(i int) bool { return ri.ends[i] > row })
	if i == len(ri.groups) || row < ri.firsts[i] {
		return 0, false
	}
	return ri.groups[i], true
}

// groupCache keeps the last two row groups read (data and span log), so
// paging through traces reads each group once.
type groupCache struct {
	f      *traceset.Folder
	column string
	mu     sync.Mutex
	recent []*cachedGroup // most recent first
}

const cachedGroups = 2

// put adds a group read elsewhere.
func (c *groupCache) put(cg *cachedGroup) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.recent = append([]*cachedGroup{cg}, c.recent...)
	if len(c.recent) > cachedGroups {
		c.recent = c.recent[:cachedGroups]
	}
}

func (c *groupCache) group(id int) (*cachedGroup, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i, g := range c.recent {
		if g.g.ID == id {
			copy(c.recent[1:i+1], c.recent[:i])
			c.recent[0] = g
			return g, nil
		}
	}
	g, err := c.f.Group(id)
	if err != nil {
		return nil, err
	}
	cg := newCachedGroup(g, c.column)
	c.recent = append([]*cachedGroup{cg}, c.recent...)
	if len(c.recent) > cachedGroups {
		c.recent = c.recent[:cachedGroups]
	}
	return cg, nil
}

// cachedGroup is a row group with its rows by dataset index and, read on
// first use, its span log.
type cachedGroup struct {
	g      *traceset.Group
	column string // reviewed column ("" before it is known)
	pos    map[int64]int

	spansOnce sync.Once
	spans     []tracing.Span // nil when the group has no span log
	spansErr  error
}

func newCachedGroup(g *traceset.Group, column string) *cachedGroup {
	cg := &cachedGroup{g: g, column: column, pos: make(map[int64]int, len(g.Indices))}
	for k, idx := range g.Indices {
		cg.pos[idx] = k
	}
	return cg
}

// traceCell returns the raw trace cell of row (nil when empty or absent).
func (cg *cachedGroup) traceCell(row int64) any {
	k, ok := cg.pos[row]
	i := cg.g.Col(cg.column + traceset.TraceSuffix)
	if !ok || i < 0 {
		return nil
	}
	return cg.g.Rows[k][i]
}

// hash is the trace hash of row's reviewed trace as written.
func (cg *cachedGroup) hash(row int64) string { return traceset.TraceHash(cg.traceCell(row)) }

// traceSpans returns the spans of row's trace, root first; none when the
// run wrote no span log, and the error when it cannot be read.
func (cg *cachedGroup) traceSpans(f *traceset.Folder, row int64) ([]tracing.Span, error) {
	cg.spansOnce.Do(func() {
		if f.HasSpans(cg.g.ID) {
			cg.spans, cg.spansErr = f.Spans(cg.g.ID)
		}
	})
	var out []tracing.Span
	for _, s := range cg.spans {
		if s.Row == row {
			out = append(out, s)
		}
	}
	return out, cg.spansErr
}
