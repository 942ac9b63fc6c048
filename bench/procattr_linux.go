package main

import (
	"os/exec"
	"syscall"
)

// ownGroup puts a child in its own process group, so a Ctrl-C at the
// terminal reaches only the harness, which then interrupts synthgen itself
// (so it drains and writes what is complete) before stopping the mock
// server. The child is killed if the harness dies without stopping it.
func ownGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
