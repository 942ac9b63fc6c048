//go:build unix

package main

import (
	"os"
	"runtime"
	"syscall"
	"time"
)

// childUsage is the CPU time (user + system) and peak RSS in KiB of a
// finished child process. wait4 reports the child together with the
// descendants it waited for (e.g. a stdio MCP server), and the largest RSS
// among them.
func childUsage(ps *os.ProcessState) (cpu time.Duration, maxRSSKiB int64) {
	ru, ok := ps.SysUsage().(*syscall.Rusage)
	if !ok || ru == nil {
		return ps.UserTime() + ps.SystemTime(), 0
	}
	cpu = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	maxRSSKiB = int64(ru.Maxrss)
	if runtime.GOOS == "darwin" {
		maxRSSKiB /= 1024 // bytes there, KiB on Linux and the BSDs
	}
	return cpu, maxRSSKiB
}
