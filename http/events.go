package http

import (
	"context"
	"net/http"
	"time"

	"github.com/quench-sh/quench"
)

// Server-sent event names of incident events.
const (
	eventIncident = "incident" // data: a quench.IncidentEvent
	eventLagged   = "lagged"   // events were lost: reload what you show
)

// laggedData is the data of a lagged event.
type laggedData struct {
	Reload bool `json:"reload"`
}

// errNoEvents answers /api/v1/events on a server built without events.
var errNoEvents = quench.Errorf(quench.EUNAVAILABLE, "incident events not configured")

// handleEvents sends every incident event (opened, acknowledged,
// resolved, severity raised, notes, steps) as server-sent events named
// "incident", for dashboards and the web UI. A client too slow to keep up
// gets a "lagged" event and should reload what it shows from the API;
// quench never waits for it.
func (s *Server) handleEvents(w http.ResponseWriter, r *http.Request) {
	if s.Events == nil {
		s.writeError(w, r, errNoEvents)
		return
	}
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	sub, err := s.Events.Subscribe(ctx)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	defer sub.Close()
	s.stream(ctx, w, 0, nil, sub)
}

// stream writes step output (out, may be nil) and incident events (sub,
// may be nil; only incident id's when id is not 0) as server-sent events
// until ctx ends, the server closes, the client goes away or both sources
// end, with a heartbeat while nothing happens.
func (s *Server) stream(ctx context.Context, w http.ResponseWriter, id int64, out <-chan quench.StepOutput, sub quench.Subscription) {
	sse := newSSEStream(w)
	if !sse.start() {
		return
	}
	var events <-chan quench.IncidentEvent
	var lagged <-chan struct{}
	if sub != nil {
		events, lagged = sub.Events(), sub.Lagged()
	}
	t := time.NewTicker(s.heartbeat())
	defer t.Stop()
	for out != nil || events != nil {
		select {
		case <-ctx.Done():
			return
		case <-s.stopping():
			return
		case <-t.C:
			if !sse.heartbeat() {
				return
			}
		case o, ok := <-out:
			if !ok {
				out = nil
				continue
			}
			name := eventOutput
			if o.Done {
				name = eventDone
			}
			if !sse.event(name, o) {
				return
			}
		case ev, ok := <-events:
			if !ok {
				events = nil
				continue
			}
			if id != 0 && ev.IncidentID != id {
				continue
			}
			if !sse.event(eventIncident, ev) {
				return
			}
		case <-lagged:
			if !sse.event(eventLagged, laggedData{Reload: true}) {
				return
			}
		}
	}
}
