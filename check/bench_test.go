package check

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/expr-lang/expr/vm"
)

// BenchmarkHTTPCheck is one HTTP check run against a local target, as the
// scheduler runs it (the target's own cost is in the figure too).
func BenchmarkHTTPCheck(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok")) }))
	defer srv.Close()
	e := &Engine{}
	e.init()
	cs, err := CompileAll([]Spec{{Name: "api", HTTP: &HTTPSpec{URL: srv.URL + "/healthz"}}}, CompileOptions{})
	if err != nil {
		b.Fatal(err)
	}
	e.SetChecks(context.Background(), cs)
	en := e.entries["api"]
	machine := new(vm.VM)
	b.ReportAllocs()
	for b.Loop() {
		e.runOne(context.Background(), machine, en)
	}
}
