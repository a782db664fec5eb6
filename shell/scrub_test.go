package shell_test

import (
	"bytes"
	"testing"

	"github.com/quench-sh/quench/shell"
)

// naiveScrub is the specification: at each byte, the longest secret that
// starts there is replaced; otherwise the byte is kept.
func naiveScrub(in []byte, secrets []string) []byte {
	var out []byte
	for i := 0; i < len(in); {
		best := ""
		for _, s := range secrets {
			if s != "" && len(s) > len(best) && bytes.HasPrefix(in[i:], []byte(s)) {
				best = s
			}
		}
		if best == "" {
			out = append(out, in[i])
			i++
			continue
		}
		out = append(out, shell.Redacted...)
		i += len(best)
	}
	return out
}

// scrubInChunks writes in to a Scrubber in chunks of the given sizes
// (cycled) and returns what came out, checking that nothing that is still
// held back was already passed on.
func scrubInChunks(in []byte, secrets []string, sizes []int) []byte {
	var out bytes.Buffer
	s := shell.NewScrubber(&out, secrets)
	for i, k := 0, 0; i < len(in); k++ {
		n := 1
		if len(sizes) > 0 {
			n = max(1, sizes[k%len(sizes)])
		}
		n = min(n, len(in)-i)
		s.Write(in[i : i+n])
		i += n
	}
	s.Flush()
	return out.Bytes()
}

func TestScrub(t *testing.T) {
	for _, tt := range []struct {
		name    string
		in      string
		secrets []string
		want    string
	}{
		{"none", "password=hunter2", nil, "password=hunter2"},
		{"one", "password=hunter2", []string{"hunter2"}, "password=[REDACTED]"},
		{"every occurrence", "a hunter2 b hunter2", []string{"hunter2"}, "a [REDACTED] b [REDACTED]"},
		{"adjacent", "hunter2hunter2", []string{"hunter2"}, "[REDACTED][REDACTED]"},
		{"empty secret ignored", "abc", []string{""}, "abc"},
		{"longest at same start", "abcd", []string{"ab", "abcd"}, "[REDACTED]"},
		{"leftmost wins", "abcd", []string{"bcd", "abc"}, "[REDACTED]d"},
		{"earlier longer beats later shorter", "xabcdy", []string{"bc", "abcd"}, "x[REDACTED]y"},
		{"overlapping repeats", "aaaaa", []string{"aa"}, "[REDACTED][REDACTED]a"},
		{"prefix at end not a match", "hunter", []string{"hunter2"}, "hunter"},
		{"multiline secret", "key:\n-----BEGIN\nX\n-----END\n", []string{"-----BEGIN\nX\n-----END"}, "key:\n[REDACTED]\n"},
		{"binary", "\x00\xff\x00", []string{"\xff"}, "\x00[REDACTED]\x00"},
		{"dsn", "postgres://app:pa55@db:5432/app", []string{"pa55"}, "postgres://app:[REDACTED]@db:5432/app"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := string(shell.Scrub([]byte(tt.in), tt.secrets)); got != tt.want {
				t.Errorf("Scrub(%q, %q) = %q, want %q", tt.in, tt.secrets, got, tt.want)
			}
			for _, sizes := range [][]int{{1}, {2}, {3, 1}, {len(tt.in)}} {
				if got := string(scrubInChunks([]byte(tt.in), tt.secrets, sizes)); got != tt.want {
					t.Errorf("Scrubber(%q, %q) in chunks %v = %q, want %q", tt.in, tt.secrets, sizes, got, tt.want)
				}
			}
		})
	}
}

// The scrubber holds back only what may still become a secret: live output
// is not delayed for text that cannot.
func TestScrubberHoldsBackOnlyPossibleSecrets(t *testing.T) {
	for _, tt := range []struct {
		write, passed string
	}{
		{"plain line\n", "plain line\n"},
		{"token=hun", "token="},
		{"token=hunter2", "token=[REDACTED]"},
		{"ends with h", "ends with "},
		{"hunterX", "hunterX"},
	} {
		var out bytes.Buffer
		s := shell.NewScrubber(&out, []string{"hunter2"})
		if n, err := s.Write([]byte(tt.write)); n != len(tt.write) || err != nil {
			t.Errorf("Write(%q) = %d, %v", tt.write, n, err)
		}
		if out.String() != tt.passed {
			t.Errorf("after Write(%q) passed on %q, want %q", tt.write, out.String(), tt.passed)
		}
	}
}

func FuzzScrubber(f *testing.F) {
	f.Add([]byte("password=hunter2\n"), "hunter2", "hunter", uint8(3))
	f.Add([]byte("abcabcabc"), "bca", "cab", uint8(1))
	f.Add([]byte("aaaaaaa"), "aa", "aaa", uint8(2))
	f.Add([]byte("xabcdy"), "bc", "abcd", uint8(1))
	f.Add([]byte(""), "", "", uint8(0))
	f.Add([]byte("[REDACTED]"), "RED", "ACT", uint8(4))
	f.Fuzz(func(t *testing.T, in []byte, s1, s2 string, chunk uint8) {
		secrets := []string{s1, s2}
		want := naiveScrub(in, secrets)
		if got := shell.Scrub(in, secrets); !bytes.Equal(got, want) {
			t.Fatalf("Scrub(%q, %q) = %q, want %q", in, secrets, got, want)
		}
		sizes := []int{int(chunk%7) + 1, int(chunk/7%5) + 1}
		if got := scrubInChunks(in, secrets, sizes); !bytes.Equal(got, want) {
			t.Fatalf("Scrubber(%q, %q) in chunks %v = %q, want %q", in, secrets, sizes, got, want)
		}
		// Between the markers no secret is left.
		for _, part := range bytes.Split(want, []byte(shell.Redacted)) {
			for _, secret := range secrets {
				if secret != "" && bytes.Contains(part, []byte(secret)) {
					t.Fatalf("secret %q survives in %q", secret, want)
				}
			}
		}
	})
}
