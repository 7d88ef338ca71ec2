package fake

import (
	"context"
	"encoding/json"
	"time"

	"github.com/syncctl/syncctl/connectors"
	"github.com/syncctl/syncctl/domain"
	fakemap "github.com/syncctl/syncctl/mapping/fake"
)

// ListOrders reads one page of order.list. The platform orders by
// modification time and walks with its own cursor (after the last order
// sent), so orders modified while we page are never skipped; the page
// token is that cursor.
func (c *Channel) ListOrders(ctx context.Context, q connectors.OrderQuery) (connectors.OrderPage, error) {
	var out connectors.OrderPage
	if !q.To.After(q.From) {
		return out, domain.Errorf(domain.EInvalid, "fake orders: window end %s is not after its start %s", q.To, q.From)
	}
	// Orders carry whole seconds, so [From, To) holds the same orders as
	// [ceil(From), ceil(To)), which is never longer than the cap when the
	// window is not.
	start, end := ceilUnix(q.From), ceilUnix(q.To)
	if q.To.Sub(q.From) > c.windowMax {
		return out, domain.Errorf(domain.EInvalid, "fake orders: window %s exceeds the platform's %s", q.To.Sub(q.From), c.windowMax)
	}
	if start == end {
		return out, nil // no whole second in the window
	}
	size := q.PageSize
	if size <= 0 || size > c.pageSize {
		size = c.pageSize
	}
	var r struct {
		Orders     []json.RawMessage `json:"orders"`
		HasMore    bool              `json:"has_more"`
		NextCursor string            `json:"next_cursor"`
	}
	err := c.call(ctx, "order.list", map[string]any{"start_time": start, "end_time": end, "cursor": q.PageToken, "page_size": size}, &r)
	if err != nil {
		return out, err
	}
	if r.HasMore && r.NextCursor == "" {
		return out, unavailable(nil, "order.list: has_more without a next_cursor")
	}
	out.Orders, out.Rejected = fakemap.MapOrders(c.shop, r.Orders)
	if r.HasMore {
		out.NextPageToken = r.NextCursor
	}
	return out, nil
}

func ceilUnix(t time.Time) int64 {
	s := t.Unix()
	if t.After(time.Unix(s, 0)) {
		s++
	}
	return s
}

// GetOrder reads one order with order.get.
func (c *Channel) GetOrder(ctx context.Context, id string) (domain.SalesOrder, error) {
	var r struct {
		Order json.RawMessage `json:"order"`
	}
	if err := c.call(ctx, "order.get", map[string]string{"order_id": id}, &r); err != nil {
		return domain.SalesOrder{}, err
	}
	if len(r.Order) == 0 || string(r.Order) == "null" {
		return domain.SalesOrder{}, unavailable(nil, "order.get: the answer has no order "+id)
	}
	return fakemap.DecodeOrder(c.shop, r.Order)
}

// Ship sends order.ship: the whole order, or the lines given (the platform
// ships whole lines; a line's quantity is passed on for it to check). It
// is never retried in-process (see idempotent).
func (c *Channel) Ship(ctx context.Context, s domain.Shipment) error {
	type line struct {
		LineID   string `json:"line_id"`
		Quantity int    `json:"quantity,omitempty"`
	}
	in := struct {
		OrderID    string `json:"order_id"`
		Carrier    string `json:"carrier"`
		TrackingNo string `json:"tracking_no"`
		Lines      []line `json:"lines,omitempty"`
	}{OrderID: s.PlatformOrderID, Carrier: s.Carrier, TrackingNo: s.TrackingNo}
	for _, l := range s.Lines {
		in.Lines = append(in.Lines, line{LineID: l.PlatformLineID, Quantity: l.Quantity})
	}
	return c.call(ctx, "order.ship", in, nil)
}
