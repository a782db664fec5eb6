package markdown

import (
	"strings"
	"testing"
)

func TestEscapeLinkText(t *testing.T) {
	want := strings.NewReplacer("[", `\[`, "]", `\]`)
	for _, s := range []string{"", "Disk full", "[a]", "a[b]c]]", "é [x] ü", `\[`} {
		if got := escapeLinkText(s); got != want.Replace(s) {
			t.Errorf("escapeLinkText(%q) = %q, want %q", s, got, want.Replace(s))
		}
	}
}
