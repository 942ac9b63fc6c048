package generate

import (
	"fmt"
	"sort"
	"strings"

	"github.com/synthgen/synthgen/columns"
	"github.com/synthgen/synthgen/config"
)

// Plan is the column DAG of a config: units in a valid generation order and
// the slot of every output in a row.
type Plan struct {
	// Units in topological order (config order where the DAG allows).
	Units []*columns.Unit
	// Outputs are all outputs in slot order: a row is a []any of this length.
	Outputs []columns.Output
	// UnitSlots[i] is the first slot of Units[i]'s outputs.
	UnitSlots []int
	// UnitDeps[i] are the indices (into Units) of the units Units[i] reads.
	UnitDeps [][]int
	// Written are the slots written to the dataset, in output column order:
	// seed columns, then config columns in config order, each followed by
	// its side-effect columns. Dropped outputs are excluded.
	Written []int

	slot map[string]int
}

// Slot returns the slot of an output name.
func (p *Plan) Slot(name string) (int, bool) {
	s, ok := p.slot[name]
	return s, ok
}

// NewPlan orders units by their dependencies. Unknown references and cycles
// are diagnostics that name the columns involved. The document's
// drop_columns processors decide which outputs are not written; a name or
// glob there that matches no column is a warning.
func NewPlan(doc *config.Document, units []*columns.Unit) (*Plan, config.Diagnostics) {
	var diags config.Diagnostics
	owner := map[string]int{} // output name → unit index
	var names []string
	for i, u := range units {
		for _, o := range u.Outputs {
			owner[o.Name] = i
			names = append(names, o.Name)
		}
	}
	// Side-effect names of columns that do not write them, for a better message.
	disabled := map[string]string{}
	for _, col := range doc.Columns {
		if config.LLM(col) != nil {
			n := col.Base().Name
			disabled[n+config.TraceSuffix] = "with_trace is none"
			disabled[n+config.ReasoningSuffix] = "extract_reasoning_content is false"
		}
	}
	// Columns whose own errors are already reported (they failed to decode
	// or to build) are not reported again as unknown references.
	invalid := map[string]bool{}
	for _, n := range doc.InvalidColumns {
		invalid[n] = true
		names = append(names, n)
	}
	seedBuilt := false
	for _, u := range units {
		seedBuilt = seedBuilt || u.Kind == config.KindSeedDataset
	}
	for _, col := range doc.Columns {
		if _, built := owner[col.Base().Name]; !built && col.Base().ColumnType != config.KindSeedDataset {
			invalid[col.Base().Name] = true
			names = append(names, col.Base().Name)
		}
	}
	seedUnknown := doc.SeedConfig != nil && !seedBuilt // its columns cannot be known
	deps := make([][]int, len(units))
	for i, u := range units {
		seen := map[int]bool{}
		all := append(append([]columns.Dep(nil), u.Deps...), skipDeps(u)...)
		for _, d := range all {
			j, ok := owner[d.Name]
			if !ok {
				base, _, _ := strings.Cut(d.Name, "__")
				if invalid[d.Name] || invalid[base] || seedUnknown {
					continue // that column's own errors are reported
				}
				if why, isSide := disabled[d.Name]; isSide {
					diags.Errorf(d.Pos, d.Path, "column %q references %q, which is not written because %s", unitName(u), d.Name, why)
					continue
				}
				diags.Errorf(d.Pos, d.Path, "column %q references unknown column %q%s", unitName(u), d.Name, config.DidYouMean(d.Name, names))
				continue
			}
			if j == i {
				if !contains(u.Columns, d.Name) || len(u.Columns) == 1 {
					diags.Errorf(d.Pos, d.Path, "column %q references itself", unitName(u))
				}
				continue
			}
			if !seen[j] {
				seen[j] = true
				deps[i] = append(deps[i], j)
			}
		}
	}
	// Cycles among the known edges are reported with the reference errors.
	order, cycle := topoOrder(units, deps, declOrder(doc, units))
	if cycle != nil {
		var path []string
		for _, i := range cycle {
			path = append(path, fmt.Sprintf("%q", unitName(units[i])))
		}
		u := units[cycle[0]]
		diags.Errorf(u.Pos, u.Path, "dependency cycle: %s", strings.Join(path, " → "))
	}
	if diags.HasErrors() {
		return nil, diags
	}
	p := &Plan{slot: map[string]int{}}
	globs := DropGlobs(doc)
	newIndex := make([]int, len(units))
	for k, i := range order {
		newIndex[i] = k
	}
	for _, i := range order {
		u := units[i]
		p.UnitSlots = append(p.UnitSlots, len(p.Outputs))
		for _, o := range u.Outputs {
			p.slot[o.Name] = len(p.Outputs)
			p.Outputs = append(p.Outputs, o)
		}
		p.Units = append(p.Units, u)
		var ds []int
		for _, j := range deps[i] {
			ds = append(ds, newIndex[j])
		}
		sort.Ints(ds)
		p.UnitDeps = append(p.UnitDeps, ds)
	}
	// Written order: seed outputs, then config order.
	for _, u := range p.Units {
		if u.Kind == config.KindSeedDataset {
			for _, o := range u.Outputs {
				p.addWritten(o, globs)
			}
		}
	}
	for _, col := range doc.Columns {
		if col.Base().ColumnType == config.KindSeedDataset {
			continue
		}
		name := col.Base().Name
		if s, ok := p.slot[name]; ok {
			p.addWritten(p.Outputs[s], globs)
			for _, se := range config.SideEffects(col) {
				if s, ok := p.slot[se]; ok {
					p.addWritten(p.Outputs[s], globs)
				}
			}
		}
	}
	if !seedUnknown {
		checkDropGlobs(doc, p.Outputs, &diags)
	}
	if len(p.Written) == 0 && len(invalid) == 0 && !seedUnknown {
		diags.Errorf(doc.Meta.Pos, "columns", "every column is dropped: the dataset would have no columns")
	}
	return p, diags
}

func (p *Plan) addWritten(o columns.Output, dropGlobs []string) {
	if o.Drop || matchAny(dropGlobs, o.Name) {
		return
	}
	p.Written = append(p.Written, p.slot[o.Name])
}

func skipDeps(u *columns.Unit) []columns.Dep {
	if u.Skip == nil {
		return nil
	}
	return u.Skip.Deps
}

func unitName(u *columns.Unit) string {
	if len(u.Columns) == 0 {
		return u.Kind
	}
	if len(u.Columns) == 1 || u.Kind != config.KindSeedDataset {
		return u.Columns[0]
	}
	return "seed dataset"
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// declOrder ranks units by where their first column is declared in the
// config (units come grouped by kind, not in config order). The seed unit
// comes first; units whose columns are not in the config keep their order
// after the others.
func declOrder(doc *config.Document, units []*columns.Unit) []int {
	at := map[string]int{}
	for k, col := range doc.Columns {
		at[col.Base().Name] = k
	}
	rank := make([]int, len(units))
	for i, u := range units {
		rank[i] = len(doc.Columns) + i
		if u.Kind == config.KindSeedDataset {
			rank[i] = -1
			continue
		}
		for _, c := range u.Columns {
			if k, ok := at[c]; ok && k < rank[i] {
				rank[i] = k
			}
		}
	}
	return rank
}

// topoOrder is Kahn's algorithm taking, among ready units, the one declared
// first (lowest rank). It returns a cycle (unit indices, first repeated at
// the end) when there is one.
func topoOrder(units []*columns.Unit, deps [][]int, rank []int) ([]int, []int) {
	n := len(units)
	indeg := make([]int, n)
	users := make([][]int, n)
	for i, ds := range deps {
		indeg[i] = len(ds)
		for _, j := range ds {
			users[j] = append(users[j], i)
		}
	}
	var ready []int
	for i := range units {
		if indeg[i] == 0 {
			ready = append(ready, i)
		}
	}
	var order []int
	for len(ready) > 0 {
		sort.Slice(ready, func(a, b int) bool { return rank[ready[a]] < rank[ready[b]] })
		i := ready[0]
		ready = ready[1:]
		order = append(order, i)
		for _, k := range users[i] {
			indeg[k]--
			if indeg[k] == 0 {
				ready = append(ready, k)
			}
		}
	}
	if len(order) == n {
		return order, nil
	}
	return nil, findCycle(deps, indeg)
}

// findCycle walks dependencies among the units left with indegree > 0.
func findCycle(deps [][]int, indeg []int) []int {
	start := -1
	for i, d := range indeg {
		if d > 0 {
			start = i
			break
		}
	}
	seenAt := map[int]int{}
	var path []int
	i := start
	for {
		if k, ok := seenAt[i]; ok {
			return append(path[k:], i)
		}
		seenAt[i] = len(path)
		path = append(path, i)
		next := -1
		for _, j := range deps[i] {
			if indeg[j] > 0 {
				next = j
				break
			}
		}
		if next < 0 {
			return path
		}
		i = next
	}
}

// Explain renders the DAG: one line per unit in order with what it reads.
func (p *Plan) Explain() string {
	var b strings.Builder
	for i, u := range p.Units {
		var outs []string
		for _, o := range u.Outputs {
			s := o.Name + " " + o.Type.String()
			if o.Drop {
				s += " (dropped)"
			}
			outs = append(outs, s)
		}
		fmt.Fprintf(&b, "%d. [%s] %s\n", i+1, u.Kind, strings.Join(u.Columns, ", "))
		if len(u.Columns) > 1 || len(u.Outputs) > 1 {
			fmt.Fprintf(&b, "     writes: %s\n", strings.Join(outs, "; "))
		} else {
			fmt.Fprintf(&b, "     type:   %s\n", outs[0])
		}
		if len(p.UnitDeps[i]) > 0 {
			var ds []string
			for _, j := range p.UnitDeps[i] {
				ds = append(ds, displayName(p.Units[j]))
			}
			fmt.Fprintf(&b, "     after:  %s\n", strings.Join(ds, "; "))
		}
		if u.Skip != nil {
			fmt.Fprintf(&b, "     skip:   when a condition holds\n")
		}
	}
	return b.String()
}

// displayName names a unit for people: the seed dataset, or its columns.
func displayName(u *columns.Unit) string {
	if u.Kind == config.KindSeedDataset {
		return "seed dataset"
	}
	return strings.Join(u.Columns, "+")
}
