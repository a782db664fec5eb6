package http

import (
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/quench-sh/quench"
)

// The paging routes. Who is on call, overrides and an incident's
// notifications are readable by viewers; creating or removing an override,
// escalating, paging and test notifications need a responder; the list of
// failed notifications and reloading the on-call file an admin. Three
// routes take no bearer token because the request carries its own
// credential: one-time links (/a/{token}: the signed token), Twilio's
// inbound SMS webhook (X-Twilio-Signature) and the iCalendar feeds
// (?token=, a viewer token, since calendar apps cannot send headers).
func (s *Server) pagingRoutes() []endpoint {
	return []endpoint{
		{"GET /api/v1/oncall", quench.RoleViewer, s.handleOnCall},
		{"GET /api/v1/overrides", quench.RoleViewer, s.handleListOverrides},
		{"POST /api/v1/overrides", quench.RoleResponder, s.handleCreateOverride},
		{"DELETE /api/v1/overrides/{id}", quench.RoleResponder, s.handleDeleteOverride},
		{"GET /api/v1/incidents/{id}/notifications", quench.RoleViewer, s.handleNotifications},
		{"POST /api/v1/incidents/{id}/escalate", quench.RoleResponder, s.handleEscalate},
		{"POST /api/v1/incidents/{id}/escalation/ack", quench.RoleResponder, s.handleEscalationAck},
		{"POST /api/v1/page", quench.RoleResponder, s.handlePage},
		{"POST /api/v1/notify/test", quench.RoleResponder, s.handleNotifyTest},
		{"GET /api/v1/notifications/failed", quench.RoleAdmin, s.handleFailedNotifications},
		{"POST /api/v1/reload", quench.RoleAdmin, s.handleReload},
		{"GET /api/v1/calendar/{kind}/{file}", needNone, s.handleCalendar},
		{"GET /a/{token}", needNone, s.handleLinkPage},
		{"POST /a/{token}", needNone, s.handleLinkFollow},
		{"POST /sms/inbound", needNone, s.handleSMSInbound},
	}
}

// pagingReady answers 503 when paging is not configured, and says so.
func (s *Server) pagingReady(w http.ResponseWriter, r *http.Request) bool {
	if err := s.pagingUnavailable(); err != nil {
		s.writeError(w, r, err)
		return false
	}
	return true
}

// pagingUnavailable says why paging cannot serve, or nil when it can; the
// API and the web UI both ask it.
func (s *Server) pagingUnavailable() error {
	if s.Paging == nil || s.Overrides == nil || s.Notifications == nil {
		return quench.Errorf(quench.EUNAVAILABLE, "paging is not configured on this server (paging.oncall in the config)")
	}
	return nil
}

// queryTime reads an RFC 3339 time parameter, or def when absent.
func queryTime(q url.Values, name string, def time.Time) (time.Time, error) {
	v := q.Get(name)
	if v == "" {
		return def, nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return time.Time{}, quench.Errorf(quench.EINVALID, "%s %q: want an RFC 3339 time like 2026-03-29T09:00:00+02:00", name, quench.CutText(v, 64))
	}
	return t, nil
}

// OnCallView is GET /api/v1/oncall's answer.
type OnCallView struct {
	At     time.Time            `json:"at"`
	OnCall []quench.OnCallEntry `json:"oncall"`
}

func (s *Server) handleOnCall(w http.ResponseWriter, r *http.Request) {
	if !s.pagingReady(w, r) {
		return
	}
	at, err := queryTime(r.URL.Query(), "at", s.now())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	entries, err := s.Paging.OnCall(r.Context(), r.URL.Query().Get("role"), at)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, OnCallView{At: at.UTC(), OnCall: entries})
}

// OverrideList is GET /api/v1/overrides's answer.
type OverrideList struct {
	Overrides []*quench.Override `json:"overrides"`
}

func (s *Server) handleListOverrides(w http.ResponseWriter, r *http.Request) {
	if !s.pagingReady(w, r) {
		return
	}
	q := r.URL.Query()
	from, err := queryTime(q, "from", s.now())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	to, err := queryTime(q, "to", from.Add(30*24*time.Hour))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	list, err := s.Overrides.FindOverrides(r.Context(), q.Get("schedule"), from, to)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, OverrideList{Overrides: list})
}

// OverrideRequest is the body of POST /api/v1/overrides.
type OverrideRequest struct {
	Schedule string    `json:"schedule"`
	Person   string    `json:"person"`
	Replaces string    `json:"replaces,omitempty"`
	Start    time.Time `json:"start"`
	End      time.Time `json:"end"`
	Reason   string    `json:"reason,omitempty"`
}

func (s *Server) handleCreateOverride(w http.ResponseWriter, r *http.Request) {
	if !s.pagingReady(w, r) {
		return
	}
	var req OverrideRequest
	if err := decodeJSON(w, r, s.maxBody(), &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	if len(req.Reason) > maxReasonBytes {
		s.writeError(w, r, quench.Errorf(quench.EINVALID, "reason is %d bytes, over the limit of %d", len(req.Reason), maxReasonBytes))
		return
	}
	o, err := s.Overrides.CreateOverride(r.Context(), quench.Override{Schedule: quench.CleanText(req.Schedule), Person: quench.CleanText(req.Person),
		Replaces: quench.CleanText(req.Replaces), Start: req.Start, End: req.End, Reason: quench.CleanText(req.Reason), Actor: actor(r.Context())})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, o)
}

func (s *Server) handleDeleteOverride(w http.ResponseWriter, r *http.Request) {
	if !s.pagingReady(w, r) {
		return
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		s.writeError(w, r, quench.Errorf(quench.EINVALID, "override id %q is not a positive number", quench.CutText(r.PathValue("id"), 32)))
		return
	}
	if err := s.Overrides.DeleteOverride(r.Context(), id, actor(r.Context())); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// NotificationList is GET /api/v1/incidents/{id}/notifications's answer.
type NotificationList struct {
	Notifications []*quench.Notification `json:"notifications"`
}

func (s *Server) handleNotifications(w http.ResponseWriter, r *http.Request) {
	if !s.pagingReady(w, r) {
		return
	}
	id, err := incidentID(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	list, err := s.Notifications.FindNotifications(r.Context(), id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, NotificationList{Notifications: list})
}

func (s *Server) handleFailedNotifications(w http.ResponseWriter, r *http.Request) {
	if !s.pagingReady(w, r) {
		return
	}
	list, err := s.Notifications.FindFailedNotifications(r.Context(), 100)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, NotificationList{Notifications: list})
}

// EscalateRequest is the body of POST /api/v1/incidents/{id}/escalate:
// step 0 (or none) is the next step.
type EscalateRequest struct {
	Step int `json:"step"`
}

func (s *Server) handleEscalate(w http.ResponseWriter, r *http.Request) {
	if !s.pagingReady(w, r) {
		return
	}
	id, err := incidentID(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var req EscalateRequest
	if r.ContentLength != 0 {
		if err := decodeJSON(w, r, s.maxBody(), &req); err != nil {
			s.writeError(w, r, err)
			return
		}
	}
	st, err := s.Paging.Escalate(r.Context(), id, req.Step, actor(r.Context()))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, st)
}

func (s *Server) handleEscalationAck(w http.ResponseWriter, r *http.Request) {
	if !s.pagingReady(w, r) {
		return
	}
	id, err := incidentID(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	st, err := s.Paging.Acknowledge(r.Context(), id, actor(r.Context()))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, st)
}

// PageRequest is the body of POST /api/v1/page: a role or a person, a
// message and optionally the incident it is about.
type PageRequest struct {
	Role     string `json:"role,omitempty"`
	Person   string `json:"person,omitempty"`
	Target   string `json:"target,omitempty"` // a role or a person
	Text     string `json:"text"`
	Incident int64  `json:"incident,omitempty"`
}

func (s *Server) handlePage(w http.ResponseWriter, r *http.Request) {
	if !s.pagingReady(w, r) {
		return
	}
	var req PageRequest
	if err := decodeJSON(w, r, s.maxBody(), &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	res, err := s.Paging.Page(r.Context(), quench.PageTarget{Role: quench.CleanText(req.Role), Person: quench.CleanText(req.Person),
		Name: quench.CleanText(req.Target)},
		strings.TrimSpace(quench.CleanText(req.Text)), req.Incident, actor(r.Context()))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, res)
}

// NotifyTestRequest is the body of POST /api/v1/notify/test.
type NotifyTestRequest struct {
	Person string `json:"person"`
}

func (s *Server) handleNotifyTest(w http.ResponseWriter, r *http.Request) {
	if !s.pagingReady(w, r) {
		return
	}
	var req NotifyTestRequest
	if err := decodeJSON(w, r, s.maxBody(), &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	list, err := s.Paging.NotifyTest(r.Context(), quench.CleanText(req.Person), actor(r.Context()))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, NotificationList{Notifications: list})
}

func (s *Server) handleReload(w http.ResponseWriter, r *http.Request) {
	if !s.pagingReady(w, r) {
		return
	}
	if err := s.Paging.Reload(r.Context()); err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "reloaded"})
}

// calendarSpan is how far an iCalendar feed looks back and ahead.
const (
	calendarBack  = 7 * 24 * time.Hour
	calendarAhead = 60 * 24 * time.Hour
)

// handleCalendar serves GET /api/v1/calendar/schedules/{id}.ics and
// /api/v1/calendar/people/{id}.ics, read with ?token=<viewer token>.
func (s *Server) handleCalendar(w http.ResponseWriter, r *http.Request) {
	tok, err := s.lookupToken(r.Context(), r.URL.Query().Get("token"))
	if err != nil {
		s.writeError(w, r, quench.Errorf(quench.EUNAUTHORIZED, "a calendar feed needs ?token=<viewer token>"))
		return
	}
	if !tok.Role.Allows(quench.RoleViewer) {
		s.writeError(w, r, forbidden(tok.Role, quench.RoleViewer))
		return
	}
	if !s.pagingReady(w, r) {
		return
	}
	id, ok := strings.CutSuffix(r.PathValue("file"), ".ics")
	if !ok || id == "" {
		s.writeError(w, r, quench.Errorf(quench.ENOTFOUND, "calendar feeds end in .ics"))
		return
	}
	now := s.now()
	var shifts []quench.Shift
	switch r.PathValue("kind") {
	case "schedules":
		shifts, err = s.Paging.Shifts(r.Context(), id, "", now.Add(-calendarBack), now.Add(calendarAhead))
	case "people":
		shifts, err = s.Paging.Shifts(r.Context(), "", id, now.Add(-calendarBack), now.Add(calendarAhead))
	default:
		err = quench.Errorf(quench.ENOTFOUND, "calendar feeds are /api/v1/calendar/schedules/ID.ics and /api/v1/calendar/people/ID.ics")
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/calendar; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write([]byte(ICalendar(r.PathValue("kind")+"/"+id, shifts, now)))
}

// ICalendar renders shifts as an iCalendar (RFC 5545) feed, times in UTC.
func ICalendar(name string, shifts []quench.Shift, now time.Time) string {
	var b strings.Builder
	line := func(s string) { b.WriteString(s + "\r\n") }
	stamp := func(t time.Time) string { return t.UTC().Format("20060102T150405Z") }
	line("BEGIN:VCALENDAR")
	line("VERSION:2.0")
	line("PRODID:-//quench//on-call//EN")
	line("CALSCALE:GREGORIAN")
	line("X-WR-CALNAME:" + icalText("quench on-call: "+name))
	for _, sh := range shifts {
		line("BEGIN:VEVENT")
		line(fmt.Sprintf("UID:%s-%s-%d@quench", icalText(sh.Schedule), icalText(sh.Person), sh.Start.Unix()))
		line("DTSTAMP:" + stamp(now))
		line("DTSTART:" + stamp(sh.Start))
		line("DTEND:" + stamp(sh.End))
		summary := fmt.Sprintf("On call: %s (%s)", sh.Person, sh.Schedule)
		if sh.Override != 0 {
			summary += fmt.Sprintf(" [override %d]", sh.Override)
		}
		line("SUMMARY:" + icalText(summary))
		line("END:VEVENT")
	}
	line("END:VCALENDAR")
	return b.String()
}

// icalText escapes a TEXT value (RFC 5545 3.3.11).
func icalText(s string) string {
	return strings.NewReplacer(`\`, `\\`, ";", `\;`, ",", `\,`, "\n", `\n`, "\r", "").Replace(s)
}

var linkPage = template.Must(template.New("link").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>quench</title><style>body{font:18px system-ui,sans-serif;margin:2em auto;max-width:32em;padding:0 1em}
button{font-size:1.2em;padding:.6em 1.4em}</style></head><body>
{{if .Form}}<p>{{.Text}}</p><form method="post"><button type="submit">{{.Button}}</button></form>
{{else}}<p>{{.Text}}</p>{{end}}
</body></html>
`))

type linkView struct {
	Text, Button string
	Form         bool
}

// handleLinkPage shows what a one-time link will do and a button that
// does it: a GET (a mail scanner, a preview) never acts.
func (s *Server) handleLinkPage(w http.ResponseWriter, r *http.Request) {
	if !s.pagingReady(w, r) {
		return
	}
	a, err := s.Paging.CheckLink(r.Context(), r.PathValue("token"))
	if err != nil {
		s.linkAnswer(w, statusOf(quench.ErrorCode(err)), linkView{Text: quench.ErrorMessage(err)})
		return
	}
	verb := map[string]string{"ack": "Acknowledge", "resolve": "Resolve"}[a.Action]
	s.linkAnswer(w, http.StatusOK, linkView{Form: true, Button: fmt.Sprintf("%s incident %d", verb, a.Incident),
		Text: fmt.Sprintf("%s incident %d as %s. This link works once, until %s.", verb, a.Incident, a.Person, a.Expires.Format(time.RFC1123))})
}

// handleLinkFollow does what the link says, once.
func (s *Server) handleLinkFollow(w http.ResponseWriter, r *http.Request) {
	if !s.pagingReady(w, r) {
		return
	}
	a, err := s.Paging.FollowLink(r.Context(), r.PathValue("token"))
	if err != nil {
		if quench.ErrorCode(err) == quench.EINTERNAL {
			s.logger().ErrorContext(r.Context(), "follow link", "err", err)
		}
		s.linkAnswer(w, statusOf(quench.ErrorCode(err)), linkView{Text: quench.ErrorMessage(err)})
		return
	}
	s.linkAnswer(w, http.StatusOK, linkView{Text: a.Result})
}

func (s *Server) linkAnswer(w http.ResponseWriter, status int, v linkView) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Referrer-Policy", "no-referrer")
	w.WriteHeader(status)
	_ = linkPage.Execute(w, v)
}

// SMSVerifier checks that an inbound SMS webhook came from the provider.
type SMSVerifier interface {
	VerifySMS(r *http.Request, form url.Values) error
}

// handleSMSInbound takes Twilio's inbound message webhook: a verified
// "ACK 123" or "RES 123" acts as the person whose number sent it, and the
// answer goes back as TwiML.
func (s *Server) handleSMSInbound(w http.ResponseWriter, r *http.Request) {
	if !s.pagingReady(w, r) {
		return
	}
	if s.SMSVerifier == nil {
		s.writeError(w, r, quench.Errorf(quench.EUNAVAILABLE, "inbound SMS is not configured (paging.sms)"))
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		s.writeError(w, r, quench.Errorf(quench.EINVALID, "inbound SMS: a form body is expected"))
		return
	}
	if err := s.SMSVerifier.VerifySMS(r, r.PostForm); err != nil {
		s.writeError(w, r, quench.Errorf(quench.EUNAUTHORIZED, "inbound SMS: %v", err))
		return
	}
	reply, err := s.Paging.SMSReply(r.Context(), r.PostForm.Get("From"), r.PostForm.Get("Body"))
	if err != nil && quench.ErrorCode(err) == quench.EINTERNAL {
		s.logger().ErrorContext(r.Context(), "inbound SMS", "err", err)
		reply = "quench could not do that; try the link in the page."
	}
	w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?><Response><Message>`)
	template.HTMLEscape(&b, []byte(reply))
	b.WriteString(`</Message></Response>`)
	_, _ = w.Write([]byte(b.String()))
}
