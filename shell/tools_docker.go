package shell

import "strings"

// docker (and podman), docker compose and kubectl: subcommands that only
// read, each with the options known to only read (pflag grammars: no
// abbreviations). exec is as safe as the command it runs in the
// container. These clients talk to a daemon or a cluster, so no
// filesystem sandbox on this host contains what they do.

var dockerGlobal = newGrammar("docker", pflag, "-c --context=", "-D --debug", "-l --log-level=", "--tls",
	"--tlscacert=", "--tlscert=", "--tlskey=", "--tlsverify", "-v --version", "-h --help").
	deny(Unknown, "talks to another daemon or reads another client configuration", "-H --host=", "--config=").
	stopAtOperand()

func dockerSub(name string, specs ...string) *grammar {
	return newGrammar(name, pflag, append(specs, "--help")...)
}

var (
	dockerPs      = dockerSub("docker ps", "-a --all", "-f --filter=", "--format=", "-n --last=", "-l --latest", "--no-trunc", "-q --quiet", "-s --size")
	dockerLogs    = dockerSub("docker logs", "--details", "-f --follow", "--since=", "-n --tail=", "-t --timestamps", "--until=")
	dockerInspect = dockerSub("docker inspect", "-f --format=", "-s --size", "--type=")
	dockerStats   = dockerSub("docker stats", "-a --all", "--format=", "--no-stream", "--no-trunc")
	dockerImages  = dockerSub("docker images", "-a --all", "--digests", "-f --filter=", "--format=", "--no-trunc", "-q --quiet", "--tree")
	dockerFormat  = dockerSub("docker", "-f --format=")
	dockerHistory = dockerSub("docker history", "-H --human", "--format=", "--no-trunc", "-q --quiet", "--platform=")
	dockerEvents  = dockerSub("docker events", "-f --filter=", "--format=", "--since=", "--until=")
	dockerSearch  = dockerSub("docker search", "-f --filter=", "--format=", "--limit=", "--no-trunc")
	dockerLs      = dockerSub("docker ls", "-a --all", "-f --filter=", "--format=", "-q --quiet", "--no-trunc", "-n --last=", "-l --latest", "-s --size", "--digests", "--tree")
	dockerPlain   = dockerSub("docker")
	dockerDf      = dockerSub("docker system df", "-v --verbose", "--format=")
	dockerNetInsp = dockerSub("docker network inspect", "-f --format=", "-v --verbose")
	dockerSvcPs   = dockerSub("docker service ps", "-f --filter=", "--format=", "--no-resolve", "--no-trunc", "-q --quiet")
	dockerSvcLogs = dockerSub("docker service logs", "--details", "-f --follow", "--no-resolve", "--no-task-ids", "--no-trunc", "--raw", "--since=", "-n --tail=", "-t --timestamps")
	dockerCtxInsp = dockerSub("docker context inspect", "-f --format=")
)

// dockerRead maps "group verb" to what it does and its grammar; a nil
// grammar accepts only --help and operands.
var dockerRead = map[string]struct {
	why string
	g   *grammar
}{
	"ps":                {"lists containers", dockerPs},
	"logs":              {"reads container logs", dockerLogs},
	"top":               {"lists container processes", nil},
	"stats":             {"reports container resource usage", dockerStats},
	"inspect":           {"reads object details", dockerInspect},
	"images":            {"lists images", dockerImages},
	"version":           {"prints versions", dockerFormat},
	"info":              {"reports the engine", dockerFormat},
	"port":              {"lists port mappings", dockerPlain},
	"events":            {"streams engine events", dockerEvents},
	"history":           {"reads image history", dockerHistory},
	"search":            {"searches a registry", dockerSearch},
	"diff":              {"lists changed files in a container", dockerPlain},
	"container ls":      {"lists containers", dockerPs},
	"container list":    {"lists containers", dockerPs},
	"container ps":      {"lists containers", dockerPs},
	"container inspect": {"reads container details", dockerInspect},
	"container logs":    {"reads container logs", dockerLogs},
	"container top":     {"lists container processes", nil},
	"container stats":   {"reports container resource usage", dockerStats},
	"container port":    {"lists port mappings", dockerPlain},
	"container diff":    {"lists changed files in a container", dockerPlain},
	"image ls":          {"lists images", dockerImages},
	"image list":        {"lists images", dockerImages},
	"image inspect":     {"reads image details", dockerFormat},
	"image history":     {"reads image history", dockerHistory},
	"volume ls":         {"lists volumes", dockerLs},
	"volume list":       {"lists volumes", dockerLs},
	"volume inspect":    {"reads volume details", dockerFormat},
	"network ls":        {"lists networks", dockerLs},
	"network list":      {"lists networks", dockerLs},
	"network inspect":   {"reads network details", dockerNetInsp},
	"system df":         {"reports disk usage", dockerDf},
	"system info":       {"reports the engine", dockerFormat},
	"system events":     {"streams engine events", dockerEvents},
	"context ls":        {"lists contexts", dockerLs},
	"context list":      {"lists contexts", dockerLs},
	"context inspect":   {"reads context details", dockerCtxInsp},
	"context show":      {"prints the context", dockerPlain},
	"builder du":        {"reports build cache usage", dockerDf},
	"buildx ls":         {"lists builders", dockerLs},
	"buildx du":         {"reports build cache usage", dockerDf},
	"buildx inspect":    {"reads builder details", dockerPlain},
	"buildx version":    {"prints its version", dockerPlain},
	"plugin ls":         {"lists plugins", dockerLs},
	"plugin list":       {"lists plugins", dockerLs},
	"plugin inspect":    {"reads plugin details", dockerFormat},
	"node ls":           {"lists swarm nodes", dockerLs},
	"node ps":           {"lists swarm tasks", dockerSvcPs},
	"node inspect":      {"reads node details", dockerFormat.clone("docker node inspect").opts("--pretty")},
	"service ls":        {"lists services", dockerLs},
	"service ps":        {"lists service tasks", dockerSvcPs},
	"service logs":      {"reads service logs", dockerSvcLogs},
	"service inspect":   {"reads service details", dockerFormat.clone("docker service inspect").opts("--pretty")},
	"stack ls":          {"lists stacks", dockerLs},
	"stack ps":          {"lists stack tasks", dockerSvcPs},
	"stack services":    {"lists stack services", dockerLs},
	"secret ls":         {"lists secrets", dockerLs},
	"secret inspect":    {"reads secret details", dockerFormat.clone("docker secret inspect").opts("--pretty")},
	"config ls":         {"lists configs", dockerLs},
	"config inspect":    {"reads config details", dockerFormat.clone("docker config inspect").opts("--pretty")},
	"manifest inspect":  {"reads a manifest", dockerSub("docker manifest inspect", "-v --verbose", "--insecure")},
}

var dockerGroups = setOf("container", "image", "volume", "network", "system", "context", "builder", "buildx",
	"plugin", "node", "service", "stack", "secret", "config", "manifest", "trust", "swarm", "scout", "compose")

// dockerMutating names what the common changing commands do, for reasons.
var dockerMutating = map[string]string{
	"restart": "restarts containers", "start": "starts containers", "stop": "stops containers",
	"kill": "kills containers", "rm": "removes containers", "rmi": "removes images", "run": "starts a new container",
	"create": "creates a container", "pull": "downloads images", "push": "uploads images", "build": "builds an image",
	"cp": "copies files into or out of a container", "update": "changes container resources",
	"pause": "freezes containers", "unpause": "resumes containers", "rename": "renames a container",
	"commit": "creates an image", "tag": "tags an image", "load": "loads images", "import": "imports an image",
	"login": "stores registry credentials", "logout": "removes registry credentials", "prune": "deletes unused data",
	"up": "creates and starts containers", "down": "stops and removes containers", "scale": "changes the number of containers",
	"watch": "rebuilds and restarts services on change", "save": "writes images", "export": "writes a container's file system",
	"remove": "removes objects", "attach": "sends input to a container",
}

func dockerRule(c *classifier, x *call) verdict {
	cl := dockerGlobal.parse(x.args)
	name := x.name
	if !cl.ok() {
		return cl.v
	}
	if len(cl.args) == 0 {
		return ro(name + ": prints its version or usage")
	}
	sub, ok := cl.args[0].lit()
	if !ok {
		return unk(name + " " + cl.args[0].src + ": the subcommand is only known at run time")
	}
	rest := cl.args[1:]
	key := sub
	switch {
	case sub == "compose":
		return composeRule(c, x, name+" compose", rest)
	case sub == "exec":
		return dockerExec(c, x, name+" exec", rest, dockerExecGrammar)
	case dockerGroups[sub]:
		if len(rest) == 0 {
			return ro(name + " " + sub + ": prints usage")
		}
		act, ok := rest[0].lit()
		if !ok || strings.HasPrefix(act, "-") {
			return unk(name + " " + sub + ": the action is only known at run time or comes after options")
		}
		if sub == "container" && act == "exec" {
			return dockerExec(c, x, name+" container exec", rest[1:], dockerExecGrammar)
		}
		key, rest = sub+" "+act, rest[1:]
	}
	who := name + " " + key
	if r, ok := dockerRead[key]; ok {
		if r.g == nil { // docker top CONTAINER [ps options]
			return ro(who + ": " + r.why)
		}
		scl := r.g.parse(rest)
		if !scl.ok() {
			return scl.v.prefixed(name + ":")
		}
		return ro(who + ": " + r.why)
	}
	act := key[strings.LastIndexByte(key, ' ')+1:]
	if why, ok := dockerMutating[act]; ok {
		return mut(who + ": " + why)
	}
	return unk(who + ": not known to be read-only")
}

var dockerExecGrammar = newGrammar("docker exec", pflag, "-i --interactive", "-t --tty", "-e --env=", "-u --user=",
	"-w --workdir=", "--detach-keys=", "--help").stopAtOperand().
	deny(Unknown, "runs the command with more privileges or detached", "--privileged", "-d --detach", "--env-file=")

var composeExecGrammar = newGrammar("docker compose exec", pflag, "-T --no-TTY --no-tty", "-e --env=", "-u --user=",
	"-w --workdir=", "--index=", "--help", "-i --interactive", "-t --tty").stopAtOperand().
	deny(Unknown, "runs the command with more privileges or detached", "--privileged", "-d --detach")

// dockerExec classifies the command run in a container: exec is as safe
// as that command, given the container's input when -i passes it.
func dockerExec(c *classifier, x *call, who string, args []word, g *grammar) verdict {
	cl := g.parse(args)
	if !cl.ok() {
		return cl.v
	}
	for _, o := range cl.opts {
		if contains(o.opt.names, "-e") {
			name, val, _ := strings.Cut(o.val.val, "=")
			if v := envVerdict(name, o.val.sub(val)); v.class != ReadOnly || strings.Contains(name, dynMark) {
				return unk(who + " -e " + o.val.show() + ": a variable not known to be harmless")
			}
		}
	}
	if len(cl.args) < 2 {
		return unk(who + ": no command to run")
	}
	stdin := x.stdin
	if strings.HasSuffix(who, " exec") && !strings.Contains(who, "compose") && !cl.has("-i") {
		stdin = nil // docker exec passes its input only with -i
	}
	return c.inner(cl.args[1:], stdin).prefixed(who + " " + cl.args[0].show())
}

var composeGlobal = newGrammar("docker compose", pflag, "-f --file=", "-p --project-name=", "--project-directory=",
	"--env-file=", "--profile=", "--ansi=", "--progress=", "--parallel=", "--compatibility", "--dry-run",
	"--all-resources", "-h --help", "-v --version").stopAtOperand()

var composeRead = map[string]struct {
	why string
	g   *grammar
}{
	"ps":      {"lists services", dockerSub("compose ps", "-a --all", "-q --quiet", "--format=", "--services", "--status=", "--filter=", "--no-trunc", "--orphans")},
	"logs":    {"reads service logs", dockerSub("compose logs", "-f --follow", "--since=", "--until=", "-n --tail=", "-t --timestamps", "--no-color", "--no-log-prefix", "--index=")},
	"top":     {"lists service processes", dockerSub("compose top")},
	"config":  {"prints the configuration", dockerSub("compose config", "--format=", "--services", "--volumes", "--images", "--profiles", "-q --quiet", "--no-interpolate", "--no-normalize", "--no-consistency", "--no-path-resolution", "--hash=", "--environment", "--variables", "--resolve-image-digests", "--networks", "--models", "--lock-image-digests").writes("-o --output=")},
	"convert": {"prints the configuration", dockerSub("compose convert", "--format=", "--services", "--volumes", "--images", "--profiles", "-q --quiet", "--no-interpolate", "--no-normalize", "--hash=")},
	"images":  {"lists images", dockerSub("compose images", "-q --quiet", "--format=")},
	"version": {"prints its version", dockerSub("compose version", "-f --format=", "--short")},
	"ls":      {"lists compose projects", dockerSub("compose ls", "-a --all", "--filter=", "--format=", "-q --quiet")},
	"port":    {"prints a port mapping", dockerSub("compose port", "--index=", "--protocol=")},
	"events":  {"streams service events", dockerSub("compose events", "--json", "--since=", "--until=")},
	"stats":   {"reports service resource usage", dockerSub("compose stats", "-a --all", "--format=", "--no-stream", "--no-trunc")},
	"volumes": {"lists volumes", dockerSub("compose volumes", "--format=", "-q --quiet")},
}

func composeStandaloneRule(c *classifier, x *call) verdict {
	return composeRule(c, x, x.name, x.args)
}

// composeRule classifies docker compose (or docker-compose) after its name.
func composeRule(c *classifier, x *call, who string, args []word) verdict {
	cl := composeGlobal.parse(args)
	if !cl.ok() {
		return cl.v
	}
	if len(cl.args) == 0 {
		return ro(who + ": prints usage")
	}
	sub, ok := cl.args[0].lit()
	if !ok {
		return unk(who + " " + cl.args[0].src + ": the subcommand is only known at run time")
	}
	rest := cl.args[1:]
	if sub == "exec" {
		return dockerExec(c, x, who+" exec", rest, composeExecGrammar)
	}
	if r, ok := composeRead[sub]; ok {
		scl := r.g.parse(rest)
		if !scl.ok() {
			return scl.v.prefixed(who + ":")
		}
		return ro(who + " " + sub + ": " + r.why)
	}
	if why, ok := dockerMutating[sub]; ok {
		return mut(who + " " + sub + ": " + why)
	}
	return unk(who + " " + sub + ": not known to be read-only")
}

// kubectl's global flags, accepted before and after the subcommand.
var kubectlGlobal = []string{"-n --namespace=", "--context=", "--cluster=", "--user=", "-s --server=", "--token=",
	"--request-timeout=", "-v --v=", "--insecure-skip-tls-verify", "--certificate-authority=", "--client-certificate=",
	"--client-key=", "--tls-server-name=", "--match-server-version", "--as=", "--as-group=", "--as-uid=",
	"--disable-compression", "--warnings-as-errors", "--log-flush-frequency=", "-h --help", "--profile-output=",
	"--username=", "--password=", "--cache-dir="}

func kubectlGrammar(name string, specs ...string) *grammar {
	return newGrammar(name, pflag, append(specs, kubectlGlobal...)...).
		deny(Unknown, "reads a kubeconfig whose exec plugins run programs", "--kubeconfig=").
		deny(Unknown, "runs kustomize plugins", "-k --kustomize=")
}

var kubectlList = []string{"-A --all-namespaces", "-o --output=", "-l --selector=", "--field-selector=",
	"-w --watch", "--watch-only", "--show-labels", "--sort-by=", "--no-headers", "-L --label-columns=",
	"--chunk-size=", "--ignore-not-found", "--raw=", "--show-kind", "--show-managed-fields", "-f --filename=",
	"-R --recursive", "--subresource=", "--template=", "--allow-missing-template-keys", "--output-watch-events",
	"--server-print", "--all"}

var kubectlSubs = map[string]*grammar{
	"get":      kubectlGrammar("kubectl get", kubectlList...),
	"describe": kubectlGrammar("kubectl describe", "-A --all-namespaces", "-l --selector=", "-f --filename=", "-R --recursive", "--show-events", "--chunk-size="),
	"logs": kubectlGrammar("kubectl logs", "-c --container=", "-f --follow", "-p --previous", "--since=", "--since-time=",
		"--tail=", "--timestamps", "--all-containers", "--all-pods", "--prefix", "--max-log-requests=", "--limit-bytes=",
		"-l --selector=", "--pod-running-timeout=", "--ignore-errors", "--insecure-skip-tls-verify-backend"),
	"top":           kubectlGrammar("kubectl top", "--containers", "--sort-by=", "-A --all-namespaces", "-l --selector=", "--no-headers", "--use-protocol-buffers", "--sum", "--field-selector=", "--show-capacity"),
	"explain":       kubectlGrammar("kubectl explain", "--recursive", "--api-version=", "-o --output="),
	"version":       kubectlGrammar("kubectl version", "--client", "--short", "-o --output="),
	"api-resources": kubectlGrammar("kubectl api-resources", "--namespaced", "--verbs=", "-o --output=", "--api-group=", "--sort-by=", "--no-headers", "--cached", "--categories="),
	"api-versions":  kubectlGrammar("kubectl api-versions"),
	"cluster-info":  kubectlGrammar("kubectl cluster-info", "-A --all-namespaces", "--namespaces=", "-o --output="),
	"events":        kubectlGrammar("kubectl events", "--for=", "--types=", "-A --all-namespaces", "-w --watch", "-o --output=", "--no-headers", "--chunk-size="),
	"wait":          kubectlGrammar("kubectl wait", "--for=", "--timeout=", "-l --selector=", "--all", "-A --all-namespaces", "-f --filename=", "--field-selector=", "-o --output="),
}

var (
	kubectlPre     = kubectlGrammar("kubectl").stopAtOperand()
	kubectlConfig  = kubectlGrammar("kubectl config", "--minify", "--raw", "--flatten", "-o --output=", "--merge", "--template=", "--no-headers")
	kubectlAuth    = kubectlGrammar("kubectl auth", "-A --all-namespaces", "--list", "--no-headers", "-q --quiet", "--subresource=", "-o --output=")
	kubectlRollout = kubectlGrammar("kubectl rollout", "--revision=", "-w --watch", "--timeout=", "-o --output=", "-l --selector=", "-f --filename=")
	kubectlExec    = kubectlGrammar("kubectl exec", "-c --container=", "-i --stdin", "-t --tty", "-q --quiet", "--pod-running-timeout=")
)

// kubectl reads with get, describe, logs and friends; exec is as safe as
// the command it runs.
func kubectlRule(c *classifier, x *call) verdict {
	cl := kubectlPre.parse(x.args)
	if !cl.ok() {
		return cl.v
	}
	if len(cl.args) == 0 {
		return ro("kubectl: prints usage")
	}
	sub, ok := cl.args[0].lit()
	if !ok {
		return unk("kubectl: the subcommand is only known at run time")
	}
	rest := cl.args[1:]
	who := "kubectl " + sub
	if g, ok := kubectlSubs[sub]; ok {
		scl := g.parse(rest)
		if !scl.ok() {
			return scl.v
		}
		if sub == "cluster-info" && len(scl.args) > 0 && scl.args[0].val != "dump" {
			return unk(who + " " + scl.args[0].show() + ": not known")
		}
		return ro(who + ": reads the cluster")
	}
	second := ""
	if len(rest) > 0 {
		second = rest[0].val
	}
	switch sub {
	case "config":
		scl := kubectlConfig.parse(rest)
		if !scl.ok() {
			return scl.v
		}
		switch second {
		case "view", "get-contexts", "current-context", "get-clusters", "get-users":
			return ro(who + " " + second + ": reads configuration")
		}
		return mut(who + " " + second + ": changes configuration")
	case "auth":
		scl := kubectlAuth.parse(rest)
		if !scl.ok() {
			return scl.v
		}
		if second == "can-i" || second == "whoami" {
			return ro(who + " " + second + ": checks permissions")
		}
	case "rollout":
		scl := kubectlRollout.parse(rest)
		if !scl.ok() {
			return scl.v
		}
		if second == "status" || second == "history" {
			return ro(who + " " + second + ": reads a rollout")
		}
		return mut(who + " " + second + ": changes a rollout")
	case "exec":
		scl := kubectlExec.parse(rest)
		if !scl.ok() {
			return scl.v
		}
		for i, w := range rest {
			if w.val == "--" && !w.dyn {
				stdin := x.stdin
				if !scl.has("-i") {
					stdin = nil
				}
				return c.inner(rest[i+1:], stdin).prefixed(who)
			}
		}
		return unk(who + ": no command after --")
	case "port-forward", "proxy", "attach", "debug", "cp", "run":
		return unk(who + ": opens access to or runs something in the cluster")
	case "apply", "delete", "create", "edit", "patch", "replace", "scale", "set", "label", "annotate", "drain",
		"cordon", "uncordon", "taint", "autoscale", "expose", "certificate":
		return mut(who + ": changes the cluster")
	}
	return unk(who + ": not known to be read-only")
}
