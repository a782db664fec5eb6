package shell

import "strings"

var curlSpec = optSpec{
	short: "AbcCdDeEFHKmoPQrtTuUwxXyYz",
	long: []string{
		"abstract-unix-socket", "alt-svc", "aws-sigv4", "cacert", "capath", "cert", "cert-type", "ciphers",
		"config", "connect-timeout", "connect-to", "continue-at", "cookie", "cookie-jar", "create-file-mode",
		"crlfile", "curves", "data", "data-ascii", "data-binary", "data-raw", "data-urlencode", "delegation",
		"dns-interface", "dns-ipv4-addr", "dns-ipv6-addr", "dns-servers", "doh-url", "dump-header", "ech",
		"egd-file", "engine", "etag-compare", "etag-save", "expect100-timeout", "form", "form-string",
		"ftp-account", "ftp-alternative-to-user", "ftp-method", "ftp-port", "ftp-ssl-ccc-mode",
		"happy-eyeballs-timeout-ms", "haproxy-clientip", "header", "hostpubmd5", "hostpubsha256", "hsts",
		"interface", "ip-tos", "ipfs-gateway", "json", "keepalive-time", "keepalive-cnt", "key", "key-type",
		"krb", "libcurl", "limit-rate", "local-port", "login-options", "mail-auth", "mail-from", "mail-rcpt",
		"max-filesize", "max-redirs", "max-time", "netrc-file", "noproxy", "oauth2-bearer", "output",
		"output-dir", "pass", "pinnedpubkey", "preproxy", "proto", "proto-default", "proto-redir", "proxy",
		"proxy-cacert", "proxy-capath", "proxy-cert", "proxy-cert-type", "proxy-ciphers", "proxy-crlfile",
		"proxy-header", "proxy-key", "proxy-key-type", "proxy-pass", "proxy-pinnedpubkey",
		"proxy-service-name", "proxy-tls13-ciphers", "proxy-tlsauthtype", "proxy-tlspassword",
		"proxy-tlsuser", "proxy-user", "proxy1.0", "pubkey", "quote", "random-file", "range", "rate",
		"referer", "request", "request-target", "resolve", "retry", "retry-delay", "retry-max-time",
		"sasl-authzid", "service-name", "socks4", "socks4a", "socks5", "socks5-gssapi-service",
		"socks5-hostname", "speed-limit", "speed-time", "stderr", "telnet-option", "tftp-blksize",
		"time-cond", "tls-max", "tls13-ciphers", "tlsauthtype", "tlspassword", "tlsuser", "trace",
		"trace-ascii", "trace-config", "unix-socket", "upload-file", "url", "url-query", "user",
		"user-agent", "variable", "write-out",
	},
}

// curl is read-only for requests that send nothing and save nothing: GET
// or HEAD, no body, output to the terminal or /dev/null.
func curlRule(c *classifier, x *call) verdict {
	p := parseOpts(x.args, curlSpec)
	get := p.flag("-G", "--get")
	if p.any("-K", "--config") {
		return unk("curl -K: reads its options from a file")
	}
	for _, o := range p.get("-X", "--request") {
		m, ok := o.val.lit()
		if !ok {
			return unk("curl -X: the method is only known at run time")
		}
		switch m = strings.ToUpper(m); m {
		case "GET", "HEAD", "OPTIONS":
		default:
			return mut("curl -X " + m + ": sends a " + m + " request")
		}
	}
	if !get && p.any("-d", "--data", "--data-ascii", "--data-binary", "--data-raw", "--data-urlencode") {
		return mut("curl -d: sends a request body")
	}
	if p.any("--json") {
		return mut("curl --json: sends a request body")
	}
	if p.any("-F", "--form", "--form-string") {
		return mut("curl -F: posts a form")
	}
	if p.any("-T", "--upload-file") {
		return mut("curl -T: uploads a file")
	}
	if p.any("-Q", "--quote") {
		return mut("curl -Q: sends FTP commands")
	}
	if p.any("-O", "--remote-name", "--remote-name-all") {
		return mut("curl -O: saves the response to a file")
	}
	if o, ok := p.output("-o", "--output", "-D", "--dump-header", "-c", "--cookie-jar", "--trace",
		"--trace-ascii", "--stderr", "--libcurl", "--etag-save", "--hsts", "--alt-svc"); ok {
		return mut("curl " + o.name + ": writes " + o.target())
	}
	for _, o := range p.get("-w", "--write-out") {
		if strings.Contains(o.val.val, "%output{") {
			return mut("curl -w %output{}: writes a file")
		}
	}
	urls := p.pos
	for _, o := range p.get("--url") {
		urls = append(urls, o.val)
	}
	for _, u := range urls {
		scheme, _, found := strings.Cut(strings.ToLower(u.val), "://")
		if !found || strings.Contains(scheme, dynMark) {
			continue
		}
		switch scheme {
		case "http", "https", "file":
		default:
			return unk("curl " + scheme + "://: the protocol can send commands")
		}
	}
	if len(urls) == 0 {
		return roOpts("curl: sends no request")
	}
	return roOpts("curl: GET " + urls[0].show())
}

// wget saves what it downloads unless it only checks (--spider) or
// writes to standard output (-O -).
func wgetRule(c *classifier, x *call) verdict {
	p := parseOpts(x.args, optSpec{
		short: "OoaeiBtTwQPUlARDIX",
		long: []string{"output-document", "output-file", "append-output", "execute", "input-file", "base",
			"tries", "timeout", "wait", "quota", "directory-prefix", "user-agent", "level", "accept", "reject",
			"domains", "include-directories", "exclude-directories", "header", "post-data", "post-file",
			"method", "body-data", "body-file", "user", "password", "http-user", "http-password"},
	})
	if p.any("-e", "--execute") {
		return unk("wget -e: runs a wgetrc command")
	}
	if p.any("--post-data", "--post-file", "--body-data", "--body-file") {
		return mut("wget --post-data: sends a request body")
	}
	for _, o := range p.get("--method") {
		if m := strings.ToUpper(o.val.val); m != "GET" && m != "HEAD" {
			return mut("wget --method " + m + ": sends a " + m + " request")
		}
	}
	if o, ok := p.output("-o", "--output-file", "-a", "--append-output"); ok {
		return mut("wget " + o.name + ": writes a log to " + o.target())
	}
	if p.any("--spider") {
		return roOpts("wget --spider: checks that a URL answers")
	}
	if o, ok := p.value("-O", "--output-document"); ok && !writes(o) {
		return roOpts("wget -O -: prints what it downloads")
	}
	return mut("wget: saves what it downloads")
}

// ip lists (show, list, get) or changes (add, del, set, flush, …) network
// configuration; the object alone lists.
func ipRule(c *classifier, x *call) verdict {
	var pos []word
	args := x.args
	for i := 0; i < len(args); i++ {
		s := args[i].val
		if args[i].inject {
			return unk("ip: argument " + args[i].src + " may change what it does")
		}
		if strings.HasPrefix(s, "-") && len(pos) == 0 {
			switch strings.TrimLeft(s, "-") {
			case "b", "batch":
				return unk("ip -batch: runs commands from a file")
			case "n", "netns", "f", "family", "l", "loops", "rc", "rcvbuf":
				i++
			}
			continue
		}
		pos = append(pos, args[i])
	}
	if len(pos) == 0 {
		return ro("ip: prints usage")
	}
	obj, ok := pos[0].lit()
	if !ok {
		return unk("ip: the object is only known at run time")
	}
	if len(pos) == 1 || obj == "monitor" || strings.HasPrefix(obj, "mon") {
		return ro("ip " + obj + ": lists network configuration")
	}
	act, ok := pos[1].lit()
	if !ok {
		return unk("ip " + obj + ": the action is only known at run time")
	}
	if obj == "netns" && act == "exec" {
		return unk("ip netns exec: runs a command in a network namespace")
	}
	for _, read := range []string{"show", "list", "lst", "get", "help"} {
		if act != "" && strings.HasPrefix(read, act) {
			return ro("ip " + obj + " " + act + ": lists network configuration")
		}
	}
	return mut("ip " + obj + " " + act + ": changes network configuration")
}

func ssRule(c *classifier, x *call) verdict {
	p := parseOpts(x.args, optSpec{short: "FDAfN", long: []string{"filter", "diag", "query", "family", "net"}})
	if p.any("-K", "--kill") {
		return mut("ss -K: kills sockets")
	}
	if p.any("-D", "--diag") {
		return mut("ss -D: writes raw socket data to a file")
	}
	return roOpts("ss: lists sockets")
}

// nc only checks a port with -z; otherwise it sends what it reads.
func ncRule(c *classifier, x *call) verdict {
	p := parseOpts(x.args, optSpec{short: "psiwxXqTIOMmVec", long: []string{"exec", "sh-exec", "lua-exec"}})
	if p.any("-e", "-c", "--exec", "--sh-exec", "--lua-exec") {
		return unk(x.name + " -e: runs a program on a connection")
	}
	if p.flag("-l", "--listen") {
		return unk(x.name + " -l: listens for connections")
	}
	if p.flag("-z") {
		return roOpts(x.name + " -z: checks that a port is open")
	}
	return unk(x.name + ": sends its input to a host")
}

func pingRule(c *classifier, x *call) verdict {
	p := parseOpts(x.args, optSpec{short: "ciIlmMpQsStTwWF"})
	if p.flag("-c") {
		return ro(x.name + " -c: checks that a host answers")
	}
	return unk(x.name + " without -c: never stops")
}

// openssl is read-only for the inspecting subcommands, unless an option
// writes a file.
func opensslRule(c *classifier, x *call) verdict {
	if len(x.args) == 0 {
		return unk("openssl: interactive without a subcommand")
	}
	sub, ok := x.args[0].lit()
	if !ok {
		return unk("openssl: the subcommand is only known at run time")
	}
	switch sub {
	case "s_client", "x509", "version", "verify", "ciphers", "list", "crl", "errstr", "asn1parse", "sess_id", "dgst":
	default:
		return unk("openssl " + sub + ": not recognised")
	}
	for _, a := range x.args[1:] {
		switch a.val {
		case "-out", "-keyout", "-sess_out", "-keylogfile", "-msgfile", "-writerand":
			return mut("openssl " + sub + " " + a.val + ": writes a file")
		}
	}
	return roOpts("openssl " + sub + ": inspects certificates or connections")
}
