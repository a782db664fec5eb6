package shell

import "strings"

// dockerReadOnly are the docker commands (top-level, or "group action")
// that only read, with what they do.
var dockerReadOnly = map[string]string{
	"ps":                "lists containers",
	"logs":              "reads container logs",
	"top":               "lists container processes",
	"stats":             "reports container resource usage",
	"inspect":           "reads object details",
	"images":            "lists images",
	"version":           "prints versions",
	"info":              "reports the engine",
	"port":              "lists port mappings",
	"events":            "streams engine events",
	"history":           "reads image history",
	"search":            "searches a registry",
	"diff":              "lists changed files in a container",
	"wait":              "waits for containers to stop",
	"container ls":      "lists containers",
	"container list":    "lists containers",
	"container ps":      "lists containers",
	"container inspect": "reads container details",
	"container logs":    "reads container logs",
	"container top":     "lists container processes",
	"container stats":   "reports container resource usage",
	"container port":    "lists port mappings",
	"container diff":    "lists changed files in a container",
	"container wait":    "waits for containers to stop",
	"image ls":          "lists images",
	"image list":        "lists images",
	"image inspect":     "reads image details",
	"image history":     "reads image history",
	"volume ls":         "lists volumes",
	"volume list":       "lists volumes",
	"volume inspect":    "reads volume details",
	"network ls":        "lists networks",
	"network list":      "lists networks",
	"network inspect":   "reads network details",
	"system df":         "reports disk usage",
	"system info":       "reports the engine",
	"system events":     "streams engine events",
	"context ls":        "lists contexts",
	"context list":      "lists contexts",
	"context inspect":   "reads context details",
	"context show":      "prints the context",
	"builder ls":        "lists builders",
	"builder du":        "reports build cache usage",
	"buildx ls":         "lists builders",
	"buildx du":         "reports build cache usage",
	"buildx inspect":    "reads builder details",
	"buildx version":    "prints its version",
	"plugin ls":         "lists plugins",
	"plugin list":       "lists plugins",
	"plugin inspect":    "reads plugin details",
	"node ls":           "lists swarm nodes",
	"node ps":           "lists swarm tasks",
	"node inspect":      "reads node details",
	"service ls":        "lists services",
	"service ps":        "lists service tasks",
	"service logs":      "reads service logs",
	"service inspect":   "reads service details",
	"stack ls":          "lists stacks",
	"stack ps":          "lists stack tasks",
	"stack services":    "lists stack services",
	"secret ls":         "lists secrets",
	"secret inspect":    "reads secret details",
	"config ls":         "lists configs",
	"config inspect":    "reads config details",
	"manifest inspect":  "reads a manifest",
	"trust inspect":     "reads signatures",
	"compose ls":        "lists compose projects",
	"compose ps":        "lists services",
	"compose logs":      "reads service logs",
	"compose top":       "lists service processes",
	"compose stats":     "reports service resource usage",
	"compose config":    "prints the configuration",
	"compose convert":   "prints the configuration",
	"compose images":    "lists images",
	"compose version":   "prints its version",
	"compose port":      "prints a port mapping",
	"compose events":    "streams service events",
	"compose volumes":   "lists volumes",
	"compose wait":      "waits for services to stop",
	"compose alpha viz": "prints a graph",
}

// dockerMutating are the docker commands that change containers, images,
// volumes or the engine, with what they change.
var dockerMutating = map[string]string{
	"restart": "restarts containers",
	"start":   "starts containers",
	"stop":    "stops containers",
	"kill":    "kills containers",
	"rm":      "removes containers",
	"rmi":     "removes images",
	"run":     "starts a new container",
	"create":  "creates a container",
	"pull":    "downloads images",
	"push":    "uploads images",
	"build":   "builds an image",
	"cp":      "copies files into or out of a container",
	"update":  "changes container resources",
	"pause":   "freezes containers",
	"unpause": "resumes containers",
	"rename":  "renames a container",
	"commit":  "creates an image",
	"tag":     "tags an image",
	"load":    "loads images",
	"import":  "imports an image",
	"login":   "stores registry credentials",
	"logout":  "removes registry credentials",
	"prune":   "deletes unused data",
	"up":      "creates and starts containers",
	"down":    "stops and removes containers",
	"scale":   "changes the number of containers",
	"watch":   "rebuilds and restarts services on change",
	"publish": "publishes the application",
	"init":    "creates project files",
	"save":    "writes images",
	"export":  "writes a container's file system",
}

var dockerGlobal = optSpec{
	short: "Hcl",
	long:  []string{"host", "context", "config", "log-level", "tlscacert", "tlscert", "tlskey"},
	stop:  true,
}

var composeGlobal = optSpec{
	short: "fp",
	long:  []string{"file", "project-name", "project-directory", "env-file", "profile", "parallel", "ansi", "progress", "workdir"},
	stop:  true,
}

func dockerRule(c *classifier, x *call) verdict {
	p := parseOpts(x.args, dockerGlobal)
	name := x.name
	if p.inject != nil {
		return unk(name + ": argument " + p.inject.src + " may change the subcommand")
	}
	if len(p.pos) == 0 {
		return ro(name + ": prints its version or usage")
	}
	sub, ok := p.pos[0].lit()
	if !ok {
		return unk(name + " " + p.pos[0].src + ": the subcommand is only known at run time")
	}
	args := p.pos[1:]
	switch sub {
	case "compose":
		return composeRule(c, x, name+" compose", args)
	case "exec":
		return dockerExec(c, x, name+" exec", args, optSpec{short: "euw", long: []string{"env", "env-file", "user", "workdir", "detach-keys"}})
	case "attach":
		return unk(name + " attach: sends input to a container")
	case "container", "image", "volume", "network", "system", "context", "builder", "buildx", "plugin",
		"node", "service", "stack", "secret", "config", "manifest", "trust", "swarm", "scout":
		sp := parseOpts(args, optSpec{stop: true})
		if len(sp.pos) == 0 {
			return ro(name + " " + sub + ": prints usage")
		}
		act, ok := sp.pos[0].lit()
		if !ok {
			return unk(name + " " + sub + ": the action is only known at run time")
		}
		if sub == "container" && act == "exec" {
			return dockerExec(c, x, name+" container exec", sp.pos[1:], optSpec{short: "euw", long: []string{"env", "env-file", "user", "workdir", "detach-keys"}})
		}
		return dockerVerdict(name, sub, act, sp.pos[1:])
	}
	return dockerVerdict(name, "", sub, args)
}

// dockerNouns name what a docker management command manages.
var dockerNouns = map[string]string{
	"container": "containers", "image": "images", "volume": "volumes", "network": "networks",
	"system": "unused data", "builder": "build cache", "buildx": "build cache", "plugin": "plugins",
	"node": "nodes", "service": "services", "stack": "stacks", "secret": "secrets", "config": "configs",
	"context": "contexts", "manifest": "manifests", "trust": "signatures", "swarm": "the swarm",
	"scout": "scans",
}

// dockerVerdict looks a docker command up: group is "" for top-level
// commands (docker logs) or the management command (docker volume rm).
func dockerVerdict(name, group, act string, args []word) verdict {
	key := strings.TrimSpace(group + " " + act)
	who := name + " " + key
	if why, ok := dockerReadOnly[key]; ok {
		return ro(who + ": " + why)
	}
	switch key {
	case "save", "export", "image save", "container export":
		if _, ok := parseOpts(args, optSpec{short: "o", long: []string{"output"}}).output("-o", "--output"); !ok {
			return ro(who + ": writes a tar archive to standard output")
		}
	}
	if group != "" {
		switch act {
		case "rm", "remove":
			return mut(who + ": deletes " + dockerNouns[group])
		case "prune":
			return mut(who + ": deletes unused " + strings.TrimPrefix(dockerNouns[group], "unused "))
		case "create", "update", "scale", "rollback", "connect", "disconnect", "use", "import", "load",
			"pull", "push", "build", "tag", "install", "enable", "disable", "upgrade", "set", "rotate",
			"init", "join", "leave", "promote", "demote", "deploy", "sign", "revoke", "key", "annotate", "unlock":
			return mut(who + ": changes " + dockerNouns[group])
		}
	}
	if why, ok := dockerMutating[act]; ok {
		return mut(who + ": " + why)
	}
	return unk(who + ": not recognised")
}

func composeStandaloneRule(c *classifier, x *call) verdict {
	return composeRule(c, x, x.name, x.args)
}

// composeRule classifies docker compose (or docker-compose) after its name.
func composeRule(c *classifier, x *call, who string, args []word) verdict {
	p := parseOpts(args, composeGlobal)
	if p.inject != nil {
		return unk(who + ": argument " + p.inject.src + " may change the subcommand")
	}
	if len(p.pos) == 0 {
		return ro(who + ": prints usage")
	}
	sub, ok := p.pos[0].lit()
	if !ok {
		return unk(who + " " + p.pos[0].src + ": the subcommand is only known at run time")
	}
	rest := p.pos[1:]
	switch sub {
	case "exec":
		return dockerExec(c, x, who+" exec", rest, optSpec{short: "euw", long: []string{"env", "user", "workdir", "index"}})
	case "run":
		return mut(who + " run: starts a one-off container")
	case "attach":
		return unk(who + " attach: sends input to a container")
	case "kill":
		return mut(who + " kill: kills containers")
	}
	if why, ok := dockerReadOnly["compose "+sub]; ok {
		return ro(who + " " + sub + ": " + why)
	}
	if why, ok := dockerMutating[sub]; ok {
		return mut(who + " " + sub + ": " + why)
	}
	return unk(who + " " + sub + ": not recognised")
}

// dockerExec classifies the command run in a container: exec is as safe
// as that command.
func dockerExec(c *classifier, x *call, who string, args []word, spec optSpec) verdict {
	spec.stop = true
	p := parseOpts(args, spec)
	if p.inject != nil {
		return unk(who + ": argument " + p.inject.src + " may change which command runs")
	}
	if len(p.pos) < 2 {
		return unk(who + ": no command to run")
	}
	target := p.pos[0].show()
	return c.inner(p.pos[1:], x.stdin).prefixed(who + " " + target)
}

// kubectl reads with get, describe, logs and friends; exec is as safe as
// the command it runs.
func kubectlRule(c *classifier, x *call) verdict {
	p := parseOpts(x.args, optSpec{
		short: "nlsc",
		long:  []string{"namespace", "context", "kubeconfig", "cluster", "user", "server", "selector", "container", "output", "token"},
		stop:  true,
	})
	if p.inject != nil {
		return unk("kubectl: argument " + p.inject.src + " may change the subcommand")
	}
	if len(p.pos) == 0 {
		return ro("kubectl: prints usage")
	}
	sub, ok := p.pos[0].lit()
	if !ok {
		return unk("kubectl: the subcommand is only known at run time")
	}
	who := "kubectl " + sub
	second := ""
	if len(p.pos) > 1 {
		second = p.pos[1].val
	}
	switch sub {
	case "get", "describe", "logs", "top", "explain", "version", "api-resources", "api-versions", "cluster-info", "events", "diff":
		return ro(who + ": reads the cluster")
	case "config":
		if second == "view" || second == "get-contexts" || second == "current-context" || second == "get-clusters" {
			return ro(who + " " + second + ": reads configuration")
		}
		return mut(who + " " + second + ": changes configuration")
	case "auth":
		if second == "can-i" || second == "whoami" {
			return ro(who + " " + second + ": checks permissions")
		}
	case "rollout":
		if second == "status" || second == "history" {
			return ro(who + " " + second + ": reads a rollout")
		}
		return mut(who + " " + second + ": changes a rollout")
	case "exec":
		rest := p.pos[1:]
		for i, w := range rest {
			if w.val == "--" {
				return c.inner(rest[i+1:], x.stdin).prefixed(who)
			}
		}
		return unk(who + ": no command after --")
	case "port-forward", "proxy", "attach", "debug", "cp", "run":
		return unk(who + ": opens access to or runs something in the cluster")
	}
	return mut(who + ": changes the cluster")
}
