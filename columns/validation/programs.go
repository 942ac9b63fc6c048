package validation

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/synthgen/synthgen/config"
)

// Access is one local program a config's validation columns would start, or
// one endpoint they would send rows to. `synthgen validate` prints them so
// that a config from someone else can be reviewed like a script.
type Access struct {
	// Column is the validation column's name; Pos and Path locate it.
	Column string
	Pos    config.Pos
	Path   string
	// Program is the argv of a local program (as written: not resolved
	// through PATH); nil for an endpoint.
	Program []string
	// Endpoint is the URL rows are POSTed to (String leaves out its query
	// and user info); "" for a program.
	Endpoint string
	// Note qualifies the access, e.g. "only when ruff is on PATH".
	Note string
}

// String describes the access on one line, e.g.
// `validation column checks: runs python3 -I -c <syntax-check script>`.
func (a Access) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "validation column %s: ", a.Column)
	if a.Endpoint != "" {
		fmt.Fprintf(&b, "sends rows to POST %s", redactURL(a.Endpoint)) // no credentials in the query
	} else {
		b.WriteString("runs ")
		for i, arg := range a.Program {
			if i > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(quoteArg(arg))
		}
	}
	if a.Note != "" {
		fmt.Fprintf(&b, " (%s)", a.Note)
	}
	return b.String()
}

// snippetFiles stands for the temporary files ruff is given.
const snippetFiles = "<snippet files>"

// quoteArg shows an argument so the line reads like a shell command; the
// built-in Python check script and ruff's files are shown as placeholders.
func quoteArg(s string) string {
	switch {
	case s == pythonCheckScript:
		return "<syntax-check script>"
	case s == snippetFiles:
		return s
	case s == "":
		return `""`
	case strings.ContainsAny(s, " \t\n\"'\\$`;&|<>*?()[]{}#~"):
		return strconv.Quote(s)
	}
	return s
}

// Programs lists, in config order, every local program the validation
// columns of doc would start and every endpoint they would contact. It
// reads only doc (it does not look at PATH), so the list is the same on any
// machine; columns that fail to build are listed as written.
func Programs(doc *config.Document) []Access {
	var out []Access
	for _, c := range doc.Columns {
		col, ok := c.(*config.ValidationColumn)
		if !ok {
			continue
		}
		a := Access{Column: col.Name, Pos: col.Meta.Pos, Path: col.Meta.Path}
		switch {
		case col.Code != nil && col.Code.CodeLang == langPython:
			py, ruff := a, a
			py.Program = pythonArgv("python3")
			py.Note = "compiles each value without running it"
			ruff.Program = append(ruffArgv("ruff"), snippetFiles)
			ruff.Note = "only when ruff is on PATH"
			out = append(out, py, ruff)
		case col.Remote != nil:
			a.Endpoint = col.Remote.EndpointURL
			out = append(out, a)
		case col.Command != nil && len(col.Command.Command) > 0:
			a.Program = col.Command.Command
			out = append(out, a)
		}
	}
	return out
}
