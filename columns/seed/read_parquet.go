package seed

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math"
	"math/big"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/format"

	"github.com/synthgen/synthgen/columns/value"
)

// readParquet reads a Parquet file into the value model: groups become
// *value.Map (fields in file order), LIST and repeated fields []any, MAP
// *value.Map, integers int64, floating point float64, strings and enums
// string, JSON values decoded, timestamps, dates and times ISO 8601 strings
// (a "Z" suffix when adjusted to UTC), decimals float64, UUIDs their
// canonical text, other binary text when valid UTF-8 and base64 otherwise.
func readParquet(path string, data []byte) (t *table, err error) {
	defer func() {
		// parquet-go panics on some malformed schemas.
		if r := recover(); r != nil {
			t, err = nil, fmt.Errorf("parsing seed file %s: %v", path, r)
		}
	}()
	f, err := parquet.OpenFile(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, fmt.Errorf("parsing seed file %s: %w", path, err)
	}
	fields := f.Schema().Fields()
	t = &table{names: make([]string, len(fields)), cols: make([][]any, len(fields))}
	offsets := make([]int, len(fields)+1) // first leaf column of each field
	for i, fld := range fields {
		t.names[i] = fld.Name()
		offsets[i+1] = offsets[i] + leafCount(fld)
	}
	for i := range t.cols {
		t.cols[i] = make([]any, 0, f.NumRows())
	}
	columns := make([][]parquet.Value, offsets[len(fields)])
	buf := make([]parquet.Row, 128)
	for _, rg := range f.RowGroups() {
		if err := readRowGroup(rg, buf, func(row parquet.Row) error {
			clear(columns)
			row.Range(func(i int, vals []parquet.Value) bool {
				if i < len(columns) {
					columns[i] = vals
				}
				return true
			})
			for i, fld := range fields {
				v, err := assemble(fld, levels{}, columns[offsets[i]:offsets[i+1]])
				if err != nil {
					return fmt.Errorf("column %s: %w", fld.Name(), err)
				}
				t.cols[i] = append(t.cols[i], v)
			}
			t.rows++
			return nil
		}); err != nil {
			return nil, fmt.Errorf("parsing seed file %s: row %d: %w", path, t.rows, err)
		}
	}
	return t, nil
}

func readRowGroup(rg parquet.RowGroup, buf []parquet.Row, each func(parquet.Row) error) error {
	rows := rg.Rows()
	defer rows.Close()
	for {
		n, err := rows.ReadRows(buf)
		for _, row := range buf[:n] {
			if err := each(row); err != nil {
				return err
			}
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		if n == 0 {
			return nil
		}
	}
}

func leafCount(n parquet.Node) int {
	if n.Leaf() {
		return 1
	}
	c := 0
	for _, f := range n.Fields() {
		c += leafCount(f)
	}
	return c
}

// levels tracks the repetition depth and definition level reached while
// assembling a value from its leaf columns (Dremel record assembly).
type levels struct {
	repDepth int
	def      int
}

// assemble builds the value of node from the values of its leaf columns
// for one row (or one element of an enclosing repeated field).
func assemble(node parquet.Node, lv levels, cols [][]parquet.Value) (any, error) {
	switch {
	case node.Optional():
		lv.def++
		if len(cols) > 0 && len(cols[0]) > 0 && cols[0][0].DefinitionLevel() < lv.def {
			return nil, nil
		}
		return assembleRequired(node, lv, cols)
	case node.Repeated():
		return assembleRepeated(lv, cols, func(lv levels, cols [][]parquet.Value) (any, error) {
			return assembleRequired(node, lv, cols)
		})
	}
	return assembleRequired(node, lv, cols)
}

// assembleRepeated splits the column values into the elements of one
// repeated field and assembles each with elem.
func assembleRepeated(lv levels, cols [][]parquet.Value, elem func(levels, [][]parquet.Value) (any, error)) ([]any, error) {
	lv.repDepth++
	lv.def++
	out := []any{}
	if len(cols) == 0 || len(cols[0]) == 0 || cols[0][0].DefinitionLevel() < lv.def {
		return out, nil
	}
	rest := make([][]parquet.Value, len(cols))
	copy(rest, cols)
	part := make([][]parquet.Value, len(cols))
	for len(rest[0]) > 0 {
		for j, col := range rest {
			k := 1
			for k < len(col) && col[k].RepetitionLevel() > lv.repDepth {
				k++
			}
			k = min(k, len(col))
			part[j], rest[j] = col[:k], col[k:]
		}
		v, err := elem(lv, part)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

func assembleRequired(node parquet.Node, lv levels, cols [][]parquet.Value) (any, error) {
	if node.Leaf() {
		if len(cols) == 0 || len(cols[0]) == 0 {
			return nil, errors.New("no value in the row")
		}
		return leafValue(node.Type(), cols[0][0])
	}
	fields := node.Fields()
	switch logicalValue(node.Type().LogicalType()).(type) {
	case *format.ListType:
		if len(fields) == 1 && fields[0].Repeated() {
			rep := fields[0]
			// The standard three-level list: the repeated group's only
			// field is the element. A repeated leaf, a repeated group of
			// several fields, or one named "array" / "*_tuple" (older
			// writers) is itself the element.
			inner := !rep.Leaf() && len(rep.Fields()) == 1 && rep.Name() != "array" && !strings.HasSuffix(rep.Name(), "_tuple")
			return assembleRepeated(lv, cols, func(lv levels, cols [][]parquet.Value) (any, error) {
				if inner {
					return assemble(rep.Fields()[0], lv, cols)
				}
				return assembleRequired(rep, lv, cols)
			})
		}
	case *format.MapType:
		if len(fields) == 1 && fields[0].Repeated() && !fields[0].Leaf() && len(fields[0].Fields()) == 2 {
			return assembleMap(fields[0], lv, cols)
		}
	}
	m := value.NewMap()
	off := 0
	for _, f := range fields {
		n := leafCount(f)
		v, err := assemble(f, lv, cols[off:off+n])
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f.Name(), err)
		}
		m.Set(f.Name(), v)
		off += n
	}
	return m, nil
}

// assembleMap builds a *value.Map from a MAP's repeated key_value group.
func assembleMap(kv parquet.Node, lv levels, cols [][]parquet.Value) (any, error) {
	key, val := kv.Fields()[0], kv.Fields()[1]
	if val.Name() == "key" {
		key, val = val, key
	}
	nk := leafCount(key)
	m := value.NewMap()
	_, err := assembleRepeated(lv, cols, func(lv levels, cols [][]parquet.Value) (any, error) {
		k, err := assemble(key, lv, cols[:nk])
		if err != nil {
			return nil, err
		}
		v, err := assemble(val, lv, cols[nk:])
		if err != nil {
			return nil, err
		}
		ks, ok := k.(string)
		if !ok {
			ks = value.JSON(k)
		}
		m.Set(ks, v)
		return nil, nil
	})
	if err != nil {
		return nil, err
	}
	return m, nil
}

// logicalValue is lt's annotation, or nil.
func logicalValue(lt *format.LogicalType) format.LogicalTypeValue {
	if lt == nil {
		return nil
	}
	return lt.Value
}

// leafValue converts one non-null leaf value.
func leafValue(typ parquet.Type, v parquet.Value) (any, error) {
	if v.IsNull() {
		return nil, nil
	}
	lt := logicalValue(typ.LogicalType())
	switch typ.Kind() {
	case parquet.Boolean:
		return v.Boolean(), nil
	case parquet.Int32:
		switch l := lt.(type) {
		case *format.DateType:
			return time.Unix(int64(v.Int32())*86400, 0).UTC().Format(time.DateOnly), nil
		case *format.TimeType:
			return timeOfDay(int64(v.Int32()), l.Unit.Value), nil
		case *format.DecimalType:
			return scaled(big.NewInt(int64(v.Int32())), l.Scale), nil
		case *format.IntType:
			if !l.IsSigned {
				return int64(v.Uint32()), nil
			}
		}
		return int64(v.Int32()), nil
	case parquet.Int64:
		switch l := lt.(type) {
		case *format.TimestampType:
			return timestamp(v.Int64(), l.Unit.Value, l.IsAdjustedToUTC), nil
		case *format.TimeType:
			return timeOfDay(v.Int64(), l.Unit.Value), nil
		case *format.DecimalType:
			return scaled(big.NewInt(v.Int64()), l.Scale), nil
		case *format.IntType:
			if !l.IsSigned && v.Uint64() > math.MaxInt64 {
				return float64(v.Uint64()), nil
			}
		}
		return v.Int64(), nil
	case parquet.Int96:
		i := v.Int96()
		nanos := int64(uint64(i[1])<<32 | uint64(i[0]))
		days := int64(i[2]) - 2440588 // Julian day of 1970-01-01
		return time.Unix(days*86400, nanos).UTC().Format("2006-01-02T15:04:05.999999999"), nil
	case parquet.Float:
		return float64(v.Float()), nil
	case parquet.Double:
		return v.Double(), nil
	case parquet.ByteArray, parquet.FixedLenByteArray:
		b := v.ByteArray()
		switch l := lt.(type) {
		case *format.StringType, *format.EnumType:
			return string(b), nil
		case *format.JsonType:
			if d, err := value.DecodeJSON(b); err == nil {
				return d, nil
			}
			return string(b), nil
		case *format.UUIDType:
			if len(b) == 16 {
				h := hex.EncodeToString(b)
				return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:], nil
			}
		case *format.DecimalType:
			n := new(big.Int).SetBytes(b)
			if len(b) > 0 && b[0]&0x80 != 0 { // two's complement
				n.Sub(n, new(big.Int).Lsh(big.NewInt(1), uint(8*len(b))))
			}
			return scaled(n, l.Scale), nil
		case *format.Float16Type:
			if len(b) == 2 {
				return float16(uint16(b[0]) | uint16(b[1])<<8), nil
			}
		}
		if utf8.Valid(b) {
			return string(b), nil
		}
		return base64.StdEncoding.EncodeToString(b), nil
	}
	return nil, fmt.Errorf("unsupported parquet type %s", typ)
}

func timestamp(n int64, unit format.TimeUnitValue, utc bool) string {
	var t time.Time
	switch unit.(type) {
	case *format.MilliSeconds:
		t = time.UnixMilli(n)
	case *format.NanoSeconds:
		t = time.Unix(0, n)
	default:
		t = time.UnixMicro(n)
	}
	s := t.UTC().Format("2006-01-02T15:04:05.999999999")
	if utc {
		s += "Z"
	}
	return s
}

func timeOfDay(n int64, unit format.TimeUnitValue) string {
	d := time.Duration(n) * time.Millisecond
	if unit != nil {
		d = time.Duration(n) * unit.Duration()
	}
	return time.Unix(0, 0).UTC().Add(d).Format("15:04:05.999999999")
}

func scaled(n *big.Int, scale int32) float64 {
	f, _ := new(big.Float).Quo(new(big.Float).SetInt(n), new(big.Float).SetInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(scale)), nil))).Float64()
	return f
}

// float16 converts IEEE 754 half precision bits.
func float16(h uint16) float64 {
	sign := 1.0
	if h&0x8000 != 0 {
		sign = -1
	}
	exp := int(h>>10) & 0x1f
	frac := float64(h & 0x3ff)
	switch exp {
	case 0:
		return sign * math.Ldexp(frac, -24)
	case 0x1f:
		if frac == 0 {
			return math.Inf(int(sign))
		}
		return math.NaN()
	}
	return sign * math.Ldexp(1+frac/1024, exp-15)
}
