package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/synthgen/synthgen/review"
	"github.com/synthgen/synthgen/traceset"
)

type reviewFlags struct {
	column, filter, addr, reviewer string
}

func newReviewCmd(env Env) *cobra.Command {
	var fl reviewFlags
	cmd := &cobra.Command{
		Use:   "review DIR",
		Short: "Label a dataset's traces pass / fail / defer in a local web page",
		Long: "review serves a page (from the binary; no external requests) that shows the traces of --column one at\n" +
			"a time and saves each label to DIR/annotations.jsonl at once. Keys: 1 pass, 2 fail (then a note),\n" +
			"d defer, u undo, ←/→ move, / filter, Ctrl+Enter save and next. --filter (the query language of\n" +
			"`traces query`; labels are feedback_key \"human\", score 1/0) selects the rows to review.\n" +
			"It listens on 127.0.0.1 unless --addr says otherwise; Ctrl-C stops it.\n" +
			"`synthgen review report DIR` summarises the labels and the judges' agreement with them.",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runReview(cmd.Context(), env, args[0], fl)
		},
	}
	f := cmd.Flags()
	f.StringVar(&fl.column, "column", "", "the LLM column whose traces to review (default: the only one with a trace)")
	f.StringVar(&fl.filter, "filter", "", "review only the rows where some span of the trace passes this filter")
	f.StringVar(&fl.addr, "addr", "127.0.0.1:7860", "address to listen on (host:port; port 0 picks a free one)")
	f.StringVar(&fl.reviewer, "reviewer", "", "your name in the annotations (default: $USER)")
	cmd.AddCommand(newReviewReportCmd(env))
	return cmd
}

func runReview(ctx context.Context, env Env, dir string, fl reviewFlags) error {
	if _, err := compileFlag("filter", fl.filter); err != nil {
		return err
	}
	f, err := openFolder(dir)
	if err != nil {
		return err
	}
	host, _, err := net.SplitHostPort(fl.addr)
	if err != nil {
		return exitf(ExitInvalid, "--addr %q: want host:port (e.g. 127.0.0.1:7860)", fl.addr)
	}
	reviewer := fl.reviewer
	if reviewer == "" {
		reviewer, _ = env.getenv("USER")
	}
	opts := review.Options{Folder: f, Column: fl.column, Filter: fl.filter, Reviewer: reviewer}
	if host != "" && net.ParseIP(host) == nil {
		opts.Hosts = []string{host}
	}
	if fl.filter != "" {
		fmt.Fprintln(env.Stderr, "selecting the rows that pass --filter (every row group is read once)")
	}
	h, err := review.New(opts)
	if err != nil {
		var fe *review.FilterError
		if errors.As(err, &fe) {
			return exitf(ExitInvalid, "--filter: %v", err)
		}
		return exitf(ExitInvalid, "%v", err)
	}
	ln, err := net.Listen("tcp", fl.addr)
	if err != nil {
		return exitf(ExitFailed, "listening on %s: %v (another review running? try --addr 127.0.0.1:0)", fl.addr, err)
	}
	if ip := net.ParseIP(host); host == "" || ip != nil && !ip.IsLoopback() || ip == nil && host != "localhost" {
		fmt.Fprintf(env.Stderr, "warning: listening on %s: anyone who can reach it can read the traces and label them\n", fl.addr)
	}
	fmt.Fprintf(env.Stdout, "reviewing %s: open %s (Ctrl-C to stop)\n", dir, reviewURL(ln.Addr()))

	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		return exitf(ExitFailed, "serving: %v", err)
	case <-ctx.Done():
	}
	shutCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err = srv.Shutdown(shutCtx)
	<-served // Serve returned ErrServerClosed
	if err != nil {
		return exitf(ExitFailed, "stopping: %v", err)
	}
	fmt.Fprintln(env.Stderr, "stopped; labels are in", dir+"/"+traceset.AnnotationsFile)
	return nil
}

// reviewURL is the page's address for a listener: an unspecified address
// (0.0.0.0, ::) is shown as localhost.
func reviewURL(a net.Addr) string {
	host, port, err := net.SplitHostPort(a.String())
	if err != nil {
		return "http://" + a.String() + "/"
	}
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, port) + "/"
}

type reviewReportFlags struct {
	column, subset, out, format string
	passScores                  []string
	asJSON                      bool
}

func newReviewReportCmd(env Env) *cobra.Command {
	var fl reviewReportFlags
	cmd := &cobra.Command{
		Use:   "report DIR",
		Short: "Count the review labels and compare each judge score with them",
		Long: "report prints the pass / fail / defer / stale counts of the labels of --column in DIR/annotations.jsonl\n" +
			"and, for each llm-judge score, its agreement with the human pass/fail labels: the true-positive rate\n" +
			"(judge passes among human passes) and the true-negative rate (judge fails among human fails); stale and\n" +
			"deferred labels are left out. A judge score passes at or above --pass-score (N for every score, or\n" +
			"judge.Score=N for one), by default the midpoint of the score's numeric options (3 for 1..5, 0.5 for 0/1).\n" +
			"--export-subset pass|fail -o FILE writes the rows labelled so with `traces export` (--format).",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runReviewReport(env, args[0], fl)
		},
	}
	f := cmd.Flags()
	f.StringVar(&fl.column, "column", "", "the reviewed LLM column (default: the only one with a trace)")
	f.StringSliceVar(&fl.passScores, "pass-score", nil, "judge pass threshold: N, or judge.Score=N (repeatable)")
	f.BoolVar(&fl.asJSON, "json", false, "print the report as JSON")
	f.StringVar(&fl.subset, "export-subset", "", "pass or fail: also export the rows labelled so")
	f.StringVarP(&fl.out, "output", "o", "", "the file --export-subset writes")
	f.StringVar(&fl.format, "format", "hf-messages", "the export format of --export-subset (see `traces export`)")
	return cmd
}

func runReviewReport(env Env, dir string, fl reviewReportFlags) error {
	var exportFilter string
	switch fl.subset {
	case "":
	case traceset.LabelPass, traceset.LabelFail:
		if fl.out == "" {
			return exitf(ExitInvalid, "--export-subset needs -o FILE")
		}
		score := 1
		if fl.subset == traceset.LabelFail {
			score = 0
		}
		exportFilter = fmt.Sprintf("and(eq(feedback_key, %q), eq(feedback_score, %d))", traceset.HumanFeedbackKey, score)
	default:
		return exitf(ExitInvalid, "--export-subset must be pass or fail, got %q", fl.subset)
	}
	opts := review.ReportOptions{PassScore: map[string]float64{}}
	for _, p := range fl.passScores {
		key, v, ok := strings.Cut(p, "=")
		if !ok {
			key, v = "", p
		}
		n, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if err != nil {
			return exitf(ExitInvalid, "--pass-score %q: want N or judge.Score=N", p)
		}
		opts.PassScore[strings.TrimSpace(key)] = n
	}
	f, err := openFolder(dir)
	if err != nil {
		return err
	}
	g, err := readGroup(f, f.Groups()[0])
	if err != nil {
		return err
	}
	if err := traceColumn(g, &fl.column); err != nil {
		return err
	}
	for key := range opts.PassScore {
		if key == "" {
			continue
		}
		judge, score, _ := strings.Cut(key, ".")
		if names, ok := f.Judges[judge]; !ok || !slices.Contains(names, score) {
			return exitf(ExitInvalid, "--pass-score %s: no llm-judge score of that name (want judge.Score)", key)
		}
	}
	labels, bad, err := traceset.ReadAnnotations(dir)
	if err != nil {
		return exitf(ExitFailed, "%v", err)
	}
	if bad > 0 {
		fmt.Fprintf(env.Stderr, "warning: %d unreadable line(s) of %s skipped\n", bad, traceset.AnnotationsFile)
	}
	rep, err := review.BuildReport(f, fl.column, labels, opts)
	if err != nil {
		return exitf(ExitFailed, "%v", err)
	}
	if fl.asJSON {
		b, _ := json.MarshalIndent(rep, "", "  ")
		fmt.Fprintf(env.Stdout, "%s\n", b)
	} else if err := rep.WriteText(env.Stdout); err != nil {
		return err
	}
	if exportFilter == "" {
		return nil
	}
	if n := rep.StaleBy[fl.subset]; n > 0 {
		fmt.Fprintf(env.Stderr, "warning: %d row(s) labelled %s on an earlier version of the trace (stale) are left out; review them again to include them\n", n, fl.subset)
	}
	return runTracesExport(env, dir, exportFlags{format: fl.format, column: fl.column, out: fl.out, filter: exportFilter})
}
