package shell

// Programs that only read whatever their operands, once their options are
// known: each has a grammar of the options known to be read-only (any
// other option is unknown) and says what it does. Options that write or
// run something are declared with deny or writes so the reason names
// them.

// simpleTool is a program whose class depends only on its options.
type simpleTool struct {
	why string // what it does, for the reason: "prints files"
	g   *grammar
	// minor: shell plumbing that a script's reason names only when
	// nothing else decides.
	minor bool
}

// common options every GNU tool has.
var gnuCommon = []string{"--help", "--version"}

func gnuTool(name string, specs ...string) *grammar {
	return newGrammar(name, gnu, append(specs, gnuCommon...)...)
}

func (t simpleTool) classify(c *classifier, x *call) verdict {
	cl := t.g.parse(x.args)
	if !cl.ok() {
		return cl.v
	}
	v := ro(x.name + ": " + t.why)
	v.minor = t.minor
	return v
}

// simpleTools are looked up by name.
var simpleTools = map[string]simpleTool{
	"cat": {"prints files", gnuTool("cat", "-A --show-all", "-b --number-nonblank", "-e", "-E --show-ends",
		"-n --number", "-s --squeeze-blank", "-t", "-T --show-tabs", "-u", "-v --show-nonprinting").completeLongs(), false},
	"tac": {"prints files in reverse", gnuTool("tac", "-b --before", "-r --regex", "-s --separator="), false},
	"ls": {"lists files", gnuTool("ls", "-a --all", "-A --almost-all", "--author", "-b --escape", "--block-size=",
		"-B --ignore-backups", "-c", "-C", "--color[=]", "-d --directory", "-D --dired", "-f", "-F --classify[=]",
		"--file-type", "--format=", "--full-time", "-g", "--group-directories-first", "-G --no-group",
		"-h --human-readable", "--si", "-H --dereference-command-line", "--dereference-command-line-symlink-to-dir",
		"--hide=", "--hyperlink[=]", "--indicator-style=", "-i --inode", "-I --ignore=", "-k --kibibytes", "-l",
		"-L --dereference", "-m", "-n --numeric-uid-gid", "-N --literal", "-o", "-p", "-q --hide-control-chars",
		"--show-control-chars", "-Q --quote-name", "--quoting-style=", "-r --reverse", "-R --recursive",
		"-s --size", "-S", "--sort=", "--time=", "--time-style=", "-t", "-T --tabsize=", "-u", "-U", "-v",
		"-w --width=", "-x", "-X", "-Z --context", "--zero", "-1").completeLongs(), false},
	"df": {"reports disk usage", gnuTool("df", "-a --all", "-B --block-size=", "-h --human-readable",
		"-H --si", "-i --inodes", "-k", "-l --local", "--no-sync", "--output[=]", "-P --portability", "--sync",
		"--total", "-t --type=", "-T --print-type", "-x --exclude-type=", "-v").completeLongs(), false},
	"du": {"reports disk usage", gnuTool("du", "-0 --null", "-a --all", "--apparent-size", "-B --block-size=",
		"-b --bytes", "-c --total", "-D --dereference-args", "-d --max-depth=", "--files0-from=", "-H",
		"--inodes", "-h --human-readable", "-k", "-L --dereference", "-l --count-links", "-m",
		"-P --no-dereference", "-S --separate-dirs", "--si", "-s --summarize", "-t --threshold=", "--time[=]",
		"--time-style=", "-X --exclude-from=", "--exclude=", "-x --one-file-system").completeLongs(), false},
	"free": {"reports memory", gnuTool("free", "-b --bytes", "-k --kilo", "-m --mega", "-g --giga", "--tera",
		"--peta", "--kibi", "--mebi", "--gibi", "--tebi", "--pebi", "-h --human", "--si", "-l --lohi",
		"-L --line", "-t --total", "-v --committed", "-s --seconds=", "-c --count=", "-w --wide").completeLongs(), false},
	"uptime": {"reports load", gnuTool("uptime", "-p --pretty", "-s --since", "-c --container", "-r --raw"), false},
	"pstree": {"lists processes", gnuTool("pstree", "-a --arguments", "-A --ascii", "-c --compact-not",
		"-C --color=", "-g --show-pgids", "-G --vt100", "-h --highlight-all", "-H --highlight-pid=", "-l --long",
		"-n --numeric-sort", "-N --ns-sort=", "-p --show-pids", "-s --show-parents", "-S --ns-changes",
		"-t --thread-names", "-T --hide-threads", "-u --uid-changes", "-U --unicode", "-V"), false},
	"pgrep": {"finds processes", gnuTool("pgrep", "-d --delimiter=", "-l --list-name", "-a --list-full",
		"-v --inverse", "-w --lightweight", "-c --count", "-f --full", "-g --pgroup=", "-G --group=", "-i --ignore-case",
		"-n --newest", "-o --oldest", "-O --older=", "-P --parent=", "-s --session=", "-t --terminal=", "-u --euid=",
		"-U --uid=", "-x --exact", "-F --pidfile=", "-L --logpidfile", "-r --runstates=", "-A --ignore-ancestors",
		"--cgroup=", "--ns=", "--nslist=", "-V"), false},
	"pidof": {"finds processes", newGrammar("pidof", gnu, "-s", "-c", "-n", "-x", "-o=", "-q", "-w", "-S=", "-d=", "-t", "--help", "-V --version"), false},
	"pmap": {"reports process memory", gnuTool("pmap", "-x --extended", "-X", "-XX", "-c --read-rc",
		"-C --read-rc-from=", "-p --show-path", "-q --quiet", "-d --device", "-A --range=", "-V"), false},
	"grep":    {"searches text", grepGrammar("grep"), false},
	"egrep":   {"searches text", grepGrammar("egrep"), false},
	"fgrep":   {"searches text", grepGrammar("fgrep"), false},
	"zgrep":   {"searches compressed text", grepGrammar("zgrep"), false},
	"zegrep":  {"searches compressed text", grepGrammar("zegrep"), false},
	"zcat":    {"prints compressed files", gnuTool("zcat", "-f --force", "-q --quiet", "-v --verbose", "-l --list", "-t --test", "-V", "-h", "-L --license"), false},
	"bzcat":   {"prints compressed files", newGrammar("bzcat", gnu, "-s --small", "-q --quiet", "-v --verbose", "-h --help", "-V --version"), false},
	"xzcat":   {"prints compressed files", newGrammar("xzcat", gnu, "-q --quiet", "-v --verbose", "-T --threads=", "-h --help", "-V --version", "-f --force", "-F --format="), false},
	"zstdcat": {"prints compressed files", newGrammar("zstdcat", gnu, "-q --quiet", "-v --verbose", "-h --help", "-V --version", "-f --force"), false},
	"tail": {"prints the end of files", gnuTool("tail", "-c --bytes=", "-f --follow[=]", "-F", "-n --lines=",
		"--max-unchanged-stats=", "--pid=", "-q --quiet --silent", "--retry", "-s --sleep-interval=",
		"-v --verbose", "-z --zero-terminated").numeric().completeLongs(), false},
	"head": {"prints the start of files", gnuTool("head", "-c --bytes=", "-n --lines=", "-q --quiet --silent",
		"-v --verbose", "-z --zero-terminated").numeric().completeLongs(), false},
	"wc": {"counts", gnuTool("wc", "-c --bytes", "-m --chars", "-l --lines", "--files0-from=", "-L --max-line-length",
		"-w --words", "--total=").completeLongs(), false},
	"cut": {"selects fields", gnuTool("cut", "-b --bytes=", "-c --characters=", "-d --delimiter=", "-f --fields=",
		"-n", "--complement", "-s --only-delimited", "--output-delimiter=", "-z --zero-terminated").completeLongs(), false},
	"tr": {"translates characters", gnuTool("tr", "-c -C --complement", "-d --delete", "-s --squeeze-repeats", "-t --truncate-set1"), false},
	"nl": {"numbers lines", gnuTool("nl", "-b --body-numbering=", "-d --section-delimiter=", "-f --footer-numbering=",
		"-h --header-numbering=", "-i --line-increment=", "-l --join-blank-lines=", "-n --number-format=",
		"-p --no-renumber", "-s --number-separator=", "-v --starting-line-number=", "-w --number-width="), false},
	"fold":  {"wraps lines", gnuTool("fold", "-b --bytes", "-s --spaces", "-w --width="), false},
	"fmt":   {"formats text", gnuTool("fmt", "-c --crown-margin", "-p --prefix=", "-s --split-only", "-t --tagged-paragraph", "-u --uniform-spacing", "-w --width=", "-g --goal="), false},
	"paste": {"joins lines", gnuTool("paste", "-d --delimiters=", "-s --serial", "-z --zero-terminated"), false},
	"join": {"joins files", gnuTool("join", "-a=", "-e=", "-i --ignore-case", "-j=", "-o=", "-t=", "-v=", "-1=", "-2=",
		"--check-order", "--nocheck-order", "--header", "-z --zero-terminated"), false},
	"comm": {"compares sorted files", gnuTool("comm", "-1", "-2", "-3", "--check-order", "--nocheck-order",
		"--output-delimiter=", "--total", "-z --zero-terminated"), false},
	"expand":   {"converts tabs", gnuTool("expand", "-i --initial", "-t --tabs="), false},
	"unexpand": {"converts spaces", gnuTool("unexpand", "-a --all", "--first-only", "-t --tabs="), false},
	"rev":      {"reverses lines", newGrammar("rev", gnu, "-h --help", "-V --version", "-0 --zero"), false},
	"strings": {"prints strings in files", gnuTool("strings", "-a --all", "-d --data", "-f --print-file-name",
		"-n --bytes=", "-t --radix=", "-o", "-e --encoding=", "-w --include-all-whitespace", "-s --output-separator=", "-v -V"), false},
	"od": {"dumps bytes", gnuTool("od", "-A --address-radix=", "--endian=", "-j --skip-bytes=", "-N --read-bytes=",
		"-S --strings[=]", "-t --format=", "-v --output-duplicates", "-w --width[=]", "-a", "-b", "-c", "-d", "-f",
		"-i", "-l", "-o", "-s", "-x", "--traditional"), false},
	"hexdump": {"dumps bytes", newGrammar("hexdump", gnu, "-b", "-c", "-C --canonical", "-d", "-e --format=",
		"-f --format-file=", "-L --color[=]", "-n --length=", "-o", "-s --skip=", "-v --no-squeezing", "-x",
		"-h --help", "-V --version"), false},
	"base64":    {"encodes or decodes", gnuTool("base64", "-d --decode", "-i --ignore-garbage", "-w --wrap="), false},
	"md5sum":    {"checksums files", sumGrammar("md5sum"), false},
	"sha1sum":   {"checksums files", sumGrammar("sha1sum"), false},
	"sha224sum": {"checksums files", sumGrammar("sha224sum"), false},
	"sha256sum": {"checksums files", sumGrammar("sha256sum"), false},
	"sha384sum": {"checksums files", sumGrammar("sha384sum"), false},
	"sha512sum": {"checksums files", sumGrammar("sha512sum"), false},
	"b2sum":     {"checksums files", sumGrammar("b2sum"), false},
	"cksum":     {"checksums files", sumGrammar("cksum").opts("-a --algorithm=", "--base64", "--raw", "--untagged", "-l --length="), false},
	"stat": {"reports file status", gnuTool("stat", "-L --dereference", "-f --file-system", "-c --format=",
		"--printf=", "-t --terse", "--cached="), false},
	"readlink": {"resolves links", gnuTool("readlink", "-f --canonicalize", "-e --canonicalize-existing",
		"-m --canonicalize-missing", "-n --no-newline", "-q --quiet", "-s --silent", "-v --verbose", "-z --zero"), false},
	"realpath": {"resolves paths", gnuTool("realpath", "-e --canonicalize-existing", "-m --canonicalize-missing",
		"-L --logical", "-P --physical", "-q --quiet", "--relative-to=", "--relative-base=", "-s --strip --no-symlinks", "-z --zero"), false},
	"basename": {"strips directories", gnuTool("basename", "-a --multiple", "-s --suffix=", "-z --zero"), true},
	"dirname":  {"strips file names", gnuTool("dirname", "-z --zero"), true},
	"column": {"formats columns", newGrammar("column", gnu, "-t --table", "-c --output-width=", "-s --separator=",
		"-o --output-separator=", "-x --fillrows", "-n --table-noextreme=", "-N --table-columns=", "-R --table-right=",
		"-H --table-hide=", "-O --table-order=", "-J --json", "-L --keep-empty-lines", "-l --table-columns-limit=",
		"-r --tree=", "-i --tree-id=", "-p --tree-parent=", "-d --table-noheadings", "-e --table-header-repeat",
		"-W --table-wrap=", "-E --table-noextreme=", "-h --help", "-V --version"), false},
	"numfmt": {"formats numbers", gnuTool("numfmt", "-d --delimiter=", "--field=", "--format=", "--from=",
		"--from-unit=", "--grouping", "--header[=]", "--invalid=", "--padding=", "--round=", "--suffix=", "--to=",
		"--to-unit=", "-z --zero-terminated"), false},
	"seq":  {"prints numbers", gnuTool("seq", "-f --format=", "-s --separator=", "-w --equal-width"), true},
	"expr": {"evaluates an expression", newGrammar("expr", posix, "--help", "--version"), true},
	"diff": {"compares files", gnuTool("diff", "--normal", "-q --brief", "-s --report-identical-files",
		"-c", "-C --context[=]", "-u", "-U --unified[=]", "-e --ed", "-n --rcs", "-y --side-by-side", "-W --width=",
		"--left-column", "--suppress-common-lines", "-p --show-c-function", "-F --show-function-line=",
		"--label=", "-t --expand-tabs", "-T --initial-tab", "--tabsize=", "--suppress-blank-empty", "-l --paginate",
		"-r --recursive", "--no-dereference", "-N --new-file", "--unidirectional-new-file", "--ignore-file-name-case",
		"--no-ignore-file-name-case", "-x --exclude=", "-X --exclude-from=", "-S --starting-file=", "--from-file=",
		"--to-file=", "-i --ignore-case", "-E --ignore-tab-expansion", "-Z --ignore-trailing-space",
		"-b --ignore-space-change", "-w --ignore-all-space", "-B --ignore-blank-lines", "-I --ignore-matching-lines=",
		"-a --text", "--strip-trailing-cr", "-D --ifdef=", "--GTYPE-group-format=", "--line-format=",
		"--old-line-format=", "--new-line-format=", "--unchanged-line-format=", "-d --minimal", "--horizon-lines=",
		"--speed-large-files", "--color[=]", "--palette="), false},
	"cmp": {"compares files", gnuTool("cmp", "-b --print-bytes", "-i --ignore-initial=", "-l --verbose",
		"-n --bytes=", "-s --quiet --silent"), false},
	"bc":       {"calculates", gnuTool("bc", "-l --mathlib", "-q --quiet", "-s --standard", "-w --warn", "-h", "-v"), false},
	"envsubst": {"substitutes variables in text", gnuTool("envsubst", "-v --variables", "-V"), false},
	"vmstat": {"reports memory and CPU", newGrammar("vmstat", gnu, "-a --active", "-f --forks", "-m --slabs",
		"-n --one-header", "-s --stats", "-d --disk", "-D --disk-sum", "-p --partition=", "-S --unit=", "-t --timestamp",
		"-w --wide", "-y --no-first", "-h --help", "-V --version"), false},
	"iostat": {"reports I/O", newGrammar("iostat", gnu, "-c", "-d", "-h", "-k", "-m", "-N", "-s", "-t", "-V", "-x", "-y",
		"-z", "-g=", "-H", "-j=", "-o=", "-p=", "--compact", "--dec=", "--human", "--pretty", "-f="), false},
	"mpstat": {"reports CPU", newGrammar("mpstat", gnu, "-A", "-H", "-n", "-u", "-T", "-V", "-I=", "-N=", "-o=",
		"-P=", "--dec=", "-T"), false},
	"pidstat": {"reports process statistics", newGrammar("pidstat", gnu, "-d", "-H", "-h", "-I", "-l", "-R", "-r",
		"-s", "-t", "-U[=]", "-u", "-V", "-v", "-w", "-C=", "-G=", "-p=", "-T=", "--dec=", "--human").
		deny(Unknown, "runs a program and reports on it", "-e="), false},
	"netstat": {"reports network connections", newGrammar("netstat", gnu, "-r --route", "-i --interfaces",
		"-g --groups", "-s --statistics", "-M --masquerade", "-v --verbose", "-W --wide", "-n --numeric",
		"--numeric-hosts", "--numeric-ports", "--numeric-users", "-N --symbolic", "-e --extend", "-p --program",
		"-o --timers", "-c --continuous", "-l --listening", "-a --all", "-F --fib", "-C --cache", "-Z --context",
		"-t --tcp", "-u --udp", "-w --raw", "-x --unix", "-4 --inet", "-6 --inet6", "-A --protocol=", "-V --version",
		"-h --help", "--sctp", "-U --udplite", "-S"), false},
	"id": {"prints user identity", gnuTool("id", "-a", "-Z --context", "-g --group", "-G --groups", "-n --name",
		"-r --real", "-u --user", "-z --zero"), false},
	"whoami":  {"prints the user", gnuTool("whoami"), true},
	"groups":  {"prints groups", gnuTool("groups"), true},
	"logname": {"prints the login name", gnuTool("logname"), true},
	"hostid":  {"prints the host id", gnuTool("hostid"), true},
	"who": {"lists logged-in users", gnuTool("who", "-a --all", "-b --boot", "-d --dead", "-H --heading", "-l --login",
		"--lookup", "-m", "-p --process", "-q --count", "-r --runlevel", "-s --short", "-t --time", "-T -w --mesg",
		"--message", "--writable", "-u --users"), false},
	"w": {"lists logged-in users", newGrammar("w", gnu, "-h --no-header", "-u --no-current", "-s --short", "-f --from",
		"-o --old-style", "-i --ip-addr", "-p --pids", "--help", "-V --version"), false},
	"last": {"lists logins", newGrammar("last", gnu, "-a --hostlast", "-d --dns", "-f --file=", "-F --fulltimes",
		"-i --ip", "-n --limit=", "-R --nohostname", "-s --since=", "-t --until=", "-p --present=", "-w --fullnames",
		"-x --system", "--time-format=", "-h --help", "-V --version").numeric(), false},
	"lastb":    {"lists failed logins", newGrammar("lastb", gnu, "-a", "-d", "-F", "-i", "-n=", "-R", "-s=", "-t=", "-w", "-x", "--time-format=").numeric(), false},
	"lastlog":  {"lists last logins", newGrammar("lastlog", gnu, "-b --before=", "-t --time=", "-u --user=", "-h --help"), false},
	"users":    {"lists logged-in users", gnuTool("users"), true},
	"tty":      {"prints the terminal", gnuTool("tty", "-s --silent --quiet"), true},
	"printenv": {"prints the environment", gnuTool("printenv", "-0 --null"), false},
	"locale": {"prints the locale", newGrammar("locale", gnu, "-a --all-locales", "-m --charmaps", "-c --category-name",
		"-k --keyword-name", "-v --verbose", "-?", "--help", "--usage", "-V --version"), false},
	"uname": {"prints system information", gnuTool("uname", "-a --all", "-s --kernel-name", "-n --nodename",
		"-r --kernel-release", "-v --kernel-version", "-m --machine", "-p --processor", "-i --hardware-platform",
		"-o --operating-system"), false},
	"arch":    {"prints the architecture", gnuTool("arch"), false},
	"nproc":   {"counts processors", gnuTool("nproc", "--all", "--ignore="), false},
	"getconf": {"prints configuration values", newGrammar("getconf", gnu, "-a", "-v="), false},
	"lscpu": {"reports CPUs", newGrammar("lscpu", gnu, "-a --all", "-b --online", "-B --bytes", "-c --offline",
		"-C --caches[=]", "-e --extended[=]", "-J --json", "-p --parse[=]", "-s --sysroot=", "-x --hex", "-y --physical",
		"--output-all", "-r --raw", "-h --help", "-V --version"), false},
	"lsblk": {"lists block devices", newGrammar("lsblk", gnu, "-A --noempty", "-a --all", "-b --bytes",
		"-d --nodeps", "-D --discard", "-E --dedup=", "-e --exclude=", "-f --fs", "-I --include=", "-i --ascii",
		"-J --json", "-l --list", "-M --merge", "-m --perms", "-N --nvme", "-n --noheadings", "-o --output=",
		"-O --output-all", "-P --pairs", "-p --paths", "-Q --filter=", "--highlight=", "--ct=", "--ct-filter=",
		"-r --raw", "-S --scsi", "-s --inverse", "-T --tree[=]", "-t --topology", "-v --virtio", "-w --width=",
		"-x --sort=", "-y --shell", "-z --zoned", "--sysroot=", "-h --help", "-V --version"), false},
	"lsmem": {"reports memory", newGrammar("lsmem", gnu, "-a --all", "-b --bytes", "-J --json", "-n --noheadings",
		"-o --output=", "--output-all", "-P --pairs", "-r --raw", "-S --split=", "-s --sysroot=", "--summary[=]",
		"-h --help", "-V --version"), false},
	"lspci": {"lists devices", newGrammar("lspci", gnu, "-m", "-mm", "-t", "-v", "-vv", "-vvv", "-k", "-x", "-xxx",
		"-xxxx", "-b", "-D", "-P", "-PP", "-n", "-nn", "-q", "-qq", "-Q", "-s=", "-d=", "-i=", "-p=", "-A=", "-H=",
		"-F=", "-G", "--version", "--help"), false},
	"lsusb": {"lists devices", newGrammar("lsusb", gnu, "-v --verbose", "-s=", "-d=", "-D=", "-t --tree",
		"-V --version", "-h --help"), false},
	"lsmod": {"lists kernel modules", newGrammar("lsmod", gnu, "--help", "-V --version"), false},
	"findmnt": {"lists mounts", newGrammar("findmnt", gnu, "-A --all", "-b --bytes", "-C --nocanonicalize",
		"-c --canonicalize", "-D --df", "-d --direction=", "-e --evaluate", "-F --tab-file=", "-f --first-only",
		"-I --dfi", "-i --invert", "-J --json", "-k --kernel[=]", "-l --list", "-M --mountpoint=", "-m --mtab",
		"-N --task=", "-n --noheadings", "-O --options=", "-o --output=", "--output-all", "-P --pairs",
		"-p --poll[=]", "-Q --filter=", "-R --submounts", "-r --raw", "--real", "--pseudo", "--shadowed",
		"-S --source=", "-s --fstab", "-T --target=", "-t --types=", "--tree", "-U --uniq", "-u --notruncate",
		"-v --nofsroot", "-w --timeout=", "-x --verify", "--verbose", "-y --shell", "--id=", "--uniq-id=",
		"-h --help", "-V --version"), false},
	"blkid": {"lists block devices", newGrammar("blkid", gnu, "-d --no-encoding", "-i --info", "-k --list-filesystems",
		"-l --list-one", "-L --label=", "-U --uuid=", "-o --output=", "-p --probe", "-s --match-tag=",
		"-t --match-token=", "-n --match-types=", "-u --usages=", "-O --offset=", "-S --size=", "-D --no-part-details",
		"-H --hint=", "-h --help", "-V --version").
		deny(Mutating, "writes or drops the cache file", "-c --cache-file=", "-g --garbage-collect", "-w --write-cache-file="), false},
	"lsattr": {"lists file attributes", newGrammar("lsattr", gnu, "-R", "-V", "-a", "-d", "-l", "-p", "-v"), false},
	"getfacl": {"lists file ACLs", newGrammar("getfacl", gnu, "-a --access", "-d --default", "-c --omit-header",
		"-e --all-effective", "-E --no-effective", "-s --skip-base", "-R --recursive", "-L --logical",
		"-P --physical", "-t --tabular", "-n --numeric", "-p --absolute-names", "-v --version", "-h --help"), false},
	"namei":  {"follows a path", newGrammar("namei", gnu, "-x --mountpoints", "-m --modes", "-o --owners", "-l --long", "-n --nosymlinks", "-v --vertical", "-Z --context", "-h --help", "-V --version"), false},
	"getent": {"queries system databases", newGrammar("getent", gnu, "-s --service=", "-i --no-idn", "-A --no-addrconfig", "-?", "--help", "--usage", "-V --version"), false},
	"dpkg-query": {"queries installed packages", newGrammar("dpkg-query", gnu, "-s --status", "-p --print-avail",
		"-L --listfiles", "-l --list", "-W --show", "-S --search", "-c --control-path", "--control-list",
		"--control-show", "-f --showformat=", "--admindir=", "--root=", "--load-avail", "--no-pager", "-? --help",
		"--version"), false},
	"pg_isready": {"checks that PostgreSQL accepts connections", newGrammar("pg_isready", gnu, "-d --dbname=",
		"-h --host=", "-p --port=", "-q --quiet", "-t --timeout=", "-U --username=", "-V --version", "-? --help"), false},
	"pg_config":      {"prints PostgreSQL build settings", newGrammar("pg_config", gnu, "--bindir", "--docdir", "--htmldir", "--includedir", "--pkgincludedir", "--includedir-server", "--libdir", "--pkglibdir", "--localedir", "--mandir", "--sharedir", "--sysconfdir", "--pgxs", "--configure", "--cc", "--cppflags", "--cflags", "--cflags_sl", "--ldflags", "--ldflags_ex", "--ldflags_sl", "--libs", "--version", "-? --help"), false},
	"pg_lsclusters":  {"lists PostgreSQL clusters", newGrammar("pg_lsclusters", gnu, "-h --no-header", "-j --json", "-s --start-conf", "--help"), false},
	"pg_controldata": {"prints the control file", newGrammar("pg_controldata", gnu, "-D --pgdata=", "-V --version", "-? --help"), false},
	"sync":           {"flushes file system buffers", gnuTool("sync", "-d --data", "-f --file-system"), false},
	"yes":            {"prints a string repeatedly", gnuTool("yes"), false},
	"uuidgen":        {"prints a UUID", newGrammar("uuidgen", gnu, "-r --random", "-t --time", "-m --md5", "-s --sha1", "-n --namespace=", "-N --name=", "-x --hex", "-C --count=", "-h --help", "-V --version"), false},
	"cal":            {"prints a calendar", newGrammar("cal", gnu, "-1 --one", "-3 --three", "-n --months=", "-S --span", "-s --sunday", "-m --monday", "-j --julian", "--reform=", "--iso", "-y --year", "-Y --twelve", "-w --week[=]", "-v --vertical", "--color[=]", "-c --columns=", "-h --help", "-V --version"), false},
	"whereis":        {"locates a command", newGrammar("whereis", gnu, "-b", "-m", "-s", "-u", "-B=", "-M=", "-S=", "-f", "-l", "-g", "-h --help", "-V --version"), true},
	"which":          {"locates a command", newGrammar("which", gnu, "-a", "-s"), true},
	"nslookup":       {"queries DNS", newGrammar("nslookup", dashLong, "-debug", "-nodebug", "-d2", "-vc", "-novc").opts("-port=", "-timeout=", "-retry=", "-type=", "-querytype=", "-query=", "-class=", "-domain=", "-norecurse", "-recurse", "-search", "-nosearch", "-fail", "-nofail", "-ndots=", "-all"), false},
	"host":           {"queries DNS", newGrammar("host", gnu, "-a", "-A", "-c=", "-C", "-d", "-l", "-m=", "-N=", "-p=", "-r", "-R=", "-s", "-t=", "-T", "-U", "-v", "-V", "-w", "-W=", "-4", "-6"), false},
	"whois":          {"queries a registry", newGrammar("whois", gnu, "-h --host=", "-p --port=", "-I", "-H", "--verbose", "--no-recursion", "-l", "-L", "-m", "-M", "-c", "-x", "-b", "-B", "-G", "-d", "-i=", "-T=", "-K", "-r", "-R", "-a", "-s=", "-g=", "-t=", "-v=", "-q=", "--help", "--version"), false},
	"traceroute":     {"traces a route", newGrammar("traceroute", gnu, "-4", "-6", "-d --debug", "-F --dont-fragment", "-f --first=", "-g --gateway=", "-I --icmp", "-T --tcp", "-i --interface=", "-m --max-hops=", "-N --sim-queries=", "-n", "-p --port=", "-t --tos=", "-l --flowlabel=", "-w --wait=", "-q --queries=", "-r", "-s --source=", "-z --sendwait=", "-e --extensions", "-A --as-path-lookups", "-V --version", "-U --udp", "-UL", "-D", "-P --protocol=", "--mtu", "--back", "--help"), false},
	"tracepath":      {"traces a route", newGrammar("tracepath", gnu, "-4", "-6", "-b", "-l=", "-m=", "-n", "-p=", "-V"), false},
	"mtr": {"traces a route", newGrammar("mtr", gnu, "-r --report", "-w --report-wide", "-c --report-cycles=",
		"-n --no-dns", "-b --show-ips", "-4", "-6", "-T --tcp", "-u --udp", "-P --port=", "-i --interval=",
		"-s --psize=", "-m --max-ttl=", "-f --first-ttl=", "-C --csv", "-j --json", "-x --xml", "-z --aslookup",
		"-o --order=", "-e --mpls", "-Z --timeout=", "-G --graceperiod=", "-Q --tos=", "-a --address=",
		"-I --interface=", "-l --raw", "-p --split", "-t --curses", "-v --version", "-h --help"), false},
	"ethtool": {"reports a network interface", newGrammar("ethtool", gnu, "-i --driver", "-S --statistics",
		"-k --show-features --show-offload", "-g --show-ring", "-a --show-pause", "-c --show-coalesce",
		"-l --show-channels", "-m --dump-module-eeprom --module-info", "-T --show-time-stamping", "--show-eee",
		"--show-fec", "-P --show-permaddr", "--show-priv-flags", "--show-rxfh-indir --show-rxfh", "-n --show-nfc --show-ntuple",
		"-d --register-dump", "-e --eeprom-dump", "--json", "--debug=", "-I --include-statistics", "--all-groups",
		"--groups=", "--show-tunnels", "--show-mm", "--show-plca", "--show-pse", "--show-cable-test", "-h --help", "--version").
		deny(Mutating, "changes the interface", "-s --change", "-K --features --offload", "-G --set-ring", "-A --pause",
			"-C --coalesce", "-L --set-channels", "-E --change-eeprom", "-f --flash", "-r --negotiate", "-p --identify",
			"-t --test", "-N --config-nfc --config-ntuple", "-X --set-rxfh-indir --rxfh", "-W --set-dump", "-w --get-dump",
			"--set-eee", "--set-fec", "--set-priv-flags", "--reset", "--cable-test", "--cable-test-tdr", "-u", "-U"), false},
	"dmidecode": {"reports hardware", newGrammar("dmidecode", gnu, "-d --dev-mem=", "-q --quiet", "-s --string=", "-t --type=",
		"-H --handle=", "-u --dump", "--from-dump=", "--no-sysfs", "--oem-string=", "--list", "-h --help", "-V --version").
		writes("--dump-bin="), false},
	"numastat": {"reports NUMA memory", newGrammar("numastat", gnu, "-c", "-m", "-n", "-p=", "-s[=]", "-v", "-V", "-z"), false},
}

func grepGrammar(name string) *grammar {
	return gnuTool(name, "-E --extended-regexp", "-F --fixed-strings", "-G --basic-regexp", "-P --perl-regexp",
		"-e --regexp=", "-f --file=", "-i --ignore-case", "-y", "--no-ignore-case", "-v --invert-match", "-w --word-regexp",
		"-x --line-regexp", "-c --count", "--color[=] --colour[=]", "-L --files-without-match", "-l --files-with-matches",
		"-m --max-count=", "-o --only-matching", "-q --quiet --silent", "-s --no-messages", "-b --byte-offset",
		"-H --with-filename", "-h --no-filename", "--label=", "-n --line-number", "-T --initial-tab",
		"-Z --null", "-A --after-context=", "-B --before-context=", "-C --context=", "-a --text",
		"--binary-files=", "-D --devices=", "-d --directories=", "--exclude=", "--exclude-from=", "--exclude-dir=",
		"--include=", "-r --recursive", "-R --dereference-recursive", "--line-buffered", "-U --binary",
		"-z --null-data", "--group-separator=", "--no-group-separator", "-I").numeric().completeLongs()
}

func sumGrammar(name string) *grammar {
	return gnuTool(name, "-b --binary", "-c --check", "--tag", "-t --text", "-z --zero", "--ignore-missing",
		"--quiet", "--status", "--strict", "-w --warn")
}

// jqRule accepts jq with the options that only shape its output; the
// program itself cannot write files or run commands. The langs owner
// replaces this with jq's grammar and program analysis.
func jqRule(c *classifier, x *call) verdict {
	var rest []word
	for i := 0; i < len(x.args); i++ {
		a := x.args[i]
		switch a.val {
		case "--arg", "--argjson", "--slurpfile", "--rawfile":
			if a.dyn || i+2 >= len(x.args) {
				return unk("jq " + a.val + ": lacks its name and value")
			}
			i += 2
			continue
		}
		rest = append(rest, a)
	}
	cl := jqGrammar.parse(rest)
	if !cl.ok() {
		return cl.v
	}
	return ro(x.name + ": filters JSON")
}

var jqGrammar = newGrammar("jq", gnu, "-r --raw-output", "-j --join-output", "-a --ascii-output", "-c --compact-output",
	"-e --exit-status", "-s --slurp", "-n --null-input", "-R --raw-input", "-S --sort-keys", "-C --color-output",
	"-M --monochrome-output", "--tab", "--indent=", "--seq", "--stream", "--stream-errors", "--unbuffered",
	"--raw-output0", "-f --from-file=", "-L=", "--args", "--jsonargs", "-h --help", "-V --version", "--build-configuration")
