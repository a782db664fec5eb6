// Package proctest helps tests prove that processes a runner started are
// gone: the local runner and the SSH runner both promise to kill a step's
// whole process group, and their tests check it the same way.
package proctest

import (
	"bytes"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// PIDs returns the numbers among the whitespace-separated words of out, as
// a step prints them with `echo $$ $!`.
func PIDs(out []byte) []int {
	var pids []int
	for _, f := range strings.Fields(string(out)) {
		if pid, err := strconv.Atoi(f); err == nil {
			pids = append(pids, pid)
		}
	}
	return pids
}

// Gone reports whether pid has exited: no longer in /proc, or a zombie
// waiting for an init that may never reap it.
func Gone(pid int) bool {
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return true
	}
	i := bytes.LastIndexByte(stat, ')')
	return i >= 0 && i+2 < len(stat) && stat[i+2] == 'Z'
}

// AssertGone fails the test for every pid still running after 5 seconds.
func AssertGone(t testing.TB, pids []int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for _, pid := range pids {
		for !Gone(pid) {
			if time.Now().After(deadline) {
				t.Errorf("process %d still runs", pid)
				break
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
}
