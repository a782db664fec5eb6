package shell

import (
	"path"
	"strings"
)

// call is one command line being classified: the command's name (a path
// reduced to its base name) and its arguments.
type call struct {
	name  string
	args  []word
	stdin *word // what a here-document or here-string feeds it, if known
}

// rule classifies a command the tables below do not settle by name alone.
type rule func(c *classifier, x *call) verdict

// argv classifies one command line, words[0] being the command.
func (c *classifier) argv(ws []word, stdin *word) verdict {
	if c.depth >= maxDepth {
		return unk(ws[0].show() + ": commands nested too deeply to classify")
	}
	n, ok := ws[0].lit()
	if !ok || n == "" {
		return unk(ws[0].src + ": the command name is only known at run time")
	}
	if strings.Contains(n, "/") {
		dir, base := path.Split(n)
		if !systemBin(dir) || base == "" {
			return unk(n + ": runs a script or program by path")
		}
		n = base
	}
	if c.funcs[n] {
		return minorRO(n + ": calls a function of this script, whose body is classified on its own")
	}
	x := &call{name: n, args: ws[1:], stdin: stdin}
	v := c.lookup(x)
	if v.class == ReadOnly && v.optsMatter {
		if w := anyInject(x.args); w != nil {
			name, _, _ := strings.Cut(v.reason, ":")
			return unk(name + ": argument " + w.src + " may turn into an option at run time; put it after -- or give it a fixed prefix")
		}
	}
	return v
}

// inner classifies the command a wrapper runs (timeout, docker exec, …).
func (c *classifier) inner(ws []word, stdin *word) verdict {
	if len(ws) == 0 {
		return ro("runs nothing")
	}
	c.depth++
	defer func() { c.depth-- }()
	return c.argv(ws, stdin)
}

// script classifies a shell command string that a command runs later
// (watch 'df -h', trap 'rm -f $tmp' EXIT).
func (c *classifier) script(w word, who string) verdict {
	s, ok := w.lit()
	if !ok {
		return unk(who + ": runs a command string only known at run time")
	}
	if c.depth >= maxDepth {
		return unk(who + ": command strings nested too deeply to classify")
	}
	f, err := parse(s)
	if err != nil {
		return unk(who + ": its command string does not parse")
	}
	sub := &classifier{src: s, depth: c.depth + 1, funcs: c.funcs}
	sub.file(f)
	if len(sub.out) == 0 {
		return ro(who + ": runs nothing")
	}
	worst := verdict{class: sub.out[0].Class, reason: sub.out[0].Reason}
	for _, e := range sub.out[1:] {
		worst = worse(worst, verdict{class: e.Class, reason: e.Reason})
	}
	return worst.prefixed(who)
}

// systemBin reports directories whose programs are the ones named by their
// base name: /usr/bin/docker is docker, ./ops/deploy.sh is a script.
func systemBin(dir string) bool {
	switch strings.TrimSuffix(dir, "/") {
	case "/bin", "/usr/bin", "/sbin", "/usr/sbin", "/usr/local/bin", "/usr/local/sbin":
		return true
	}
	return false
}

// lookup finds the rule for a command and applies it.
func (c *classifier) lookup(x *call) verdict {
	if why, ok := readOnlyCommands[x.name]; ok {
		v := ro(x.name + ": " + why)
		v.minor = plumbing[x.name]
		return v
	}
	if why, ok := mutatingCommands[x.name]; ok {
		return mut(x.name + ": " + why)
	}
	if why, ok := unknownCommands[x.name]; ok {
		return unk(x.name + ": " + why)
	}
	if r := ruleFor(x.name); r != nil {
		return r(c, x)
	}
	return unk(x.name + ": command not recognised")
}

// ruleFor returns the rule of a command whose class depends on its
// arguments, or nil.
func ruleFor(name string) rule {
	switch name {
	case "bash", "sh", "zsh", "dash", "ksh", "fish":
		return shellRule
	case "timeout":
		return timeoutRule
	case "nice":
		return niceRule
	case "ionice":
		return ioniceRule
	case "time":
		return timeRule
	case "watch":
		return watchRule
	case "command":
		return commandRule
	case "builtin":
		return builtinRule
	case "env":
		return envRule
	case "stdbuf":
		return stdbufRule
	case "xargs":
		return xargsRule
	case "trap":
		return trapRule
	case "alias":
		return aliasRule
	case "shopt":
		return shoptRule
	case "hash":
		return hashRule
	case "find":
		return findRule
	case "sed":
		return sedRule
	case "awk", "gawk", "mawk", "nawk":
		return awkRule
	case "sort":
		return sortRule
	case "uniq":
		return uniqRule
	case "tee":
		return teeRule
	case "kill":
		return killRule
	case "pkill", "killall":
		return pkillRule
	case "date":
		return dateRule
	case "hostname":
		return hostnameRule
	case "tar":
		return tarRule
	case "gzip", "gunzip", "bzip2", "bunzip2", "xz", "unxz", "zstd", "unzstd", "lz4":
		return gzipRule
	case "unzip":
		return unzipRule
	case "less":
		return lessRule
	case "top":
		return topRule
	case "tree":
		return treeRule
	case "crontab":
		return crontabRule
	case "sysctl":
		return sysctlRule
	case "fuser":
		return fuserRule
	case "file":
		return fileRule
	case "xxd":
		return xxdRule
	case "yq":
		return yqRule
	case "python", "python3":
		return pythonRule
	case "mktemp":
		return mktempRule
	case "iptables", "ip6tables":
		return iptablesRule
	case "nft":
		return nftRule
	case "ufw":
		return ufwRule
	case "mount":
		return mountRule
	case "swapon":
		return swaponRule
	case "dpkg":
		return dpkgRule
	case "apt", "apt-get", "aptitude":
		return aptRule
	case "yum", "dnf":
		return yumRule
	case "pip", "pip3":
		return pipRule
	case "npm":
		return npmRule
	case "ifconfig":
		return ifconfigRule
	case "arp":
		return arpRule
	case "route":
		return routeRule
	case "curl":
		return curlRule
	case "wget":
		return wgetRule
	case "ip":
		return ipRule
	case "ss":
		return ssRule
	case "nc", "ncat", "netcat":
		return ncRule
	case "ping", "ping6":
		return pingRule
	case "openssl":
		return opensslRule
	case "git":
		return gitRule
	case "docker", "podman":
		return dockerRule
	case "docker-compose", "podman-compose":
		return composeStandaloneRule
	case "kubectl":
		return kubectlRule
	case "psql":
		return psqlRule
	case "pg_dump", "pg_dumpall":
		return pgDumpRule
	case "pg_restore":
		return pgRestoreRule
	case "pg_ctl", "pg_ctlcluster":
		return pgCtlRule
	case "redis-cli", "valkey-cli":
		return redisRule
	case "systemctl":
		return systemctlRule
	case "journalctl":
		return journalctlRule
	case "dmesg":
		return dmesgRule
	case "service":
		return serviceRule
	case "timedatectl", "hostnamectl", "loginctl", "resolvectl", "networkctl", "localectl", "chronyc", "certbot":
		return ctlRule
	}
	return nil
}

// plumbing are the read-only commands that hold a script together (cd,
// echo, test, sleep); a read-only script's reason names another command
// when there is one.
var plumbing = setOf(":", "true", "false", "echo", "printf", "cd", "pushd", "popd", "dirs", "pwd", "test", "[",
	"sleep", "wait", "read", "set", "unset", "unalias", "shift", "exit", "return", "break", "continue",
	"getopts", "ulimit", "umask", "jobs", "type", "which", "help", "times")

// readOnlyCommands only read, whatever their arguments: none of their
// options writes a file or runs a program.
var readOnlyCommands = map[string]string{
	":":              "does nothing",
	"true":           "does nothing",
	"false":          "does nothing",
	"echo":           "prints its arguments",
	"printf":         "prints its arguments",
	"cd":             "changes the shell's directory",
	"pushd":          "changes the shell's directory",
	"popd":           "changes the shell's directory",
	"dirs":           "lists the directory stack",
	"pwd":            "prints the directory",
	"test":           "tests a condition",
	"[":              "tests a condition",
	"sleep":          "waits",
	"wait":           "waits for background jobs",
	"read":           "reads a line of input",
	"set":            "sets shell options",
	"unset":          "unsets shell variables",
	"unalias":        "removes aliases",
	"shift":          "shifts the positional parameters",
	"exit":           "exits the script",
	"return":         "returns from a function",
	"break":          "leaves a loop",
	"continue":       "continues a loop",
	"getopts":        "parses options",
	"ulimit":         "sets the shell's limits",
	"umask":          "sets the shell's file mode mask",
	"jobs":           "lists background jobs",
	"type":           "describes a command",
	"which":          "locates a command",
	"whereis":        "locates a command",
	"times":          "prints process times",
	"help":           "prints help",
	"cat":            "prints files",
	"tac":            "prints files",
	"ls":             "lists files",
	"df":             "reports disk usage",
	"du":             "reports disk usage",
	"ps":             "lists processes",
	"pstree":         "lists processes",
	"pgrep":          "finds processes",
	"pidof":          "finds processes",
	"pmap":           "reports process memory",
	"free":           "reports memory",
	"uptime":         "reports load",
	"grep":           "searches text",
	"egrep":          "searches text",
	"fgrep":          "searches text",
	"zgrep":          "searches compressed text",
	"zegrep":         "searches compressed text",
	"rg":             "searches text",
	"zcat":           "prints compressed files",
	"bzcat":          "prints compressed files",
	"xzcat":          "prints compressed files",
	"zstdcat":        "prints compressed files",
	"zless":          "pages compressed files",
	"zmore":          "pages compressed files",
	"zdiff":          "compares compressed files",
	"tail":           "prints the end of files",
	"head":           "prints the start of files",
	"wc":             "counts",
	"cut":            "selects fields",
	"tr":             "translates characters",
	"nl":             "numbers lines",
	"fold":           "wraps lines",
	"fmt":            "formats text",
	"paste":          "joins lines",
	"join":           "joins files",
	"comm":           "compares sorted files",
	"expand":         "converts tabs",
	"unexpand":       "converts spaces",
	"rev":            "reverses lines",
	"strings":        "prints strings in files",
	"od":             "dumps bytes",
	"hexdump":        "dumps bytes",
	"base64":         "encodes or decodes",
	"md5sum":         "checksums files",
	"sha1sum":        "checksums files",
	"sha256sum":      "checksums files",
	"sha512sum":      "checksums files",
	"b2sum":          "checksums files",
	"cksum":          "checksums files",
	"stat":           "reports file status",
	"readlink":       "resolves links",
	"realpath":       "resolves paths",
	"basename":       "strips directories",
	"dirname":        "strips file names",
	"column":         "formats columns",
	"numfmt":         "formats numbers",
	"seq":            "prints numbers",
	"expr":           "evaluates an expression",
	"bc":             "calculates",
	"jq":             "filters JSON",
	"gojq":           "filters JSON",
	"more":           "pages text",
	"diff":           "compares files",
	"cmp":            "compares files",
	"envsubst":       "substitutes variables in text",
	"vmstat":         "reports memory and CPU",
	"iostat":         "reports I/O",
	"mpstat":         "reports CPU",
	"pidstat":        "reports process statistics",
	"lsof":           "lists open files",
	"netstat":        "reports network connections",
	"nstat":          "reports network counters",
	"dig":            "queries DNS",
	"nslookup":       "queries DNS",
	"host":           "queries DNS",
	"whois":          "queries a registry",
	"traceroute":     "traces a route",
	"tracepath":      "traces a route",
	"mtr":            "traces a route",
	"id":             "prints user identity",
	"whoami":         "prints the user",
	"groups":         "prints groups",
	"who":            "lists logged-in users",
	"w":              "lists logged-in users",
	"last":           "lists logins",
	"users":          "lists logged-in users",
	"tty":            "prints the terminal",
	"printenv":       "prints the environment",
	"locale":         "prints the locale",
	"uname":          "prints system information",
	"arch":           "prints the architecture",
	"nproc":          "counts processors",
	"getconf":        "prints configuration values",
	"lscpu":          "reports CPUs",
	"lsblk":          "lists block devices",
	"lsmem":          "reports memory",
	"lspci":          "lists devices",
	"lsusb":          "lists devices",
	"lsmod":          "lists kernel modules",
	"findmnt":        "lists mounts",
	"blkid":          "lists block devices",
	"lsattr":         "lists file attributes",
	"getfacl":        "lists file ACLs",
	"namei":          "follows a path",
	"getent":         "queries system databases",
	"iotop":          "reports I/O by process",
	"ntpq":           "queries NTP",
	"apt-cache":      "queries the package cache",
	"dpkg-query":     "queries installed packages",
	"rpm":            "queries packages",
	"pg_isready":     "checks that PostgreSQL accepts connections",
	"pg_config":      "prints PostgreSQL build settings",
	"pg_lsclusters":  "lists PostgreSQL clusters",
	"pg_controldata": "prints the control file",
	"sync":           "flushes file system buffers",
	"yes":            "prints a string repeatedly",
	"uuidgen":        "prints a UUID",
	"cal":            "prints a calendar",
}

// mutatingCommands change something whatever their arguments.
var mutatingCommands = map[string]string{
	"rm":         "deletes files",
	"rmdir":      "deletes directories",
	"unlink":     "deletes a file",
	"shred":      "destroys files",
	"mv":         "moves files",
	"cp":         "copies files",
	"install":    "copies files",
	"rsync":      "copies files",
	"scp":        "copies files between hosts",
	"truncate":   "changes file sizes",
	"fallocate":  "changes file sizes",
	"dd":         "copies raw data",
	"chmod":      "changes file modes",
	"chown":      "changes file owners",
	"chgrp":      "changes file groups",
	"chattr":     "changes file attributes",
	"setfacl":    "changes file ACLs",
	"mkdir":      "creates directories",
	"touch":      "creates or updates files",
	"ln":         "creates links",
	"mkfifo":     "creates a pipe",
	"mknod":      "creates a device file",
	"split":      "writes files",
	"csplit":     "writes files",
	"patch":      "changes files",
	"shutdown":   "shuts the machine down",
	"reboot":     "reboots the machine",
	"poweroff":   "powers the machine off",
	"halt":       "halts the machine",
	"umount":     "unmounts file systems",
	"swapoff":    "disables swap",
	"logger":     "writes to the system log",
	"wall":       "messages every terminal",
	"mail":       "sends mail",
	"sendmail":   "sends mail",
	"useradd":    "changes users",
	"userdel":    "changes users",
	"usermod":    "changes users",
	"groupadd":   "changes groups",
	"passwd":     "changes passwords",
	"chpasswd":   "changes passwords",
	"createdb":   "creates a database",
	"dropdb":     "drops a database",
	"createuser": "creates a database role",
	"dropuser":   "drops a database role",
	"vacuumdb":   "vacuums databases",
	"reindexdb":  "rebuilds indexes",
	"clusterdb":  "reorders tables",
	"pg_upgrade": "upgrades a cluster",
	"initdb":     "creates a cluster",
	"modprobe":   "loads kernel modules",
	"rmmod":      "unloads kernel modules",
	"insmod":     "loads kernel modules",
}

// unknownCommands run code that cannot be read here, or act with powers
// that a person must confirm.
var unknownCommands = map[string]string{
	"eval":        "runs a dynamic script",
	"source":      "runs another script in this shell",
	".":           "runs another script in this shell",
	"exec":        "replaces the shell or its descriptors",
	"sudo":        "runs a command as another user; escalation must be confirmed",
	"su":          "runs a command as another user; escalation must be confirmed",
	"doas":        "runs a command as another user; escalation must be confirmed",
	"runuser":     "runs a command as another user; escalation must be confirmed",
	"pkexec":      "runs a command as another user; escalation must be confirmed",
	"ssh":         "runs commands on another host",
	"nohup":       "starts a command that outlives the step",
	"setsid":      "starts a command that outlives the step",
	"disown":      "lets a job outlive the step",
	"busybox":     "runs a multi-call program",
	"perl":        "runs a program",
	"ruby":        "runs a program",
	"node":        "runs a program",
	"php":         "runs a program",
	"lua":         "runs a program",
	"go":          "runs the Go tool",
	"make":        "runs arbitrary recipes",
	"npx":         "runs a package's program",
	"parallel":    "runs commands built from input",
	"chroot":      "runs a command in another root",
	"nsenter":     "runs a command in another namespace",
	"unshare":     "runs a command in new namespaces",
	"strace":      "runs and traces a command",
	"ltrace":      "runs and traces a command",
	"gdb":         "attaches a debugger",
	"expect":      "runs an interactive script",
	"script":      "records a shell session",
	"screen":      "starts a terminal session",
	"tmux":        "starts a terminal session",
	"at":          "schedules a command",
	"batch":       "schedules a command",
	"systemd-run": "runs a command as a unit",
	"flock":       "runs a command under a lock file",
	"ldd":         "may run the program it inspects",
	"enable":      "loads or disables shell builtins",
	"fc":          "re-runs commands from history",
	"coproc":      "starts a coprocess",
	"htop":        "is interactive",
	"ncdu":        "is interactive",
	"vi":          "edits files interactively",
	"vim":         "edits files interactively",
	"nano":        "edits files interactively",
	"telnet":      "sends what it reads to a host",
	"mysql":       "runs SQL",
	"sqlite3":     "runs SQL",
	"mongosh":     "runs database commands",
	"ansible":     "runs tasks on hosts",
	"terraform":   "changes infrastructure",
	"helm":        "changes releases",
	"aws":         "calls a cloud API",
	"gcloud":      "calls a cloud API",
	"az":          "calls a cloud API",
}
