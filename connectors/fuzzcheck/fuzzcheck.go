// Package fuzzcheck holds what the connectors' fuzz targets check of an
// answer they read as a success.
package fuzzcheck

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/syncctl/syncctl/domain"
)

// Holds says whether body is one JSON value holding each of values (an
// id, a code; not empty) as a string or a number: a connector that read
// values from an answer must have found them there.
func Holds(body []byte, values ...string) error {
	var v any
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if !json.Valid(body) || dec.Decode(&v) != nil {
		return fmt.Errorf("read an answer that is not JSON: %q", body)
	}
	found := map[string]bool{}
	var walk func(any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			for _, x := range v {
				walk(x)
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		case string:
			found[v] = true
		case json.Number:
			found[v.String()] = true
		}
	}
	walk(v)
	for _, s := range values {
		if s == "" || !found[s] {
			return fmt.Errorf("read %q from an answer that does not hold it: %q", s, body)
		}
	}
	return nil
}

// Refused says whether err is a refusal a caller can act on: a coded
// *domain.Error that names none of secrets.
func Refused(err error, secrets ...string) error {
	var e *domain.Error
	if !errors.As(err, &e) || e.Code == "" {
		return fmt.Errorf("uncoded error %#v", err)
	}
	for _, s := range secrets {
		if strings.Contains(err.Error(), s) {
			return fmt.Errorf("a secret leaks: %v", err)
		}
	}
	return nil
}
