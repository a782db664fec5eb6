package sqldb

import (
	"bytes"
	"encoding/json"
	"sync"
	"time"

	"github.com/quench-sh/quench"
)

// prepAlert is an alert as the writer needs it: keys cleaned, texts cut
// and, for an alert that probably opens an incident, its runbook routed
// and labels and audit data encoded. The caller's goroutine prepares it,
// so this work runs in parallel, not on the writer.
type prepAlert struct {
	// a is the caller's alert with Source, Summary and the key cleaned:
	// what the lifecycle (quench.AlertChange) and the router read.
	a     quench.Alert
	key   openKey
	actor string    // who the audit trail and incident events name
	at    time.Time // zero: the batch's time

	// routed: runbook holds the router's answer (or the caller's
	// RunbookID when there is no router).
	routed  bool
	runbook string

	// A trigger's JSON, stored if it opens an incident.
	encoded     bool
	labels      string
	annotations string
	openData    string // audit data of incident.open
	// openedEvent is the data of the opened timeline event: the alert's
	// details (quench.OpenedData), "" when it has none.
	openedEvent string

	// keyData is the audit data of an acknowledge or resolve.
	keyData string
}

// prepare turns alerts into what the writer applies. On SQLite the cache
// predicts which triggers open an incident: the first trigger of a key
// the cache knows no open incident for. Those are routed and encoded
// here, in parallel; the rest (repeats) are neither, and the writer does
// both for an alert that opens an incident against the prediction.
// Without the cache (PostgreSQL) the writer routes each alert once the
// batch knows it opens an incident.
//
// A trigger of a key with a resolve on its way (in this call or another
// not yet answered) is predicted to open too: the resolve will likely
// close the incident the cache knows first. prepare returns the keys of
// its resolves, which the caller hands to cache.resolved once answered.
func (g *ingester) prepare(alerts []quench.Alert, router quench.Router) ([]prepAlert, []openKey) {
	out := make([]prepAlert, len(alerts))
	c := &g.cache
	var resolves []openKey
	if c.on {
		c.mu.RLock()
		defer c.mu.RUnlock()
	}
	var predicted map[openKey]bool // keys this call already predicted to open
	for i := range alerts {
		p := &out[i]
		p.a = alerts[i]
		a := &p.a
		a.Integration, a.DedupKey, a.Source = quench.CleanText(a.Integration), quench.CleanText(a.DedupKey), quench.CleanText(a.Source)
		p.key = openKey{a.Integration, a.DedupKey}
		p.actor = p.key.integration
		if p.actor == "" {
			p.actor = a.Source
		}
		if !a.ReceivedAt.IsZero() {
			p.at = utc(a.ReceivedAt)
		}
		if a.Action != quench.ActionTrigger {
			p.keyData = string(auditData(keyAuditData{DedupKey: p.key.dedupKey, Source: a.Source}))
			if c.on && a.Action == quench.ActionResolve {
				c.resolving(p.key)
				resolves = append(resolves, p.key)
			}
			continue
		}
		a.Summary = quench.CutText(quench.CleanText(a.Summary), quench.MaxSummaryBytes)
		if router == nil {
			p.runbook, p.routed = quench.CleanText(a.RunbookID), true
		}
		if !c.on || predicted[p.key] || (c.m[p.key].id != 0 && !c.isResolving(p.key)) {
			continue // a repeat, most likely, or nothing known
		}
		if len(alerts) > 1 {
			if predicted == nil {
				predicted = make(map[openKey]bool)
			}
			predicted[p.key] = true
		}
		_ = p.encode(router) // an error returns again when the writer encodes
	}
	return out, resolves
}

// encode routes a trigger that opens an incident and fills the JSON the
// new incident stores.
func (p *prepAlert) encode(router quench.Router) error {
	if p.encoded {
		return nil
	}
	if !p.routed {
		p.runbook, p.routed = quench.CleanText(router.Route(&p.a)), true
		p.a.RunbookID = p.runbook
	}
	var err error
	if p.labels, err = encodeMap(p.a.Labels); err != nil {
		return err
	}
	if p.annotations, err = encodeMap(p.a.Annotations); err != nil {
		return err
	}
	p.openedEvent = openedEventData(p.a.Details)
	p.openData = string(auditData(openAuditData{DedupKey: p.key.dedupKey, Runbook: p.runbook,
		Severity: string(p.a.Severity), Source: p.a.Source}))
	p.encoded = true
	return nil
}

// openedEventData returns the opened timeline event's data for an alert's
// details, which Validate checked: "" for none.
func openedEventData(details json.RawMessage) string {
	d := bytes.TrimSpace(details)
	if len(d) == 0 || string(d) == "null" {
		return ""
	}
	return `{"details":` + quench.CleanText(string(d)) + `}`
}

// Audit data of ingest entries. Fields are in name order, so the JSON is
// byte for byte what encoding the same map[string]string gives.
type (
	openAuditData struct {
		DedupKey string `json:"dedup_key"`
		Runbook  string `json:"runbook,omitempty"`
		Severity string `json:"severity"`
		Source   string `json:"source"`
	}
	keyAuditData struct {
		DedupKey string `json:"dedup_key"`
		Source   string `json:"source"`
	}
)

// maxCachedKeys bounds the open-incident cache; past it the cache starts
// over, which costs only lookups.
const maxCachedKeys = 1 << 17

// openCache is what the SQLite writer knows, across batches, of each key's
// open incident: its id, status and severity, or that it has none. It lets
// a repeat cost one UPDATE per batch instead of a lookup per alert.
//
// It is exact because every write to a SQLite file goes through the one
// writer connection: the ingester fills it after each commit, and every
// other write transaction (db.write) empties it while it holds that
// connection, before it commits. A commit by another connection or process
// changes PRAGMA data_version, which the writer checks at the start of
// every batch. PostgreSQL is shared by servers and never caches.
type openCache struct {
	on bool // SQLite

	mu  sync.RWMutex
	m   map[openKey]cachedOpen
	gen uint64 // counts invalidations, so a batch never stores over one

	dataVersion int64 // writer only: PRAGMA data_version last seen

	// pending counts, per key, the resolves prepared and not yet
	// answered (prepare's prediction only).
	pendingMu sync.Mutex
	pending   map[openKey]int
}

// resolving counts a resolve of k on its way.
func (c *openCache) resolving(k openKey) {
	c.pendingMu.Lock()
	defer c.pendingMu.Unlock()
	if c.pending == nil {
		c.pending = make(map[openKey]int)
	}
	c.pending[k]++
}

func (c *openCache) isResolving(k openKey) bool {
	c.pendingMu.Lock()
	defer c.pendingMu.Unlock()
	return c.pending[k] > 0
}

// resolved forgets the resolves prepare counted for one call.
func (c *openCache) resolved(keys []openKey) {
	if len(keys) == 0 {
		return
	}
	c.pendingMu.Lock()
	defer c.pendingMu.Unlock()
	for _, k := range keys {
		if c.pending[k]--; c.pending[k] <= 0 {
			delete(c.pending, k)
		}
	}
}

// cachedOpen is a key's open incident; id 0 means the key has none.
type cachedOpen struct {
	id       int64
	status   quench.Status
	severity quench.Severity
	runbook  string
}

func (c *openCache) get(k openKey) (cachedOpen, bool) {
	if !c.on {
		return cachedOpen{}, false
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	e, ok := c.m[k]
	return e, ok
}

// invalidate forgets everything.
func (c *openCache) invalidate() {
	if !c.on {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.m = nil
	c.gen++
}

func (c *openCache) generation() uint64 {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.gen
}

// store records what a committed batch leaves, unless the cache was
// invalidated since the batch began (gen).
func (c *openCache) store(gen uint64, open map[openKey]*openState) {
	if !c.on {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return
	}
	if c.m == nil || len(c.m)+len(open) > maxCachedKeys {
		c.m = make(map[openKey]cachedOpen, len(open))
	}
	for k, st := range open {
		if st == nil {
			c.m[k] = cachedOpen{}
		} else {
			c.m[k] = cachedOpen{id: st.id, status: st.status, severity: st.severity, runbook: st.runbook}
		}
	}
}
