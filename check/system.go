package check

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

type diskProbe struct{ path string }

func newDiskProbe(s DiskSpec) (*diskProbe, error) {
	if !filepath.IsAbs(s.Path) {
		return nil, fieldErr("disk.path", "%q: want an absolute path", s.Path)
	}
	return &diskProbe{path: s.Path}, nil
}

func (p *diskProbe) probe(_ context.Context, _ *deps, o *observation) error {
	var st unix.Statfs_t
	if err := unix.Statfs(p.path, &st); err != nil {
		return fmt.Errorf("statfs: %w", err)
	}
	// As df computes it: used over what non-root users can have.
	used := float64(st.Blocks - st.Bfree)
	if total := used + float64(st.Bavail); total > 0 {
		o.vars["used_percent"] = 100 * used / total
	} else {
		o.vars["used_percent"] = 0.0
	}
	if st.Files > 0 {
		o.vars["inodes_percent"] = 100 * float64(st.Files-st.Ffree) / float64(st.Files)
	} else {
		o.vars["inodes_percent"] = 0.0
	}
	return nil
}

// DefaultCPUWindow is how long a host check measures CPU use.
const DefaultCPUWindow = time.Second

type hostProbe struct {
	proc   string
	window time.Duration

	mu      sync.Mutex
	lastOOM int64
	seenOOM bool
}

func newHostProbe(s HostSpec, timeout time.Duration) (*hostProbe, error) {
	p := &hostProbe{proc: s.Proc, window: s.CPUWindow}
	if p.proc == "" {
		p.proc = "/proc"
	}
	if p.window == 0 {
		p.window = DefaultCPUWindow
	}
	if p.window < 0 || p.window >= timeout {
		return nil, fieldErr("host.cpu_window", "%s: want a positive duration shorter than the timeout (%s)", p.window, timeout)
	}
	return p, nil
}

func (p *hostProbe) probe(ctx context.Context, _ *deps, o *observation) error {
	idle0, total0, err := cpuTimes(p.proc)
	if err != nil {
		return err
	}
	t := time.NewTimer(p.window)
	select {
	case <-ctx.Done():
		t.Stop()
		return ctx.Err()
	case <-t.C:
	}
	idle1, total1, err := cpuTimes(p.proc)
	if err != nil {
		return err
	}
	cpu := 0.0
	if dt := total1 - total0; dt > 0 {
		cpu = 100 * float64(dt-(idle1-idle0)) / float64(dt)
	}
	o.vars["cpu_percent"] = cpu
	mem, err := memoryPercent(p.proc)
	if err != nil {
		return err
	}
	o.vars["memory_percent"] = mem
	kills, err := procField(filepath.Join(p.proc, "vmstat"), "oom_kill", " ")
	if err != nil {
		return err
	}
	// OOM kills since the last run; the first run sets the baseline.
	p.mu.Lock()
	since := int64(0)
	if p.seenOOM && kills >= p.lastOOM {
		since = kills - p.lastOOM
	}
	p.lastOOM, p.seenOOM = kills, true
	p.mu.Unlock()
	o.vars["oom_kills"] = int(since)
	return nil
}

// cpuTimes reads the aggregate cpu line of /proc/stat: idle (idle and
// iowait) and total jiffies.
func cpuTimes(proc string) (idle, total uint64, err error) {
	b, err := os.ReadFile(filepath.Join(proc, "stat"))
	if err != nil {
		return 0, 0, err
	}
	line, _, _ := bytes.Cut(b, []byte("\n"))
	f := strings.Fields(string(line))
	if len(f) < 5 || f[0] != "cpu" {
		return 0, 0, fmt.Errorf("%s/stat: no cpu line", proc)
	}
	for i, s := range f[1:] {
		v, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			return 0, 0, fmt.Errorf("%s/stat: %q is not a number", proc, s)
		}
		// guest and guest_nice (9, 10) are already counted in user and nice.
		if i >= 8 {
			break
		}
		total += v
		if i == 3 || i == 4 {
			idle += v
		}
	}
	return idle, total, nil
}

// memoryPercent is the share of memory in use: 1 - MemAvailable/MemTotal.
func memoryPercent(proc string) (float64, error) {
	path := filepath.Join(proc, "meminfo")
	total, err := procField(path, "MemTotal", ":")
	if err != nil {
		return 0, err
	}
	avail, err := procField(path, "MemAvailable", ":")
	if err != nil {
		return 0, err
	}
	if total <= 0 {
		return 0, fmt.Errorf("%s: MemTotal is %d", path, total)
	}
	return 100 * float64(total-avail) / float64(total), nil
}

// procField reads the number after "name"+sep in a /proc key-value file.
func procField(path, name, sep string) (int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), sep)
		if !ok || strings.TrimSpace(k) != name {
			continue
		}
		fields := strings.Fields(v)
		if len(fields) == 0 {
			break
		}
		n, err := strconv.ParseInt(fields[0], 10, 64)
		if err != nil {
			return 0, fmt.Errorf("%s: %s: %q is not a number", path, name, fields[0])
		}
		return n, nil
	}
	return 0, fmt.Errorf("%s: no %s", path, name)
}
