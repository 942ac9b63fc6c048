package seed

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// readCSV reads a CSV file with a header row. Cells stay strings (an empty
// cell is nil); inferCells types them once all files are read. An empty name
// in the header becomes "Unnamed: <i>" as pandas names it.
func readCSV(path string, data []byte) (*table, error) {
	r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(data, utf8BOM)))
	header, err := r.Read()
	if errors.Is(err, io.EOF) {
		return &table{}, nil
	}
	if err != nil {
		return nil, csvError(path, err)
	}
	t := &table{names: make([]string, len(header)), cols: make([][]any, len(header))}
	seen := make(map[string]bool, len(header))
	for i, name := range header {
		if name == "" {
			name = "Unnamed: " + strconv.Itoa(i)
		}
		if seen[name] {
			return nil, fmt.Errorf("parsing seed file %s: line 1: column %q appears twice in the header", path, name)
		}
		seen[name] = true
		t.names[i] = name
	}
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, csvError(path, err)
		}
		for c, s := range rec {
			if s == "" {
				t.cols[c] = append(t.cols[c], nil)
			} else {
				t.cols[c] = append(t.cols[c], s)
			}
		}
		t.rows++
	}
	return t, nil
}

func csvError(path string, err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return fmt.Errorf("parsing seed file %s: line %d: %w", path, pe.Line, pe.Err)
	}
	return fmt.Errorf("parsing seed file %s: %w", path, err)
}

// inferCells types a column of raw CSV strings: when every non-empty cell
// is an integer the column becomes int64, when every one is a finite number
// float64, when every one is true or false (any case) bool; otherwise the
// strings are kept. nil cells stay nil.
func inferCells(col []any) []any {
	allInt, allFloat, allBool := true, true, true
	for _, v := range col {
		s, ok := v.(string)
		if !ok {
			continue
		}
		if allInt {
			if _, err := strconv.ParseInt(s, 10, 64); err != nil {
				allInt = false
			}
		}
		if allFloat && !allInt {
			if _, ok := parseFinite(s); !ok {
				allFloat = false
			}
		}
		if allBool && !isBool(s) {
			allBool = false
		}
		if !allInt && !allFloat && !allBool {
			return col
		}
	}
	out := make([]any, len(col))
	for i, v := range col {
		s, ok := v.(string)
		if !ok {
			continue
		}
		switch {
		case allInt:
			out[i], _ = strconv.ParseInt(s, 10, 64)
		case allFloat:
			out[i], _ = parseFinite(s)
		default:
			out[i] = strings.EqualFold(s, "true")
		}
	}
	return out
}

// parseFinite parses a decimal number, refusing NaN and infinities so that
// words like "nan" or "Infinity" stay text.
func parseFinite(s string) (float64, bool) {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, false
	}
	return f, true
}

func isBool(s string) bool { return strings.EqualFold(s, "true") || strings.EqualFold(s, "false") }
