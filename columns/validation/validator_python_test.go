package validation

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/synthgen/synthgen/columns"
	"github.com/synthgen/synthgen/columns/value"
)

// countingPython puts a python3 on PATH that logs each start and runs the
// real one; it returns the log file.
func countingPython(t *testing.T) string {
	t.Helper()
	real := requireTool(t, "python3")
	dir := t.TempDir()
	log := filepath.Join(dir, "starts.log")
	writeScript(t, dir, "python3", "echo start >> '"+log+"'\nexec '"+real+"' \"$@\"\n")
	prependPath(t, dir)
	return log
}

func starts(t *testing.T, log string) int {
	t.Helper()
	b, err := os.ReadFile(log)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	return strings.Count(string(b), "start")
}

func TestPythonValidator(t *testing.T) {
	log := countingPython(t)
	unit, g := buildOne(t, newBC(t), codeCol("check", langPython, "code"))
	g.v.(*pythonValidator).ruff = "" // results must not depend on a local ruff

	if !unit.Outputs[0].Type.Equal(resultType) {
		t.Errorf("output type %v, want %v", unit.Outputs[0].Type, resultType)
	}
	if g.BatchSize() != defaultBatchSize {
		t.Errorf("BatchSize() = %d, want %d", g.BatchSize(), defaultBatchSize)
	}
	rows := codeRows("code",
		"def f(x):\n    return x * 2\n",
		"x = 1\nif x\n    print(x)\n",
		"def g():\nreturn 1\n",
		"   \n",
		nil,
		int64(3),
		"s = 'héllo ✓'\nprint(s)\n",
	)
	got, errs := generateAll(t, g, rows)
	mustSucceed(t, errs)
	// Python's wording varies between versions: check the line and the kind.
	want := [][]string{
		{`{"is_valid": true, "messages": []}`},
		{`{"is_valid": false, "messages": ["line 2, column 5: SyntaxError: `},
		{`{"is_valid": false, "messages": ["line 2, column 1: IndentationError: `},
		{`{"is_valid": false, "messages": ["no code: the value is empty"]}`},
		{`{"is_valid": false, "messages": ["no code: the value is null"]}`},
		{`{"is_valid": false, "messages": ["no code: the value is int, not a string"]}`},
		{`{"is_valid": true, "messages": []}`},
	}
	for i := range want {
		if !contains(got[i], want[i]...) {
			t.Errorf("row %d:\n got %s\nwant %q", i, got[i], want[i])
		}
	}
	if n := starts(t, log); n != 1 {
		t.Errorf("python3 started %d times for one batch, want 1", n)
	}
}

func TestPythonValidatorBatches(t *testing.T) {
	log := countingPython(t)
	col := codeCol("check", langPython, "code")
	col.BatchSize = 2
	col.Meta.Keys["batch_size"] = col.Meta.Pos
	_, g := buildOne(t, newBC(t), col)
	g.v.(*pythonValidator).ruff = ""

	_, errs := generateAll(t, g, codeRows("code", "a = 1", "b = 2", "c = 3", "d = (", "e = 5"))
	mustSucceed(t, errs)
	if n := starts(t, log); n != 3 {
		t.Errorf("python3 started %d times for 5 rows in batches of 2, want 3", n)
	}

	// Generate is a batch of 1.
	out := make([]any, 1)
	if err := g.Generate(t.Context(), row(9, map[string]any{"code": "return"}), out); err != nil {
		t.Fatal(err)
	}
	if got := value.JSON(out[0]); !contains(got, `"is_valid": false`, "line 1", "'return' outside function") {
		t.Errorf("Generate: %s", got)
	}
}

func TestPythonValidatorSeveralTargets(t *testing.T) {
	requireTool(t, "python3")
	unit, g := buildOne(t, newBC(t), codeCol("check", langPython, "solution", "tests"))
	g.v.(*pythonValidator).ruff = ""

	wantType := "struct{solution struct{is_valid bool, messages list<string>}, tests struct{is_valid bool, messages list<string>}}"
	if got := unit.Outputs[0].Type.String(); got != wantType {
		t.Errorf("type %s, want %s", got, wantType)
	}
	if len(unit.Deps) != 2 || unit.Deps[0].Name != "solution" || unit.Deps[1].Name != "tests" ||
		unit.Deps[0].Path != "columns[2].target_columns" || unit.Deps[0].Pos.Line != 12 {
		t.Errorf("Deps = %+v", unit.Deps)
	}
	rows := []columns.Row{
		row(4, map[string]any{"solution": "x = 1", "tests": "assert x == 1"}),
		row(5, map[string]any{"solution": "x = ", "tests": "assert x == 1"}),
	}
	got, errs := generateAll(t, g, rows)
	mustSucceed(t, errs)
	want := []string{
		`{"solution": {"is_valid": true, "messages": []}, "tests": {"is_valid": true, "messages": []}}`,
		`{"solution": {"is_valid": false, "messages": ["line 1, column 5: SyntaxError: `,
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]) || !strings.HasSuffix(got[i], `"tests": {"is_valid": true, "messages": []}}`) {
			t.Errorf("row %d:\n got %s\nwant %s", i, got[i], want[i])
		}
	}
}

// A fake ruff reports F821 for files containing "undefined_thing" and PLR2004
// for files containing "magic"; it checks it is given the JSON format.
const fakeRuff = `case "$*" in *--output-format=json*) ;; *) echo "no json format" >&2; exit 2;; esac
printf '['
sep=''
for f in "$@"; do
  case "$f" in *.py) ;; *) continue;; esac
  if grep -q undefined_thing "$f"; then
    printf '%s{"code":"F821","message":"Undefined name ` + "`undefined_thing`" + `","filename":"%s","location":{"row":2,"column":7}}' "$sep" "$PWD/$f"; sep=','
  fi
  if grep -q magic "$f"; then
    printf '%s{"code":"PLR2004","message":"Magic value used in comparison","filename":"%s","location":{"row":1,"column":9}}' "$sep" "$PWD/$f"; sep=','
  fi
  if grep -q 'x = (' "$f"; then
    printf '%s{"code":null,"message":"SyntaxError: unclosed","filename":"%s","location":{"row":1,"column":5}}' "$sep" "$PWD/$f"; sep=','
  fi
done
printf ']\n'
`

func TestPythonValidatorRuff(t *testing.T) {
	requireTool(t, "python3")
	dir := t.TempDir()
	writeScript(t, dir, "ruff", fakeRuff)
	prependPath(t, dir)
	_, g := buildOne(t, newBC(t), codeCol("check", langPython, "code"))
	if g.v.(*pythonValidator).ruff == "" {
		t.Fatal("ruff on PATH was not picked up at build time")
	}
	got, errs := generateAll(t, g, codeRows("code",
		"def f():\n    return undefined_thing\n",
		"if x == magic_number:\n    pass\n",
		"x = (",
		"y = 2",
	))
	mustSucceed(t, errs)
	want := []string{
		"{\"is_valid\": false, \"messages\": [\"line 2, column 7: ruff F821 Undefined name `undefined_thing`\"]}",
		`{"is_valid": true, "messages": ["line 1, column 9: ruff PLR2004 Magic value used in comparison"]}`,
		`{"is_valid": false, "messages": ["line 1, column 5: SyntaxError: `,
		`{"is_valid": true, "messages": []}`,
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]) {
			t.Errorf("row %d:\n got %s\nwant %s…", i, got[i], want[i])
		}
	}
	if strings.Contains(got[2], "unclosed") {
		t.Errorf("row 2 repeats ruff's syntax error: %s", got[2])
	}
}

func TestPythonValidatorRuffFailureIsIgnored(t *testing.T) {
	requireTool(t, "python3")
	dir := t.TempDir()
	writeScript(t, dir, "ruff", "echo 'ruff crashed' >&2\nexit 2\n")
	prependPath(t, dir)
	_, g := buildOne(t, newBC(t), codeCol("check", langPython, "code"))
	got, errs := generateAll(t, g, codeRows("code", "y = 2", "y = "))
	mustSucceed(t, errs)
	if got[0] != `{"is_valid": true, "messages": []}` || !contains(got[1], `"is_valid": false`, "SyntaxError") {
		t.Errorf("got %q", got)
	}
}
