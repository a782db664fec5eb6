package http

import (
	"html/template"
	"net/url"
	"strings"
	"time"
)

// uiFuncs are the template functions of the web UI. None of them marks
// text as safe HTML: escaping stays html/template's.
func uiFuncs() template.FuncMap {
	return template.FuncMap{
		// iso and ts format a time for <time datetime> and for people; the
		// browser's app.js shows it in local time when it can.
		"iso": func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
		"ts":  func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05 UTC") },
		// isLink reports whether an annotation value is a web address worth
		// a link: only http and https, so javascript: and data: stay text.
		"isLink": isLink,
	}
}

// isLink reports whether s is an absolute http or https URL with a host.
func isLink(s string) bool {
	if !strings.HasPrefix(s, "http://") && !strings.HasPrefix(s, "https://") {
		return false
	}
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}
