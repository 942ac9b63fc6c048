package config

import (
	"fmt"
	"sort"
	"strings"
)

// Pos is a position in a config file. Line and Col are 1-based; zero means
// unknown.
type Pos struct {
	File string
	Line int
	Col  int
}

func (p Pos) String() string {
	if p.Line == 0 {
		return p.File
	}
	return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Col)
}

// Meta is filled by the decoder for every struct that embeds it.
type Meta struct {
	Pos  Pos            // the mapping itself
	Path string         // e.g. "columns[3].params"
	Keys map[string]Pos // position of each key's value
}

// At returns the position and path of a key's value, falling back to the
// mapping's own position when the key is absent.
func (m *Meta) At(key string) (Pos, string) {
	p := m.Path + "." + key
	if m.Path == "" {
		p = key
	}
	if pos, ok := m.Keys[key]; ok {
		return pos, p
	}
	return m.Pos, p
}

// Has reports whether the key was present in the file.
func (m *Meta) Has(key string) bool { _, ok := m.Keys[key]; return ok }

// Severity of a diagnostic.
type Severity int

const (
	Error Severity = iota
	Warning
)

// Diagnostic is one problem found in a config.
type Diagnostic struct {
	Severity Severity
	Pos      Pos
	Path     string // e.g. columns[2].params.values
	Summary  string // one line, lower case
	Detail   string // optional longer explanation
}

// String formats a diagnostic as "file:line:col: path: summary".
func (d Diagnostic) String() string {
	var b strings.Builder
	b.WriteString(d.Pos.String())
	b.WriteString(": ")
	if d.Severity == Warning {
		b.WriteString("warning: ")
	}
	if d.Path != "" {
		b.WriteString(d.Path)
		b.WriteString(": ")
	}
	b.WriteString(d.Summary)
	if d.Detail != "" {
		b.WriteString("\n    ")
		b.WriteString(strings.ReplaceAll(d.Detail, "\n", "\n    "))
	}
	return b.String()
}

// Diagnostics is a list of problems. It implements error when it holds at
// least one Error.
type Diagnostics []Diagnostic

// Errorf appends an error at pos/path.
func (ds *Diagnostics) Errorf(pos Pos, path, format string, args ...any) {
	*ds = append(*ds, Diagnostic{Severity: Error, Pos: pos, Path: path, Summary: fmt.Sprintf(format, args...)})
}

// Warnf appends a warning at pos/path.
func (ds *Diagnostics) Warnf(pos Pos, path, format string, args ...any) {
	*ds = append(*ds, Diagnostic{Severity: Warning, Pos: pos, Path: path, Summary: fmt.Sprintf(format, args...)})
}

// HasErrors reports whether any diagnostic is an error.
func (ds Diagnostics) HasErrors() bool {
	for _, d := range ds {
		if d.Severity == Error {
			return true
		}
	}
	return false
}

// Errors returns only the errors.
func (ds Diagnostics) Errors() Diagnostics {
	var out Diagnostics
	for _, d := range ds {
		if d.Severity == Error {
			out = append(out, d)
		}
	}
	return out
}

// Warnings returns only the warnings.
func (ds Diagnostics) Warnings() Diagnostics {
	var out Diagnostics
	for _, d := range ds {
		if d.Severity == Warning {
			out = append(out, d)
		}
	}
	return out
}

// Sort orders diagnostics by file, line, column, then path, and keeps one
// diagnostic per position and path (errors before warnings): two checks that
// find the same problem at the same place report it once.
func (ds Diagnostics) Sort() Diagnostics {
	sort.SliceStable(ds, func(i, j int) bool {
		a, b := ds[i].Pos, ds[j].Pos
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		if a.Col != b.Col {
			return a.Col < b.Col
		}
		if ds[i].Path != ds[j].Path {
			return ds[i].Path < ds[j].Path
		}
		return ds[i].Severity < ds[j].Severity
	})
	out := ds[:0]
	for i, d := range ds {
		if i > 0 && d.Pos == ds[i-1].Pos && d.Path == ds[i-1].Path && d.Pos.Line != 0 {
			continue
		}
		out = append(out, d)
	}
	return out
}

// Error joins the errors, one per line.
func (ds Diagnostics) Error() string {
	var lines []string
	for _, d := range ds {
		lines = append(lines, d.String())
	}
	return strings.Join(lines, "\n")
}

// Err returns ds as an error when it holds errors, else nil.
func (ds Diagnostics) Err() error {
	if ds.HasErrors() {
		return ds
	}
	return nil
}
