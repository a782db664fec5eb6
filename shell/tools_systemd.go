package shell

import "strings"

// systemd's tools and service: verbs that show or list, with the options
// known to only read.

// systemctlReadOnly are the systemctl verbs that only report.
var systemctlReadOnly = setOf(
	"status", "show", "is-active", "is-enabled", "is-failed", "is-system-running", "list-units",
	"list-unit-files", "list-timers", "list-sockets", "list-jobs", "list-dependencies", "list-machines",
	"list-paths", "list-automounts", "cat", "help", "show-environment", "get-default", "whoami",
)

var systemctlGrammar = newGrammar("systemctl", gnu, "-t --type=", "--state=", "-p --property=", "-P=", "-a --all",
	"-r --recursive", "--reverse", "--after", "--before", "--with-dependencies", "-l --full", "--value",
	"--show-types", "--job-mode=", "-T --show-transaction", "-i --ignore-inhibitors", "-q --quiet", "--no-block",
	"--no-wall", "--no-reload", "--no-ask-password", "--system", "--user", "--global", "--failed",
	"-n --lines=", "-o --output=", "--plain", "--no-pager", "--no-legend", "--timestamp=", "--firmware-setup",
	"-h --help", "--version", "--legend=", "--check-inhibitors=", "--what=", "--marked", "--kill-whom=",
	"--signal= -s", "--kill-value=", "--preset-mode=", "--boot-loader-menu=", "--boot-loader-entry=",
	"--reboot-argument=", "--image-policy=", "--drop-in=", "--when=", "--message=", "--now", "-f --force",
	"--runtime", "--root=", "--image=", "-M --machine=").
	deny(Unknown, "runs the command on another host over ssh", "-H --host=")

func systemctlRule(c *classifier, x *call) verdict {
	cl := systemctlGrammar.parse(x.args)
	if !cl.ok() {
		return cl.v
	}
	if len(cl.args) == 0 {
		if cl.has("--version", "-h") {
			return ro("systemctl --version: prints its version")
		}
		return ro("systemctl: lists units")
	}
	verb, ok := cl.args[0].lit()
	if !ok {
		return unk("systemctl " + cl.args[0].src + ": the verb is only known at run time")
	}
	who := "systemctl " + verb
	if len(cl.args) > 1 {
		who += " " + cl.args[1].show()
	}
	if systemctlReadOnly[verb] {
		return ro(who + ": reports units")
	}
	return mut(who + ": changes units or the machine (or is not known to be read-only)")
}

var journalctlGrammar = newGrammar("journalctl", gnu, "--system", "--user", "-M --machine=", "-m --merge",
	"-D --directory=", "-i --file=", "--root=", "--image=", "--image-policy=", "--namespace=", "-S --since=",
	"-U --until=", "-c --cursor=", "--after-cursor=", "-b --boot[=]", "-u --unit=", "--user-unit=",
	"-t --identifier=", "-T --exclude-identifier=", "-p --priority=", "--facility=", "-g --grep=",
	"--case-sensitive[=]", "-k --dmesg", "-o --output=", "--output-fields=", "-n --lines[=]", "-r --reverse",
	"--show-cursor", "--utc", "-x --catalog", "--no-hostname", "--no-full", "-a --all", "-f --follow",
	"--no-tail", "-q --quiet", "--no-pager", "-e --pager-end", "--header", "--disk-usage", "--list-boots",
	"--list-namespaces", "--list-catalog", "--dump-catalog", "--fields", "-F --field=", "--verify",
	"--verify-key=", "-h --help", "--version", "-l --full", "--since= --until=", "--interval=", "--list-invocations",
	"-I", "--invocation=", "--synchronize-on-exit=", "-b=").
	deny(Mutating, "changes the journal", "--vacuum-size=", "--vacuum-time=", "--vacuum-files=", "--rotate",
		"--flush", "--sync", "--relinquish-var", "--smart-relinquish-var", "--setup-keys", "--update-catalog",
		"--force", "--interval=").
	writes("--cursor-file=")

// journalBoot reports a boot offset (-1, +2, 0) or a 32-digit boot ID.
func journalBoot(w word) bool {
	s, ok := w.lit()
	if !ok {
		return false
	}
	if isInteger(s) {
		return true
	}
	if len(s) == 32 {
		for _, ch := range s {
			if !strings.ContainsRune("0123456789abcdef", ch) {
				return false
			}
		}
		return true
	}
	return false
}

// journalctl reads the journal, except the options that vacuum, rotate or
// flush it.
func journalctlRule(c *classifier, x *call) verdict {
	// -b takes an optional boot ID or offset, in the next word too when
	// it looks like one (journalctl -b -1).
	var args []word
	for i := 0; i < len(x.args); i++ {
		a := x.args[i]
		if !a.dyn && (a.val == "-b" || a.val == "--boot") && i+1 < len(x.args) && journalBoot(x.args[i+1]) {
			args = append(args, word{src: a.src, val: a.val + "=" + x.args[i+1].val})
			i++
			continue
		}
		args = append(args, a)
	}
	cl := journalctlGrammar.parse(args)
	if !cl.ok() {
		return cl.v
	}
	return ro("journalctl: reads the journal")
}

var dmesgGrammar = newGrammar("dmesg", gnu, "-F --file=", "-f --facility=", "-H --human", "-J --json",
	"-k --kernel", "-L --color[=]", "-l --level=", "--noescape", "-P --nopager", "-p --force-prefix",
	"-r --raw", "-S --syslog", "-s --buffer-size=", "-T --ctime", "-t --notime", "--time-format=", "-u --userspace",
	"-w --follow", "-W --follow-new", "-x --decode", "-d --show-delta", "-e --reltime", "--since=", "--until=",
	"-h --help", "-V --version").
	deny(Mutating, "changes the kernel ring buffer or console", "-C --clear", "-c --read-clear", "-D --console-off",
		"-E --console-on", "-n --console-level=")

func dmesgRule(c *classifier, x *call) verdict {
	cl := dmesgGrammar.parse(x.args)
	if !cl.ok() {
		return cl.v
	}
	return ro("dmesg: reads the kernel ring buffer")
}

// service NAME status reads, and service --status-all alone; every other
// form acts on a service.
func serviceRule(c *classifier, x *call) verdict {
	args := x.args
	for _, a := range args {
		if a.dyn || a.glob {
			return unk("service: argument " + a.src + " is only known at run time")
		}
	}
	switch {
	case len(args) == 1 && args[0].val == "--status-all":
		return ro("service --status-all: reports services")
	case len(args) == 2 && args[1].val == "status" && !strings.HasPrefix(args[0].val, "-"):
		return ro("service " + args[0].val + " status: reports a service")
	case len(args) == 1 && (args[0].val == "--version" || args[0].val == "--help"):
		return ro("service --version: prints its version")
	}
	if len(args) >= 2 {
		return mut("service " + args[0].show() + " " + args[1].show() + ": changes a service")
	}
	return unk("service: no action given")
}

// ctlTools are the systemd *ctl tools and their verbs that only report.
var ctlTools = map[string]map[string]bool{
	"timedatectl":   setOf("status", "show", "list-timezones", "timesync-status", "show-timesync"),
	"hostnamectl":   setOf("status", "hostname"),
	"loginctl":      setOf("list-sessions", "session-status", "show-session", "list-users", "user-status", "show-user", "list-seats", "seat-status", "show-seat"),
	"resolvectl":    setOf("status", "query", "service", "openpgp", "tlsa", "statistics", "monitor", "show-cache", "show-server-state", "log-level"),
	"networkctl":    setOf("list", "status", "lldp", "cat"),
	"localectl":     setOf("status", "list-locales", "list-keymaps", "list-x11-keymap-models", "list-x11-keymap-layouts", "list-x11-keymap-variants", "list-x11-keymap-options"),
	"busctl":        setOf("list", "status", "tree", "introspect"),
	"machinectl":    setOf("list", "status", "show", "list-images", "image-status", "show-image"),
	"coredumpctl":   setOf("list", "info"),
	"bootctl":       setOf("status", "list", "is-installed"),
	"systemd-cgls":  setOf(),
	"systemd-cgtop": setOf(),
}

var ctlGrammar = newGrammar("ctl", gnu, "--no-pager", "--no-legend", "--no-ask-password", "-a --all", "-l --full",
	"-p --property=", "-P=", "--value", "--json=", "-j", "-n --lines=", "-o --output=", "--adjust-system-clock",
	"--monitor", "-i --interface=", "-t --type=", "-c --class=", "--legend=", "--static", "--transient", "--pretty",
	"-4", "-6", "-s --stats", "-h --help", "--version", "--system", "--user", "-r --reverse", "--since=", "--until=",
	"-1", "-S --since=", "-F --field=", "-q --quiet", "-k", "--cpu[=]", "--depth=", "-d --delay=", "-b --batch",
	"--order=", "-m", "-c", "--raw", "--recursive=").
	deny(Unknown, "runs the command on another host over ssh", "-H --host=").
	writes("-o --output=")

// ctlRule covers the systemd *ctl tools: verbs that show or list read,
// the rest change settings.
func ctlRule(c *classifier, x *call) verdict {
	cl := ctlGrammar.parse(x.args)
	if !cl.ok() {
		return cl.v
	}
	verbs := ctlTools[x.name]
	if len(cl.args) == 0 {
		if x.name == "coredumpctl" || x.name == "resolvectl" || x.name == "busctl" || x.name == "systemd-cgls" || x.name == "systemd-cgtop" {
			return ro(x.name + ": reports status")
		}
		return ro(x.name + ": reports status")
	}
	if x.name == "systemd-cgls" || x.name == "systemd-cgtop" {
		return ro(x.name + ": reports control groups")
	}
	verb, ok := cl.args[0].lit()
	if !ok {
		return unk(x.name + ": the verb is only known at run time")
	}
	who := x.name + " " + verb
	switch {
	case verbs[verb] && (verb != "log-level" && verb != "hostname" || len(cl.args) == 1):
		return ro(who + ": reports status")
	case x.name == "resolvectl" && (verb == "dns" || verb == "domain" || verb == "llmnr" || verb == "mdns" ||
		verb == "dnssec" || verb == "dnsovertls" || verb == "nta" || verb == "default-route") && len(cl.args) <= 2:
		return ro(who + ": reports settings")
	}
	return mut(who + ": changes settings (or is not known to be read-only)")
}

var chronycGrammar = newGrammar("chronyc", gnu, "-n", "-c", "-d", "-e", "-N", "-4", "-6", "-a", "-h=", "-p=", "-v", "-m")

var chronycRead = setOf("tracking", "sources", "sourcestats", "activity", "ntpdata", "clients", "serverstats",
	"rtcdata", "smoothing", "waitsync", "selectdata", "authdata", "ntpsource", "sourcename", "help")

func chronycRule(c *classifier, x *call) verdict {
	cl := chronycGrammar.parse(x.args)
	if !cl.ok() {
		return cl.v
	}
	if len(cl.args) == 0 {
		return unk("chronyc: reads commands from its input")
	}
	verbs := cl.args[:1]
	if cl.has("-m") {
		verbs = cl.args
	}
	for _, v := range verbs {
		s := strings.Fields(v.val)
		if v.dyn || len(s) == 0 || !chronycRead[s[0]] {
			return mut("chronyc " + v.show() + ": changes time sync (or is not known to be read-only)")
		}
	}
	return ro("chronyc " + cl.args[0].show() + ": reports time sync")
}

var analyzeRead = setOf("time", "blame", "critical-chain", "plot", "dot", "dump", "cat-config", "unit-files",
	"unit-paths", "calendar", "timespan", "timestamp", "security", "syscall-filter", "filesystems", "exit-status",
	"capability", "condition", "verify", "architectures", "smbios11", "pcrs", "srk", "has-tpm2", "image-policy",
	"inspect-elf", "fdstore", "malloc", "log-level", "log-target", "service-watchdogs")

var analyzeGrammar = newGrammar("systemd-analyze", gnu, "--system", "--user", "--global", "--order", "--require",
	"--from-pattern=", "--to-pattern=", "--fuzz=", "--man[=]", "--generators[=]", "--recursive-errors=",
	"--no-pager", "--json=", "--iterations=", "--base-time=", "--unit=", "--table", "--no-legend", "--offline=",
	"--threshold=", "--security-policy=", "--profile=", "--scale-svg=", "--detailed", "-q --quiet", "--tldr",
	"--root=", "--image=", "-h --help", "--version").
	deny(Unknown, "runs the command on another host over ssh", "-H --host=")

func analyzeRule(c *classifier, x *call) verdict {
	cl := analyzeGrammar.parse(x.args)
	if !cl.ok() {
		return cl.v
	}
	if len(cl.args) == 0 {
		return ro("systemd-analyze: reports boot time")
	}
	verb := cl.args[0].val
	switch {
	case !analyzeRead[verb] || cl.args[0].dyn:
		return unk("systemd-analyze " + cl.args[0].show() + ": not known to be read-only")
	case (verb == "log-level" || verb == "log-target" || verb == "service-watchdogs") && len(cl.args) > 1:
		return mut("systemd-analyze " + verb + ": changes the manager's settings")
	}
	return ro("systemd-analyze " + verb + ": reports the system manager")
}
