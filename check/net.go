package check

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"time"
)

type tcpProbe struct{ addr string }

func newTCPProbe(s TCPSpec) (*tcpProbe, error) {
	if _, _, err := net.SplitHostPort(s.Address); err != nil {
		return nil, fieldErr("tcp.address", "%q: want host:port", s.Address)
	}
	return &tcpProbe{addr: s.Address}, nil
}

func (p *tcpProbe) probe(ctx context.Context, _ *deps, _ *observation) error {
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", p.addr)
	if err != nil {
		return err
	}
	return c.Close()
}

type dnsProbe struct {
	name     string
	resolver *net.Resolver
}

func newDNSProbe(s DNSSpec) (*dnsProbe, error) {
	if s.Name == "" {
		return nil, fieldErr("dns.name", "is required (the name to resolve)")
	}
	p := &dnsProbe{name: s.Name, resolver: net.DefaultResolver}
	if s.Server != "" {
		if _, _, err := net.SplitHostPort(s.Server); err != nil {
			return nil, fieldErr("dns.server", "%q: want host:port of a resolver", s.Server)
		}
		server := s.Server
		p.resolver = &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, network, server)
		}}
	}
	return p, nil
}

func (p *dnsProbe) probe(ctx context.Context, _ *deps, o *observation) error {
	addrs, err := p.resolver.LookupHost(ctx, p.name)
	if err != nil {
		return err
	}
	o.vars["addresses"] = addrs
	if len(addrs) == 0 {
		o.fail = "no addresses"
	}
	return nil
}

// DefaultMinDaysLeft is when a certificate check fails by default.
const DefaultMinDaysLeft = 14

type tlsProbe struct {
	addr, serverName string
	minDays          float64
	now              func() time.Time
}

func newTLSProbe(s TLSSpec) (*tlsProbe, error) {
	host, _, err := net.SplitHostPort(s.Address)
	if err != nil {
		return nil, fieldErr("tls.address", "%q: want host:port", s.Address)
	}
	p := &tlsProbe{addr: s.Address, serverName: s.ServerName, minDays: s.MinDaysLeft, now: time.Now}
	if p.serverName == "" {
		p.serverName = host
	}
	if p.minDays == 0 {
		p.minDays = DefaultMinDaysLeft
	}
	if p.minDays < 0 {
		return nil, fieldErr("tls.min_days_left", "%v: want a positive number of days", s.MinDaysLeft)
	}
	return p, nil
}

func (p *tlsProbe) probe(ctx context.Context, d *deps, o *observation) error {
	dialer := &tls.Dialer{Config: &tls.Config{ServerName: p.serverName, RootCAs: d.roots, MinVersion: tls.VersionTLS12}}
	c, err := dialer.DialContext(ctx, "tcp", p.addr)
	if err != nil {
		return err
	}
	defer c.Close()
	certs := c.(*tls.Conn).ConnectionState().PeerCertificates
	if len(certs) == 0 {
		return fmt.Errorf("no certificate")
	}
	left := certs[0].NotAfter.Sub(p.now()).Hours() / 24
	o.vars["days_left"] = left
	if left < p.minDays {
		o.fail = fmt.Sprintf("certificate expires in %.1f days (%s), want at least %v", left, certs[0].NotAfter.UTC().Format(time.DateOnly), p.minDays)
	}
	return nil
}
