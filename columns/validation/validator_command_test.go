package validation

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/synthgen/synthgen/columns"
)

// checkLengths answers each JSONL line: valid unless the line mentions "bad".
const checkLengths = `while IFS= read -r line; do
  case "$line" in
    *bad*) echo '{"is_valid": false, "messages": ["bad value"], "extra": 1}' ;;
    *) echo '{"is_valid": true}' ;;
  esac
done
`

func TestCommandValidator(t *testing.T) {
	requireTool(t, "sh")
	col := commandCol("cmd_check", []string{"sh", "-c", checkLengths}, "a", "b")
	unit, g := buildOne(t, newBC(t), col)
	if !unit.Outputs[0].Type.Equal(resultType) {
		t.Errorf("output type %v, want %v", unit.Outputs[0].Type, resultType)
	}
	rows := []columns.Row{
		row(0, map[string]any{"a": "good", "b": int64(1)}),
		row(1, map[string]any{"a": "bad\nvalue", "b": nil}),
		row(2, map[string]any{"a": "fine", "b": []any{"x"}}),
	}
	got, errs := generateAll(t, g, rows)
	mustSucceed(t, errs)
	want := []string{
		`{"is_valid": true, "messages": []}`,
		`{"is_valid": false, "messages": ["bad value"]}`,
		`{"is_valid": true, "messages": []}`,
	}
	if !slices.Equal(got, want) {
		t.Errorf("got  %q\nwant %q", got, want)
	}
}

func TestCommandValidatorSeesJSONL(t *testing.T) {
	requireTool(t, "sh")
	// Echo each input line back inside messages, so the test sees stdin.
	script := `while IFS= read -r line; do printf '{"is_valid": true, "messages": [%s]}\n' "$line"; done`
	_, g := buildOne(t, newBC(t), commandCol("cmd_check", []string{"sh", "-c", script}, "a", "b"))
	got, errs := generateAll(t, g, []columns.Row{row(0, map[string]any{"a": "x\ny", "b": 2.5})})
	mustSucceed(t, errs)
	if want := `{"is_valid": true, "messages": ["{\"a\": \"x\\ny\", \"b\": 2.5}"]}`; got[0] != want {
		t.Errorf("got  %s\nwant %s", got[0], want)
	}
}

func TestCommandValidatorRelativeProgram(t *testing.T) {
	bc := newBC(t)
	writeScript(t, filepath.Join(bc.BaseDir), "check.sh", checkLengths)
	_, g := buildOne(t, bc, commandCol("cmd_check", []string{"./check.sh"}, "a"))
	got, errs := generateAll(t, g, []columns.Row{row(0, map[string]any{"a": "bad"})})
	mustSucceed(t, errs)
	if got[0] != `{"is_valid": false, "messages": ["bad value"]}` {
		t.Errorf("got %s", got[0])
	}
}

func TestCommandValidatorFailures(t *testing.T) {
	requireTool(t, "sh")
	tests := []struct {
		name    string
		script  string
		wantErr []string
	}{
		{"non-zero exit", "cat >/dev/null; echo 'line one' >&2; echo 'traceback: boom' >&2; exit 3",
			[]string{"exit status 3", "line one | traceback: boom"}},
		{"too few lines", `cat >/dev/null; echo '{"is_valid": true}'; echo 'only one' >&2`,
			[]string{"sh printed 1 result lines for 2 rows", "stderr: only one"}},
		{"not JSON", "cat >/dev/null; echo ok; echo ok",
			[]string{"sh output line 1: "}},
		{"is_valid not a bool", `cat >/dev/null; echo '{"is_valid": "yes"}'; echo '{"is_valid": true}'`,
			[]string{`sh output line 1: result's "is_valid" is string, want a bool`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, g := buildOne(t, newBC(t), commandCol("cmd_check", []string{"sh", "-c", tt.script}, "a"))
			_, errs := generateAll(t, g, []columns.Row{row(7, map[string]any{"a": "x"}), row(8, map[string]any{"a": "y"})})
			for i, err := range errs {
				ce := asCellError(t, err, int64(7+i), "cmd_check")
				if !contains(ce.Error(), tt.wantErr...) {
					t.Errorf("row %d error %q, want it to contain %q", i, ce.Error(), tt.wantErr)
				}
			}
		})
	}
}

func TestCommandValidatorCancelKills(t *testing.T) {
	requireTool(t, "sleep")
	_, g := buildOne(t, newBC(t), commandCol("cmd_check", []string{"sleep", "30"}, "a"))
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := g.Generate(ctx, row(0, map[string]any{"a": "x"}), make([]any, 1))
	asCellError(t, err, 0, "cmd_check")
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("cancelled command returned after %v", took)
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("error %v, want the context's cause", err)
	}
}

func TestMissingTargetFailsOnlyItsRow(t *testing.T) {
	requireTool(t, "sh")
	_, g := buildOne(t, newBC(t), commandCol("cmd_check", []string{"sh", "-c", checkLengths}, "a"))
	got, errs := generateAll(t, g, []columns.Row{row(0, map[string]any{"a": "ok"}), row(1, map[string]any{})})
	if errs[0] != nil || got[0] != `{"is_valid": true, "messages": []}` {
		t.Errorf("row 0: %s, %v", got[0], errs[0])
	}
	ce := asCellError(t, errs[1], 1, "cmd_check")
	if !contains(ce.Error(), `target column "a" has no value`) {
		t.Errorf("row 1: %v", ce)
	}
}
