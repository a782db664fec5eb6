package runner

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/quench-sh/quench"
)

func TestSubscribeStreamsOutputWhileTheStepRuns(t *testing.T) {
	e := newEnv(t, testPack{
		remediation: []block{{`{"name": "ticks"}`, "for i in 1 2 3; do echo tick$i; sleep 0.1; done"}},
	}, func(r *Runner) { r.AutoDiagnosis = false })
	id := e.open(nil)
	ch, cancel := e.r.Subscribe(context.Background(), id)
	defer cancel()
	other, cancelOther := e.r.Subscribe(context.Background(), id+1)
	defer cancelOther()

	result := make(chan *quench.StepRun, 1)
	go func() {
		run, err := e.run(quench.StepRunRequest{IncidentID: id, StepName: "ticks"})
		if err != nil {
			t.Error(err)
		}
		result <- run
	}()
	var data strings.Builder
	var chunks int
	var done *quench.StepRun
	for done == nil {
		select {
		case out := <-ch:
			if out.IncidentID != id || out.Step != "ticks" {
				t.Fatalf("chunk for %d/%s", out.IncidentID, out.Step)
			}
			if out.Done {
				done = out.Run
				continue
			}
			chunks++
			data.WriteString(out.Data)
			if chunks == 1 {
				// The first line arrives while the step still runs.
				states, _ := e.r.IncidentSteps(context.Background(), id)
				if states[0].Status != quench.StepRunning {
					t.Errorf("status while streaming: %s", states[0].Status)
				}
			}
		case <-time.After(30 * time.Second):
			t.Fatal("no Done chunk")
		}
	}
	run := <-result
	if chunks < 2 || data.String() != "tick1\ntick2\ntick3\n" || done.Output != data.String() || run.Output != done.Output {
		t.Errorf("%d chunks %q, done %+v", chunks, data.String(), done)
	}
	if got := drain(other); len(got) != 0 {
		t.Errorf("another incident's subscriber got %v", got)
	}
	cancel()
	if _, ok := <-ch; ok {
		t.Error("channel open after cancel")
	}
}

func TestSlowSubscriberNeverBlocksTheStep(t *testing.T) {
	e := newEnv(t, testPack{
		remediation: []block{{`{"name": "flood"}`, "for i in $(seq 1 3000); do echo line $i; done"}},
	}, func(r *Runner) { r.AutoDiagnosis = false })
	id := e.open(nil)
	ch, cancel := e.r.Subscribe(context.Background(), id) // never read until the end
	defer cancel()
	run, err := e.run(quench.StepRunRequest{IncidentID: id, StepName: "flood"})
	if err != nil || !strings.HasSuffix(run.Output, "line 3000\n") {
		t.Fatalf("run: %v, output tail %q", err, run.Output[max(0, len(run.Output)-20):])
	}
	got := drain(ch)
	if len(got) == 0 || len(got) > SubscriberBuffer {
		t.Fatalf("%d chunks buffered, want 1..%d", len(got), SubscriberBuffer)
	}
	last := got[len(got)-1]
	if !last.Done || last.Run.Output != run.Output {
		t.Errorf("last chunk %+v, want Done with the whole output", last)
	}
}

func TestSubscribeEndsWithItsContext(t *testing.T) {
	e := newEnv(t, testPack{})
	ctx, cancel := context.WithCancel(context.Background())
	ch, unsubscribe := e.r.Subscribe(ctx, 1)
	defer unsubscribe()
	cancel()
	select {
	case _, ok := <-ch:
		if ok {
			t.Error("got a chunk, want the channel closed")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("channel not closed when the context ended")
	}
	unsubscribe() // twice is fine
	e.r.live.mu.Lock()
	kept := len(e.r.live.subs[1])
	e.r.live.mu.Unlock()
	if kept > 0 {
		t.Error("subscription kept after its context ended")
	}
}

func TestBrokerMarksDroppedOutput(t *testing.T) {
	r := &Runner{}
	ch, cancel := r.Subscribe(context.Background(), 7)
	defer cancel()
	for range SubscriberBuffer + 5 {
		r.live.publish(quench.StepOutput{IncidentID: 7, Step: "s", Data: "abc"})
	}
	<-ch // room for one more
	r.live.publish(quench.StepOutput{IncidentID: 7, Step: "s", Data: "next"})
	got := drain(ch)
	last := got[len(got)-1]
	if last.Data != "[… 15 bytes not shown: reader too slow …]\nnext" {
		t.Errorf("chunk after a drop = %q", last.Data)
	}
	r.live.publish(quench.StepOutput{IncidentID: 7, Step: "s", Data: "after"})
	if got := drain(ch); len(got) != 1 || got[0].Data != "after" {
		t.Errorf("after the marker: %+v", got)
	}
}

func TestLateSubscriberGetsTheOutputSoFar(t *testing.T) {
	gate := t.TempDir() + "/go"
	e := newEnv(t, testPack{
		remediation: []block{{`{"name": "halves"}`, "echo first; echo half; while [ ! -e " + gate + " ]; do sleep 0.01; done; echo second"}},
	}, func(r *Runner) { r.AutoDiagnosis = false })
	id := e.open(nil)
	early, cancelEarly := e.r.Subscribe(context.Background(), id)
	defer cancelEarly()
	result := make(chan error, 1)
	go func() {
		_, err := e.run(quench.StepRunRequest{IncidentID: id, StepName: "halves"})
		result <- err
	}()

	var seen strings.Builder
	for !strings.Contains(seen.String(), "half\n") {
		select {
		case out := <-early:
			seen.WriteString(out.Data)
		case <-time.After(30 * time.Second):
			t.Fatalf("no first output; got %q", seen.String())
		}
	}
	late, cancelLate := e.r.Subscribe(context.Background(), id)
	defer cancelLate()
	select {
	case out := <-late:
		if out.Step != "halves" || out.Done || out.Data != "first\nhalf\n" {
			t.Fatalf("late subscriber's first chunk %+v, want the output so far", out)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("late subscriber got no replay")
	}
	if err := os.WriteFile(gate, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := <-result; err != nil {
		t.Fatal(err)
	}
	var rest []quench.StepOutput
	for out := range late {
		rest = append(rest, out)
		if out.Done {
			break
		}
	}
	if len(rest) != 2 || rest[0].Data != "second\n" || !rest[1].Done {
		t.Errorf("after the replay: %+v, want the live line then Done", rest)
	}
	if e.r.live.running[id] != nil {
		t.Error("finished step still kept for replay")
	}
}

func TestReplayKeepsTheStartAndCountsTheRest(t *testing.T) {
	r := &Runner{}
	b := &r.live
	w := &liveWriter{b: b, incidentID: 3, step: "big"}
	b.start(w)
	chunk := strings.Repeat("x", 1000)
	for range ReplayLimit/1000 + 3 {
		w.Write([]byte(chunk))
	}
	ch, cancel := r.Subscribe(context.Background(), 3)
	defer cancel()
	out := <-ch
	want := ReplayLimit / 1000 * 1000
	if !strings.HasPrefix(out.Data, strings.Repeat("x", want)+"[… 3000 bytes not shown") {
		t.Errorf("replay of %d bytes: %q…", len(out.Data), out.Data[max(0, len(out.Data)-80):])
	}
	b.finish(w)
	if len(b.running) != 0 || w.seen != nil {
		t.Error("finish kept the writer")
	}
}
