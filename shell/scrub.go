package shell

import (
	"bytes"
	"io"
	"sort"
)

// Redacted replaces every secret value in command output.
const Redacted = "[REDACTED]"

// Scrubber is a writer that replaces secret values with Redacted before the
// bytes reach the writer under it, even when a secret arrives split across
// two writes: it holds back the end of a write while that end could still
// become a secret, and no more.
//
// Matching is leftmost first and, of secrets starting at the same byte,
// longest first; the output is the same however the input is split.
// A Scrubber is not safe for concurrent use.
type Scrubber struct {
	w       io.Writer
	secrets [][]byte // longest first
	held    []byte   // input not yet passed on: it may start a secret
	out     []byte   // reused output buffer
}

// NewScrubber returns a Scrubber writing to w. Empty and repeated secrets
// are ignored.
func NewScrubber(w io.Writer, secrets []string) *Scrubber {
	return &Scrubber{w: w, secrets: secretSet(secrets)}
}

func secretSet(secrets []string) [][]byte {
	seen := make(map[string]bool, len(secrets))
	var out [][]byte
	for _, s := range secrets {
		if s == "" || seen[s] {
			continue
		}
		seen[s] = true
		out = append(out, []byte(s))
	}
	sort.SliceStable(out, func(i, j int) bool { return len(out[i]) > len(out[j]) })
	return out
}

// Write scrubs p and passes on everything that can no longer be part of a
// secret. It reports len(p) unless the writer under it fails.
func (s *Scrubber) Write(p []byte) (int, error) {
	if len(s.secrets) == 0 {
		return s.w.Write(p)
	}
	buf := p
	if len(s.held) > 0 {
		s.held = append(s.held, p...)
		buf = s.held
	}
	var n int
	s.out, n = scrub(s.out[:0], buf, s.secrets, false)
	s.held = append(s.held[:0], buf[n:]...)
	if len(s.out) > 0 {
		if _, err := s.w.Write(s.out); err != nil {
			return 0, err
		}
	}
	return len(p), nil
}

// Flush passes on the held-back bytes; call it once the input has ended.
func (s *Scrubber) Flush() error {
	if len(s.held) == 0 {
		return nil
	}
	s.out, _ = scrub(s.out[:0], s.held, s.secrets, true)
	s.held = s.held[:0]
	_, err := s.w.Write(s.out)
	return err
}

// Scrub returns b with every secret replaced by Redacted, for text that is
// complete (an error message, a log line).
func Scrub(b []byte, secrets []string) []byte {
	set := secretSet(secrets)
	if len(set) == 0 {
		return b
	}
	out, _ := scrub(nil, b, set, true)
	return out
}

// scrub appends buf to dst with secrets replaced and returns how many bytes
// of buf it consumed. Unless final, it stops at the first byte from which
// the rest of buf is the beginning of a secret: what follows decides it.
func scrub(dst, buf []byte, secrets [][]byte, final bool) ([]byte, int) {
	i := 0
	for {
		stop := len(buf)
		if !final {
			stop = partialFrom(buf, i, secrets)
		}
		at, n := matchFrom(buf, i, secrets)
		if at < 0 || at >= stop {
			return append(dst, buf[i:stop]...), stop
		}
		dst = append(dst, buf[i:at]...)
		dst = append(dst, Redacted...)
		i = at + n
	}
}

// matchFrom returns where the leftmost complete secret at or after i starts
// and its length (the longest of those starting there), or -1.
func matchFrom(buf []byte, i int, secrets [][]byte) (at, n int) {
	at = -1
	rest := buf[i:]
	for _, s := range secrets {
		limit := len(rest)
		if at >= 0 {
			// Only an earlier start can win; longer secrets came first.
			limit = min(limit, at-i+len(s)-1)
		}
		j := bytes.Index(rest[:limit], s)
		if j >= 0 && (at < 0 || i+j < at) {
			at, n = i+j, len(s)
		}
	}
	return at, n
}

// partialFrom returns the first k >= i such that buf[k:] is a proper prefix
// of a secret, or len(buf).
func partialFrom(buf []byte, i int, secrets [][]byte) int {
	longest := len(secrets[0])
	for k := max(i, len(buf)-longest+1); k < len(buf); k++ {
		tail := buf[k:]
		for _, s := range secrets {
			if len(tail) < len(s) && bytes.HasPrefix(s, tail) {
				return k
			}
		}
	}
	return len(buf)
}
