package sampler

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/synthgen/synthgen/columns"
	"github.com/synthgen/synthgen/config"
)

// Constraint types.
const (
	scalarInequality = "scalar_inequality"
	columnInequality = "column_inequality"
)

// operators maps a constraint operator to its symbol.
var operators = map[string]string{"lt": "<", "le": "<=", "gt": ">", "ge": ">="}

// maxAttemptsPerRow is how many samples rejection sampling draws for one
// row of a unit before it gives up on that row. The limit is per row, so
// whether a row fails depends only on the seed, the unit's columns and the
// row index — never on other rows, on scheduling or on a resumed run. With
// 1000 attempts, a constraint that accepts 1% of samples fails a row with
// probability 0.99^1000 ≈ 4e-5.
const maxAttemptsPerRow = 1000

// RejectionError is returned (inside a *columns.CellError) when rejection
// sampling gives up on a row: none of its maxAttemptsPerRow samples
// satisfied every constraint of the unit.
type RejectionError struct {
	// Constraint is the constraint that rejected the last sample, e.g. "a < b".
	Constraint string
	// Attempts is the number of samples drawn for the row.
	Attempts int
}

func (e *RejectionError) Error() string {
	return fmt.Sprintf("constraint %s not satisfied after %d attempts for this row; the constraints may be impossible to satisfy",
		e.Constraint, e.Attempts)
}

// constraint is one compiled constraint, its columns resolved to slots of
// its unit once the unit is assembled.
type constraint struct {
	cfg    *config.Constraint
	target *column
	rhsCol *column // nil for a scalar constraint
	rhs    float64
	op     string
	// slots of target and rhsCol in the unit's outputs.
	targetSlot, rhsSlot int
}

func (k *constraint) String() string {
	rhs := pyStr(k.rhs)
	if k.rhsCol != nil {
		rhs = k.rhsCol.name
	}
	return fmt.Sprintf("%s %s %s", k.target.name, operators[k.op], rhs)
}

// holds reports whether the unit's values satisfy the constraint; a null or
// incomparable value does not.
func (k *constraint) holds(out []any) bool {
	var cmp int
	var ok bool
	if k.rhsCol == nil {
		cmp, ok = compareNumbers(out[k.targetSlot], k.rhs)
	} else {
		cmp, ok = compareValues(out[k.targetSlot], out[k.rhsSlot], k.target.ordering)
	}
	if !ok {
		return false
	}
	switch k.op {
	case "lt":
		return cmp < 0
	case "le":
		return cmp <= 0
	case "gt":
		return cmp > 0
	}
	return cmp >= 0
}

func compareNumbers(a any, b any) (int, bool) {
	if x, ok := a.(int64); ok {
		if y, ok := b.(int64); ok {
			return cmpOrdered(x, y), true
		}
	}
	x, okx := number(a)
	y, oky := number(b)
	if !okx || !oky || math.IsNaN(x) || math.IsNaN(y) {
		return 0, false
	}
	return cmpOrdered(x, y), true
}

func compareValues(a, b any, o ordering) (int, bool) {
	if o == chronological {
		sa, oka := a.(string)
		sb, okb := b.(string)
		if !oka || !okb {
			return 0, false
		}
		ta, erra := parseDatetime(sa)
		tb, errb := parseDatetime(sb)
		if erra != nil || errb != nil {
			return 0, false
		}
		return ta.Compare(tb), true
	}
	return compareNumbers(a, b)
}

func number(v any) (float64, bool) {
	switch x := v.(type) {
	case int64:
		return float64(x), true
	case float64:
		return x, true
	}
	return 0, false
}

func cmpOrdered[T int64 | float64](a, b T) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// constraints validates bc.Doc.Constraints and groups the compiled columns:
// columns linked by a constraint end up in the same group (union-find).
// Groups are ordered by their first column in config order, and each group's
// columns are in config order.
func (b *builder) constraints() [][]*column {
	var cols []*column
	for _, c := range b.cols {
		if col, ok := b.compiled[c.Name]; ok {
			cols = append(cols, col)
		}
	}
	parent := map[*column]*column{}
	var find func(c *column) *column
	find = func(c *column) *column {
		if p, ok := parent[c]; ok && p != c {
			root := find(p)
			parent[c] = root
			return root
		}
		return c
	}
	union := func(a, b *column) {
		ra, rb := find(a), find(b)
		if ra == rb {
			return
		}
		if ra.order > rb.order {
			ra, rb = rb, ra
		}
		parent[rb] = ra
	}
	byRoot := map[*column][]*constraint{}
	var all []*constraint
	if b.bc.Doc != nil {
		for i := range b.bc.Doc.Constraints {
			if k := b.constraint(&b.bc.Doc.Constraints[i]); k != nil {
				if k.rhsCol != nil {
					union(k.target, k.rhsCol)
				}
				all = append(all, k)
			}
		}
	}
	for _, k := range all {
		root := find(k.target)
		byRoot[root] = append(byRoot[root], k)
	}
	var groups [][]*column
	index := map[*column]int{}
	for _, c := range cols {
		root := find(c)
		i, ok := index[root]
		if !ok {
			i = len(groups)
			index[root] = i
			groups = append(groups, nil)
		}
		groups[i] = append(groups[i], c)
	}
	b.unitConstraints = byRoot
	return groups
}

// constraint validates one constraint; nil when invalid or when a column it
// names did not compile (its own diagnostics say why).
func (b *builder) constraint(k *config.Constraint) *constraint {
	out := &constraint{cfg: k, op: k.Operator, rhs: k.RHSNumber}
	ok := true
	if _, known := operators[k.Operator]; !known {
		pos, path := k.Meta.At("operator")
		b.errorf(pos, path, "operator %q must be one of lt, le, gt, ge%s", k.Operator, suggest(k.Operator, []string{"lt", "le", "gt", "ge"}))
		ok = false
	}
	resolve := func(key, name string) (*column, bool) {
		pos, path := k.Meta.At(key)
		sc, isSampler := b.byName[name]
		if !isSampler {
			role := map[string]string{"target_column": "target", "rhs": "rhs"}[key]
			if kind, known := b.allNames[name]; known {
				b.errorf(pos, path, "constraint %s %q is not a sampler column (column_type %s); constraints apply to sampler columns only", role, name, kind)
			} else {
				// Worded like the config loader's check, so the two merge.
				b.errorf(pos, path, "constraint %s %q is not a column%s", role, name, suggest(name, b.docNames))
			}
			return nil, false
		}
		col, compiled := b.compiled[sc.Name]
		return col, compiled
	}
	target, okT := resolve("target_column", k.TargetColumn)
	ok = ok && okT
	typ := k.ConstraintType
	if typ == "" {
		typ = scalarInequality
		if k.RHSColumn != "" {
			typ = columnInequality
		}
	}
	rpos, rpath := k.Meta.At("rhs")
	switch typ {
	case scalarInequality:
		if k.RHSColumn != "" {
			b.errorf(rpos, rpath, "rhs %q is not a number; a scalar_inequality compares with a number (use column_inequality to compare columns)", k.RHSColumn)
			return nil
		}
		if math.IsNaN(k.RHSNumber) {
			b.errorf(rpos, rpath, "rhs is NaN; no value compares with NaN, so the constraint could never hold")
			return nil
		}
		if target != nil && target.ordering != numeric {
			pos, path := k.Meta.At("target_column")
			b.errorf(pos, path, "constraint column %q has %s values; a scalar_inequality needs a numeric sampler", target.name, target.typ)
			return nil
		}
	case columnInequality:
		if k.RHSColumn == "" {
			b.errorf(rpos, rpath, "rhs is a number; a column_inequality compares with a column name (use scalar_inequality for numbers)")
			return nil
		}
		rhs, okR := resolve("rhs", k.RHSColumn)
		if !ok || !okR {
			return nil
		}
		if rhs == target {
			b.errorf(rpos, rpath, "constraint compares column %q with itself", rhs.name)
			return nil
		}
		if target.ordering == unordered || target.ordering != rhs.ordering {
			b.errorf(rpos, rpath, "cannot compare %s (%s) with %s (%s); both must be numeric, or both ISO datetimes",
				target.name, describeOrdering(target), rhs.name, describeOrdering(rhs))
			return nil
		}
		out.rhsCol = rhs
	default:
		pos, path := k.Meta.At("constraint_type")
		b.errorf(pos, path, "constraint_type %q must be scalar_inequality or column_inequality", typ)
		return nil
	}
	if !ok {
		return nil
	}
	out.target = target
	return out
}

func describeOrdering(c *column) string {
	switch c.ordering {
	case numeric:
		return "numeric"
	case chronological:
		return "datetime"
	}
	return c.typ.String() + " values"
}

// unit assembles the unit of one group of columns: generation order,
// in-unit cycles, deps from outside and the constraints.
func (b *builder) unit(group []*column) *columns.Unit {
	ordered, ok := b.generationOrder(group)
	if !ok {
		return nil
	}
	g := &unitGen{cols: ordered, index: map[string]int{}}
	for i, c := range ordered {
		g.index[c.name] = i
	}
	g.constraints = b.unitConstraints[group[0]]
	for _, k := range g.constraints {
		k.targetSlot = g.index[k.target.name]
		if k.rhsCol != nil {
			k.rhsSlot = g.index[k.rhsCol.name]
		}
	}

	first := group[0].cfg // group is in config order
	u := &columns.Unit{
		Kind:          Kind,
		Gen:           g,
		PropagateSkip: first.Propagates(),
		Pos:           first.Meta.Pos,
		Path:          first.Meta.Path,
	}
	seen := map[string]bool{}
	for _, c := range ordered {
		u.Columns = append(u.Columns, c.name)
		u.Outputs = append(u.Outputs, columns.Output{Name: c.name, Type: c.typ, Column: c.name, Drop: c.cfg.Drop})
		u.PropagateSkip = u.PropagateSkip || c.cfg.Propagates()
		for _, d := range c.deps {
			if _, inside := g.index[d.Name]; inside || seen[d.Name] {
				continue
			}
			seen[d.Name] = true
			u.Deps = append(u.Deps, d)
		}
	}
	return u
}

// generationOrder sorts a group so every column comes after the columns of
// the group it reads (stable: config order among independent columns). A
// cycle is a diagnostic.
func (b *builder) generationOrder(group []*column) ([]*column, bool) {
	inGroup := map[string]*column{}
	for _, c := range group {
		inGroup[c.name] = c
	}
	reads := map[*column][]*column{}
	for _, c := range group {
		for _, d := range c.deps {
			if dc, ok := inGroup[d.Name]; ok && !slices.Contains(reads[c], dc) {
				reads[c] = append(reads[c], dc)
			}
		}
	}
	var ordered []*column
	done := map[*column]bool{}
	for len(ordered) < len(group) {
		progressed := false
		for _, c := range group {
			if done[c] {
				continue
			}
			ready := true
			for _, dc := range reads[c] {
				if !done[dc] {
					ready = false
					break
				}
			}
			if ready {
				done[c] = true
				ordered = append(ordered, c)
				progressed = true
				break // restart from the first column: config order among ready ones
			}
		}
		if !progressed {
			var stuck []string
			for _, c := range group {
				if !done[c] {
					stuck = append(stuck, c.name)
				}
			}
			var first *column
			for _, c := range group {
				if !done[c] {
					first = c
					break
				}
			}
			b.errorf(first.cfg.Meta.Pos, first.cfg.Meta.Path,
				"sampler columns %s depend on each other in a cycle (through conditions, subcategory parents or timedelta references)",
				strings.Join(stuck, ", "))
			return nil, false
		}
	}
	return ordered, true
}
