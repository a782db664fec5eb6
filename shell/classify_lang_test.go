package shell

import "testing"

// The SQL, sed and awk readers decide psql -c, sed and awk on their own;
// these tables pin them directly.

func TestParseOpts(t *testing.T) {
	w := func(ss ...string) []word {
		out := make([]word, len(ss))
		for i, s := range ss {
			out[i] = word{src: s, val: s}
		}
		return out
	}
	p := parseOpts(w("-fsSo", "/tmp/x", "--max-time=5", "--header", "A: b", "https://x", "--", "-d"), optSpec{short: "AbcCdDeEFHKmoPQrtTuUwxXyYz", long: []string{"header", "max-time", "output"}})
	if o, ok := p.value("-o"); !ok || o.val != "/tmp/x" {
		t.Errorf("-o = %q, %v", o.val, ok)
	}
	if o, ok := p.value("--header"); !ok || o.val != "A: b" {
		t.Errorf("--header = %q, %v", o.val, ok)
	}
	if len(p.pos) != 2 || p.pos[0].val != "https://x" || p.pos[1].val != "-d" {
		t.Errorf("operands = %v", p.pos)
	}
	if p.any("-d") || !p.flag("-s", "-S", "-f") {
		t.Errorf("options = %v", p.opts)
	}
	if !matchOpt("--out", []string{"--output"}) {
		t.Errorf("abbreviation --out should match --output")
	}
	if matchOpt("--o", []string{"--output"}) {
		t.Errorf("one letter is too short an abbreviation")
	}
	g := parseOpts(w("-C", "/opt", "--no-pager", "log", "-1"), optSpec{short: "C", stop: true})
	if len(g.pos) != 2 || g.pos[0].val != "log" {
		t.Errorf("stop at first operand: %v", g.pos)
	}
}
