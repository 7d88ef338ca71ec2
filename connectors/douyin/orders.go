package douyin

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/syncctl/syncctl/connectors"
	"github.com/syncctl/syncctl/domain"
	douyinmap "github.com/syncctl/syncctl/mapping/douyin"
)

// allianceBatch bounds order_ids of one alliance.getOrderList
// (UNCONFIRMED; sandbox/douyin keeps the same).
const allianceBatch = 50

// cursor is where ListOrders is in the window [Start, End] (unix seconds,
// both ends included, as order.searchList reads them). Page is the next
// page to read (from 0), counting down; -1: the window is not sized yet.
//
// Pages are read last first: searchList pages by offset in update order,
// and an order updated while we page leaves the window, moving the later
// ones one place up. Read last first, such a move repeats an order already
// read (a duplicate, harmless) instead of skipping one.
type cursor struct {
	Start, End int64
	Page       int
}

func (k cursor) token() string { return fmt.Sprintf("v1:%d:%d:%d", k.Start, k.End, k.Page) }

func parseCursor(s string) (cursor, error) {
	var k cursor
	parts := strings.Split(s, ":")
	bad := domain.Errorf(domain.EInvalid, "douyin orders: page token %q is not this connector's", s)
	if len(parts) != 4 || parts[0] != "v1" {
		return k, bad
	}
	var err1, err2, err3 error
	k.Start, err1 = strconv.ParseInt(parts[1], 10, 64)
	k.End, err2 = strconv.ParseInt(parts[2], 10, 64)
	k.Page, err3 = strconv.Atoi(parts[3])
	if err1 != nil || err2 != nil || err3 != nil || k.Page < 0 || k.End < k.Start {
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

// ListOrders reads one page of order.searchList for orders updated in
// [From, To): whole seconds, so the inclusive range [ceil(From),
// ceil(To) − 1]. The list carries whole orders; the 精选联盟 commission of
// the promoted lines comes from alliance.getOrderList, one call per 50.
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
			return out, domain.Errorf(domain.EInvalid, "douyin orders: window end %s is not after its start %s", q.To, q.From)
		}
		if q.To.Sub(q.From) > OrderWindowMax {
			return out, domain.Errorf(domain.EInvalid, "douyin orders: window %s exceeds the platform's %s", q.To.Sub(q.From), OrderWindowMax)
		}
		k = cursor{Start: ceilUnix(q.From), End: ceilUnix(q.To) - 1, Page: -1}
		if k.End < k.Start {
			return out, nil // no whole second in the window
		}
	}
	size := q.PageSize
	if size <= 0 || size > c.pageSize {
		size = c.pageSize
	}
	for {
		page := max(k.Page, 0)
		var r struct {
			List  []json.RawMessage `json:"shop_order_list"`
			Total int               `json:"total"`
		}
		in := map[string]any{"update_time_start": k.Start, "update_time_end": k.End, "page": page, "size": size,
			"order_by": "update_time", "order_asc": true}
		if err := c.call(ctx, "order.searchList", in, &r); err != nil {
			return out, err
		}
		if k.Page < 0 && r.Total > size {
			k.Page = (r.Total - 1) / size // sized: read the last page now
			continue
		}
		comm, err := c.commissions(ctx, r.List)
		if err != nil {
			return out, err
		}
		out.Orders, out.Rejected = douyinmap.MapOrders(c.shop, r.List, comm)
		if k.Page > 0 {
			k.Page--
			out.NextPageToken = k.token()
		}
		return out, nil
	}
}

// commissions fetches the 精选联盟 data of every promoted line of the
// orders, by sub order id.
func (c *Channel) commissions(ctx context.Context, raws []json.RawMessage) (map[string]douyinmap.Commission, error) {
	var ids []string
	for _, raw := range raws {
		ids = append(ids, douyinmap.PromotedLines(raw)...)
	}
	out := map[string]douyinmap.Commission{}
	for len(ids) > 0 {
		n := min(len(ids), allianceBatch)
		var r struct {
			Code    string                 `json:"code"`
			CodeMsg string                 `json:"code_msg"`
			Datas   []douyinmap.Commission `json:"datas"`
		}
		if err := c.call(ctx, "alliance.getOrderList", map[string]any{"order_ids": ids[:n]}, &r); err != nil {
			return nil, err
		}
		if r.Code != "" && r.Code != "100000" {
			return nil, unavailable(nil, "alliance.getOrderList: "+r.Code+" "+r.CodeMsg)
		}
		for _, d := range r.Datas {
			out[string(d.OrderID)] = d
		}
		ids = ids[n:]
	}
	return out, nil
}

// GetOrder reads one order with order.orderDetail, with its commissions.
func (c *Channel) GetOrder(ctx context.Context, id string) (domain.SalesOrder, error) {
	var r struct {
		Detail json.RawMessage `json:"shop_order_detail"`
	}
	if err := c.call(ctx, "order.orderDetail", map[string]any{"shop_order_id": id}, &r); err != nil {
		return domain.SalesOrder{}, err
	}
	if len(r.Detail) == 0 || string(r.Detail) == "null" {
		return domain.SalesOrder{}, unavailable(nil, "order.orderDetail: the answer has no order "+id)
	}
	comm, err := c.commissions(ctx, []json.RawMessage{r.Detail})
	if err != nil {
		return domain.SalesOrder{}, err
	}
	return douyinmap.DecodeOrder(c.shop, r.Detail, comm)
}

// Ship sends order.logisticsAdd for the whole order, the carrier mapped to
// the platform's company_code. It is never retried in-process; sent again
// with the same waybill, the platform answers success.
func (c *Channel) Ship(ctx context.Context, s domain.Shipment) error {
	if len(s.Lines) > 0 {
		return domain.Errorf(domain.EInvalid, "douyin order %s: split shipments (order.logisticsAddMultiPack) are not implemented yet; ship the whole order", s.PlatformOrderID)
	}
	if s.TrackingNo == "" {
		return domain.Errorf(domain.EInvalid, "douyin order %s, field tracking_no: required", s.PlatformOrderID)
	}
	company, err := douyinmap.CarrierCode(s.Carrier)
	if err != nil {
		return err
	}
	return c.call(ctx, "order.logisticsAdd", map[string]any{"order_id": s.PlatformOrderID, "company_code": company, "logistics_code": s.TrackingNo}, nil)
}
