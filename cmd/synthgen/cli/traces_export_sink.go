package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"

	"github.com/synthgen/synthgen/columns/value"
	"github.com/synthgen/synthgen/generate/output"
	"github.com/synthgen/synthgen/traceset"
	"github.com/synthgen/synthgen/tracing/export"
)

// exportSink is where an export's lines go: a JSON lines file (or stdout),
// or the flat format's Parquet file, which takes each line as a row.
type exportSink interface {
	io.Writer
	// record is called after each record the export writer wrote.
	record(ew *export.Writer) error
	close() error
	// abort releases the sink after a failure (and after close: a no-op).
	abort()
}

// lineSink writes JSON lines to stdout ("-") or a file.
type lineSink struct {
	io.Writer
	file *os.File
}

func newLineSink(stdout io.Writer, out string) (*lineSink, error) {
	if out == "-" {
		return &lineSink{Writer: stdout}, nil
	}
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return nil, exitf(ExitFailed, "%v", err)
	}
	file, err := os.Create(out)
	if err != nil {
		return nil, exitf(ExitFailed, "%v", err)
	}
	return &lineSink{Writer: file, file: file}, nil
}

func (s *lineSink) record(*export.Writer) error { return nil }

func (s *lineSink) close() error {
	if s.file == nil {
		return nil
	}
	f := s.file
	s.file = nil
	return f.Close()
}

func (s *lineSink) abort() { _ = s.close() }

// flatParquet writes the flat format as Parquet: the JSON line's fields as
// typed columns, inputs split into system and user, metadata as JSON text
// (its keys differ between configs), and one float column per judge score
// ("<judge>.<score>.score", null when missing or not a number). Rows are
// written in batches, so memory stays flat.
type flatParquet struct {
	out    string
	done   bool
	buf    bytes.Buffer
	w      output.Writer
	scores []string
	rows   [][]any
}

const flatParquetBatch = 1024

func newFlatParquet(out string, f *traceset.Folder) (*flatParquet, error) {
	s := &flatParquet{out: out}
	for judge, names := range f.Judges {
		for _, n := range names {
			s.scores = append(s.scores, judge+"."+n+".score")
		}
	}
	sort.Strings(s.scores)
	cols := []output.Column{
		{Name: "row", Type: value.Int},
		{Name: "column", Type: value.String},
		{Name: "system", Type: value.String},
		{Name: "user", Type: value.String},
		{Name: "output", Type: value.String},
		{Name: "tools_involved", Type: value.List(value.String)},
		{Name: "tool_calls", Type: value.Int},
		{Name: "tool_errors", Type: value.Int},
		{Name: "latency", Type: value.Float},
		{Name: "total_tokens", Type: value.Int},
		{Name: "metadata", Type: value.String},
	}
	for _, k := range s.scores {
		cols = append(cols, output.Column{Name: k, Type: value.Float})
	}
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return nil, exitf(ExitFailed, "%v", err)
	}
	w, err := output.NewWriter(output.FormatParquet, out, cols)
	if err != nil {
		return nil, exitf(ExitFailed, "%v", err)
	}
	s.w = w
	return s, nil
}

func (s *flatParquet) Write(p []byte) (int, error) { return s.buf.Write(p) }

// record turns the line just written into a row.
func (s *flatParquet) record(ew *export.Writer) error {
	if err := ew.Close(); err != nil { // flush the line into buf
		return err
	}
	var line struct {
		Row    int64  `json:"row"`
		Column string `json:"column"`
		Inputs struct {
			System *string `json:"system"`
			User   *string `json:"user"`
		} `json:"inputs"`
		Output        *string         `json:"output"`
		ToolsInvolved []string        `json:"tools_involved"`
		ToolCalls     int64           `json:"tool_calls"`
		ToolErrors    int64           `json:"tool_errors"`
		Latency       *float64        `json:"latency"`
		TotalTokens   *int64          `json:"total_tokens"`
		Metadata      json.RawMessage `json:"metadata"`
	}
	b := s.buf.Bytes()
	if err := json.Unmarshal(b, &line); err != nil {
		return fmt.Errorf("flat line: %w", err)
	}
	var all map[string]any
	if err := json.Unmarshal(b, &all); err != nil {
		return fmt.Errorf("flat line: %w", err)
	}
	s.buf.Reset()
	tools := make([]any, len(line.ToolsInvolved))
	for i, t := range line.ToolsInvolved {
		tools[i] = t
	}
	row := []any{line.Row, line.Column, strOrNil(line.Inputs.System), strOrNil(line.Inputs.User), strOrNil(line.Output),
		tools, line.ToolCalls, line.ToolErrors, nil, nil, nil}
	if line.Latency != nil {
		row[8] = *line.Latency
	}
	if line.TotalTokens != nil {
		row[9] = *line.TotalTokens
	}
	if len(line.Metadata) > 0 {
		row[10] = string(line.Metadata)
	}
	for _, k := range s.scores {
		if f, ok := traceset.Number(all[k]); ok {
			row = append(row, f)
		} else {
			row = append(row, nil)
		}
	}
	s.rows = append(s.rows, row)
	if len(s.rows) >= flatParquetBatch {
		return s.flush()
	}
	return nil
}

func (s *flatParquet) flush() error {
	if len(s.rows) == 0 {
		return nil
	}
	err := s.w.Write(s.rows)
	s.rows = s.rows[:0]
	return err
}

func (s *flatParquet) close() error {
	if err := s.flush(); err != nil {
		return err
	}
	s.done = true
	return s.w.Close()
}

// abort discards an unfinished file; after close it does nothing.
func (s *flatParquet) abort() {
	if !s.done {
		s.done = true
		_ = s.w.Close()
		_ = os.Remove(s.out)
	}
}

func strOrNil(s *string) any {
	if s == nil {
		return nil
	}
	return *s
}
