package generate

import (
	"encoding/binary"
	"hash/maphash"
	"math"
	"strconv"

	"github.com/synthgen/synthgen/columns/value"
	"github.com/synthgen/synthgen/generate/output"
)

// ColumnStat is one column's entry in metadata.json column_statistics.
type ColumnStat struct {
	Type         string   `json:"type"`
	NonNullCount int64    `json:"non_null_count"`
	NullCount    int64    `json:"null_count"`
	UniqueCount  int64    `json:"unique_count"`
	UniqueCapped bool     `json:"unique_count_capped,omitempty"`
	Min          *float64 `json:"min,omitempty"`
	Max          *float64 `json:"max,omitempty"`
	Mean         *float64 `json:"mean,omitempty"`
}

// uniqueCap bounds the memory of unique counting: past this many distinct
// values a column reports the cap and unique_count_capped (memory must not
// grow with the number of rows).
const uniqueCap = 100_000

type colAcc struct {
	typ      string
	nonNull  int64
	null     int64
	seen     map[uint64]struct{}
	capped   bool
	min, max float64
	sum, c   float64 // Neumaier's compensated sum and its correction
	nums     int64
}

type statsAcc struct {
	seed maphash.Seed
	cols map[string]*colAcc
	keys []string
}

func newStatsAcc() *statsAcc {
	return &statsAcc{seed: maphash.MakeSeed(), cols: map[string]*colAcc{}}
}

func (s *statsAcc) add(cols []output.Column, rows [][]any) {
	for k, c := range cols {
		a, ok := s.cols[c.Name]
		if !ok {
			a = &colAcc{typ: c.Type.String(), seen: map[uint64]struct{}{}, min: math.Inf(1), max: math.Inf(-1)}
			s.cols[c.Name] = a
			s.keys = append(s.keys, c.Name)
		}
		for _, r := range rows {
			v := r[k]
			if v == nil {
				a.null++
				continue
			}
			a.nonNull++
			if !a.capped {
				var h maphash.Hash
				h.SetSeed(s.seed)
				hashValue(&h, v)
				a.seen[h.Sum64()] = struct{}{}
				if len(a.seen) >= uniqueCap {
					a.capped = true
					a.seen = nil
				}
			}
			var f float64
			switch t := v.(type) {
			case int64:
				f = float64(t)
			case float64:
				f = t
			default:
				continue
			}
			if math.IsNaN(f) || math.IsInf(f, 0) {
				continue // JSON has no NaN/Inf; statistics cover finite values
			}
			a.nums++
			// Compensated, so the mean hardly depends on the order in which
			// row groups complete.
			t := a.sum + f
			if math.Abs(a.sum) >= math.Abs(f) {
				a.c += (a.sum - t) + f
			} else {
				a.c += (f - t) + a.sum
			}
			a.sum = t
			a.min = math.Min(a.min, f)
			a.max = math.Max(a.max, f)
		}
	}
}

func (s *statsAcc) result() map[string]*ColumnStat {
	out := map[string]*ColumnStat{}
	for _, name := range s.keys {
		a := s.cols[name]
		st := &ColumnStat{Type: a.typ, NonNullCount: a.nonNull, NullCount: a.null, UniqueCount: int64(len(a.seen)), UniqueCapped: a.capped}
		if a.capped {
			st.UniqueCount = uniqueCap
		}
		if a.nums > 0 {
			mn, mx, mean := a.min, a.max, roundSig((a.sum+a.c)/float64(a.nums), 12)
			st.Min, st.Max, st.Mean = &mn, &mx, &mean
		}
		out[name] = st
	}
	return out
}

// roundSig rounds x to n significant digits: the mean of the same values
// added in another order (groups complete in any order) prints the same.
func roundSig(x float64, n int) float64 {
	if x == 0 || math.IsNaN(x) || math.IsInf(x, 0) {
		return x
	}
	f, err := strconv.ParseFloat(strconv.FormatFloat(x, 'g', n, 64), 64)
	if err != nil {
		return x
	}
	return f
}

// hashValue feeds v's structure to h without building its JSON text (a
// trace per row made that a tenth of the writer's time): equal values hash
// equally, and a tag before each part keeps different shapes apart.
func hashValue(h *maphash.Hash, v any) {
	switch t := v.(type) {
	case nil:
		h.WriteByte('n')
	case string:
		h.WriteByte('s')
		writeLen(h, len(t))
		h.WriteString(t)
	case bool:
		if t {
			h.WriteByte('t')
		} else {
			h.WriteByte('f')
		}
	case int64:
		h.WriteByte('i')
		writeLen(h, int(t))
	case float64:
		h.WriteByte('d')
		writeLen(h, int(math.Float64bits(t)))
	case []any:
		h.WriteByte('[')
		writeLen(h, len(t))
		for _, e := range t {
			hashValue(h, e)
		}
	case *value.Map:
		h.WriteByte('{')
		keys := t.Keys()
		writeLen(h, len(keys))
		for _, k := range keys {
			e, _ := t.Get(k)
			h.WriteString(k)
			h.WriteByte(0)
			hashValue(h, e)
		}
	default: // other types: their JSON text
		h.WriteByte('j')
		h.WriteString(value.CompactJSON(v))
	}
}

func writeLen(h *maphash.Hash, n int) {
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], uint64(n))
	h.Write(b[:])
}
