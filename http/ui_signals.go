package http

import (
	"cmp"
	"net/http"
	"slices"
	"time"

	"github.com/quench-sh/quench"
)

// signalsPage is the data of the page of what quench watches itself: its
// built-in checks and its heartbeats.
type signalsPage struct {
	page
	At                  time.Time
	HasChecks, HasBeats bool
	Checks              []*quench.CheckState
	Failing             int // checks whose last run failed
	Heartbeats          []*quench.Heartbeat
}

// signalsServed reports whether the server watches anything itself, so the
// page and its nav entry exist only then.
func (s *Server) signalsServed() bool { return s.Checks != nil || s.Heartbeats != nil }

// handleSignalsPage shows each check's and heartbeat's state, as GET
// /api/v1/checks and /api/v1/heartbeats do; ping URLs only to responders
// and better, since they are credentials.
func (s *Server) handleSignalsPage(w http.ResponseWriter, r *http.Request) {
	if !s.signalsServed() {
		s.uiError(w, r, quench.Errorf(quench.ENOTFOUND, "this server runs no checks or heartbeats: configure them in the config's checks and heartbeats sections"))
		return
	}
	p := signalsPage{page: s.newPage(r, "Checks and heartbeats", "signals"), At: s.now().UTC(),
		HasChecks: s.Checks != nil, HasBeats: s.Heartbeats != nil}
	if p.HasChecks {
		checks, err := s.Checks.Checks(r.Context())
		if err != nil {
			s.uiError(w, r, err)
			return
		}
		// Failing first, so the one that woke someone is at the top.
		slices.SortStableFunc(checks, func(a, b *quench.CheckState) int {
			return cmp.Compare(checkRank(a), checkRank(b))
		})
		for _, c := range checks {
			if c.Status == quench.CheckFailing {
				p.Failing++
			}
		}
		p.Checks = checks
	}
	if p.HasBeats {
		hbs, err := s.Heartbeats.Heartbeats(r.Context(), s.publicURL(r))
		if err != nil {
			s.uiError(w, r, err)
			return
		}
		if !p.CanRespond() {
			hidePingURLs(hbs)
		}
		p.Heartbeats = hbs
	}
	s.render(w, r, http.StatusOK, "signals", "", p)
}

// checkRank orders checks for the page: firing, then failing, then the rest.
func checkRank(c *quench.CheckState) int {
	switch {
	case c.Firing:
		return 0
	case c.Status == quench.CheckFailing:
		return 1
	}
	return 2
}
