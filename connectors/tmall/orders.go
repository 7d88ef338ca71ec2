package tmall

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/syncctl/syncctl/connectors"
	"github.com/syncctl/syncctl/domain"
	tmallmap "github.com/syncctl/syncctl/mapping/tmall"
)

// incrementPage keeps each trade raw: one trade TOP sends in a shape we do
// not expect is rejected on its own instead of failing the page (and, with
// it, the shop's whole order pull).
type incrementPage struct {
	TotalResults int  `json:"total_results"`
	HasNext      bool `json:"has_next"`
	Trades       struct {
		Trade []json.RawMessage `json:"trade"`
	} `json:"trades"`
}

// ListOrders pages taobao.trades.sold.increment.get over one window.
//
// TOP sorts by modified descending, so while we read, orders modified again
// leave the window and everything behind them shifts forward: reading
// forwards would skip orders. We read backwards instead. The first call
// probes page 1 for total_results; if everything fits, that page is the
// answer. Otherwise it fetches the last page and the page token is "p<N>",
// the next (lower) page to read, down to page 1.
func (c *Channel) ListOrders(ctx context.Context, q connectors.OrderQuery) (connectors.OrderPage, error) {
	var out connectors.OrderPage
	if !q.To.After(q.From) {
		return out, domain.Errorf(domain.EInvalid, "tmall orders: window end %s is not after its start %s", q.To, q.From)
	}
	if q.To.Sub(q.From) > c.Capabilities().OrderWindowMax {
		return out, domain.Errorf(domain.EInvalid, "tmall orders: window %s exceeds TOP's 1 day", q.To.Sub(q.From))
	}
	size := q.PageSize
	if size <= 0 || size > 100 {
		size = 100
	}
	fetch := func(page int) (incrementPage, error) {
		var r incrementPage
		err := c.call(ctx, "taobao.trades.sold.increment.get", map[string]string{
			"fields": tmallmap.TradeFields, "start_modified": tmallmap.FormatTime(q.From), "end_modified": tmallmap.FormatTime(q.To),
			"page_no": strconv.Itoa(page), "page_size": strconv.Itoa(size)}, &r)
		return r, err
	}
	var page int
	var r incrementPage
	var err error
	if q.PageToken == "" {
		if r, err = fetch(1); err != nil {
			return out, err
		}
		last := (r.TotalResults + size - 1) / size
		if last > 1 {
			if r, err = fetch(last); err != nil {
				return out, err
			}
			page = last
		} else {
			page = 1
		}
	} else {
		n, err := strconv.Atoi(strings.TrimPrefix(q.PageToken, "p"))
		if err != nil || n < 1 || !strings.HasPrefix(q.PageToken, "p") {
			return out, domain.Errorf(domain.EInvalid, "tmall orders: bad page token %q", q.PageToken)
		}
		page = n
		if r, err = fetch(page); err != nil {
			return out, err
		}
	}
	out.Orders, out.Rejected = tmallmap.MapTrades(c.shop, r.Trades.Trade)
	if page > 1 {
		out.NextPageToken = fmt.Sprintf("p%d", page-1)
	}
	return out, nil
}

// GetOrder reads one trade with taobao.trade.fullinfo.get.
func (c *Channel) GetOrder(ctx context.Context, tid string) (domain.SalesOrder, error) {
	var r struct {
		Trade json.RawMessage `json:"trade"`
	}
	if err := c.call(ctx, "taobao.trade.fullinfo.get", map[string]string{"tid": tid, "fields": tmallmap.TradeFields}, &r); err != nil {
		return domain.SalesOrder{}, err
	}
	if len(r.Trade) == 0 {
		return domain.SalesOrder{}, unavailable(nil, "taobao.trade.fullinfo.get: response has no trade "+tid)
	}
	return tmallmap.DecodeTrade(c.shop, r.Trade)
}

// Ship sends taobao.logistics.offline.send, split by sub order (TOP ships
// whole sub orders: a line's quantity is not sent) when Lines are given.
// It is never retried in-process (see idempotent).
func (c *Channel) Ship(ctx context.Context, s domain.Shipment) error {
	params := map[string]string{"tid": s.PlatformOrderID, "out_sid": s.TrackingNo, "company_code": s.Carrier}
	if len(s.Lines) > 0 {
		subs := make([]string, len(s.Lines))
		for i, l := range s.Lines {
			subs[i] = l.PlatformLineID
		}
		params["sub_tid"] = strings.Join(subs, ",")
		params["is_split"] = "1"
	}
	return c.call(ctx, "taobao.logistics.offline.send", params, nil)
}
