//go:build !unix

package main

import (
	"os"
	"time"
)

// childUsage is the CPU time of a finished child process; peak RSS is not
// available on this platform.
func childUsage(ps *os.ProcessState) (cpu time.Duration, maxRSSKiB int64) {
	return ps.UserTime() + ps.SystemTime(), 0
}
