package parse

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/synthgen/synthgen/columns/value"
)

// maxDepth bounds the nesting of objects and arrays the tolerant decoder
// accepts, so hostile input cannot exhaust the stack.
const maxDepth = 512

// DecodeTolerant decodes the JSON a model wrote, forgiving the usual
// slips: unquoted object keys, single-quoted strings, trailing commas,
// // and /* */ comments, Python's True/False/None, raw newlines and tabs
// inside strings, \x escapes, leading '+', '.5' and '5.' numbers, hex
// integers and leading zeros. Valid JSON decodes exactly as
// value.DecodeJSON decodes it: object keys keep their order (*value.Map),
// integral numbers that fit become int64, others float64.
//
// The error says where and what went wrong ("line 2, column 9: expected
// ',' or '}' after the value of property \"a\", found 'x'"). It is safe
// for concurrent use.
func DecodeTolerant(text string) (any, error) {
	strict, err := StrictJSON(text)
	if err != nil {
		return nil, err
	}
	v, err := value.DecodeJSON([]byte(strict))
	if err != nil {
		// StrictJSON only writes valid JSON; reaching here is a bug.
		return nil, fmt.Errorf("decoding the repaired JSON: %w", err)
	}
	return v, nil
}

// StrictJSON rewrites the tolerant JSON that DecodeTolerant accepts as
// strict JSON (RFC 8259), keeping object key order and string contents.
func StrictJSON(text string) (string, error) {
	p := &tolerant{src: text}
	p.out = make([]byte, 0, len(text)+8)
	if err := p.space(); err != nil {
		return "", err
	}
	if p.pos == len(p.src) {
		return "", errors.New("no JSON value found")
	}
	if err := p.value(); err != nil {
		return "", err
	}
	if err := p.space(); err != nil {
		return "", err
	}
	if p.pos < len(p.src) {
		return "", p.errorf("unexpected text after the JSON value: %s", p.found())
	}
	return string(p.out), nil
}

type tolerant struct {
	src   string
	pos   int
	out   []byte
	depth int
}

// errorf returns an error located at the current position.
func (p *tolerant) errorf(format string, args ...any) error {
	return p.errorAt(p.pos, format, args...)
}

func (p *tolerant) errorAt(pos int, format string, args ...any) error {
	line, col := position(p.src, pos)
	return fmt.Errorf("line %d, column %d: %s", line, col, fmt.Sprintf(format, args...))
}

// position returns the 1-based line and column (in characters) of a byte
// offset.
func position(s string, pos int) (line, col int) {
	if pos > len(s) {
		pos = len(s)
	}
	before := s[:pos]
	line = strings.Count(before, "\n") + 1
	if i := strings.LastIndexByte(before, '\n'); i >= 0 {
		before = before[i+1:]
	}
	return line, utf8.RuneCountInString(before) + 1
}

// found describes what is at the current position, for error messages.
func (p *tolerant) found() string {
	if p.pos >= len(p.src) {
		return "the end of the text"
	}
	r, _ := utf8.DecodeRuneInString(p.src[p.pos:])
	return strconv.QuoteRune(r)
}

// space skips whitespace and comments.
func (p *tolerant) space() error {
	for p.pos < len(p.src) {
		c := p.src[p.pos]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			p.pos++
		case c == '/' && strings.HasPrefix(p.src[p.pos:], "//"):
			end := strings.IndexByte(p.src[p.pos:], '\n')
			if end < 0 {
				p.pos = len(p.src)
			} else {
				p.pos += end + 1
			}
		case c == '/' && strings.HasPrefix(p.src[p.pos:], "/*"):
			end := strings.Index(p.src[p.pos+2:], "*/")
			if end < 0 {
				return p.errorf("unterminated /* comment")
			}
			p.pos += 2 + end + 2
		case c >= utf8.RuneSelf:
			r, size := utf8.DecodeRuneInString(p.src[p.pos:])
			if r != '\uFEFF' && !unicode.IsSpace(r) {
				return nil
			}
			p.pos += size
		default:
			return nil
		}
	}
	return nil
}

func (p *tolerant) value() error {
	if p.pos >= len(p.src) {
		return p.errorf("the JSON ends where a value was expected")
	}
	switch c := p.src[p.pos]; {
	case c == '{':
		return p.object()
	case c == '[':
		return p.array()
	case c == '"' || c == '\'':
		return p.str()
	case c == '-' || c == '+' || c == '.' || ('0' <= c && c <= '9'):
		return p.number()
	}
	start := p.pos
	word := p.word()
	switch word {
	case "true", "True":
		p.out = append(p.out, "true"...)
	case "false", "False":
		p.out = append(p.out, "false"...)
	case "null", "None":
		p.out = append(p.out, "null"...)
	case "NaN", "Infinity":
		return p.errorAt(start, "%s is not a JSON number", word)
	case "":
		return p.errorf("expected a value, found %s", p.found())
	default:
		return p.errorAt(start, "unquoted text %q is not a value; put strings in double quotes", word)
	}
	return nil
}

// word consumes a run of identifier characters (letters, digits, _, $, -).
func (p *tolerant) word() string {
	start := p.pos
	for p.pos < len(p.src) {
		r, size := utf8.DecodeRuneInString(p.src[p.pos:])
		if !(unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_' || r == '$' || r == '-') {
			break
		}
		p.pos += size
	}
	return p.src[start:p.pos]
}

func (p *tolerant) enter() error {
	p.depth++
	if p.depth > maxDepth {
		return p.errorf("the JSON is nested deeper than %d levels", maxDepth)
	}
	return nil
}

func (p *tolerant) object() error {
	if err := p.enter(); err != nil {
		return err
	}
	open := p.pos
	p.pos++ // {
	p.out = append(p.out, '{')
	for first := true; ; first = false {
		if err := p.space(); err != nil {
			return err
		}
		if p.pos >= len(p.src) {
			return p.errorAt(open, "the object opened here is never closed")
		}
		if p.src[p.pos] == '}' {
			break // also after a trailing comma
		}
		if !first {
			p.out = append(p.out, ',')
		}
		key, err := p.key()
		if err != nil {
			return err
		}
		if err := p.space(); err != nil {
			return err
		}
		if p.pos >= len(p.src) || p.src[p.pos] != ':' {
			return p.errorf("expected ':' after property name %q, found %s", key, p.found())
		}
		p.pos++
		p.out = append(p.out, ':')
		if err := p.space(); err != nil {
			return err
		}
		if err := p.value(); err != nil {
			return err
		}
		if err := p.space(); err != nil {
			return err
		}
		if p.pos >= len(p.src) {
			return p.errorAt(open, "the object opened here is never closed")
		}
		switch p.src[p.pos] {
		case ',':
			p.pos++
		case '}':
		default:
			return p.errorf("expected ',' or '}' after the value of property %q, found %s", key, p.found())
		}
	}
	p.pos++ // }
	p.out = append(p.out, '}')
	p.depth--
	return nil
}

// key writes an object key: a string, or an unquoted name or number.
func (p *tolerant) key() (string, error) {
	if c := p.src[p.pos]; c == '"' || c == '\'' {
		start := len(p.out)
		if err := p.str(); err != nil {
			return "", err
		}
		k, err := strconv.Unquote(string(p.out[start:]))
		if err != nil {
			k = string(p.out[start+1 : len(p.out)-1])
		}
		return k, nil
	}
	k := p.word()
	if k == "" {
		return "", p.errorf("expected a property name or '}', found %s", p.found())
	}
	// Letters, digits, _, $ and - need no escaping.
	p.out = append(p.out, '"')
	p.out = append(p.out, k...)
	p.out = append(p.out, '"')
	return k, nil
}

func (p *tolerant) array() error {
	if err := p.enter(); err != nil {
		return err
	}
	open := p.pos
	p.pos++ // [
	p.out = append(p.out, '[')
	for first := true; ; first = false {
		if err := p.space(); err != nil {
			return err
		}
		if p.pos >= len(p.src) {
			return p.errorAt(open, "the array opened here is never closed")
		}
		if p.src[p.pos] == ']' {
			break
		}
		if !first {
			p.out = append(p.out, ',')
		}
		if err := p.value(); err != nil {
			return err
		}
		if err := p.space(); err != nil {
			return err
		}
		if p.pos >= len(p.src) {
			return p.errorAt(open, "the array opened here is never closed")
		}
		switch p.src[p.pos] {
		case ',':
			p.pos++
		case ']':
		default:
			return p.errorf("expected ',' or ']' after an array element, found %s", p.found())
		}
	}
	p.pos++ // ]
	p.out = append(p.out, ']')
	p.depth--
	return nil
}

// str writes a double- or single-quoted string as a JSON string.
func (p *tolerant) str() error {
	open := p.pos
	quote := p.src[p.pos]
	p.pos++
	p.out = append(p.out, '"')
	for {
		if p.pos >= len(p.src) {
			return p.errorAt(open, "the string opened here is never closed")
		}
		c := p.src[p.pos]
		switch {
		case c == quote:
			p.pos++
			p.out = append(p.out, '"')
			return nil
		case c == '"':
			p.pos++
			p.out = append(p.out, `\"`...)
		case c == '\\':
			if err := p.escape(); err != nil {
				return err
			}
		case c < 0x20:
			p.pos++
			p.appendControl(c)
		default:
			p.pos++
			p.out = append(p.out, c)
		}
	}
}

func (p *tolerant) appendControl(c byte) {
	switch c {
	case '\n':
		p.out = append(p.out, `\n`...)
	case '\r':
		p.out = append(p.out, `\r`...)
	case '\t':
		p.out = append(p.out, `\t`...)
	default:
		p.out = append(p.out, fmt.Sprintf(`\u%04x`, c)...)
	}
}

// escape handles a backslash sequence inside a string.
func (p *tolerant) escape() error {
	start := p.pos
	p.pos++ // backslash
	if p.pos >= len(p.src) {
		return p.errorAt(start, "the string ends in a lone backslash")
	}
	c := p.src[p.pos]
	switch c {
	case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
		p.pos++
		p.out = append(p.out, '\\', c)
	case 'u':
		if p.pos+5 > len(p.src) || !isHex(p.src[p.pos+1:p.pos+5]) {
			return p.errorAt(start, `\u must be followed by four hex digits`)
		}
		p.out = append(p.out, p.src[start:p.pos+5]...)
		p.pos += 5
	case 'x':
		if p.pos+3 > len(p.src) || !isHex(p.src[p.pos+1:p.pos+3]) {
			return p.errorAt(start, `\x must be followed by two hex digits`)
		}
		p.out = append(p.out, `\u00`...)
		p.out = append(p.out, p.src[p.pos+1:p.pos+3]...)
		p.pos += 3
	case '\n': // line continuation
		p.pos++
	case '\r':
		p.pos++
		if p.pos < len(p.src) && p.src[p.pos] == '\n' {
			p.pos++
		}
	case '0':
		if p.pos+1 < len(p.src) && '0' <= p.src[p.pos+1] && p.src[p.pos+1] <= '9' {
			return p.errorAt(start, "octal escapes are not supported")
		}
		p.pos++
		p.out = append(p.out, `\u0000`...)
	default: // \' and any other escaped character stand for themselves
		if c < 0x20 {
			p.pos++
			p.appendControl(c)
			return nil
		}
		_, size := utf8.DecodeRuneInString(p.src[p.pos:])
		p.out = append(p.out, p.src[p.pos:p.pos+size]...)
		p.pos += size
	}
	return nil
}

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// number writes a number in JSON form.
func (p *tolerant) number() error {
	start := p.pos
	neg := false
	switch p.src[p.pos] {
	case '-':
		neg = true
		p.pos++
	case '+':
		p.pos++
	}
	afterSign := p.pos
	if w := p.word(); w == "Infinity" || w == "NaN" {
		return p.errorAt(start, "%s is not a JSON number", p.src[start:p.pos])
	}
	p.pos = afterSign
	var num []byte
	if neg {
		num = append(num, '-')
	}
	if rest := p.src[p.pos:]; len(rest) > 2 && rest[0] == '0' && (rest[1] == 'x' || rest[1] == 'X') {
		p.pos += 2
		digits := p.run(isHexDigit)
		u, err := strconv.ParseUint(digits, 16, 64)
		if err != nil || p.identAhead() {
			return p.invalidNumber(start)
		}
		num = strconv.AppendUint(num, u, 10)
		p.out = append(p.out, num...)
		return nil
	}
	intPart := strings.TrimLeft(p.run(isDigit), "0")
	if intPart == "" {
		intPart = "0"
	}
	hadInt := p.pos > start && isDigit(p.src[p.pos-1])
	num = append(num, intPart...)
	hadFrac := false
	if p.pos < len(p.src) && p.src[p.pos] == '.' {
		p.pos++
		frac := p.run(isDigit)
		hadFrac = frac != ""
		if frac == "" {
			frac = "0"
		}
		num = append(num, '.')
		num = append(num, frac...)
	}
	if !hadInt && !hadFrac {
		return p.invalidNumber(start)
	}
	if p.pos < len(p.src) && (p.src[p.pos] == 'e' || p.src[p.pos] == 'E') {
		num = append(num, p.src[p.pos])
		p.pos++
		if p.pos < len(p.src) && (p.src[p.pos] == '+' || p.src[p.pos] == '-') {
			num = append(num, p.src[p.pos])
			p.pos++
		}
		exp := p.run(isDigit)
		if exp == "" {
			return p.invalidNumber(start)
		}
		num = append(num, exp...)
	}
	if p.identAhead() || (p.pos < len(p.src) && p.src[p.pos] == '.') {
		return p.invalidNumber(start)
	}
	if f, err := strconv.ParseFloat(string(num), 64); err != nil || math.IsInf(f, 0) {
		return p.errorAt(start, "the number %s is out of range", p.src[start:p.pos])
	}
	p.out = append(p.out, num...)
	return nil
}

func (p *tolerant) invalidNumber(start int) error {
	p.word() // include the rest of the token in the message
	for p.pos < len(p.src) && (p.src[p.pos] == '.' || p.src[p.pos] == '+') {
		p.pos++
		p.word()
	}
	return p.errorAt(start, "invalid number %q", p.src[start:p.pos])
}

// identAhead reports whether an identifier character follows.
func (p *tolerant) identAhead() bool {
	if p.pos >= len(p.src) {
		return false
	}
	r, _ := utf8.DecodeRuneInString(p.src[p.pos:])
	return unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_' || r == '$'
}

func (p *tolerant) run(ok func(byte) bool) string {
	start := p.pos
	for p.pos < len(p.src) && ok(p.src[p.pos]) {
		p.pos++
	}
	return p.src[start:p.pos]
}

func isDigit(c byte) bool    { return '0' <= c && c <= '9' }
func isHexDigit(c byte) bool { return isHex(string(c)) }
