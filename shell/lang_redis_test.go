package shell

import "testing"

func TestRedisSplitArgs(t *testing.T) {
	for _, tt := range []struct {
		line string
		want []string
		ok   bool
	}{
		{"GET k", []string{"GET", "k"}, true},
		{`SET "a b" 'c\'d'`, []string{"SET", "a b", "c'd"}, true},
		{`GET "a\"b"`, []string{"GET", `a"b`}, true},
		{`GET "a"b`, nil, false},
		{`GET "a`, nil, false},
		{"  ", nil, true},
	} {
		got, ok := redisSplitArgs(tt.line)
		if ok != tt.ok || len(got) != len(tt.want) {
			t.Errorf("redisSplitArgs(%q) = %q %v, want %q %v", tt.line, got, ok, tt.want, tt.ok)
			continue
		}
		for i := range got {
			if got[i] != tt.want[i] {
				t.Errorf("redisSplitArgs(%q) = %q, want %q", tt.line, got, tt.want)
			}
		}
	}
}

func FuzzRedisArgs(f *testing.F) {
	for _, s := range []string{"GET k", `SET "a b" 'c\'d'`, "CONFIG GET '*'", "ACL LOG RESET", `"x\x41"`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		argv, ok := redisSplitArgs(line)
		if !ok || len(argv) == 0 {
			return
		}
		ws := make([]word, len(argv))
		for i, a := range argv {
			ws[i] = word{src: a, val: a}
		}
		if c, why := redisCommand(ws); (c != ReadOnly && c != Mutating && c != Unknown) || why == "" {
			t.Fatalf("redisCommand(%q) = %q %q", argv, c, why)
		}
	})
}
