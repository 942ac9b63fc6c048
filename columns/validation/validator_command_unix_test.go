//go:build unix

package validation

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/synthgen/synthgen/columns"
)

// alive reports whether process pid exists and is not a zombie.
func alive(pid int) bool {
	if err := syscall.Kill(pid, 0); err != nil {
		return false
	}
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		// Without /proc (not Linux), zombies cannot be told apart; they
		// are reaped by init there.
		_, noProc := os.Stat("/proc/self/stat")
		return noProc != nil || !errors.Is(err, os.ErrNotExist)
	}
	// The state follows the parenthesised command name.
	if i := bytes.LastIndexByte(stat, ')'); i >= 0 && i+2 < len(stat) {
		return stat[i+2] != 'Z'
	}
	return true
}

func TestCommandValidatorTimeoutKillsProcessGroup(t *testing.T) {
	requireTool(t, "sh")
	requireTool(t, "sleep")
	defer func(d time.Duration) { commandTimeout = d }(commandTimeout)
	commandTimeout = 300 * time.Millisecond

	// The program starts a child that would keep stdout open for 30 s, and
	// hangs waiting for it.
	pidFile := filepath.Join(t.TempDir(), "child.pid")
	script := `cat >/dev/null; echo 'checking rows' >&2; sleep 30 & echo $! > "$1"; wait`
	_, g := buildOne(t, newBC(t), commandCol("cmd_check", []string{"sh", "-c", script, "sh", pidFile}, "a"))

	start := time.Now()
	_, errs := generateAll(t, g, []columns.Row{row(0, map[string]any{"a": "x"}), row(1, map[string]any{"a": "y"})})
	took := time.Since(start)
	for i, err := range errs {
		ce := asCellError(t, err, int64(i), "cmd_check")
		if !contains(ce.Error(), "command validator timed out after 300ms", "sh was killed", "stderr: checking rows") {
			t.Errorf("row %d error %q", i, ce.Error())
		}
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("row %d error %v is not a context.DeadlineExceeded", i, err)
		}
	}
	// Had only sh been killed, the child would hold stdout open until
	// waitDelay.
	if took > waitDelay-time.Second {
		t.Errorf("timed-out batch returned after %v", took)
	}
	b, err := os.ReadFile(pidFile)
	if err != nil {
		t.Fatal(err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(2 * time.Second)
	for alive(pid) && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if alive(pid) {
		syscall.Kill(pid, syscall.SIGKILL)
		t.Errorf("the program's child %d survived the timeout", pid)
	}
}

func TestCommandValidatorDefaultTimeout(t *testing.T) {
	requireTool(t, "sh")
	_, g := buildOne(t, newBC(t), commandCol("cmd_check", []string{"sh", "-c", checkLengths}, "a"))
	if got := g.v.(*commandValidator).timeout; got != 300*time.Second {
		t.Errorf("timeout %v, want 300s", got)
	}
	err := &timeoutError{program: "check.sh", after: defaultCommandTimeout}
	if !strings.HasPrefix(err.Error(), "command validator timed out after 5m0s") {
		t.Errorf("error %q", err)
	}
}

func TestCommandValidatorFastProgramUnaffected(t *testing.T) {
	requireTool(t, "sh")
	defer func(d time.Duration) { commandTimeout = d }(commandTimeout)
	commandTimeout = 5 * time.Second
	_, g := buildOne(t, newBC(t), commandCol("cmd_check", []string{"sh", "-c", checkLengths}, "a"))
	got, errs := generateAll(t, g, []columns.Row{row(0, map[string]any{"a": "bad"})})
	mustSucceed(t, errs)
	if got[0] != `{"is_valid": false, "messages": ["bad value"]}` {
		t.Errorf("got %s", got[0])
	}
}
