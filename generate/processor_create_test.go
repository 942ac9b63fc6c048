package generate

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/synthgen/synthgen/columns/value"
	"github.com/synthgen/synthgen/generate/output"
	"github.com/synthgen/synthgen/generate/processor"
)

// transformConfig drops the rows whose k is odd and reshapes the rest,
// reading the dropped column tmp too.
const transformConfig = failingConfig + `processors:
  - name: view
    processor_type: schema_transform
    template:
      id: "{{ id }}"
      text: "{{ label }}!"
      pair: {k: "{{ k }}", tmp: "{{ tmp }}"}
`

// withTransforms sets the schema_transform processors of src, built against
// its plan, as the CLI does.
func withTransforms(t *testing.T, src string, seed uint64) func(*CreateOptions) {
	t.Helper()
	doc, p := mustPlan(t, src, seed)
	ts, diags := processor.Build(doc, p.Outputs)
	if diags.HasErrors() || len(ts) != 1 {
		t.Fatalf("processor.Build = %d, %v", len(ts), diags)
	}
	return func(o *CreateOptions) { o.Processors = []GroupProcessor{ts[0]} }
}

func TestCreate_ProcessorFiles(t *testing.T) {
	root := t.TempDir()
	res := mustCreate(t, root, transformConfig, 5, 10, 4, withTransforms(t, transformConfig, 5))
	if res.RowsFailed == 0 || res.RowsWritten == 0 {
		t.Fatalf("want some dropped and some kept rows, got %+v", res.Result)
	}
	dir := filepath.Join(root, "dataset")
	procDir := filepath.Join(dir, ProcessorsDir, "view")
	var want []string
	for id := range 3 {
		want = append(want, "processors-files/view/"+BatchFile(id))
		mainCols, mainRows, err := output.ReadParquetFile(filepath.Join(dir, ParquetDir, BatchFile(id)))
		if err != nil {
			t.Fatal(err)
		}
		cols, rows, err := output.ReadParquetFile(filepath.Join(procDir, BatchFile(id)))
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, c := range cols {
			names = append(names, c.Name+" "+c.Type.String())
		}
		if want := []string{"id string", "text string", "pair struct{k int, tmp string}"}; !reflect.DeepEqual(names, want) {
			t.Fatalf("columns = %v, want %v", names, want)
		}
		if len(rows) != len(mainRows) {
			t.Fatalf("group %d: %d processor rows, %d main rows", id, len(rows), len(mainRows))
		}
		at := map[string]int{}
		for i, c := range mainCols {
			at[c.Name] = i
		}
		for i, r := range rows {
			m := mainRows[i]
			pair := r[2].(*value.Map)
			k, _ := pair.Get("k")
			tmp, _ := pair.Get("tmp")
			if r[0] != m[at["id"]] || r[1] != m[at["label"]].(string)+"!" || k != m[at["k"]] || tmp != "x" {
				t.Errorf("group %d row %d: processor %v, main %v", id, i, value.CompactJSON(r), m)
			}
		}
	}
	m := readMeta(t, dir)
	if got := m.FilePaths["processors-files/view"]; !reflect.DeepEqual(got, want) {
		t.Errorf("file_paths[processors-files/view] = %v, want %v", got, want)
	}
}

// Resume keeps the processor files of kept groups and rewrites those of
// groups generated again (here: a group whose processor file is missing).
func TestCreate_ProcessorFilesResume(t *testing.T) {
	root := t.TempDir()
	with := withTransforms(t, transformConfig, 5)
	mustCreate(t, root, transformConfig, 5, 8, 4, with)
	procDir := filepath.Join(root, "dataset", ProcessorsDir, "view")
	first := readFile(t, filepath.Join(procDir, BatchFile(0)))
	second := readFile(t, filepath.Join(procDir, BatchFile(1)))
	old := time.Unix(1_000_000, 0)
	if err := os.Chtimes(filepath.Join(procDir, BatchFile(0)), old, old); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(procDir, BatchFile(1))); err != nil {
		t.Fatal(err)
	}

	res := mustCreate(t, root, transformConfig, 5, 12, 4, func(o *CreateOptions) {
		with(o)
		o.Resume = ResumeAlways
	})
	if !res.Resumed || res.KeptGroups != 1 {
		t.Fatalf("resumed %v, kept %d groups; want group 0 only", res.Resumed, res.KeptGroups)
	}
	st, err := os.Stat(filepath.Join(procDir, BatchFile(0)))
	if err != nil || !st.ModTime().Equal(old) {
		t.Errorf("the kept group's processor file was rewritten (%v)", err)
	}
	if got := readFile(t, filepath.Join(procDir, BatchFile(0))); !bytes.Equal(got, first) {
		t.Error("the kept group's processor file changed")
	}
	if got := readFile(t, filepath.Join(procDir, BatchFile(1))); !bytes.Equal(got, second) {
		t.Error("group 1 generated again gives a different processor file")
	}
	if _, err := os.Stat(filepath.Join(procDir, BatchFile(2))); err != nil {
		t.Errorf("new group has no processor file: %v", err)
	}
	m := readMeta(t, filepath.Join(root, "dataset"))
	if got := len(m.FilePaths["processors-files/view"]); got != 3 {
		t.Errorf("file_paths lists %d processor files, want 3", got)
	}
}

// A processor that fails to render stops the run before the group is
// written, so resume generates the group again.
func TestFolder_ProcessorErrorWritesNothing(t *testing.T) {
	src := datasetConfig + `processors:
  - name: bad
    template: {x: "{{ label | round }}"}
`
	root := t.TempDir()
	res, err := createIn(t, root, src, 1, 4, 4, withTransforms(t, src, 1))
	if err == nil || !strings.Contains(err.Error(), `processor "bad": row 0: rendering template.x: line 1: invalid call to filter 'round'`) {
		t.Fatalf("err = %v, want a render error naming the processor, row and leaf", err)
	}
	if res == nil {
		t.Fatalf("no result: %v", err)
	}
	dir := filepath.Join(root, "dataset")
	if got := batchFiles(t, dir); len(got) != 0 {
		t.Errorf("parquet-files/ = %v, want nothing", got)
	}
	if m := readMeta(t, dir); len(m.Batches) != 0 {
		t.Errorf("metadata records %d groups", len(m.Batches))
	}
}
