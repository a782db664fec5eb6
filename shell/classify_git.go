package shell

import "strings"

// gitReadOnly are the git subcommands that only read the repository (or a
// remote), with what they do.
var gitReadOnly = map[string]string{
	"log":           "reads history",
	"show":          "reads history",
	"diff":          "compares trees",
	"whatchanged":   "reads history",
	"status":        "reads the working tree",
	"rev-parse":     "resolves names",
	"rev-list":      "lists commits",
	"describe":      "names a commit",
	"blame":         "annotates lines",
	"annotate":      "annotates lines",
	"shortlog":      "summarises history",
	"ls-files":      "lists files",
	"ls-tree":       "lists a tree",
	"ls-remote":     "lists remote refs",
	"cat-file":      "prints objects",
	"show-ref":      "lists refs",
	"show-branch":   "lists branches",
	"for-each-ref":  "lists refs",
	"name-rev":      "names commits",
	"merge-base":    "finds a common ancestor",
	"count-objects": "counts objects",
	"verify-commit": "verifies signatures",
	"verify-tag":    "verifies signatures",
	"cherry":        "compares branches",
	"range-diff":    "compares ranges",
	"grep":          "searches the tree",
	"check-ignore":  "checks ignore rules",
	"check-attr":    "checks attributes",
	"var":           "prints variables",
	"version":       "prints its version",
	"help":          "prints help",
}

// gitMutating are the git subcommands that change the repository, the
// working tree or a remote, with what they change.
var gitMutating = map[string]string{
	"reset":           "moves the branch and can discard changes",
	"checkout":        "changes the working tree",
	"switch":          "changes the checked-out branch",
	"restore":         "overwrites files in the working tree",
	"pull":            "fetches and merges into the working tree",
	"push":            "changes the remote repository",
	"fetch":           "updates remote-tracking refs",
	"merge":           "changes the branch",
	"rebase":          "rewrites the branch",
	"commit":          "records a commit",
	"revert":          "records a reverting commit",
	"cherry-pick":     "applies commits to the branch",
	"am":              "applies patches",
	"add":             "changes the index",
	"rm":              "deletes files",
	"mv":              "moves files",
	"clean":           "deletes untracked files",
	"clone":           "creates a repository",
	"init":            "creates a repository",
	"gc":              "rewrites the object store",
	"prune":           "deletes objects",
	"repack":          "rewrites the object store",
	"maintenance":     "rewrites the object store",
	"update-ref":      "changes a ref",
	"update-index":    "changes the index",
	"replace":         "replaces objects",
	"filter-branch":   "rewrites history",
	"filter-repo":     "rewrites history",
	"format-patch":    "writes patch files",
	"sparse-checkout": "changes the working tree",
	"mergetool":       "runs a merge tool",
}

// gitSafeConfig are the -c settings that cannot make a read run a program.
func gitSafeConfig(kv string) bool {
	key, _, _ := strings.Cut(strings.ToLower(kv), "=")
	for _, p := range []string{"color.", "advice.", "log.", "status.", "i18n.", "user.", "diff.renames", "core.quotepath", "safe.directory"} {
		if strings.HasPrefix(key, p) {
			return true
		}
	}
	return false
}

func gitRule(c *classifier, x *call) verdict {
	p := parseOpts(x.args, optSpec{
		short: "Cc",
		long:  []string{"git-dir", "work-tree", "namespace", "super-prefix", "config-env", "list-cmds"},
		stop:  true,
	})
	if p.inject != nil {
		return unk("git: argument " + p.inject.src + " may change the subcommand")
	}
	for _, o := range p.get("-c") {
		if s, ok := o.val.lit(); !ok || !gitSafeConfig(s) {
			return unk("git -c " + o.val.show() + ": configuration can run programs")
		}
	}
	if p.any("--config-env", "--exec-path") {
		return unk("git " + p.get("--config-env", "--exec-path")[0].name + ": changes what git runs")
	}
	if len(p.pos) == 0 {
		return ro("git: prints its version or usage")
	}
	sub, ok := p.pos[0].lit()
	if !ok {
		return unk("git " + p.pos[0].src + ": the subcommand is only known at run time")
	}
	args := p.pos[1:]
	who := "git " + sub
	if r := gitSub(sub); r != nil {
		return r(args, who)
	}
	if why, ok := gitReadOnly[sub]; ok {
		sp := parseOpts(args, optSpec{})
		if sp.any("--output") {
			return mut(who + " --output: writes a file")
		}
		if sub == "grep" && sp.any("-O", "--open-files-in-pager") {
			return unk(who + " -O: runs a pager program")
		}
		return roOpts(who + ": " + why)
	}
	if why, ok := gitMutating[sub]; ok {
		return mut(who + ": " + why)
	}
	return unk(who + ": not recognised (an alias or an external command)")
}

type gitSubRule func(args []word, who string) verdict

// gitSub returns the rule for the git subcommands whose class depends on
// their arguments.
func gitSub(sub string) gitSubRule {
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
	case "reflog":
		return gitReflog
	case "worktree", "notes", "submodule", "bisect", "bundle", "lfs":
		return gitListing
	case "symbolic-ref":
		return gitSymbolicRef
	case "apply":
		return gitApply
	case "fsck":
		return gitFsck
	case "archive":
		return gitArchive
	}
	return nil
}

// gitBranch lists branches unless it is given a name to create or an
// option that deletes, renames, copies or sets upstreams.
func gitBranch(args []word, who string) verdict {
	p := parseOpts(args, optSpec{long: []string{"contains", "no-contains", "merged", "no-merged", "points-at", "sort", "format"}})
	for _, o := range p.opts {
		switch o.name {
		case "-d", "-D", "--delete":
			return mut(who + " " + o.name + ": deletes a branch")
		case "-m", "-M", "--move", "-c", "-C", "--copy":
			return mut(who + " " + o.name + ": renames or copies a branch")
		case "-u", "--set-upstream-to", "--unset-upstream", "--edit-description", "-f", "--force", "-t", "--track":
			return mut(who + " " + o.name + ": changes a branch")
		}
		if strings.HasPrefix(o.name, "--set-upstream") || strings.HasPrefix(o.name, "--track") {
			return mut(who + " " + o.name + ": changes a branch")
		}
	}
	if len(p.pos) > 0 && !p.flag("-l", "--list") {
		return mut(who + " " + p.pos[0].show() + ": creates a branch")
	}
	return roOpts(who + ": lists branches")
}

func gitTag(args []word, who string) verdict {
	p := parseOpts(args, optSpec{short: "mFu", long: []string{"contains", "no-contains", "merged", "no-merged", "points-at", "sort", "format", "message", "file", "local-user", "cleanup"}})
	if p.any("-d", "--delete") {
		return mut(who + " -d: deletes a tag")
	}
	if p.flag("-v", "--verify") {
		return roOpts(who + " -v: verifies a tag")
	}
	if len(p.pos) > 0 && !p.flag("-l", "--list") {
		return mut(who + " " + p.pos[0].show() + ": creates a tag")
	}
	if p.any("-a", "--annotate", "-s", "--sign", "-m", "--message", "-F", "--file", "-f", "--force") {
		return mut(who + ": creates a tag")
	}
	return roOpts(who + ": lists tags")
}

func gitConfig(args []word, who string) verdict {
	p := parseOpts(args, optSpec{short: "f", long: []string{"file", "blob", "type", "default"}})
	for _, o := range p.opts {
		switch o.name {
		case "--unset", "--unset-all", "--add", "--replace-all", "--rename-section", "--remove-section", "-e", "--edit":
			return mut(who + " " + o.name + ": changes configuration")
		case "--get", "--get-all", "--get-regexp", "--get-urlmatch", "-l", "--list", "--get-color", "--get-colorbool":
			return roOpts(who + " " + o.name + ": reads configuration")
		}
	}
	if len(p.pos) > 0 {
		switch p.pos[0].val {
		case "get", "list":
			return roOpts(who + " " + p.pos[0].val + ": reads configuration")
		case "set", "unset", "rename-section", "remove-section", "edit":
			return mut(who + " " + p.pos[0].val + ": changes configuration")
		}
	}
	if len(p.pos) == 1 {
		return roOpts(who + ": reads configuration")
	}
	return mut(who + ": changes configuration")
}

func gitRemote(args []word, who string) verdict {
	p := parseOpts(args, optSpec{})
	if len(p.pos) == 0 {
		return ro(who + ": lists remotes")
	}
	switch sub := p.pos[0].val; sub {
	case "show", "get-url":
		return roOpts(who + " " + sub + ": reads remotes")
	case "add", "rm", "remove", "rename", "set-url", "set-head", "set-branches", "prune", "update":
		return mut(who + " " + sub + ": changes remotes")
	}
	return unk(who + " " + p.pos[0].show() + ": not recognised")
}

func gitStash(args []word, who string) verdict {
	if len(args) > 0 && (args[0].val == "list" || args[0].val == "show") {
		return roOpts(who + " " + args[0].val + ": reads stashes")
	}
	return mut(who + ": changes the working tree and the stash")
}

func gitReflog(args []word, who string) verdict {
	if len(args) > 0 {
		switch args[0].val {
		case "expire", "delete", "drop":
			return mut(who + " " + args[0].val + ": deletes reflog entries")
		}
	}
	return roOpts(who + ": reads the reflog")
}

// gitListing covers subcommands whose list and show forms read and whose
// other forms change things.
func gitListing(args []word, who string) verdict {
	p := parseOpts(args, optSpec{})
	sub := ""
	if len(p.pos) > 0 {
		sub = p.pos[0].val
	}
	switch who + " " + sub {
	case "git worktree list", "git notes list", "git notes show", "git notes ", "git submodule status",
		"git submodule summary", "git submodule ", "git bisect log", "git bisect visualize", "git bisect view",
		"git bundle verify", "git bundle list-heads":
		return roOpts(strings.TrimSpace(who+" "+sub) + ": reads")
	}
	if who == "git lfs" {
		return unk(who + ": runs an extension")
	}
	if sub == "foreach" {
		return unk(who + " foreach: runs a command in each submodule")
	}
	return mut(strings.TrimSpace(who+" "+sub) + ": changes the repository")
}

func gitSymbolicRef(args []word, who string) verdict {
	p := parseOpts(args, optSpec{short: "m"})
	if len(p.pos) > 1 || p.any("-d", "--delete") {
		return mut(who + ": changes a ref")
	}
	return roOpts(who + ": reads a ref")
}

func gitApply(args []word, who string) verdict {
	p := parseOpts(args, optSpec{})
	if p.flag("--check", "--stat", "--numstat", "--summary") && !p.any("--apply", "--index", "--cached") {
		return roOpts(who + " --check: checks a patch")
	}
	return mut(who + ": changes files")
}

func gitFsck(args []word, who string) verdict {
	p := parseOpts(args, optSpec{})
	if p.any("--lost-found") {
		return mut(who + " --lost-found: writes objects")
	}
	return roOpts(who + ": checks the object store")
}

func gitArchive(args []word, who string) verdict {
	p := parseOpts(args, optSpec{short: "o", long: []string{"output", "format", "prefix", "remote", "exec"}})
	if o, ok := p.output("-o", "--output"); ok {
		return mut(who + " " + o.name + ": writes " + o.target())
	}
	if p.any("--exec") {
		return unk(who + " --exec: runs a program on the remote")
	}
	return roOpts(who + ": writes an archive to standard output")
}
