package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/syncctl/syncctl/store"
)

func init() {
	store.RegisterDriver("postgres", store.Driver{
		Open:         func(ctx context.Context, dsn string) (store.Store, error) { return Open(ctx, dsn) },
		OpenReadOnly: func(ctx context.Context, dsn string) (store.Store, error) { return OpenReadOnly(ctx, dsn) },
		Identity:     Identity,
	})
}

// Identity names the database a DSN points at (host:port/database, the
// environment's PG* defaults applied), the same for a URL and key=value
// pairs and whatever the password: two workers on one database say so.
func Identity(dsn string) string {
	cfg, err := pgconn.ParseConfig(dsn)
	if err != nil {
		return store.RedactDSN(dsn)
	}
	return fmt.Sprintf("%s:%d/%s", cfg.Host, cfg.Port, cfg.Database)
}
