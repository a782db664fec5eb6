package http

import (
	"maps"
	"math"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestUIContrast checks every text colour pair the stylesheet uses meets
// WCAG 2.1 AA (4.5:1 for normal text), in the light and the dark scheme,
// computed with WCAG's relative-luminance formula.
func TestUIContrast(t *testing.T) {
	css, err := uiStaticFS.ReadFile("ui/static/app.css")
	if err != nil {
		t.Fatal(err)
	}
	src := string(css)
	dark := strings.Index(src, "@media (prefers-color-scheme: dark)")
	if dark < 0 {
		t.Fatal("app.css has no dark scheme")
	}
	light := cssVars(src[:dark])
	withDark := maps.Clone(light)
	maps.Copy(withDark, cssVars(src[dark:]))
	// Text colour on background colour, as the rules pair them.
	pairs := [][2]string{
		{"fg", "bg"}, {"muted", "bg"}, {"link", "bg"}, {"fg", "card"}, {"muted", "card"}, {"link", "card"},
		{"fg", "code"}, {"muted", "code"}, {"link", "code"}, {"bad-fg", "card"}, {"bad-fg", "bg"},
		{"crit-fg", "crit-bg"}, {"high-fg", "high-bg"}, {"med-fg", "med-bg"}, {"low-fg", "low-bg"},
		{"ok-fg", "ok-bg"}, {"warn-fg", "warn-bg"}, {"bad-fg", "bad-bg"}, {"grey-fg", "grey-bg"},
		{"danger-fg", "danger"}, {"primary-fg", "primary"}, {"bg", "fg"},
	}
	for scheme, vars := range map[string]map[string]string{"light": light, "dark": withDark} {
		for _, p := range pairs {
			fg, bg := vars[p[0]], vars[p[1]]
			if fg == "" || bg == "" {
				t.Errorf("%s: --%s or --%s is not defined", scheme, p[0], p[1])
				continue
			}
			if r := contrast(fg, bg); r < 4.5 {
				t.Errorf("%s: --%s %s on --%s %s is %.2f:1, below WCAG AA's 4.5:1", scheme, p[0], fg, p[1], bg, r)
			}
		}
	}
}

var cssVar = regexp.MustCompile(`--([a-z-]+):\s*(#[0-9a-fA-F]{6})`)

func cssVars(s string) map[string]string {
	out := map[string]string{}
	for _, m := range cssVar.FindAllStringSubmatch(s, -1) {
		out[m[1]] = m[2]
	}
	return out
}

// contrast is WCAG 2.1's contrast ratio of two #rrggbb colours.
func contrast(a, b string) float64 {
	la, lb := luminance(a), luminance(b)
	return (math.Max(la, lb) + 0.05) / (math.Min(la, lb) + 0.05)
}

func luminance(hex string) float64 {
	ch := func(i int) float64 {
		v, _ := strconv.ParseUint(hex[1+2*i:3+2*i], 16, 8)
		c := float64(v) / 255
		if c <= 0.04045 {
			return c / 12.92
		}
		return math.Pow((c+0.055)/1.055, 2.4)
	}
	return 0.2126*ch(0) + 0.7152*ch(1) + 0.0722*ch(2)
}
