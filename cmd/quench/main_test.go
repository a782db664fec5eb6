package main

import (
	"os"
	"testing"

	"github.com/quench-sh/quench/sandbox"
)

// TestMain lets this test binary stand in for quench as the sandbox child:
// a ServeCommand opened by a test re-runs os.Executable() (this binary)
// as `sandbox-exec …` for every read-only step, as quench serve does.
func TestMain(m *testing.M) {
	sandbox.RunIfChild()
	os.Exit(m.Run())
}
