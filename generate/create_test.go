package generate

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/synthgen/synthgen/columns"
	"github.com/synthgen/synthgen/config"
	"github.com/synthgen/synthgen/generate/output"
)

// datasetConfig has numbers, strings and a dropped column; no row fails.
const datasetConfig = `columns:
  - {name: id, column_type: sampler, sampler_type: uuid, params: {short_form: true}}
  - {name: n, column_type: sampler, sampler_type: uniform, params: {low: 0, high: 100, decimal_places: 2}}
  - {name: k, column_type: sampler, sampler_type: poisson, params: {mean: 3}}
  - {name: color, column_type: sampler, sampler_type: category, params: {values: [red, green]}}
  - {name: label, column_type: expression, expr: "{{ color }}:{{ k }}"}
  - {name: tmp, column_type: expression, expr: "x", drop: true}
`

// failingConfig drops the rows whose k is odd.
const failingConfig = datasetConfig + `  - {name: even, column_type: expression, dtype: int, expr: "{% if k % 2 == 1 %}odd{% else %}{{ k }}{% endif %}"}
`

var fixedNow = time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)

func intp(i int) *int { return &i }

// createIn runs a config into <root>/dataset with buffer_size buffer.
func createIn(t *testing.T, root, src string, seed uint64, n, buffer int, mod func(*CreateOptions)) (*CreateResult, error) {
	t.Helper()
	doc, p := mustPlan(t, src, seed)
	opts := CreateOptions{
		NumRecords:   n,
		ArtifactPath: root,
		Seed:         seed,
		Run:          &config.RunConfig{BufferSize: intp(buffer)},
		Version:      "test",
		Now:          func() time.Time { return fixedNow },
	}
	if mod != nil {
		mod(&opts)
	}
	return Create(context.Background(), doc, p, opts)
}

// mustCreate is createIn for runs that must succeed.
func mustCreate(t *testing.T, root, src string, seed uint64, n, buffer int, mod func(*CreateOptions)) *CreateResult {
	t.Helper()
	res, err := createIn(t, root, src, seed, n, buffer, mod)
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	return res
}

func readMeta(t *testing.T, dir string) *Metadata {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, MetadataFile))
	if err != nil {
		t.Fatal(err)
	}
	var m Metadata
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	return &m
}

// batchFiles lists parquet-files/, temporary files included.
func batchFiles(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join(dir, ParquetDir))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

// readRows reads every batch file of dir in order.
func readRows(t *testing.T, dir string) ([]output.Column, [][]any) {
	t.Helper()
	var cols []output.Column
	var all [][]any
	for _, name := range batchFiles(t, dir) {
		c, rows, err := output.ReadParquetFile(filepath.Join(dir, ParquetDir, name))
		if err != nil {
			t.Fatal(err)
		}
		cols = c
		all = append(all, rows...)
	}
	return cols, all
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestCreate_Folder(t *testing.T) {
	root := t.TempDir()
	res := mustCreate(t, root, datasetConfig, 11, 25, 10, nil)
	dir := filepath.Join(root, "dataset")
	if res.Dir != dir || res.Resumed || res.RenamedFrom != "" || res.RowsWritten != 25 || res.Seed != 11 {
		t.Fatalf("result = %+v", res)
	}
	if got, want := batchFiles(t, dir), []string{"batch_00000.parquet", "batch_00001.parquet", "batch_00002.parquet"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("parquet-files/ = %v, want %v (no temporary files)", got, want)
	}
	var all [][]any
	for i, want := range []int{10, 10, 5} {
		cols, rows, err := output.ReadParquetFile(filepath.Join(dir, ParquetDir, BatchFile(i)))
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != want {
			t.Errorf("batch %d has %d rows, want %d", i, len(rows), want)
		}
		var names []string
		for _, c := range cols {
			names = append(names, c.Name)
		}
		if got := strings.Join(names, " "); got != "id n k color label" {
			t.Errorf("batch %d columns = %q (tmp is dropped)", i, got)
		}
		all = append(all, rows...)
	}
	for _, r := range all {
		if label := r[3].(string) + ":" + itoa(r[2].(int64)); r[4] != label {
			t.Errorf("row %v: label %v, want %q", r, r[4], label)
		}
	}

	m := readMeta(t, dir)
	if m.TargetNumRecords != 25 || m.ActualNumRecords != 25 || m.FailedNumRecords != 0 || m.BufferSize != 10 ||
		m.TotalNumBatches != 3 || m.NumCompletedBatches != 3 || m.Seed != 11 || m.SynthgenVersion != "test" {
		t.Errorf("metadata counts = %+v", m)
	}
	if want := []string{"parquet-files/batch_00000.parquet", "parquet-files/batch_00001.parquet", "parquet-files/batch_00002.parquet"}; !reflect.DeepEqual(m.FilePaths[ParquetDir], want) {
		t.Errorf("file_paths = %v", m.FilePaths)
	}
	doc := parse(t, datasetConfig)
	if m.ConfigHash != doc.Hash() || len(m.ConfigHash) != 64 {
		t.Errorf("config_hash = %q, want %q", m.ConfigHash, doc.Hash())
	}
	if !m.StartedAt.Equal(fixedNow) || m.FinishedAt == nil || m.FinishedAt.IsZero() {
		t.Errorf("started_at %v, finished_at %v", m.StartedAt, m.FinishedAt)
	}
	if want := []BatchInfo{{0, 10, 10, 0}, {1, 10, 10, 0}, {2, 5, 5, 0}}; !reflect.DeepEqual(m.Batches, want) {
		t.Errorf("batches = %+v", m.Batches)
	}
	var schema []string
	for _, c := range m.Schema {
		schema = append(schema, c.Name+" "+c.Type)
	}
	if got, want := strings.Join(schema, ", "), "id string, n float, k int, color string, label string"; got != want {
		t.Errorf("schema = %q, want %q", got, want)
	}

	// Statistics: every written column, numbers with min/max/mean.
	stats := m.ColumnStatistics
	if len(stats) != 5 || stats["tmp"] != nil {
		t.Errorf("column_statistics has %d columns: %v", len(stats), stats)
	}
	for k, name := range []string{"id", "n", "k", "color", "label"} {
		st := stats[name]
		if st == nil {
			t.Fatalf("no statistics for %s", name)
		}
		distinct := map[any]bool{}
		lo, hi, sum := math.Inf(1), math.Inf(-1), 0.0
		for _, r := range all {
			distinct[r[k]] = true
			if f, ok := asFloat(r[k]); ok {
				lo, hi, sum = math.Min(lo, f), math.Max(hi, f), sum+f
			}
		}
		if st.NonNullCount != 25 || st.NullCount != 0 || st.UniqueCount != int64(len(distinct)) {
			t.Errorf("%s: counts %+v, want 25 non-null, %d unique", name, st, len(distinct))
		}
		numeric := name == "n" || name == "k"
		if numeric != (st.Min != nil) || numeric != (st.Max != nil) || numeric != (st.Mean != nil) {
			t.Errorf("%s: min/max/mean set = %v/%v/%v, want %v", name, st.Min != nil, st.Max != nil, st.Mean != nil, numeric)
			continue
		}
		if numeric && (*st.Min != lo || *st.Max != hi || math.Abs(*st.Mean-sum/25) > 1e-9) {
			t.Errorf("%s: min %v max %v mean %v, want %v %v %v", name, *st.Min, *st.Max, *st.Mean, lo, hi, sum/25)
		}
	}

	// The JSON field names are the contract.
	var raw map[string]any
	if err := json.Unmarshal(readFile(t, filepath.Join(dir, MetadataFile)), &raw); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"target_num_records", "actual_num_records", "buffer_size", "total_num_batches",
		"num_completed_batches", "file_paths", "config_hash", "seed", "started_at", "finished_at", "column_statistics"} {
		if _, ok := raw[key]; !ok {
			t.Errorf("metadata.json has no %q", key)
		}
	}
	nStat := raw["column_statistics"].(map[string]any)["n"].(map[string]any)
	for _, key := range []string{"non_null_count", "unique_count", "min", "max", "mean"} {
		if _, ok := nStat[key]; !ok {
			t.Errorf("column_statistics.n has no %q: %v", key, nStat)
		}
	}

	if got := readFile(t, filepath.Join(dir, BuilderConfigFile)); !bytes.Equal(got, doc.BuilderConfigJSON()) {
		t.Errorf("builder_config.json = %s", got)
	}
	if _, err := os.Stat(filepath.Join(dir, FailuresFile)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("failures.jsonl exists without failures (%v)", err)
	}
}

func TestCreate_FailuresFile(t *testing.T) {
	root := t.TempDir()
	res := mustCreate(t, root, failingConfig, 5, 30, 10, func(o *CreateOptions) {
		o.Run.DisableEarlyShutdown = ptrTo(true)
	})
	if res.RowsFailed == 0 || res.RowsWritten == 0 {
		t.Fatalf("result %+v: the test needs both kept and failed rows", res)
	}
	dir := filepath.Join(root, "dataset")
	f, err := os.Open(filepath.Join(dir, FailuresFile))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var rows []int64
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var rec map[string]any
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			t.Fatalf("line %q: %v", sc.Text(), err)
		}
		if rec["column"] != "even" || rec["error_kind"] != "expression" ||
			!strings.Contains(rec["message"].(string), `cannot cast "odd" to int`) {
			t.Errorf("failure %v", rec)
		}
		up, ok := rec["upstream"].(map[string]any)
		if !ok || up["tmp"] != "x" || up["k"] == nil || int(up["k"].(float64))%2 != 1 {
			t.Errorf("upstream %v: want the row's values, dropped ones included", rec["upstream"])
		}
		rows = append(rows, int64(rec["row"].(float64)))
	}
	// Row groups complete in any order; within a group rows are in order.
	sorted := slices.Clone(rows)
	slices.Sort(sorted)
	if len(rows) != res.RowsFailed || len(slices.Compact(sorted)) != len(rows) {
		t.Errorf("failure rows %v, want %d distinct", rows, res.RowsFailed)
	}
	for i := 1; i < len(rows); i++ {
		if rows[i]/10 == rows[i-1]/10 && rows[i] < rows[i-1] {
			t.Errorf("failure rows %v: out of order within a group", rows)
		}
	}
	m := readMeta(t, dir)
	if m.FailedNumRecords != res.RowsFailed || m.ActualNumRecords != res.RowsWritten || m.ActualNumRecords+m.FailedNumRecords != 30 {
		t.Errorf("metadata actual %d failed %d; result %+v", m.ActualNumRecords, m.FailedNumRecords, res)
	}
	if _, all := readRows(t, dir); len(all) != res.RowsWritten {
		t.Errorf("%d rows on disk, want %d", len(all), res.RowsWritten)
	}
}

func TestCreate_ResumeNeverUsesANewFolder(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "dataset")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	// An empty folder is used as it is.
	first := mustCreate(t, root, datasetConfig, 1, 5, 10, nil)
	if first.Dir != dir || first.RenamedFrom != "" {
		t.Fatalf("first run: dir %q, renamed from %q", first.Dir, first.RenamedFrom)
	}
	before := readFile(t, filepath.Join(dir, MetadataFile))
	second := mustCreate(t, root, datasetConfig, 2, 5, 10, nil)
	if want := dir + "_20240506_070809"; second.Dir != want || second.RenamedFrom != dir || second.Resumed {
		t.Errorf("second run: dir %q, renamed from %q, resumed %v; want %q", second.Dir, second.RenamedFrom, second.Resumed, want)
	}
	if after := readFile(t, filepath.Join(dir, MetadataFile)); !bytes.Equal(before, after) {
		t.Error("the first folder changed")
	}
	if m := readMeta(t, second.Dir); m.Seed != 2 || m.ActualNumRecords != 5 {
		t.Errorf("new folder metadata: %+v", m)
	}
}

// statFile stats path; os.SameFile on two stats tells whether the file was
// rewritten (a rewrite renames a new file over it).
func statFile(t *testing.T, path string) os.FileInfo {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi
}

func TestCreate_ResumeAlwaysExtends(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "dataset")
	mustCreate(t, root, failingConfig, 9, 25, 10, func(o *CreateOptions) { o.Run.DisableEarlyShutdown = ptrTo(true) })
	kept := []os.FileInfo{
		statFile(t, filepath.Join(dir, ParquetDir, BatchFile(0))),
		statFile(t, filepath.Join(dir, ParquetDir, BatchFile(1))),
	}
	before := readMeta(t, dir)
	if rows := failureRows(t, dir); len(rows) == 0 || slices.Max(rows) < 20 {
		t.Fatalf("failure rows %v: the test needs failures in the short group", rows)
	}

	// A resumed run must use the folder's seed (the CLI passes it in); any
	// other seed is refused, since its generators would give other rows.
	_, err := createIn(t, root, failingConfig, 12345, 40, 10, func(o *CreateOptions) { o.Resume = ResumeAlways })
	if !errors.Is(err, ErrResume) || !strings.Contains(err.Error(), "seed 9") {
		t.Fatalf("a different seed must be refused, got %v", err)
	}
	res := mustCreate(t, root, failingConfig, 9, 40, 10, func(o *CreateOptions) {
		o.Resume = ResumeAlways
		o.Run.DisableEarlyShutdown = ptrTo(true)
		o.Now = func() time.Time { return fixedNow.Add(time.Hour) }
	})
	if res.Dir != dir || !res.Resumed || res.KeptGroups != 2 || res.Seed != 9 {
		t.Fatalf("result %+v", res)
	}
	if want := before.Batches[0].Written + before.Batches[1].Written; res.KeptRows != want {
		t.Errorf("KeptRows = %d, want %d", res.KeptRows, want)
	}
	if res.GroupsDone != 2 {
		t.Errorf("generated %d groups, want 2 (the short group 2 again, and group 3)", res.GroupsDone)
	}
	for i, fi := range kept {
		if !os.SameFile(fi, statFile(t, filepath.Join(dir, ParquetDir, BatchFile(i)))) {
			t.Errorf("batch %d was rewritten; a kept group must stay as it is", i)
		}
	}

	fresh := t.TempDir()
	mustCreate(t, fresh, failingConfig, 9, 40, 10, func(o *CreateOptions) { o.Run.DisableEarlyShutdown = ptrTo(true) })
	freshDir := filepath.Join(fresh, "dataset")
	assertSameFolder(t, dir, freshDir)

	m := readMeta(t, dir)
	if m.TargetNumRecords != 40 || m.TotalNumBatches != 4 || m.NumCompletedBatches != 4 || m.Seed != 9 ||
		!m.StartedAt.Equal(before.StartedAt) || m.FinishedAt == nil {
		t.Errorf("metadata after resume: %+v", m)
	}
	fm := readMeta(t, freshDir)
	if !reflect.DeepEqual(m.ColumnStatistics, fm.ColumnStatistics) || m.ActualNumRecords != fm.ActualNumRecords {
		t.Errorf("statistics after resume differ from a fresh run's:\n%v\n%v", m.ColumnStatistics, fm.ColumnStatistics)
	}
}

// assertSameFolder checks two dataset folders hold byte-identical batch
// files and failures.
func assertSameFolder(t *testing.T, dir, want string) {
	t.Helper()
	got, exp := batchFiles(t, dir), batchFiles(t, want)
	if !reflect.DeepEqual(got, exp) {
		t.Fatalf("parquet-files/ = %v, want %v", got, exp)
	}
	for _, name := range exp {
		if !bytes.Equal(readFile(t, filepath.Join(dir, ParquetDir, name)), readFile(t, filepath.Join(want, ParquetDir, name))) {
			t.Errorf("%s differs from a fresh run's", name)
		}
	}
	_, rows := readRows(t, dir)
	_, wantRows := readRows(t, want)
	if !reflect.DeepEqual(rows, wantRows) {
		t.Errorf("rows differ from a fresh run's")
	}
	// Groups complete in any order, so failures.jsonl's lines may too.
	if g, w := sortedLines(readFile(t, filepath.Join(dir, FailuresFile))), sortedLines(readFile(t, filepath.Join(want, FailuresFile))); g != w {
		t.Errorf("failures.jsonl:\n%s\nwant (a fresh run's):\n%s", g, w)
	}
}

func sortedLines(b []byte) string {
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	slices.Sort(lines)
	return strings.Join(lines, "\n")
}

func TestCreate_ResumeRefused(t *testing.T) {
	other := strings.Replace(datasetConfig, "mean: 3", "mean: 4", 1)
	tests := []struct {
		name   string
		src    string
		buffer int
		want   string
	}{
		{"changed config", other, 10, "the config changed since that run (config hash"},
		{"changed buffer_size", datasetConfig, 5, "buffer_size changed from 10 to 5"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			mustCreate(t, root, datasetConfig, 1, 15, 10, nil)
			before := readFile(t, filepath.Join(root, "dataset", MetadataFile))
			res, err := createIn(t, root, tt.src, 1, 30, tt.buffer, func(o *CreateOptions) { o.Resume = ResumeAlways })
			if !errors.Is(err, ErrResume) || !strings.Contains(err.Error(), tt.want) || res != nil {
				t.Fatalf("Create = %v, %v; want ErrResume containing %q", res, err, tt.want)
			}
			if after := readFile(t, filepath.Join(root, "dataset", MetadataFile)); !bytes.Equal(before, after) {
				t.Error("a refused resume changed the folder")
			}
		})
	}
	t.Run("nothing to resume", func(t *testing.T) {
		_, err := createIn(t, t.TempDir(), datasetConfig, 1, 10, 10, func(o *CreateOptions) { o.Resume = ResumeAlways })
		if !errors.Is(err, ErrResume) || !strings.Contains(err.Error(), "no metadata.json from an earlier run") {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("unknown mode", func(t *testing.T) {
		_, err := createIn(t, t.TempDir(), datasetConfig, 1, 10, 10, func(o *CreateOptions) { o.Resume = "sometimes" })
		if err == nil || !strings.Contains(err.Error(), `unknown resume mode "sometimes"`) {
			t.Errorf("err = %v", err)
		}
	})
}

func TestCreate_ResumeIfPossible(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "dataset")
	mustCreate(t, root, datasetConfig, 1, 20, 10, nil)
	other := strings.Replace(datasetConfig, "mean: 3", "mean: 4", 1)
	res := mustCreate(t, root, other, 1, 20, 10, func(o *CreateOptions) { o.Resume = ResumeIfPossible })
	if res.Resumed || res.RenamedFrom != dir || res.Dir == dir || res.RowsWritten != 20 {
		t.Errorf("changed config: %+v; want a new folder", res)
	}
	// Timeouts and run settings are not part of the hash: still resumable.
	same := mustCreate(t, root, datasetConfig, 1, 30, 10, func(o *CreateOptions) { o.Resume = ResumeIfPossible })
	if !same.Resumed || same.Dir != dir || same.KeptGroups != 2 || same.RowsWritten != 10 {
		t.Errorf("same config: %+v; want to continue %s", same, dir)
	}
}

func TestCreate_ResumeAfterCrash(t *testing.T) {
	tests := []struct {
		name  string
		crash func(t *testing.T, dir string)
	}{
		{
			// The metadata lists the last group, but its file is gone.
			name: "batch file missing",
			crash: func(t *testing.T, dir string) {
				if err := os.Remove(filepath.Join(dir, ParquetDir, BatchFile(2))); err != nil {
					t.Fatal(err)
				}
			},
		},
		{
			// The last file was renamed into place but the metadata that
			// records it was not written.
			name: "metadata not updated",
			crash: func(t *testing.T, dir string) {
				m := readMeta(t, dir)
				m.Batches = m.Batches[:2]
				b, err := json.Marshal(m)
				if err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(dir, MetadataFile), b, 0o644); err != nil {
					t.Fatal(err)
				}
			},
		},
		{
			// A temporary file from an interrupted write is left over.
			name: "temporary file left",
			crash: func(t *testing.T, dir string) {
				if err := os.Remove(filepath.Join(dir, ParquetDir, BatchFile(2))); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(dir, ParquetDir, ".batch_00002.parquet.tmp-123"), []byte("PAR1 half"), 0o644); err != nil {
					t.Fatal(err)
				}
			},
		},
	}
	fresh := t.TempDir()
	mustCreate(t, fresh, failingConfig, 4, 30, 10, func(o *CreateOptions) { o.Run.DisableEarlyShutdown = ptrTo(true) })
	freshDir := filepath.Join(fresh, "dataset")
	if rows := failureRows(t, freshDir); len(rows) == 0 || slices.Max(rows) < 20 {
		t.Fatalf("failure rows %v: the test needs failures in the last group", rows)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			dir := filepath.Join(root, "dataset")
			mustCreate(t, root, failingConfig, 4, 30, 10, func(o *CreateOptions) { o.Run.DisableEarlyShutdown = ptrTo(true) })
			tt.crash(t, dir)
			res := mustCreate(t, root, failingConfig, 4, 30, 10, func(o *CreateOptions) {
				o.Resume = ResumeAlways
				o.Run.DisableEarlyShutdown = ptrTo(true)
			})
			if !res.Resumed || res.KeptGroups != 2 || res.GroupsDone != 1 {
				t.Fatalf("result %+v; want group 2 generated again", res)
			}
			// Remove leftovers the engine does not own before comparing.
			for _, name := range batchFiles(t, dir) {
				if strings.Contains(name, ".tmp-") {
					os.Remove(filepath.Join(dir, ParquetDir, name))
				}
			}
			assertSameFolder(t, dir, freshDir)
			if m, fm := readMeta(t, dir), readMeta(t, freshDir); !reflect.DeepEqual(m.Batches, fm.Batches) {
				t.Errorf("batches %+v, want %+v", m.Batches, fm.Batches)
			}
		})
	}
}

func TestCreate_CombinedFile(t *testing.T) {
	for _, format := range []string{"parquet", "jsonl", "csv"} {
		t.Run(format, func(t *testing.T) {
			root := t.TempDir()
			res := mustCreate(t, root, datasetConfig, 3, 25, 10, func(o *CreateOptions) { o.OutputFormat = format })
			dir := filepath.Join(root, "dataset")
			if want := filepath.Join(dir, "dataset."+format); res.CombinedPath != want {
				t.Fatalf("CombinedPath = %q, want %q", res.CombinedPath, want)
			}
			cols, rows := readRows(t, dir)
			if len(rows) != 25 {
				t.Fatalf("%d rows in batch files", len(rows))
			}
			var ids []string
			switch format {
			case "parquet":
				got, all, err := output.ReadParquetFile(res.CombinedPath)
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(got, cols) || !reflect.DeepEqual(all, rows) {
					t.Errorf("combined parquet differs from the batch files")
				}
				return
			case "jsonl":
				lines := strings.Split(strings.TrimSuffix(string(readFile(t, res.CombinedPath)), "\n"), "\n")
				for _, line := range lines {
					var rec map[string]any
					if err := json.Unmarshal([]byte(line), &rec); err != nil {
						t.Fatalf("line %q: %v", line, err)
					}
					if len(rec) != 5 {
						t.Errorf("line %q has %d keys, want 5", line, len(rec))
					}
					ids = append(ids, rec["id"].(string))
				}
			case "csv":
				recs, err := csv.NewReader(bytes.NewReader(readFile(t, res.CombinedPath))).ReadAll()
				if err != nil {
					t.Fatal(err)
				}
				if got := strings.Join(recs[0], ","); got != "id,n,k,color,label" {
					t.Errorf("header = %q", got)
				}
				for _, r := range recs[1:] {
					ids = append(ids, r[0])
				}
			}
			var want []string
			for _, r := range rows {
				want = append(want, r[0].(string))
			}
			if !reflect.DeepEqual(ids, want) {
				t.Errorf("ids in the %s file:\n%v\nwant (batch order):\n%v", format, ids, want)
			}
		})
	}
}

func TestCreate_SameSeedSameBytes(t *testing.T) {
	a, b := t.TempDir(), t.TempDir()
	mustCreate(t, a, failingConfig, 77, 45, 16, func(o *CreateOptions) { o.Run.DisableEarlyShutdown = ptrTo(true) })
	mustCreate(t, b, failingConfig, 77, 45, 16, func(o *CreateOptions) { o.Run.DisableEarlyShutdown = ptrTo(true) })
	assertSameFolder(t, filepath.Join(a, "dataset"), filepath.Join(b, "dataset"))
}

// Early shutdown writes the groups finished before it; the folder stays
// valid and records them.
func TestCreate_EarlyShutdownKeepsGroups(t *testing.T) {
	root := t.TempDir()
	p := fakePlan(t,
		fakeUnit("ok", rowIndex),
		fakeUnit("bad", failWhen(func(i int64) bool { return i >= 50 }), "ok"),
	)
	doc := parse(t, "columns:\n  - {name: ok, column_type: expression, expr: \"1\"}\n")
	res, err := Create(context.Background(), doc, p, CreateOptions{
		NumRecords: 100, ArtifactPath: root, Seed: 1,
		Run: &config.RunConfig{BufferSize: intp(10), ShutdownErrorWindow: intp(10)},
	})
	if !errors.Is(err, ErrEarlyShutdown) || !strings.Contains(err.Error(), "bad: fake") {
		t.Fatalf("err = %v, want ErrEarlyShutdown naming bad", err)
	}
	// Rows 0-49 succeed; the window trips within rows 50-59, whose group is
	// then incomplete and not written (a resumed run generates it). A row
	// just before the trip may still be running on the other worker, so the
	// groups written are 0-4, or all but that row's group.
	if res == nil || res.RowsWritten < 40 || res.RowsWritten > 50 || res.RowsWritten%10 != 0 || res.RowsFailed != 0 {
		t.Fatalf("result %+v", res.Result)
	}
	dir := filepath.Join(root, "dataset")
	m := readMeta(t, dir)
	if m.NumCompletedBatches != res.RowsWritten/10 || m.ActualNumRecords != res.RowsWritten || m.FailedNumRecords != 0 || m.TotalNumBatches != 10 || m.FinishedAt == nil {
		t.Errorf("metadata %+v", m)
	}
	if _, rows := readRows(t, dir); len(rows) != res.RowsWritten {
		t.Errorf("%d rows on disk", len(rows))
	}
}

// A plan that cannot run leaves no folder behind.
func TestCreate_NotRunnable(t *testing.T) {
	root := t.TempDir()
	p := fakePlan(t, notRunnable())
	doc := parse(t, "columns:\n  - {name: answer, column_type: expression, expr: x}\n")
	_, err := Create(context.Background(), doc, p, CreateOptions{NumRecords: 10, ArtifactPath: root})
	if !errors.Is(err, ErrNotRunnable) {
		t.Fatalf("err = %v, want ErrNotRunnable", err)
	}
	if entries, _ := os.ReadDir(root); len(entries) != 0 {
		t.Errorf("Create left %d entries in the artifact path", len(entries))
	}
}

func TestReusableBatches(t *testing.T) {
	full := func(id, rows int) BatchInfo { return BatchInfo{ID: id, Rows: rows, Written: rows} }
	tests := []struct {
		name         string
		give         []BatchInfo
		buffer, n    int
		wantKeptRows []int // ids kept
	}{
		{"all complete", []BatchInfo{full(0, 10), full(1, 10)}, 10, 20, []int{0, 1}},
		{"extend: the short last group is redone", []BatchInfo{full(0, 10), full(1, 10), full(2, 5)}, 10, 40, []int{0, 1}},
		{"same size keeps the short group", []BatchInfo{full(0, 10), full(1, 5)}, 10, 15, []int{0, 1}},
		{"groups after a gap are kept", []BatchInfo{full(0, 10), full(2, 10)}, 10, 30, []int{0, 2}},
		{"a duplicate id is kept once", []BatchInfo{full(1, 10), full(1, 10)}, 10, 30, []int{1}},
		{"groups past n are not kept", []BatchInfo{full(0, 10), full(1, 10), full(2, 10)}, 10, 20, []int{0, 1}},
		{"failed rows count as asked", []BatchInfo{{ID: 0, Rows: 10, Written: 3, Failed: 7}}, 10, 10, []int{0}},
		{"nothing", nil, 10, 10, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []int
			for _, b := range reusableBatches(tt.give, tt.buffer, tt.n) {
				got = append(got, b.ID)
			}
			if !reflect.DeepEqual(got, tt.wantKeptRows) {
				t.Errorf("kept %v, want %v", got, tt.wantKeptRows)
			}
		})
	}
}

// failureRows returns the row of every line of failures.jsonl.
func failureRows(t *testing.T, dir string) []int64 {
	t.Helper()
	var rows []int64
	for _, line := range strings.Split(strings.TrimSpace(string(readFile(t, filepath.Join(dir, FailuresFile)))), "\n") {
		var f Failure
		if err := json.Unmarshal([]byte(line), &f); err != nil {
			t.Fatalf("failures.jsonl line %q: %v", line, err)
		}
		rows = append(rows, f.Row)
	}
	return rows
}

func asFloat(v any) (float64, bool) {
	switch t := v.(type) {
	case int64:
		return float64(t), true
	case float64:
		return t, true
	}
	return 0, false
}

func itoa(i int64) string { b, _ := json.Marshal(i); return string(b) }

var _ columns.Row = (*row)(nil)

func ptrTo[T any](v T) *T { return &v }
