//go:build interop && !linux

package interop

import "syscall"

func sysProcAttr() *syscall.SysProcAttr { return nil }
