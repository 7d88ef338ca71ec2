package kuaishou

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/syncctl/syncctl/connectors"
	"github.com/syncctl/syncctl/domain"
	kuaishoumap "github.com/syncctl/syncctl/mapping/kuaishou"
)

// The fixed part of an open.order.cursor.list query.
const (
	viewAll = 1 // orderViewStatus 全部
	// sortAsc (2 per the SDK schema; one integrator has 1 and 2 reversed:
	// UNCONFIRMED): oldest update first, so an order updated while the
	// window is paged moves behind the cursor and is read in the same walk,
	// not skipped. Were the meaning reversed, an order updated during the
	// walk still lands after the window's end (the pull lags behind now)
	// and is read by the next window.
	sortAsc     = 2
	queryUpdate = 2 // queryType: by update time
	cpsAll      = 0 // cpsType: normal and distribution orders
	cursorEnd   = "nomore"
)

// pageToken is where ListOrders is: the window in ms and the platform's
// cursor. The window travels in the token so a page never mixes windows.
type pageToken struct {
	From, To int64
	Cursor   string
}

func (t pageToken) String() string { return fmt.Sprintf("v1|%d|%d|%s", t.From, t.To, t.Cursor) }

func parseToken(s string) (pageToken, error) {
	parts := strings.SplitN(s, "|", 4)
	var t pageToken
	var err1, err2 error
	if len(parts) == 4 && parts[0] == "v1" {
		t.From, err1 = strconv.ParseInt(parts[1], 10, 64)
		t.To, err2 = strconv.ParseInt(parts[2], 10, 64)
		t.Cursor = parts[3]
		if err1 == nil && err2 == nil && t.To > t.From && t.Cursor != "" && t.Cursor != cursorEnd {
			return t, nil
		}
	}
	return t, domain.Errorf(domain.EInvalid, "kuaishou orders: page token %q is not this connector's", s)
}

// ListOrders reads one page of open.order.cursor.list: orders updated in
// [From, To] (queryType 2, ms; both ends included as the platform reads
// them, so an order updated exactly at To may come again in the next
// window: a duplicate, never a gap). The window must span at most 7 days
// and start within the last 90; the cursor runs until "nomore".
func (c *Channel) ListOrders(ctx context.Context, q connectors.OrderQuery) (connectors.OrderPage, error) {
	var out connectors.OrderPage
	var t pageToken
	if q.PageToken != "" {
		var err error
		if t, err = parseToken(q.PageToken); err != nil {
			return out, err
		}
	} else {
		switch {
		case !q.To.After(q.From):
			return out, domain.Errorf(domain.EInvalid, "kuaishou orders of shop %s, field to: window end %s is not after its start %s", c.shop, q.To, q.From)
		case q.To.Sub(q.From) > OrderWindowMax:
			return out, domain.Errorf(domain.EInvalid, "kuaishou orders of shop %s, field to: window %s exceeds the platform's %s", c.shop, q.To.Sub(q.From), OrderWindowMax)
		case q.From.Before(c.now().Add(-OrderLookback)):
			return out, domain.Errorf(domain.EInvalid, "kuaishou orders of shop %s, field from: %s is more than %s ago; the platform serves no older orders", c.shop, q.From, OrderLookback)
		}
		t = pageToken{From: q.From.UnixMilli(), To: q.To.UnixMilli()}
	}
	size := c.pageSize
	if q.PageSize > 0 && q.PageSize < size {
		size = q.PageSize
	}
	var r struct {
		Cursor    string            `json:"cursor"`
		OrderList []json.RawMessage `json:"orderList"`
	}
	param := map[string]any{"orderViewStatus": viewAll, "pageSize": size, "sort": sortAsc, "queryType": queryUpdate,
		"beginTime": t.From, "endTime": t.To, "cpsType": cpsAll, "cursor": t.Cursor}
	if err := c.call(ctx, "open.order.cursor.list", param, &r); err != nil {
		return out, err
	}
	out.Orders, out.Rejected = kuaishoumap.MapOrders(c.shop, r.OrderList)
	switch {
	case r.Cursor == "" || r.Cursor == cursorEnd:
	case r.Cursor == t.Cursor:
		return out, unavailable(nil, fmt.Sprintf("open.order.cursor.list: the cursor did not move past %q", t.Cursor))
	default:
		out.NextPageToken = pageToken{From: t.From, To: t.To, Cursor: r.Cursor}.String()
	}
	return out, nil
}

// GetOrder reads one order with open.order.detail.
func (c *Channel) GetOrder(ctx context.Context, oid string) (domain.SalesOrder, error) {
	id, err := kuaishoumap.ParseID("order "+oid, "platform_order_id", oid)
	if err != nil {
		return domain.SalesOrder{}, err
	}
	var raw json.RawMessage
	if err := c.call(ctx, "open.order.detail", map[string]any{"oid": id}, &raw); err != nil {
		return domain.SalesOrder{}, err
	}
	return kuaishoumap.DecodeOrder(c.shop, raw)
}

// Ship sends open.seller.order.goods.deliver. A Kuaishou order holds one
// item and ships whole: lines, when given, must be the order's one line
// (its id is the oid) in full. A retried ship that finds the order shipped
// with the same tracking number is done; it is never retried in-process.
func (c *Channel) Ship(ctx context.Context, s domain.Shipment) error {
	code, err := kuaishoumap.ExpressCode(s)
	if err != nil {
		return err
	}
	rec := "shipment of order " + s.PlatformOrderID
	oid, err := kuaishoumap.ParseID(rec, "platform_order_id", s.PlatformOrderID)
	if err != nil {
		return err
	}
	if strings.TrimSpace(s.TrackingNo) == "" {
		return domain.Errorf(domain.EInvalid, "%s, field tracking_no: required", rec)
	}
	for _, l := range s.Lines {
		if l.PlatformLineID != s.PlatformOrderID {
			return domain.Errorf(domain.ENotFound, "%s, field lines: kuaishou order %s has no line %s (its one line is the order)", rec, s.PlatformOrderID, l.PlatformLineID)
		}
		if l.Quantity > 0 {
			o, err := c.GetOrder(ctx, s.PlatformOrderID)
			if err != nil {
				return err
			}
			if l.Quantity != o.Lines[0].Quantity {
				return domain.Errorf(domain.EInvalid, "%s, field lines: %d of %d units; a kuaishou order ships whole", rec, l.Quantity, o.Lines[0].Quantity)
			}
		}
	}
	err = c.call(ctx, "open.seller.order.goods.deliver", map[string]any{"orderId": oid, "expressNo": s.TrackingNo, "expressCode": code}, nil)
	if domain.ErrorCode(err) != domain.EConflict {
		return err
	}
	shipped, lookErr := c.shippedAs(ctx, oid, s.TrackingNo, code)
	if lookErr == nil && shipped {
		return nil
	}
	return err
}

// shippedAs reports whether the order carries this waybill already.
func (c *Channel) shippedAs(ctx context.Context, oid int64, no string, code int) (bool, error) {
	var o kuaishoumap.Order
	if err := c.call(ctx, "open.order.detail", map[string]any{"oid": oid}, &o); err != nil {
		return false, err
	}
	for _, l := range o.OrderLogisticsInfo {
		if l.ExpressNo == no && l.ExpressCode == code {
			return true, nil
		}
	}
	return false, nil
}
