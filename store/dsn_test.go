package store_test

import (
	"strings"
	"testing"

	"github.com/syncctl/syncctl/store"
)

func TestRedactDSN(t *testing.T) {
	for dsn, want := range map[string]string{
		".syncctl/syncctl.db": ".syncctl/syncctl.db",
		"postgres://syncctl@127.0.0.1:5432/syncctl?sslmode=disable":        "postgres://syncctl@127.0.0.1:5432/syncctl?sslmode=disable",
		"postgres://syncctl:s3cret@127.0.0.1:5432/syncctl?sslmode=disable": "postgres://syncctl:xxxxx@127.0.0.1:5432/syncctl?sslmode=disable",
		"postgresql://u@db/x?password=s3cret&sslmode=require":              "postgresql://u@db/x?password=xxxxx&sslmode=require",
		"host=db user=syncctl password=s3cret dbname=syncctl":              "host=db user=syncctl password=xxxxx dbname=syncctl",
		"host=db password='s3 cret' sslpassword=k3y dbname=syncctl":        "host=db password=xxxxx sslpassword=xxxxx dbname=syncctl",
		"postgres://u:p%zz@db/x":                                           "postgres://(a DSN that does not parse; not shown)",
	} {
		got := store.RedactDSN(dsn)
		if got != want {
			t.Errorf("RedactDSN(%q) = %q, want %q", dsn, got, want)
		}
		if strings.Contains(got, "s3") || strings.Contains(got, "k3y") {
			t.Errorf("RedactDSN(%q) = %q leaks the password", dsn, got)
		}
		if store.DSNHasPassword(dsn) != (got != dsn) {
			t.Errorf("DSNHasPassword(%q) = %v", dsn, store.DSNHasPassword(dsn))
		}
	}
}
