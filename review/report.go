package review

import (
	"fmt"
	"io"
	"sort"
	"strconv"
	"text/tabwriter"

	"github.com/synthgen/synthgen/traceset"
)

// ReportOptions set how a judge score counts as a pass.
type ReportOptions struct {
	// PassScore holds thresholds: a judge score at or above its threshold
	// is a pass. Keys are "<judge column>.<score name>", or "" for every
	// score. A score without one passes at or above the midpoint of its
	// numeric options in builder_config.json ((lowest + highest) / 2: 3
	// for options 1..5, 0.5 for 0/1).
	PassScore map[string]float64
}

// Report is the state of the review of one column and how each judge
// score agrees with the human labels.
type Report struct {
	Dir    string `json:"dir"`
	Column string `json:"column"`
	Rows   int    `json:"rows"` // written rows
	// Pass, Fail and Defer count current labels, Stale the labels whose
	// trace changed since, Unlabelled the rows without a label.
	Pass       int `json:"pass"`
	Fail       int `json:"fail"`
	Defer      int `json:"defer"`
	Stale      int `json:"stale"`
	Unlabelled int `json:"unlabelled"`
	// StaleBy counts the stale labels by label.
	StaleBy map[string]int `json:"stale_by_label"`
	// Orphans are labels of rows the folder does not hold (any more).
	Orphans int         `json:"orphans"`
	Judges  []Agreement `json:"judges"`
}

// Agreement compares one judge score with the current pass and fail labels
// (stale and deferred labels are left out).
type Agreement struct {
	Key       string  `json:"key"` // "<judge column>.<score name>"
	PassScore float64 `json:"pass_score"`
	// Rule says where PassScore came from.
	Rule string `json:"rule"`
	// HumanPass rows labelled pass that have a numeric score, JudgePass of
	// them the judge passed; HumanFail and JudgeFail likewise.
	HumanPass int `json:"human_pass"`
	JudgePass int `json:"judge_pass"`
	HumanFail int `json:"human_fail"`
	JudgeFail int `json:"judge_fail"`
	// TPR = JudgePass/HumanPass, TNR = JudgeFail/HumanFail, Agreement
	// = (JudgePass+JudgeFail)/(HumanPass+HumanFail); nil when undefined.
	TPR       *float64 `json:"tpr"`
	TNR       *float64 `json:"tnr"`
	Agreement *float64 `json:"agreement"`
	// Unscored counts labelled rows whose score is missing or not a number.
	Unscored int `json:"unscored"`
	// Skipped says why the score was not compared (no threshold).
	Skipped string `json:"skipped,omitempty"`
}

// BuildReport reports on the labels of column (the latest entry per row,
// as traceset.ReadAnnotations returns them) over folder f, reading only
// the row groups that hold labelled rows.
func BuildReport(f *traceset.Folder, column string, labels map[traceset.Key]traceset.Annotation, opts ReportOptions) (*Report, error) {
	ri, err := indexRows(f)
	if err != nil {
		return nil, err
	}
	options := f.ScoreOptions
	rep := &Report{Dir: f.Dir, Column: column, Rows: len(ri.all), Judges: []Agreement{}, StaleBy: map[string]int{}}
	byGroup := map[int][]traceset.Annotation{}
	for k, a := range labels {
		if k.Column != column || a.Label == "" {
			continue
		}
		id, ok := ri.group(k.Row)
		if !ok {
			rep.Orphans++
			continue
		}
		byGroup[id] = append(byGroup[id], a)
	}

	var keys []string
	for judge, names := range f.Judges {
		for _, n := range names {
			keys = append(keys, judge+"."+n)
		}
	}
	sort.Strings(keys)
	agree := map[string]*Agreement{}
	for _, key := range keys {
		a := &Agreement{Key: key}
		switch t, ok := opts.PassScore[key]; {
		case ok:
			a.PassScore, a.Rule = t, fmt.Sprintf("≥ %s (--pass-score %s=%s)", num(t), key, num(t))
		default:
			if t, ok := opts.PassScore[""]; ok {
				a.PassScore, a.Rule = t, fmt.Sprintf("≥ %s (--pass-score)", num(t))
			} else if o := options[key]; len(o) >= 2 {
				lo, hi := o[0], o[len(o)-1]
				a.PassScore = (lo + hi) / 2
				a.Rule = fmt.Sprintf("≥ %s (midpoint of %s..%s)", num(a.PassScore), num(lo), num(hi))
			} else {
				a.Skipped = "its options are not numbers: give --pass-score " + key + "=N"
			}
		}
		agree[key] = a
	}

	ids := make([]int, 0, len(byGroup))
	for id := range byGroup {
		ids = append(ids, id)
	}
	sort.Ints(ids)
	for _, id := range ids {
		g, err := f.Group(id)
		if err != nil {
			return nil, err
		}
		cg := newCachedGroup(g, column)
		for _, l := range byGroup[id] {
			if cg.hash(l.Row) != l.TraceHash {
				rep.Stale++
				rep.StaleBy[l.Label]++
				continue
			}
			switch l.Label {
			case traceset.LabelPass:
				rep.Pass++
			case traceset.LabelFail:
				rep.Fail++
			case traceset.LabelDefer:
				rep.Defer++
				continue
			default:
				continue
			}
			scores := g.Row(cg.pos[l.Row]).Scores()
			for _, key := range keys {
				a := agree[key]
				if a.Skipped != "" {
					continue
				}
				v, ok := traceset.Number(scores[key+".score"])
				if !ok {
					a.Unscored++
					continue
				}
				judgePass := v >= a.PassScore
				if l.Label == traceset.LabelPass {
					a.HumanPass++
					if judgePass {
						a.JudgePass++
					}
				} else {
					a.HumanFail++
					if !judgePass {
						a.JudgeFail++
					}
				}
			}
		}
	}
	rep.Unlabelled = rep.Rows - rep.Pass - rep.Fail - rep.Defer - rep.Stale
	for _, key := range keys {
		a := agree[key]
		a.TPR = ratio(a.JudgePass, a.HumanPass)
		a.TNR = ratio(a.JudgeFail, a.HumanFail)
		a.Agreement = ratio(a.JudgePass+a.JudgeFail, a.HumanPass+a.HumanFail)
		rep.Judges = append(rep.Judges, *a)
	}
	return rep, nil
}

func ratio(n, d int) *float64 {
	if d == 0 {
		return nil
	}
	r := float64(n) / float64(d)
	return &r
}

func num(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }

// WriteText prints the report for a terminal.
func (r *Report) WriteText(w io.Writer) error {
	labelled := r.Pass + r.Fail + r.Defer + r.Stale
	fmt.Fprintf(w, "review of %s in %s: %d rows, %d labelled, %d unlabelled\n", r.Column, r.Dir, r.Rows, labelled, r.Unlabelled)
	fmt.Fprintf(w, "  pass %d · fail %d · defer %d · stale %d (trace changed since labelled)\n", r.Pass, r.Fail, r.Defer, r.Stale)
	if r.Orphans > 0 {
		fmt.Fprintf(w, "  %d label(s) of rows the folder does not hold are left out\n", r.Orphans)
	}
	if len(r.Judges) == 0 {
		fmt.Fprintln(w, "\nno llm-judge columns to compare with")
		return nil
	}
	fmt.Fprintln(w, "\njudge agreement with the human pass/fail labels (stale and deferred left out):")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  score\tjudge passes if\ttrue-positive rate\ttrue-negative rate\tagreement\tunscored")
	for _, a := range r.Judges {
		if a.Skipped != "" {
			fmt.Fprintf(tw, "  %s\t-\t-\t-\t-\t-\t(%s)\n", a.Key, a.Skipped)
			continue
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\t%d\n", a.Key, a.Rule,
			rate(a.TPR, a.JudgePass, a.HumanPass, "human passes"), rate(a.TNR, a.JudgeFail, a.HumanFail, "human fails"),
			rate(a.Agreement, a.JudgePass+a.JudgeFail, a.HumanPass+a.HumanFail, "labels"), a.Unscored)
	}
	return tw.Flush()
}

func rate(r *float64, n, d int, of string) string {
	if r == nil {
		return "- (no " + of + ")"
	}
	return fmt.Sprintf("%.0f%% (%d/%d)", *r*100, n, d)
}
