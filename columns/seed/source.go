package seed

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// table is a seed dataset held column-major: cols[c][r] is row r of the
// column names[c]. Every column has rows entries.
type table struct {
	names []string
	cols  [][]any
	rows  int
}

// slice returns rows [lo, hi) of t, sharing the column storage.
func (t *table) slice(lo, hi int) *table {
	out := &table{names: t.names, cols: make([][]any, len(t.cols)), rows: hi - lo}
	for c, col := range t.cols {
		out.cols[c] = col[lo:hi:hi]
	}
	return out
}

// fileFormat reads one seed file format.
type fileFormat struct {
	ext  string
	read func(path string, data []byte) (*table, error)
	// stringCells: values are raw strings whose types are inferred per
	// column after all files are read (CSV).
	stringCells bool
}

var formats = []fileFormat{
	{ext: ".parquet", read: readParquet},
	{ext: ".csv", read: readCSV, stringCells: true},
	{ext: ".json", read: readJSON},
	{ext: ".jsonl", read: readJSONL},
}

func supportedExts() string {
	exts := make([]string, len(formats))
	for i, f := range formats {
		exts[i] = f.ext
	}
	return strings.Join(exts, ", ")
}

func formatOf(path string) (fileFormat, error) {
	ext := strings.ToLower(filepath.Ext(path))
	for _, f := range formats {
		if f.ext == ext {
			return f, nil
		}
	}
	if ext == "" {
		return fileFormat{}, fmt.Errorf("seed file %s has no extension; supported: %s", path, supportedExts())
	}
	return fileFormat{}, fmt.Errorf("unsupported seed file extension %q (%s); supported: %s", ext, path, supportedExts())
}

// resolve turns the configured path (a file or a glob) into the files to
// read, in sorted order.
func resolve(baseDir, pattern string) ([]string, error) {
	p := pattern
	if !filepath.IsAbs(p) {
		p = filepath.Join(baseDir, p)
		// Data Designer resolves a relative path against the working
		// directory; when nothing is found next to the config, so do we.
		if !exists(p) && exists(pattern) {
			p = pattern
		}
	}
	if !strings.ContainsAny(pattern, "*?[") {
		st, err := os.Stat(p)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			return nil, fmt.Errorf("seed file %s does not exist", p)
		case err != nil:
			return nil, fmt.Errorf("seed file: %w", err)
		case st.IsDir():
			return nil, fmt.Errorf("seed path %s is a directory; use a glob such as %s", p, filepath.Join(p, "*.parquet"))
		}
		return []string{p}, nil
	}
	matches, err := filepath.Glob(p)
	if err != nil {
		return nil, fmt.Errorf("invalid seed glob %q: %w", pattern, err)
	}
	var files []string
	for _, m := range matches {
		if st, err := os.Stat(m); err == nil && !st.IsDir() {
			files = append(files, m)
		}
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("no seed files match %s", p)
	}
	slices.Sort(files)
	return files, nil
}

// load reads every file the configured path names and concatenates them.
// All files must have one format and the same column names (order may
// differ; the first non-empty file's order is kept). CSV cell types are
// inferred over all files together.
func load(baseDir, pattern string) (*table, error) {
	files, err := resolve(baseDir, pattern)
	if err != nil {
		return nil, err
	}
	f, err := formatOf(files[0])
	if err != nil {
		return nil, err
	}
	var out *table
	var first string
	for _, file := range files {
		ff, err := formatOf(file)
		if err != nil {
			return nil, err
		}
		if ff.ext != f.ext {
			return nil, fmt.Errorf("seed glob %q matches files of different formats (%s and %s); use one format", pattern, files[0], file)
		}
		data, err := os.ReadFile(file)
		if err != nil {
			return nil, fmt.Errorf("reading seed file: %w", err)
		}
		t, err := f.read(file, data)
		if err != nil {
			return nil, err
		}
		if t.rows == 0 {
			continue
		}
		if len(t.names) == 0 {
			return nil, fmt.Errorf("seed file %s has rows but no columns", file)
		}
		if out == nil {
			out, first = t, file
			continue
		}
		if err := appendTable(out, t, first, file); err != nil {
			return nil, err
		}
	}
	if out == nil {
		if len(files) == 1 {
			return nil, fmt.Errorf("seed file %s has no rows", files[0])
		}
		return nil, fmt.Errorf("seed files matching %q have no rows", pattern)
	}
	if f.stringCells {
		for c := range out.cols {
			out.cols[c] = inferCells(out.cols[c])
		}
	}
	return out, nil
}

// appendTable appends t's rows to dst after checking both have the same
// column names.
func appendTable(dst, t *table, dstFile, file string) error {
	index := make(map[string]int, len(t.names))
	for i, n := range t.names {
		index[n] = i
	}
	var missing, extra []string
	for _, n := range dst.names {
		if _, ok := index[n]; !ok {
			missing = append(missing, n)
		}
	}
	have := make(map[string]bool, len(dst.names))
	for _, n := range dst.names {
		have[n] = true
	}
	for _, n := range t.names {
		if !have[n] {
			extra = append(extra, n)
		}
	}
	if len(missing) > 0 || len(extra) > 0 {
		var parts []string
		if len(missing) > 0 {
			parts = append(parts, "missing "+strings.Join(missing, ", "))
		}
		if len(extra) > 0 {
			parts = append(parts, "extra "+strings.Join(extra, ", "))
		}
		return fmt.Errorf("seed file %s has columns incompatible with %s: %s", file, dstFile, strings.Join(parts, "; "))
	}
	for c, n := range dst.names {
		dst.cols[c] = append(dst.cols[c], t.cols[index[n]]...)
	}
	dst.rows += t.rows
	return nil
}

// exists reports whether a path, or any match of a glob, exists.
func exists(p string) bool {
	if strings.ContainsAny(p, "*?[") {
		m, _ := filepath.Glob(p)
		return len(m) > 0
	}
	_, err := os.Stat(p)
	return err == nil
}
