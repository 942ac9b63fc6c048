package value

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
)

// JSON renders v the way Python's json.dumps(v, ensure_ascii=False) does:
// ", " and ": " separators, non-ASCII kept, object keys in order (Map
// insertion order; Go maps sorted). It is what a template prints for a
// whole object or list.
func JSON(v any) string {
	var buf bytes.Buffer
	if err := writeJSON(&buf, v, true); err != nil {
		return fmt.Sprintf("%v", v)
	}
	return buf.String()
}

// CompactJSON renders v as compact JSON (no spaces), keys in order.
func CompactJSON(v any) string {
	var buf bytes.Buffer
	if err := writeJSON(&buf, v, false); err != nil {
		return fmt.Sprintf("%v", v)
	}
	return buf.String()
}

func writeJSON(buf *bytes.Buffer, v any, spaced bool) error {
	comma, colon := ",", ":"
	if spaced {
		comma, colon = ", ", ": "
	}
	switch t := v.(type) {
	case nil:
		buf.WriteString("null")
	case string:
		writeString(buf, t)
	case bool:
		buf.WriteString(strconv.FormatBool(t))
	case int:
		buf.WriteString(strconv.Itoa(t))
	case int64:
		buf.WriteString(strconv.FormatInt(t, 10))
	case int32:
		buf.WriteString(strconv.FormatInt(int64(t), 10))
	case float32:
		return writeJSON(buf, float64(t), spaced)
	case float64:
		if math.IsNaN(t) || math.IsInf(t, 0) {
			buf.WriteString("null")
			return nil
		}
		buf.WriteString(FormatFloat(t))
	case *Map:
		buf.WriteByte('{')
		for i, k := range t.Keys() {
			if i > 0 {
				buf.WriteString(comma)
			}
			writeString(buf, k)
			buf.WriteString(colon)
			if err := writeJSON(buf, t.vals[k], spaced); err != nil {
				return err
			}
		}
		buf.WriteByte('}')
	case map[string]any:
		keys := make([]string, 0, len(t))
		for k := range t {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		buf.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				buf.WriteString(comma)
			}
			writeString(buf, k)
			buf.WriteString(colon)
			if err := writeJSON(buf, t[k], spaced); err != nil {
				return err
			}
		}
		buf.WriteByte('}')
	case []any:
		buf.WriteByte('[')
		for i, e := range t {
			if i > 0 {
				buf.WriteString(comma)
			}
			if err := writeJSON(buf, e, spaced); err != nil {
				return err
			}
		}
		buf.WriteByte(']')
	case []string:
		buf.WriteByte('[')
		for i, e := range t {
			if i > 0 {
				buf.WriteString(comma)
			}
			writeString(buf, e)
		}
		buf.WriteByte(']')
	default:
		b, err := json.Marshal(t)
		if err != nil {
			return err
		}
		if spaced {
			// Re-decode so nested objects get the spaced form too.
			d, err := DecodeJSON(b)
			if err != nil {
				return err
			}
			return writeJSON(buf, d, spaced)
		}
		buf.Write(b)
	}
	return nil
}

// FormatFloat formats a float the way Python's repr (and str) does: the
// shortest digits that round-trip, positional when the decimal exponent is in
// [-4, 16) with integral values keeping a ".0" (2.0, 1234567.5), scientific
// otherwise (1e+16, 1.5e-05), and nan, inf, -inf. It is the one place numbers
// become text for templates, CSV and conversions.
func FormatFloat(f float64) string {
	switch {
	case math.IsNaN(f):
		return "nan"
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	case f == 0:
		if math.Signbit(f) {
			return "-0.0"
		}
		return "0.0"
	}
	e := strconv.FormatFloat(f, 'e', -1, 64)
	exp, _ := strconv.Atoi(e[strings.IndexByte(e, 'e')+1:])
	if exp < -4 || exp >= 16 {
		return e
	}
	s := strconv.FormatFloat(f, 'f', -1, 64)
	if !strings.ContainsRune(s, '.') {
		s += ".0"
	}
	return s
}

func writeString(buf *bytes.Buffer, s string) {
	// encoding/json escapes <, >, & for HTML; we want them kept.
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)
	out := b.Bytes()
	buf.Write(out[:len(out)-1]) // drop the newline Encode adds
}
