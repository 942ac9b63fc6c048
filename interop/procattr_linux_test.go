//go:build interop && linux

package interop

import "syscall"

// sysProcAttr kills llama-server when the test process dies (e.g. on a go test
// -timeout panic), so no server outlives the tier.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
