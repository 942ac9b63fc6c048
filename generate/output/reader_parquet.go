package output

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/deprecated"
	"github.com/parquet-go/parquet-go/format"

	"github.com/synthgen/synthgen/columns/value"
)

// ReadParquetFile reads a whole Parquet file into the value model, with the
// columns inferred from the file schema: strings (and enums, JSON logical
// type) → string, integers → int64, FLOAT/DOUBLE → float64, BOOLEAN → bool,
// groups → *value.Map with fields in schema order, LIST (3-level, legacy
// 2-level) and bare repeated fields → []any; null stays nil and an empty
// list is []any{}. For a file written by this package the column types
// come from its footer, so JSON columns read back as values rather than
// text. Other types (timestamps, decimals, maps...) are an error.
//
// The caller owns the returned slices.
func ReadParquetFile(path string) ([]Column, [][]any, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	cols, rows, err := readParquet(f)
	if err != nil {
		return nil, nil, fmt.Errorf("reading %s: %w", path, err)
	}
	return cols, rows, nil
}

func readParquet(f *os.File) ([]Column, [][]any, error) {
	st, err := f.Stat()
	if err != nil {
		return nil, nil, err
	}
	pf, err := parquet.OpenFile(f, st.Size())
	if err != nil {
		return nil, nil, err
	}
	fields := pf.Schema().Fields()
	cols := make([]Column, len(fields))
	plan := make([]*readNode, len(fields))
	ncols := 0
	for i, fld := range fields {
		n, t, err := readPlan(fld, fld.Name(), &ncols, 0, 0)
		if err != nil {
			return nil, nil, err
		}
		cols[i], plan[i] = Column{Name: fld.Name(), Type: t}, n
	}
	declared := declaredTypes(pf, cols)

	r := parquet.NewReader(pf)
	defer r.Close()
	a := assembler{cols: make([][]parquet.Value, ncols), pos: make([]int, ncols)}
	rows := make([][]any, 0, pf.NumRows())
	buf := make([]parquet.Row, 128)
	for {
		n, err := r.ReadRows(buf)
		for _, prow := range buf[:n] {
			row, err := a.row(prow, plan)
			if err != nil {
				return nil, nil, fmt.Errorf("row %d: %w", len(rows), err)
			}
			if declared != nil {
				for i, v := range row {
					if row[i], err = decodeJSONCells(v, declared[i]); err != nil {
						return nil, nil, fmt.Errorf("row %d, column %q: %w", len(rows), cols[i].Name, err)
					}
				}
			}
			rows = append(rows, row)
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, nil, err
		}
	}
	if declared != nil {
		for i := range cols {
			cols[i].Type = declared[i]
		}
	}
	return cols, rows, nil
}

// declaredTypes returns the column types from the footer of a file written
// by this package when they hold JSON columns and agree with the schema;
// otherwise nil.
func declaredTypes(pf *parquet.File, cols []Column) []value.Type {
	meta, ok := pf.Lookup(columnsMetadataKey)
	if !ok {
		return nil
	}
	var docs []fieldDoc
	if json.Unmarshal([]byte(meta), &docs) != nil || len(docs) != len(cols) {
		return nil
	}
	types := make([]value.Type, len(docs))
	anyJSON := false
	for i, d := range docs {
		t, err := typeOfDoc(d.Type)
		if err != nil || d.Name != cols[i].Name || !storedType(t).Equal(cols[i].Type) {
			return nil
		}
		types[i] = t
		anyJSON = anyJSON || hasJSON(t)
	}
	if !anyJSON {
		return nil
	}
	return types
}

// decodeJSONCells replaces the JSON text stored for the JSON parts of t by
// the values it encodes.
func decodeJSONCells(v any, t value.Type) (any, error) {
	if v == nil || !hasJSON(t) {
		return v, nil
	}
	switch t.Kind {
	case value.KindList:
		l := v.([]any)
		for i, e := range l {
			var err error
			if l[i], err = decodeJSONCells(e, *t.Elem); err != nil {
				return nil, err
			}
		}
		return l, nil
	case value.KindStruct:
		if m, ok := v.(*value.Map); ok {
			for _, f := range t.Fields {
				fv, _ := m.Get(f.Name)
				dv, err := decodeJSONCells(fv, f.Type)
				if err != nil {
					return nil, err
				}
				m.Set(f.Name, dv)
			}
			return m, nil
		}
	}
	// KindJSON, or a struct without fields stored as text.
	return value.DecodeJSON([]byte(v.(string)))
}

// readNode is the read plan of one schema node (Dremel record assembly).
type readNode struct {
	kind     value.Kind
	optional bool
	def      int // definition level of a non-null value of this node
	names    []string
	fields   []*readNode
	elem     *readNode
	elemDef  int // for a list: definition level once it has an element
	rep      int // for a list: repetition level of its 2nd, 3rd... element
	col      int // first leaf column under this node
	ncols    int // number of leaf columns under this node
}

// readPlan builds the read plan and value type of node. col is the next
// leaf column index; def and rep are the levels of node's parent.
func readPlan(node parquet.Node, path string, col *int, def, rep int) (*readNode, value.Type, error) {
	rn := &readNode{col: *col}
	if node.Optional() {
		def++
		rn.optional = true
	}
	rn.def = def
	var t value.Type
	lt := node.Type().LogicalType()
	switch {
	case node.Repeated(): // a repeated field outside a LIST: a list of required elements
		elem, et, err := readPlan(parquet.Required(node), path, col, def+1, rep+1)
		if err != nil {
			return nil, t, err
		}
		rn.kind, rn.elem, rn.elemDef, rn.rep = value.KindList, elem, def+1, rep+1
		t = value.List(et)
	case node.Leaf():
		kind, err := leafKind(node.Type())
		if err != nil {
			return nil, t, fmt.Errorf("column %s: %w", path, err)
		}
		rn.kind, t = kind, value.Type{Kind: kind}
		*col++
	case lt != nil && isLogical[*format.ListType](lt):
		fields := node.Fields()
		if len(fields) != 1 || !fields[0].Repeated() {
			return nil, t, fmt.Errorf("column %s: LIST without one repeated field", path)
		}
		rg := fields[0]
		var elemNode parquet.Node = parquet.Required(rg) // legacy 2-level list
		if !rg.Leaf() && len(rg.Fields()) == 1 && rg.Name() != "array" && !strings.HasSuffix(rg.Name(), "_tuple") {
			elemNode = rg.Fields()[0] // standard 3-level list
		}
		elem, et, err := readPlan(elemNode, path+".element", col, def+1, rep+1)
		if err != nil {
			return nil, t, err
		}
		rn.kind, rn.elem, rn.elemDef, rn.rep = value.KindList, elem, def+1, rep+1
		t = value.List(et)
	case lt != nil && lt.Value != nil:
		return nil, t, fmt.Errorf("column %s: unsupported logical type %s", path, lt)
	default:
		rn.kind = value.KindStruct
		var fields []value.Field
		for _, f := range node.Fields() {
			fn, ft, err := readPlan(f, path+"."+f.Name(), col, def, rep)
			if err != nil {
				return nil, t, err
			}
			rn.names = append(rn.names, f.Name())
			rn.fields = append(rn.fields, fn)
			fields = append(fields, value.Field{Name: f.Name(), Type: ft})
		}
		t = value.Struct(fields...)
	}
	rn.ncols = *col - rn.col
	return rn, t, nil
}

func isLogical[T any](lt *format.LogicalType) bool {
	_, ok := lt.Value.(T)
	return ok
}

// leafKind maps a Parquet leaf type to a value kind.
func leafKind(t parquet.Type) (value.Kind, error) {
	lt, ct := t.LogicalType(), t.ConvertedType()
	plain := (lt == nil || lt.Value == nil) && ct == nil
	switch t.Kind() {
	case parquet.Boolean:
		return value.KindBool, nil
	case parquet.Float, parquet.Double:
		return value.KindFloat, nil
	case parquet.Int32, parquet.Int64:
		if plain || (lt != nil && isLogical[*format.IntType](lt)) || (lt == nil && ct != nil && *ct >= deprecated.Uint8 && *ct <= deprecated.Int64) {
			return value.KindInt, nil
		}
	case parquet.ByteArray:
		if plain || (lt != nil && (isLogical[*format.StringType](lt) || isLogical[*format.EnumType](lt) || isLogical[*format.JsonType](lt))) ||
			(lt == nil && ct != nil && (*ct == deprecated.UTF8 || *ct == deprecated.Enum || *ct == deprecated.Json)) {
			return value.KindString, nil
		}
	}
	return 0, fmt.Errorf("unsupported Parquet type %s", t)
}

// assembler rebuilds values from the per-column values of one row.
type assembler struct {
	cols [][]parquet.Value // values of the current row, by leaf column
	pos  []int             // next unread value in each column
	err  error
}

func (a *assembler) row(prow parquet.Row, plan []*readNode) ([]any, error) {
	for i := range a.cols {
		a.cols[i], a.pos[i] = nil, 0
	}
	prow.Range(func(c int, vals []parquet.Value) bool {
		if c < len(a.cols) {
			a.cols[c] = vals
		}
		return true
	})
	a.err = nil
	row := make([]any, len(plan))
	for i, n := range plan {
		row[i] = a.read(n)
	}
	for c := range a.cols {
		if a.err == nil && a.pos[c] != len(a.cols[c]) {
			a.err = fmt.Errorf("leaf column %d: %d values, %d used", c, len(a.cols[c]), a.pos[c])
		}
	}
	return row, a.err
}

// peek returns the next value of column c; a missing value is recorded
// as an error (a malformed file) and reads as null.
func (a *assembler) peek(c int) parquet.Value {
	if a.pos[c] >= len(a.cols[c]) {
		if a.err == nil {
			a.err = fmt.Errorf("leaf column %d: too few values", c)
		}
		return parquet.Value{}
	}
	return a.cols[c][a.pos[c]]
}

func (a *assembler) skip(n *readNode) {
	for c := n.col; c < n.col+n.ncols; c++ {
		a.pos[c]++
	}
}

func (a *assembler) read(n *readNode) any {
	if n.optional && a.peek(n.col).DefinitionLevel() < n.def {
		a.skip(n)
		return nil
	}
	switch n.kind {
	case value.KindStruct:
		m := value.NewMap()
		for i, f := range n.fields {
			m.Set(n.names[i], a.read(f))
		}
		return m
	case value.KindList:
		out := []any{}
		if a.peek(n.col).DefinitionLevel() < n.elemDef {
			a.skip(n)
			return out
		}
		for a.err == nil {
			out = append(out, a.read(n.elem))
			c := n.col
			if a.pos[c] >= len(a.cols[c]) || a.cols[c][a.pos[c]].RepetitionLevel() != n.rep {
				break
			}
		}
		return out
	}
	v := a.peek(n.col)
	a.pos[n.col]++
	if v.IsNull() {
		return nil
	}
	switch v.Kind() {
	case parquet.Boolean:
		return v.Boolean()
	case parquet.Int32:
		return int64(v.Int32())
	case parquet.Int64:
		return v.Int64()
	case parquet.Float:
		return float64(v.Float())
	case parquet.Double:
		return v.Double()
	case parquet.ByteArray:
		return string(v.ByteArray())
	}
	if a.err == nil {
		a.err = fmt.Errorf("unexpected %s value", v.Kind())
	}
	return nil
}
