package generate

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/synthgen/synthgen/config"
)

// Resume modes.
const (
	ResumeNever      = "never"
	ResumeAlways     = "always"
	ResumeIfPossible = "if_possible"
)

// CreateOptions configure `synthgen create`.
type CreateOptions struct {
	NumRecords   int
	ArtifactPath string // default ./artifacts
	DatasetName  string // default "dataset"
	Resume       string // never (default), always, if_possible
	OutputFormat string // "" or parquet/jsonl/csv: also write one combined file
	Seed         uint64
	Run          *config.RunConfig // effective run settings (may be nil)
	Version      string
	Logger       *slog.Logger
	Progress     func(Progress)
	// Processors each write an additional dataset under
	// processors-files/<name>/, one file per row group (schema_transform).
	// --output-format does not apply to them.
	Processors []GroupProcessor
	// ModelUsage, when set, is called each time metadata.json is written;
	// its result is the file's model_usage (requests, tokens, latency per
	// model alias).
	ModelUsage func() map[string]any
	// ColumnTools, when set, is called each time metadata.json is written;
	// its result is the file's tools: the tool schemas offered to each
	// column that calls tools, by column (exports read them).
	ColumnTools func() map[string]any
	// Now is the clock (tests); nil means time.Now.
	Now func() time.Time
}

// CreateResult is what a create run did.
type CreateResult struct {
	*Result
	Dir        string
	Resumed    bool
	KeptGroups int
	KeptRows   int
	// KeptFailed is the rows of the kept groups that failed in earlier runs
	// (in failures.jsonl; their causes are not in Result.Causes).
	KeptFailed   int
	Seed         uint64
	CombinedPath string
	// RenamedFrom is set when the requested folder was not empty and a new
	// timestamped folder was used instead.
	RenamedFrom string
}

// ErrResume is returned when --resume always cannot continue a folder.
var ErrResume = errors.New("cannot resume")

// Create runs the plan into a dataset folder.
func Create(ctx context.Context, doc *config.Document, p *Plan, opts CreateOptions) (*CreateResult, error) {
	// Checked before the folder is made: a run that cannot start must not
	// leave a folder that makes the next run pick a new name.
	if err := p.Runnable(); err != nil {
		return nil, err
	}
	if opts.ArtifactPath == "" {
		opts.ArtifactPath = "artifacts"
	}
	if opts.DatasetName == "" {
		opts.DatasetName = "dataset"
	}
	if opts.Resume == "" {
		opts.Resume = ResumeNever
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	rc := opts.Run
	if rc == nil {
		rc = &config.RunConfig{}
	}
	buffer := intOr(rc.BufferSize, 1000)
	spans := rc.WriteSpans == nil || *rc.WriteSpans
	res := &CreateResult{Dir: filepath.Join(opts.ArtifactPath, opts.DatasetName), Seed: opts.Seed}
	hash := doc.Hash()

	var meta *Metadata
	prev, err := readMetadata(res.Dir)
	switch opts.Resume {
	case ResumeAlways:
		if err != nil {
			return nil, fmt.Errorf("%w %s: %v", ErrResume, res.Dir, err)
		}
		if prev.ConfigHash != hash {
			return nil, fmt.Errorf("%w %s: the config changed since that run (config hash %.12s… ≠ %.12s…)", ErrResume, res.Dir, prev.ConfigHash, hash)
		}
		if prev.BufferSize != buffer {
			return nil, fmt.Errorf("%w %s: buffer_size changed from %d to %d", ErrResume, res.Dir, prev.BufferSize, buffer)
		}
		if prev.Seed != opts.Seed {
			return nil, fmt.Errorf("%w %s: that run used seed %d, this one %d (drop --seed to reuse the folder's seed)", ErrResume, res.Dir, prev.Seed, opts.Seed)
		}
		if prev.TargetNumRecords > opts.NumRecords {
			return nil, fmt.Errorf("%w %s: it was asked for %d rows; --num-records %d would leave rows beyond it in the folder (use a new folder)", ErrResume, res.Dir, prev.TargetNumRecords, opts.NumRecords)
		}
		meta = prev
	case ResumeIfPossible:
		if err == nil && prev.ConfigHash == hash && prev.BufferSize == buffer && prev.Seed == opts.Seed && prev.TargetNumRecords <= opts.NumRecords {
			meta = prev
		}
	case ResumeNever:
	default:
		return nil, fmt.Errorf("unknown resume mode %q (never, always, if_possible)", opts.Resume)
	}
	if meta != nil {
		res.Resumed = true
		groupDirs := make([]string, 0, len(opts.Processors)+1)
		for _, pr := range opts.Processors {
			groupDirs = append(groupDirs, ProcessorDir(pr.Name()))
		}
		if spans {
			groupDirs = append(groupDirs, SpansDir)
		}
		meta.Batches = reusableBatches(withGroupFiles(res.Dir, meta.Batches, groupDirs), buffer, opts.NumRecords)
		meta.FinishedAt = nil
	} else {
		if !emptyDir(res.Dir) {
			res.RenamedFrom = res.Dir
			dir, err := freshDir(res.Dir, opts.Now().UTC().Format("20060102_150405"))
			if err != nil {
				return nil, err
			}
			res.Dir = dir
		}
		meta = &Metadata{StartedAt: opts.Now().UTC(), Seed: opts.Seed, ConfigHash: hash, BufferSize: buffer}
	}
	meta.TargetNumRecords = opts.NumRecords
	meta.TotalNumBatches = (opts.NumRecords + buffer - 1) / buffer
	meta.SynthgenVersion = opts.Version
	res.KeptGroups = len(meta.Batches)
	for _, b := range meta.Batches {
		res.KeptRows += b.Written
		res.KeptFailed += b.Failed
	}

	folder, err := OpenFolder(res.Dir, p, meta, doc.BuilderConfigJSON(), opts.Processors...)
	if err != nil {
		return nil, err
	}
	folder.usage = opts.ModelUsage
	folder.columnTools = opts.ColumnTools
	folder.spans = spans
	window := intOr(rc.ShutdownErrorWindow, 100)
	if rc.DisableEarlyShutdown != nil && *rc.DisableEarlyShutdown {
		window = 0
	}
	kept := map[int]bool{}
	for _, b := range meta.Batches {
		kept[b.ID] = true
	}
	run, runErr := Run(ctx, p, Options{
		NumRecords:  opts.NumRecords,
		BufferSize:  buffer,
		Kept:        kept,
		ErrorWindow: window,
		ErrorRate:   floatOr(rc.ShutdownErrorRate, 0.5),
		Sink:        folder,
		Progress:    opts.Progress,
		Logger:      opts.Logger,
		Spans:       spans,
		Seed:        opts.Seed,
	})
	res.Result = run
	if err := folder.Finish(opts.Now().UTC()); err != nil && runErr == nil {
		runErr = err
	}
	if runErr == nil && opts.OutputFormat != "" {
		path, err := folder.WriteCombined(opts.OutputFormat, opts.DatasetName)
		if err != nil {
			return res, fmt.Errorf("writing the combined %s file: %w", opts.OutputFormat, err)
		}
		res.CombinedPath = path
	}
	return res, runErr
}

// reusableBatches keeps the completed groups a run to n rows can reuse:
// each asked for exactly the rows it would be asked for now (a short last
// group is generated again when the run extends). Groups complete out of
// order, so the kept ones need not be a prefix.
func reusableBatches(bs []BatchInfo, buffer, n int) []BatchInfo {
	var out []BatchInfo
	seen := map[int]bool{}
	for _, b := range bs {
		want := min(buffer, n-b.ID*buffer)
		if b.ID < 0 || seen[b.ID] || want <= 0 || b.Rows != want {
			continue
		}
		seen[b.ID] = true
		out = append(out, b)
	}
	return out
}

// withGroupFiles keeps the groups whose files in each of dirs (the
// processors' folders, the span log's) are all on disk (a group is
// generated again, files and all, when one is missing).
func withGroupFiles(dir string, bs []BatchInfo, dirs []string) []BatchInfo {
	var kept []BatchInfo
	for _, b := range bs {
		ok := true
		for _, d := range dirs {
			if _, err := os.Stat(filepath.Join(dir, filepath.FromSlash(d), BatchFile(b.ID))); err != nil {
				ok = false
				break
			}
		}
		if ok {
			kept = append(kept, b)
		}
	}
	return kept
}

func readMetadata(dir string) (*Metadata, error) {
	data, err := os.ReadFile(filepath.Join(dir, MetadataFile))
	if err != nil {
		return nil, fmt.Errorf("no %s from an earlier run", MetadataFile)
	}
	var m Metadata
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("%s is not valid: %v", MetadataFile, err)
	}
	// Only groups whose file is on disk count.
	var kept []BatchInfo
	for _, b := range m.Batches {
		if _, err := os.Stat(filepath.Join(dir, ParquetDir, BatchFile(b.ID))); err == nil {
			kept = append(kept, b)
		}
	}
	m.Batches = kept
	return &m, nil
}

func emptyDir(dir string) bool {
	entries, err := os.ReadDir(dir)
	return err != nil || len(entries) == 0
}

func intOr(p *int, d int) int {
	if p == nil {
		return d
	}
	return *p
}

func floatOr(p *float64, d float64) float64 {
	if p == nil {
		return d
	}
	return *p
}

// Previous returns the metadata of the run recorded in a dataset folder, so
// a resumed run can build its generators with that run's seed and default to
// its target.
func Previous(dir string) (*Metadata, bool) {
	m, err := readMetadata(dir)
	if err != nil {
		return nil, false
	}
	return m, true
}

// freshDir creates and returns a new folder named base_stamp (base_stamp_2,
// _3, ... when that exists), atomically, so two runs started in the same
// second never share a folder.
func freshDir(base, stamp string) (string, error) {
	if err := os.MkdirAll(filepath.Dir(base), 0o755); err != nil {
		return "", err
	}
	name := base + "_" + stamp
	for i := 2; ; i++ {
		err := os.Mkdir(name, 0o755)
		if err == nil {
			return name, nil
		}
		if !errors.Is(err, os.ErrExist) || i > 1000 {
			return "", err
		}
		name = fmt.Sprintf("%s_%s_%d", base, stamp, i)
	}
}
