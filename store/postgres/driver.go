package postgres

import (
	"context"

	"github.com/syncctl/syncctl/store"
)

func init() {
	store.RegisterDriver("postgres", store.Driver{
		Open:         func(ctx context.Context, dsn string) (store.Store, error) { return Open(ctx, dsn) },
		OpenReadOnly: func(ctx context.Context, dsn string) (store.Store, error) { return OpenReadOnly(ctx, dsn) },
	})
}
