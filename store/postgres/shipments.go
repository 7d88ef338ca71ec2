package postgres

import (
	"context"
	"encoding/json"

	"github.com/jackc/pgx/v5"

	"github.com/syncctl/syncctl/domain"
)

// RecordShipment keeps a shipment and the platform's answer, by order and
// tracking number (a later answer replaces an earlier one).
func (d *DB) RecordShipment(ctx context.Context, r domain.ShipmentRecord) error {
	if r.Shop.Channel == "" || r.PlatformOrderID == "" || r.TrackingNo == "" {
		return domain.Errorf(domain.EInvalid, "shipment: shop, order id and tracking number are required")
	}
	doc, err := json.Marshal(r.Shipment)
	if err != nil {
		return err
	}
	_, err = d.exec(ctx, `INSERT INTO shipments (channel, shop, platform_order_id, tracking_no, doc, status, error, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (channel, shop, platform_order_id, tracking_no) DO UPDATE SET
		doc = excluded.doc, status = excluded.status, error = excluded.error, updated_at = excluded.updated_at`,
		r.Shop.Channel, r.Shop.Shop, r.PlatformOrderID, r.TrackingNo, string(doc), string(r.Status), r.Error, ms(r.UpdatedAt))
	return err
}

// Shipments lists an order's shipments, oldest answer first.
func (d *DB) Shipments(ctx context.Context, shop domain.ShopRef, orderID string) ([]domain.ShipmentRecord, error) {
	rows, _ := d.pool.Query(ctx, `SELECT doc, status, error, updated_at FROM shipments WHERE channel = $1 AND shop = $2 AND platform_order_id = $3
		ORDER BY updated_at, tracking_no`, shop.Channel, shop.Shop, orderID)
	return collect(rows, func(r pgx.CollectableRow) (domain.ShipmentRecord, error) {
		var rec domain.ShipmentRecord
		var doc, status string
		var at int64
		if err := r.Scan(&doc, &status, &rec.Error, &at); err != nil {
			return rec, err
		}
		if err := json.Unmarshal([]byte(doc), &rec.Shipment); err != nil {
			return rec, internal("stored shipment: %v", err)
		}
		rec.Status, rec.UpdatedAt = domain.ShipmentStatus(status), fromMS(at)
		return rec, nil
	})
}
