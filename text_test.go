package quench_test

import (
	"testing"

	"github.com/quench-sh/quench"
)

func TestCleanAndCutText(t *testing.T) {
	for _, tt := range []struct {
		in, want string
	}{
		{"plain", "plain"},
		{"a\x00b", "a\uFFFDb"},
		{"bad \xff byte", "bad \uFFFD byte"},
	} {
		if got := quench.CleanText(tt.in); got != tt.want {
			t.Errorf("CleanText(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	for _, tt := range []struct {
		in   string
		n    int
		want string
	}{
		{"short", 10, "short"},
		{"exactly10!", 10, "exactly10!"},
		{"eleven byte", 10, "eleven …"}, // 7 bytes + 3 of the ellipsis
		{"ééééé", 8, "éé…"},             // never splits a character
		{"ab", 1, ""},                   // no room for the mark
		{"😀😀", 7, "😀…"},                 // a 4-byte character kept whole
		{"😀😀", 6, "…"},                  // or dropped whole
	} {
		got := quench.CutText(tt.in, tt.n)
		if got != tt.want || len(got) > tt.n {
			t.Errorf("CutText(%q, %d) = %q, want %q", tt.in, tt.n, got, tt.want)
		}
	}
}
