package cli

import (
	"errors"
	"strings"

	"go.temporal.io/sdk/temporal"

	"github.com/syncctl/syncctl/domain"
)

// humanError is the text main prints for err: the same message without the
// machine parts — domain error codes ("invalid: ", "not_found: ") and
// Temporal's wrappers ("workflow execution error (type: …, runID: …)",
// "(type: invalid, retryable: false)"). The codes still decide the exit
// status (exitCode); they are just not shown.
func humanError(err error) string {
	if err == nil {
		return ""
	}
	full := err.Error()
	for e := err; e != nil; e = errors.Unwrap(e) {
		if h, ok := humanPart(e); ok {
			return strings.Replace(full, e.Error(), h, 1)
		}
	}
	return full
}

// humanPart rewrites one error of a known kind; ok is false for others.
func humanPart(e error) (string, bool) {
	switch t := e.(type) {
	case *domain.Error:
		s := t.Message
		if t.Platform != "" {
			s = t.Platform + ": " + s
		}
		if t.PlatformCode != "" {
			s += " [" + t.PlatformCode + "]"
		}
		if t.Err != nil {
			s += ": " + humanError(t.Err)
		}
		return s, true
	case *temporal.ApplicationError:
		s := stripCode(t.Message(), t.Type())
		if c := t.Unwrap(); c != nil {
			s += ": " + humanError(c)
		}
		return s, true
	case *temporal.WorkflowExecutionError, *temporal.ActivityError, *temporal.ChildWorkflowExecutionError:
		if c := errors.Unwrap(t); c != nil {
			return humanError(c), true
		}
	case *temporal.TimeoutError:
		return "timed out (" + t.TimeoutType().String() + " timeout)", true
	case *temporal.CanceledError:
		return "canceled", true
	}
	return "", false
}

// stripCode drops a domain code prefix from a message that was a domain
// error's text: "invalid: x" → "x", "tmall rate_limited: x" → "tmall: x".
func stripCode(msg, code string) string {
	if code == "" {
		return msg
	}
	if rest, ok := strings.CutPrefix(msg, code+": "); ok {
		return rest
	}
	if i := strings.Index(msg, " "+code+": "); i > 0 && !strings.Contains(msg[:i], " ") {
		return msg[:i] + ": " + msg[i+len(code)+3:]
	}
	return msg
}
