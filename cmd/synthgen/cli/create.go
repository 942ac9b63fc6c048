package cli

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/synthgen/synthgen/columns/llm"
	"github.com/synthgen/synthgen/generate"
	"github.com/synthgen/synthgen/generate/output"
)

func newCreateCmd(env Env) *cobra.Command {
	var (
		lo           loadOptions
		artifactPath string
		datasetName  string
		resume       string
		outputFormat string
		noProgress   bool
	)
	cmd := &cobra.Command{
		Use:   "create CONFIG",
		Short: "Generate a dataset into a folder",
		Long: "create generates --num-records rows into <artifact-path>/<dataset-name>/: one Parquet file per\n" +
			"row group under parquet-files/, metadata.json, builder_config.json and failures.jsonl (dropped rows).\n" +
			"Each schema_transform processor writes its own dataset under processors-files/<name>/, one file per\n" +
			"row group (--output-format applies only to the main dataset).\n" +
			"CONFIG is a .yaml/.yml/.json file, or - for standard input.",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			lo.seedSet = cmd.Flags().Changed("seed")
			switch outputFormat {
			case "", output.FormatParquet, output.FormatJSONL, output.FormatCSV:
			default:
				return exitf(ExitInvalid, "--output-format must be parquet, jsonl or csv, got %q", outputFormat)
			}
			switch resume {
			case generate.ResumeNever, generate.ResumeAlways, generate.ResumeIfPossible:
			default:
				return exitf(ExitInvalid, "--resume must be never, always or if_possible, got %q", resume)
			}
			if resume != generate.ResumeNever {
				if prev, ok := generate.Previous(filepath.Join(artifactPath, datasetName)); ok {
					lo.resumeSeed = &prev.Seed
					if !cmd.Flags().Changed("num-records") {
						lo.numRecords = prev.TargetNumRecords // continue to the earlier target
					}
				}
			}
			logger := newLogger(env.Stderr)
			l, err := loadRunnable(cmd.Context(), env, args[0], lo, logger)
			if err != nil {
				return err
			}
			defer l.close()
			prog := newProgress(env.Stderr, modeFor(env.Stderr, noProgress), progressInterval(l), lo.numRecords, llm.LiveOf(l.bc))
			prog.begin()
			defer prog.finish() // idempotent; also on a panic
			res, runErr := generate.Create(cmd.Context(), l.doc, l.plan, generate.CreateOptions{
				NumRecords:   lo.numRecords,
				ArtifactPath: artifactPath,
				DatasetName:  datasetName,
				Resume:       resume,
				OutputFormat: outputFormat,
				Seed:         l.seed,
				Run:          l.run,
				Version:      Version,
				Logger:       logger,
				Progress:     prog.update,
				Processors:   l.processors(),
				ModelUsage:   llm.UsageOf(l.bc).Snapshot,
				ColumnTools:  llm.UsageOf(l.bc).ColumnTools,
			})
			prog.finish()
			if t, ok := llm.UsageOf(l.bc).ToolTotals(); ok {
				fmt.Fprintf(env.Stderr, "tools: %d call%s in %d turn%s (%d failed, %d refused)\n", t.Calls, plural(int(t.Calls)), t.Turns, plural(int(t.Turns)), t.FailedCalls, t.RefusedCalls)
			}
			return summarize(env.Stderr, res, runErr, lo.numRecords)
		},
	}
	f := cmd.Flags()
	f.IntVarP(&lo.numRecords, "num-records", "n", 100, "number of rows to generate")
	f.StringVarP(&artifactPath, "artifact-path", "o", "artifacts", "folder that holds dataset folders")
	f.StringVarP(&datasetName, "dataset-name", "d", "dataset", "dataset folder name")
	f.StringVar(&resume, "resume", generate.ResumeNever, "never, always or if_possible: continue an earlier run in the same folder")
	f.StringVar(&outputFormat, "output-format", "", "also write all rows to one <dataset-name>.<format> file: parquet, jsonl or csv")
	f.StringVar(&lo.runConfig, "run-config", "", "a YAML file of run_config settings (override the config's)")
	f.Uint64Var(&lo.seed, "seed", 0, "seed for samplers and shuffles (default: run_config.seed, else random)")
	f.BoolVar(&noProgress, "no-progress", false, "print no progress")
	return cmd
}

func progressInterval(l *loaded) time.Duration {
	if l.run != nil && l.run.ProgressInterval != nil && *l.run.ProgressInterval > 0 {
		return time.Duration(*l.run.ProgressInterval * float64(time.Second))
	}
	return 10 * time.Second
}

// summarize prints the closing line and maps the outcome to an exit code.
func summarize(w io.Writer, res *generate.CreateResult, runErr error, n int) error {
	if res == nil {
		if errors.Is(runErr, generate.ErrResume) {
			return exitf(ExitInvalid, "%v", runErr)
		}
		return exitf(ExitFailed, "%v", runErr)
	}
	if res.RenamedFrom != "" {
		fmt.Fprintf(w, "%s is not empty; writing to %s instead (use --resume to continue a run)\n", res.RenamedFrom, res.Dir)
	}
	if res.Resumed {
		fmt.Fprintf(w, "resumed %s: kept %d completed row group(s)\n", res.Dir, res.KeptGroups)
	}
	total, failed := countRows(res), 0
	if res.Result != nil {
		failed = res.RowsFailed
	}
	// Like the rows written, the rows failed count the row groups a resumed
	// run kept (their causes are not in this run's result).
	keptFailed := res.KeptFailed
	line := fmt.Sprintf("wrote %d of %d rows to %s (seed %d)", total, n, res.Dir, res.Seed)
	if failed+keptFailed > 0 {
		var causes []string
		if failed > 0 {
			causes = append(causes, res.TopCauses(3))
		}
		if keptFailed > 0 {
			causes = append(causes, fmt.Sprintf("%d in kept row groups", keptFailed))
		}
		line += fmt.Sprintf("; %d failed: %s (see %s)", failed+keptFailed, strings.Join(causes, ", "), generate.FailuresFile)
	}
	fmt.Fprintln(w, line)
	if res.CombinedPath != "" {
		fmt.Fprintf(w, "combined file: %s\n", res.CombinedPath)
	}
	switch {
	case runErr != nil: // incl. a *generate.PanicError (a bug), with its stack
		return exitf(ExitFailed, "%v", runErr)
	case res.Result != nil && res.Interrupted:
		fmt.Fprintf(w, "interrupted: the folder is valid; continue with --resume always\n")
		return silent(ExitInterrupted)
	case total == 0:
		return exitf(ExitFailed, "no rows were produced")
	}
	return nil
}

// countRows is the number of rows in the folder (kept + new).
func countRows(res *generate.CreateResult) int {
	if res.Result == nil {
		return 0
	}
	return res.RowsWritten + res.KeptRows
}
