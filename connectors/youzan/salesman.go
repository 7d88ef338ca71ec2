package youzan

import (
	"context"
	"sync"
	"time"

	"github.com/syncctl/syncctl/connectors"
	youzanmap "github.com/syncctl/syncctl/mapping/youzan"
)

// 分销员 orders (channels.md §2.8): a trade names no salesman, so each
// page of orders is joined with youzan.salesman.trades.get 3.0.1 records
// by order number.
const salesmanAPI = "youzan.salesman.trades.get"

// Limits of salesman.trades.get: page_size ≤ 100, page_no × page_size ≤
// 3200.
const (
	salesmanPageSize = 100
	salesmanMaxRows  = 3200
)

type salesmanPage struct {
	List  []youzanmap.SalesmanTrade `json:"list"`
	Total int                       `json:"total"`
}

// promote sets the CPS of the page's orders sold by a 分销员. One query
// covers the page's created times (start_time/end_time are unix seconds;
// UNCONFIRMED that they filter by order creation, and the doc's note that
// end_time reaches 24 h further only widens the answer: records are
// matched by order_no). When that window holds more records than it is
// worth paging (beyond the 3200 cap, or more pages than the page has
// orders), each order is asked by order_no instead. An order whose record
// cannot be mapped is rejected, naming the field.
//
// The records of a window read whole serve the next pages for windowTTL,
// but only when the page's orders were all updated (so created) more than
// a second before now (updatedTo, unix seconds): no order can still be
// created inside such a window.
func (c *Channel) promote(ctx context.Context, page *connectors.OrderPage, updatedTo int64) error {
	if len(page.Orders) == 0 {
		return nil
	}
	lo, hi := page.Orders[0].CreatedAt.Unix(), page.Orders[0].CreatedAt.Unix()
	tids := make([]string, 0, len(page.Orders))
	for _, o := range page.Orders {
		lo, hi = min(lo, o.CreatedAt.Unix()), max(hi, o.CreatedAt.Unix())
		tids = append(tids, o.PlatformOrderID)
	}
	cacheable := updatedTo < time.Now().Unix()-1
	recs, fresh := c.salesmen.get(lo, hi)
	fresh = fresh && cacheable
	for no := 1; !fresh; no++ {
		var r salesmanPage
		if err := c.call(ctx, salesmanAPI, map[string]any{"start_time": lo, "end_time": hi, "page_no": no, "page_size": salesmanPageSize}, &r); err != nil {
			return err
		}
		pages := (r.Total + salesmanPageSize - 1) / salesmanPageSize
		if no == 1 && (r.Total > salesmanMaxRows || pages-1 > len(tids)) {
			var err error
			if recs, err = c.salesmanByOrder(ctx, tids); err != nil {
				return err
			}
			break
		}
		if no == 1 {
			recs = map[string]youzanmap.SalesmanTrade{}
		}
		for _, t := range r.List {
			recs[t.OrderNo] = t
		}
		if no >= pages || len(r.List) == 0 {
			if cacheable {
				c.salesmen.put(lo, hi, recs)
			}
			break
		}
	}
	kept := page.Orders[:0]
	for _, o := range page.Orders {
		if t, ok := recs[o.PlatformOrderID]; ok {
			if err := youzanmap.ApplySalesman(&o, t); err != nil {
				page.Rejected = append(page.Rejected, connectors.RejectedOrder{PlatformOrderID: o.PlatformOrderID, Reason: err.Error()})
				continue
			}
		}
		kept = append(kept, o)
	}
	page.Orders = kept
	return nil
}

// salesmanByOrder asks the record of each order by order_no.
func (c *Channel) salesmanByOrder(ctx context.Context, tids []string) (map[string]youzanmap.SalesmanTrade, error) {
	recs := map[string]youzanmap.SalesmanTrade{}
	for _, tid := range tids {
		var r salesmanPage
		if err := c.call(ctx, salesmanAPI, map[string]any{"order_no": tid, "page_no": 1, "page_size": 20}, &r); err != nil {
			return nil, err
		}
		for _, t := range r.List {
			if t.OrderNo == tid {
				recs[tid] = t
			}
		}
	}
	return recs, nil
}

// windowTTL is how long the records of a created-time window serve the
// next pages: the pages of one window share their created times (a burst
// of thousands of orders in a few seconds), and a settle state a few
// seconds old is as good as the page's.
const windowTTL = 10 * time.Second

// windowCache keeps the records of the last window read whole.
type windowCache struct {
	mu     sync.Mutex
	lo, hi int64
	at     time.Time
	recs   map[string]youzanmap.SalesmanTrade
}

func (w *windowCache) get(lo, hi int64) (map[string]youzanmap.SalesmanTrade, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.recs == nil || lo < w.lo || hi > w.hi || time.Since(w.at) > windowTTL {
		return nil, false
	}
	return w.recs, true
}

func (w *windowCache) put(lo, hi int64, recs map[string]youzanmap.SalesmanTrade) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.lo, w.hi, w.at, w.recs = lo, hi, time.Now(), recs
}
