package runner

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/quench-sh/quench"
)

func randomMarker() string {
	b := make([]byte, 8)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// TestPoolNeverExceedsWorkers opens many incidents at once and runs
// confirmed manual steps beside them, and counts running steps two ways:
// the runner's own gauge, and from outside, the process groups carrying a
// marker in their environment (every step) and the marker files the
// manual steps create and remove.
func TestPoolNeverExceedsWorkers(t *testing.T) {
	const workers = 3
	marker := "POOL_MARK=" + randomMarker()
	e := newEnv(t, testPack{
		first:       []firstStep{{name: "a", command: "sleep 0.05"}},
		diagnosis:   []block{{`{"name": "b"}`, "sleep 0.05"}},
		remediation: []block{{`{"name": "m", "confirm": true}`, `f=$(mktemp -p "$MARK_DIR"); sleep 0.05; rm -f "$f"`}},
	}, func(r *Runner) {
		r.Workers = workers
		r.Env["POOL_MARK"] = strings.TrimPrefix(marker, "POOL_MARK=")
	})
	procs := startProcSampler(marker)
	var files atomic.Int64
	stopFiles := make(chan struct{})
	var fileWG sync.WaitGroup
	fileWG.Add(1)
	go func() {
		defer fileWG.Done()
		for {
			select {
			case <-stopFiles:
				return
			default:
			}
			if ents, err := os.ReadDir(e.markDir); err == nil && int64(len(ents)) > files.Load() {
				files.Store(int64(len(ents)))
			}
			time.Sleep(time.Millisecond)
		}
	}()

	const incidents = 30
	ids := e.openMany(incidents, quench.SeverityHigh, nil)
	var wg sync.WaitGroup
	for i := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := e.run(quench.StepRunRequest{IncidentID: ids[i], StepName: "m", Confirm: true}); err != nil {
				t.Errorf("manual run: %v", err)
			}
		}()
	}
	e.waitDiagnosed(incidents)
	wg.Wait()
	maxProcs := procs.Stop()
	close(stopFiles)
	fileWG.Wait()

	st := e.r.Stats()
	t.Logf("workers %d: peak gauge %d, peak process groups seen %d, peak marker files %d, steps %d",
		workers, st.MaxRunning, maxProcs, files.Load(), st.StepsRun)
	if st.MaxRunning > workers || maxProcs > workers || files.Load() > workers {
		t.Errorf("more than %d steps at once: gauge %d, process groups %d, marker files %d", workers, st.MaxRunning, maxProcs, files.Load())
	}
	if st.MaxRunning < 2 || maxProcs < 2 {
		t.Errorf("steps did not run in parallel (gauge %d, groups %d): the pool is not working", st.MaxRunning, maxProcs)
	}
	if st.StepsRun != 2*incidents+6 {
		t.Errorf("%d steps ran, want %d", st.StepsRun, 2*incidents+6)
	}
	// Steps of one incident ran in order.
	for _, id := range ids {
		var order []string
		for _, ev := range e.stepEvents(id) {
			if ev.Section != quench.SectionRemediation {
				order = append(order, ev.Kind+":"+ev.Step)
			}
		}
		if strings.Join(order, " ") != "step_started:a step_finished:a step_started:b step_finished:b" {
			t.Errorf("incident %d: %v", id, order)
		}
	}
}

// TestManualRunSkipsTheDiagnosisBacklog: a person's run takes the next
// free process slot, ahead of every queued diagnosis.
func TestManualRunSkipsTheDiagnosisBacklog(t *testing.T) {
	e := newEnv(t, testPack{
		first:       []firstStep{{name: "slow", command: "sleep 0.1"}},
		remediation: []block{{`{"name": "now"}`, "echo now"}},
	}, func(r *Runner) { r.Workers = 1 })
	ids := e.openMany(20, quench.SeverityCritical, nil)
	e.waitFor("the backlog to start", func() bool { return e.r.Stats().Running == 1 })
	run, err := e.run(quench.StepRunRequest{IncidentID: ids[0], StepName: "now"})
	if err != nil || run.Output != "now\n" {
		t.Fatalf("manual run: %+v, %v", run, err)
	}
	if d := e.r.Stats().Diagnosed; d > 3 {
		t.Errorf("the manual run waited for %d diagnoses, want at most the one running (and one more at worst)", d)
	}
	if q := e.r.Stats().Queued; q == 0 {
		t.Errorf("diagnosis queue already empty: the test proves nothing")
	}
}

func TestIncidentStepsShowsQueuedAndRunning(t *testing.T) {
	e := newEnv(t, testPack{
		first:     []firstStep{{name: "block", command: "sleep 30"}},
		diagnosis: []block{{`{"name": "next"}`, "echo next"}},
	}, func(r *Runner) { r.Workers = 1 })
	ids := e.openMany(2, quench.SeverityCritical, nil)
	e.waitFor("the first step to run", func() bool { return e.r.Stats().Running == 1 })
	status := func(id int64) map[string]string {
		states, err := e.r.IncidentSteps(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]string{}
		for _, s := range states {
			m[s.Step.Name] = s.Status
		}
		return m
	}
	if got := status(ids[0]); got["block"] != quench.StepRunning || got["next"] != quench.StepQueued {
		t.Errorf("first incident: %v, want block running and next queued", got)
	}
	if got := status(ids[1]); got["block"] != quench.StepQueued || got["next"] != quench.StepQueued {
		t.Errorf("second incident: %v, want both queued", got)
	}
	e.r.Close()
	if got := status(ids[0]); got["block"] != quench.StepFailed || got["next"] != quench.StepPending {
		t.Errorf("after close: %v, want block failed (killed) and next pending", got)
	}
}

func TestCloseCancelsRunningSteps(t *testing.T) {
	e := newEnv(t, testPack{first: []firstStep{{name: "hang", command: "echo $$; sleep 30"}}})
	id := e.open(nil)
	var pid int
	e.waitFor("the step to start", func() bool { return e.r.Stats().Running == 1 })
	ch, cancel := e.r.Subscribe(context.Background(), id)
	defer cancel()
	// The pid may have been printed before we subscribed: read it from
	// /proc instead, as the process whose environment names the step.
	e.waitFor("the step's process", func() bool {
		pid = findProc("QUENCH_STEP=hang")
		return pid != 0
	})
	if err := e.r.Close(); err != nil {
		t.Fatal(err)
	}
	if alive(pid) {
		t.Errorf("process %d survived Close", pid)
	}
	ev := e.finished(id, "hang")
	if !ev.Canceled || *ev.ExitCode != -1 || !strings.Contains(ev.Text, "shutting down") {
		t.Errorf("finished event: %s (%s), want canceled", ev.Raw, ev.Text)
	}
	var done bool
	for _, out := range drain(ch) {
		done = done || out.Done
	}
	if !done {
		t.Error("subscriber did not get the Done chunk of the cancelled step")
	}
	if _, err := e.run(quench.StepRunRequest{IncidentID: id, StepName: "hang"}); quench.ErrorCode(err) != quench.EUNAVAILABLE {
		t.Errorf("RunStep after Close: %v", err)
	}
	e.open(nil) // An incident opened after Close queues nothing, and does not panic
	if q := e.r.Stats().Queued; q != 0 {
		t.Errorf("queued after close: %d", q)
	}
}

// findProc returns the pid of a process of ours whose environment holds
// entry, or 0.
func findProc(entry string) int {
	ents, _ := os.ReadDir("/proc")
	for _, en := range ents {
		pid, err := strconv.Atoi(en.Name())
		if err != nil || pid == os.Getpid() {
			continue
		}
		b, err := os.ReadFile("/proc/" + en.Name() + "/environ")
		env := "\x00" + string(b)
		if err == nil && strings.Contains(env, "\x00"+entry+"\x00") && alive(pid) {
			return pid
		}
	}
	return 0
}

// drain returns what is buffered in ch without waiting.
func drain(ch <-chan quench.StepOutput) []quench.StepOutput {
	var out []quench.StepOutput
	for {
		select {
		case o, ok := <-ch:
			if !ok {
				return out
			}
			out = append(out, o)
		default:
			return out
		}
	}
}

func TestCloseReleasesARunWaitingForASlot(t *testing.T) {
	e := newEnv(t, testPack{
		first:       []firstStep{{name: "hang", command: "sleep 30"}},
		remediation: []block{{`{"name": "fix", "confirm": true}`, `touch "$MARK_DIR/fixed"`}},
	}, func(r *Runner) { r.Workers = 1 })
	id := e.open(nil)
	e.waitFor("the only slot to be taken", func() bool { return e.r.Stats().Running == 1 })
	errc := make(chan error, 1)
	go func() {
		_, err := e.run(quench.StepRunRequest{IncidentID: id, StepName: "fix", Confirm: true})
		errc <- err
	}()
	e.waitFor("the manual run to wait", func() bool {
		states, _ := e.r.IncidentSteps(context.Background(), id)
		return len(states) == 2 && states[1].Status == quench.StepQueued
	})
	e.r.Close()
	if err := <-errc; quench.ErrorCode(err) != quench.EUNAVAILABLE {
		t.Errorf("waiting run after Close: %v, want EUNAVAILABLE", err)
	}
	if e.marked("fixed") {
		t.Error("the waiting step ran after Close")
	}
}
