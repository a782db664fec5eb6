package quench

import (
	"strings"
	"unicode/utf8"
)

// CleanText makes text from outside (alerts, people, commands' output)
// storable in every database and safe to show: invalid UTF-8 and NUL,
// which PostgreSQL refuses in text, become U+FFFD; nothing else changes.
// Clean text is returned as is, without allocating.
func CleanText(s string) string {
	if strings.IndexByte(s, 0) < 0 && utf8.ValidString(s) {
		return s
	}
	return strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "\uFFFD")
}

// Ellipsis marks where CutText cut a text.
const Ellipsis = "…"

// CutText shortens s to at most n bytes on a character boundary, ending
// it with Ellipsis when it was cut, so a long summary is kept rather than
// refused and an echo of hostile input in a message stays small. A cut
// text is never longer than n bytes (n under len(Ellipsis) gives "").
func CutText(s string, n int) string {
	if len(s) <= n {
		return s
	}
	n -= len(Ellipsis)
	if n < 0 {
		return ""
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + Ellipsis
}
