package generate

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/synthgen/synthgen/columns"
	"github.com/synthgen/synthgen/columns/value"
	"github.com/synthgen/synthgen/generate/output"
)

// Names inside a dataset folder (spec/engine.md, "Output folder").
const (
	BuilderConfigFile = "builder_config.json"
	MetadataFile      = "metadata.json"
	ParquetDir        = "parquet-files"
	FailuresFile      = "failures.jsonl"
	ProcessorsDir     = "processors-files"
)

// BatchFile is the file name of a row group.
func BatchFile(id int) string { return fmt.Sprintf("batch_%05d.parquet", id) }

// ProcessorDir is the folder, relative to the dataset folder, of the
// dataset a processor writes: processors-files/<name>.
func ProcessorDir(name string) string { return ProcessorsDir + "/" + name }

// Metadata is metadata.json.
type Metadata struct {
	TargetNumRecords    int                    `json:"target_num_records"`
	ActualNumRecords    int                    `json:"actual_num_records"`
	FailedNumRecords    int                    `json:"failed_num_records"`
	BufferSize          int                    `json:"buffer_size"`
	TotalNumBatches     int                    `json:"total_num_batches"`
	NumCompletedBatches int                    `json:"num_completed_batches"`
	FilePaths           map[string][]string    `json:"file_paths"`
	ConfigHash          string                 `json:"config_hash"`
	Seed                uint64                 `json:"seed"`
	StartedAt           time.Time              `json:"started_at"`
	FinishedAt          *time.Time             `json:"finished_at"`
	Schema              []SchemaColumn         `json:"schema"`
	ColumnStatistics    map[string]*ColumnStat `json:"column_statistics"`
	ModelUsage          map[string]any         `json:"model_usage"`
	// Tools are the tool schemas offered to each column that calls tools
	// (OpenAI function tools), by column.
	Tools           map[string]any `json:"tools,omitempty"`
	Batches         []BatchInfo    `json:"batches"`
	SynthgenVersion string         `json:"synthgen_version"`
}

// SchemaColumn is one written column and its type.
type SchemaColumn struct {
	Name string `json:"name"`
	Type string `json:"type"`
}

// BatchInfo records one completed row group: how many rows it was asked for
// (Rows) and how many were dropped.
type BatchInfo struct {
	ID      int `json:"id"`
	Rows    int `json:"rows"`
	Written int `json:"written"`
	Failed  int `json:"failed"`
}

// Folder writes a dataset folder: one Parquet file per row group (atomic),
// the processors' files of each group, failures.jsonl, and metadata.json
// rewritten atomically after every group, so a crash leaves a valid,
// resumable folder.
type Folder struct {
	Dir     string
	plan    *Plan
	cols    []output.Column
	procs   []GroupProcessor
	meta    *Metadata
	stats   *statsAcc
	failure *os.File
	// usage, when set, gives metadata.json's model_usage.
	usage       func() map[string]any
	columnTools func() map[string]any
	// spans: write each group's span log (RowGroup.Spans) to
	// spans/batch_NNNNN.parquet (run_config.write_spans).
	spans bool
}

// OpenFolder prepares dir for writing. meta is the run's metadata (from a
// previous run when resuming, with Batches holding the groups kept).
// builderConfig is written as builder_config.json. procs, if any, each write
// an additional dataset under processors-files/<name>/; their names must be
// unique plain folder names.
func OpenFolder(dir string, p *Plan, meta *Metadata, builderConfig []byte, procs ...GroupProcessor) (*Folder, error) {
	dirs := []string{ParquetDir}
	seen := map[string]bool{}
	for _, pr := range procs {
		name := pr.Name()
		if name == "" || name == "." || name == ".." || strings.ContainsAny(name, `/\`) || seen[name] {
			return nil, fmt.Errorf("processor name %q is not a unique folder name", name)
		}
		seen[name] = true
		dirs = append(dirs, filepath.FromSlash(ProcessorDir(name)))
	}
	for _, d := range append(dirs, SpansDir) {
		if d != SpansDir { // made by the first group that has spans
			if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
				return nil, err
			}
		}
		// Temporary files of writes a crash interrupted are never complete.
		if tmps, _ := filepath.Glob(filepath.Join(dir, d, ".*.tmp-*")); len(tmps) > 0 {
			for _, t := range tmps {
				os.Remove(t)
			}
		}
	}
	f := &Folder{Dir: dir, plan: p, meta: meta, stats: newStatsAcc(), procs: procs}
	for _, s := range p.Written {
		o := p.Outputs[s]
		f.cols = append(f.cols, output.Column{Name: o.Name, Type: o.Type, OmitNullFields: o.OmitNullFields})
	}
	meta.Schema = nil
	for _, c := range f.cols {
		meta.Schema = append(meta.Schema, SchemaColumn{Name: c.Name, Type: c.Type.String()})
	}
	if err := output.WriteFileAtomic(filepath.Join(dir, BuilderConfigFile), builderConfig); err != nil {
		return nil, err
	}
	// Statistics cover the kept batches too.
	for _, b := range meta.Batches {
		_, rows, err := output.ReadParquetFile(filepath.Join(dir, ParquetDir, BatchFile(b.ID)))
		if err != nil {
			return nil, fmt.Errorf("reading kept row group %d: %w", b.ID, err)
		}
		f.stats.add(f.cols, rows)
	}
	if err := f.keepFailuresOf(meta.Batches); err != nil {
		return nil, err
	}
	return f, f.writeMeta()
}

// keepFailuresOf keeps the failure records of the kept row groups and drops
// those of groups that will be generated again (a crash between the two
// writes of a group).
func (f *Folder) keepFailuresOf(groups []BatchInfo) error {
	keep := map[int64]bool{}
	for _, b := range groups {
		keep[int64(b.ID)] = true
	}
	path := filepath.Join(f.Dir, FailuresFile)
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	var kept []byte
	for _, line := range strings.SplitAfter(string(data), "\n") {
		var rec struct {
			Row int64 `json:"row"`
		}
		if json.Unmarshal([]byte(line), &rec) == nil && f.meta.BufferSize > 0 && keep[rec.Row/int64(f.meta.BufferSize)] {
			kept = append(kept, line...)
		}
	}
	if len(kept) == 0 {
		return os.Remove(path)
	}
	return output.WriteFileAtomic(path, kept)
}

// WriteGroup writes a row group's failures, then its Parquet file, then the
// processors' files of the group, then its span log (when spans are on),
// then the metadata that records it as complete. The processors' rows are rendered first, so a processor error
// writes nothing of the group.
func (f *Folder) WriteGroup(ctx context.Context, g *RowGroup) error {
	procRows, err := f.processorRows(g)
	if err != nil {
		return err
	}
	if len(g.Failures) > 0 {
		if err := f.appendFailures(g.Failures); err != nil {
			return err
		}
	}
	rows := make([][]any, len(g.Rows))
	for i, r := range g.Rows {
		out := make([]any, len(f.plan.Written))
		for k, s := range f.plan.Written {
			out[k] = r[s]
		}
		rows[i] = out
	}
	name := BatchFile(g.ID)
	if err := output.WriteParquetFile(filepath.Join(f.Dir, ParquetDir, name), f.cols, rows); err != nil {
		return err
	}
	for i, pr := range f.procs {
		path := filepath.Join(f.Dir, filepath.FromSlash(ProcessorDir(pr.Name())), name)
		if err := output.WriteParquetFile(path, pr.Columns(), procRows[i]); err != nil {
			return fmt.Errorf("processor %q: %w", pr.Name(), err)
		}
	}
	if f.spans {
		if err := os.MkdirAll(filepath.Join(f.Dir, SpansDir), 0o755); err != nil {
			return err
		}
		if err := writeSpans(f.Dir, g.ID, g.Spans); err != nil {
			return fmt.Errorf("span log: %w", err)
		}
	}
	f.stats.add(f.cols, rows)
	f.meta.Batches = append(f.meta.Batches, BatchInfo{ID: g.ID, Rows: len(g.Rows) + len(g.Failures), Written: len(g.Rows), Failed: len(g.Failures)})
	return f.writeMeta()
}

// processorRows renders every processor's rows for g (one [][]any per
// processor, in f.procs order).
func (f *Folder) processorRows(g *RowGroup) ([][][]any, error) {
	if len(f.procs) == 0 {
		return nil, nil
	}
	views := make([]columns.Row, len(g.Rows))
	for i, vals := range g.Rows {
		idx := g.FirstRow + int64(i)
		if i < len(g.Indices) {
			idx = g.Indices[i]
		}
		views[i] = &row{idx: idx, vals: vals, plan: f.plan}
	}
	out := make([][][]any, len(f.procs))
	for i, pr := range f.procs {
		rows, err := pr.Rows(views)
		if err != nil {
			return nil, fmt.Errorf("processor %q: %w", pr.Name(), err)
		}
		if len(rows) != len(views) {
			panic(fmt.Sprintf("processor %q returned %d rows for %d", pr.Name(), len(rows), len(views))) // a bug in the processor
		}
		out[i] = rows
	}
	return out, nil
}

func (f *Folder) appendFailures(fs []Failure) error {
	if f.failure == nil {
		fh, err := os.OpenFile(filepath.Join(f.Dir, FailuresFile), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
		if err != nil {
			return err
		}
		f.failure = fh
	}
	w := bufio.NewWriter(f.failure)
	for _, fl := range fs {
		b, err := json.Marshal(fl)
		if err != nil {
			return err
		}
		w.Write(b)
		w.WriteByte('\n')
	}
	if err := w.Flush(); err != nil {
		return err
	}
	return f.failure.Sync()
}

// Finish stamps finished_at and writes the final metadata.
func (f *Folder) Finish(now time.Time) error {
	f.meta.FinishedAt = &now
	err := f.writeMeta()
	if f.failure != nil {
		f.failure.Close()
		f.failure = nil
	}
	return err
}

func (f *Folder) writeMeta() error {
	m := f.meta
	if f.usage != nil {
		m.ModelUsage = f.usage()
	}
	if f.columnTools != nil {
		m.Tools = f.columnTools()
	}
	sort.Slice(m.Batches, func(i, j int) bool { return m.Batches[i].ID < m.Batches[j].ID })
	m.NumCompletedBatches = len(m.Batches)
	m.ActualNumRecords, m.FailedNumRecords = 0, 0
	var files []string
	for _, b := range m.Batches {
		m.ActualNumRecords += b.Written
		m.FailedNumRecords += b.Failed
		files = append(files, filepath.ToSlash(filepath.Join(ParquetDir, BatchFile(b.ID))))
	}
	if m.FilePaths == nil {
		m.FilePaths = map[string][]string{}
	}
	m.FilePaths[ParquetDir] = files
	for _, pr := range f.procs {
		dir := ProcessorDir(pr.Name())
		var pfiles []string
		for _, b := range m.Batches {
			pfiles = append(pfiles, dir+"/"+BatchFile(b.ID))
		}
		m.FilePaths[dir] = pfiles
	}
	if f.spans {
		var sfiles []string
		for _, b := range m.Batches {
			sfiles = append(sfiles, SpansDir+"/"+BatchFile(b.ID))
		}
		m.FilePaths[SpansDir] = sfiles
	} else {
		delete(m.FilePaths, SpansDir)
	}
	m.ColumnStatistics = f.stats.result()
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	return output.WriteFileAtomic(filepath.Join(f.Dir, MetadataFile), append(b, '\n'))
}

// Columns are the written columns.
func (f *Folder) Columns() []output.Column { return f.cols }

// WriteCombined writes every row group's rows, in order, into one file of the
// given format (--output-format) at <dir>/<name>.<format>.
func (f *Folder) WriteCombined(format, name string) (string, error) {
	path := filepath.Join(f.Dir, name+"."+format)
	w, err := output.NewWriter(format, path, f.cols)
	if err != nil {
		return "", err
	}
	for _, b := range f.meta.Batches {
		_, rows, err := output.ReadParquetFile(filepath.Join(f.Dir, ParquetDir, BatchFile(b.ID)))
		if err != nil {
			w.Close()
			return "", err
		}
		if err := w.Write(rows); err != nil {
			w.Close()
			return "", err
		}
	}
	return path, w.Close()
}

// Memory collects row groups in memory (preview).
type Memory struct {
	Groups []*RowGroup
}

// WriteGroup keeps g; Groups stay in row-group order.
func (m *Memory) WriteGroup(_ context.Context, g *RowGroup) error {
	i := sort.Search(len(m.Groups), func(i int) bool { return m.Groups[i].ID > g.ID })
	m.Groups = slices.Insert(m.Groups, i, g)
	return nil
}

// Records returns the written columns of every kept row as ordered maps.
func (m *Memory) Records(p *Plan) []*value.Map {
	var out []*value.Map
	for _, g := range m.Groups {
		for _, r := range g.Rows {
			rec := value.NewMap()
			for _, s := range p.Written {
				rec.Set(p.Outputs[s].Name, r[s])
			}
			out = append(out, rec)
		}
	}
	return out
}
