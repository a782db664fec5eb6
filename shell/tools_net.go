package shell

import "strings"

// Network clients: read-only when they only ask (GET, HEAD, a DNS query,
// a port check) and send nothing they were given.

var curlGrammar = newGrammar("curl", gnu,
	"-f --fail", "--fail-with-body", "--fail-early", "-s --silent", "-S --show-error", "-v --verbose",
	"-i --include", "--show-headers", "-I --head", "-L --location", "--location-trusted", "--max-redirs=",
	"-m --max-time=", "--connect-timeout=", "-k --insecure", "--cacert=", "--capath=", "-E --cert=",
	"--key=", "--cert-type=", "--key-type=", "--pass=", "-u --user=", "-H --header=", "-A --user-agent=",
	"-e --referer=", "-b --cookie=", "-G --get", "-4 --ipv4", "-6 --ipv6", "--resolve=", "--connect-to=",
	"--noproxy=", "-x --proxy=", "-U --proxy-user=", "--retry=", "--retry-delay=", "--retry-max-time=",
	"--retry-all-errors", "--retry-connrefused", "-y --speed-time=", "-Y --speed-limit=", "--limit-rate=",
	"--compressed", "--http1.0", "--http1.1", "--http2", "--http2-prior-knowledge", "--http3", "--http3-only",
	"--tlsv1", "--tlsv1.0", "--tlsv1.1", "--tlsv1.2", "--tlsv1.3", "--tls-max=", "--ciphers=", "--tls13-ciphers=",
	"-N --no-buffer", "--no-progress-meter", "-# --progress-bar", "-n --netrc", "--netrc-file=", "--netrc-optional",
	"-r --range=", "-z --time-cond=", "--path-as-is", "--raw", "--tr-encoding", "--ssl-reqd", "--ssl",
	"--ssl-no-revoke", "--ssl-revoke-best-effort", "--pinnedpubkey=", "--unix-socket=", "--abstract-unix-socket=",
	"--interface=", "--local-port=", "--dns-servers=", "--doh-url=", "--oauth2-bearer=", "--basic", "--digest",
	"--ntlm", "--negotiate", "--anyauth", "-j --junk-session-cookies", "-q --disable", "--styled-output",
	"--no-styled-output", "--no-keepalive", "--keepalive-time=", "--tcp-nodelay", "--tcp-fastopen", "--ignore-content-length",
	"--no-sessionid", "--no-alpn", "--no-npn", "--false-start", "--cert-status", "--crlfile=", "--proxy-insecure",
	"--proxy-cacert=", "--proxytunnel -p", "--socks5=", "--socks5-hostname=", "--socks4=", "--socks4a=",
	"--happy-eyeballs-timeout-ms=", "--expect100-timeout=", "--max-filesize=", "--aws-sigv4=", "--sasl-ir",
	"--url-query=", "--data-urlencode=", "--request-target=", "-Z --parallel", "--parallel-max=",
	"--parallel-immediate", "-w --write-out=", "-h --help[=]", "-V --version", "-M --manual", "--etag-compare=",
	"-g --globoff", "--remove-on-error", "--no-clobber", "--trace-time", "--trace-ids", "--trace-config=",
	"--connect-timeout=", "-: --next").
	valuedAs("-X --request=", oneOf("GET", "HEAD"), Mutating).
	valued("--proto-default=", oneOf("http", "https")).
	valued("--proto=", curlProto).
	valued("--proto-redir=", curlProto).
	writes("-o --output=", "-D --dump-header=", "-c --cookie-jar=", "--trace=", "--trace-ascii=", "--stderr=",
		"--libcurl=", "--etag-save=").
	deny(Mutating, "sends a request body", "-d --data= --data-ascii= --data-binary= --data-raw=", "--json=").
	deny(Mutating, "uploads", "-T --upload-file=", "-F --form=", "--form-string=", "-a --append", "-Q --quote=",
		"--mail-from=", "--mail-rcpt=", "--mail-auth=", "--ftp-create-dirs").
	deny(Mutating, "saves the response to a file", "-O --remote-name", "--remote-name-all", "-J --remote-header-name",
		"--output-dir=", "--create-dirs", "-C --continue-at=", "--hsts=", "--alt-svc=").
	deny(Unknown, "reads options from a file", "-K --config=").
	deny(Unknown, "sends commands over protocols other than HTTP", "-t --telnet-option=", "-l --list-only",
		"--ftp-method=", "--ftp-port= -P", "--variable=", "--expand-url=", "--crlf")

// curlGetGrammar is curl's with -G given: data goes into the URL's
// query of a GET.
var curlGetGrammar = curlGrammar.clone("curl").opts("-d --data= --data-ascii= --data-binary= --data-raw=")

// curlProto accepts a --proto list that allows only HTTP and HTTPS.
func curlProto(v string) bool {
	for _, p := range strings.Split(v, ",") {
		p = strings.TrimLeft(p, "=+")
		switch p {
		case "http", "https", "-all", "":
		default:
			if !strings.HasPrefix(p, "-") {
				return false
			}
		}
	}
	return true
}

// curlHostProtocols are the host-name prefixes curl takes a protocol
// from when a URL has no scheme.
var curlHostProtocols = []string{"ftp.", "dict.", "ldap.", "imap.", "smtp.", "pop3.", "telnet.", "gopher.", "mqtt.", "rtsp.", "scp.", "sftp.", "smb.", "tftp."}

// curl is read-only for GET and HEAD requests that send no body and save
// nothing, over HTTP or HTTPS only.
func curlRule(c *classifier, x *call) verdict {
	cl := curlGrammar.parse(x.args)
	if !cl.ok() {
		if get := curlGetGrammar.parse(x.args); get.ok() && get.has("-G") {
			cl = get
		} else {
			return cl.v
		}
	}
	if cl.has("--data-urlencode") && !cl.has("-G") {
		return mut("curl --data-urlencode: sends a request body")
	}
	for _, g := range cl.opts {
		if contains(g.opt.names, "-w") && strings.Contains(g.val.val, "%output{") {
			return mut("curl -w %output{}: writes a file")
		}
	}
	urls := cl.args
	for _, g := range cl.opts {
		if contains(g.opt.names, "--url") {
			urls = append(urls, g.val)
		}
	}
	defaultHTTP := cl.has("--proto-default")
	for _, u := range urls {
		if v := curlURL(u, defaultHTTP); v.class != ReadOnly {
			return v
		}
	}
	if len(urls) == 0 {
		return ro("curl: sends no request")
	}
	return ro("curl: GET " + urls[0].show())
}

// curlURL checks the protocol of one URL.
func curlURL(u word, defaultHTTP bool) verdict {
	val := strings.ToLower(u.val)
	if strings.HasPrefix(val, dynMark) {
		if u.inject || u.split {
			return unk("curl " + u.src + ": a URL only known at run time may use any protocol")
		}
		return ro("") // the operator's variable: "$API_URL/healthz"
	}
	scheme, _, found := strings.Cut(val, "://")
	switch {
	case found && !strings.Contains(scheme, dynMark):
		switch scheme {
		case "http", "https":
			return ro("")
		}
		return unk("curl " + scheme + "://: the protocol can send commands")
	case defaultHTTP:
		return ro("")
	}
	for _, p := range curlHostProtocols {
		if strings.HasPrefix(val, p) {
			return unk("curl " + u.show() + ": without a scheme curl picks the protocol from the host name")
		}
	}
	if strings.Contains(val, dynMark) && !strings.ContainsAny(strings.SplitN(val, dynMark, 2)[0], "./:") {
		return unk("curl " + u.src + ": a host name only known at run time can pick another protocol; write the scheme")
	}
	return ro("")
}

var wgetGrammar = newGrammar("wget", gnu, "-q --quiet", "-v --verbose", "-nv --no-verbose", "-S --server-response",
	"--spider", "-T --timeout=", "--dns-timeout=", "--connect-timeout=", "--read-timeout=", "-t --tries=",
	"--retry-connrefused", "--retry-on-http-error=", "-w --wait=", "--waitretry=", "--random-wait",
	"--no-check-certificate", "--ca-certificate=", "--ca-directory=", "--certificate=", "--private-key=",
	"--header=", "-U --user-agent=", "--user=", "--password=", "--http-user=", "--http-password=",
	"--max-redirect=", "--no-proxy", "-4 --inet4-only", "-6 --inet6-only", "--content-on-error",
	"--no-cache", "--no-dns-cache", "--secure-protocol=", "--https-only", "--no-hsts", "--no-config",
	"--load-cookies=", "--no-cookies", "--referer=", "--compression=", "--auth-no-challenge", "-d --debug",
	"--progress=", "--show-progress", "--no-http-keep-alive", "-h --help", "-V --version", "-i --input-file=",
	"-F --force-html", "-B --base=", "--local-encoding=", "--remote-encoding=", "--ignore-length", "-e --execute=").
	valuedAs("--method=", oneOf("GET", "HEAD"), Mutating).
	writes("-O --output-document=", "-o --output-file=", "-a --append-output=").
	deny(Mutating, "sends a request body", "--post-data=", "--post-file=", "--body-data=", "--body-file=").
	deny(Mutating, "saves what it downloads", "-P --directory-prefix=", "-r --recursive", "-m --mirror",
		"-p --page-requisites", "-k --convert-links", "-N --timestamping", "-c --continue", "--save-cookies=",
		"-x --force-directories", "-nd --no-directories", "-K --backup-converted", "--hsts-file=")

// wget saves what it downloads unless it only checks (--spider) or
// writes to standard output (-O -); -e runs wgetrc commands.
func wgetRule(c *classifier, x *call) verdict {
	cl := wgetGrammar.parse(x.args)
	if !cl.ok() {
		return cl.v
	}
	if cl.has("-e") {
		return unk("wget -e: runs a wgetrc command")
	}
	for _, u := range cl.args {
		scheme, _, found := strings.Cut(strings.ToLower(u.val), "://")
		if found && scheme != "http" && scheme != "https" && !strings.Contains(scheme, dynMark) {
			return unk("wget " + scheme + "://: not known to be read-only")
		}
	}
	if cl.has("--spider") || cl.has("-O") {
		return ro("wget: GET " + words(cl.args))
	}
	return mut("wget: saves what it downloads")
}

// ip reads with show, list and get; objects alone list. Objects and
// actions are matched by prefix as ip does, so only unambiguous spellings
// of the reading actions are accepted.
var ipObjects = []string{"address", "addrlabel", "maddress", "route", "rule", "neighbor", "neighbour", "ntable",
	"ntbl", "link", "l2tp", "fou", "ila", "macsec", "tunnel", "tunl", "tuntap", "tap", "token", "tcpmetrics",
	"tcp_metrics", "monitor", "xfrm", "mroute", "mrule", "netns", "netconf", "vrf", "sr", "nexthop", "mptcp",
	"ioam", "stats"}

var ipReadObjects = setOf("address", "addrlabel", "maddress", "route", "rule", "neighbor", "neighbour", "ntable",
	"ntbl", "link", "tunnel", "tunl", "tuntap", "tap", "token", "tcpmetrics", "tcp_metrics", "monitor", "mroute",
	"mrule", "netns", "netconf", "vrf", "nexthop", "stats")

var ipGlobal = map[string]int{ // option → words of value
	"-s": 0, "-stats": 0, "-statistics": 0, "-d": 0, "-details": 0, "-h": 0, "-human": 0, "-human-readable": 0,
	"-j": 0, "-json": 0, "-p": 0, "-pretty": 0, "-4": 0, "-6": 0, "-0": 0, "-B": 0, "-M": 0, "-o": 0, "-oneline": 0,
	"-r": 0, "-resolve": 0, "-a": 0, "-all": 0, "-c": 0, "-color": 0, "-br": 0, "-brief": 0, "-t": 0,
	"-timestamp": 0, "-ts": 0, "-tshort": 0, "-N": 0, "-Numeric": 0, "-V": 0, "-Version": 0, "-f": 1,
	"-family": 1, "-n": 1, "-netns": 1, "-l": 1, "-loops": 1, "-rc": 1, "-rcvbuf": 1, "-iec": 0,
}

func ipRule(c *classifier, x *call) verdict {
	args := x.args
	for len(args) > 0 && strings.HasPrefix(args[0].val, "-") {
		a := args[0]
		if a.dyn || a.inject {
			return unk("ip: option " + a.src + " is only known at run time")
		}
		s := strings.TrimPrefix(a.val, "-")
		n, ok := ipGlobal["-"+s]
		if !ok && strings.HasPrefix(s, "c") && strings.Contains(s, "=") {
			ok = true // -color=auto
		}
		if !ok {
			return unk("ip " + a.val + ": an option not known to be read-only (-batch runs commands from a file)")
		}
		if len(args) <= n {
			return unk("ip " + a.val + ": lacks its value")
		}
		args = args[1+n:]
	}
	for _, a := range args[:min(2, len(args))] {
		if a.inject || a.split || a.dyn {
			return unk("ip: argument " + a.src + " may change what it does")
		}
	}
	if len(args) == 0 {
		return ro("ip: prints usage")
	}
	obj := ""
	for _, o := range ipObjects {
		if strings.HasPrefix(o, args[0].val) {
			obj = o
			break
		}
	}
	if obj == "" || args[0].val == "" {
		return unk("ip " + args[0].show() + ": an object not known")
	}
	if !ipReadObjects[obj] {
		return unk("ip " + obj + ": not known to be read-only")
	}
	if len(args) == 1 || obj == "monitor" {
		return ro("ip " + obj + ": lists network configuration")
	}
	act := args[1].val
	switch act {
	case "show", "sh", "sho", "list", "lst", "get", "help":
		return ro("ip " + obj + " " + act + ": lists network configuration")
	}
	if act == "exec" {
		return unk("ip " + obj + " exec: runs a command in a namespace")
	}
	if obj == "netns" && act == "identify" || obj == "netns" && act == "list-id" || obj == "vrf" && act == "pids" {
		return ro("ip " + obj + " " + act + ": lists network configuration")
	}
	return mut("ip " + obj + " " + act + ": changes network configuration (or is not known to be read-only)")
}

var ssGrammar = newGrammar("ss", gnu, "-h --help", "-V --version", "-H --no-header", "-O --oneline", "-n --numeric",
	"-r --resolve", "-a --all", "-l --listening", "-o --options", "-e --extended", "-m --memory", "-p --processes",
	"-T --threads", "-i --info", "--tos", "--cgroup", "--tipcinfo", "-s --summary", "-E --events", "-Z --context",
	"-z --contexts", "-N --net=", "-b --bpf", "-4 --ipv4", "-6 --ipv6", "-0 --packet", "-t --tcp", "-M --mptcp",
	"-S --sctp", "-u --udp", "-d --dccp", "-w --raw", "-x --unix", "--tipc", "--vsock", "--xdp", "--inet-sockopt",
	"-f --family=", "-A --query= --socket=", "-F --filter=", "--bpf-maps", "--bpf-map-id=").
	deny(Mutating, "kills sockets", "-K --kill").
	deny(Mutating, "writes raw socket data to a file", "-D --diag=")

func ssRule(c *classifier, x *call) verdict {
	cl := ssGrammar.parse(x.args)
	if !cl.ok() {
		return cl.v
	}
	return ro("ss: lists sockets")
}

var ncGrammar = newGrammar("nc", gnu, "-z", "-v", "-vv", "-n", "-u", "-4", "-6", "-w=", "-W=", "-q=", "-i=", "-N",
	"-s=", "-p=", "-X=", "-x=", "--wait=", "--verbose", "--udp", "--nodns", "-h", "--help").
	deny(Unknown, "runs a program on a connection", "-e --exec=", "-c --sh-exec=", "--lua-exec=").
	deny(Unknown, "listens for connections", "-l --listen", "-k --keep-open")

// nc only checks a port with -z; otherwise it sends what it reads.
func ncRule(c *classifier, x *call) verdict {
	cl := ncGrammar.parse(x.args)
	if !cl.ok() {
		return cl.v
	}
	if !cl.has("-z") {
		return unk(x.name + ": sends its input to a host")
	}
	return ro(x.name + " -z: checks that a port is open")
}

var pingGrammar = newGrammar("ping", gnu, "-c=", "-w=", "-W=", "-i=", "-I=", "-s=", "-t=", "-q", "-n", "-4", "-6",
	"-D", "-O", "-a", "-A", "-v", "-M=", "-Q=", "-p=", "-l=", "-m=", "-U", "-b", "-B", "-d", "-R", "-T=", "-S=", "-V", "-h").
	deny(Unknown, "floods the host", "-f")

// ping is read-only when it stops on its own (-c or -w).
func pingRule(c *classifier, x *call) verdict {
	cl := pingGrammar.parse(x.args)
	if !cl.ok() {
		return cl.v
	}
	if !cl.has("-c", "-w", "-V", "-h") {
		return unk(x.name + " without -c: never stops")
	}
	return ro(x.name + " -c: checks that a host answers")
}

var ifconfigGrammar = newGrammar("ifconfig", gnu, "-a", "-s", "-v", "--help")

func ifconfigRule(c *classifier, x *call) verdict {
	cl := ifconfigGrammar.parse(x.args)
	if !cl.ok() {
		return cl.v
	}
	if len(cl.args) > 1 {
		return mut("ifconfig: changes an interface")
	}
	return ro("ifconfig: lists interfaces")
}

var arpGrammar = newGrammar("arp", gnu, "-a --all", "-n --numeric", "-e", "-v --verbose", "-i --device=",
	"-H --hw-type= -t", "-D --use-device", "-V --version", "-h --help").
	deny(Mutating, "changes the ARP cache", "-d --delete", "-s --set", "-f --file[=]")

func arpRule(c *classifier, x *call) verdict {
	cl := arpGrammar.parse(x.args)
	if !cl.ok() {
		return cl.v
	}
	return ro("arp: lists the ARP cache")
}

var routeGrammar = newGrammar("route", gnu, "-n --numeric", "-e --extend", "-ee", "-v --verbose", "-F --fib",
	"-C --cache", "-A=", "-4", "-6", "--inet", "--inet6", "-V --version", "-h --help")

func routeRule(c *classifier, x *call) verdict {
	cl := routeGrammar.parse(x.args)
	if !cl.ok() {
		return cl.v
	}
	if len(cl.args) > 0 {
		return mut("route " + cl.args[0].show() + ": changes routes")
	}
	return ro("route: lists routes")
}

// openssl: the subcommands that inspect, with the options known to only
// read; s_client also must be given nothing to send.
var opensslSubs = map[string]*grammar{
	"s_client": newGrammar("openssl s_client", dashLong, "-connect=", "-servername=", "-noservername", "-showcerts",
		"-brief", "-quiet", "-no_ign_eof", "-CAfile=", "-CApath=", "-verify=", "-verify_return_error",
		"-verify_hostname=", "-cert=", "-key=", "-pass=", "-tls1", "-tls1_1", "-tls1_2", "-tls1_3", "-no_tls1_3",
		"-dtls", "-dtls1_2", "-cipher=", "-ciphersuites=", "-alpn=", "-starttls=", "-status", "-state", "-debug",
		"-msg", "-prexit", "-crlf", "-4", "-6", "-host=", "-port=", "-proxy=", "-timeout", "-reconnect", "-tlsextdebug",
		"-sigalgs=", "-groups=", "-curves=", "-ign_eof", "-nbio", "-verify_quiet", "-x509_strict", "-ct", "-noct",
		"-xmpphost=", "-name=", "-bind=", "-help").
		writes("-sess_out=", "-keylogfile=", "-msgfile=", "-writerand="),
	"x509": newGrammar("openssl x509", dashLong, "-in=", "-inform=", "-noout", "-text", "-subject", "-issuer",
		"-dates", "-enddate", "-startdate", "-fingerprint", "-serial", "-checkend=", "-ext=", "-purpose", "-pubkey",
		"-modulus", "-nameopt=", "-certopt=", "-sha1", "-sha256", "-sha512", "-md5", "-email", "-ocsp_uri", "-hash",
		"-subject_hash", "-issuer_hash", "-alias", "-ocspid", "-outform=", "-nocert", "-help", "-subject_hash_old",
		"-issuer_hash_old", "-trustout", "-noout").writes("-out="),
	"verify": newGrammar("openssl verify", dashLong, "-CAfile=", "-CApath=", "-untrusted=", "-purpose=",
		"-verbose", "-show_chain", "-crl_check", "-CRLfile=", "-partial_chain", "-x509_strict", "-attime=", "-help"),
	"crl": newGrammar("openssl crl", dashLong, "-in=", "-inform=", "-noout", "-text", "-issuer", "-lastupdate",
		"-nextupdate", "-fingerprint", "-hash", "-crlnumber", "-nameopt=", "-help").writes("-out="),
	"req": newGrammar("openssl req", dashLong, "-in=", "-inform=", "-noout", "-text", "-verify", "-subject",
		"-pubkey", "-modulus", "-nameopt=", "-reqopt=", "-help"),
	"asn1parse": newGrammar("openssl asn1parse", dashLong, "-in=", "-inform=", "-i", "-offset=", "-length=",
		"-dump", "-dlimit=", "-strparse=", "-noout", "-help").writes("-out="),
	"dgst": newGrammar("openssl dgst", dashLong, "-sha1", "-sha256", "-sha384", "-sha512", "-md5", "-r", "-hex",
		"-c", "-binary", "-list", "-help").writes("-out="),
	"version": newGrammar("openssl version", dashLong, "-a", "-v", "-b", "-o", "-f", "-p", "-d", "-e", "-m", "-r", "-c", "-help"),
	"ciphers": newGrammar("openssl ciphers", dashLong, "-v", "-V", "-s", "-tls1", "-tls1_1", "-tls1_2", "-tls1_3",
		"-stdname", "-convert=", "-ciphersuites=", "-psk", "-srp", "-help"),
	"list": newGrammar("openssl list", dashLong, "-commands", "-digest-commands", "-digest-algorithms",
		"-cipher-commands", "-cipher-algorithms", "-public-key-algorithms", "-public-key-methods", "-providers",
		"-disabled", "-options=", "-1", "-verbose", "-help"),
	"errstr":  newGrammar("openssl errstr", dashLong, "-help"),
	"sess_id": newGrammar("openssl sess_id", dashLong, "-in=", "-inform=", "-noout", "-text", "-cert", "-help").writes("-out="),
	"pkcs12": newGrammar("openssl pkcs12", dashLong, "-in=", "-info", "-nokeys", "-nocerts", "-noout", "-passin=",
		"-clcerts", "-cacerts", "-nomacver", "-legacy", "-help").deny(Mutating, "writes a bundle", "-export", "-out="),
	"rsa": newGrammar("openssl rsa", dashLong, "-in=", "-inform=", "-noout", "-text", "-check", "-modulus", "-pubout",
		"-passin=", "-help").writes("-out="),
	"ec": newGrammar("openssl ec", dashLong, "-in=", "-inform=", "-noout", "-text", "-check", "-pubout", "-passin=",
		"-help").writes("-out="),
	"pkey": newGrammar("openssl pkey", dashLong, "-in=", "-inform=", "-noout", "-text", "-text_pub", "-check",
		"-pubcheck", "-pubout", "-passin=", "-help").writes("-out="),
	"s_time": newGrammar("openssl s_time", dashLong, "-connect=", "-new", "-reuse", "-time=", "-www=", "-CAfile=", "-cipher=", "-help"),
}

func opensslRule(c *classifier, x *call) verdict {
	if len(x.args) == 0 {
		return unk("openssl: interactive without a subcommand")
	}
	sub, ok := x.args[0].lit()
	if !ok {
		return unk("openssl: the subcommand is only known at run time")
	}
	g, ok := opensslSubs[sub]
	if !ok {
		return unk("openssl " + sub + ": not known to be read-only")
	}
	cl := g.parse(x.args[1:])
	if !cl.ok() {
		return cl.v
	}
	if len(cl.args) > 0 && sub != "verify" && sub != "errstr" && sub != "dgst" && sub != "list" {
		return unk("openssl " + sub + ": argument " + cl.args[0].show() + " not known")
	}
	if sub == "s_client" && !inertInput(x.stdin) {
		return unk("openssl s_client: sends its input (" + x.stdin.src + ") to the server")
	}
	if sub == "s_client" && cl.has("-starttls") {
		return ro("openssl s_client: connects and shows the certificate")
	}
	return ro("openssl " + sub + ": inspects certificates or connections")
}

// inertInput reports standard input that sends nothing worth reading: none,
// /dev/null, or blank lines (echo | openssl s_client).
func inertInput(in *word) bool {
	return in == nil || !in.dyn && strings.TrimSpace(in.val) == ""
}
