//go:build !unix

package validation

import "os/exec"

// ownProcessGroup is a no-op where there are no Unix process groups:
// cancelling the context kills the program only (exec.CommandContext's
// default), not the children it started.
func ownProcessGroup(*exec.Cmd) {}
