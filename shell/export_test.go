package shell

import "time"

// FireTimeoutOn makes l's runs time out when fire receives, whatever their
// Timeout says, so a test can time a run out after its processes started.
func (l *Local) FireTimeoutOn(fire <-chan time.Time) {
	l.after = func(time.Duration) (<-chan time.Time, func() bool) {
		return fire, func() bool { return true }
	}
}
