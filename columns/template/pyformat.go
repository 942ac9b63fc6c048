package template

import (
	"errors"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/nikolalohinski/gonja/v2/exec"
)

// maxFormatWidth bounds the width and precision of a % conversion, so that a
// typo cannot make a template allocate gigabytes.
const maxFormatWidth = 10_000

// pyFormat is Python's printf-style formatting, format % arg: conversions
// %s %r %d %i %u %f %F %e %E %g %G %x %X %o %c and %% (alone), flags - + space 0 #,
// a width and a precision (either may be * to take it from the arguments),
// and %(name)s to take an argument from a mapping.
//
// The arguments are the items of arg when it is a tuple literal, else arg
// itself. As the template keeps no tuples at run time (a tuple stored with
// {% set %} is a list), a list is also taken as the arguments when the
// format needs two or more; Python would reject that.
//
// %s prints as {{ }} does (see text: none prints empty, objects and lists
// as JSON); %r prints Python's repr.
func pyFormat(format string, arg *exec.Value, tuple bool) (string, error) {
	specs, err := parseFormat(format)
	if err != nil {
		return "", err
	}
	arg = unwrap(arg)
	var (
		args    []*exec.Value
		mapping *exec.Value
		// lenient: unused arguments are no error (Python's rule for an
		// argument that is a mapping or a sequence other than a tuple).
		lenient bool
	)
	switch {
	case tuple:
		args = items(arg)
	case isMapping(arg):
		mapping, args, lenient = arg, []*exec.Value{arg}, true
	case arg.IsList():
		lenient = true
		if positionalCount(specs) >= 2 {
			args = items(arg)
		} else {
			args = []*exec.Value{arg}
		}
	default:
		args = []*exec.Value{arg}
	}

	next := 0
	take := func() (*exec.Value, error) {
		if next >= len(args) {
			return nil, errors.New("not enough arguments for format string")
		}
		next++
		return args[next-1], nil
	}
	var b strings.Builder
	for _, sp := range specs {
		if sp.conv == 0 {
			b.WriteString(sp.literal)
			continue
		}
		if sp.starWidth {
			w, err := take()
			if err != nil {
				return "", err
			}
			if sp.width, err = starArg(w); err != nil {
				return "", err
			}
			if sp.width < 0 {
				sp.minus, sp.width = true, -sp.width
			}
		}
		if sp.starPrec {
			p, err := take()
			if err != nil {
				return "", err
			}
			if sp.prec, err = starArg(p); err != nil {
				return "", err
			}
			if sp.prec < 0 {
				sp.prec = -1
			}
		}
		if sp.width > maxFormatWidth || sp.prec > maxFormatWidth {
			return "", fmt.Errorf("format width or precision greater than %d", maxFormatWidth)
		}
		var v *exec.Value
		if sp.hasKey {
			if mapping == nil {
				return "", errors.New("format requires a mapping")
			}
			found, ok := mapping.GetItem(sp.key)
			if !ok {
				return "", fmt.Errorf("format key %q not found", sp.key)
			}
			v = unwrap(found)
		} else if v, err = take(); err != nil {
			return "", err
		}
		s, err := sp.format(v)
		if err != nil {
			return "", err
		}
		b.WriteString(s)
	}
	if next < len(args) && !lenient {
		return "", errors.New("not all arguments converted during string formatting")
	}
	return b.String(), nil
}

// formatSpec is one conversion of a format string, or (conv 0) the literal
// text between two.
type formatSpec struct {
	literal string

	key                           string
	hasKey                        bool
	minus, plus, space, zero, alt bool
	width                         int // 0 when absent
	prec                          int // -1 when absent
	starWidth, starPrec           bool
	conv                          byte // 0 for literal text
}

// parseFormat splits a format string into literal text and conversions.
func parseFormat(format string) ([]formatSpec, error) {
	var out []formatSpec
	i := 0
	for i < len(format) {
		j := strings.IndexByte(format[i:], '%')
		if j < 0 {
			out = append(out, formatSpec{literal: format[i:]})
			break
		}
		if j > 0 {
			out = append(out, formatSpec{literal: format[i : i+j]})
		}
		i += j + 1
		if i < len(format) && format[i] == '%' {
			out = append(out, formatSpec{literal: "%"})
			i++
			continue
		}
		sp := formatSpec{prec: -1}
		if i < len(format) && format[i] == '(' {
			// The key runs to the matching parenthesis, as in Python.
			depth, start := 1, i+1
			for i++; i < len(format) && depth > 0; i++ {
				switch format[i] {
				case '(':
					depth++
				case ')':
					depth--
				}
			}
			if depth > 0 {
				return nil, errors.New("incomplete format key")
			}
			sp.key, sp.hasKey = format[start:i-1], true
		}
	flags:
		for ; i < len(format); i++ {
			switch format[i] {
			case '-':
				sp.minus = true
			case '+':
				sp.plus = true
			case ' ':
				sp.space = true
			case '#':
				sp.alt = true
			case '0':
				sp.zero = true
			default:
				break flags
			}
		}
		if i < len(format) && format[i] == '*' {
			sp.starWidth = true
			i++
		} else {
			sp.width, i = digits(format, i)
		}
		if i < len(format) && format[i] == '.' {
			i++
			if i < len(format) && format[i] == '*' {
				sp.starPrec = true
				i++
			} else {
				sp.prec, i = digits(format, i)
			}
		}
		for i < len(format) && (format[i] == 'h' || format[i] == 'l' || format[i] == 'L') {
			i++ // length modifiers, which Python accepts and ignores
		}
		if i >= len(format) {
			return nil, errors.New("incomplete format")
		}
		r, size := utf8.DecodeRuneInString(format[i:])
		if r >= utf8.RuneSelf || !strings.ContainsRune("srdiufFeEgGxXoc", r) {
			return nil, fmt.Errorf("unsupported format character '%c' (%#x) at index %d", r, r, utf8.RuneCountInString(format[:i]))
		}
		sp.conv = byte(r)
		i += size
		if sp.width > maxFormatWidth || sp.prec > maxFormatWidth {
			return nil, fmt.Errorf("format width or precision greater than %d", maxFormatWidth)
		}
		out = append(out, sp)
	}
	return out, nil
}

// digits reads a decimal number at s[i:], 0 when there is none; it stops
// growing past maxFormatWidth.
func digits(s string, i int) (int, int) {
	n := 0
	for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
		if n <= maxFormatWidth {
			n = n*10 + int(s[i]-'0')
		}
	}
	return n, i
}

// positionalCount is how many positional arguments specs take.
func positionalCount(specs []formatSpec) int {
	n := 0
	for _, sp := range specs {
		if sp.starWidth {
			n++
		}
		if sp.starPrec {
			n++
		}
		if sp.conv != 0 && !sp.hasKey {
			n++
		}
	}
	return n
}

// starArg is the value of a * width or precision.
func starArg(v *exec.Value) (int, error) {
	n, ok := numberOf(unwrap(v))
	if !ok || !n.isInt {
		return 0, errors.New("* wants int")
	}
	if n.i > maxFormatWidth || n.i < -maxFormatWidth {
		return 0, fmt.Errorf("format width or precision greater than %d", maxFormatWidth)
	}
	return int(n.i), nil
}

// items returns the items of a list, or v alone.
func items(v *exec.Value) []*exec.Value {
	if !v.IsList() {
		return []*exec.Value{v}
	}
	out := make([]*exec.Value, v.Len())
	for i := range out {
		out[i] = unwrap(v.Index(i))
	}
	return out
}

// isMapping reports whether v is an object.
func isMapping(v *exec.Value) bool {
	if v == nil || v.IsNil() {
		return false
	}
	switch v.Interface().(type) {
	case exec.Dict, *exec.Dict:
		return true
	}
	return v.IsDict()
}

// format applies one conversion to v.
func (sp formatSpec) format(v *exec.Value) (string, error) {
	switch sp.conv {
	case 's':
		return sp.padText(text(v)), nil
	case 'r':
		return sp.padText(pyRepr(v)), nil
	case 'c':
		c, err := charArg(v)
		if err != nil {
			return "", err
		}
		return sp.padText(c), nil
	case 'd', 'i', 'u':
		n, err := intArg(v, sp.conv, true)
		if err != nil {
			return "", err
		}
		return sp.formatInt(n, 10, ""), nil
	case 'x', 'X', 'o':
		n, err := intArg(v, sp.conv, false)
		if err != nil {
			return "", err
		}
		base, prefix := 16, "0x"
		switch sp.conv {
		case 'X':
			prefix = "0X"
		case 'o':
			base, prefix = 8, "0o"
		}
		return sp.formatInt(n, base, prefix), nil
	}
	num, ok := numberOf(v)
	if !ok {
		return "", fmt.Errorf("%%%c format: a real number is required, not %s", sp.conv, kindName(v))
	}
	return sp.formatFloat(num.float()), nil
}

// padText pads s to the width (precision truncates it first).
func (sp formatSpec) padText(s string) string {
	if sp.prec >= 0 && utf8.RuneCountInString(s) > sp.prec {
		n := 0
		for i := range s {
			if n == sp.prec {
				s = s[:i]
				break
			}
			n++
		}
	}
	fill := sp.width - utf8.RuneCountInString(s)
	if fill <= 0 {
		return s
	}
	if sp.minus {
		return s + strings.Repeat(" ", fill)
	}
	return strings.Repeat(" ", fill) + s
}

// padNumber assembles sign, prefix and digits to the width: left-aligned
// with -, zero-filled after the sign and prefix with 0, else right-aligned.
func (sp formatSpec) padNumber(neg bool, prefix, body string) string {
	sign := ""
	switch {
	case neg:
		sign = "-"
	case sp.plus:
		sign = "+"
	case sp.space:
		sign = " "
	}
	fill := sp.width - len(sign) - len(prefix) - len(body)
	switch {
	case fill <= 0:
		return sign + prefix + body
	case sp.minus:
		return sign + prefix + body + strings.Repeat(" ", fill)
	case sp.zero: // Python zero-fills inf and nan too
		return sign + prefix + strings.Repeat("0", fill) + body
	}
	return strings.Repeat(" ", fill) + sign + prefix + body
}

func (sp formatSpec) formatInt(n *big.Int, base int, prefix string) string {
	body := new(big.Int).Abs(n).Text(base)
	if sp.conv == 'X' {
		body = strings.ToUpper(body)
	}
	if sp.prec > len(body) {
		body = strings.Repeat("0", sp.prec-len(body)) + body
	}
	if !sp.alt {
		prefix = ""
	}
	return sp.padNumber(n.Sign() < 0, prefix, body)
}

func (sp formatSpec) formatFloat(f float64) string {
	prec := sp.prec
	if prec < 0 {
		prec = 6
	}
	abs := math.Abs(f)
	var body string
	switch {
	case math.IsInf(f, 0):
		body = "inf"
	case math.IsNaN(f):
		body = "nan"
	case sp.conv == 'f' || sp.conv == 'F':
		body = strconv.FormatFloat(abs, 'f', prec, 64)
		if sp.alt && prec == 0 {
			body += "."
		}
	case sp.conv == 'e' || sp.conv == 'E':
		body = strconv.FormatFloat(abs, 'e', prec, 64)
		if sp.alt && prec == 0 {
			body = strings.Replace(body, "e", ".e", 1)
		}
	default: // g, G
		body = formatG(abs, prec, sp.alt)
	}
	if sp.conv == 'F' || sp.conv == 'E' || sp.conv == 'G' {
		body = strings.ToUpper(body)
	}
	return sp.padNumber(math.Signbit(f) && !math.IsNaN(f), "", body)
}

// formatG is C's (and Python's) %g of a non-negative finite f: %e when the
// exponent is below -4 or not below the precision, else %f, with trailing
// zeros removed unless alt.
func formatG(f float64, prec int, alt bool) string {
	if prec == 0 {
		prec = 1
	}
	e := strconv.FormatFloat(f, 'e', prec-1, 64)
	exp := 0
	if f != 0 {
		exp, _ = strconv.Atoi(e[strings.IndexByte(e, 'e')+1:])
	}
	body := e
	if exp >= -4 && exp < prec {
		body = strconv.FormatFloat(f, 'f', prec-1-exp, 64)
	}
	mant, tail := body, ""
	if k := strings.IndexByte(body, 'e'); k >= 0 {
		mant, tail = body[:k], body[k:]
	}
	switch {
	case !alt && strings.IndexByte(mant, '.') >= 0:
		mant = strings.TrimRight(strings.TrimRight(mant, "0"), ".")
	case alt && strings.IndexByte(mant, '.') < 0:
		mant += "."
	}
	return mant + tail
}

// intArg converts v for an integer conversion: ints and bools, and for %d,
// %i and %u floats too (truncated).
func intArg(v *exec.Value, conv byte, floats bool) (*big.Int, error) {
	n, ok := numberOf(v)
	switch {
	case ok && n.isInt:
		return big.NewInt(n.i), nil
	case ok && floats:
		if math.IsNaN(n.f) {
			return nil, errors.New("cannot convert float NaN to integer")
		}
		if math.IsInf(n.f, 0) {
			return nil, errors.New("cannot convert float infinity to integer")
		}
		i, _ := big.NewFloat(n.f).Int(nil)
		return i, nil
	case floats:
		return nil, fmt.Errorf("%%%c format: a real number is required, not %s", conv, kindName(v))
	}
	return nil, fmt.Errorf("%%%c format: an integer is required, not %s", conv, kindName(v))
}

// charArg converts v for %c: an int (a code point) or a one-character
// string.
func charArg(v *exec.Value) (string, error) {
	if v.IsString() {
		s := v.String()
		if n := utf8.RuneCountInString(s); n != 1 {
			return "", fmt.Errorf("%%c requires an int or a unicode character, not a string of length %d", n)
		}
		return s, nil
	}
	n, ok := numberOf(v)
	if !ok || !n.isInt {
		return "", fmt.Errorf("%%c requires an int or a unicode character, not %s", kindName(v))
	}
	if n.i < 0 || n.i > unicode.MaxRune {
		return "", errors.New("%c arg not in range(0x110000)")
	}
	return string(rune(n.i)), nil
}

// pyRepr is Python's repr of a value: strings quoted, None, True and False,
// lists and objects with their items in repr.
func pyRepr(v *exec.Value) string {
	v = unwrap(v)
	if v == nil || v.IsNil() {
		return "None"
	}
	switch v.Interface().(type) {
	case exec.Dict, *exec.Dict:
		return reprMapping(v)
	case *exec.Pair:
		return text(v)
	}
	switch {
	case v.IsString():
		return pyQuote(v.String())
	case v.IsBool(), v.IsInteger(), v.IsFloat():
		return text(v)
	case v.IsList():
		parts := make([]string, v.Len())
		for i := range parts {
			parts[i] = pyRepr(v.Index(i))
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case v.IsDict():
		return reprMapping(v)
	}
	return text(v)
}

func reprMapping(v *exec.Value) string {
	var parts []string
	eachPair(v, func(k, e *exec.Value) { parts = append(parts, pyRepr(k)+": "+pyRepr(e)) })
	return "{" + strings.Join(parts, ", ") + "}"
}

// pyQuote is Python's repr of a string: single quotes unless the string has
// a single quote and no double quote; \\, the quote, \t, \n, \r and
// non-printable characters escaped.
func pyQuote(s string) string {
	q := byte('\'')
	if strings.IndexByte(s, '\'') >= 0 && strings.IndexByte(s, '"') < 0 {
		q = '"'
	}
	var b strings.Builder
	b.WriteByte(q)
	for _, r := range s {
		switch {
		case r == '\\' || r == rune(q):
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == ' ' || unicode.IsPrint(r):
			b.WriteRune(r)
		case r < 0x100:
			fmt.Fprintf(&b, `\x%02x`, r)
		case r < 0x10000:
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			fmt.Fprintf(&b, `\U%08x`, r)
		}
	}
	b.WriteByte(q)
	return b.String()
}
