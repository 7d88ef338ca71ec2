package wechat

import (
	"context"
	"encoding/json"
	"time"

	"github.com/syncctl/syncctl/connectors"
	"github.com/syncctl/syncctl/domain"
	wechatmap "github.com/syncctl/syncctl/mapping/wechat"
)

// ListOrders reads one page of order/list/get by update_time_range (ids
// only) and each order with order/get. The page token is the platform's
// next_key. An order that cannot be mapped is reported in Rejected.
func (c *Channel) ListOrders(ctx context.Context, q connectors.OrderQuery) (connectors.OrderPage, error) {
	var out connectors.OrderPage
	if !q.To.After(q.From) {
		return out, domain.Errorf(domain.EInvalid, "wechat_shop orders: window end %s is not after its start %s", q.To, q.From)
	}
	if q.To.Sub(q.From) > OrderWindowMax {
		return out, domain.Errorf(domain.EInvalid, "wechat_shop orders: window %s exceeds the platform's %s", q.To.Sub(q.From), OrderWindowMax)
	}
	// Orders carry whole seconds: [ceil(From), ceil(To)) holds the same orders.
	start, end := ceilUnix(q.From), ceilUnix(q.To)
	if start == end {
		return out, nil
	}
	size := q.PageSize
	if size <= 0 || size > orderPageSize {
		size = orderPageSize
	}
	in := map[string]any{"update_time_range": map[string]int64{"start_time": start, "end_time": end}, "page_size": size}
	if q.PageToken != "" {
		in["next_key"] = q.PageToken
	}
	var r struct {
		OrderIDs []json.Number `json:"order_id_list"`
		NextKey  string        `json:"next_key"`
		HasMore  bool          `json:"has_more"`
	}
	if err := c.call(ctx, "order/list/get", in, &r); err != nil {
		return out, err
	}
	if r.HasMore && r.NextKey == "" {
		return out, unavailable(nil, "order/list/get: has_more without a next_key")
	}
	for _, id := range r.OrderIDs {
		o, err := c.GetOrder(ctx, id.String())
		switch {
		case domain.ErrorCode(err) == domain.EInvalid && !isPlatformError(err):
			out.Rejected = append(out.Rejected, connectors.RejectedOrder{PlatformOrderID: id.String(), Reason: err.Error()})
		case err != nil:
			return connectors.OrderPage{}, err
		default:
			out.Orders = append(out.Orders, o)
		}
	}
	if r.HasMore {
		out.NextPageToken = r.NextKey
	}
	return out, nil
}

// isPlatformError reports an error answer of the platform (it has a code),
// as opposed to a mapping error of ours.
func isPlatformError(err error) bool {
	de, ok := err.(*domain.Error)
	return ok && de.PlatformCode != ""
}

func ceilUnix(t time.Time) int64 {
	s := t.Unix()
	if t.After(time.Unix(s, 0)) {
		s++
	}
	return s
}

// GetOrder reads one order with order/get.
func (c *Channel) GetOrder(ctx context.Context, id string) (domain.SalesOrder, error) {
	var raw json.RawMessage
	if err := c.call(ctx, "order/get", map[string]string{"order_id": id}, &raw); err != nil {
		return domain.SalesOrder{}, err
	}
	return wechatmap.DecodeOrder(c.shop, raw)
}

// Ship sends order/delivery/send with the carrier's delivery_id
// (wechatmap.Carriers): the whole order, or the lines given, whose product
// and SKU ids are read from the order (order/get). It is never retried
// in-process; a parcel sent again with the same waybill is accepted by the
// platform as done.
func (c *Channel) Ship(ctx context.Context, s domain.Shipment) error {
	var o domain.SalesOrder
	// The carrier and waybill are checked before any call.
	if _, err := wechatmap.DeliveryRequest(domain.Shipment{PlatformOrderID: s.PlatformOrderID, Carrier: s.Carrier, TrackingNo: s.TrackingNo}, o); err != nil {
		return err
	}
	if len(s.Lines) > 0 {
		var err error
		if o, err = c.GetOrder(ctx, s.PlatformOrderID); err != nil {
			return err
		}
	}
	body, err := wechatmap.DeliveryRequest(s, o)
	if err != nil {
		return err
	}
	return c.call(ctx, "order/delivery/send", body, nil)
}
