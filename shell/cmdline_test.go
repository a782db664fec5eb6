package shell

import (
	"fmt"
	"strings"
	"testing"

	"mvdan.cc/sh/v3/syntax"
)

// argsOf evaluates the words of a one-command script after its name, as
// the classifier sees them.
func argsOf(t testing.TB, script string) []word {
	f, err := parse(script)
	if err != nil {
		t.Fatalf("parse %q: %v", script, err)
	}
	c := newClassifier(script, Options{})
	var out []word
	syntax.Walk(f, func(n syntax.Node) bool {
		if x, ok := n.(*syntax.CallExpr); ok && out == nil {
			for _, w := range x.Args[1:] {
				out = append(out, c.fields(w)...)
			}
			return false
		}
		return true
	})
	return out
}

// testGrammar is a small tail-like program with one option of each kind.
var testGrammar = newGrammar("prog", gnu,
	"-n --lines=", "-f --follow[=]", "-q --quiet --silent", "-v", "--foo", "--foobar", "--format=",
).numeric().completeLongs().
	writes("-o --output=").
	deny(Mutating, "deletes its input", "--remove").
	valued("-X --request=", oneOf("GET", "HEAD"))

func TestGrammarParse(t *testing.T) {
	for _, tt := range []struct {
		cmd  string
		want Class
		args string // operands, joined by spaces
		why  string // part of the reason when not read-only
	}{
		{`prog -n 5 a b`, ReadOnly, "a b", ""},
		{`prog -n5 a`, ReadOnly, "a", ""},
		{`prog -qvn5 a`, ReadOnly, "a", ""},
		{`prog --lines=5 a`, ReadOnly, "a", ""},
		{`prog --lines 5 a`, ReadOnly, "a", ""},
		{`prog a -n 5 b`, ReadOnly, "a b", ""},
		{`prog -20 a`, ReadOnly, "a", ""},
		{`prog --follow=name a`, ReadOnly, "a", ""},
		{`prog --follow a`, ReadOnly, "a", ""},
		{`prog -- -n a`, ReadOnly, "-n a", ""},
		{`prog - a`, ReadOnly, "- a", ""},
		{`prog --silent`, ReadOnly, "", ""},
		// Abbreviations resolve as getopt_long does: unique prefix, exact
		// name first, spellings of one option not ambiguous.
		{`prog --lin=5 a`, ReadOnly, "a", ""},
		{`prog --foo a`, ReadOnly, "a", ""},
		{`prog --foob a`, ReadOnly, "a", ""},
		{`prog --fo a`, Unknown, "", "not known"},
		{`prog --rem a`, Mutating, "", "deletes"},
		{`prog --out=/tmp/x a`, Mutating, "", "writes /tmp/x"},
		// Options not declared are unknown, in a cluster too.
		{`prog -z a`, Unknown, "", "-z is not known"},
		{`prog -qz a`, Unknown, "", "-z is not known"},
		{`prog --zap a`, Unknown, "", "--zap is not known"},
		{`prog -n`, Unknown, "", "lacks its value"},
		{`prog --quiet=yes`, Unknown, "", "takes no value"},
		{`prog --remove a`, Mutating, "", "deletes its input"},
		{`prog -o /tmp/out a`, Mutating, "", "writes /tmp/out"},
		{`prog -o /dev/null a`, ReadOnly, "a", ""},
		{`prog --output=- a`, ReadOnly, "a", ""},
		{`prog -X GET a`, ReadOnly, "a", ""},
		{`prog -XPOST a`, Unknown, "", "POST"},
		{`prog -X "$M" a`, Unknown, "", "-X"},
		// Alert values: inert as a quoted value or after --, never where
		// an option may be read.
		{`prog -n "$QUENCH_LABEL_N" a`, ReadOnly, "a", ""},
		{`prog --format="$QUENCH_LABEL_N" a`, ReadOnly, "a", ""},
		{`prog -- "$QUENCH_LABEL_N"`, ReadOnly, "$…", ""},
		{`prog "$QUENCH_LABEL_N"`, Unknown, "", "may turn into an option"},
		{`prog a "$QUENCH_LABEL_N"`, Unknown, "", "may turn into an option"},
		{`prog -n $QUENCH_LABEL_N a`, Unknown, "", "may split"},
		{`prog "x$QUENCH_LABEL_N"`, ReadOnly, "x$…", ""},
		{`prog $(cat /etc/args)`, Unknown, "", "may turn into an option"},
		{`prog -$X`, Unknown, "", "only known at run time"},
	} {
		cl := testGrammar.parse(argsOf(t, tt.cmd))
		if cl.v.class != tt.want {
			t.Errorf("%s: class %v (%s), want %v", tt.cmd, cl.v.class, cl.v.reason, tt.want)
			continue
		}
		if tt.want != ReadOnly {
			if !strings.Contains(cl.v.reason, tt.why) {
				t.Errorf("%s: reason %q, want it to mention %q", tt.cmd, cl.v.reason, tt.why)
			}
			continue
		}
		var got []string
		for _, a := range cl.args {
			got = append(got, strings.ReplaceAll(a.val, dynMark, "$…"))
		}
		if g := strings.Join(got, " "); g != tt.args {
			t.Errorf("%s: operands %q, want %q", tt.cmd, g, tt.args)
		}
	}
}

func TestGrammarStyles(t *testing.T) {
	posixG := newGrammar("wrap", posix, "-k=", "-s --signal=")
	pflagG := newGrammar("kube", pflag, "-n --namespace=", "-A --all-namespaces", "-o --output=")
	findG := newGrammar("find", dashLong, "-name=", "-type=", "-print").deny(Mutating, "deletes the files it finds", "-delete")
	for _, tt := range []struct {
		g    *grammar
		cmd  string
		want Class
		args string
	}{
		{posixG, `wrap -k 5 10 rm -rf /`, ReadOnly, "10 rm -rf /"},
		{posixG, `wrap 10 -z`, ReadOnly, "10 -z"},
		{posixG, `wrap -z 10`, Unknown, ""},
		{pflagG, `kube get pods -n=prod -o wide`, ReadOnly, "get pods"},
		{pflagG, `kube get pods --all-namespaces=false`, ReadOnly, "get pods"},
		{pflagG, `kube get pods --all-namespaces=maybe`, Unknown, ""},
		{pflagG, `kube get pods --name=x`, Unknown, ""},
		{pflagG, `kube get pods --names=x`, Unknown, ""},
		{findG, `find /var/log -name '*.log' -type f -print`, ReadOnly, "/var/log"},
		{findG, `find /var/log -name x -delete`, Mutating, ""},
		{findG, `find /var/log -nam x`, Unknown, ""},
	} {
		cl := tt.g.parse(argsOf(t, tt.cmd))
		if cl.v.class != tt.want {
			t.Errorf("%s: class %v (%s), want %v", tt.cmd, cl.v.class, cl.v.reason, tt.want)
			continue
		}
		if tt.want == ReadOnly {
			var got []string
			for _, a := range cl.args {
				got = append(got, a.val)
			}
			if g := strings.Join(got, " "); g != tt.args {
				t.Errorf("%s: operands %q, want %q", tt.cmd, g, tt.args)
			}
		}
	}
}

// A tool rule declares the options it knows to be read-only and lets the
// grammar refuse everything else.
func Example_grammar() {
	g := newGrammar("tail", gnu,
		"-c --bytes=", "-f --follow[=]", "-F", "-n --lines=", "-q --quiet --silent", "-v --verbose",
	).numeric().
		deny(Unknown, "runs a program", "--exec=")
	for _, cmd := range []string{
		`tail -n 50 -f /var/log/syslog`,
		`tail --exec=sh /var/log/syslog`,
		`tail -x /var/log/syslog`,
		`tail "$QUENCH_LABEL_FILE"`,
		`tail -- "$QUENCH_LABEL_FILE"`,
	} {
		f, _ := parse(cmd)
		c := newClassifier(cmd, Options{})
		var args []word
		for _, w := range f.Stmts[0].Cmd.(*syntax.CallExpr).Args[1:] {
			args = append(args, c.fields(w)...)
		}
		cl := g.parse(args)
		fmt.Printf("%-32s %s: %s\n", cmd, cl.v.class, cl.v.reason)
	}
	// Output:
	// tail -n 50 -f /var/log/syslog    read-only: tail
	// tail --exec=sh /var/log/syslog   unknown: tail --exec: runs a program
	// tail -x /var/log/syslog          unknown: tail: option -x is not known to be read-only
	// tail "$QUENCH_LABEL_FILE"        unknown: tail: argument "$QUENCH_LABEL_FILE" may turn into an option at run time; put it after -- or give it a fixed prefix
	// tail -- "$QUENCH_LABEL_FILE"     read-only: tail
}
