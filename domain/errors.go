package domain

import (
	"errors"
	"fmt"
	"strings"
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

// Text is the error for people: the message with the platform and its own
// code, without syncctl's code (which travels apart: as the Temporal
// application error's type, and as the exit status or HTTP status).
// "tmall: App Call Limited [7]: This ban will last for 3 more seconds".
func (e *Error) Text() string {
	s := e.Message
	if e.Platform != "" {
		s = e.Platform + ": " + s
	}
	if e.PlatformCode != "" {
		s += " [" + e.PlatformCode + "]"
	}
	if e.Err != nil {
		var inner *Error
		if errors.As(e.Err, &inner) && inner == e.Err {
			s += ": " + inner.Text()
		} else {
			s += ": " + e.Err.Error()
		}
	}
	return s
}

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

// Describe is an error's text for people: Text for a coded error (anywhere
// in the chain, with what wraps it), Error otherwise.
func Describe(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if !errors.As(err, &e) {
		return err.Error()
	}
	if outer := err.Error(); outer != e.Error() {
		return strings.Replace(outer, e.Error(), e.Text(), 1)
	}
	return e.Text()
}

// List joins names as prose for messages: "a", "a and b", "a, b and c";
// "none" when empty.
func List(names []string) string {
	switch len(names) {
	case 0:
		return "none"
	case 1:
		return names[0]
	}
	out := ""
	for i, n := range names[:len(names)-1] {
		if i > 0 {
			out += ", "
		}
		out += n
	}
	return out + " and " + names[len(names)-1]
}
