package http

import (
	"net/url"
	"strings"
	"testing"
)

// FuzzListFilter feeds the incident list's query parser outside input: it
// never panics, and what it accepts round-trips through the query it
// writes back into the page's links.
func FuzzListFilter(f *testing.F) {
	for _, q := range []string{"", "status=all", "status=open&severity=critical&q=disk", "runbook=db-down&before=42",
		"no_runbook=1&q=%00%ff", "status=bogus", "before=-1", "q=" + strings.Repeat("x", 300)} {
		f.Add(q)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		q, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		lf, err := parseListFilter(q)
		if err != nil {
			return
		}
		back, err := url.ParseQuery(lf.values())
		if err != nil {
			t.Fatalf("values() = %q does not parse: %v", lf.values(), err)
		}
		again, err := parseListFilter(back)
		if err != nil || again != lf {
			t.Fatalf("round trip of %q: %+v, %v; want %+v", raw, again, err, lf)
		}
		_ = lf.store()
	})
}

// FuzzLocalPath checks a sign-in's next= never leaves the site.
func FuzzLocalPath(f *testing.F) {
	for _, p := range []string{"/incidents", "//evil.example", "/\\evil.example", "https://evil.example", "/a\r\nSet-Cookie: x", "", "javascript:alert(1)"} {
		f.Add(p)
	}
	f.Fuzz(func(t *testing.T, p string) {
		got := localPath(p)
		u, err := url.Parse(got)
		if err != nil || u.Scheme != "" || u.Host != "" || !strings.HasPrefix(got, "/") || strings.HasPrefix(got, "//") ||
			strings.HasPrefix(got, "/\\") || strings.ContainsAny(got, "\r\n") {
			t.Fatalf("localPath(%q) = %q leaves the site", p, got)
		}
	})
}
