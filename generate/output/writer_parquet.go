package output

import (
	"bufio"
	"encoding/json"
	"fmt"
	"math"
	"unsafe"

	"github.com/parquet-go/parquet-go"

	"github.com/synthgen/synthgen/columns/value"
)

// WriteParquetFile writes rows to a new Parquet file at path, atomically
// (see Writer): a crash or an error never leaves a partial file at path.
//
// Each row holds one value per column, in column order. Column types map to
// plain Parquet types, every column and struct field optional (nullable):
//
//	String  BYTE_ARRAY (STRING)
//	Int     INT64 (INTEGER(64, signed))
//	Float   DOUBLE
//	Bool    BOOLEAN
//	Struct  group of its fields, in declaration order
//	List    LIST (3-level: <name> / list / element), element optional
//	JSON    BYTE_ARRAY (STRING) holding value.CompactJSON of the value
//
// A struct with no fields is stored like JSON (Parquet has no empty
// groups). A struct value is a *value.Map or map[string]any whose missing
// keys are null; a key the type does not name is an error. A list value is
// a []any (or []string). Numbers convert between int, int32, int64 and
// float64 when no precision is lost; any other mismatch is a *ValueError.
//
// Identical input gives a byte-identical file: the footer has no
// timestamps, only the column types (key "synthgen.columns") so that
// ReadParquetFile can restore JSON columns.
func WriteParquetFile(path string, cols []Column, rows [][]any) error {
	w, err := NewWriter(FormatParquet, path, cols)
	if err != nil {
		return err
	}
	if err := w.Write(rows); err != nil {
		w.Close()
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return w.Close()
}

const (
	// columnsMetadataKey is the footer key holding the column types as JSON.
	columnsMetadataKey = "synthgen.columns"

	// parquetRowGroupRows bounds a row group, and with it the memory the
	// writer holds (pages are kept until their row group is flushed). LLM
	// rows with traces run to tens of KB, so this keeps a group at roughly
	// the 64–128 MB readers are tuned for.
	parquetRowGroupRows = 8192

	// shredChunkRows is how many rows are turned into Parquet values before
	// they are handed to the library, bounding the scratch memory.
	shredChunkRows = 256
)

// parquetEncoder shreds rows into Parquet values by hand: the schema is only
// known at run time, and a direct walk over the value model is both faster
// and stricter than the library's reflection over maps.
type parquetEncoder struct {
	w     *parquet.Writer
	buf   *bufio.Writer
	cols  []*shredNode
	names []string
	sh    shredder
	rows  []parquet.Row
	vals  []parquet.Value
}

func newParquetEncoder(f *atomicFile, cols []Column) (encoder, error) {
	schema, shred := parquetSchema(cols)
	opts, err := parquetOptions(schema, cols)
	if err != nil {
		return nil, err
	}
	buf := bufio.NewWriterSize(f, 1<<16)
	w := parquet.NewWriter(buf, opts...)
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = c.Name
	}
	e := &parquetEncoder{w: w, buf: buf, cols: shred, names: names}
	e.sh.cols = make([][]parquet.Value, len(schema.Columns()))
	return e, nil
}

// parquetOptions are the options of every Parquet file this package
// writes with schema, the schema of cols.
func parquetOptions(schema *parquet.Schema, cols []Column) ([]parquet.WriterOption, error) {
	meta, err := json.Marshal(columnsDoc(cols))
	if err != nil {
		return nil, err
	}
	return []parquet.WriterOption{
		schema,
		// zstd: LLM text compresses markedly better than with snappy at
		// similar write speed, and DuckDB, pyarrow and Spark all read it.
		parquet.Compression(&parquet.Zstd),
		parquet.MaxRowsPerRowGroup(parquetRowGroupRows),
		parquet.KeyValueMetadata(columnsMetadataKey, string(meta)),
	}, nil
}

func (e *parquetEncoder) encode(rows [][]any, first int) error {
	for len(rows) > 0 {
		n := min(len(rows), shredChunkRows)
		if err := e.encodeChunk(rows[:n], first); err != nil {
			return err
		}
		rows, first = rows[n:], first+n
	}
	return nil
}

// encodeChunk shreds rows into one backing slice of values, row after row,
// each row's values ordered by leaf column as parquet.Row requires.
func (e *parquetEncoder) encodeChunk(rows [][]any, first int) error {
	vals := e.vals[:0]
	ends := make([]int, 0, len(rows))
	for i, row := range rows {
		e.sh.reset()
		for j, n := range e.cols {
			if err := e.sh.put(n, row[j], 0); err != nil {
				ve := &ValueError{Row: first + i, Column: e.names[j], Err: err}
				if pe, ok := err.(*pathError); ok {
					ve.Path, ve.Err = pe.path, pe.err
				}
				return ve
			}
		}
		for _, c := range e.sh.cols {
			vals = append(vals, c...)
		}
		ends = append(ends, len(vals))
	}
	e.vals = vals
	e.rows = e.rows[:0]
	start := 0
	for _, end := range ends {
		e.rows = append(e.rows, vals[start:end:end])
		start = end
	}
	_, err := e.w.WriteRows(e.rows)
	clear(e.vals) // drop references to the caller's strings
	return err
}

func (e *parquetEncoder) finish() error {
	if err := e.w.Close(); err != nil {
		return err
	}
	return e.buf.Flush()
}

// shredNode is the write plan of one value type: where its leaf columns are
// and which definition and repetition levels its values get.
type shredNode struct {
	kind   value.Kind // KindJSON also for a struct without fields
	name   string     // field name inside a struct
	fields []*shredNode
	elem   *shredNode
	col    int // first leaf column under this node
	ncols  int // number of leaf columns under this node
	def    int // definition level of a non-null value of this node
	rep    int // for a list: the repetition level of its 2nd, 3rd... element
}

// parquetSchema builds the Parquet schema WriteParquetFile writes for cols
// (every node optional) and the matching shred plan, one shredNode per
// column.
func parquetSchema(cols []Column) (*parquet.Schema, []*shredNode) {
	return buildSchema(cols, false)
}

// ParquetSchema returns the Parquet schema of cols: the one WriteParquetFile
// writes, every column, struct field and list element optional (nullable),
// or with required the same nodes all required (see StructOptions.Required).
func ParquetSchema(cols []Column, required bool) *parquet.Schema {
	schema, _ := buildSchema(cols, required)
	return schema
}

// buildSchema builds the Parquet schema of cols, its nodes optional or all
// required, and its shred plan. The shredder writes nulls, so only the
// optional schema's plan is for it.
func buildSchema(cols []Column, required bool) (*parquet.Schema, []*shredNode) {
	names := make([]string, len(cols))
	nodes := make([]parquet.Node, len(cols))
	plan := make([]*shredNode, len(cols))
	col, def := 0, 1
	if required {
		def = 0
	}
	for i, c := range cols {
		names[i] = c.Name
		nodes[i], plan[i] = parquetNode(c.Type, &col, def, 0, required)
		plan[i].name = c.Name
	}
	return parquet.NewSchema("schema", newStructNode(names, nodes)), plan
}

// parquetNode returns the Parquet node for t, optional or with required
// required, and its shred plan. col is the next free leaf column index;
// def is the definition level of a non-null t and rep the number of lists
// around t.
func parquetNode(t value.Type, col *int, def, rep int, required bool) (parquet.Node, *shredNode) {
	opt := 1 // the definition level an optional node adds
	if required {
		opt = 0
	}
	sn := &shredNode{kind: t.Kind, col: *col, def: def}
	var n parquet.Node
	switch t.Kind {
	case value.KindString:
		n = parquet.String()
	case value.KindInt:
		n = parquet.Int(64)
	case value.KindFloat:
		n = parquet.Leaf(parquet.DoubleType)
	case value.KindBool:
		n = parquet.Leaf(parquet.BooleanType)
	case value.KindStruct:
		if len(t.Fields) == 0 {
			sn.kind = value.KindJSON
			n = parquet.String()
			break
		}
		names := make([]string, len(t.Fields))
		nodes := make([]parquet.Node, len(t.Fields))
		for i, f := range t.Fields {
			var fn *shredNode
			names[i] = f.Name
			nodes[i], fn = parquetNode(f.Type, col, def+opt, rep, required)
			fn.name = f.Name
			sn.fields = append(sn.fields, fn)
		}
		n = newStructNode(names, nodes)
	case value.KindList:
		// <list> optional group (LIST) / list repeated group / element optional
		// (or both required)
		var en parquet.Node
		en, sn.elem = parquetNode(*t.Elem, col, def+1+opt, rep+1, required)
		sn.rep = rep + 1
		n = parquet.List(en)
	default: // KindJSON; checkType rejected anything else
		sn.kind = value.KindJSON
		n = parquet.String()
	}
	if n.Leaf() {
		*col++
	}
	sn.ncols = *col - sn.col
	if required {
		return parquet.Required(n), sn
	}
	return parquet.Optional(n), sn
}

// structNode is a Parquet group whose fields keep the order they were
// declared in; parquet.Group sorts them by name.
type structNode struct {
	parquet.Group
	fields []parquet.Field
}

func newStructNode(names []string, nodes []parquet.Node) *structNode {
	g := make(parquet.Group, len(names))
	for i, name := range names {
		g[name] = nodes[i]
	}
	byName := make(map[string]parquet.Field, len(names))
	for _, f := range g.Fields() {
		byName[f.Name()] = f
	}
	fields := make([]parquet.Field, len(names))
	for i, name := range names {
		fields[i] = byName[name]
	}
	return &structNode{Group: g, fields: fields}
}

func (n *structNode) Fields() []parquet.Field { return n.fields }

// shredder turns one row into per-leaf-column values (Dremel shredding).
type shredder struct {
	cols [][]parquet.Value
}

func (s *shredder) reset() {
	for i := range s.cols {
		s.cols[i] = s.cols[i][:0]
	}
}

// nulls records "absent at definition level def" in every leaf under n.
func (s *shredder) nulls(n *shredNode, rep, def int) {
	for c := n.col; c < n.col+n.ncols; c++ {
		s.cols[c] = append(s.cols[c], parquet.Value{}.Level(rep, def, c))
	}
}

func (s *shredder) leaf(n *shredNode, v parquet.Value, rep int) {
	s.cols[n.col] = append(s.cols[n.col], v.Level(rep, n.def, n.col))
}

// put shreds v, a value of node n, whose first leaf value gets repetition
// level rep.
func (s *shredder) put(n *shredNode, v any, rep int) error {
	if v == nil {
		s.nulls(n, rep, n.def-1)
		return nil
	}
	switch n.kind {
	case value.KindString:
		str, ok := v.(string)
		if !ok {
			return mismatch(n, v)
		}
		s.leaf(n, stringValue(str), rep)
	case value.KindJSON:
		s.leaf(n, stringValue(value.CompactJSON(v)), rep)
	case value.KindInt:
		i, ok := toInt(v)
		if !ok {
			return mismatch(n, v)
		}
		s.leaf(n, parquet.Int64Value(i), rep)
	case value.KindFloat:
		f, ok := toFloat(v)
		if !ok {
			return mismatch(n, v)
		}
		s.leaf(n, parquet.DoubleValue(f), rep)
	case value.KindBool:
		b, ok := v.(bool)
		if !ok {
			return mismatch(n, v)
		}
		s.leaf(n, parquet.BooleanValue(b), rep)
	case value.KindStruct:
		return s.putStruct(n, v, rep)
	case value.KindList:
		return s.putList(n, v, rep)
	}
	return nil
}

func (s *shredder) putStruct(n *shredNode, v any, rep int) error {
	found, size := 0, 0
	for _, f := range n.fields {
		var fv any
		var ok bool
		switch m := v.(type) {
		case *value.Map:
			fv, ok = m.Get(f.name)
			size = m.Len()
		case map[string]any:
			fv, ok = m[f.name]
			size = len(m)
		default:
			return mismatch(n, v)
		}
		if ok {
			found++
		}
		if err := s.put(f, fv, rep); err != nil {
			return withPath("."+f.name, err)
		}
	}
	if found < size {
		return &pathError{err: fmt.Errorf("key %q is not a field of the struct", unknownKey(n, v))}
	}
	return nil
}

func (s *shredder) putList(n *shredNode, v any, rep int) error {
	var l []any
	switch x := v.(type) {
	case []any:
		l = x
	case []string:
		l = make([]any, len(x))
		for i, e := range x {
			l[i] = e
		}
	default:
		return mismatch(n, v)
	}
	if len(l) == 0 {
		s.nulls(n, rep, n.def)
		return nil
	}
	for i, e := range l {
		if i > 0 {
			rep = n.rep
		}
		if err := s.put(n.elem, e, rep); err != nil {
			return withPath(fmt.Sprintf("[%d]", i), err)
		}
	}
	return nil
}

// stringValue makes a BYTE_ARRAY value that shares s's bytes; the writer
// copies them into its pages and never modifies them.
func stringValue(s string) parquet.Value {
	return parquet.ByteArrayValue(unsafe.Slice(unsafe.StringData(s), len(s)))
}

// toInt accepts any integer and a float64 that holds an integer exactly.
func toInt(v any) (int64, bool) {
	switch x := v.(type) {
	case int64:
		return x, true
	case int:
		return int64(x), true
	case int32:
		return int64(x), true
	case float64:
		if x == math.Trunc(x) && x >= -(1<<63) && x < 1<<63 {
			return int64(x), true
		}
	case float32:
		return toInt(float64(x))
	}
	return 0, false
}

// maxExactInt is the largest integer a float64 holds exactly (2^53).
const maxExactInt = 1 << 53

// toFloat accepts any float and an integer that a float64 holds exactly.
func toFloat(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case float32:
		return float64(x), true
	case int64:
		if x >= -maxExactInt && x <= maxExactInt {
			return float64(x), true
		}
	case int:
		return toFloat(int64(x))
	case int32:
		return float64(x), true
	}
	return 0, false
}

func unknownKey(n *shredNode, v any) string {
	known := make(map[string]bool, len(n.fields))
	for _, f := range n.fields {
		known[f.name] = true
	}
	var keys []string
	switch m := v.(type) {
	case *value.Map:
		keys = m.Keys()
	case map[string]any:
		for k := range m {
			if !known[k] && (keys == nil || k < keys[0]) {
				keys = []string{k} // smallest, so the message is stable
			}
		}
	}
	for _, k := range keys {
		if !known[k] {
			return k
		}
	}
	return ""
}

// pathError is a value mismatch with its position inside the cell, built
// up while put returns.
type pathError struct {
	path string
	err  error
}

func (e *pathError) Error() string { return e.path + ": " + e.err.Error() }

func withPath(prefix string, err error) error {
	if pe, ok := err.(*pathError); ok {
		pe.path = prefix + pe.path
	}
	return err
}

func mismatch(n *shredNode, v any) error {
	got := value.KindOf(v)
	if got == "unknown" {
		got = fmt.Sprintf("%T", v)
	}
	want := kindNames[n.kind]
	if (n.kind == value.KindInt || n.kind == value.KindFloat) && (got == "int" || got == "float") {
		return &pathError{err: fmt.Errorf("%s %v has no exact %s value", got, v, want)}
	}
	return &pathError{err: fmt.Errorf("want %s, got %s", want, got)}
}
