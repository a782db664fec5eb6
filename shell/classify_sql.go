package shell

func setOf(names ...string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}

// pg_dump writes to standard output unless -f names a file.
func pgDumpRule(c *classifier, x *call) verdict {
	p := parseOpts(x.args, optSpec{
		short: "fFdhpUnNtTZjEl",
		long:  []string{"file", "format", "dbname", "host", "port", "username", "schema", "exclude-schema", "table", "exclude-table", "compress", "jobs", "encoding"},
	})
	if o, ok := p.output("-f", "--file"); ok {
		return mut(x.name + " " + o.name + ": writes " + o.target())
	}
	return roOpts(x.name + ": writes a dump to standard output")
}

// pg_restore only lists an archive with -l and no database.
func pgRestoreRule(c *classifier, x *call) verdict {
	p := parseOpts(x.args, optSpec{
		short: "dfFhpUnNtTLIPj",
		long:  []string{"dbname", "file", "format", "host", "port", "username", "schema", "table", "use-list", "index", "function", "jobs"},
	})
	if p.flag("-l", "--list") && !p.any("-d", "--dbname", "-f", "--file") {
		return roOpts("pg_restore -l: lists an archive")
	}
	return mut("pg_restore: restores into a database")
}

func pgCtlRule(c *classifier, x *call) verdict {
	for _, a := range x.args {
		if a.val == "status" {
			return ro(x.name + " status: reports the server")
		}
	}
	return mut(x.name + ": starts, stops or reconfigures a server")
}
