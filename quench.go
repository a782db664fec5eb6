// Package quench holds the domain of the quench incident-response system:
// alerts, incidents and their timelines, runbooks and their steps, tokens,
// the audit trail and the service interfaces that storage, ingest, HTTP and
// the command runner implement.
//
// The package imports the standard library only. Implementations live in
// packages named after what they wrap (sqldb, markdown, shell, http, …).
package quench

import "time"

// Clock returns the current time. Services take one so tests can move time
// instead of sleeping.
type Clock func() time.Time
