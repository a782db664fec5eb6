package sandbox

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// probeTimeout bounds the probe child: it only restricts itself and writes
// two files.
const probeTimeout = 10 * time.Second

// Probe checks, in a child started from exe (quench's own executable, or
// a test binary whose TestMain calls RunIfChild), that the sandbox works
// here: the child confines itself, can write its temporary directory and
// cannot write beside it. It returns the name of the wall read-only steps
// get, such as "Landlock ABI 7", or why there is none. The calling process
// is never restricted.
func Probe(ctx context.Context, exe string) (string, error) {
	if abi := ABI(); abi < MinABI {
		if abi == 0 {
			return "", fmt.Errorf("the kernel offers no Landlock (not built in, not enabled at boot with lsm=…,landlock, or blocked by the container)")
		}
		return "", fmt.Errorf("the kernel offers Landlock ABI %d, and at least %d is needed (ABI 3 is the first that denies truncation)", abi, MinABI)
	}
	dir, err := os.MkdirTemp("", "quench-sandbox-probe-")
	if err != nil {
		return "", fmt.Errorf("sandbox probe: %w", err)
	}
	defer os.RemoveAll(dir)
	if err := os.Mkdir(filepath.Join(dir, "tmp"), 0o700); err != nil {
		return "", fmt.Errorf("sandbox probe: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, exe, Command, "--probe", dir)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.Env = []string{}
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("sandbox probe (%s %s --probe) failed: %v: %s", exe, Command, err, strings.TrimSpace(stderr.String()))
	}
	abi, err := strconv.Atoi(strings.TrimSpace(stdout.String()))
	if err != nil {
		return "", fmt.Errorf("sandbox probe: unexpected answer %q", stdout.String())
	}
	return fmt.Sprintf("Landlock ABI %d", abi), nil
}
