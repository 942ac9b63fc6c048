package review

import (
	"strings"
	"testing"
)

func TestReportWriteText(t *testing.T) {
	tpr, tnr, agree := 0.75, 0.5, 4.0/6
	rep := &Report{Dir: "out/ds", Column: "answer", Rows: 20, Pass: 4, Fail: 2, Defer: 1, Stale: 1, Unlabelled: 12, Orphans: 2,
		Judges: []Agreement{
			{Key: "grade.Accuracy", PassScore: 3, Rule: "≥ 3 (midpoint of 1..5)", HumanPass: 4, JudgePass: 3, HumanFail: 2, JudgeFail: 1, TPR: &tpr, TNR: &tnr, Agreement: &agree, Unscored: 1},
			{Key: "grade.Tone", Skipped: "its options are not numbers: give --pass-score grade.Tone=N"},
		}}
	var b strings.Builder
	if err := rep.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	want := `review of answer in out/ds: 20 rows, 8 labelled, 12 unlabelled
  pass 4 · fail 2 · defer 1 · stale 1 (trace changed since labelled)
  2 label(s) of rows the folder does not hold are left out

judge agreement with the human pass/fail labels (stale and deferred left out):
  score           judge passes if         true-positive rate  true-negative rate  agreement  unscored
  grade.Accuracy  ≥ 3 (midpoint of 1..5)  75% (3/4)           50% (1/2)           67% (4/6)  1
  grade.Tone      -                       -                   -                   -          -  (its options are not numbers: give --pass-score grade.Tone=N)
`
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
}
