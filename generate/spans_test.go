package generate

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/synthgen/synthgen/config"
	"github.com/synthgen/synthgen/tracing"
)

// readGroupSpans reads the span file of group id of the folder dir.
func readGroupSpans(t *testing.T, dir string, id int) []tracing.Span {
	t.Helper()
	spans, err := ReadSpans(filepath.Join(dir, SpansDir, BatchFile(id)))
	if err != nil {
		t.Fatal(err)
	}
	return spans
}

// A run writes one span file per group: a root per row (failed rows too,
// with their error), one span per cell under it, the sampler values as the
// root's metadata; the files are listed in metadata.json.
func TestCreate_SpanFiles(t *testing.T) {
	root := t.TempDir()
	res := mustCreate(t, root, failingConfig, 5, 10, 4, nil)
	dir := filepath.Join(root, "dataset")
	meta := readMeta(t, dir)
	if got := meta.FilePaths[SpansDir]; len(got) != 3 || got[2] != "spans/batch_00002.parquet" {
		t.Errorf("file_paths[spans] = %v", got)
	}
	failed := 0
	for id := range 3 {
		spans := readGroupSpans(t, dir, id)
		byID := map[string]tracing.Span{}
		for _, s := range spans {
			byID[s.ID] = s
		}
		if len(byID) != len(spans) {
			t.Errorf("group %d: duplicate span ids", id)
		}
		for _, s := range spans {
			if s.ParentID == "" {
				if s.RunType != "chain" || s.Name != "row" || s.TraceID != s.ID {
					t.Errorf("root %+v", s)
				}
				var md map[string]any
				if err := json.Unmarshal([]byte(s.Metadata), &md); err != nil || md["color"] == nil || md["k"] == nil {
					t.Errorf("root metadata %q (%v): want the sampler values", s.Metadata, err)
				}
				if s.Status == tracing.SpanError {
					failed++
					if s.Error == "" {
						t.Errorf("failed root without error: %+v", s)
					}
				}
				continue
			}
			p, ok := byID[s.ParentID]
			if !ok || p.ParentID != "" || s.TraceID != p.ID || s.Row != p.Row {
				t.Errorf("cell %s (row %d) has parent %+v", s.Name, s.Row, p)
			}
			if want := map[string]string{"id": "sampler", "label": "expression", "even": "expression"}[s.Name]; want != "" && s.RunType != want {
				t.Errorf("cell %s: run_type %q, want %q", s.Name, s.RunType, want)
			}
			if s.EndTime.Before(s.StartTime) || s.Latency < 0 {
				t.Errorf("cell %s: times %v..%v", s.Name, s.StartTime, s.EndTime)
			}
		}
		roots := 0
		for _, s := range spans {
			if s.ParentID == "" {
				roots++
			}
		}
		if want := min(4, 10-4*id); roots != want {
			t.Errorf("group %d: %d roots, want %d", id, roots, want)
		}
	}
	if failed != res.RowsFailed || failed == 0 {
		t.Errorf("%d failed roots, %d failed rows", failed, res.RowsFailed)
	}
}

// write_spans: false writes no span files.
func TestCreate_NoSpans(t *testing.T) {
	root := t.TempDir()
	mustCreate(t, root, datasetConfig, 5, 10, 4, func(o *CreateOptions) {
		o.Run = &config.RunConfig{BufferSize: intp(4), WriteSpans: ptrTo(false)}
	})
	dir := filepath.Join(root, "dataset")
	if _, err := os.Stat(filepath.Join(dir, SpansDir)); !os.IsNotExist(err) {
		t.Errorf("spans folder: %v, want none", err)
	}
	if _, ok := readMeta(t, dir).FilePaths[SpansDir]; ok {
		t.Error("metadata lists span files")
	}
}

// Resume generates a group again when its span file is missing, and keeps
// the others'; the same seed gives the same span IDs.
func TestCreate_SpanFilesResume(t *testing.T) {
	root := t.TempDir()
	mustCreate(t, root, datasetConfig, 5, 8, 4, nil)
	dir := filepath.Join(root, "dataset")
	before := readGroupSpans(t, dir, 1)
	if err := os.Remove(filepath.Join(dir, SpansDir, BatchFile(1))); err != nil {
		t.Fatal(err)
	}
	res := mustCreate(t, root, datasetConfig, 5, 8, 4, func(o *CreateOptions) { o.Resume = ResumeAlways })
	if !res.Resumed || res.KeptGroups != 1 || res.RowsWritten != 4 {
		t.Fatalf("resumed %v, kept %d groups, wrote %d rows; want group 0 kept, group 1 again", res.Resumed, res.KeptGroups, res.RowsWritten)
	}
	after := readGroupSpans(t, dir, 1)
	ids := func(ss []tracing.Span) []string {
		var out []string
		for _, s := range ss {
			out = append(out, s.ID)
		}
		slices.Sort(out)
		return out
	}
	if !slices.Equal(ids(before), ids(after)) || len(after) == 0 {
		t.Errorf("span ids changed on resume:\n%v\n%v", ids(before), ids(after))
	}
}
