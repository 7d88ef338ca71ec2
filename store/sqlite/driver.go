package sqlite

import (
	"context"

	"github.com/syncctl/syncctl/store"
)

func init() {
	store.RegisterDriver("sqlite", func(ctx context.Context, dsn string) (store.Store, error) { return Open(ctx, dsn) })
}
