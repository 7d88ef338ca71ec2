package vipshop

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/syncctl/syncctl/connectors"
	"github.com/syncctl/syncctl/domain"
	vipmap "github.com/syncctl/syncctl/mapping/vipshop"
)

// cursor is where ListOrders is in a window [From, To] (unix seconds, both
// ends included, as getOrders reads query_start_time/query_end_time:
// UNCONFIRMED, the sandbox reads them the same). Page is the next page to
// read, counting down; 0: the window is not sized yet.
//
// Pages are read last first: getOrders pages by offset in modification
// order, and an order modified while we page leaves the window, moving the
// later ones up a place. Read last first, such a move repeats an order
// already read (harmless) instead of skipping one.
type cursor struct {
	From, To int64
	Page     int
}

func (k cursor) token() string { return fmt.Sprintf("v1:%d:%d:%d", k.From, k.To, k.Page) }

func parseCursor(s string) (cursor, error) {
	var k cursor
	bad := domain.Errorf(domain.EInvalid, "vipshop orders: page token %q is not this connector's", s)
	parts := strings.Split(s, ":")
	if len(parts) != 4 || parts[0] != "v1" {
		return k, bad
	}
	var err1, err2, err3 error
	k.From, err1 = strconv.ParseInt(parts[1], 10, 64)
	k.To, err2 = strconv.ParseInt(parts[2], 10, 64)
	k.Page, err3 = strconv.Atoi(parts[3])
	if err1 != nil || err2 != nil || err3 != nil || k.Page < 1 || k.From > k.To {
		return k, bad
	}
	return k, nil
}

func ceilUnix(t time.Time) int64 {
	s := t.Unix()
	if t.After(time.Unix(s, 0)) {
		s++
	}
	return s
}

func ymd(secs int64) string { return vipmap.FormatTime(time.Unix(secs, 0)) }

// dateTypeModified asks getOrders for orders by last modification (any
// date_type but 1, which is by creation).
const dateTypeModified = 2

// ListOrders reads one page of getOrders for orders modified in [From, To)
// — whole seconds, so [ceil(From), ceil(To) − 1] — and their lines with
// getOrderDetail, with the window's cancellation applications applied (the
// last page also carries the orders of applications getOrders did not
// list: cancel.go). An order that cannot be mapped is reported in Rejected.
func (c *Channel) ListOrders(ctx context.Context, q connectors.OrderQuery) (connectors.OrderPage, error) {
	var out connectors.OrderPage
	var k cursor
	if q.PageToken != "" {
		var err error
		if k, err = parseCursor(q.PageToken); err != nil {
			return out, err
		}
	} else {
		if !q.To.After(q.From) {
			return out, domain.Errorf(domain.EInvalid, "vipshop orders: window end %s is not after its start %s", q.To, q.From)
		}
		if q.To.Sub(q.From) > OrderWindowMax {
			return out, domain.Errorf(domain.EInvalid, "vipshop orders: window %s exceeds the connector's %s", q.To.Sub(q.From), OrderWindowMax)
		}
		k = cursor{From: ceilUnix(q.From), To: ceilUnix(q.To) - 1}
		if k.To < k.From {
			return out, nil
		}
	}
	size := q.PageSize
	if size <= 0 || size > c.pageSize {
		size = c.pageSize
	}
	for {
		page := max(k.Page, 1)
		var r struct {
			Total  json.Number       `json:"total"`
			Orders []json.RawMessage `json:"orders"`
		}
		in := map[string]any{"request": map[string]any{"query_start_time": ymd(k.From), "query_end_time": ymd(k.To),
			"date_type": dateTypeModified, "page": page, "limit": size}}
		if err := c.call(ctx, svcDelivery, "getOrders", in, &r); err != nil {
			return out, err
		}
		total, err := r.Total.Int64()
		if err != nil || total < 0 {
			return out, unavailable(err, "getOrders: the result has no total")
		}
		if k.Page == 0 && total > int64(size) {
			k.Page = int((total + int64(size) - 1) / int64(size)) // sized: read the last page first
			continue
		}
		if out, err = c.mapPage(ctx, r.Orders); err != nil {
			return out, err
		}
		if err := c.applyCancels(ctx, k, &out, k.Page <= 1); err != nil {
			return out, err
		}
		if k.Page > 1 {
			k.Page--
			out.NextPageToken = k.token()
		}
		return out, nil
	}
}

// mapPage reads the lines of a page's orders and maps them.
func (c *Channel) mapPage(ctx context.Context, raws []json.RawMessage) (connectors.OrderPage, error) {
	var out connectors.OrderPage
	var ids []string
	for _, raw := range raws {
		if id := vipmap.OrderID(raw); id != "" {
			ids = append(ids, id)
		}
	}
	lines, err := c.details(ctx, ids)
	if err != nil {
		return out, err
	}
	out.Orders, out.Rejected = vipmap.MapOrders(c.shop, raws, lines)
	return out, nil
}

// details reads the lines of orders with getOrderDetail, maxDetailIDs at a time.
func (c *Channel) details(ctx context.Context, ids []string) (map[string][]vipmap.OrderProduct, error) {
	out := map[string][]vipmap.OrderProduct{}
	for start := 0; start < len(ids); start += maxDetailIDs {
		batch := ids[start:min(start+maxDetailIDs, len(ids))]
		var r []vipmap.OrderDetail
		if err := c.call(ctx, svcDelivery, "getOrderDetail", map[string]any{"order_ids": batch}, &r); err != nil {
			return nil, err
		}
		for _, d := range r {
			out[string(d.OrderID)] = append(out[string(d.OrderID)], d.OrderProducts...)
		}
	}
	return out, nil
}

// GetOrder reads one order: getOrders by order_ids, its lines, and (to
// ship) its cancellation applications.
func (c *Channel) GetOrder(ctx context.Context, id string) (domain.SalesOrder, error) {
	var r struct {
		Orders []json.RawMessage `json:"orders"`
	}
	in := map[string]any{"request": map[string]any{"order_ids": []string{id}, "page": 1, "limit": 1}}
	if err := c.call(ctx, svcDelivery, "getOrders", in, &r); err != nil {
		return domain.SalesOrder{}, err
	}
	for _, raw := range r.Orders {
		if vipmap.OrderID(raw) != id {
			continue
		}
		lines, err := c.details(ctx, []string{id})
		if err != nil {
			return domain.SalesOrder{}, err
		}
		o, err := vipmap.DecodeOrder(c.shop, raw, lines[id])
		if err != nil || o.PlatformStatus != "10" {
			return o, err
		}
		infos, err := c.orderCancels(ctx, id)
		if err != nil {
			return domain.SalesOrder{}, err
		}
		vipmap.ApplyCancel(&o, infos)
		return o, nil
	}
	return domain.SalesOrder{}, &domain.Error{Code: domain.ENotFound, Platform: platformName, Message: "getOrders: no order " + id}
}
