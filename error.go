package quench

import (
	"errors"
	"fmt"
)

// Error codes: the one vocabulary every layer speaks. Only the HTTP layer
// turns a code into a status, in one place.
const (
	ECONFLICT     = "conflict"     // the change contradicts the current state
	EINTERNAL     = "internal"     // a bug or an unexpected failure; never shown verbatim
	EINVALID      = "invalid"      // the input is wrong; the message says what and where
	ENOTFOUND     = "not_found"    // the thing does not exist
	EUNAUTHORIZED = "unauthorized" // no credentials, or credentials that are not valid
	EFORBIDDEN    = "forbidden"    // valid credentials, role too low, or frozen
	ETOOLARGE     = "too_large"    // the input is over a size limit
	EUNAVAILABLE  = "unavailable"  // a dependency (the database) cannot be reached
	EUNSUPPORTED  = "unsupported"  // a media type or version quench does not take
	EQUEUED       = "queued"       // taken, not done yet: it runs later (a paging command waiting for the escalation leader)
)

// Error is a domain error: a code from the vocabulary above and a message
// meant for the person or tool that caused it.
type Error struct {
	Code    string
	Message string
}

// Error returns the message.
func (e *Error) Error() string { return e.Message }

// Errorf returns an *Error with the given code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain, EINTERNAL
// for any other error and "" for nil.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the message of the first *Error in err's chain, or
// "internal error" for any other error, so internals never leak to clients.
func ErrorMessage(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "internal error"
}
