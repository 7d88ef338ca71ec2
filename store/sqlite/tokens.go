package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/syncctl/syncctl/connectors"
	"github.com/syncctl/syncctl/domain"
)

// Shop tokens (connectors.TokenStore). Access and refresh tokens are stored
// as they are: the database file is created readable by its owner only
// (0600), like the orders it holds. Claim and save are each one conditional
// statement inside a BEGIN IMMEDIATE transaction, so two processes on the
// same file cannot both hold a shop's refresh lease.

const tokenColumns = `access, refresh, expires, refresh_expires, version`

func scanToken(row interface{ Scan(...any) error }) (connectors.Token, error) {
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
func loadToken(ctx context.Context, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}, shop domain.ShopRef) (connectors.Token, bool, error) {
	tok, err := scanToken(q.QueryRowContext(ctx, `SELECT `+tokenColumns+` FROM shop_tokens
		WHERE channel = ? AND shop = ? AND version > 0`, shop.Channel, shop.Shop))
	if errors.Is(err, sql.ErrNoRows) {
		return connectors.Token{}, false, nil
	}
	if err != nil {
		return connectors.Token{}, false, err
	}
	return tok, true, nil
}

// LoadToken returns the shop's stored token.
func (d *DB) LoadToken(ctx context.Context, shop domain.ShopRef) (connectors.Token, bool, error) {
	return loadToken(ctx, d.db, shop)
}

// ClaimRefresh takes the shop's refresh lease for holder unless another
// holder's lease is live, and returns the current token either way.
func (d *DB) ClaimRefresh(ctx context.Context, shop domain.ShopRef, holder string, lease time.Duration) (tok connectors.Token, ok, claimed bool, err error) {
	if err := connectors.CheckLease(ctx, shop, holder, lease); err != nil {
		return connectors.Token{}, false, false, err
	}
	err = d.tx(ctx, func(tx *sql.Tx) error {
		now := d.now()
		res, err := tx.ExecContext(ctx, `INSERT INTO shop_tokens (channel, shop, lease_holder, lease_until, updated_at)
			VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (channel, shop) DO UPDATE SET lease_holder = excluded.lease_holder,
				lease_until = excluded.lease_until, updated_at = excluded.updated_at
			WHERE shop_tokens.lease_holder IN ('', excluded.lease_holder) OR shop_tokens.lease_until <= ?`,
			shop.Channel, shop.Shop, holder, now.Add(lease).UnixMilli(), now.UnixMilli(), now.UnixMilli())
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return err
		}
		claimed = n == 1
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
	err := d.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE shop_tokens SET access = ?, refresh = ?, expires = ?, refresh_expires = ?,
				version = version + 1, lease_holder = '', lease_until = 0, updated_at = ?
			WHERE channel = ? AND shop = ? AND lease_holder = ?`,
			tok.Access.Reveal(), tok.Refresh.Reveal(), ms(tok.Expires), ms(tok.RefreshExpires), ms(d.now()),
			shop.Channel, shop.Shop, holder)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return connectors.LeaseLost(shop, holder)
		}
		var ok bool
		saved, ok, err = loadToken(ctx, tx, shop)
		if err == nil && !ok {
			err = internal("token of shop %s: not found after save", shop)
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
	return d.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE shop_tokens SET lease_holder = '', lease_until = 0, updated_at = ?
			WHERE channel = ? AND shop = ? AND lease_holder = ?`, ms(d.now()), shop.Channel, shop.Shop, holder)
		return err
	})
}
