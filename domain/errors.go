package domain

import (
	"errors"
	"fmt"
	"time"
)

// Error codes. Each maps onto one Temporal application error type (the
// workflows package translates them once, at the activity edge) and one HTTP
// status (the API server, when it arrives).
const (
	EInvalid     = "invalid"      // bad input: never retried
	ENotFound    = "not_found"    // the thing does not exist
	EConflict    = "conflict"     // state disagrees (duplicate, wrong version)
	ERateLimited = "rate_limited" // throttled: retry after RetryAfter
	EAuth        = "auth"         // credentials wrong or expired: not retried blindly
	EUnavailable = "unavailable"  // transient: retry with backoff
	EInternal    = "internal"     // a bug or an unexpected answer
)

// Error is a coded domain error. Platform is the channel or system that
// answered ("tmall", "erp"), PlatformCode its own code ("7", "isv.invalid-parameter").
type Error struct {
	Code         string
	Message      string
	Platform     string
	PlatformCode string
	RetryAfter   time.Duration // set for ERateLimited when the platform says how long
	Err          error
}

func (e *Error) Error() string {
	s := e.Code + ": " + e.Message
	if e.Platform != "" {
		s = e.Platform + " " + s
	}
	if e.PlatformCode != "" {
		s += " [" + e.PlatformCode + "]"
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf returns a coded error with a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain, EInternal for
// any other non-nil error and "" for nil.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EInternal
}

// Retryable reports whether an error of this code may succeed if tried again.
func Retryable(code string) bool {
	switch code {
	case ERateLimited, EUnavailable, EInternal:
		return true
	}
	return false
}

// FieldError names the record and field that made an input invalid.
type FieldError struct {
	Record string // "row 12", "sku TS-001-RED-M", "order 3704612354559743232"
	Field  string
	Reason string
}

func (e FieldError) Error() string {
	return fmt.Sprintf("%s, field %s: %s", e.Record, e.Field, e.Reason)
}
