package shell

import "strings"

// writes reports whether giving w as an output file writes to disk: "-"
// (standard output) and /dev/null do not.
func writes(w word) bool {
	return w.dyn || w.glob || (w.val != "-" && !safeSink(w.val))
}

// firstPos returns the lower-cased first operand and whether it is known.
func firstPos(p parsed) (string, bool) {
	if len(p.pos) == 0 {
		return "", true
	}
	s, ok := p.pos[0].lit()
	return strings.ToLower(s), ok
}

// find lists files unless an action deletes, writes or runs something.
func findRule(c *classifier, x *call) verdict {
	for i, a := range x.args {
		s, _ := a.lit()
		switch s {
		case "-delete":
			return mut("find -delete: deletes the files it finds")
		case "-fprint", "-fprint0", "-fprintf", "-fls":
			return mut("find " + s + ": writes its list to a file")
		case "-exec", "-execdir", "-ok", "-okdir":
			end := i + 1
			for end < len(x.args) && x.args[end].val != ";" && x.args[end].val != "+" {
				end++
			}
			cmd := x.args[i+1 : end]
			if len(cmd) == 0 {
				return unk("find " + s + ": runs a command on every file found")
			}
			if v := c.inner(cmd, nil); v.class == Mutating {
				return v.prefixed("find " + s)
			}
			return unk("find " + s + ": runs " + cmd[0].show() + " on every file found")
		}
	}
	return roOpts("find: lists files")
}

func sortRule(c *classifier, x *call) verdict {
	p := parseOpts(x.args, optSpec{
		short: "kotST",
		long:  []string{"key", "output", "field-separator", "buffer-size", "temporary-directory", "files0-from", "random-source", "compress-program", "batch-size", "parallel", "sort"},
	})
	if p.any("--compress-program") {
		return unk("sort --compress-program: runs a program")
	}
	if o, ok := p.output("-o", "--output"); ok {
		return mut("sort " + o.name + ": writes " + o.target())
	}
	return roOpts("sort: sorts lines")
}

// uniq writes its output to its second operand when there is one.
func uniqRule(c *classifier, x *call) verdict {
	p := parseOpts(x.args, optSpec{short: "fsw", long: []string{"skip-fields", "skip-chars", "check-chars"}})
	if len(p.pos) > 1 && writes(p.pos[1]) {
		return mut("uniq: writes " + p.pos[1].show())
	}
	return roOpts("uniq: filters repeated lines")
}

func teeRule(c *classifier, x *call) verdict {
	p := parseOpts(x.args, optSpec{})
	for _, w := range p.pos {
		if w.dyn || w.glob || !safeSink(w.val) {
			return mut("tee: writes " + w.show())
		}
	}
	return ro("tee: copies its input to its output")
}

// kill -0 only checks that a process exists; every other signal acts.
func killRule(c *classifier, x *call) verdict {
	if len(x.args) > 0 {
		switch s, _ := x.args[0].lit(); s {
		case "-0":
			return ro("kill -0: checks that a process exists")
		case "-l", "-L", "--list", "--table":
			return ro("kill -l: lists signals")
		case "-s", "-n", "--signal":
			if len(x.args) > 1 && x.args[1].val == "0" {
				return ro("kill -0: checks that a process exists")
			}
		}
	}
	return mut("kill: sends a signal to processes")
}

func pkillRule(c *classifier, x *call) verdict {
	for i, a := range x.args {
		s, _ := a.lit()
		if s == "-0" || s == "--signal=0" || ((s == "-s" || s == "--signal") && i+1 < len(x.args) && x.args[i+1].val == "0") {
			return ro(x.name + " -0: checks that processes exist")
		}
		if x.name == "killall" && (s == "-l" || s == "--list") {
			return ro("killall -l: lists signals")
		}
	}
	return mut(x.name + ": sends a signal to processes")
}

// date prints the time unless told to set the clock.
func dateRule(c *classifier, x *call) verdict {
	p := parseOpts(x.args, optSpec{short: "dfrs", long: []string{"date", "file", "reference", "set"}})
	if p.any("-s", "--set") {
		return mut("date -s: sets the system clock")
	}
	for _, w := range p.pos {
		if !strings.HasPrefix(w.val, "+") {
			return mut("date " + w.show() + ": sets the system clock")
		}
	}
	return roOpts("date: prints the time")
}

func hostnameRule(c *classifier, x *call) verdict {
	p := parseOpts(x.args, optSpec{short: "F", long: []string{"file"}})
	if len(p.pos) > 0 || p.any("-F", "--file", "-b", "--boot") {
		return mut("hostname: sets the host name")
	}
	return roOpts("hostname: prints the host name")
}

// tar lists (-t) or extracts to standard output (-xO) read-only; creating,
// extracting and appending change files.
func tarRule(c *classifier, x *call) verdict {
	args := x.args
	var letters string
	if len(args) > 0 && !strings.HasPrefix(args[0].val, "-") && !args[0].dyn {
		letters, args = args[0].val, args[1:] // tar czf: old-style options
	}
	p := parseOpts(args, optSpec{short: "fCbgHIKLNTVXF", long: []string{"file", "directory", "to-command", "use-compress-program", "info-script", "new-volume-script", "rsh-command", "rmt-command", "checkpoint-action", "exclude", "files-from"}})
	for _, o := range p.opts {
		if len(o.name) == 2 {
			letters += o.name[1:]
		}
	}
	if strings.ContainsAny(letters, "IF") || p.any("--to-command", "--use-compress-program", "--info-script", "--new-volume-script", "--rsh-command", "--rmt-command", "--checkpoint-action") {
		return unk("tar: runs a program given in its options")
	}
	switch {
	case strings.ContainsAny(letters, "td") || p.any("--list", "--diff", "--compare"):
		return roOpts("tar -t: lists an archive")
	case strings.Contains(letters, "x") || p.any("--extract", "--get"):
		if strings.Contains(letters, "O") || p.any("--to-stdout") {
			return roOpts("tar -xO: extracts to standard output")
		}
		return mut("tar -x: extracts files")
	case strings.Contains(letters, "c") || p.any("--create"):
		if f, ok := p.value("-f", "--file"); ok && f.val == "-" {
			return roOpts("tar -c: writes an archive to standard output")
		}
		return mut("tar -c: writes an archive")
	}
	return mut("tar: changes an archive")
}

// gzip and friends replace files unless they write to standard output.
func gzipRule(c *classifier, x *call) verdict {
	p := parseOpts(x.args, optSpec{short: "bSTo", long: []string{"suffix", "output"}})
	if p.flag("-c", "--stdout", "--to-stdout", "-t", "--test", "-l", "--list") {
		return roOpts(x.name + " -c: writes to standard output")
	}
	if len(p.pos) == 0 || (len(p.pos) == 1 && p.pos[0].val == "-") {
		return roOpts(x.name + ": filters its input to its output")
	}
	return mut(x.name + ": replaces files with their (de)compressed form")
}

func unzipRule(c *classifier, x *call) verdict {
	p := parseOpts(x.args, optSpec{short: "dx", stop: false})
	if p.flag("-l", "-t", "-v", "-p", "-Z", "-z", "-c") {
		return roOpts("unzip -l: reads an archive")
	}
	return mut("unzip: extracts files")
}

func lessRule(c *classifier, x *call) verdict {
	p := parseOpts(x.args, optSpec{short: "oObhjkpPtTxyz", long: []string{"log-file", "LOG-FILE", "tag", "tag-file"}})
	if p.any("-o", "-O", "--log-file", "--LOG-FILE") {
		return mut("less -o: writes a log file")
	}
	return roOpts("less: pages text")
}

func topRule(c *classifier, x *call) verdict {
	p := parseOpts(x.args, optSpec{short: "dnpuUowE"})
	if p.flag("-b", "--batch") {
		return ro("top -b: reports processes")
	}
	return unk("top: interactive without -b")
}

func treeRule(c *classifier, x *call) verdict {
	p := parseOpts(x.args, optSpec{short: "LPIoH", long: []string{"filelimit", "timefmt", "sort", "charset"}})
	if o, ok := p.output("-o"); ok {
		return mut("tree -o: writes " + o.target())
	}
	return roOpts("tree: lists files")
}

func crontabRule(c *classifier, x *call) verdict {
	p := parseOpts(x.args, optSpec{short: "u"})
	if p.flag("-l") && !p.any("-r", "-e", "-i") && len(p.pos) == 0 {
		return roOpts("crontab -l: prints the crontab")
	}
	return mut("crontab: replaces or edits the crontab")
}

func sysctlRule(c *classifier, x *call) verdict {
	p := parseOpts(x.args, optSpec{short: "pf", long: []string{"load", "pattern"}})
	if p.any("-w", "--write", "-p", "-f", "--load", "--system") {
		return mut("sysctl -w: changes kernel parameters")
	}
	for _, w := range p.pos {
		if strings.Contains(w.val, "=") || w.dyn {
			return mut("sysctl " + w.show() + ": changes a kernel parameter")
		}
	}
	return roOpts("sysctl: reads kernel parameters")
}

func fuserRule(c *classifier, x *call) verdict {
	p := parseOpts(x.args, optSpec{})
	if p.any("-k", "--kill") {
		return mut("fuser -k: kills the processes using a file")
	}
	return roOpts("fuser: lists processes using files")
}

func fileRule(c *classifier, x *call) verdict {
	p := parseOpts(x.args, optSpec{short: "mfFeP", long: []string{"magic-file", "files-from", "separator", "exclude", "parameter"}})
	if p.any("-C", "--compile") {
		return mut("file -C: writes a compiled magic file")
	}
	return roOpts("file: identifies file types")
}

func xxdRule(c *classifier, x *call) verdict {
	p := parseOpts(x.args, optSpec{short: "cglosn", long: []string{"cols", "len", "seek", "name"}})
	if len(p.pos) > 1 && writes(p.pos[1]) {
		return mut("xxd: writes " + p.pos[1].show())
	}
	return roOpts("xxd: dumps bytes")
}

func yqRule(c *classifier, x *call) verdict {
	p := parseOpts(x.args, optSpec{short: "psoIe", long: []string{"input-format", "output-format", "split-exp", "indent", "expression", "from-file"}})
	if p.any("-i", "--inplace") {
		return mut("yq -i: edits files in place")
	}
	if p.any("-s", "--split-exp") {
		return mut("yq -s: writes a file per document")
	}
	return roOpts("yq: filters YAML")
}

// python is a program runner; only its JSON pretty-printer is known.
func pythonRule(c *classifier, x *call) verdict {
	p := parseOpts(x.args, optSpec{short: "mcWX", stop: true})
	if p.flag("-V", "--version") && len(p.pos) == 0 {
		return ro(x.name + " --version: prints its version")
	}
	if m, ok := p.value("-m"); ok && m.val == "json.tool" && len(p.pos) <= 1 && !p.any("-c") {
		return roOpts(x.name + " -m json.tool: formats JSON")
	}
	return unk(x.name + ": runs a program")
}

func mktempRule(c *classifier, x *call) verdict {
	p := parseOpts(x.args, optSpec{short: "p", long: []string{"suffix", "tmpdir"}})
	if p.flag("-u", "--dry-run") {
		return ro("mktemp -u: prints a file name")
	}
	return mut("mktemp: creates a file")
}

func iptablesRule(c *classifier, x *call) verdict {
	p := parseOpts(x.args, optSpec{short: "tW", long: []string{"table", "wait"}})
	if p.flag("-L", "--list", "-S", "--list-rules", "-C", "--check") {
		return ro(x.name + " -L: lists firewall rules")
	}
	return mut(x.name + ": changes firewall rules")
}

func nftRule(c *classifier, x *call) verdict {
	p := parseOpts(x.args, optSpec{short: "fIo", stop: true})
	if s, ok := firstPos(p); ok && (s == "list" || (s == "" && p.flag("-v", "--version"))) {
		return ro("nft list: lists firewall rules")
	}
	return mut("nft: changes firewall rules")
}

func ufwRule(c *classifier, x *call) verdict {
	p := parseOpts(x.args, optSpec{stop: true})
	switch s, ok := firstPos(p); {
	case !ok:
		return unk("ufw: the subcommand is only known at run time")
	case s == "status" || s == "show" || s == "version" || (s == "app" && len(p.pos) > 1 && p.pos[1].val == "list"):
		return ro("ufw " + s + ": reports the firewall")
	}
	return mut("ufw: changes the firewall")
}

func mountRule(c *classifier, x *call) verdict {
	p := parseOpts(x.args, optSpec{short: "tOoLUTN"})
	if len(p.pos) == 0 && !p.flag("-a", "--all") {
		return ro("mount: lists mounts")
	}
	return mut("mount: mounts a file system")
}

func swaponRule(c *classifier, x *call) verdict {
	p := parseOpts(x.args, optSpec{short: "po"})
	if len(p.pos) == 0 && !p.flag("-a", "--all") {
		return ro("swapon --show: lists swap")
	}
	return mut("swapon: enables swap")
}

func dpkgRule(c *classifier, x *call) verdict {
	p := parseOpts(x.args, optSpec{})
	if p.flag("-l", "--list", "-L", "--listfiles", "-s", "--status", "-S", "--search", "-p", "--print-avail",
		"-c", "--contents", "-I", "--info", "--get-selections", "--print-architecture",
		"--print-foreign-architectures", "--compare-versions", "--audit", "-C", "-V", "--verify", "--version") &&
		!p.any("-i", "--install", "-r", "--remove", "-P", "--purge", "--configure", "--unpack", "--set-selections") {
		return ro("dpkg -l: queries packages")
	}
	return mut("dpkg: changes packages")
}

func aptRule(c *classifier, x *call) verdict {
	p := parseOpts(x.args, optSpec{short: "ocCt", long: []string{"option", "config-file", "target-release"}})
	sub, ok := firstPos(p)
	if !ok {
		return unk(x.name + ": the subcommand is only known at run time")
	}
	if x.name == "apt-get" && p.flag("-s", "--simulate", "--just-print", "--dry-run", "--recon", "--no-act") {
		return ro("apt-get -s: simulates")
	}
	switch sub {
	case "list", "search", "show", "showsrc", "policy", "depends", "rdepends", "changelog", "check", "moo", "":
		return ro(x.name + " " + sub + ": queries packages")
	}
	return mut(x.name + " " + sub + ": changes packages")
}

func yumRule(c *classifier, x *call) verdict {
	p := parseOpts(x.args, optSpec{short: "cdexR", long: []string{"config", "exclude", "repo", "enablerepo", "disablerepo"}})
	sub, ok := firstPos(p)
	if !ok {
		return unk(x.name + ": the subcommand is only known at run time")
	}
	switch sub {
	case "list", "info", "search", "provides", "whatprovides", "repolist", "check-update", "deplist", "repoquery", "":
		return ro(x.name + " " + sub + ": queries packages")
	case "history":
		if len(p.pos) < 2 || p.pos[1].val == "list" || p.pos[1].val == "info" {
			return ro(x.name + " history: lists transactions")
		}
	}
	return mut(x.name + " " + sub + ": changes packages")
}

func pipRule(c *classifier, x *call) verdict {
	p := parseOpts(x.args, optSpec{stop: true})
	sub, ok := firstPos(p)
	if !ok {
		return unk(x.name + ": the subcommand is only known at run time")
	}
	switch sub {
	case "list", "show", "freeze", "check", "help", "":
		return ro(x.name + " " + sub + ": queries packages")
	}
	return mut(x.name + " " + sub + ": changes packages")
}

func npmRule(c *classifier, x *call) verdict {
	p := parseOpts(x.args, optSpec{stop: true})
	sub, ok := firstPos(p)
	if !ok {
		return unk("npm: the subcommand is only known at run time")
	}
	switch sub {
	case "", "ls", "list", "la", "ll", "view", "v", "info", "show", "outdated", "doctor", "explain", "why",
		"prefix", "root", "bin", "search", "help", "whoami", "ping":
		return ro("npm " + sub + ": queries packages")
	case "audit":
		if len(p.pos) < 2 {
			return ro("npm audit: reports vulnerabilities")
		}
	case "config", "c":
		if len(p.pos) > 1 && (p.pos[1].val == "get" || p.pos[1].val == "list" || p.pos[1].val == "ls") {
			return ro("npm config get: reads configuration")
		}
	case "version":
		if len(p.pos) == 1 {
			return ro("npm version: prints versions")
		}
	case "run", "run-script", "rum", "urn", "exec", "x", "start", "test", "t", "tst", "restart", "stop":
		return unk("npm " + sub + ": runs a package script")
	}
	return mut("npm " + sub + ": changes packages or publishes")
}

func ifconfigRule(c *classifier, x *call) verdict {
	p := parseOpts(x.args, optSpec{})
	if len(p.pos) <= 1 {
		return ro("ifconfig: lists interfaces")
	}
	return mut("ifconfig: changes an interface")
}

func arpRule(c *classifier, x *call) verdict {
	p := parseOpts(x.args, optSpec{short: "iHf"})
	if p.any("-d", "-s", "-f", "--delete", "--set", "--file") {
		return mut("arp -s: changes the ARP cache")
	}
	return ro("arp: lists the ARP cache")
}

func routeRule(c *classifier, x *call) verdict {
	p := parseOpts(x.args, optSpec{short: "A"})
	if s, ok := firstPos(p); !ok || s == "add" || s == "del" || s == "flush" {
		return mut("route " + s + ": changes routes")
	}
	return ro("route: lists routes")
}
