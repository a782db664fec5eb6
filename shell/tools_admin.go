package shell

import "strings"

// Administration tools: signals, packages, firewalls, mounts. Read-only
// only in their listing or querying forms.

// kill is read-only only when every signal it is given is 0 (a check that
// a process exists): kill -0 -s KILL 1 sends KILL, the last signal wins.
func killRule(c *classifier, x *call) verdict {
	args := x.args
	if len(args) > 0 && !args[0].dyn {
		switch args[0].val {
		case "-l", "-L", "--list", "--table":
			return minorRO("kill -l: lists signals")
		}
	}
	sig := ""
	i := 0
	for ; i < len(args); i++ {
		a := args[i]
		if a.inject {
			return unk("kill: argument " + a.src + " may turn into a signal at run time")
		}
		s := a.val
		if a.dyn || !strings.HasPrefix(s, "-") || s == "-" {
			break
		}
		if s == "--" {
			i++
			break
		}
		switch {
		case s == "-s" || s == "-n" || s == "--signal":
			if i+1 >= len(args) || args[i+1].dyn {
				return unk("kill " + s + ": the signal is only known at run time")
			}
			i++
			sig = args[i].val
		case strings.HasPrefix(s, "--signal="):
			sig = strings.TrimPrefix(s, "--signal=")
		case allDigits(s[1:]) || isSignalName(s[1:]):
			sig = s[1:]
		default:
			return unk("kill " + s + ": an option not known")
		}
		if sig != "0" {
			return mut("kill -" + sig + ": sends a signal to processes")
		}
	}
	if sig != "0" {
		return mut("kill: sends SIGTERM to processes")
	}
	for _, a := range args[i:] {
		if a.inject || strings.HasPrefix(a.val, "-") {
			return unk("kill -0: argument " + a.src + " may turn into a signal at run time")
		}
	}
	return minorRO("kill -0: checks that a process exists")
}

// isSignalName reports a signal name such as KILL, SIGTERM, RTMIN+1.
func isSignalName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		ch := s[i]
		if !(ch >= 'A' && ch <= 'Z' || ch >= 'a' && ch <= 'z' || ch >= '0' && ch <= '9' || ch == '+' || ch == '-') {
			return false
		}
	}
	return true
}

var pkillGrammar = newGrammar("pkill", gnu, "-e --echo", "-f --full", "-g --pgroup=", "-G --group=", "-i --ignore-case",
	"-n --newest", "-o --oldest", "-O --older=", "-P --parent=", "-s --session=", "-t --terminal=", "-u --euid=",
	"-U --uid=", "-v --inverse", "-x --exact", "-F --pidfile=", "-L --logpidfile", "-r --runstates=",
	"-A --ignore-ancestors", "--cgroup=", "--ns=", "--nslist=", "-c --count", "-w --lightweight", "-h --help", "-V --version",
	"--signal=", "-q --queue=", "-H --require-handler")

var killallGrammar = newGrammar("killall", gnu, "-e --exact", "-I --ignore-case", "-g --process-group",
	"-y --younger-than=", "-o --older-than=", "-i --interactive", "-q --quiet", "-r --regexp", "-u --user=",
	"-v --verbose", "-w --wait", "-n --ns=", "-Z --context=", "-s --signal=", "-V --version", "-h --help")

// pkill and killall signal every process they match; read-only only when
// every signal given is 0.
func pkillRule(c *classifier, x *call) verdict {
	g := pkillGrammar
	if x.name == "killall" {
		g = killallGrammar
		for _, a := range x.args {
			if !a.dyn && (a.val == "-l" || a.val == "--list") {
				return ro("killall -l: lists signals")
			}
		}
	}
	var rest []word
	sig := ""
	for _, a := range x.args {
		s := a.val
		if !a.dyn && strings.HasPrefix(s, "-") && len(s) > 1 && (allDigits(s[1:]) || isSignalName(s[1:]) && strings.ToUpper(s[1:]) == s[1:]) {
			sig = s[1:]
			if sig != "0" {
				return mut(x.name + " -" + sig + ": sends a signal to processes")
			}
			continue
		}
		rest = append(rest, a)
	}
	cl := g.parse(rest)
	if !cl.ok() {
		return cl.v
	}
	for _, o := range cl.opts {
		if contains(o.opt.names, "--signal") || contains(o.opt.names, "-s") && x.name == "killall" {
			if s, ok := o.val.lit(); !ok || s != "0" {
				return mut(x.name + " " + o.as + " " + o.val.show() + ": sends a signal to processes")
			}
			sig = "0"
		}
	}
	if sig != "0" {
		return mut(x.name + ": sends a signal to processes")
	}
	return ro(x.name + " -0: checks that processes exist")
}

var yqGrammar = newGrammar("yq", gnu, "-r --unwrapScalar", "-o --output-format=", "-p --input-format=", "-P --prettyPrint",
	"-C --colors", "-M --no-colors", "-e --exit-status", "-I --indent=", "-N --no-doc", "-j --tojson", "-0 --nul-output",
	"--header-preprocess", "--expression=", "-n --null-input", "-s --split-exp=", "-V --version", "-h --help",
	"--xml-attribute-prefix=", "--csv-separator=", "--front-matter=").
	deny(Mutating, "edits files in place", "-i --inplace").
	deny(Unknown, "reads its expression from a file", "--from-file=")

func yqRule(c *classifier, x *call) verdict {
	cl := yqGrammar.parse(x.args)
	if !cl.ok() {
		return cl.v
	}
	if cl.has("-s") {
		return mut("yq -s: writes a file per document")
	}
	return ro("yq: filters YAML")
}

var iptablesGrammar = newGrammar("iptables", gnu, "-L --list[=]", "-S --list-rules[=]", "-C --check=", "-t --table=",
	"-n --numeric", "-v --verbose", "-x --exact", "--line-numbers", "-w --wait[=]", "-W --wait-interval=",
	"-4 --ipv4", "-6 --ipv6", "-p --protocol=", "-s --source=", "-d --destination=", "-j --jump=", "-i --in-interface=",
	"-o --out-interface=", "-m --match=", "--dport=", "--sport=", "--ctstate=", "--state=", "-h --help", "-V --version")

// iptables lists or checks rules; every other command changes them.
func iptablesRule(c *classifier, x *call) verdict {
	cl := iptablesGrammar.parse(x.args)
	if !cl.ok() {
		return mut(x.name + ": changes firewall rules (or is not known to be read-only)")
	}
	if !cl.has("-L", "-S", "-C", "-h", "-V") {
		return mut(x.name + ": changes firewall rules")
	}
	return ro(x.name + " -L: lists firewall rules")
}

var nftGrammar = newGrammar("nft", gnu, "-n --numeric", "-s --stateless", "-a --handle", "-j --json", "-e --echo",
	"-t --terse", "-N --reversedns", "-S --service", "-u --guid", "-y --numeric-priority", "-p --numeric-protocol",
	"-T --numeric-time", "-V", "-v --version", "-h --help")

func nftRule(c *classifier, x *call) verdict {
	cl := nftGrammar.parse(x.args)
	if !cl.ok() {
		return cl.v
	}
	if len(cl.args) == 0 {
		if cl.has("-v", "-V", "-h") {
			return ro("nft --version: prints its version")
		}
		return unk("nft: reads commands from its input")
	}
	if s, ok := cl.args[0].lit(); ok && (s == "list" || strings.HasPrefix(s, "list ")) {
		return ro("nft list: lists firewall rules")
	}
	return mut("nft " + cl.args[0].show() + ": changes firewall rules")
}

func ufwRule(c *classifier, x *call) verdict {
	for _, a := range x.args {
		if a.dyn {
			return unk("ufw: argument " + a.src + " is only known at run time")
		}
	}
	var pos []string
	for _, a := range x.args {
		if a.val != "--dry-run" {
			pos = append(pos, a.val)
		}
	}
	switch {
	case len(pos) == 1 && (pos[0] == "status" || pos[0] == "version" || pos[0] == "--version" || pos[0] == "--help"):
	case len(pos) == 2 && pos[0] == "status" && (pos[1] == "verbose" || pos[1] == "numbered"):
	case len(pos) >= 2 && pos[0] == "show":
	case len(pos) == 2 && pos[0] == "app" && pos[1] == "list":
	case len(pos) == 3 && pos[0] == "app" && pos[1] == "info":
	default:
		return mut("ufw " + strings.Join(pos, " ") + ": changes the firewall (or is not known to be read-only)")
	}
	return ro("ufw " + pos[0] + ": reports the firewall")
}

var mountGrammar = newGrammar("mount", gnu, "-l --show-labels", "-t --types=", "-v --verbose", "-h --help", "-V --version")

func mountRule(c *classifier, x *call) verdict {
	cl := mountGrammar.parse(x.args)
	if !cl.ok() || len(cl.args) > 0 {
		return mut("mount: mounts a file system (or is not known to be read-only)")
	}
	return ro("mount: lists mounts")
}

var swaponGrammar = newGrammar("swapon", gnu, "-s --summary", "--show[=]", "--noheadings", "--raw", "--bytes", "-v --verbose", "-h --help", "-V --version")

func swaponRule(c *classifier, x *call) verdict {
	cl := swaponGrammar.parse(x.args)
	if !cl.ok() || len(cl.args) > 0 {
		return mut("swapon: enables swap (or is not known to be read-only)")
	}
	return ro("swapon --show: lists swap")
}

var dpkgGrammar = newGrammar("dpkg", gnu, "-l --list", "-L --listfiles", "-s --status", "-S --search", "-p --print-avail",
	"-c --contents", "-I --info", "--get-selections", "--print-architecture", "--print-foreign-architectures",
	"--compare-versions", "-C --audit", "-V --verify", "--version", "--help", "--no-pager", "--admindir=", "--root=",
	"--verify-format=")

func dpkgRule(c *classifier, x *call) verdict {
	cl := dpkgGrammar.parse(x.args)
	if !cl.ok() {
		return mut("dpkg: changes packages (or is not known to be read-only)")
	}
	if len(cl.opts) == 0 {
		return unk("dpkg: no action")
	}
	return ro("dpkg -l: queries packages")
}

var aptGrammar = newGrammar("apt", gnu, "-q --quiet", "-qq", "-y --yes --assume-yes", "-a --all-versions",
	"--installed", "--upgradable", "--manual-installed", "--full", "-n --names-only", "--no-install-recommends",
	"-h --help", "-v --version", "-s --simulate --just-print --dry-run --recon --no-act", "--color", "--no-color").
	deny(Unknown, "sets configuration that can run hooks or turn simulation off", "-o --option=", "-c --config-file=", "-t --target-release=")

// apt and apt-get query with list, search, show, policy and the like;
// apt-get -s simulates without changing anything.
func aptRule(c *classifier, x *call) verdict {
	cl := aptGrammar.parse(x.args)
	if !cl.ok() {
		return cl.v
	}
	if len(cl.args) == 0 {
		return ro(x.name + ": prints usage")
	}
	sub, ok := cl.args[0].lit()
	if !ok {
		return unk(x.name + ": the subcommand is only known at run time")
	}
	switch sub {
	case "list", "search", "show", "showsrc", "policy", "depends", "rdepends", "changelog", "moo":
		return ro(x.name + " " + sub + ": queries packages")
	}
	if x.name == "apt-get" && cl.has("-s") {
		switch sub {
		case "install", "remove", "purge", "upgrade", "dist-upgrade", "full-upgrade", "autoremove", "build-dep":
			return ro("apt-get -s " + sub + ": simulates")
		}
	}
	return mut(x.name + " " + sub + ": changes packages (or is not known to be read-only)")
}

var yumGrammar = newGrammar("yum", gnu, "-q --quiet", "-v --verbose", "-C --cacheonly", "--installed", "--available",
	"--all", "--showduplicates", "--enablerepo=", "--disablerepo=", "--repo= --repoid=", "-y --assumeyes",
	"--noplugins", "-h --help", "--version", "--security", "--upgrades", "--extras", "--obsoletes", "--recent",
	"--userinstalled", "--whatprovides=", "--whatrequires=", "--qf= --queryformat=", "--list", "--info", "-l").
	deny(Unknown, "sets configuration that can run hooks", "-c --config=", "--setopt=", "--installroot=")

func yumRule(c *classifier, x *call) verdict {
	cl := yumGrammar.parse(x.args)
	if !cl.ok() {
		return cl.v
	}
	if len(cl.args) == 0 {
		return ro(x.name + ": prints usage")
	}
	sub, ok := cl.args[0].lit()
	if !ok {
		return unk(x.name + ": the subcommand is only known at run time")
	}
	switch sub {
	case "list", "info", "search", "provides", "whatprovides", "repolist", "check-update", "deplist", "repoquery", "--version":
		return ro(x.name + " " + sub + ": queries packages")
	case "history":
		if len(cl.args) < 2 || cl.args[1].val == "list" || cl.args[1].val == "info" {
			return ro(x.name + " history: lists transactions")
		}
	}
	return mut(x.name + " " + sub + ": changes packages (or is not known to be read-only)")
}

var pipGrammar = newGrammar("pip", gnu, "--format=", "-l --local", "--user", "-o --outdated", "-u --uptodate",
	"--not-required", "-e --editable", "--exclude-editable", "--include-editable", "-f --files", "-v --verbose",
	"-q --quiet", "--disable-pip-version-check", "--no-color", "-V --version", "-h --help", "--all", "--exclude=", "--path=", "--no-index")

func pipRule(c *classifier, x *call) verdict {
	cl := pipGrammar.parse(x.args)
	if !cl.ok() {
		return cl.v
	}
	if len(cl.args) == 0 {
		return ro(x.name + ": prints usage")
	}
	switch sub := cl.args[0].val; sub {
	case "list", "show", "freeze", "check":
		if !cl.args[0].dyn {
			return ro(x.name + " " + sub + ": queries packages")
		}
	}
	return mut(x.name + " " + cl.args[0].show() + ": changes packages (or is not known to be read-only)")
}

var npmGrammar = newGrammar("npm", gnu, "--json", "-g --global", "--depth=", "--all", "--long", "--parseable", "-v --version", "-h --help", "--omit=", "--include=", "-s --silent", "-q --quiet")

func npmRule(c *classifier, x *call) verdict {
	cl := npmGrammar.parse(x.args)
	if !cl.ok() {
		return cl.v
	}
	if len(cl.args) == 0 {
		return ro("npm: prints usage")
	}
	switch sub := cl.args[0].val; sub {
	case "ls", "list", "la", "ll", "view", "v", "info", "show", "outdated", "explain", "why", "prefix", "root", "bin", "search":
		if !cl.args[0].dyn {
			return ro("npm " + sub + ": queries packages")
		}
	case "run", "run-script", "rum", "urn", "exec", "x", "start", "test", "t", "tst", "restart", "stop":
		return unk("npm " + sub + ": runs a package script")
	}
	return mut("npm " + cl.args[0].show() + ": changes packages (or is not known to be read-only)")
}
