package validation

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"

	"github.com/synthgen/synthgen/columns/value"
)

// pythonCheckScript compiles each string of the JSON list on stdin, as
// py_compile does, without running it, and prints one JSON object per item.
const pythonCheckScript = `import json, sys, warnings
warnings.simplefilter("ignore")
for src in json.loads(sys.stdin.buffer.read()):
    r = {"ok": True}
    try:
        compile(src, "<row>", "exec", dont_inherit=True)
    except SyntaxError as e:
        r = {"ok": False, "type": type(e).__name__, "msg": e.msg, "line": e.lineno, "col": e.offset}
    except Exception as e:
        r = {"ok": False, "type": type(e).__name__, "msg": str(e), "line": None, "col": None}
    sys.stdout.write(json.dumps(r) + "\n")
`

// pythonArgv is the python3 command line; "-I" ignores PYTHON* variables
// and the user's site-packages.
func pythonArgv(python string) []string {
	return []string{python, "-I", "-c", pythonCheckScript}
}

// ruffRules are the ruff rules checked (those Data Designer's Python
// validator selects).
const ruffRules = "E,F6,F7,F8,SIM,PLC,PLE,PLR,PLW"

// ruffArgv is the ruff command line, before the file names.
func ruffArgv(ruff string) []string {
	return []string{ruff, "check", "--isolated", "--no-cache", "--exit-zero", "--output-format=json", "--select", ruffRules}
}

// ruffIsError reports whether a ruff finding makes code invalid: pyflakes
// (F…) and pylint error (PLE…) findings, and syntax errors (no code, or
// E999). Style, refactor and warning findings only add messages.
func ruffIsError(code string) bool {
	return code == "" || code == "E999" || strings.HasPrefix(code, "F") || strings.HasPrefix(code, "PLE")
}

// pythonValidator checks Python code: python3 compiles every value (syntax
// errors make it invalid) and, when ruff was on PATH at build time, ruff
// lints it. Both run once per batch.
type pythonValidator struct {
	python string
	ruff   string // "" when ruff is not used
	procs  chan struct{}
	logger *slog.Logger
	// ruffWarn logs the first ruff failure; later ones are dropped.
	ruffWarn sync.Once
}

func newPythonValidator(logger *slog.Logger) (*pythonValidator, error) {
	python, err := exec.LookPath("python3")
	if err != nil {
		return nil, fmt.Errorf("python3 not found on PATH: %w", err)
	}
	ruff, _ := exec.LookPath("ruff")
	return &pythonValidator{python: python, ruff: ruff, procs: newProcLimit(), logger: logger}, nil
}

type compileResult struct {
	OK   bool   `json:"ok"`
	Type string `json:"type"`
	Msg  string `json:"msg"`
	Line *int   `json:"line"`
	Col  *int   `json:"col"`
}

func (c compileResult) message() string {
	var b strings.Builder
	if c.Line != nil {
		fmt.Fprintf(&b, "line %d", *c.Line)
		if c.Col != nil {
			fmt.Fprintf(&b, ", column %d", *c.Col)
		}
		b.WriteString(": ")
	}
	fmt.Fprintf(&b, "%s: %s", c.Type, c.Msg)
	return b.String()
}

func (p *pythonValidator) validate(ctx context.Context, inputs []any) ([]result, error) {
	results := make([]result, len(inputs))
	var (
		sources []string
		index   []int // index[k] is the input of sources[k]
	)
	for i, in := range inputs {
		switch src, ok := in.(string); {
		case !ok:
			results[i] = invalidCodeValue(in)
		case strings.TrimSpace(src) == "":
			results[i] = invalid("no code: the value is empty")
		default:
			sources = append(sources, src)
			index = append(index, i)
		}
	}
	if len(sources) == 0 {
		return results, nil
	}
	if err := acquire(ctx, p.procs); err != nil {
		return nil, err
	}
	defer func() { <-p.procs }()

	compiled, err := p.compile(ctx, sources)
	if err != nil {
		return nil, err
	}
	findings := p.lint(ctx, sources)
	for k, i := range index {
		c := compiled[k]
		r := result{valid: c.OK}
		if !c.OK {
			r.messages = append(r.messages, c.message())
		}
		for _, f := range findings[k] {
			if f.syntax() && !c.OK {
				continue // python3 already reported it
			}
			if ruffIsError(f.code()) {
				r.valid = false
			}
			r.messages = append(r.messages, f.message())
		}
		results[i] = r
	}
	return results, nil
}

// invalidCodeValue is the result for a value that is not a string.
func invalidCodeValue(v any) result {
	if v == nil {
		return invalid("no code: the value is null")
	}
	return invalid("no code: the value is %s, not a string", value.KindOf(v))
}

// compile runs python3 once over sources.
func (p *pythonValidator) compile(ctx context.Context, sources []string) ([]compileResult, error) {
	stdin, err := json.Marshal(sources)
	if err != nil {
		return nil, fmt.Errorf("encoding code for python3: %w", err)
	}
	argv := pythonArgv(p.python)
	lines, _, err := runLines(ctx, argv, "", stdin, false)
	if err != nil {
		return nil, fmt.Errorf("python3 syntax check: %w", err)
	}
	if len(lines) != len(sources) {
		return nil, fmt.Errorf("python3 syntax check printed %d results for %d values", len(lines), len(sources))
	}
	out := make([]compileResult, len(lines))
	for i, l := range lines {
		if err := json.Unmarshal(l, &out[i]); err != nil {
			return nil, fmt.Errorf("python3 syntax check: reading result %d: %w", i+1, err)
		}
	}
	return out, nil
}

// ruffFinding is one entry of `ruff check --output-format=json`.
type ruffFinding struct {
	Code     *string `json:"code"`
	Message  string  `json:"message"`
	Filename string  `json:"filename"`
	Location struct {
		Row    int `json:"row"`
		Column int `json:"column"`
	} `json:"location"`
}

func (f ruffFinding) code() string {
	if f.Code == nil {
		return ""
	}
	return *f.Code
}

func (f ruffFinding) syntax() bool { return f.code() == "" || f.code() == "E999" }

func (f ruffFinding) message() string {
	msg := f.Message
	if c := f.code(); c != "" {
		msg = c + " " + msg
	}
	return fmt.Sprintf("line %d, column %d: ruff %s", f.Location.Row, f.Location.Column, msg)
}

// lint runs ruff once over sources and returns the findings per source. A
// ruff failure is logged once per column and ignores ruff's findings (ruff
// is optional; the compile check still decides).
func (p *pythonValidator) lint(ctx context.Context, sources []string) [][]ruffFinding {
	out := make([][]ruffFinding, len(sources))
	if p.ruff == "" {
		return out
	}
	if err := p.runRuff(ctx, sources, out); err != nil && ctx.Err() == nil {
		p.ruffWarn.Do(func() {
			p.logger.Warn("ruff failed; python code is checked by python3 only", "error", err)
		})
	}
	return out
}

func (p *pythonValidator) runRuff(ctx context.Context, sources []string, out [][]ruffFinding) error {
	dir, err := os.MkdirTemp("", "synthgen-ruff-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	argv := ruffArgv(p.ruff)
	byName := map[string]int{}
	for i, src := range sources {
		name := fmt.Sprintf("snippet_%d.py", i)
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o600); err != nil {
			return err
		}
		byName[name] = i
		argv = append(argv, name)
	}
	stdout, _, err := run(ctx, argv, dir, nil, false)
	if err != nil {
		return err
	}
	var findings []ruffFinding
	if err := json.Unmarshal(stdout, &findings); err != nil {
		return fmt.Errorf("reading ruff output: %w", err)
	}
	for _, f := range findings {
		if i, ok := byName[filepath.Base(f.Filename)]; ok {
			out[i] = append(out[i], f)
		}
	}
	return nil
}
