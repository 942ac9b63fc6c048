package template

import (
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/nikolalohinski/gonja/v2/exec"
	"github.com/nikolalohinski/gonja/v2/loaders"
	"github.com/nikolalohinski/gonja/v2/parser"
	"github.com/nikolalohinski/gonja/v2/tokens"
)

// rootName identifies the one template source the loader serves.
const rootName = "template"

// Template is a parsed Jinja template. It is immutable after Parse: Refs and
// Render may be called concurrently by any number of goroutines.
type Template struct {
	tpl  *exec.Template
	refs []string
}

// Parse parses a Jinja template once. The error of an invalid template says
// where inside src and what is wrong, as "line L, column C: message" (1-based);
// callers add which template it was.
//
// Templates are self-contained: include, import, from, extends, block and
// trans are rejected, as are unknown filters and tests.
func Parse(src string) (t *Template, err error) {
	defer func() {
		// gonja is not fuzz-hardened; a panic on odd input is a parse error,
		// never a crash of the caller.
		if r := recover(); r != nil {
			t, err = nil, fmt.Errorf("parser failure: %v", r)
		}
	}()
	tpl, err := exec.NewTemplate(rootName, gonjaConfig, sourceLoader(src), environment)
	if err != nil {
		return nil, parseError(src, err)
	}
	refs, err := prepare(tpl.Root())
	if err != nil {
		return nil, err
	}
	return &Template{tpl: tpl, refs: refs}, nil
}

// Refs returns the top-level variable names the template reads: its free
// variables. Names bound inside the template ({% for %} targets, {% set %},
// {% with %}, macro parameters) and the builtins (loop, caller, range, dict,
// namespace, cycler, joiner, lipsum, none) are left out. For {{ a.b }} and
// {{ a['k'] }} the name is a. The slice is sorted and unique; it is shared,
// callers must not modify it.
func (t *Template) Refs() []string { return t.refs }

// Render renders the template with vars, a map from variable name to a cell
// value (nil, string, int64, float64, bool, *value.Map, []any; Go ints,
// []string and map[string]any are accepted too). vars and the values in it
// are only read, never modified, and may be shared between concurrent calls.
//
// Printing follows Data Designer's rendering: an object or list printed whole
// renders as JSON (", " and ": " separators, non-ASCII kept, *value.Map keys
// in insertion order); floats print like Python (2.0, 2.5); booleans print
// True and False; nothing is HTML-escaped. An undefined variable and a nil
// value both render as the empty string (Python would print None for nil),
// and so does an attribute or item of them ({{ a.b }} with a nil).
//
// A render error is "line L: cause". Render is safe for concurrent use.
func (t *Template) Render(vars map[string]any) (out string, err error) {
	defer func() {
		if r := recover(); r != nil {
			out, err = "", fmt.Errorf("internal error: %v", r)
		}
	}()
	data := make(map[string]any, len(vars))
	for name, v := range vars {
		data[name] = toGonja(v)
	}
	out, err = t.tpl.ExecuteToString(exec.NewContext(data))
	if err != nil {
		return "", renderError(err)
	}
	return out, nil
}

// Truthy reports whether a rendered skip.when condition holds: after trimming
// whitespace, "", "false", "False", "0", "0.0", "none", "None" and "null" are
// false; anything else is true.
func Truthy(rendered string) bool {
	switch strings.TrimSpace(rendered) {
	case "", "false", "False", "0", "0.0", "none", "None", "null":
		return false
	}
	return true
}

// parseError turns gonja's parse error into "line L, column C: message".
func parseError(src string, err error) error {
	// exec.NewTemplate wraps the parser error with the whole source; drop it.
	inner := err
	if u := errors.Unwrap(err); u != nil {
		inner = u
	}
	var syn *parser.SyntaxError
	if !errors.As(inner, &syn) {
		return errors.New(lowerFirst(strings.TrimSpace(inner.Error())))
	}
	msg := strings.TrimSuffix(strings.TrimSpace(syn.Message), ".")
	if syn.Raw != "" {
		msg += fmt.Sprintf(" (near %q)", syn.Raw)
	}
	// Context added by the tag parsers, e.g. `Unable to parse controlStructure "for": `.
	if ctx := strings.TrimSuffix(inner.Error(), syn.Error()); ctx != inner.Error() {
		ctx = strings.TrimSuffix(strings.TrimSpace(ctx), ":")
		if tag, ok := strings.CutPrefix(ctx, "Unable to parse controlStructure "); ok {
			msg = fmt.Sprintf("in %s tag: %s", tag, lowerFirst(msg))
		} else if ctx != "" {
			msg = lowerFirst(ctx) + ": " + msg
		}
	}
	if syn.Line == 0 {
		// A lexer error reaches the parser without a position; find it.
		if tok := firstLexError(src); tok != nil {
			pos, msg := tok.Pos, tok.Val
			if strings.HasPrefix(msg, "Unexpected delimiter") ||
				strings.HasPrefix(msg, "Unbalanced delimiters") && !strings.HasSuffix(msg, "EOF") {
				// The lexer reports these after the offending rune.
				_, size := utf8.DecodeLastRuneInString(src[:min(max(pos, 0), len(src))])
				pos -= size
			}
			line, col := lineCol(src, pos)
			if !lexerMessage.MatchString(msg) {
				// gonja reports an unterminated string as the text after the quote.
				msg = fmt.Sprintf("unterminated string (near %q)", msg)
			}
			return fmt.Errorf("line %d, column %d: %s", line, col, lowerFirst(msg))
		}
		return errors.New(lowerFirst(msg))
	}
	return fmt.Errorf("line %d, column %d: %s", syn.Line, syn.Column, lowerFirst(msg))
}

// firstLexError returns the lexer's error token for src, if any.
func firstLexError(src string) *tokens.Token {
	stream := tokens.LexAll(src, gonjaConfig)
	for ; !stream.End(); stream.Next() {
	}
	if stream.IsError() {
		return stream.Current()
	}
	return nil
}

// lineCol converts a byte offset in src to a 1-based line and column (in
// runes).
func lineCol(src string, offset int) (line, col int) {
	offset = min(max(offset, 0), len(src))
	before := src[:offset]
	line = strings.Count(before, "\n") + 1
	col = utf8.RuneCountInString(before[strings.LastIndexByte(before, '\n')+1:]) + 1
	return line, col
}

// lexerMessage matches gonja's lexer error messages.
var lexerMessage = regexp.MustCompile(`^(Unexpected|Unbalanced|Unable|unclosed)\b`)

// Parts of gonja's execution errors that only repeat what the root cause says.
var (
	renderLine  = regexp.MustCompile(`at line (\d+)`)
	ownFilter   = regexp.MustCompile(`invalid call to filter '__synthgen_\w+__': `)
	filterNoise = regexp.MustCompile(`unable to evaluate filter &\{<Token.*?> \S+ \[.*?\] map\[.*?\]\}: `)
	tagNoise    = regexp.MustCompile(`Unable to execute controlStructure at line \d+: \w+\(Line=\d+ Col=\d+\): `)
)

// renderError flattens gonja's execution error, a chain of messages that
// repeat the expression at every level, into "line L: cause".
func renderError(err error) error {
	msg := strings.TrimPrefix(err.Error(), "unable to execute template: ")
	line := renderLine.FindStringSubmatch(msg)
	if m := ownFilter.FindAllStringIndex(msg, -1); m != nil {
		msg = msg[m[len(m)-1][1]:]
	}
	msg = tagNoise.ReplaceAllString(msg, "")
	msg = filterNoise.ReplaceAllString(msg, "")
	msg = lowerFirst(strings.TrimRight(unwrapNodeNames(msg), ": "))
	if line != nil {
		return fmt.Errorf("line %s: %s", line[1], msg)
	}
	return errors.New(msg)
}

// unwrapNodeNames removes the filtered_expression(...) wrappers that the
// printing and nil-safety rewrites add to gonja's names of expressions.
func unwrapNodeNames(s string) string {
	const open = "filtered_expression("
	for {
		i := strings.Index(s, open)
		if i < 0 {
			return s
		}
		depth, end := 1, -1
		for j := i + len(open); j < len(s) && end < 0; j++ {
			switch s[j] {
			case '(':
				depth++
			case ')':
				if depth--; depth == 0 {
					end = j
				}
			}
		}
		if end < 0 {
			return s
		}
		s = s[:i] + s[i+len(open):end] + s[end+1:]
	}
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	// Keep acronyms and quoted names as they are; lower only a capitalised word.
	if len(s) > 1 && s[0] >= 'A' && s[0] <= 'Z' && (s[1] < 'A' || s[1] > 'Z') {
		return strings.ToLower(s[:1]) + s[1:]
	}
	return s
}

// sourceLoader serves the one template source and refuses everything else,
// so a template can never read files.
type sourceLoader string

func (l sourceLoader) Read(path string) (io.Reader, error) {
	if path != rootName {
		return nil, fmt.Errorf("templates cannot load other templates (%q)", path)
	}
	return strings.NewReader(string(l)), nil
}

func (l sourceLoader) Resolve(path string) (string, error) {
	if path != rootName {
		return "", fmt.Errorf("templates cannot load other templates (%q)", path)
	}
	return path, nil
}

func (l sourceLoader) Inherit(string) (loaders.Loader, error) { return l, nil }
