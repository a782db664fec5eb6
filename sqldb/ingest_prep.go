package sqldb

import (
	"sync"
	"time"

	"github.com/quench-sh/quench"
)

// prepAlert is an alert as the writer needs it: keys cleaned, texts cut
// and, for a trigger, labels and audit data encoded. The caller's
// goroutine prepares it, so this work runs in parallel, not on the writer.
type prepAlert struct {
	key      openKey
	action   quench.Action
	severity quench.Severity
	source   string
	actor    string    // who the timeline and audit trail name
	at       time.Time // zero: the batch's time

	// A trigger's fields, stored if it opens an incident.
	summary, runbook string
	labelsMap        map[string]string
	annotationsMap   map[string]string
	encoded          bool
	labels           string // JSON
	annotations      string // JSON
	openData         string // audit data of incident.open

	// keyData is the audit data of an acknowledge or resolve.
	keyData string
}

// prepare turns alerts into what the writer applies. A trigger whose key
// has an open incident (as far as the cache knows) only counts a repeat,
// so its labels are not encoded here; the writer encodes them if the hint
// was stale.
func (g *ingester) prepare(alerts []quench.Alert) []prepAlert {
	out := make([]prepAlert, len(alerts))
	c := &g.cache
	if c.on {
		c.mu.RLock()
		defer c.mu.RUnlock()
	}
	for i := range alerts {
		a, p := &alerts[i], &out[i]
		p.key = openKey{clean(a.Integration), clean(a.DedupKey)}
		p.action, p.severity = a.Action, a.Severity
		p.source = clean(a.Source)
		p.actor = p.key.integration
		if p.actor == "" {
			p.actor = p.source
		}
		if !a.ReceivedAt.IsZero() {
			p.at = utc(a.ReceivedAt)
		}
		if a.Action != quench.ActionTrigger {
			p.keyData = string(auditData(keyAuditData{DedupKey: p.key.dedupKey, Source: p.source}))
			continue
		}
		p.summary = cut(clean(a.Summary), quench.MaxSummaryBytes)
		p.runbook = clean(a.RunbookID)
		p.labelsMap, p.annotationsMap = a.Labels, a.Annotations
		if c.on && c.m[p.key].id != 0 {
			continue // a repeat, most likely
		}
		_ = p.encode() // an error returns again when the writer encodes
	}
	return out
}

// encode fills the JSON a new incident stores.
func (p *prepAlert) encode() error {
	if p.encoded {
		return nil
	}
	var err error
	if p.labels, err = encodeMap(p.labelsMap); err != nil {
		return err
	}
	if p.annotations, err = encodeMap(p.annotationsMap); err != nil {
		return err
	}
	p.openData = string(auditData(openAuditData{DedupKey: p.key.dedupKey, Runbook: p.runbook,
		Severity: string(p.severity), Source: p.source}))
	p.encoded = true
	return nil
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
}

// cachedOpen is a key's open incident; id 0 means the key has none.
type cachedOpen struct {
	id       int64
	status   quench.Status
	severity quench.Severity
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
			c.m[k] = cachedOpen{id: st.id, status: st.status, severity: st.severity}
		}
	}
}
