package runner

import (
	"os"
	"testing"

	"github.com/quench-sh/quench/sandbox"
	"github.com/quench-sh/quench/shell"
)

// TestMain lets this test binary stand in for quench as the sandbox child
// (`runner.test sandbox-exec …`), so read-only steps run confined here
// exactly as under quench serve.
func TestMain(m *testing.M) {
	sandbox.RunIfChild()
	os.Exit(m.Run())
}

// testSandbox returns the sandbox read-only local steps run in, as quench
// serve sets it up (a launcher, started with the first step) with this
// test binary as the child, or nil and why not (no usable Landlock).
func testSandbox(t testing.TB) (*shell.Sandbox, string) {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	l, err := sandbox.NewLauncher(exe)
	if err != nil {
		return nil, err.Error()
	}
	t.Cleanup(func() { l.Close() })
	return &shell.Sandbox{Launcher: l, Name: l.Name()}, ""
}
