package shell

import "strings"

// systemctlReadOnly are the systemctl verbs that only report.
var systemctlReadOnly = setOf(
	"status", "show", "is-active", "is-enabled", "is-failed", "is-system-running", "list-units",
	"list-unit-files", "list-timers", "list-sockets", "list-jobs", "list-dependencies", "list-machines",
	"list-paths", "list-automounts", "cat", "help", "show-environment", "get-default", "whoami",
)

// systemctlMutating are the verbs that change units or the machine.
var systemctlMutating = setOf(
	"start", "stop", "restart", "reload", "try-restart", "reload-or-restart", "try-reload-or-restart",
	"condrestart", "force-reload", "enable", "disable", "reenable", "mask", "unmask", "kill", "daemon-reload",
	"daemon-reexec", "reset-failed", "isolate", "set-property", "set-environment", "unset-environment",
	"import-environment", "edit", "preset", "preset-all", "link", "revert", "default", "rescue", "emergency",
	"halt", "poweroff", "reboot", "kexec", "soft-reboot", "suspend", "hibernate", "hybrid-sleep",
	"suspend-then-hibernate", "clean", "freeze", "thaw", "set-default", "add-wants", "add-requires", "bind",
	"mount-image", "exit", "switch-root", "log-level", "log-target", "service-log-level", "service-log-target",
)

func systemctlRule(c *classifier, x *call) verdict {
	p := parseOpts(x.args, optSpec{
		short: "tpsnoHMP",
		long: []string{"type", "property", "signal", "lines", "output", "host", "machine", "state", "root",
			"kill-whom", "kill-value", "job-mode", "what", "timestamp", "image", "boot-loader-menu",
			"boot-loader-entry", "reboot-argument", "message", "drop-in", "when", "preset-mode"},
	})
	if p.flag("--version", "-h", "--help") && len(p.pos) == 0 {
		return ro("systemctl --version: prints its version")
	}
	if len(p.pos) == 0 {
		return ro("systemctl: lists units")
	}
	verb, ok := p.pos[0].lit()
	if !ok {
		return unk("systemctl " + p.pos[0].src + ": the verb is only known at run time")
	}
	who := "systemctl " + verb
	if len(p.pos) > 1 {
		who += " " + p.pos[1].show()
	}
	switch {
	case systemctlReadOnly[verb]:
		return ro(who + ": reports units")
	case systemctlMutating[verb]:
		return mut(who + ": changes units or the machine")
	}
	return unk(who + ": not recognised")
}

// journalctl reads the journal, except the options that vacuum, rotate or
// flush it.
func journalctlRule(c *classifier, x *call) verdict {
	p := parseOpts(x.args, optSpec{
		short: "unptSUoDMIFcT",
		long: []string{"unit", "user-unit", "lines", "priority", "identifier", "since", "until", "output",
			"directory", "file", "machine", "field", "cursor", "after-cursor", "boot", "namespace", "facility",
			"grep", "output-fields", "root", "image", "interval", "cursor-file", "vacuum-size", "vacuum-time",
			"vacuum-files", "verify-key"},
	})
	for _, o := range p.get("--vacuum-size", "--vacuum-time", "--vacuum-files", "--rotate", "--flush",
		"--sync", "--relinquish-var", "--smart-relinquish-var", "--setup-keys", "--update-catalog") {
		return mut("journalctl " + o.name + ": changes the journal")
	}
	for _, o := range p.get("--cursor-file") {
		if writes(o.val) {
			return mut("journalctl --cursor-file: writes " + o.val.show())
		}
	}
	return roOpts("journalctl: reads the journal")
}

// dmesg reads the kernel ring buffer unless it clears it or changes the
// console level.
func dmesgRule(c *classifier, x *call) verdict {
	p := parseOpts(x.args, optSpec{short: "nflFs", long: []string{"console-level", "facility", "level", "file", "buffer-size", "since", "until", "time-format"}})
	if o := p.get("-c", "-C", "--clear", "--read-clear", "-n", "--console-level", "-D", "--console-off", "-E", "--console-on"); len(o) > 0 {
		return mut("dmesg " + o[0].name + ": changes the kernel ring buffer or console")
	}
	return roOpts("dmesg: reads the kernel ring buffer")
}

// service NAME status reads; every other action changes the service.
func serviceRule(c *classifier, x *call) verdict {
	p := parseOpts(x.args, optSpec{})
	if p.flag("--status-all") {
		return ro("service --status-all: reports services")
	}
	if len(p.pos) < 2 {
		return unk("service: no action given")
	}
	act, ok := p.pos[1].lit()
	who := "service " + p.pos[0].show() + " " + act
	switch {
	case !ok:
		return unk("service " + p.pos[0].show() + ": the action is only known at run time")
	case act == "status":
		return ro(who + ": reports a service")
	}
	return mut(who + ": changes a service")
}

// ctlRule covers the systemd *ctl tools, chronyc and certbot: verbs that
// show or list read, the rest change settings.
func ctlRule(c *classifier, x *call) verdict {
	p := parseOpts(x.args, optSpec{short: "HMp", long: []string{"host", "machine", "property"}})
	if len(p.pos) == 0 {
		if x.name == "certbot" {
			return mut("certbot: obtains and installs certificates")
		}
		return ro(x.name + ": reports status")
	}
	verb, ok := p.pos[0].lit()
	if !ok {
		return unk(x.name + ": the verb is only known at run time")
	}
	who := x.name + " " + verb
	switch {
	case verb == "status" || strings.HasPrefix(verb, "show") || strings.HasPrefix(verb, "list") ||
		strings.HasSuffix(verb, "-status") || verb == "query" || verb == "statistics" || verb == "certificates" ||
		verb == "timesync-status" || verb == "dns" || verb == "domain":
		if (verb == "dns" || verb == "domain") && len(p.pos) > 2 {
			return mut(who + ": changes settings")
		}
		return ro(who + ": reports status")
	}
	if x.name == "chronyc" {
		switch verb {
		case "tracking", "sources", "sourcestats", "activity", "ntpdata", "clients", "serverstats", "rtcdata", "smoothing", "waitsync":
			return ro(who + ": reports time sync")
		}
	}
	return mut(who + ": changes settings")
}
