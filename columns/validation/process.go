package validation

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"
)

// waitDelay is how long a killed or finished program may keep its output
// pipes open (e.g. through a child of its own) before they are closed.
const waitDelay = 5 * time.Second

// newProcLimit bounds the local processes one column runs at once.
func newProcLimit() chan struct{} { return make(chan struct{}, runtime.GOMAXPROCS(0)) }

// acquire takes a slot of sem, or returns the cause of ctx's cancellation.
func acquire(ctx context.Context, sem chan struct{}) error {
	select {
	case sem <- struct{}{}:
		return nil
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}

// run starts argv (no shell) in dir with stdin, waits, and returns its
// standard output and error. A non-zero exit is an error that quotes the
// last lines of standard error. Cancelling ctx kills the process, and with
// group, which starts it in a process group of its own (on Unix), every
// process of that group; the error is then the context's cause, returned
// with the standard error read so far.
func run(ctx context.Context, argv []string, dir string, stdin []byte, group bool) (stdout, stderr []byte, err error) {
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Dir = dir
	if group {
		ownProcessGroup(cmd)
	}
	cmd.Stdin = bytes.NewReader(stdin)
	var outBuf, errBuf bytes.Buffer
	cmd.Stdout = &outBuf
	cmd.Stderr = &errBuf
	cmd.WaitDelay = waitDelay
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return nil, errBuf.Bytes(), context.Cause(ctx)
		}
		err = fmt.Errorf("%s: %w", filepath.Base(argv[0]), err)
		if tail := lastLines(errBuf.Bytes(), 5); tail != "" {
			err = fmt.Errorf("%w; stderr: %s", err, tail)
		}
		return nil, nil, err
	}
	return outBuf.Bytes(), errBuf.Bytes(), nil
}

// runLines is run returning the non-blank lines of standard output.
func runLines(ctx context.Context, argv []string, dir string, stdin []byte, group bool) (lines [][]byte, stderr []byte, err error) {
	stdout, stderr, err := run(ctx, argv, dir, stdin, group)
	if err != nil {
		return nil, stderr, err
	}
	sc := bufio.NewScanner(bytes.NewReader(stdout))
	sc.Buffer(nil, len(stdout)+1)
	for sc.Scan() {
		if l := bytes.TrimSpace(sc.Bytes()); len(l) > 0 {
			lines = append(lines, bytes.Clone(l))
		}
	}
	return lines, stderr, sc.Err()
}

// lastLines returns up to n last non-blank lines of b joined by " | ", each
// cut to 300 bytes.
func lastLines(b []byte, n int) string {
	var lines []string
	for l := range strings.Lines(string(b)) {
		if l = strings.TrimSpace(l); l != "" {
			if len(l) > 300 {
				l = l[:300] + "…"
			}
			lines = append(lines, l)
		}
	}
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, " | ")
}
