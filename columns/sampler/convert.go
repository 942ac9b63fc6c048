package sampler

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/synthgen/synthgen/columns/value"
	"github.com/synthgen/synthgen/config"
)

// convert_to values for numbers.
const (
	convertInt   = "int"
	convertFloat = "float"
	convertStr   = "str"
)

// converter validates convert_to for a column whose drawers produce base,
// and returns the output type and the conversion (nil when none applies).
func (b *builder) converter(c *config.SamplerColumn, base value.Type) (value.Type, func(any) (any, error)) {
	if c.ConvertTo == nil {
		if c.SamplerType == config.SamplerDatetime || c.SamplerType == config.SamplerTimedelta {
			return base, formatISO
		}
		return base, nil
	}
	to := *c.ConvertTo
	pos, path := c.Meta.At("convert_to")
	switch {
	case base.Kind == value.KindInt || base.Kind == value.KindFloat:
		switch to {
		case convertInt:
			return value.Int, toInt
		case convertFloat:
			return value.Float, toFloat
		case convertStr:
			return value.String, func(v any) (any, error) { return pyStr(v), nil }
		}
		b.errorf(pos, path, "convert_to %q does not apply to %s values of a %s sampler; use int, float or str%s",
			to, base, c.SamplerType, suggest(to, []string{convertInt, convertFloat, convertStr}))
	case c.SamplerType == config.SamplerDatetime || c.SamplerType == config.SamplerTimedelta:
		switch to {
		case convertStr:
			return value.String, formatISO
		case convertInt, convertFloat:
			b.errorf(pos, path, "convert_to %q does not apply to a %s sampler; give a strftime format such as \"%%Y-%%m-%%d\"", to, c.SamplerType)
			return base, formatISO
		}
		if err := checkStrftime(to); err != nil {
			b.errorf(pos, path, "convert_to %q: %v", to, err)
			return base, formatISO
		}
		return value.String, func(v any) (any, error) { return strftime(v.(time.Time), to), nil }
	case base.Kind == value.KindString:
		if to == convertStr {
			return base, nil
		}
		b.errorf(pos, path, "convert_to %q does not apply to the text values of a %s sampler; only str is accepted", to, c.SamplerType)
	default:
		b.errorf(pos, path, "convert_to does not apply to a %s sampler", c.SamplerType)
	}
	return base, nil
}

// toInt truncates toward zero, like Python's int().
func toInt(v any) (any, error) {
	switch x := v.(type) {
	case int64:
		return x, nil
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) || x >= math.MaxInt64 || x < math.MinInt64 {
			return nil, fmt.Errorf("cannot convert %s to int", pyStr(x))
		}
		return int64(x), nil
	}
	return nil, fmt.Errorf("cannot convert %s to int", value.KindOf(v))
}

func toFloat(v any) (any, error) {
	switch x := v.(type) {
	case int64:
		return float64(x), nil
	case float64:
		return x, nil
	}
	return nil, fmt.Errorf("cannot convert %s to float", value.KindOf(v))
}

// pyStr formats a number like Python's str(): 3 → "3", 2.5 → "2.5",
// 2.0 → "2.0", 1e16 → "1e+16", 1e-05 → "1e-05". Strings pass unchanged.
func pyStr(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return value.FormatFloat(x)
	}
	return fmt.Sprint(v)
}

// round rounds to decimal places like Python's round(x, n) (ties to even on
// the exact binary value); a negative n rounds to tens, hundreds, ...
func round(x float64, places *int) float64 {
	if places == nil || math.IsNaN(x) || math.IsInf(x, 0) {
		return x
	}
	n := *places
	if n < 0 {
		p := math.Pow(10, float64(-n))
		return math.RoundToEven(x/p) * p
	}
	r, err := strconv.ParseFloat(strconv.FormatFloat(x, 'f', n, 64), 64)
	if err != nil {
		return x
	}
	return r
}

// ordering is how a constraint compares a column's values.
type ordering int

const (
	unordered     ordering = iota
	numeric                // int64 / float64
	chronological          // ISO datetime text
)

func orderingOf(samplerType string, t value.Type, convertTo *string) ordering {
	switch {
	case t.Kind == value.KindInt || t.Kind == value.KindFloat:
		return numeric
	case (samplerType == config.SamplerDatetime || samplerType == config.SamplerTimedelta) &&
		(convertTo == nil || *convertTo == convertStr):
		return chronological
	}
	return unordered
}

// isoLayout is the default text of datetime values (Python's isoformat).
const isoLayout = "2006-01-02T15:04:05"

// formatISO writes a drawn datetime as ISO-8601 text.
func formatISO(v any) (any, error) { return v.(time.Time).Format(isoLayout), nil }

// datetimeLayouts are the accepted datetime texts, tried in order.
var datetimeLayouts = []string{
	"2006-01-02",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04",
	"2006-01-02 15:04",
	"2006-01-02T15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999Z07:00",
}

// parseDatetime reads a date or datetime; a zone offset, when given, is
// dropped (the wall clock time is kept, as values are naive datetimes).
func parseDatetime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	for _, l := range datetimeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			y, mo, d := t.Date()
			h, mi, sec := t.Clock()
			return time.Date(y, mo, d, h, mi, sec, t.Nanosecond(), time.UTC), nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a date (2024-01-31) or datetime (2024-01-31T10:00:00)", s)
}
