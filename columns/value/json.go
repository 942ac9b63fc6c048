package value

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strconv"
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

// FormatFloat formats a float the way Python's repr does: integral values
// keep a ".0" (2.0), plain notation for 1e-4 ≤ |f| < 1e16 (1234567.5), and
// exponent notation outside it (1e+16, 1.5e-05).
func FormatFloat(f float64) string {
	a := math.Abs(f)
	switch {
	case f == 0:
		if math.Signbit(f) {
			return "-0.0"
		}
		return "0.0"
	case a >= 1e16 || a < 1e-4:
		return strconv.FormatFloat(f, 'e', -1, 64)
	case f == math.Trunc(f):
		return strconv.FormatFloat(f, 'f', 1, 64)
	}
	return strconv.FormatFloat(f, 'f', -1, 64)
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
