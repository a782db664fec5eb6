package ssh

import "time"

// FireTimeoutOn makes r's runs time out when fire receives, whatever their
// Timeout says, so a test can time a run out after its processes started.
func (r *Runner) FireTimeoutOn(fire <-chan time.Time) {
	r.after = func(time.Duration) (<-chan time.Time, func() bool) {
		return fire, func() bool { return true }
	}
}
