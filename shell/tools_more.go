package shell

import "strings"

// More of the SRE toolbox: storage, packet capture, service managers and
// cluster clients whose reading forms are common in diagnosis.

// verbTool is a program whose first operand is a verb: read-only verbs
// are listed with what they do; options come from one grammar.
type verbTool struct {
	g     *grammar
	verbs map[string]string // verb → what it does
	// bare is what the program does without a verb ("" means it needs one).
	bare string
}

func (t verbTool) classify(c *classifier, x *call) verdict {
	cl := t.g.parse(x.args)
	if !cl.ok() {
		return cl.v
	}
	if len(cl.args) == 0 {
		if t.bare == "" {
			return unk(x.name + ": no verb")
		}
		return ro(x.name + ": " + t.bare)
	}
	verb, ok := cl.args[0].lit()
	if !ok {
		return unk(x.name + ": the verb is only known at run time")
	}
	if why, ok := t.verbs[verb]; ok {
		return ro(x.name + " " + verb + ": " + why)
	}
	return unk(x.name + " " + verb + ": not known to be read-only")
}

// verbTools are looked up by name.
var verbTools = map[string]verbTool{
	"helm": {g: newGrammar("helm", pflag, "-n --namespace=", "--kube-context=", "-A --all-namespaces", "-a --all",
		"-o --output=", "--revision=", "--max=", "-q --short", "--deployed", "--failed", "--pending", "--uninstalled",
		"--superseded", "--date", "-r --reverse", "-m --max", "--filter=", "--time-format=", "--debug", "--all-values",
		"--template=", "-h --help", "--show-resources", "--show-desc", "-l --selector=", "--no-headers").
		deny(Unknown, "reads a kubeconfig whose exec plugins run programs", "--kubeconfig="),
		verbs: map[string]string{"list": "lists releases", "ls": "lists releases", "status": "reports a release",
			"history": "lists a release's revisions", "get": "prints a release's values or manifest", "version": "prints its version",
			"env": "prints its environment", "show": "prints a chart", "search": "searches charts", "lint": "checks a chart",
			"template": "renders a chart to standard output"}},
	"crictl": {g: newGrammar("crictl", pflag, "-a --all", "-q --quiet", "-o --output=", "--name=", "--namespace=",
		"--label=", "--state=", "--pod=", "--tail=", "--since=", "--timestamps -t", "-f --follow", "--latest -l",
		"--last=", "-n --no-trunc", "--digests", "-v --verbose", "-r --runtime-endpoint=", "-i --image-endpoint=",
		"--timeout=", "--debug -D", "-h --help", "--previous -p", "--image=", "--id="),
		verbs: map[string]string{"ps": "lists containers", "pods": "lists pods", "images": "lists images",
			"img": "lists images", "logs": "reads container logs", "inspect": "reads container details",
			"inspectp": "reads pod details", "inspecti": "reads image details", "stats": "reports container usage",
			"statsp": "reports pod usage", "info": "reports the runtime", "version": "prints versions", "imagefsinfo": "reports image storage"}},
	"rabbitmqctl": {g: newGrammar("rabbitmqctl", gnu, "-n --node=", "-q --quiet", "-s --silent", "--formatter=",
		"-p --vhost=", "-t --timeout=", "--no-table-headers", "-l --longnames", "--help"),
		verbs: map[string]string{"status": "reports the node", "cluster_status": "reports the cluster",
			"list_queues": "lists queues", "list_exchanges": "lists exchanges", "list_bindings": "lists bindings",
			"list_connections": "lists connections", "list_channels": "lists channels", "list_consumers": "lists consumers",
			"list_vhosts": "lists vhosts", "list_users": "lists users", "list_permissions": "lists permissions",
			"environment": "prints the environment", "report": "reports the node", "node_health_check": "checks the node",
			"ping": "checks the node", "list_policies": "lists policies", "list_parameters": "lists parameters",
			"list_global_parameters": "lists parameters", "alarms": "lists alarms", "list_unresponsive_queues": "lists queues",
			"version": "prints its version"}},
	"etcdctl": {g: newGrammar("etcdctl", pflag, "--endpoints=", "--cacert=", "--cert=", "--key=", "-w --write-out=",
		"--dial-timeout=", "--command-timeout=", "--cluster", "--insecure-skip-tls-verify", "--user=", "--password=",
		"--prefix", "--keys-only", "--limit=", "--print-value-only", "--rev=", "-h --help", "--hex", "--debug"),
		verbs: map[string]string{"get": "reads keys", "endpoint": "reports endpoints", "member": "lists members",
			"version": "prints its version", "check": "checks the cluster", "alarm": "lists alarms"}},
	"consul": {g: newGrammar("consul", dashLong, "-http-addr=", "-token=", "-ca-file=", "-detailed", "-format=", "-datacenter=", "-wan", "-status="),
		verbs: map[string]string{"members": "lists members", "info": "reports the agent", "version": "prints its version", "catalog": "lists the catalog"}},
	"vault": {g: newGrammar("vault", dashLong, "-address=", "-format=", "-ca-cert=", "-namespace="),
		verbs: map[string]string{"status": "reports the server", "version": "prints its version"}},
	"certbot": {g: newGrammar("certbot", gnu, "--cert-name=", "-d --domains=", "-q --quiet", "-v --verbose", "--config-dir=",
		"--work-dir=", "--logs-dir=", "-h --help", "--version", "--non-interactive -n"),
		verbs: map[string]string{"certificates": "lists certificates"}},
	"virsh": {g: newGrammar("virsh", gnu, "-c --connect=", "-r --readonly", "-q --quiet", "--all", "--name", "--uuid", "--state-running", "--state-shutoff", "-h --help", "-v --version"),
		verbs: map[string]string{"list": "lists domains", "dominfo": "reports a domain", "domstate": "reports a domain",
			"nodeinfo": "reports the host", "version": "prints versions", "domblklist": "lists disks", "domiflist": "lists interfaces",
			"pool-list": "lists pools", "net-list": "lists networks", "vol-list": "lists volumes", "capabilities": "reports the host"}},
	"zpool": {g: newGrammar("zpool", gnu, "-v", "-x", "-H", "-p", "-P", "-L", "-o=", "-T=", "-g", "-s", "-t", "-e", "-i", "-l", "-q", "-r", "-y", "-w", "-c="),
		verbs: map[string]string{"status": "reports pools", "list": "lists pools", "iostat": "reports pool I/O", "get": "reads pool properties", "history": "lists pool history", "events": "lists pool events", "version": "prints its version"}},
	"zfs": {g: newGrammar("zfs", gnu, "-H", "-p", "-r", "-d=", "-o=", "-s=", "-S=", "-t=", "-a", "-v"),
		verbs: map[string]string{"list": "lists datasets", "get": "reads dataset properties", "version": "prints its version", "holds": "lists holds"}},
	"btrfs": {g: newGrammar("btrfs", gnu, "-h --human-readable", "-b --raw", "--iec", "--si", "-k --kbytes", "-m --mbytes", "-g --gbytes", "-T", "--help", "--version"),
		verbs: map[string]string{"filesystem": "reports the file system", "fi": "reports the file system", "device": "reports devices", "subvolume": "reports subvolumes", "su": "reports subvolumes"}},
	"mysqladmin": {g: newGrammar("mysqladmin", gnu, "-h --host=", "-P --port=", "-u --user=", "-p --password[=]",
		"-S --socket=", "--protocol=", "-s --silent", "-v --verbose", "-r --relative", "-i --sleep=", "-c --count=",
		"--connect-timeout=", "--ssl-mode=", "-V --version", "-? --help").
		deny(Unknown, "reads options from a file that can name programs", "--defaults-file=", "--defaults-extra-file=", "--login-path="),
		verbs: map[string]string{"status": "reports the server", "extended-status": "reports the server", "ping": "checks the server",
			"processlist": "lists connections", "variables": "prints settings", "version": "prints versions"}},
}

// btrfsRead are the second words of btrfs verbs that only report.
var btrfsRead = setOf("show", "df", "usage", "stats", "list", "label")

// verbToolRule applies a verb table; btrfs also checks its second word.
func verbToolRule(c *classifier, x *call) verdict {
	t := verbTools[x.name]
	v := t.classify(c, x)
	if v.class == ReadOnly && x.name == "btrfs" {
		cl := t.g.parse(x.args)
		if len(cl.args) < 2 || !btrfsRead[cl.args[1].val] || cl.args[1].dyn {
			return unk("btrfs: only show, df, usage, stats, list and label are known to be read-only")
		}
	}
	if v.class == ReadOnly && (x.name == "etcdctl" || x.name == "consul" || x.name == "zpool" || x.name == "btrfs") {
		cl := t.g.parse(x.args)
		if len(cl.args) > 1 && x.name == "etcdctl" {
			switch cl.args[0].val + " " + cl.args[1].val {
			case "endpoint health", "endpoint status", "endpoint hashkv", "member list", "alarm list", "check perf", "check datascale":
			default:
				if cl.args[0].val != "get" {
					return unk("etcdctl " + cl.args[0].val + " " + cl.args[1].show() + ": not known to be read-only")
				}
			}
		}
	}
	return v
}

// Storage tools that only report; fdisk and parted only with their
// listing options.
var storageTools = map[string]simpleTool{
	"pvs":            {"reports LVM", lvmReport("pvs"), false},
	"vgs":            {"reports LVM", lvmReport("vgs"), false},
	"lvs":            {"reports LVM", lvmReport("lvs"), false},
	"pvdisplay":      {"reports LVM", lvmReport("pvdisplay"), false},
	"vgdisplay":      {"reports LVM", lvmReport("vgdisplay"), false},
	"lvdisplay":      {"reports LVM", lvmReport("lvdisplay"), false},
	"xfs_info":       {"reports an XFS file system", newGrammar("xfs_info", gnu, "-V"), false},
	"dumpe2fs":       {"reports an ext file system", newGrammar("dumpe2fs", gnu, "-h", "-x", "-b", "-V"), false},
	"slabtop":        {"reports slab caches", newGrammar("slabtop", gnu, "-o --once", "-d --delay=", "-s --sort=", "-h --help", "-V --version"), false},
	"sensors":        {"reports hardware sensors", newGrammar("sensors", gnu, "-A --no-adapter", "-u", "-j", "-f --fahrenheit", "-h --help", "-v --version"), false},
	"lshw":           {"reports hardware", newGrammar("lshw", dashLong, "-short", "-businfo", "-json", "-xml", "-html", "-class=", "-C=", "-sanitize", "-numeric", "-quiet", "-notime", "-disable=", "-enable=", "-version"), false},
	"nfsstat":        {"reports NFS statistics", newGrammar("nfsstat", gnu, "-s", "-c", "-n", "-r", "-o=", "-v", "-l", "-m", "-2", "-3", "-4", "--help"), false},
	"showmount":      {"lists NFS exports", newGrammar("showmount", gnu, "-a --all", "-d --directories", "-e --exports", "--no-headers", "-h --help", "-v --version"), false},
	"ntpstat":        {"reports time sync", newGrammar("ntpstat", gnu), false},
	"iptables-save":  {"prints firewall rules", newGrammar("iptables-save", gnu, "-c --counters", "-t --table=", "-M --modprobe=", "-V --version", "-h --help"), false},
	"ip6tables-save": {"prints firewall rules", newGrammar("ip6tables-save", gnu, "-c --counters", "-t --table=", "-V --version", "-h --help"), false},
	"readelf":        {"reads an ELF file", newGrammar("readelf", gnu, "-a --all", "-h --file-header", "-l --program-headers --segments", "-S --section-headers --sections", "-s --syms --symbols", "-d --dynamic", "-n --notes", "-r --relocs", "-V --version-info", "-W --wide", "-H --help", "-v --version"), false},
	"arping":         {"checks a host on the local network", newGrammar("arping", gnu, "-c=", "-w=", "-I=", "-s=", "-q", "-b", "-D", "-f", "-0", "-V", "-h"), false},
}

func lvmReport(name string) *grammar {
	return newGrammar(name, gnu, "-a --all", "-o --options=", "-O --sort=", "-S --select=", "--noheadings", "--nosuffix",
		"--separator=", "--units=", "--unbuffered", "--aligned", "--nameprefixes", "--reportformat=", "--readonly",
		"-v --verbose", "-q --quiet", "-C --columns", "-m --maps", "-h --help", "--version", "--binary", "--rows",
		"-P --partial", "-t --tags")
}

// storageRule applies a storage table entry; the tables need a rule so
// that the lookup stays one switch.
func storageRule(c *classifier, x *call) verdict { return storageTools[x.name].classify(c, x) }

var fdiskGrammar = newGrammar("fdisk", gnu, "-l --list", "-x --list-details", "-b --sector-size=", "-u --units[=]",
	"-o --output=", "-t --type=", "-V --version", "-h --help", "--bytes", "-L --color[=]")

// fdisk is read-only only when it lists (-l, -x); otherwise it edits a
// partition table.
func fdiskRule(c *classifier, x *call) verdict {
	cl := fdiskGrammar.parse(x.args)
	if !cl.ok() {
		return cl.v
	}
	if !cl.has("-l", "-x", "-V", "-h") {
		return mut("fdisk: edits a partition table")
	}
	return ro("fdisk -l: lists partition tables")
}

// parted -l lists; any other command line (a device with commands)
// edits.
var partedGrammar = newGrammar("parted", gnu, "-l --list", "-m --machine", "-s --script", "-j --json", "-v --version", "-h --help")

func partedRule(c *classifier, x *call) verdict {
	cl := partedGrammar.parse(x.args)
	if !cl.ok() {
		return cl.v
	}
	if !cl.has("-l", "-v", "-h") {
		if len(cl.args) == 2 && cl.args[1].val == "print" && !cl.args[1].dyn {
			return ro("parted DEVICE print: lists a partition table")
		}
		return mut("parted: edits a partition table (or is not known to be read-only)")
	}
	return ro("parted -l: lists partition tables")
}

var tune2fsGrammar = newGrammar("tune2fs", gnu, "-l")

// tune2fs -l lists; every other option changes the file system.
func tune2fsRule(c *classifier, x *call) verdict {
	cl := tune2fsGrammar.parse(x.args)
	if !cl.ok() || !cl.has("-l") {
		return mut("tune2fs: changes a file system (or is not known to be read-only)")
	}
	return ro("tune2fs -l: lists file system settings")
}

var mdadmGrammar = newGrammar("mdadm", gnu, "-D --detail", "-E --examine", "-Q --query", "--detail-platform", "-b --brief",
	"-v --verbose", "-s --scan", "-V --version", "-h --help", "--export", "-Y")

func mdadmRule(c *classifier, x *call) verdict {
	cl := mdadmGrammar.parse(x.args)
	if !cl.ok() {
		return cl.v
	}
	if !cl.has("-D", "-E", "-Q", "--detail-platform", "-V", "-h") {
		return mut("mdadm: changes arrays (or is not known to be read-only)")
	}
	return ro("mdadm --detail: reports arrays")
}

var tcpdumpGrammar = newGrammar("tcpdump", gnu, "-c=", "-i --interface=", "-n", "-nn", "-N", "-v", "-vv", "-vvv",
	"-q", "-e", "-l", "-A", "-X", "-XX", "-x", "-xx", "-s --snapshot-length=", "-S --absolute-tcp-sequence-numbers",
	"-t", "-tt", "-ttt", "-tttt", "-ttttt", "-p --no-promiscuous-mode", "-D --list-interfaces", "-L --list-data-link-types",
	"-r=", "-y --linktype=", "-B --buffer-size=", "-Q --direction=", "-U --packet-buffered", "-#", "--number",
	"-Z --relinquish-privileges=", "--immediate-mode", "-K --dont-verify-checksums", "-E=", "-F=", "--print",
	"--count", "-j --time-stamp-type=", "--time-stamp-precision=", "-I --monitor-mode", "-O --no-optimize",
	"-h --help", "--version").
	deny(Mutating, "writes captured packets to a file", "-w=", "-C=", "-G=", "-W=").
	deny(Unknown, "runs a program on every file it rotates", "-z=")

// tcpdump prints packets; -w writes them and -z runs a program.
func tcpdumpRule(c *classifier, x *call) verdict {
	cl := tcpdumpGrammar.parse(x.args)
	if !cl.ok() {
		return cl.v
	}
	return ro("tcpdump: prints packets")
}

var conntrackGrammar = newGrammar("conntrack", gnu, "-L --dump", "-G --get", "-C --count", "-S --stats", "-E --event",
	"-s --src --orig-src=", "-d --dst --orig-dst=", "-p --proto=", "-o --output=", "-f --family=", "-n", "-g",
	"--orig-port-src=", "--orig-port-dst=", "--sport=", "--dport=", "-z --zero", "--state=", "-m --mark=", "-h --help", "-V --version").
	deny(Mutating, "changes the connection table", "-D --delete", "-F --flush", "-I --create", "-U --update", "-R --load-file=")

func conntrackRule(c *classifier, x *call) verdict {
	cl := conntrackGrammar.parse(x.args)
	if !cl.ok() {
		return cl.v
	}
	if cl.has("-z") {
		return mut("conntrack -z: zeroes counters")
	}
	if !cl.has("-L", "-G", "-C", "-S", "-E", "-h", "-V") {
		return unk("conntrack: no listing command")
	}
	return ro("conntrack -L: lists connections")
}

var tcGrammar = newGrammar("tc", gnu, "-s", "-stats", "-d", "-details", "-j", "-json", "-p", "-pretty", "-iec", "-g", "-graph", "-r", "-raw")

// tc lists queueing disciplines, classes and filters with show.
func tcRule(c *classifier, x *call) verdict {
	cl := tcGrammar.parse(x.args)
	if !cl.ok() {
		return cl.v
	}
	if len(cl.args) >= 2 && !cl.args[1].dyn {
		switch cl.args[1].val {
		case "show", "list", "ls":
			return ro("tc " + cl.args[0].show() + " show: lists traffic control")
		}
	}
	return mut("tc: changes traffic control (or is not known to be read-only)")
}

var ipvsadmGrammar = newGrammar("ipvsadm", gnu, "-L -l --list", "-n --numeric", "--stats", "--rate", "--timeout",
	"--daemon", "--exact", "-c --connection", "--sort", "-t --tcp-service=", "-u --udp-service=", "-h --help", "-v --version")

func ipvsadmRule(c *classifier, x *call) verdict {
	cl := ipvsadmGrammar.parse(x.args)
	if !cl.ok() || !cl.has("-L", "-h", "-v") {
		return mut("ipvsadm: changes virtual servers (or is not known to be read-only)")
	}
	return ro("ipvsadm -L: lists virtual servers")
}

// Config checkers that only read the configuration they check.
var sshdGrammar = newGrammar("sshd", gnu, "-t", "-T", "-f=", "-C=", "-G")

func sshdRule(c *classifier, x *call) verdict {
	cl := sshdGrammar.parse(x.args)
	if !cl.ok() || !cl.has("-t", "-T", "-G") {
		return unk("sshd: starts a server (or is not known to be read-only)")
	}
	return ro("sshd -t: checks the configuration")
}

var haproxyGrammar = newGrammar("haproxy", gnu, "-c", "-f=", "-v", "-vv", "-V", "-q")

func haproxyRule(c *classifier, x *call) verdict {
	cl := haproxyGrammar.parse(x.args)
	if !cl.ok() || !cl.has("-c", "-v", "-vv") {
		return unk("haproxy: starts a server (or is not known to be read-only)")
	}
	return ro("haproxy -c: checks the configuration")
}

// aws reads with describe-*, list-* and a few get-* operations that print
// to standard output; s3 ls lists.
var awsGrammar = newGrammar("aws", gnu, "--region=", "--profile=", "--output=", "--query=", "--no-cli-pager",
	"--no-paginate", "--page-size=", "--max-items=", "--starting-token=", "--filters=", "--instance-ids=",
	"--color=", "--debug", "--cli-read-timeout=", "--cli-connect-timeout=", "--no-verify-ssl", "--endpoint-url=",
	"--recursive", "--human-readable", "--summarize", "--cluster=", "--services=", "--names=", "--name=",
	"--log-group-name=", "--log-group-name-prefix=", "--start-time=", "--end-time=", "--filter-pattern=",
	"--function-name=", "--stack-name=", "--db-instance-identifier=", "--bucket=", "--load-balancer-arn=",
	"--target-group-arn=", "--auto-scaling-group-names=", "--namespace=", "--metric-name=", "--dimensions=",
	"--statistics=", "--period=", "--alarm-names=", "--state-value=", "--version", "--help")

func awsRule(c *classifier, x *call) verdict {
	cl := awsGrammar.parse(x.args)
	if !cl.ok() {
		return cl.v
	}
	if len(cl.args) == 0 {
		return ro("aws: prints usage")
	}
	if len(cl.args) < 2 || cl.args[0].dyn || cl.args[1].dyn {
		return unk("aws: the operation is only known at run time")
	}
	svc, op := cl.args[0].val, cl.args[1].val
	switch {
	case svc == "s3" && op == "ls":
	case strings.HasPrefix(op, "describe-"), strings.HasPrefix(op, "list-"):
	case svc == "sts" && op == "get-caller-identity":
	case svc == "cloudwatch" && (op == "get-metric-statistics" || op == "get-metric-data"):
	case svc == "logs" && (op == "filter-log-events" || op == "get-log-events"):
	default:
		return unk("aws " + svc + " " + op + ": not known to be read-only")
	}
	return ro("aws " + svc + " " + op + ": reads the cloud API")
}

var sudoListGrammar = newGrammar("sudo", gnu, "-l --list", "-n --non-interactive", "-U --other-user=", "-h --help", "-V --version")

// sudo runs commands as another user: escalation a person confirms. Only
// listing what the user may run (sudo -l without a command) reads.
func sudoRule(c *classifier, x *call) verdict {
	cl := sudoListGrammar.parse(x.args)
	if cl.ok() && len(cl.args) == 0 && cl.has("-l", "-V", "-h") {
		return ro("sudo -l: lists what the user may run")
	}
	return unk("sudo: runs a command as another user; escalation must be confirmed")
}

// More verb tools: hardware, network managers, security status.
var moreVerbTools = map[string]verbTool{
	"nvme": {g: newGrammar("nvme", gnu, "-o --output-format=", "-H --human-readable", "-v --verbose", "-n --namespace-id=", "-b --raw-binary", "-h --help", "--version"),
		verbs: map[string]string{"list": "lists NVMe devices", "list-subsys": "lists NVMe subsystems", "smart-log": "reads the health log",
			"id-ctrl": "reads controller details", "id-ns": "reads namespace details", "error-log": "reads the error log", "version": "prints its version",
			"fw-log": "reads the firmware log", "list-ns": "lists namespaces"}},
	"ipmitool": {g: newGrammar("ipmitool", gnu, "-I=", "-H=", "-U=", "-P=", "-f=", "-L=", "-p=", "-c", "-v", "-h", "-V"),
		verbs: map[string]string{"sdr": "reads sensors", "sensor": "reads sensors", "fru": "reads field-replaceable units", "mc": "reads the controller",
			"chassis": "reads the chassis", "sel": "reads the event log", "lan": "reads network settings", "user": "lists users"}},
	"bridge": {g: newGrammar("bridge", gnu, "-s -stats -statistics", "-d -details", "-j -json", "-p -pretty", "-c -color", "-c -compressvlans", "-n=", "-netns="),
		verbs: map[string]string{"link": "lists bridge ports", "fdb": "lists forwarding entries", "vlan": "lists VLANs", "mdb": "lists multicast entries", "monitor": "streams bridge events"}},
	"brctl": {g: newGrammar("brctl", gnu),
		verbs: map[string]string{"show": "lists bridges", "showmacs": "lists learned addresses", "showstp": "reports spanning tree"}},
	"nmcli": {g: newGrammar("nmcli", gnu, "-t --terse", "-p --pretty", "-f --fields=", "-g --get-values=", "-c --colors=", "-e --escape=", "-a --ask", "-s --show-secrets", "-w --wait=", "-h --help", "-v --version", "-m --mode="),
		verbs: map[string]string{"general": "reports NetworkManager", "g": "reports NetworkManager", "device": "reports devices", "d": "reports devices",
			"connection": "reports connections", "c": "reports connections", "con": "reports connections", "networking": "reports networking", "radio": "reports radios", "monitor": "streams changes"}},
}

// moreVerbRead are the second words of the verbs above that only report;
// a verb alone reports too.
var moreVerbRead = setOf("show", "status", "list", "elist", "print", "info", "get", "getaccess", "summary", "all",
	"type", "lan", "sensor", "wifi", "lldp", "permissions", "s", "sh")

func moreVerbRule(c *classifier, x *call) verdict {
	t := moreVerbTools[x.name]
	v := t.classify(c, x)
	if v.class != ReadOnly {
		return v
	}
	cl := t.g.parse(x.args)
	if len(cl.args) > 1 && x.name != "brctl" && x.name != "nvme" {
		second := cl.args[1]
		if second.dyn || !moreVerbRead[second.val] {
			return unk(x.name + " " + cl.args[0].val + " " + second.show() + ": not known to be read-only")
		}
	}
	if x.name == "nmcli" && len(cl.args) > 2 && cl.args[1].val != "show" {
		return unk("nmcli: not known to be read-only")
	}
	return v
}

var numactlGrammar = newGrammar("numactl", gnu, "-H --hardware", "-s --show", "-V --version", "-h --help")

// numactl runs a program under a NUMA policy; it only reports with
// --hardware or --show.
func numactlRule(c *classifier, x *call) verdict {
	cl := numactlGrammar.parse(x.args)
	if !cl.ok() || len(cl.args) > 0 {
		return unk("numactl: runs a program (or is not known to be read-only)")
	}
	return ro("numactl --hardware: reports NUMA nodes")
}

var chageGrammar = newGrammar("chage", gnu, "-l --list", "-h --help", "-i --iso8601")

// chage -l lists password ageing; every other option changes it.
func chageRule(c *classifier, x *call) verdict {
	cl := chageGrammar.parse(x.args)
	if !cl.ok() || !cl.has("-l", "-h") {
		return mut("chage: changes password ageing (or is not known to be read-only)")
	}
	return ro("chage -l: lists password ageing")
}

var securityTools = map[string]simpleTool{
	"lsb_release": {"prints the distribution", newGrammar("lsb_release", gnu, "-a --all", "-d --description", "-r --release", "-c --codename", "-i --id", "-s --short", "-v --version", "-h --help"), false},
	"getenforce":  {"prints the SELinux mode", newGrammar("getenforce", gnu), false},
	"sestatus":    {"reports SELinux", newGrammar("sestatus", gnu, "-v", "-b"), false},
	"aa-status":   {"reports AppArmor", newGrammar("aa-status", gnu, "--enabled", "--profiled", "--enforced", "--complaining", "--special-unconfined", "--process-mixed", "--json", "--pretty-json", "--verbose -v", "--help"), false},
	"aureport":    {"summarises the audit log", newGrammar("aureport", dashLong, "-a", "--avc", "-au", "--auth", "-c --config", "-e --event", "-f --file", "-h --host", "-i --interpret", "-k --key", "-l --login", "-m --mods", "-n --anomaly", "-p --pid", "-r --response", "-s --syscall", "-t --log", "-u --user", "-x --executable", "--summary", "--success", "--failed", "-ts --start=", "-te --end=", "--input-logs", "-if --input="), false},
	"ausearch":    {"searches the audit log", newGrammar("ausearch", dashLong, "-a --event=", "-c --comm=", "-f --file=", "-i --interpret", "-k --key=", "-m --message=", "-p --pid=", "-sc --syscall=", "-sv --success=", "-ts --start=", "-te --end=", "-ua --uid-all=", "-ui --uid=", "-x --executable=", "--format=", "--raw", "--input-logs", "-if --input=", "--just-one"), false},
}

func securityRule(c *classifier, x *call) verdict { return securityTools[x.name].classify(c, x) }
