package http

import (
	"net/http"
	"time"

	"github.com/quench-sh/quench"
)

// signalsPage is the data of the page of what quench watches itself: its
// heartbeats (and, once wired in, its built-in checks).
type signalsPage struct {
	page
	At         time.Time
	Heartbeats []*quench.Heartbeat
}

// signalsServed reports whether the server watches anything itself, so the
// page and its nav entry exist only then.
func (s *Server) signalsServed() bool { return s.Heartbeats != nil }

// handleSignalsPage shows each heartbeat's state, as GET
// /api/v1/heartbeats does; ping URLs only to responders and better, since
// they are credentials.
func (s *Server) handleSignalsPage(w http.ResponseWriter, r *http.Request) {
	if !s.signalsServed() {
		s.uiError(w, r, quench.Errorf(quench.ENOTFOUND, "this server runs no heartbeats: configure them in the config's heartbeats section"))
		return
	}
	p := signalsPage{page: s.newPage(r, "Checks and heartbeats", "signals"), At: s.now().UTC()}
	hbs, err := s.Heartbeats.Heartbeats(r.Context(), s.publicURL(r))
	if err != nil {
		s.uiError(w, r, err)
		return
	}
	if !p.CanRespond() {
		for _, h := range hbs {
			h.PingURL = ""
		}
	}
	p.Heartbeats = hbs
	s.render(w, r, http.StatusOK, "signals", "", p)
}
