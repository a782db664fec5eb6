package ingest

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strconv"
)

// NewDedupKey returns a random dedup key (32 hex digits, 128 bits from
// crypto/rand) for a PagerDuty trigger that came without one; the HTTP layer
// returns it so the sender can acknowledge and resolve later.
func NewDedupKey() string {
	var b [16]byte
	rand.Read(b[:]) // never fails since Go 1.24
	return hex.EncodeToString(b[:])
}

// labelsFingerprint is Alertmanager's alert fingerprint (Prometheus'
// LabelSet.Fingerprint: FNV-1a 64 over the sorted names and values, each
// followed by 0xff), so an alert that lost its fingerprint on the way still
// gets the key Alertmanager would have given it.
func labelsFingerprint(labels map[string]string) string {
	const (
		offset64 = 14695981039346656037
		prime64  = 1099511628211
	)
	names := make([]string, 0, len(labels))
	for k := range labels {
		names = append(names, k)
	}
	slices.Sort(names)
	h := uint64(offset64)
	add := func(s string) {
		for i := 0; i < len(s); i++ {
			h ^= uint64(s[i])
			h *= prime64
		}
		h ^= 0xff
		h *= prime64
	}
	for _, k := range names {
		add(k)
		add(labels[k])
	}
	s := strconv.FormatUint(h, 16)
	for len(s) < 16 {
		s = "0" + s
	}
	return s
}

// contentKey is the dedup key of a generic alert sent without one: a
// SHA-256 of its summary and sorted labels, so the same message about the
// same thing lands on the same incident.
func contentKey(summary string, labels map[string]string) string {
	names := make([]string, 0, len(labels))
	for k := range labels {
		names = append(names, k)
	}
	slices.Sort(names)
	h := sha256.New()
	sep := []byte{0xff}
	h.Write([]byte(summary))
	h.Write(sep)
	for _, k := range names {
		h.Write([]byte(k))
		h.Write(sep)
		h.Write([]byte(labels[k]))
		h.Write(sep)
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}
