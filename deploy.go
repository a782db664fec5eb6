package quench

import "time"

// DeployLookback is how long before an incident opened a deploy counts as
// a suspect. The newest deploy before that window is the incident's
// last-good pointer: what a rollback goes back to, and what steps receive
// as QUENCH_LAST_GOOD_SHA. The API and the runner both use DeployWindow so
// they never disagree.
const DeployLookback = time.Hour

// DeployWindow returns the suspect window [from, to) of an incident that
// opened at openedAt: the DeployLookback before it, a deploy at the very
// instant it opened included. The last-good deploy is the newest one
// strictly before from (DeployService.LastDeployBefore(ctx, from)).
func DeployWindow(openedAt time.Time) (from, to time.Time) {
	return openedAt.Add(-DeployLookback), openedAt.Add(time.Nanosecond)
}
