package main

import (
	"os"
	"strconv"
	"strings"
)

// cpuTimes are the machine's CPU seconds so far, summed over cores, from the
// first line of /proc/stat (Linux; ok is false elsewhere).
type cpuTimes struct {
	busy  float64 // user, nice, system, irq, softirq
	steal float64 // taken by the hypervisor for other guests
	ok    bool
}

// userHZ is the unit of /proc/stat: USER_HZ, 100 on every Linux platform Go
// supports.
const userHZ = 100

func readCPUTimes() cpuTimes {
	data, err := os.ReadFile("/proc/stat")
	if err != nil {
		return cpuTimes{}
	}
	line, _, _ := strings.Cut(string(data), "\n")
	f := strings.Fields(line)
	if len(f) < 9 || f[0] != "cpu" {
		return cpuTimes{}
	}
	v := make([]float64, 8)
	for i := range v {
		n, err := strconv.ParseFloat(f[i+1], 64)
		if err != nil {
			return cpuTimes{}
		}
		v[i] = n / userHZ
	}
	// user nice system idle iowait irq softirq steal
	return cpuTimes{busy: v[0] + v[1] + v[2] + v[5] + v[6], steal: v[7], ok: true}
}
