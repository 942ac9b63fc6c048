package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/synthgen/synthgen/traceset"
)

// reviewFolder creates a dataset folder with tool calls and a judge
// (Accuracy, options 1 and 5) over the mock model and the demo MCP server.
func reviewFolder(t *testing.T, n int) string {
	t.Helper()
	cfg := withGradeJudge(toolConfig(stdioProvider("demo", demoMCPBin(t)), "demo", addPrompt))
	folder, _, _ := createRows(t, cfg, n)
	return folder
}

// `synthgen review` serves the page until its context ends, prints the
// URL, and what the page posts lands in annotations.jsonl.
func TestReviewServe(t *testing.T) {
	folder := reviewFolder(t, 4)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr lockedBuffer
	done := make(chan int, 1)
	go func() {
		done <- Run(ctx, Env{Args: []string{"review", folder, "--addr", "127.0.0.1:0", "--reviewer", "ana"}, Stdout: &stdout, Stderr: &stderr})
	}()
	var url string
	for deadline := time.Now().Add(20 * time.Second); url == "" && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		url = regexp.MustCompile(`http://127\.0\.0\.1:\d+/`).FindString(stdout.String())
	}
	if url == "" {
		cancel()
		t.Fatalf("no URL printed\nstdout: %s\nstderr: %s", stdout.String(), stderr.String())
	}
	resp, err := http.Get(url)
	if err != nil || resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Security-Policy"), "default-src 'self'") {
		t.Fatalf("GET %s: %v %v", url, err, resp)
	}
	resp.Body.Close()
	resp, err = http.Post(url+"api/label", "application/json", strings.NewReader(`{"row": 2, "column": "answer", "label": "fail", "notes": "n"}`))
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("POST label: %v %v", err, resp)
	}
	resp.Body.Close()
	cancel()
	select {
	case code := <-done:
		if code != ExitOK {
			t.Errorf("exit %d after the context ended\n%s", code, stderr.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("review did not stop when its context ended")
	}
	labels, _, err := traceset.ReadAnnotations(folder)
	if a := labels[traceset.Key{Row: 2, Column: "answer"}]; err != nil || a.Label != "fail" || a.Reviewer != "ana" || a.TraceHash == "" {
		t.Errorf("annotations: %v %+v", err, labels)
	}
}

func TestReviewUsageErrors(t *testing.T) {
	folder := reviewFolder(t, 2)
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"review", folder, "--filter", `eq(run_typ, "tool")`}, "--filter: column 4: unknown attribute \"run_typ\"; did you mean \"run_type\"?\n  eq(run_typ, \"tool\")\n     ^"},
		{[]string{"review", folder, "--addr", "7860"}, "--addr \"7860\": want host:port"},
		{[]string{"review", folder, "--column", "answr"}, `did you mean "answer"?`},
		{[]string{"review", t.TempDir()}, "not a dataset folder"},
		{[]string{"review", "report", folder, "--export-subset", "maybe", "-o", "x"}, "--export-subset must be pass or fail"},
		{[]string{"review", "report", folder, "--export-subset", "pass"}, "--export-subset needs -o FILE"},
		{[]string{"review", "report", folder, "--pass-score", "high"}, `--pass-score "high"`},
		{[]string{"review", "report", folder, "--pass-score", "grade.Accurasy=3"}, "no llm-judge score of that name"},
	}
	for _, tt := range tests {
		_, errOut, code := run(t, "", tt.args...)
		if code != ExitInvalid || !strings.Contains(errOut, tt.want) {
			t.Errorf("%v: exit %d, want %d with %q\n%s", tt.args, code, ExitInvalid, tt.want, errOut)
		}
	}
	if _, err := os.Stat(filepath.Join(folder, traceset.AnnotationsFile)); err == nil {
		t.Error("a failed command wrote annotations")
	}
}

// The report counts the labels and compares the judge with them; the
// subsets export through `traces export`.
func TestReviewReport(t *testing.T) {
	folder := reviewFolder(t, 8)
	f, err := traceset.Open(folder)
	if err != nil {
		t.Fatal(err)
	}
	g, err := f.Group(0)
	if err != nil {
		t.Fatal(err)
	}
	// People agree with the judge on rows 0–4, except row 0; row 5 is
	// deferred, row 6 labelled on an older trace (stale), row 7 unlabelled.
	var humanPass, judgePassOfPass, humanFail, judgeFailOfFail int
	var passRows []int64
	for k := 0; k < 7; k++ {
		r := g.Row(k)
		score, ok := traceset.Number(r.Scores()["grade.Accuracy.score"])
		if !ok {
			t.Fatalf("row %d: no judge score in %v", k, r.Scores())
		}
		a := traceset.Annotation{Row: r.Index, Column: "answer", TraceHash: traceset.TraceHash(r.Values[g.Col("answer__trace")]), Reviewer: "ana", TS: time.Now()}
		judgePass := score >= 3
		switch k {
		case 5:
			a.Label = traceset.LabelDefer
		case 6:
			a.Label, a.TraceHash = traceset.LabelPass, "sha256:old"
		default:
			humanSaysPass := judgePass != (k == 0)
			if humanSaysPass {
				a.Label = traceset.LabelPass
				humanPass++
				passRows = append(passRows, r.Index)
				if judgePass {
					judgePassOfPass++
				}
			} else {
				a.Label = traceset.LabelFail
				humanFail++
				if !judgePass {
					judgeFailOfFail++
				}
			}
		}
		if err := traceset.AppendAnnotation(folder, a); err != nil {
			t.Fatal(err)
		}
	}

	out, errOut, code := run(t, "", "review", "report", folder)
	if code != ExitOK {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
	want := fmt.Sprintf("pass %d · fail %d · defer 1 · stale 1", humanPass, humanFail)
	if !strings.Contains(out, want) || !strings.Contains(out, "8 rows, 7 labelled, 1 unlabelled") || !strings.Contains(out, "grade.Accuracy  ≥ 3 (midpoint of 1..5)") {
		t.Errorf("report lacks %q:\n%s", want, out)
	}
	if humanPass > 0 && !strings.Contains(out, fmt.Sprintf("(%d/%d)", judgePassOfPass, humanPass)) ||
		humanFail > 0 && !strings.Contains(out, fmt.Sprintf("(%d/%d)", judgeFailOfFail, humanFail)) {
		t.Errorf("report lacks TPR %d/%d or TNR %d/%d:\n%s", judgePassOfPass, humanPass, judgeFailOfFail, humanFail, out)
	}

	out, _, code = run(t, "", "review", "report", folder, "--json", "--pass-score", "grade.Accuracy=6")
	var rep struct {
		Pass, Fail, Defer, Stale, Unlabelled int
		Judges                               []struct {
			Key       string
			PassScore float64 `json:"pass_score"`
			HumanPass int     `json:"human_pass"`
			JudgePass int     `json:"judge_pass"`
			HumanFail int     `json:"human_fail"`
			JudgeFail int     `json:"judge_fail"`
		}
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil || code != ExitOK {
		t.Fatalf("--json: exit %d, %v\n%s", code, err, out)
	}
	// At 6 the judge passes nothing: it fails every human fail.
	if j := rep.Judges; len(j) != 1 || j[0].PassScore != 6 || rep.Pass != humanPass || rep.Stale != 1 || rep.Unlabelled != 1 {
		t.Errorf("json report %+v", rep)
	} else if j[0].JudgePass != 0 || j[0].JudgeFail != humanFail {
		t.Errorf("with --pass-score 6: %+v", j[0])
	}

	// --export-subset pass writes the rows labelled pass, through the
	// exporters, with a filter on feedback "human".
	file := filepath.Join(t.TempDir(), "pass.jsonl")
	_, errOut, code = run(t, "", "review", "report", folder, "--export-subset", "pass", "-o", file, "--format", "flat")
	if code != ExitOK {
		t.Fatalf("export: exit %d\n%s", code, errOut)
	}
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var rows []int64
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		var rec struct{ Row int64 }
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("line %q: %v", line, err)
		}
		rows = append(rows, rec.Row)
	}
	// The stale pass on row 6 is left out: it judged another trace.
	if want := passRows; fmt.Sprint(rows) != fmt.Sprint(want) {
		t.Errorf("exported rows %v, want %v\n%s", rows, want, errOut)
	}
	if !bytes.Contains([]byte(errOut), []byte("filtered out")) || !strings.Contains(errOut, "warning: 1 row(s) labelled pass on an earlier version of the trace (stale) are left out") {
		t.Errorf("export summary: %s", errOut)
	}
}
