package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/syncctl/syncctl/connectors"
	"github.com/syncctl/syncctl/domain"
)

// Shop tokens (connectors.TokenStore). Tokens are stored as they are:
// grant the database to syncctl's role only. Claim and save are each one
// conditional statement (an upsert whose WHERE is checked against the row
// as it stands once locked), so two workers cannot both hold a shop's
// refresh lease.

const tokenColumns = `access, refresh, expires, refresh_expires, version`

func scanToken(row pgx.Row) (connectors.Token, error) {
	var tok connectors.Token
	var access, refresh string
	var expires, refreshExpires int64
	if err := row.Scan(&access, &refresh, &expires, &refreshExpires, &tok.Version); err != nil {
		return connectors.Token{}, err
	}
	tok.Access, tok.Refresh = connectors.Secret(access), connectors.Secret(refresh)
	tok.Expires, tok.RefreshExpires = fromMS(expires), fromMS(refreshExpires)
	return tok, nil
}

// loadToken reads the shop's token; a row holding only a lease (version 0)
// is no token.
func loadToken(ctx context.Context, q querier, shop domain.ShopRef) (connectors.Token, bool, error) {
	tok, err := scanToken(q.QueryRow(ctx, `SELECT `+tokenColumns+` FROM shop_tokens
		WHERE channel = $1 AND shop = $2 AND version > 0`, shop.Channel, shop.Shop))
	if errors.Is(err, pgx.ErrNoRows) {
		return connectors.Token{}, false, nil
	}
	if err != nil {
		return connectors.Token{}, false, err
	}
	return tok, true, nil
}

// LoadToken returns the shop's stored token.
func (d *DB) LoadToken(ctx context.Context, shop domain.ShopRef) (connectors.Token, bool, error) {
	return loadToken(ctx, d.pool, shop)
}

// ClaimRefresh takes the shop's refresh lease for holder unless another
// holder's lease is live, and returns the current token either way.
func (d *DB) ClaimRefresh(ctx context.Context, shop domain.ShopRef, holder string, lease time.Duration) (tok connectors.Token, ok, claimed bool, err error) {
	if err := connectors.CheckLease(ctx, shop, holder, lease); err != nil {
		return connectors.Token{}, false, false, err
	}
	err = d.tx(ctx, func(tx pgx.Tx) error {
		now := d.now()
		tag, err := tx.Exec(ctx, `INSERT INTO shop_tokens (channel, shop, lease_holder, lease_until, updated_at)
			VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (channel, shop) DO UPDATE SET lease_holder = excluded.lease_holder,
				lease_until = excluded.lease_until, updated_at = excluded.updated_at
			WHERE shop_tokens.lease_holder IN ('', excluded.lease_holder) OR shop_tokens.lease_until <= $5`,
			shop.Channel, shop.Shop, holder, now.Add(lease).UnixMilli(), now.UnixMilli())
		if err != nil {
			return err
		}
		claimed = tag.RowsAffected() == 1
		tok, ok, err = loadToken(ctx, tx, shop)
		return err
	})
	if err != nil {
		return connectors.Token{}, false, false, err
	}
	return tok, ok, claimed, nil
}

// SaveToken stores a token minted under holder's lease and releases the
// lease; EConflict when holder does not hold it.
func (d *DB) SaveToken(ctx context.Context, shop domain.ShopRef, holder string, tok connectors.Token) (connectors.Token, error) {
	if err := connectors.CheckTokenSave(ctx, shop, holder, tok); err != nil {
		return connectors.Token{}, err
	}
	var saved connectors.Token
	err := d.tx(ctx, func(tx pgx.Tx) error {
		var err error
		saved, err = scanToken(tx.QueryRow(ctx, `UPDATE shop_tokens SET access = $1, refresh = $2, expires = $3, refresh_expires = $4,
				version = version + 1, lease_holder = '', lease_until = 0, updated_at = $5
			WHERE channel = $6 AND shop = $7 AND lease_holder = $8 RETURNING `+tokenColumns,
			tok.Access.Reveal(), tok.Refresh.Reveal(), ms(tok.Expires), ms(tok.RefreshExpires), ms(d.now()),
			shop.Channel, shop.Shop, holder))
		if errors.Is(err, pgx.ErrNoRows) {
			return connectors.LeaseLost(shop, holder)
		}
		return err
	})
	if err != nil {
		return connectors.Token{}, err
	}
	return saved, nil
}

// ReleaseRefresh drops holder's lease, if it holds it.
func (d *DB) ReleaseRefresh(ctx context.Context, shop domain.ShopRef, holder string) error {
	_, err := d.exec(ctx, `UPDATE shop_tokens SET lease_holder = '', lease_until = 0, updated_at = $1
		WHERE channel = $2 AND shop = $3 AND lease_holder = $4`, ms(d.now()), shop.Channel, shop.Shop, holder)
	return err
}
