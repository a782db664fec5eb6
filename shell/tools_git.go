package shell

import "strings"

// git: subcommands that only read the repository (or ask a remote), each
// with the options known to only read. git's own config may name
// programs (pagers, diff and textconv drivers, fsmonitor); the
// operator's config is trusted, -c settings on the command line are not.

var gitGlobal = newGrammar("git", posix, "-C=", "-c=", "--no-pager", "-P --paginate", "--git-dir=", "--work-tree=",
	"--namespace=", "--bare", "--no-replace-objects", "--literal-pathspecs", "--glob-pathspecs",
	"--noglob-pathspecs", "--icase-pathspecs", "--no-optional-locks", "--version", "-v", "--help", "-h", "--no-lazy-fetch", "--no-advice").
	deny(Unknown, "changes what git runs", "--exec-path[=]", "--config-env=", "--super-prefix=", "--list-cmds=")

// gitSafeConfig are the -c settings that cannot make a read run a program.
func gitSafeConfig(kv string) bool {
	key, _, _ := strings.Cut(strings.ToLower(kv), "=")
	for _, p := range []string{"color.", "advice.", "log.", "status.", "i18n.", "user.", "diff.renames", "core.quotepath", "safe.directory", "grep.", "column."} {
		if strings.HasPrefix(key, p) {
			return true
		}
	}
	return false
}

// gitRevOpts are the options of git's revision walk and diff machinery
// (log, show, diff, whatchanged, rev-list, shortlog) known to only read.
var gitRevOpts = []string{"--oneline", "-n --max-count=", "--skip=", "--since= --after=", "--until= --before=",
	"--author=", "--committer=", "--grep=", "--all-match", "--invert-grep", "-i --regexp-ignore-case",
	"-E --extended-regexp", "-F --fixed-strings", "-P --perl-regexp", "--format= --pretty[=]", "--abbrev-commit",
	"--no-abbrev-commit", "--abbrev[=]", "--no-abbrev", "--stat[=]", "--shortstat", "--numstat", "--dirstat[=]",
	"--summary", "--name-only", "--name-status", "--graph", "--decorate[=]", "--no-decorate", "--all", "--branches[=]",
	"--tags[=]", "--remotes[=]", "--no-merges", "--merges", "--first-parent", "--reverse", "--date=", "--relative-date",
	"-p -u --patch", "-s --no-patch", "-U --unified=", "-w --ignore-all-space", "-b --ignore-space-change",
	"--ignore-blank-lines", "--word-diff[=]", "--color[=]", "--no-color", "--color-words[=]", "--color-moved[=]",
	"--stat-width=", "--no-renames", "-M --find-renames[=]", "-C --find-copies[=]", "--diff-filter=", "--relative[=]",
	"--ignore-submodules[=]", "--submodule[=]", "--raw", "--full-index", "--binary", "-z", "--exit-code", "--quiet",
	"--check", "--src-prefix=", "--dst-prefix=", "--no-prefix", "--histogram", "--patience", "--minimal",
	"--diff-algorithm=", "--follow", "-S=", "-G=", "--pickaxe-all", "--pickaxe-regex", "-L=", "--topo-order",
	"--date-order", "--author-date-order", "--left-right", "--cherry-pick", "--cherry-mark", "--boundary",
	"--simplify-by-decoration", "-g --walk-reflogs", "--no-walk[=]", "--do-walk", "-m", "-c", "--cc",
	"--full-history", "--ancestry-path[=]", "--show-signature", "--log-size", "--mailmap", "--no-mailmap",
	"--use-mailmap", "--no-use-mailmap", "--encoding=", "--expand-tabs[=]", "--no-expand-tabs", "--notes[=]",
	"--no-notes", "--show-notes[=]", "--parents", "--children", "--count", "--cached", "--staged", "--merge-base",
	"--no-index", "-R", "-a --text", "--ita-invisible-in-index", "--ita-visible-in-index", "--no-textconv",
	"--textconv", "--no-ext-diff", "--line-prefix=", "--function-context -W", "--inter-hunk-context=",
	"--ignore-cr-at-eol", "--ignore-space-at-eol", "--anchored=", "--indent-heuristic", "--no-indent-heuristic",
	"--compact-summary", "--patch-with-stat", "--patch-with-raw", "--remerge-diff", "--diff-merges=", "--dd",
	"--source", "--clear-decorations", "--decorate-refs=", "--decorate-refs-exclude=", "-q", "--not", "--stdin",
	"--single-worktree", "--exclude=", "--in-commit-order", "--max-parents=", "--min-parents=", "--no-min-parents",
	"--no-max-parents", "--objects", "--objects-edge", "--timestamp", "--header", "-1", "--glob=",
	"--alternate-refs", "--reflog", "--indexed-objects", "--sparse", "--show-linear-break[=]", "--break-rewrites[=] -B",
	"--irreversible-delete -D", "-l=", "--skip-to=", "--rotate-to=", "--output-indicator-new=",
	"--output-indicator-old=", "--output-indicator-context=", "--ws-error-highlight=", "--no-stat", "--patch-with-stat"}

// gitRevGrammar is the grammar of one revision-walking subcommand.
func gitRevGrammar(name string, more ...string) *grammar {
	return gitRevBase.clone(name).opts(more...)
}

// gitRevBase is parsed once; each subcommand's grammar is a copy.
var gitRevBase = newGrammar("git", gnu, gitRevOpts...).numeric().
	writes("--output=").
	deny(Unknown, "runs an external diff program", "--ext-diff")

var gitShortlogOpts = []string{"-s --summary", "-n --numbered", "-e --email", "-c --committer", "--group=", "-w[=]"}

// gitReadSubs are the subcommands that only read, with their options.
var gitReadSubs = map[string]struct {
	why string
	g   *grammar
}{
	"log":         {"reads history", gitRevGrammar("git log")},
	"show":        {"reads history", gitRevGrammar("git show")},
	"diff":        {"compares trees", gitRevGrammar("git diff")},
	"whatchanged": {"reads history", gitRevGrammar("git whatchanged")},
	"rev-list":    {"lists commits", gitRevGrammar("git rev-list")},
	"shortlog":    {"summarises history", gitRevGrammar("git shortlog", gitShortlogOpts...)},
	"status": {"reads the working tree", newGrammar("git status", gnu, "-s --short", "-b --branch", "--porcelain[=]",
		"--long", "-v --verbose", "-u --untracked-files[=]", "--ignored[=]", "--ignore-submodules[=]", "-z",
		"--column[=]", "--no-column", "--ahead-behind", "--no-ahead-behind", "--renames", "--no-renames",
		"--find-renames[=]", "--show-stash", "--no-optional-locks")},
	"rev-parse": {"resolves names", newGrammar("git rev-parse", gnu, "--short[=]", "--abbrev-ref[=]", "--verify",
		"-q --quiet", "--show-toplevel", "--git-dir", "--git-common-dir", "--absolute-git-dir", "--is-inside-work-tree",
		"--is-inside-git-dir", "--is-bare-repository", "--is-shallow-repository", "--symbolic", "--symbolic-full-name",
		"--show-prefix", "--show-cdup", "--show-superproject-working-tree", "--local-env-vars", "--all", "--branches[=]",
		"--tags[=]", "--remotes[=]", "--since=", "--until=", "--default=", "--revs-only", "--no-revs", "--flags",
		"--no-flags", "--sq", "--not", "--git-path=", "--show-object-format[=]", "--show-ref-format", "--disambiguate=",
		"--path-format=", "--shared-index-path", "--resolve-git-dir=", "--end-of-options")},
	"describe": {"names a commit", newGrammar("git describe", gnu, "--tags", "--always", "--abbrev=", "--long",
		"--exact-match", "--contains", "--all", "--match=", "--exclude=", "--first-parent", "--candidates=",
		"--debug", "--dirty[=]", "--broken[=]")},
	"blame": {"annotates lines", newGrammar("git blame", gnu, "-L=", "-w", "-M[=]", "-C[=]", "-e --show-email",
		"-s", "-l", "-t", "-f --show-name", "-n --show-number", "-p --porcelain", "--line-porcelain", "--date=",
		"-c", "--root", "--show-stats", "--progress", "--no-progress", "--incremental", "--reverse=",
		"--first-parent", "--abbrev=", "--color-lines", "--color-by-age", "--ignore-rev=", "--since=", "-b",
		"--minimal", "--encoding=")},
	"annotate": {"annotates lines", newGrammar("git annotate", gnu, "-L=", "-w", "-M", "-C", "-e", "-l", "-t", "--date=")},
	"ls-files": {"lists files", newGrammar("git ls-files", gnu, "-c --cached", "-d --deleted", "-m --modified",
		"-o --others", "-i --ignored", "-s --stage", "-u --unmerged", "-k --killed", "-z", "--directory",
		"--no-empty-directory", "--exclude-standard", "-x --exclude=", "-X --exclude-from=", "--error-unmatch",
		"--full-name", "--recurse-submodules", "--abbrev[=]", "--debug", "--eol", "-t", "-v", "-f", "--deduplicate",
		"--format=", "--sparse", "--resolve-undo")},
	"ls-tree": {"lists a tree", newGrammar("git ls-tree", gnu, "-d", "-r", "-t", "-l --long", "-z", "--name-only",
		"--name-status", "--object-only", "--full-name", "--full-tree", "--abbrev[=]", "--format=")},
	"ls-remote": {"lists remote refs", newGrammar("git ls-remote", gnu, "--heads", "--tags", "-b --branches",
		"-t", "--refs", "-q --quiet", "--exit-code", "--get-url", "--symref", "--sort=", "-o --server-option=").
		deny(Unknown, "runs a program on the remote", "--upload-pack=", "--exec=")},
	"cat-file": {"prints objects", newGrammar("git cat-file", gnu, "-t", "-s", "-e", "-p", "--textconv",
		"--filters", "--path=", "--batch[=]", "--batch-check[=]", "--batch-command[=]", "--batch-all-objects",
		"--buffer", "--unordered", "--follow-symlinks", "--allow-unknown-type", "-Z", "--mailmap", "--no-mailmap", "--use-mailmap")},
	"show-ref": {"lists refs", newGrammar("git show-ref", gnu, "--head", "--heads", "--tags", "--branches", "-d --dereference",
		"-s --hash[=]", "--verify", "--abbrev[=]", "-q --quiet", "--exclude-existing[=]", "--exists")},
	"show-branch": {"lists branches", newGrammar("git show-branch", gnu, "-r --remotes", "-a --all", "--current",
		"--topo-order", "--date-order", "--sparse", "--more=", "--list", "--merge-base", "--independent",
		"--no-name", "--sha1-name", "--topics", "-g --reflog[=]", "--color[=]", "--no-color")},
	"for-each-ref": {"lists refs", newGrammar("git for-each-ref", gnu, "--count=", "--sort=", "--format=", "--color[=]",
		"--shell", "--perl", "--python", "--tcl", "--points-at=", "--merged[=]", "--no-merged[=]", "--contains[=]",
		"--no-contains[=]", "--ignore-case", "--omit-empty", "--exclude=", "--include-root-refs", "--stdin")},
	"name-rev":      {"names commits", newGrammar("git name-rev", gnu, "--tags", "--refs=", "--exclude=", "--all", "--annotate-stdin", "--name-only", "--no-undefined", "--always")},
	"merge-base":    {"finds a common ancestor", newGrammar("git merge-base", gnu, "-a --all", "--octopus", "--independent", "--is-ancestor", "--fork-point")},
	"count-objects": {"counts objects", newGrammar("git count-objects", gnu, "-v --verbose", "-H --human-readable")},
	"verify-commit": {"verifies signatures", newGrammar("git verify-commit", gnu, "-v --verbose", "--raw")},
	"verify-tag":    {"verifies signatures", newGrammar("git verify-tag", gnu, "-v --verbose", "--raw", "--format=")},
	"cherry":        {"compares branches", newGrammar("git cherry", gnu, "-v", "--abbrev[=]")},
	"range-diff":    {"compares ranges", gitRevGrammar("git range-diff").opts("--creation-factor=", "--no-dual-color", "--left-only", "--right-only")},
	"grep": {"searches the tree", newGrammar("git grep", gnu, "-n --line-number", "-i --ignore-case", "-w --word-regexp",
		"-v --invert-match", "-c --count", "-l --files-with-matches --name-only", "-L --files-without-match",
		"-e=", "-E --extended-regexp", "-F --fixed-strings", "-G --basic-regexp", "-P --perl-regexp", "-h", "-H",
		"--cached", "--untracked", "--no-index", "--no-exclude-standard", "--exclude-standard", "-r --recursive",
		"--no-recursive", "--max-depth=", "-A --after-context=", "-B --before-context=", "-C --context=",
		"-W --function-context", "-p --show-function", "--full-name", "-o --only-matching", "-q --quiet", "-z --null",
		"--break", "--heading", "--column", "-a --text", "--textconv", "--no-textconv", "-I", "--color[=]", "--no-color",
		"--and", "--or", "--not", "--all-match", "-m --max-count=", "--threads=", "-f=", "--recurse-submodules").numeric().
		deny(Unknown, "runs a pager program", "-O --open-files-in-pager[=]")},
	"check-ignore": {"checks ignore rules", newGrammar("git check-ignore", gnu, "-q --quiet", "-v --verbose", "--stdin", "-z", "-n --non-matching", "--no-index")},
	"check-attr":   {"checks attributes", newGrammar("git check-attr", gnu, "-a --all", "--cached", "--stdin", "-z", "--source=")},
	"var":          {"prints variables", newGrammar("git var", gnu, "-l")},
	"version":      {"prints its version", newGrammar("git version", gnu, "--build-options")},
	"fsck": {"checks the object store", newGrammar("git fsck", gnu, "--unreachable", "--dangling", "--no-dangling",
		"--root", "--tags", "--cache", "--no-reflogs", "--full", "--no-full", "--connectivity-only", "--strict",
		"--verbose", "--name-objects", "--progress", "--no-progress")},
	"archive": {"writes an archive to standard output", newGrammar("git archive", gnu, "--format=", "-l --list",
		"-v --verbose", "--prefix=", "--add-file=", "--add-virtual-file=", "--worktree-attributes", "--mtime=",
		"-0", "-1", "-2", "-3", "-4", "-5", "-6", "-7", "-8", "-9").writes("-o --output=").
		deny(Unknown, "runs a program on the remote", "--remote=", "--exec=")},
	"reflog": {"reads the reflog", gitRevGrammar("git reflog")},
	"help":   {"prints help", newGrammar("git help", gnu, "-a --all", "-g --guides", "-c --config", "--no-verbose", "--no-external-commands", "--no-aliases")},
}

// gitMutating names what the common changing subcommands do.
var gitMutating = map[string]string{
	"reset": "moves the branch and can discard changes", "checkout": "changes the working tree",
	"switch": "changes the checked-out branch", "restore": "overwrites files in the working tree",
	"pull": "fetches and merges into the working tree", "push": "changes the remote repository",
	"fetch": "updates remote-tracking refs", "merge": "changes the branch", "rebase": "rewrites the branch",
	"commit": "records a commit", "revert": "records a reverting commit", "cherry-pick": "applies commits to the branch",
	"am": "applies patches", "add": "changes the index", "rm": "deletes files", "mv": "moves files",
	"clean": "deletes untracked files", "clone": "creates a repository", "init": "creates a repository",
	"gc": "rewrites the object store", "prune": "deletes objects", "repack": "rewrites the object store",
	"maintenance": "rewrites the object store", "update-ref": "changes a ref", "update-index": "changes the index",
	"replace": "replaces objects", "filter-branch": "rewrites history", "format-patch": "writes patch files",
	"sparse-checkout": "changes the working tree", "mergetool": "runs a merge tool", "apply": "changes files",
	"symbolic-ref": "changes a ref", "notes": "changes notes", "submodule": "changes submodules",
	"worktree": "changes worktrees", "bisect": "changes the checked-out commit", "lfs": "runs an extension",
}

func gitRule(c *classifier, x *call) verdict {
	cl := gitGlobal.parse(x.args)
	if !cl.ok() {
		return cl.v
	}
	for _, o := range cl.opts {
		if contains(o.opt.names, "-c") {
			if s, ok := o.val.lit(); !ok || !gitSafeConfig(s) {
				return unk("git -c " + o.val.show() + ": configuration can run programs")
			}
		}
	}
	if len(cl.args) == 0 {
		return ro("git: prints its version or usage")
	}
	sub, ok := cl.args[0].lit()
	if !ok {
		return unk("git " + cl.args[0].src + ": the subcommand is only known at run time")
	}
	args := cl.args[1:]
	who := "git " + sub
	if r := gitListing(sub); r != nil {
		return r(args, who)
	}
	if r, ok := gitReadSubs[sub]; ok {
		scl := r.g.parse(args)
		if !scl.ok() {
			return scl.v
		}
		if sub == "reflog" && len(scl.args) > 0 {
			switch scl.args[0].val {
			case "show", "exists":
			default:
				if !strings.Contains(scl.args[0].val, "@") && !strings.HasPrefix(scl.args[0].val, "HEAD") {
					return mut(who + " " + scl.args[0].show() + ": changes the reflog (or is not known to be read-only)")
				}
			}
		}
		return ro(who + ": " + r.why)
	}
	if why, ok := gitMutating[sub]; ok {
		return mut(who + ": " + why)
	}
	return unk(who + ": not known to be read-only (an alias or an external command)")
}

type gitSubRule func(args []word, who string) verdict

// gitListing returns the rule of the subcommands whose listing forms read
// and other forms change things.
func gitListing(sub string) gitSubRule {
	switch sub {
	case "branch":
		return gitBranch
	case "tag":
		return gitTag
	case "config":
		return gitConfig
	case "remote":
		return gitRemote
	case "stash":
		return gitStash
	case "worktree", "submodule", "notes":
		return gitSubList
	}
	return nil
}

var gitBranchGrammar = newGrammar("git branch", gnu, "-a --all", "-r --remotes", "-l --list", "-v --verbose", "-vv",
	"--contains=", "--no-contains=", "--merged=", "--no-merged=", "--points-at=", "--sort=", "--format=",
	"--show-current", "--column[=]", "--no-column", "--color[=]", "--no-color", "-i --ignore-case", "--abbrev=",
	"--no-abbrev", "-q --quiet").
	deny(Mutating, "changes branches", "-d --delete", "-D", "-m --move", "-M", "-c --copy", "-C", "-f --force",
		"-u --set-upstream-to=", "--unset-upstream", "--edit-description", "-t --track[=]", "--no-track", "--create-reflog", "--recurse-submodules")

func gitBranch(args []word, who string) verdict {
	cl := gitBranchGrammar.parse(args)
	if !cl.ok() {
		return cl.v
	}
	if len(cl.args) > 0 && !cl.has("-l") {
		return mut(who + " " + cl.args[0].show() + ": creates a branch")
	}
	return ro(who + ": lists branches")
}

var gitTagGrammar = newGrammar("git tag", gnu, "-l --list", "-n[=]", "--contains=", "--no-contains=",
	"--merged=", "--no-merged=", "--points-at=", "--sort=", "--format=", "--column[=]", "--no-column",
	"--color[=]", "-i --ignore-case", "-v --verify").
	deny(Mutating, "creates or deletes tags", "-d --delete", "-a --annotate", "-s --sign", "-u --local-user=",
		"-m --message=", "-F --file=", "-f --force", "-e --edit", "--cleanup=", "--create-reflog", "--trailer=")

func gitTag(args []word, who string) verdict {
	cl := gitTagGrammar.parse(args)
	if !cl.ok() {
		return cl.v
	}
	if len(cl.args) > 0 && !cl.has("-l", "-v") {
		return mut(who + " " + cl.args[0].show() + ": creates a tag")
	}
	return ro(who + ": lists tags")
}

var gitConfigGrammar = newGrammar("git config", gnu, "--get", "--get-all", "--get-regexp", "--get-urlmatch",
	"-l --list", "--get-color", "--get-colorbool", "--show-origin", "--show-scope", "--global", "--system",
	"--local", "--worktree", "-f --file=", "--blob=", "--name-only", "-z --null", "--type=", "--bool", "--int",
	"--bool-or-int", "--path", "--expiry-date", "--default=", "--includes", "--no-includes", "--all", "--regexp",
	"--value=", "--fixed-value", "--url=").
	deny(Mutating, "changes configuration", "--unset", "--unset-all", "--add", "--replace-all", "--rename-section",
		"--remove-section", "-e --edit", "--append")

func gitConfig(args []word, who string) verdict {
	cl := gitConfigGrammar.parse(args)
	if !cl.ok() {
		return cl.v
	}
	if len(cl.args) > 0 {
		switch cl.args[0].val {
		case "get", "list":
			return ro(who + " " + cl.args[0].val + ": reads configuration")
		case "set", "unset", "rename-section", "remove-section", "edit":
			return mut(who + " " + cl.args[0].val + ": changes configuration")
		}
	}
	if cl.has("--get", "--get-all", "--get-regexp", "--get-urlmatch", "-l", "--get-color", "--get-colorbool") || len(cl.args) == 1 {
		return ro(who + ": reads configuration")
	}
	return mut(who + ": changes configuration")
}

var gitRemoteGrammar = newGrammar("git remote", gnu, "-v --verbose", "-n", "--push", "--all")

func gitRemote(args []word, who string) verdict {
	cl := gitRemoteGrammar.parse(args)
	if !cl.ok() {
		return cl.v
	}
	if len(cl.args) == 0 {
		return ro(who + ": lists remotes")
	}
	switch sub := cl.args[0].val; sub {
	case "show", "get-url":
		return ro(who + " " + sub + ": reads remotes")
	}
	return mut(who + " " + cl.args[0].show() + ": changes remotes (or is not known to be read-only)")
}

var gitStashGrammar = gitRevGrammar("git stash").opts("--include-untracked -u", "--only-untracked")

func gitStash(args []word, who string) verdict {
	if len(args) > 0 && !args[0].dyn && (args[0].val == "list" || args[0].val == "show") {
		cl := gitStashGrammar.parse(args[1:])
		if !cl.ok() {
			return cl.v
		}
		return ro(who + " " + args[0].val + ": reads stashes")
	}
	return mut(who + ": changes the working tree and the stash")
}

var gitSubListGrammar = newGrammar("git", gnu, "--porcelain", "-v --verbose", "-z", "--expire=", "--recursive", "--cached", "-q --quiet", "--ref=")

// gitSubList: worktree list, submodule status and notes list/show read.
func gitSubList(args []word, who string) verdict {
	cl := gitSubListGrammar.parse(args)
	if !cl.ok() {
		return cl.v
	}
	sub := ""
	if len(cl.args) > 0 {
		sub = cl.args[0].val
	}
	switch who + " " + sub {
	case "git worktree list", "git submodule status", "git submodule summary", "git submodule ", "git notes list",
		"git notes show", "git notes ":
		return ro(strings.TrimSpace(who+" "+sub) + ": reads")
	}
	if sub == "foreach" {
		return unk(who + " foreach: runs a command in each submodule")
	}
	return mut(strings.TrimSpace(who+" "+sub) + ": changes the repository")
}
