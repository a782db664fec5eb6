package shell

import "strings"

// Programs over files and text whose class depends on more than their
// options: what their operands are, which action they take.

// find's expression: tests and actions as single-dash words.
var findGrammar = newGrammar("find", dashLong,
	"-name=", "-iname=", "-path=", "-ipath=", "-wholename=", "-iwholename=", "-regex=", "-iregex=",
	"-type=", "-xtype=", "-size=", "-mtime=", "-mmin=", "-atime=", "-amin=", "-ctime=", "-cmin=",
	"-newer=", "-anewer=", "-cnewer=", "-user=", "-group=", "-uid=", "-gid=", "-nouser", "-nogroup",
	"-perm=", "-links=", "-inum=", "-samefile=", "-empty", "-readable", "-writable", "-executable",
	"-lname=", "-ilname=", "-fstype=", "-used=", "-true", "-false", "-maxdepth=", "-mindepth=", "-depth",
	"-d", "-mount", "-xdev", "-noleaf", "-follow", "-ignore_readdir_race", "-noignore_readdir_race",
	"-daystart", "-regextype=", "-warn", "-nowarn", "-context=", "-print", "-print0", "-printf=", "-ls",
	"-prune", "-quit", "-not", "-a", "-and", "-o", "-or", "-help", "--help", "-version", "--version",
	"-newermt=", "-newerct=", "-newerat=", "-newermm=", "-newercc=", "-neweraa=", "-newerBt=", "-newermB=",
	"-files0-from=",
).deny(Mutating, "deletes the files it finds", "-delete").
	deny(Mutating, "writes its list to a file", "-fprint=", "-fprint0=", "-fprintf=", "-fls=")

// find lists files; -exec and -execdir are as safe as the command they
// run on each file name ({} is a path under the starting points, so it
// cannot start with a dash).
func findRule(c *classifier, x *call) verdict {
	args := x.args
	// Leading options, then the starting points.
	for len(args) > 0 && !args[0].dyn {
		switch s := args[0].val; {
		case s == "-H" || s == "-L" || s == "-P" || strings.HasPrefix(s, "-O"):
			args = args[1:]
			continue
		case s == "-D" && len(args) > 1:
			args = args[2:]
			continue
		}
		break
	}
	var expr []word
	for i, a := range args {
		if a.inject || a.split {
			return unk("find: argument " + a.src + " may turn into an expression at run time; give it a fixed prefix such as ./")
		}
		if s := a.val; strings.HasPrefix(s, "-") || s == "(" || s == "!" || s == ")" || s == "," {
			expr = args[i:]
			break
		}
	}
	v := ro("find: lists files")
	var rest []word
	for i := 0; i < len(expr); i++ {
		a := expr[i]
		switch s, _ := a.lit(); s {
		case "(", ")", "!", ",":
			continue
		case "-exec", "-execdir", "-ok", "-okdir":
			end := i + 1
			for end < len(expr) && !(expr[end].val == ";" || expr[end].val == "+") {
				end++
			}
			cmd := expr[i+1 : end]
			i = end
			if len(cmd) == 0 {
				return unk("find " + s + ": no command")
			}
			if s == "-ok" || s == "-okdir" {
				return unk("find " + s + ": asks on its input before running " + cmd[0].show())
			}
			v = worse(v, c.inner(cmd, nil).prefixed("find "+s))
			continue
		}
		rest = append(rest, a)
	}
	cl := findGrammar.parse(rest)
	if !cl.ok() {
		return cl.v
	}
	if len(cl.args) > 0 {
		return unk("find: " + cl.args[0].show() + " is not a test or an action")
	}
	return v
}

var sortGrammar = gnuTool("sort", "-b --ignore-leading-blanks", "-d --dictionary-order", "-f --ignore-case",
	"-g --general-numeric-sort", "-i --ignore-nonprinting", "-M --month-sort", "-h --human-numeric-sort",
	"-n --numeric-sort", "-R --random-sort", "--random-source=", "-r --reverse", "--sort=", "-V --version-sort",
	"--batch-size=", "-c", "-C", "--check[=]", "--debug", "--files0-from=", "-k --key=", "-m --merge",
	"-s --stable", "-S --buffer-size=", "-t --field-separator=", "--parallel=", "-u --unique",
	"-z --zero-terminated").
	writes("-o --output=").
	deny(Unknown, "runs a program to compress temporary files", "--compress-program=").
	deny(Mutating, "writes temporary files in a directory it is given", "-T --temporary-directory=").
	completeLongs()

func sortRule(c *classifier, x *call) verdict {
	cl := sortGrammar.parse(x.args)
	if !cl.ok() {
		return cl.v
	}
	return ro("sort: sorts lines")
}

var uniqGrammar = gnuTool("uniq", "-c --count", "-d --repeated", "-D", "--all-repeated[=]", "-f --skip-fields=",
	"--group[=]", "-i --ignore-case", "-s --skip-chars=", "-u --unique", "-z --zero-terminated", "-w --check-chars=").numeric().completeLongs()

// uniq writes its output to its second operand when there is one.
func uniqRule(c *classifier, x *call) verdict {
	cl := uniqGrammar.parse(x.args)
	if !cl.ok() {
		return cl.v
	}
	if len(cl.args) > 1 && writes(cl.args[1]) {
		return mut("uniq: writes " + cl.args[1].show())
	}
	return ro("uniq: filters repeated lines")
}

var teeGrammar = gnuTool("tee", "-a --append", "-i --ignore-interrupts", "-p", "--output-error[=]")

func teeRule(c *classifier, x *call) verdict {
	cl := teeGrammar.parse(x.args)
	if !cl.ok() {
		return cl.v
	}
	for _, w := range cl.args {
		if writes(w) {
			return mut("tee: writes " + w.show())
		}
	}
	return ro("tee: copies its input to its output")
}

var dateGrammar = gnuTool("date", "-d --date=", "--debug", "-f --file=", "-I --iso-8601[=]", "--resolution",
	"-R --rfc-email", "--rfc-3339=", "-r --reference=", "-u --utc --universal").
	deny(Mutating, "sets the system clock", "-s --set=")

// date prints the time; an operand other than +FORMAT sets the clock.
func dateRule(c *classifier, x *call) verdict {
	cl := dateGrammar.parse(x.args)
	if !cl.ok() {
		return cl.v
	}
	for _, w := range cl.args {
		if !strings.HasPrefix(w.val, "+") {
			return mut("date " + w.show() + ": sets the system clock")
		}
	}
	return ro("date: prints the time")
}

var hostnameGrammar = newGrammar("hostname", gnu, "-a --alias", "-A --all-fqdns", "-d --domain", "-f --fqdn --long",
	"-i --ip-address", "-I --all-ip-addresses", "-s --short", "-y --yp --nis", "-h --help", "-V --version").
	deny(Mutating, "sets the host name", "-F --file=", "-b --boot")

func hostnameRule(c *classifier, x *call) verdict {
	cl := hostnameGrammar.parse(x.args)
	if !cl.ok() {
		return cl.v
	}
	if len(cl.args) > 0 {
		return mut("hostname " + cl.args[0].show() + ": sets the host name")
	}
	return ro("hostname: prints the host name")
}

// tar is read-only only when it lists or compares an archive (-t, -d):
// creating, extracting, appending, deleting and --remove-files change
// files, and several options run programs.
var tarGrammar = gnuTool("tar", "-t --list", "-d --diff --compare", "-f --file=", "-z --gzip --gunzip --ungzip",
	"-j --bzip2", "-J --xz", "--lzip", "--lzma", "--lzop", "--zstd", "-Z --compress --uncompress", "-a --auto-compress",
	"-v --verbose", "--full-time", "--utc", "-R --block-number", "--numeric-owner", "--quoting-style=",
	"--show-transformed-names", "--show-stored-names", "-C --directory=", "--wildcards", "--no-wildcards",
	"--anchored", "--no-anchored", "--ignore-case", "--no-ignore-case", "--exclude=", "-X --exclude-from=",
	"-T --files-from=", "--null", "--no-null", "-b --blocking-factor=", "-B --read-full-records", "-i --ignore-zeros",
	"--occurrence[=]", "--force-local", "-H --format=", "--strip-components=", "-w --interactive", "--totals[=]",
	"--warning=", "--no-recursion", "--recursion", "-l --check-links", "--index-file=", "--checkpoint[=]",
	"-S --sparse", "-O --to-stdout", "-k --keep-old-files", "--ignore-failed-read", "-P --absolute-names").
	deny(Mutating, "changes files or the archive", "-c --create", "-x --extract --get", "-r --append", "-u --update",
		"-A --catenate --concatenate", "--delete", "--remove-files", "--overwrite", "--unlink-first", "-U",
		"--recursive-unlink", "--backup[=]", "--keep-newer-files", "--skip-old-files", "-W --verify").
	deny(Unknown, "runs a program given in its options", "-I --use-compress-program=", "--to-command=",
		"--info-script= --new-volume-script=", "-F", "--rsh-command=", "--rmt-command=", "--checkpoint-action=").
	writes("--index-file=")

func tarRule(c *classifier, x *call) verdict {
	args := x.args
	if len(args) > 0 && !args[0].dyn && !strings.HasPrefix(args[0].val, "-") && args[0].val != "" {
		// tar tzf a.tgz: the old style, every letter an option and the
		// values of f, C and the like in the following words.
		first := word{src: args[0].src, val: "-" + args[0].val}
		args = append([]word{first}, args[1:]...)
	}
	cl := tarGrammar.parse(args)
	if !cl.ok() {
		return cl.v
	}
	if !cl.has("-t", "-d") {
		return unk("tar: only listing (-t) and comparing (-d) an archive are known to be read-only")
	}
	if f, ok := cl.value("-f"); ok && (f.dyn || strings.Contains(f.val, ":")) && !cl.has("--force-local") {
		return unk("tar -f " + f.show() + ": an archive name with a colon is opened on another host with rsh")
	}
	return ro("tar -t: lists an archive")
}

// gzip and friends replace files unless they write to standard output or
// only test or list.
var gzipGrammar = gnuTool("gzip", "-c --stdout --to-stdout", "-d --decompress --uncompress", "-t --test", "-l --list",
	"-f --force", "-q --quiet", "-v --verbose", "-k --keep", "-n --no-name", "-N --name", "-r --recursive",
	"-1", "-2", "-3", "-4", "-5", "-6", "-7", "-8", "-9", "--fast", "--best", "-T --threads=", "-M --memlimit=",
	"-F --format=", "-s --small", "-L --license", "-V").
	writes("-o --output=").
	deny(Mutating, "replaces the files it is given", "-S --suffix=", "--rm")

func gzipRule(c *classifier, x *call) verdict {
	cl := gzipGrammar.parse(x.args)
	if !cl.ok() {
		return cl.v
	}
	if cl.has("-c", "-t", "-l") || len(cl.args) == 0 || len(cl.args) == 1 && cl.args[0].val == "-" {
		return ro(x.name + ": writes to standard output")
	}
	return mut(x.name + ": replaces files with their (de)compressed form")
}

var unzipGrammar = newGrammar("unzip", gnu, "-l", "-v", "-t", "-p", "-c", "-z", "-Z", "-q", "-qq", "-C", "-L",
	"-P=", "-x=", "-h", "-hh").deny(Mutating, "extracts files", "-d=", "-o", "-n", "-f", "-u", "-j", "-X", "-K")

func unzipRule(c *classifier, x *call) verdict {
	cl := unzipGrammar.parse(x.args)
	if !cl.ok() {
		return cl.v
	}
	if !cl.has("-l", "-v", "-t", "-p", "-c", "-z", "-Z") {
		return mut("unzip: extracts files")
	}
	return ro("unzip -l: reads an archive")
}

var lessGrammar = newGrammar("less", gnu, "-F --quit-if-one-screen", "-R --RAW-CONTROL-CHARS", "-r --raw-control-chars",
	"-S --chop-long-lines", "-X --no-init", "-N --LINE-NUMBERS", "-n --line-numbers", "-i --ignore-case",
	"-I --IGNORE-CASE", "-M --LONG-PROMPT", "-m --long-prompt", "-s --squeeze-blank-lines", "-e --quit-at-eof",
	"-E --QUIT-AT-EOF", "-K --quit-on-intr", "-q --quiet --silent", "-Q --QUIET --SILENT", "-J --status-column",
	"-w --hilite-unread", "-W --HILITE-UNREAD", "-x --tabs=", "-z --window=", "-# --shift=", "-f --force",
	"-c --clear-screen", "-C --CLEAR-SCREEN", "-g --hilite-search", "-G --HILITE-SEARCH", "-a --search-skip-screen",
	"-B --auto-buffers", "-b --buffers=", "-y --max-forw-scroll=", "-h --max-back-scroll=", "-V --version",
	"-? --help", "-u --underline-special", "-U --UNDERLINE-SPECIAL", "--mouse", "--no-keypad", "--no-lessopen",
	"--use-color", "--incsearch").numeric().
	deny(Mutating, "writes a log file", "-o --log-file=", "-O --LOG-FILE=").
	deny(Unknown, "reads commands or tags from a file", "-k --lesskey-file=", "-t --tag=", "-T --tag-file=", "-p --pattern=", "-j --jump-target=", "-P --prompt=")

// less and more: a pager reading files; an operand +cmd runs a pager
// command, which can run a shell.
func lessRule(c *classifier, x *call) verdict {
	cl := lessGrammar.parse(x.args)
	if !cl.ok() {
		return cl.v
	}
	for _, a := range cl.args {
		if strings.HasPrefix(a.val, "+") {
			return unk(x.name + " " + a.show() + ": runs a pager command")
		}
	}
	return ro(x.name + ": pages text")
}

var topGrammar = newGrammar("top", gnu, "-b", "-c", "-d=", "-e=", "-E=", "-H", "-i", "-n=", "-o=", "-O", "-p=",
	"-s", "-S", "-u=", "-U=", "-w[=]", "-1", "-h", "-v")

// top is read-only in batch mode (-b); interactively it can kill and
// renice processes.
func topRule(c *classifier, x *call) verdict {
	cl := topGrammar.parse(x.args)
	if !cl.ok() {
		return cl.v
	}
	if !cl.has("-b") {
		return unk("top: interactive without -b, where a key can kill or renice a process")
	}
	return ro("top -b: reports processes")
}

var treeGrammar = newGrammar("tree", gnu, "-a", "-d", "-l", "-f", "-x", "-L=", "-R", "-P=", "-I=", "--gitignore",
	"--ignore-case", "--matchdirs", "--metafirst", "--prune", "--info", "--infofile=", "--noreport", "--charset=",
	"--filelimit=", "--timefmt=", "-q", "-N", "-Q", "-p", "-u", "-g", "-s", "-h", "--si", "--du", "-D", "-F",
	"--inodes", "--device", "-v", "-t", "-c", "-U", "-r", "--dirsfirst", "--filesfirst", "--sort=", "-i", "-A",
	"-S", "-n", "-C", "-X", "-J", "-H=", "-T=", "--nolinks", "--help", "--version", "--fromfile").
	writes("-o=")

func treeRule(c *classifier, x *call) verdict {
	cl := treeGrammar.parse(x.args)
	if !cl.ok() {
		return cl.v
	}
	return ro("tree: lists files")
}

var crontabGrammar = newGrammar("crontab", gnu, "-l", "-u=", "-V").
	deny(Mutating, "replaces or edits the crontab", "-r", "-e", "-i", "-s", "-n=", "-c", "-T")

func crontabRule(c *classifier, x *call) verdict {
	cl := crontabGrammar.parse(x.args)
	if !cl.ok() {
		return cl.v
	}
	if !cl.has("-l") || len(cl.args) > 0 {
		return mut("crontab: replaces the crontab")
	}
	return ro("crontab -l: prints the crontab")
}

var sysctlGrammar = newGrammar("sysctl", gnu, "-a -A -X --all", "-b --binary", "-e --ignore", "-N --names",
	"-n --values", "-q --quiet", "-r --pattern=", "-h --help", "-V --version", "-d").
	deny(Mutating, "changes kernel parameters", "-w --write", "-p --load[=]", "-f", "--system")

func sysctlRule(c *classifier, x *call) verdict {
	cl := sysctlGrammar.parse(x.args)
	if !cl.ok() {
		return cl.v
	}
	for _, w := range cl.args {
		if strings.Contains(w.val, "=") || w.dyn {
			return mut("sysctl " + w.show() + ": changes a kernel parameter")
		}
	}
	return ro("sysctl: reads kernel parameters")
}

var fuserGrammar = newGrammar("fuser", gnu, "-a --all", "-m --mount", "-M --ismountpoint", "-n --namespace=",
	"-s --silent", "-u --user", "-v --verbose", "-4 --ipv4", "-6 --ipv6", "-l --list-signals", "-V --version", "-h --help").
	deny(Mutating, "kills the processes using a file", "-k --kill", "-i --interactive", "-I --inode", "-w --writeonly")

func fuserRule(c *classifier, x *call) verdict {
	cl := fuserGrammar.parse(x.args)
	if !cl.ok() {
		return cl.v
	}
	return ro("fuser: lists processes using files")
}

var fileGrammar = newGrammar("file", gnu, "-b --brief", "-c --checking-printout", "-d", "-E", "-e --exclude=",
	"--exclude-quiet=", "-F --separator=", "-f --files-from=", "-h --no-dereference", "-i --mime", "--mime-type",
	"--mime-encoding", "-k --keep-going", "-l --list", "-L --dereference", "-m --magic-file=", "-N --no-pad",
	"-n --no-buffer", "-p --preserve-date", "-P --parameter=", "-r --raw", "-s --special-files", "-S --no-sandbox",
	"-v --version", "-z --uncompress", "-Z --uncompress-noreport", "-0 --print0", "--apple", "--extension", "--help").
	deny(Mutating, "writes a compiled magic file", "-C --compile")

func fileRule(c *classifier, x *call) verdict {
	cl := fileGrammar.parse(x.args)
	if !cl.ok() {
		return cl.v
	}
	return ro("file: identifies file types")
}

var xxdGrammar = newGrammar("xxd", gnu, "-a", "-autoskip", "-b", "-bits", "-C", "-capitalize", "-c=", "-cols=",
	"-E", "-EBCDIC", "-e", "-g=", "-groupsize=", "-h", "-help", "-i", "-include", "-l=", "-len=", "-n=", "-name=",
	"-o=", "-offset=", "-p", "-ps", "-postscript", "-plain", "-r", "-revert", "-R=", "-d", "-s=", "-seek=", "-u",
	"-v", "-version")

func xxdRule(c *classifier, x *call) verdict {
	cl := xxdGrammar.parse(x.args)
	if !cl.ok() {
		return cl.v
	}
	if len(cl.args) > 1 && writes(cl.args[1]) {
		return mut("xxd: writes " + cl.args[1].show())
	}
	return ro("xxd: dumps bytes")
}

var jsonToolGrammar = newGrammar("python -m json.tool", gnu, "--sort-keys", "--no-ensure-ascii", "--json-lines",
	"--indent=", "--tab", "--no-indent", "--compact", "-h --help")

// python is a program runner; only its JSON formatter is known, and
// printing its version.
func pythonRule(c *classifier, x *call) verdict {
	args := x.args
	if len(args) == 1 && (args[0].val == "-V" || args[0].val == "--version") && !args[0].dyn {
		return ro(x.name + " --version: prints its version")
	}
	if len(args) >= 2 && args[0].val == "-m" && !args[0].dyn && !args[1].dyn && args[1].val == "json.tool" {
		cl := jsonToolGrammar.parse(args[2:])
		if !cl.ok() {
			return cl.v
		}
		if len(cl.args) > 1 && writes(cl.args[1]) {
			return mut(x.name + " -m json.tool: writes " + cl.args[1].show())
		}
		return ro(x.name + " -m json.tool: formats JSON")
	}
	if len(args) > 0 && args[0].val == "-c" {
		return unk(x.name + " -c: runs a program the classifier does not read")
	}
	return unk(x.name + ": runs a program")
}

var mktempGrammar = gnuTool("mktemp", "-d --directory", "-q --quiet", "--suffix=", "-p --tmpdir[=]", "-t")

func mktempRule(c *classifier, x *call) verdict {
	cl := mktempGrammar.parse(x.args)
	if cl.ok() {
		for _, a := range x.args {
			if a.val == "-u" || a.val == "--dry-run" {
				return ro("mktemp -u: prints a file name")
			}
		}
	}
	return mut("mktemp: creates a file")
}

// ps only reads the process table: none of its options (UNIX, BSD or
// GNU) writes or runs anything, so any literal argument is accepted.
func psRule(c *classifier, x *call) verdict {
	for _, a := range x.args {
		if a.inject || a.split {
			return unk("ps: argument " + a.src + " is only known at run time")
		}
	}
	return ro("ps: lists processes")
}

// lsof reads; only -D (the device cache) and +m (the mount supplement)
// write files.
func lsofRule(c *classifier, x *call) verdict {
	for _, a := range x.args {
		if a.inject || a.split {
			return unk("lsof: argument " + a.src + " may turn into an option at run time")
		}
		s := a.val
		switch {
		case lsofCacheOption(s):
			return mut("lsof -D: writes the device cache file")
		case strings.HasPrefix(s, "+m"):
			return mut("lsof +m: writes a mount supplement file")
		}
	}
	return ro("lsof: lists open files")
}

var rgGrammar = newGrammar("rg", gnu, "-e --regexp=", "-f --file=", "-A --after-context=", "-B --before-context=",
	"-C --context=", "-c --count", "--count-matches", "--color=", "--colors=", "--column", "--no-column",
	"-F --fixed-strings", "-i --ignore-case", "-S --smart-case", "-s --case-sensitive", "-g --glob=", "--iglob=",
	"-H --with-filename", "-I --no-filename", "-l --files-with-matches", "--files-without-match", "--files",
	"-L --follow", "-m --max-count=", "--max-depth= --maxdepth=", "--max-filesize=", "-n --line-number",
	"-N --no-line-number", "-o --only-matching", "-p --pretty", "-q --quiet", "-r --replace=", "-t --type=",
	"-T --type-not=", "--type-list", "-u --unrestricted", "-uu", "-uuu", "-v --invert-match", "-w --word-regexp",
	"-x --line-regexp", "--hidden", "--no-ignore", "--no-ignore-vcs", "--no-heading", "--heading", "--json",
	"--stats", "--sort=", "--sortr=", "-a --text", "-P --pcre2", "--engine=", "-U --multiline",
	"--multiline-dotall", "--trim", "--null -0", "--null-data", "--vimgrep", "-M --max-columns=",
	"--max-columns-preview", "--no-messages", "--no-config", "--passthru", "--line-buffered", "--block-buffered",
	"-j --threads=", "--debug", "--trace", "-h --help", "-V --version", "--context-separator=", "--field-match-separator=",
	"--field-context-separator=", "--path-separator=", "--byte-offset -b", "-E --encoding=", "--crlf", "--mmap",
	"--no-mmap", "--one-file-system", "--no-unicode", "--binary", "--include-zero", "--ignore-file=",
	"--ignore-file-case-insensitive", "--no-require-git", "--type-add=", "--type-clear=").
	deny(Unknown, "runs a program on every file", "--pre=", "--pre-glob=", "-z --search-zip", "--hostname-bin=")

func rgRule(c *classifier, x *call) verdict {
	cl := rgGrammar.parse(x.args)
	if !cl.ok() {
		return cl.v
	}
	return ro("rg: searches text")
}

// dig and its +options only query DNS.
var digGrammar = newGrammar("dig", gnu, "-4", "-6", "-b=", "-c=", "-f=", "-k=", "-m", "-p=", "-q=", "-r", "-t=",
	"-u", "-v", "-x=", "-y=", "-h")

func digRule(c *classifier, x *call) verdict {
	var rest []word
	for _, a := range x.args {
		if !a.dyn && (strings.HasPrefix(a.val, "+") || strings.HasPrefix(a.val, "@")) {
			continue
		}
		rest = append(rest, a)
	}
	cl := digGrammar.parse(rest)
	if !cl.ok() {
		return cl.v
	}
	return ro("dig: queries DNS")
}

var sarGrammar = newGrammar("sar", gnu, "-A", "-B", "-b", "-C", "-D", "-d", "-F[=]", "-H", "-h", "-I=", "-j=", "-m=",
	"-n=", "-P=", "-p", "-q[=]", "-r[=]", "-S", "-t", "-u[=]", "-V", "-v", "-W", "-w", "-x", "-y", "-z",
	"-e=", "-f=", "-i=", "-s=", "--dec=", "--dev=", "--fs=", "--iface=", "--human", "--pretty", "--sadc").
	deny(Mutating, "writes its samples to a file", "-o[=]")

func sarRule(c *classifier, x *call) verdict {
	cl := sarGrammar.parse(x.args)
	if !cl.ok() {
		return cl.v
	}
	return ro("sar: reports system activity")
}

var smartctlGrammar = newGrammar("smartctl", gnu, "-h --help --usage", "-V --version --copyright --license",
	"-i --info", "-g --get=", "-a --all", "-x --xall", "--scan", "--scan-open", "-H --health", "-c --capabilities",
	"-A --attributes", "-l --log=", "-d --device=", "-T --tolerance=", "-b --badsum=", "-r --report=",
	"-n --nocheck=", "-j --json[=]", "-q --quietmode=", "-f --format=", "-v --vendorattribute=", "-P --presets=",
	"-F --firmwarebug=", "-B --drivedb=").
	deny(Mutating, "changes the drive or runs a test", "-s --smart=", "-o --offlineauto=", "-S --saveauto=",
		"--set=", "-t --test=", "-C --captive", "-X --abort")

func smartctlRule(c *classifier, x *call) verdict {
	cl := smartctlGrammar.parse(x.args)
	if !cl.ok() {
		return cl.v
	}
	return ro("smartctl: reads the drive's health")
}

var rpmGrammar = newGrammar("rpm", gnu, "-q --query", "-V --verify", "-a --all", "-f --file", "-p --package",
	"-g --group", "-i --info", "-l --list", "-c --configfiles", "-d --docfiles", "-s --state", "-R --requires",
	"--provides", "--whatprovides", "--whatrequires", "--changelog", "--scripts", "--triggers", "--last",
	"--qf= --queryformat=", "-v --verbose", "--quiet", "--root=", "--dbpath=", "--nosignature", "--nodigest",
	"--nofiles", "--nodeps", "--dump", "--filesbypkg", "--conflicts", "--obsoletes", "--recommends", "--suggests",
	"--version", "--help", "-K --checksig", "--dupes").
	deny(Unknown, "expands macros, which can run shell commands", "-E --eval=", "-D --define=", "--pipe=", "--macros=", "--rcfile=").
	deny(Mutating, "changes packages or the database", "-i --install", "-U --upgrade", "-F --freshen", "-e --erase",
		"--import", "--rebuilddb", "--initdb", "--setperms", "--setugids", "--restore", "--addsign", "--resign", "--delsign")

// rpmQueryLetters are the short options whose meaning changes after -q:
// rpm -qi is --info, not --install.
var rpmQueryLetters = map[rune]string{'a': "--all", 'f': "--file", 'p': "--package", 'g': "--group", 'i': "--info",
	'l': "--list", 'c': "--configfiles", 'd': "--docfiles", 's': "--state", 'R': "--requires", 'v': "--verbose"}

func rpmRule(c *classifier, x *call) verdict {
	var args []word
	query := false
	for _, a := range x.args {
		if !a.dyn && (strings.HasPrefix(a.val, "-q") || strings.HasPrefix(a.val, "-V")) && !strings.HasPrefix(a.val, "--") {
			query = true
			args = append(args, word{src: a.src, val: a.val[:2]})
			for _, ch := range a.val[2:] {
				long, ok := rpmQueryLetters[ch]
				if !ok {
					return unk("rpm " + a.val + ": an option not known to be read-only")
				}
				args = append(args, word{src: a.src, val: long})
			}
			continue
		}
		if query && !a.dyn && len(a.val) == 2 && a.val[0] == '-' {
			if long, ok := rpmQueryLetters[rune(a.val[1])]; ok {
				args = append(args, word{src: a.src, val: long})
				continue
			}
		}
		args = append(args, a)
	}
	cl := rpmGrammar.parse(args)
	if !cl.ok() {
		return cl.v
	}
	if !cl.has("-q", "-V", "-K", "--version", "--help") {
		return unk("rpm: only queries (-q) and verifying (-V) are known to be read-only")
	}
	return ro("rpm -q: queries packages")
}

var nstatGrammar = newGrammar("nstat", gnu, "-h --help", "-V --version", "-z --zeros", "-s --no-update", "-a --ignore",
	"-j --json", "-p --pretty").
	deny(Mutating, "writes or resets its history file", "-r --reset", "-n --nooutput", "-d --scan=", "-t --interval=")

// nstat updates a history file unless told not to (-s).
func nstatRule(c *classifier, x *call) verdict {
	cl := nstatGrammar.parse(x.args)
	if !cl.ok() {
		return cl.v
	}
	if !cl.has("-s", "-h", "-V") {
		return mut("nstat: updates its history file; add -s")
	}
	return ro("nstat -s: reports network counters")
}

var iotopGrammar = newGrammar("iotop", gnu, "-b --batch", "-o --only", "-P --processes", "-a --accumulated",
	"-k --kilobytes", "-t --time", "-q --quiet", "-n --iter=", "-d --delay=", "-p --pid=", "-u --user=",
	"-h --help", "--version")

func iotopRule(c *classifier, x *call) verdict {
	cl := iotopGrammar.parse(x.args)
	if !cl.ok() {
		return cl.v
	}
	if !cl.has("-b") {
		return unk("iotop: interactive without -b, where a key can renice a process")
	}
	return ro("iotop -b: reports I/O by process")
}

var ntpqGrammar = newGrammar("ntpq", gnu, "-4", "-6", "-d", "-n", "-p", "-w", "--numeric", "--peers", "--wide", "--version", "--help")

func ntpqRule(c *classifier, x *call) verdict {
	cl := ntpqGrammar.parse(x.args)
	if !cl.ok() {
		return cl.v
	}
	if len(cl.args) > 1 || !cl.has("-p") {
		return unk("ntpq: without -p it reads commands, some of which change the server")
	}
	return ro("ntpq -p: queries NTP")
}

var aptCacheGrammar = newGrammar("apt-cache", gnu, "-q --quiet", "-i --important", "-a --all-versions",
	"-n --names-only", "--full", "--installed", "--recurse", "--no-all-names", "--no-pre-depends", "--no-depends",
	"--no-recommends", "--no-suggests", "--no-conflicts", "--no-breaks", "--no-replaces", "--no-enhances",
	"-h --help", "-v --version")

func aptCacheRule(c *classifier, x *call) verdict {
	cl := aptCacheGrammar.parse(x.args)
	if !cl.ok() {
		return cl.v
	}
	if len(cl.args) == 0 {
		return ro("apt-cache: prints usage")
	}
	switch sub := cl.args[0].val; sub {
	case "policy", "show", "showpkg", "showsrc", "search", "depends", "rdepends", "stats", "madison", "pkgnames",
		"dump", "dumpavail", "unmet", "xvcg", "dotty", "showauto":
		return ro("apt-cache " + sub + ": queries the package cache")
	}
	return unk("apt-cache " + cl.args[0].show() + ": not known to be read-only")
}

// lsofCacheOption reports -D, alone or in a cluster of flags (-nPD); the
// letters after a value-taking option are its value.
func lsofCacheOption(s string) bool {
	if !strings.HasPrefix(s, "-") {
		return false
	}
	for _, ch := range s[1:] {
		switch {
		case ch == 'D':
			return true
		case strings.ContainsRune("cdgikopsuSTFreEK", ch):
			return false
		}
	}
	return false
}
