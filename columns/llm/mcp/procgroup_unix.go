//go:build unix

package mcp

import (
	"os/exec"
	"syscall"
)

// ownProcessGroup starts a stdio server in a process group of its own, so a
// terminal's Ctrl-C does not kill it mid-drain and killGroup can end every
// process it started (servers run through `sh -c`, `npx`, `go run`).
func ownProcessGroup(cmd *exec.Cmd) {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Setpgid = true
}

// killGroup kills the process group of a started command (its id is the
// leader's pid).
func killGroup(cmd *exec.Cmd) {
	if cmd == nil || cmd.Process == nil {
		return
	}
	_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
}
