package inmem_test

import (
	"context"
	"testing"
	"time"

	"github.com/quench-sh/quench"
	"github.com/quench-sh/quench/inmem"
)

func TestEventServiceDeliversInOrder(t *testing.T) {
	svc := inmem.NewEventService(8)
	ctx := context.Background()
	a, _ := svc.Subscribe(ctx)
	b, _ := svc.Subscribe(ctx)
	defer a.Close()
	defer b.Close()
	if err := svc.Publish(ctx, ev(1, quench.IncidentOpened), ev(1, quench.IncidentAcknowledged)); err != nil {
		t.Fatal(err)
	}
	for _, sub := range []quench.Subscription{a, b} {
		for _, want := range []quench.IncidentEventKind{quench.IncidentOpened, quench.IncidentAcknowledged} {
			got := <-sub.Events()
			if got.Kind != want || got.IncidentID != 1 {
				t.Fatalf("got %+v, want kind %s of incident 1", got, want)
			}
		}
	}
}

func TestEventServiceSlowSubscriberLagsWithoutBlocking(t *testing.T) {
	svc := inmem.NewEventService(2)
	ctx := context.Background()
	slow, _ := svc.Subscribe(ctx)
	defer slow.Close()
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range 100 {
			_ = svc.Publish(ctx, ev(int64(i+1), quench.IncidentOpened))
		}
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Publish blocked on a subscriber that reads nothing")
	}
	select {
	case <-slow.Lagged():
	default:
		t.Fatal("a subscriber that lost events was not told on Lagged")
	}
	// The buffer holds the first events, in order; the rest were dropped.
	for _, want := range []int64{1, 2} {
		if got := <-slow.Events(); got.IncidentID != want {
			t.Fatalf("got incident %d, want %d", got.IncidentID, want)
		}
	}
}

func TestEventServiceSubscriptionEndsWithContext(t *testing.T) {
	svc := inmem.NewEventService(0)
	ctx, cancel := context.WithCancel(context.Background())
	sub, _ := svc.Subscribe(ctx)
	cancel()
	select {
	case _, ok := <-sub.Events():
		if ok {
			t.Fatal("got an event, want the channel closed")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Events not closed after the context ended")
	}
	if n := svc.Subscribers(); n != 0 {
		t.Fatalf("Subscribers() = %d after the context ended, want 0", n)
	}
	sub.Close() // a second close is harmless
	if err := svc.Publish(context.Background(), ev(1, quench.IncidentOpened)); err != nil {
		t.Fatal(err)
	}
}

func ev(id int64, kind quench.IncidentEventKind) quench.IncidentEvent {
	return quench.IncidentEvent{Kind: kind, IncidentID: id, Status: quench.StatusTriggered, Severity: quench.SeverityCritical, At: time.Unix(0, 0)}
}

func TestEventServiceLagTellsEverySubscriber(t *testing.T) {
	svc := inmem.NewEventService(2)
	ctx := context.Background()
	a, _ := svc.Subscribe(ctx)
	b, _ := svc.Subscribe(ctx)
	defer a.Close()
	defer b.Close()
	svc.Lag()
	svc.Lag() // told once is enough: the second does not block
	for _, sub := range []quench.Subscription{a, b} {
		select {
		case <-sub.Lagged():
		default:
			t.Fatal("a subscription was not told it lagged")
		}
	}
}
