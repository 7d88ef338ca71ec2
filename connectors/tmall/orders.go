package tmall

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/syncctl/syncctl/connectors"
	"github.com/syncctl/syncctl/domain"
	tmallmap "github.com/syncctl/syncctl/mapping/tmall"
)

type incrementPage struct {
	TotalResults int  `json:"total_results"`
	HasNext      bool `json:"has_next"`
	Trades       struct {
		Trade []tmallmap.Trade `json:"trade"`
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
		out.Calls++
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
	for _, t := range r.Trades.Trade {
		o, err := tmallmap.TradeToOrder(c.shop, t)
		if err != nil {
			out.Rejected = append(out.Rejected, connectors.RejectedOrder{PlatformOrderID: t.Tid.String(), Reason: err.Error()})
			continue
		}
		out.Orders = append(out.Orders, o)
	}
	if page > 1 {
		out.NextPageToken = fmt.Sprintf("p%d", page-1)
	}
	return out, nil
}
