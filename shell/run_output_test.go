package shell_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"testing"
	"unicode/utf8"

	"github.com/quench-sh/quench/shell"
)

func outputOf(spec shell.Spec, chunks ...string) shell.Result {
	o := shell.NewOutput(spec, nil)
	for _, c := range chunks {
		o.Write([]byte(c))
	}
	var r shell.Result
	o.Finish(&r)
	return r
}

func TestOutputKeepsTheTail(t *testing.T) {
	for _, tt := range []struct {
		name      string
		max       int
		chunks    []string
		want      string
		truncated bool
	}{
		{"empty", 10, nil, "", false},
		{"fits", 10, []string{"0123456789"}, "0123456789", false},
		{"one over", 10, []string{"0123456789x"}, "[… 1 bytes cut …]\n123456789x", true},
		{"many writes", 4, []string{"ab", "cd", "ef", "g"}, "[… 3 bytes cut …]\ndefg", true},
		{"one big write", 3, []string{"abcdefgh"}, "[… 5 bytes cut …]\nfgh", true},
		{"small then big", 3, []string{"a", "bcdefgh"}, "[… 5 bytes cut …]\nfgh", true},
		{"cut inside a character", 4, []string{"xx€€"}, "[… 5 bytes cut …]\n€", true},
		{"secret cut", 12, []string{"token: hunter2 end"}, "[… 9 bytes cut …]\nEDACTED] end", true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := outputOf(shell.Spec{MaxOutput: tt.max, Secrets: []string{"hunter2"}}, tt.chunks...)
			if string(r.Output) != tt.want || r.Truncated != tt.truncated {
				t.Errorf("Output = %q (truncated %v), want %q (%v)", r.Output, r.Truncated, tt.want, tt.truncated)
			}
			sum := sha256.Sum256(r.Output)
			if r.OutputSHA256 != hex.EncodeToString(sum[:]) {
				t.Errorf("OutputSHA256 = %s, not the hash of Output", r.OutputSHA256)
			}
		})
	}
}

// Whatever the writes, the stored output is the cut marker (when anything
// was cut) and the scrubbed input's tail, starting on a character boundary.
func FuzzOutput(f *testing.F) {
	f.Add([]byte("line 1\nline 2\n"), uint16(8), uint8(3))
	f.Add([]byte("€€€€€"), uint16(4), uint8(1))
	f.Add([]byte("hunter2hunter2"), uint16(5), uint8(2))
	f.Add([]byte{}, uint16(0), uint8(0))
	f.Fuzz(func(t *testing.T, in []byte, limit uint16, chunk uint8) {
		keep := int(limit%512) + 1
		spec := shell.Spec{MaxOutput: keep, Secrets: []string{"hunter2"}}
		var live bytes.Buffer
		o := shell.NewOutput(spec, &live)
		step := int(chunk%13) + 1
		for i := 0; i < len(in); i += step {
			o.Write(in[i:min(i+step, len(in))])
		}
		var r shell.Result
		o.Finish(&r)

		scrubbed := shell.Scrub(in, spec.Secrets)
		if !bytes.Equal(live.Bytes(), scrubbed) {
			t.Fatalf("live = %q, want %q", live.Bytes(), scrubbed)
		}
		if len(scrubbed) <= keep {
			if r.Truncated || !bytes.Equal(r.Output, scrubbed) {
				t.Fatalf("Output = %q (truncated %v), want %q", r.Output, r.Truncated, scrubbed)
			}
			return
		}
		tail := scrubbed[len(scrubbed)-keep:]
		skip := 0
		for skip < 3 && skip < len(tail) && !utf8.RuneStart(tail[skip]) {
			skip++
		}
		want := fmt.Sprintf("[… %d bytes cut …]\n%s", len(scrubbed)-keep+skip, tail[skip:])
		if !r.Truncated || string(r.Output) != want {
			t.Fatalf("Output = %q (truncated %v), want %q", r.Output, r.Truncated, want)
		}
	})
}
