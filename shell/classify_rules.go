package shell

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
	case "env":
		return envRule
	case "stdbuf":
		return stdbufRule
	case "xargs":
		return xargsRule
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
	case "mysql", "mariadb":
		return mysqlRule
	case "sqlite3":
		return sqliteRule
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
	case "timedatectl", "hostnamectl", "loginctl", "resolvectl", "networkctl", "localectl", "busctl", "machinectl",
		"coredumpctl", "bootctl", "systemd-cgls", "systemd-cgtop":
		return ctlRule
	case "chronyc":
		return chronycRule
	case "systemd-analyze":
		return analyzeRule
	case "kill":
		return killRule
	case "less", "more":
		return lessRule
	case "ps":
		return psRule
	case "lsof":
		return lsofRule
	case "rg":
		return rgRule
	case "dig":
		return digRule
	case "sar":
		return sarRule
	case "smartctl":
		return smartctlRule
	case "rpm":
		return rpmRule
	case "nstat":
		return nstatRule
	case "iotop":
		return iotopRule
	case "ntpq":
		return ntpqRule
	case "apt-cache":
		return aptCacheRule
	case "jq", "gojq":
		return jqRule
	case "fdisk":
		return fdiskRule
	case "parted":
		return partedRule
	case "tune2fs":
		return tune2fsRule
	case "mdadm":
		return mdadmRule
	case "tcpdump":
		return tcpdumpRule
	case "conntrack":
		return conntrackRule
	case "tc":
		return tcRule
	case "ipvsadm":
		return ipvsadmRule
	case "sshd":
		return sshdRule
	case "haproxy":
		return haproxyRule
	case "aws":
		return awsRule
	case "sudo":
		return sudoRule
	case "numactl":
		return numactlRule
	case "chage":
		return chageRule
	}
	if t, ok := simpleTools[name]; ok {
		return t.classify
	}
	if _, ok := verbTools[name]; ok {
		return verbToolRule
	}
	if _, ok := storageTools[name]; ok {
		return storageRule
	}
	if _, ok := moreVerbTools[name]; ok {
		return moreVerbRule
	}
	if _, ok := securityTools[name]; ok {
		return securityRule
	}
	return nil
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
	"mongosh":     "runs database commands",
	"ansible":     "runs tasks on hosts",
	"terraform":   "changes infrastructure",
}
