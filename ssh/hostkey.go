package ssh

import (
	"crypto/ed25519"
	"errors"
	"fmt"
	"net"
	"strings"

	"github.com/quench-sh/quench"
	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// hostKeys returns the callback that checks a host's key against the
// known_hosts file, and the host key algorithms to ask for: those of the
// keys the file holds for addr, so that a host with several keys offers the
// one we know instead of one we would have to reject as changed.
func hostKeys(target Target, addr string) (ssh.HostKeyCallback, []string, error) {
	if target.KnownHostsFile == "" {
		return nil, nil, quench.Errorf(quench.EINVALID,
			"ssh target %s: no known_hosts file configured; quench never accepts a host key it cannot verify", target.Name)
	}
	check, err := knownhosts.New(target.KnownHostsFile)
	if err != nil {
		return nil, nil, quench.Errorf(quench.EINVALID, "ssh target %s: known_hosts: %v", target.Name, err)
	}
	callback := func(hostname string, remote net.Addr, key ssh.PublicKey) error {
		return explainHostKeyError(target, addr, key, check(hostname, remote, key))
	}
	return callback, knownAlgorithms(check, addr), nil
}

func knownAlgorithms(check ssh.HostKeyCallback, addr string) []string {
	// A key no host has: checking it makes knownhosts list the keys it
	// knows for addr.
	probe, err := ssh.NewPublicKey(ed25519.PublicKey(make([]byte, ed25519.PublicKeySize)))
	if err != nil {
		return nil
	}
	var keyErr *knownhosts.KeyError
	if !errors.As(check(addr, &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 22}, probe), &keyErr) {
		return nil
	}
	var algos []string
	seen := map[string]bool{}
	for _, k := range keyErr.Want {
		for _, algo := range algorithmsFor(k.Key.Type()) {
			if !seen[algo] {
				seen[algo] = true
				algos = append(algos, algo)
			}
		}
	}
	return algos
}

// algorithmsFor maps a key type to the signature algorithms that use it.
func algorithmsFor(keyType string) []string {
	if keyType == ssh.KeyAlgoRSA {
		return []string{ssh.KeyAlgoRSASHA512, ssh.KeyAlgoRSASHA256, ssh.KeyAlgoRSA}
	}
	return []string{keyType}
}

// explainHostKeyError turns a knownhosts error into one that says what
// happened and what an operator can do about it.
func explainHostKeyError(target Target, addr string, key ssh.PublicKey, err error) error {
	if err == nil {
		return nil
	}
	offered := fmt.Sprintf("%s key %s", key.Type(), ssh.FingerprintSHA256(key))
	host, port, _ := net.SplitHostPort(addr)
	var revoked *knownhosts.RevokedError
	var keyErr *knownhosts.KeyError
	switch {
	case errors.As(err, &revoked):
		return quench.Errorf(quench.EFORBIDDEN,
			"ssh target %s: host %s offered %s, which %s:%d marks as revoked; refusing to connect",
			target.Name, addr, offered, revoked.Revoked.Filename, revoked.Revoked.Line)
	case errors.As(err, &keyErr) && len(keyErr.Want) == 0:
		return quench.Errorf(quench.EFORBIDDEN,
			"ssh target %s: unknown host key: %s is not in %s and quench never trusts a host key it cannot verify. "+
				"The host offered %s. Check that fingerprint on the host itself (ssh-keygen -lf /etc/ssh/ssh_host_*_key.pub) "+
				"and, if it matches, add the key: ssh-keyscan -p %s -t %s %s >> %s",
			target.Name, addr, target.KnownHostsFile, offered, port, key.Type(), host, target.KnownHostsFile)
	case errors.As(err, &keyErr):
		var known []string
		for _, k := range keyErr.Want {
			known = append(known, fmt.Sprintf("%s key %s (%s:%d)", k.Key.Type(), ssh.FingerprintSHA256(k.Key), k.Filename, k.Line))
		}
		return quench.Errorf(quench.EFORBIDDEN,
			"ssh target %s: HOST KEY CHANGED for %s: it offered %s, but known_hosts has %s. "+
				"Someone may be intercepting the connection, or the host was reinstalled; refusing to connect. "+
				"Once the new key is verified on the host, replace the old one: ssh-keygen -R '%s' -f %s, then ssh-keyscan -p %s -t %s %s >> %s",
			target.Name, addr, offered, strings.Join(known, ", "),
			knownhosts.Normalize(addr), target.KnownHostsFile, port, key.Type(), host, target.KnownHostsFile)
	}
	return quench.Errorf(quench.EINVALID, "ssh target %s: checking the host key of %s: %v", target.Name, addr, err)
}
