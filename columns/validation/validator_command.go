package validation

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/synthgen/synthgen/columns/value"
	"github.com/synthgen/synthgen/config"
)

// defaultCommandTimeout bounds one batch of a command validator: a program
// that runs longer is killed, with every process of its process group (on
// Unix it gets a group of its own), and the batch fails with "command
// validator timed out after 5m0s". It is the same for every config and
// environment: configs have no field for it (yet); change it here.
const defaultCommandTimeout = 300 * time.Second

// commandTimeout is defaultCommandTimeout; tests shorten it. A validator
// reads it when it is built.
var commandTimeout = defaultCommandTimeout

// commandValidator runs a local program (no shell) once per batch: the
// rows go to its standard input as JSONL, one object of target values per
// line, and it prints one result object per line.
type commandValidator struct {
	argv    []string // argv[0] resolved to a path
	dir     string
	procs   chan struct{}
	timeout time.Duration // per batch
}

// timeoutError is the error of a batch whose program ran longer than
// its timeout.
type timeoutError struct {
	program string
	after   time.Duration
}

func (e *timeoutError) Error() string {
	return fmt.Sprintf("command validator timed out after %v (the fixed limit per batch); %s was killed", e.after, e.program)
}

// Is makes a timeout a context.DeadlineExceeded for errors.Is.
func (e *timeoutError) Is(target error) bool { return target == context.DeadlineExceeded }

// newCommandValidator resolves the program: a bare name through PATH, a
// relative path against the config's folder (baseDir), which is also the
// program's working directory.
func newCommandValidator(column string, p *config.CommandValidatorParams, baseDir string) (*commandValidator, config.Diagnostics) {
	var diags config.Diagnostics
	pos, path := p.Meta.At(fieldCommand)
	if len(p.Command) == 0 || p.Command[0] == "" {
		diags.Errorf(pos, path, "validation column %q: command is empty; give the program and its arguments", column)
		return nil, diags
	}
	prog, err := resolveProgram(p.Command[0], baseDir)
	if err != nil {
		diags.Errorf(pos, path, "validation column %q: command: %v", column, err)
		return nil, diags
	}
	argv := append([]string{prog}, p.Command[1:]...)
	return &commandValidator{argv: argv, dir: baseDir, procs: newProcLimit(), timeout: commandTimeout}, diags
}

func resolveProgram(name, baseDir string) (string, error) {
	if strings.ContainsRune(name, filepath.Separator) || strings.Contains(name, "/") {
		if !filepath.IsAbs(name) && baseDir != "" {
			name = filepath.Join(baseDir, name)
		}
		abs, err := filepath.Abs(name)
		if err != nil {
			return "", err
		}
		name = abs
	}
	return exec.LookPath(name)
}

func (c *commandValidator) validate(ctx context.Context, inputs []any) ([]result, error) {
	var stdin bytes.Buffer
	for _, in := range inputs {
		stdin.WriteString(value.CompactJSON(in))
		stdin.WriteByte('\n')
	}
	if err := acquire(ctx, c.procs); err != nil {
		return nil, err
	}
	defer func() { <-c.procs }()
	// The timer starts once the process can start: waiting for a slot does
	// not count.
	ctx, cancel := context.WithTimeoutCause(ctx, c.timeout, &timeoutError{program: filepath.Base(c.argv[0]), after: c.timeout})
	defer cancel()
	lines, stderr, err := runLines(ctx, c.argv, c.dir, stdin.Bytes(), true)
	if err != nil {
		var te *timeoutError
		if errors.As(err, &te) {
			if tail := lastLines(stderr, 5); tail != "" {
				err = fmt.Errorf("%w; stderr: %s", err, tail)
			}
		}
		return nil, err
	}
	if len(lines) != len(inputs) {
		err := fmt.Errorf("%s printed %d result lines for %d rows", filepath.Base(c.argv[0]), len(lines), len(inputs))
		if tail := lastLines(stderr, 5); tail != "" {
			err = fmt.Errorf("%w; stderr: %s", err, tail)
		}
		return nil, err
	}
	results := make([]result, len(lines))
	for i, l := range lines {
		v, err := value.DecodeJSON(l)
		if err == nil {
			results[i], err = parseResult(v)
		}
		if err != nil {
			return nil, fmt.Errorf("%s output line %d: %w", filepath.Base(c.argv[0]), i+1, err)
		}
	}
	return results, nil
}
