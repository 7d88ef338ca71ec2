package jd

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/syncctl/syncctl/connectors"
	"github.com/syncctl/syncctl/domain"
	jdmap "github.com/syncctl/syncctl/mapping/jd"
)

// dateTypeModified asks pop.order.search for orders by modification time.
// UNCONFIRMED: integrators read dateType 1 as creation time and any other
// value as modification time; sandbox/jd follows the same reading.
const dateTypeModified = 0

// searchResult is pop.order.search's searchorderinfo_result. Orders stay
// raw: one order in an unexpected shape is rejected on its own.
type searchResult struct {
	APIResult     result            `json:"apiResult"`
	OrderInfoList []json.RawMessage `json:"orderInfoList"`
	OrderTotal    int               `json:"orderTotal"`
}

func ceilSecond(t time.Time) time.Time {
	s := t.Truncate(time.Second)
	if t.After(s) {
		s = s.Add(time.Second)
	}
	return s
}

// ListOrders reads one page of jingdong.pop.order.search for orders
// modified in [From, To). JOS times are whole seconds and start_date /
// end_date are both included (UNCONFIRMED; the sandbox reads them so), so
// the query is [ceil(From), ceil(To) − 1s].
//
// Pages are read last first, as TOP's connector does: an order modified
// while the window is paged leaves it and the orders behind it move up a
// place, so reading forwards would skip one; backwards it repeats one (a
// duplicate the pull dedupes). The first call reads page 1 for
// orderTotal; when more pages exist it reads the last one, and the page
// token "p<N>" names the next (lower) page down to 1.
func (c *Channel) ListOrders(ctx context.Context, q connectors.OrderQuery) (connectors.OrderPage, error) {
	var out connectors.OrderPage
	if !q.To.After(q.From) {
		return out, domain.Errorf(domain.EInvalid, "jd orders: window end %s is not after its start %s", q.To, q.From)
	}
	if q.To.Sub(q.From) > OrderWindowMax {
		return out, domain.Errorf(domain.EInvalid, "jd orders: window %s exceeds the connector's %s", q.To.Sub(q.From), OrderWindowMax)
	}
	start, end := ceilSecond(q.From), ceilSecond(q.To).Add(-time.Second)
	if end.Before(start) {
		return out, nil // no whole second in the window
	}
	size := q.PageSize
	if size <= 0 || size > c.pageSize {
		size = c.pageSize
	}
	fetch := func(page int) (searchResult, error) {
		var r struct {
			Result searchResult `json:"searchorderinfo_result"`
		}
		err := c.call(ctx, "jingdong.pop.order.search", map[string]any{"start_date": jdmap.FormatTime(start), "end_date": jdmap.FormatTime(end),
			"order_state": strings.Join(jdmap.States, ","), "optional_fields": jdmap.OrderFields, "dateType": dateTypeModified,
			"page": strconv.Itoa(page), "page_size": strconv.Itoa(size)}, &r)
		if err == nil {
			err = r.Result.APIResult.err("jingdong.pop.order.search")
		}
		return r.Result, err
	}
	page := 1
	if q.PageToken != "" {
		n, err := strconv.Atoi(strings.TrimPrefix(q.PageToken, "p"))
		if err != nil || n < 1 || !strings.HasPrefix(q.PageToken, "p") {
			return out, domain.Errorf(domain.EInvalid, "jd orders: page token %q is not this connector's", q.PageToken)
		}
		page = n
	}
	r, err := fetch(page)
	if err != nil {
		return out, err
	}
	if q.PageToken == "" {
		if last := (r.OrderTotal + size - 1) / size; last > 1 {
			page = last
			if r, err = fetch(page); err != nil {
				return out, err
			}
		}
	}
	out.Orders, out.Rejected = jdmap.MapOrders(c.shop, r.OrderInfoList)
	if page > 1 {
		out.NextPageToken = fmt.Sprintf("p%d", page-1)
	}
	return out, nil
}

// GetOrder reads one order with jingdong.pop.order.get.
func (c *Channel) GetOrder(ctx context.Context, orderID string) (domain.SalesOrder, error) {
	id, err := number("order "+orderID, "order_id", orderID)
	if err != nil {
		return domain.SalesOrder{}, err
	}
	var r struct {
		Detail struct {
			APIResult result          `json:"apiResult"`
			OrderInfo json.RawMessage `json:"orderInfo"`
		} `json:"orderDetailInfo"`
	}
	const method = "jingdong.pop.order.get"
	if err := c.call(ctx, method, map[string]any{"order_id": id, "optional_fields": jdmap.OrderFields,
		"order_state": strings.Join(jdmap.States, ",")}, &r); err != nil {
		return domain.SalesOrder{}, err
	}
	if err := r.Detail.APIResult.err(method); err != nil {
		return domain.SalesOrder{}, err
	}
	if len(r.Detail.OrderInfo) == 0 || string(r.Detail.OrderInfo) == "null" {
		return domain.SalesOrder{}, &domain.Error{Code: domain.ENotFound, Platform: "jd", Message: method + ": no order " + orderID}
	}
	return jdmap.DecodeOrder(c.shop, r.Detail.OrderInfo)
}

// Ship sends jingdong.pop.order.shipment (SOP 出库): the whole order with
// one waybill, the carrier mapped through mapping/jd's table. It is never
// retried in-process (see idempotent).
func (c *Channel) Ship(ctx context.Context, s domain.Shipment) error {
	rec := "order " + s.PlatformOrderID
	id, err := number(rec, "orderId", s.PlatformOrderID)
	if err != nil {
		return err
	}
	if len(s.Lines) > 0 {
		return domain.Errorf(domain.EInvalid, "jd: %s, field lines: pop.order.shipment ships whole orders; a split shipment is not supported", rec)
	}
	if strings.TrimSpace(s.TrackingNo) == "" {
		return domain.Errorf(domain.EInvalid, "jd: %s, field tracking_no: required", rec)
	}
	carrier, err := jdmap.CarrierID(s.PlatformOrderID, s.Carrier)
	if err != nil {
		return err
	}
	const method = "jingdong.pop.order.shipment"
	var r struct {
		Result result `json:"sopjosshipment_result"`
	}
	if err := c.call(ctx, method, map[string]any{"orderId": id, "logiCoprId": carrier, "logiNo": s.TrackingNo}, &r); err != nil {
		return err
	}
	return r.Result.err(method)
}
