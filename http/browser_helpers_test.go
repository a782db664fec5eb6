package http

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/quench-sh/quench"
	"github.com/quench-sh/quench/ingest"
	"github.com/quench-sh/quench/markdown"
	"github.com/quench-sh/quench/route"
	"github.com/quench-sh/quench/runner"
	"github.com/quench-sh/quench/shell"
)

// chromiumPath returns Debian's chromium, or skips the test saying what is
// missing (a failure under QUENCH_REQUIRE_INTEGRATION=1).
func chromiumPath(t testing.TB) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	msg := "browser test skipped: chromium is not installed (apt-get install chromium)"
	if os.Getenv("QUENCH_REQUIRE_INTEGRATION") == "1" {
		t.Fatal(msg + " (QUENCH_REQUIRE_INTEGRATION=1)")
	}
	t.Skip(msg)
	return ""
}

// browserEnv is a real server (SQLite, a real runner running the test
// runbook's local commands, the in-memory event bus the store publishes on) and a headless
// chromium driven over the DevTools protocol. Commands only touch files in
// the test's own directories; nothing leaves loopback.
type browserEnv struct {
	*testEnv
	gate    string // the watch step waits for files here
	markers string // mutating steps leave files here
	browser context.Context
}

// newBrowserEnv starts the server and the browser.
func newBrowserEnv(t *testing.T) *browserEnv {
	t.Helper()
	exe := chromiumPath(t)
	be := &browserEnv{gate: t.TempDir(), markers: t.TempDir()}
	src, err := os.ReadFile(filepath.Join("testdata", "web", "disk-full.md"))
	if err != nil {
		t.Fatal(err)
	}
	rb, problems := markdown.ParseRunbook("disk-full.md", src)
	if len(problems) > 0 {
		t.Fatalf("test runbook: %v", problems)
	}
	be.testEnv = newEnv(t, "sqlite", func(s *Server) {
		rbs := append(testRunbooks(), rb)
		s.Runbooks = runbookPack(rbs)
		router, err := route.New(rbs)
		if err != nil {
			t.Fatal(err)
		}
		s.Alerts = &ingest.AlertService{Store: s.Incidents.(quench.AlertStore), Router: router}
		s.Heartbeat = time.Second
		// The runner diagnoses every incident that opens, as serve wires it:
		// the store publishes the event, the runner hears it.
		r := &runner.Runner{
			Incidents: s.Incidents, StepLog: s.Incidents.(quench.StepLog), Audit: s.Audit, ChangeControl: s.ChangeControl,
			Deploys: s.Deploys, Runbooks: s.Runbooks, Events: s.Events,
			FirstSteps: []quench.Step{{Name: "hello", Section: "First steps", Index: 1, Lang: "sh",
				Title: "Say hello", Command: `echo "hello from incident $QUENCH_INCIDENT_ID"`, Class: quench.ReadOnly}},
			Targets:       map[string]shell.Runner{runner.LocalTarget: shell.Local{}},
			Env:           map[string]string{"GATE_DIR": be.gate, "MARKER_DIR": be.markers},
			Timeout:       20 * time.Second,
			AutoDiagnosis: true,
			Logger:        s.logger(),
		}
		if err := r.Open(context.Background()); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { r.Close() })
		s.Steps = r
	})

	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(exe),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true), // the tests run as root
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	)
	browser, cancelBrowser := chromedp.NewContext(alloc)
	t.Cleanup(func() {
		cancelBrowser()
		cancelAlloc()
	})
	if err := chromedp.Do(browser); err != nil { // starts chromium
		t.Fatalf("start chromium: %v", err)
	}
	be.browser = browser
	return be
}

// canary runs in every page before the page's own scripts: it records
// Content-Security-Policy violations, and window.__pwned is what a hostile
// label would set if it ever ran.
const canary = `window.__csp = [];
document.addEventListener("securitypolicyviolation", function (e) { window.__csp.push(e.violatedDirective + " " + e.blockedURI); });`

// tab opens a tab in a browser context of its own (its own cookies: one
// person) with the canary installed.
func (be *browserEnv) tab(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := chromedp.NewContext(be.browser, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	// The first action on a tab creates it and must not run under a
	// timeout: the tab lives as long as that call's context.
	err := chromedp.Do(ctx, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, cdppage.AddScriptToEvaluateOnNewDocument, cdppage.AddScriptToEvaluateOnNewDocumentParams{Source: canary})
		return err
	}))
	if err != nil {
		t.Fatalf("open a tab: %v", err)
	}
	return ctx
}

// do runs actions with a time limit, failing the test with what was
// being done.
func (be *browserEnv) do(t *testing.T, ctx context.Context, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	tctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(tctx, actions...); err != nil {
		var loc string
		lctx, lcancel := context.WithTimeout(ctx, 2*time.Second)
		loc, _ = chromedp.Run(lctx, chromedp.Location())
		lcancel()
		t.Fatalf("browser at %s: %v", loc, err)
	}
}

// eval evaluates a JavaScript expression and returns its value.
func eval[T any](t *testing.T, be *browserEnv, ctx context.Context, expr string) T {
	t.Helper()
	tctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	v, err := chromedp.Run(tctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

// waitJS waits until a JavaScript expression is true.
func (be *browserEnv) waitJS(t *testing.T, ctx context.Context, expr string) {
	t.Helper()
	be.do(t, ctx, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := chromedp.Poll[bool](expr, chromedp.WithPollingInterval(10*time.Millisecond))(ctx, tg)
		return err
	}))
}

// signIn signs the tab in with the role's token through the sign-in page.
func (be *browserEnv) signIn(t *testing.T, ctx context.Context, role quench.TokenRole) {
	t.Helper()
	be.do(t, ctx,
		chromedp.Navigate(be.srv.URL()+"/incidents"),
		chromedp.WaitVisible("#token"),
		chromedp.SendKeys("#token", be.secrets[role]),
		chromedp.Submit("#token"),
		chromedp.WaitVisible("#incident-list"),
	)
}

// checkClean fails when a hostile string ran or the page broke its own
// Content-Security-Policy.
func (be *browserEnv) checkClean(t *testing.T, ctx context.Context) {
	t.Helper()
	if v := eval[string](t, be, ctx, `String(window.__pwned)`); v != "undefined" {
		t.Errorf("hostile alert text ran: window.__pwned = %s", v)
	}
	if v := eval[[]string](t, be, ctx, `window.__csp || []`); len(v) > 0 {
		t.Errorf("Content-Security-Policy violations: %q", v)
	}
}

// postAlert sends a generic alert through ingest as the ingest token and
// returns its incident's id.
func (be *browserEnv) postAlert(t testing.TB, alert map[string]any) int64 {
	t.Helper()
	got := be.post("/ingest/generic", quench.RoleIngest, mustJSON(t, alert))
	if got.status != http.StatusOK {
		t.Fatalf("ingest: %s", got)
	}
	var out struct {
		Incidents []int64 `json:"incidents"`
	}
	if err := json.Unmarshal(got.body, &out); err != nil || len(out.Incidents) != 1 {
		t.Fatalf("ingest answer %s: %v", got, err)
	}
	return out.Incidents[0]
}

// touch creates a file in a directory (a gate the watch step waits for).
func touch(t testing.TB, dir, name string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), nil, 0o600); err != nil {
		t.Fatal(err)
	}
}

func exists(dir, name string) bool {
	_, err := os.Stat(filepath.Join(dir, name))
	return err == nil
}

// screenshot saves the page at a width and colour scheme when
// QUENCH_SCREENSHOTS names a directory (the README's images are made so:
// QUENCH_SCREENSHOTS=../docs/screenshots go test ./http -run TestBrowser).
func (be *browserEnv) screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	dir := os.Getenv("QUENCH_SCREENSHOTS")
	if dir == "" {
		return
	}
	loc, _ := chromedp.Run(ctx, chromedp.Location())
	for _, v := range []struct {
		device        string
		width, height int64
		mobile        bool
	}{{"phone", 360, 780, true}, {"desktop", 1280, 900, false}} {
		for _, scheme := range []string{"light", "dark"} {
			var png []byte
			be.do(t, ctx,
				chromedp.EmulateViewport(v.width, v.height, func(p *emulation.SetDeviceMetricsOverrideParams, _ *emulation.SetTouchEmulationEnabledParams) {
					p.Mobile = v.mobile
				}),
				chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
					_, err := cdp.Call(ctx, tg, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
						Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}}})
					return err
				}),
				chromedp.Navigate(loc),
				chromedp.WaitVisible("main"),
				chromedp.Sleep(300*time.Millisecond), // let app.js format times and the live stream open
				chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
					var err error
					png, err = chromedp.FullScreenshot(100)(ctx, tg) // 100: PNG
					return err
				}),
			)
			file := filepath.Join(dir, fmt.Sprintf("%s-%s-%s.png", name, v.device, scheme))
			if err := os.WriteFile(file, png, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	be.do(t, ctx, chromedp.EmulateViewport(1280, 900), chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{})
		return err
	}))
}
