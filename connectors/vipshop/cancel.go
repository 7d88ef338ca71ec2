package vipshop

import (
	"context"
	"encoding/json"
	"slices"

	"github.com/syncctl/syncctl/connectors"
	"github.com/syncctl/syncctl/domain"
	vipmap "github.com/syncctl/syncctl/mapping/vipshop"
)

// Cancellations through batchGetCancelInfo (SovDeliveryService 1.0.0).
// A buyer's cancellation of an order to ship is an application; while it
// waits for its audit, getOrders still shows the order 10 and does not
// move its modification time, so a pull by modification never sees it.
// ListOrders therefore reads the applications created in its window and
// applies them (vipmap.ApplyCancel: pending → lines cancel_requested,
// approved → cancelled) to the window's to-ship orders, and on the
// window's last page also delivers the orders of applications that
// getOrders did not list, so the ERP hears order.updated. GetOrder applies
// the order's own applications. UNCONFIRMED (one choice, kept with
// sandbox/vipshop): that getOrders does not move while an application
// waits, and cancelPageSize.
//
// An application is found by the window its creation falls in: an order
// to ship modified in a later window (its address changed, say) is mapped
// again without it until a GetOrder or the application's approval
// (getOrders 97) brings it back.
const cancelPageSize = 200

// windowCancels reads every application created in [from, to] (unix
// seconds, both included; at most 24 h, as batchGetCancelInfo takes).
func (c *Channel) windowCancels(ctx context.Context, from, to int64) ([]vipmap.CancelInfo, error) {
	var all []vipmap.CancelInfo
	for page := 1; ; page++ {
		var r struct {
			Total       json.Number         `json:"total"`
			CancelInfos []vipmap.CancelInfo `json:"cancelInfos"`
		}
		in := map[string]any{"request": map[string]any{"start_time": ymd(from), "end_time": ymd(to), "page": page, "limit": cancelPageSize}}
		if err := c.call(ctx, svcDelivery, "batchGetCancelInfo", in, &r); err != nil {
			return nil, err
		}
		all = append(all, r.CancelInfos...)
		total, err := r.Total.Int64()
		if err != nil {
			return nil, unavailable(err, "batchGetCancelInfo: the result has no total")
		}
		if len(r.CancelInfos) < cancelPageSize || int64(page*cancelPageSize) >= total {
			return all, nil
		}
	}
}

// orderCancels reads one order's applications.
func (c *Channel) orderCancels(ctx context.Context, id string) ([]vipmap.CancelInfo, error) {
	var r struct {
		CancelInfos []vipmap.CancelInfo `json:"cancelInfos"`
	}
	in := map[string]any{"request": map[string]any{"order_id": id, "page": 1, "limit": cancelPageSize}}
	if err := c.call(ctx, svcDelivery, "batchGetCancelInfo", in, &r); err != nil {
		return nil, err
	}
	return r.CancelInfos, nil
}

// applyCancels brings a page up to the window's applications: applied to
// the orders on it, and on the last page (last) the orders of applications
// that are not on it, read by id and added.
func (c *Channel) applyCancels(ctx context.Context, k cursor, out *connectors.OrderPage, last bool) error {
	toShip := slices.ContainsFunc(out.Orders, func(o domain.SalesOrder) bool { return o.PlatformStatus == "10" })
	if !toShip && !last {
		return nil
	}
	infos, err := c.windowCancels(ctx, k.From, k.To)
	if err != nil || len(infos) == 0 {
		return err
	}
	on := map[string]bool{}
	for i := range out.Orders {
		vipmap.ApplyCancel(&out.Orders[i], infos)
		on[out.Orders[i].PlatformOrderID] = true
	}
	for _, r := range out.Rejected {
		on[r.PlatformOrderID] = true
	}
	if !last {
		return nil
	}
	var missing []string
	for _, in := range infos {
		id := string(in.OrderID)
		if id != "" && !on[id] && (in.AuditStatus == vipmap.CancelPending || in.AuditStatus == vipmap.CancelApproved) {
			missing, on[id] = append(missing, id), true
		}
	}
	for start := 0; start < len(missing); start += maxDetailIDs {
		batch := missing[start:min(start+maxDetailIDs, len(missing))]
		var r struct {
			Orders []json.RawMessage `json:"orders"`
		}
		in := map[string]any{"request": map[string]any{"order_ids": batch, "page": 1, "limit": len(batch)}}
		if err := c.call(ctx, svcDelivery, "getOrders", in, &r); err != nil {
			return err
		}
		more, err := c.mapPage(ctx, r.Orders)
		if err != nil {
			return err
		}
		for i := range more.Orders {
			vipmap.ApplyCancel(&more.Orders[i], infos)
		}
		out.Orders, out.Rejected = append(out.Orders, more.Orders...), append(out.Rejected, more.Rejected...)
	}
	return nil
}
