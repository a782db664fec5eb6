package escalate

import (
	"sync"
	"sync/atomic"

	"github.com/quench-sh/quench"
)

// Holder holds the on-call configuration in force. Reload swaps in a new
// one only when the whole file is valid, so a bad edit is never half
// applied: readers see the old configuration or the new one.
type Holder struct {
	Path string
	Opts LoadOptions

	mu  sync.Mutex // serialises reloads
	cur atomic.Pointer[quench.OnCallConfig]
}

// NewHolder returns a holder of cfg (nil holds an empty configuration).
func NewHolder(cfg *quench.OnCallConfig) *Holder {
	h := &Holder{}
	if cfg == nil {
		cfg = &quench.OnCallConfig{Policies: DefaultPolicies()}
	}
	h.cur.Store(cfg)
	return h
}

// Load returns the configuration in force.
func (h *Holder) Load() *quench.OnCallConfig { return h.cur.Load() }

// Reload reads Path again; on any error the configuration in force stays.
func (h *Holder) Reload() (*quench.OnCallConfig, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.Path == "" {
		return h.Load(), nil
	}
	cfg, err := LoadFile(h.Path, h.Opts)
	if err != nil {
		return nil, err
	}
	h.cur.Store(cfg)
	return cfg, nil
}
