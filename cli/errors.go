package cli

import (
	"errors"
	"strings"

	"go.temporal.io/sdk/temporal"

	"github.com/syncctl/syncctl/domain"
)

// humanError is the text main prints for err: domain errors as their text
// for people (their code decides the exit status, see exitCode), Temporal
// application errors as their message (the code is their type, never in
// the message), and Temporal's wrappers ("workflow execution error (type:
// …, runID: …)", "activity error") replaced by what they wrap.
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
		return t.Text(), true
	case *temporal.ApplicationError:
		s := t.Message()
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
