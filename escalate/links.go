package escalate

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/quench-sh/quench"
)

// Link actions.
const (
	LinkAck     = "ack"
	LinkResolve = "resolve"
)

// DefaultLinkTTL is how long an ack or resolve link works.
const DefaultLinkTTL = 24 * time.Hour

// Links signs and checks one-time ack/resolve links. A link carries its
// incident, person, action, expiry and a random nonce, signed with
// HMAC-SHA256; the store remembers used nonces, so a link works once.
type Links struct {
	Key     []byte // from EscalationStore.LinkKey
	BaseURL string // the server's public URL, e.g. https://quench.example.com
	TTL     time.Duration
}

// Link is a checked link's content.
type Link struct {
	Incident int64
	Person   string
	Action   string
	Expires  time.Time
	Nonce    string
}

// Token returns the signed token of a new link.
func (l *Links) Token(incident int64, person, action string, now time.Time) string {
	ttl := l.TTL
	if ttl <= 0 {
		ttl = DefaultLinkTTL
	}
	nonce := make([]byte, 12)
	rand.Read(nonce)
	payload := strings.Join([]string{"v1", strconv.FormatInt(incident, 10), person, action,
		strconv.FormatInt(now.Add(ttl).Unix(), 10), base64.RawURLEncoding.EncodeToString(nonce)}, "|")
	p := base64.RawURLEncoding.EncodeToString([]byte(payload))
	return p + "." + l.sign(p)
}

// URL returns the link's address, or "" when no base URL is configured.
func (l *Links) URL(incident int64, person, action string, now time.Time) string {
	if l == nil || l.BaseURL == "" || len(l.Key) == 0 {
		return ""
	}
	return strings.TrimRight(l.BaseURL, "/") + "/a/" + l.Token(incident, person, action, now)
}

func (l *Links) sign(p string) string {
	mac := hmac.New(sha256.New, l.Key)
	mac.Write([]byte(p))
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

// Check verifies a token: EUNAUTHORIZED when it is not one quench signed,
// EFORBIDDEN when it expired. Whether it was used is the store's to say.
func (l *Links) Check(token string, now time.Time) (*Link, error) {
	p, sig, ok := strings.Cut(token, ".")
	if !ok || len(l.Key) == 0 || !hmac.Equal([]byte(sig), []byte(l.sign(p))) {
		return nil, quench.Errorf(quench.EUNAUTHORIZED, "this link is not valid: ask quench for a new one")
	}
	raw, err := base64.RawURLEncoding.DecodeString(p)
	if err != nil {
		return nil, quench.Errorf(quench.EUNAUTHORIZED, "this link is not valid")
	}
	f := strings.Split(string(raw), "|")
	if len(f) != 6 || f[0] != "v1" {
		return nil, quench.Errorf(quench.EUNAUTHORIZED, "this link is not valid")
	}
	id, err1 := strconv.ParseInt(f[1], 10, 64)
	exp, err2 := strconv.ParseInt(f[4], 10, 64)
	if err1 != nil || err2 != nil {
		return nil, quench.Errorf(quench.EUNAUTHORIZED, "this link is not valid")
	}
	link := &Link{Incident: id, Person: f[2], Action: f[3], Expires: time.Unix(exp, 0).UTC(), Nonce: f[5]}
	if !now.Before(link.Expires) {
		return nil, quench.Errorf(quench.EFORBIDDEN, "this link expired at %s", link.Expires.Format(time.RFC3339))
	}
	if link.Action != LinkAck && link.Action != LinkResolve {
		return nil, quench.Errorf(quench.EUNAUTHORIZED, "this link is not valid")
	}
	return link, nil
}

// String describes a link for pages and logs.
func (k *Link) String() string {
	return fmt.Sprintf("%s incident %d as %s", k.Action, k.Incident, k.Person)
}
