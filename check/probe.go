package check

import (
	"context"
	"crypto/x509"
	"errors"
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/quench-sh/quench/shell"
)

// prober is one kind's probe. It fills o's variables; it returns an error
// when it could not observe at all (connection refused, timeout) and sets
// o.fail when it observed something its kind's own expectation rejects
// (an unexpected status, a certificate about to expire).
type prober interface {
	probe(ctx context.Context, d *deps, o *observation) error
}

// observation is what one run saw.
type observation struct {
	vars Vars
	fail string
	// raw is the HTTP body, decoded into body only when a condition or
	// an alert needs it.
	raw  []byte
	body map[string]any
}

// deps are what probes share, owned by the Engine: one HTTP transport for
// every HTTP check (connections are reused across checks of a host), the
// runner of commands and their environment.
type deps struct {
	http, httpInsecure *http.Client
	roots              *x509.CertPool // nil: the system's
	shell              shell.Runner
	env                map[string]string
	secrets            []string
	maxOutput          int
}

// errMessage says why a probe failed in one line, without the URL or
// address a url.Error or net.OpError repeats (it may carry a token).
func errMessage(err error) string {
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return "timed out"
	case errors.Is(err, context.Canceled):
		return "cancelled"
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	var oe *net.OpError
	if errors.As(err, &oe) && oe.Err != nil {
		return oe.Op + ": " + oe.Err.Error()
	}
	return firstLine(strings.TrimSpace(err.Error()))
}
