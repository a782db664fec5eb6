package shell_test

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/quench-sh/quench/shell"
)

// corpusCase is one command of testdata/corpus with the class it must
// get and why (see testdata/corpus/README.md for the format).
type corpusCase struct {
	file string
	line int
	cmd  string
	want shell.Class
	why  string
}

// readCorpus reads a corpus file: "[class] reason" headers, then one
// command per line (a line ending in a backslash continues), "#"
// comments and blank lines between.
func readCorpus(t testing.TB, path string) []corpusCase {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []corpusCase
	var class shell.Class
	var why string
	sc := bufio.NewScanner(f)
	n := 0
	var cont *corpusCase
	for sc.Scan() {
		n++
		line := sc.Text()
		if cont != nil {
			cont.cmd += "\n" + line
			if !strings.HasSuffix(line, `\`) {
				out = append(out, *cont)
				cont = nil
			}
			continue
		}
		trimmed := strings.TrimSpace(line)
		switch {
		case trimmed == "" || strings.HasPrefix(trimmed, "#"):
			continue
		case corpusHeader(trimmed) != "":
			class = corpusHeader(trimmed)
			why = strings.TrimSpace(trimmed[len(class)+2:])
			continue
		}
		if class == "" {
			t.Fatalf("%s:%d: a command before any [class] header", path, n)
		}
		c := corpusCase{file: filepath.Base(path), line: n, cmd: line, want: class, why: why}
		if strings.HasSuffix(line, `\`) {
			cont = &c
			continue
		}
		out = append(out, c)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// corpusHeader returns the class of a "[class] reason" header line, or "".
func corpusHeader(line string) shell.Class {
	for _, c := range []shell.Class{shell.ReadOnly, shell.Mutating, shell.Unknown} {
		if strings.HasPrefix(line, "["+string(c)+"]") {
			return c
		}
	}
	return ""
}

func corpusFiles(t testing.TB) []corpusCase {
	var all []corpusCase
	for _, name := range []string{"harmful.txt", "benign.txt", "langs-harmful.txt", "langs-benign.txt"} {
		all = append(all, readCorpus(t, filepath.Join("testdata", "corpus", name))...)
	}
	return all
}

// TestCorpus asserts the class of every command of the adversarial
// corpus: every harmful command is refused with the class its header
// names, every ordinary diagnosis command is read-only.
func TestCorpus(t *testing.T) {
	cases := corpusFiles(t)
	var harmful, benign, wrong int
	for _, tt := range cases {
		got, reason, _ := shell.Classify(tt.cmd)
		if tt.want == shell.ReadOnly {
			benign++
		} else {
			harmful++
		}
		if got != tt.want {
			wrong++
			t.Errorf("%s:%d: Classify(%q) = %v (%s), want %v: %s", tt.file, tt.line, tt.cmd, got, reason, tt.want, tt.why)
		}
	}
	t.Logf("corpus: %d harmful, %d benign, %d wrong", harmful, benign, wrong)
	if harmful < 300 || benign < 200 {
		t.Errorf("corpus has %d harmful and %d benign commands; keep it at several hundred of each kind", harmful, benign)
	}
}

// TestCorpusHeaders keeps the two files apart: harmful.txt holds only
// commands that must not be read-only, benign.txt only read-only ones,
// so the behavioural oracle can run benign.txt as is.
func TestCorpusHeaders(t *testing.T) {
	for _, tt := range readCorpus(t, filepath.Join("testdata", "corpus", "harmful.txt")) {
		if tt.want == shell.ReadOnly {
			t.Errorf("harmful.txt:%d: a read-only command", tt.line)
		}
	}
	for _, tt := range readCorpus(t, filepath.Join("testdata", "corpus", "benign.txt")) {
		if tt.want != shell.ReadOnly {
			t.Errorf("benign.txt:%d: a %s command", tt.line, tt.want)
		}
	}
}

func ExampleClassify() {
	for _, cmd := range []string{
		"find /var/log -name '*.log' -size +100M -exec ls -lh {} +",
		"A=-delete; find /var/log $A",
		"rm() { :; }; /bin/rm -rf /tmp/x",
	} {
		class, reason, _ := shell.Classify(cmd)
		fmt.Printf("%s: %s\n", class, reason)
	}
	// Output:
	// read-only: find: lists files
	// mutating: find -delete: deletes the files it finds
	// unknown: rm(): a function named like a command changes what every later rm runs
}

// harmfulStatements are commands that change something wherever they
// stand as a whole statement.
var harmfulStatements = []string{
	"rm -rf /tmp/x",
	"docker compose restart api",
	"curl -X DELETE https://example.com/x",
	"kill -9 1",
	"find /tmp -delete",
	"systemctl stop nginx",
	"ls > /tmp/out",
}

// FuzzCorpus mutates the corpus and checks the invariant the gate rests
// on: whatever comes before it, a known-harmful command standing as a
// whole statement is never part of a read-only script.
func FuzzCorpus(f *testing.F) {
	for i, tt := range corpusFiles(f) {
		f.Add(tt.cmd, uint8(i))
	}
	f.Fuzz(func(t *testing.T, prefix string, pick uint8) {
		h := harmfulStatements[int(pick)%len(harmfulStatements)]
		script := prefix + "\n" + h
		if len(script) > shell.MaxScript {
			return
		}
		cmds, err := shell.ClassifyEach(script)
		if err != nil {
			return
		}
		// The harmful command must be a statement of its own: not the
		// body of a here-document or a string the prefix opened.
		line := strings.Count(prefix, "\n") + 2
		found := false
		for _, c := range cmds {
			if c.Line == line && c.Col == 1 && c.Text == h {
				found = true
			}
		}
		if !found {
			return
		}
		if class, reason, _ := shell.Classify(script); class == shell.ReadOnly {
			t.Fatalf("Classify(%q) = read-only (%s), but it runs %q", script, reason, h)
		}
	})
}
