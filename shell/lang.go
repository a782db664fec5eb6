package shell

// The lang_*.go files read the languages runbook commands embed: SQL and
// psql, mysql, sqlite3, redis-cli, awk, sed and jq. Each decides its
// tool's options with the option grammar of cmdline.go (redis-cli, which
// compares options whole, has its own reader) and its program with a real
// parser (PostgreSQL's, gojq's) or a grammar written here that accepts a
// subset completely; anything else is unknown.

// trustedWord reports a word whose every expansion the operator controls:
// an alert value ($QUENCH_*), a command's output or a lower-case variable
// may say anything, so it cannot choose a host, a database or a user
// (the client's credentials go there).
func trustedWord(w word) bool { return !w.alert && !w.inject }

// optIs reports whether a given option is the one named by any spelling.
func optIs(g given, name string) bool { return contains(g.opt.names, name) }
