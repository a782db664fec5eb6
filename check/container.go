package check

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"sync"
)

// DefaultDockerSocket is where the Docker Engine API listens.
const DefaultDockerSocket = "/var/run/docker.sock"

// containerName is what Docker accepts as a container name or id.
var containerName = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^/?[a-zA-Z0-9][a-zA-Z0-9_.-]*$`) })

type containerProbe struct {
	name   string
	client *http.Client
}

func newContainerProbe(s ContainerSpec) (*containerProbe, error) {
	if !containerName().MatchString(s.Name) {
		return nil, fieldErr("container.name", "%q: want a container name or id", s.Name)
	}
	socket := s.Socket
	if socket == "" {
		socket = DefaultDockerSocket
	}
	tr := &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "unix", socket)
	}, MaxIdleConns: 1}
	return &containerProbe{name: s.Name, client: &http.Client{Transport: tr}}, nil
}

// containerInspect is the part of the Engine API's ContainerInspect
// answer (GET /containers/{id}/json) a check reads.
type containerInspect struct {
	RestartCount int `json:"RestartCount"`
	State        struct {
		Status    string `json:"Status"` // created, running, paused, restarting, removing, exited, dead
		OOMKilled bool   `json:"OOMKilled"`
		Health    *struct {
			Status string `json:"Status"` // starting, healthy, unhealthy
		} `json:"Health"`
	} `json:"State"`
}

func (p *containerProbe) probe(ctx context.Context, _ *deps, o *observation) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://docker/containers/"+url.PathEscape(p.name)+"/json", nil)
	if err != nil {
		return err
	}
	resp, err := p.client.Do(req)
	if err != nil {
		return fmt.Errorf("docker: %s", errMessage(err))
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return fmt.Errorf("docker: %s", errMessage(err))
	}
	if resp.StatusCode != http.StatusOK {
		var e struct {
			Message string `json:"message"`
		}
		_ = json.Unmarshal(body, &e)
		return fmt.Errorf("docker: %d %s", resp.StatusCode, firstLine(e.Message))
	}
	var c containerInspect
	if err := json.Unmarshal(body, &c); err != nil {
		return fmt.Errorf("docker: unexpected answer: %s", firstLine(err.Error()))
	}
	health := ""
	if c.State.Health != nil {
		health = c.State.Health.Status
	}
	o.vars["state"] = c.State.Status
	o.vars["restarts"] = c.RestartCount
	o.vars["oom_killed"] = c.State.OOMKilled
	o.vars["health"] = health
	return nil
}

// containerDefault is what a container check without conditions wants.
const containerDefault = `state == "running" && !oom_killed && health != "unhealthy"`
