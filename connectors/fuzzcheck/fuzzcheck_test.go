package fuzzcheck_test

import (
	"testing"

	"github.com/syncctl/syncctl/connectors/fuzzcheck"
)

func TestHolds(t *testing.T) {
	body := []byte(`{"item":{"num_iid":5123,"skus":[{"outer_id":"P1-0"}]}}`)
	if err := fuzzcheck.Holds(body, "5123", "P1-0"); err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]struct {
		body   string
		values []string
	}{
		"a value it lacks": {string(body), []string{"P1-1"}},
		"an empty value":   {string(body), []string{""}},
		"not JSON":         {`{"item":`, []string{"5123"}},
		"data after JSON":  {string(body) + `{}`, []string{"5123"}},
	} {
		if err := fuzzcheck.Holds([]byte(c.body), c.values...); err == nil {
			t.Errorf("%s: held", name)
		}
	}
}
