//go:build unix

package validation

import (
	"os/exec"
	"syscall"
)

// ownProcessGroup makes cmd start in a process group of its own and makes
// cancelling its context kill the whole group: the program and every child
// it started that stayed in the group.
func ownProcessGroup(cmd *exec.Cmd) {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Setpgid = true
	cmd.Cancel = func() error {
		// The group's id is the program's pid (Setpgid with Pgid 0).
		err := syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		if err == syscall.ESRCH {
			return cmd.Process.Kill()
		}
		return err
	}
}
