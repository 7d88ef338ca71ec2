package youzan

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/syncctl/syncctl/connectors"
	"github.com/syncctl/syncctl/domain"
	youzanmap "github.com/syncctl/syncctl/mapping/youzan"
)

// cursor is where ListOrders is in the sub-window [From, To] (whole
// seconds, both ends included, as trades.sold.get reads them), with the
// rest of the caller's window up to End still to read. Page is the next
// page to read, counting down; 0 means the sub-window is not sized yet.
//
// Pages are read last first: trades.sold.get pages by offset in update
// order, and an order updated while we page leaves the window, moving the
// later orders one place up. Read last first, such a move repeats an order
// already read (a duplicate, harmless) instead of skipping one. A
// sub-window holding more orders than the platform pages (page_no ×
// page_size ≤ cap) is halved until it fits: orders are never cut off.
type cursor struct {
	From, To, End int64 // unix seconds
	Page          int
}

func (k cursor) token() string {
	return fmt.Sprintf("v1:%d:%d:%d:%d", k.From, k.To, k.End, k.Page)
}

func parseCursor(s string) (cursor, error) {
	var k cursor
	parts := strings.Split(s, ":")
	if len(parts) != 5 || parts[0] != "v1" {
		return k, domain.Errorf(domain.EInvalid, "youzan orders: page token %q is not this connector's", s)
	}
	var err error
	for i, dst := range []*int64{&k.From, &k.To, &k.End} {
		if *dst, err = strconv.ParseInt(parts[i+1], 10, 64); err != nil {
			return k, domain.Errorf(domain.EInvalid, "youzan orders: page token %q is not this connector's", s)
		}
	}
	if k.Page, err = strconv.Atoi(parts[4]); err != nil || k.Page < 0 || k.From > k.To || k.To > k.End {
		return k, domain.Errorf(domain.EInvalid, "youzan orders: page token %q is not this connector's", s)
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

func ymd(secs int64) string { return youzanmap.FormatTime(time.Unix(secs, 0)) }

// ListOrders reads one page of youzan.trades.sold.get for orders updated
// in [From, To). Youzan times are whole seconds, so that is the inclusive
// range [ceil(From), ceil(To) − 1].
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
			return out, domain.Errorf(domain.EInvalid, "youzan orders: window end %s is not after its start %s", q.To, q.From)
		}
		if q.To.Sub(q.From) > OrderWindowMax {
			return out, domain.Errorf(domain.EInvalid, "youzan orders: window %s exceeds the platform's %s", q.To.Sub(q.From), OrderWindowMax)
		}
		start, end := ceilUnix(q.From), ceilUnix(q.To)-1
		if end < start {
			return out, nil // no whole second in the window
		}
		k = cursor{From: start, To: end, End: end}
	}
	size := q.PageSize
	if size <= 0 || size > c.pageSize {
		size = c.pageSize
	}
	size = min(size, c.maxRows)
	// The rows a sub-window may hold: page_no × page_size within the cap,
	// page_no within MaxPageNo.
	rows := min(c.maxRows, MaxPageNo*size)
	for {
		page := max(k.Page, 1) // sizing reads page 1: a small sub-window needs no other call
		if page*size > rows {
			if err := k.split(c.shopName()); err != nil {
				return out, err
			}
			continue
		}
		var r struct {
			Total int `json:"total_results"`
			List  []struct {
				FullOrderInfo json.RawMessage `json:"full_order_info"`
			} `json:"full_order_info_list"`
		}
		in := map[string]any{"start_update": ymd(k.From), "end_update": ymd(k.To), "page_no": page, "page_size": size}
		if err := c.call(ctx, "youzan.trades.sold.get", in, &r); err != nil {
			return out, err
		}
		if r.Total > rows {
			if err := k.split(c.shopName()); err != nil {
				return out, err
			}
			continue // pages of the larger sub-window read before may come again: duplicates, never gaps
		}
		if k.Page == 0 && r.Total > size {
			k.Page = (r.Total + size - 1) / size // sized: now the last page
			continue
		}
		raws := make([]json.RawMessage, 0, len(r.List))
		for _, e := range r.List {
			raws = append(raws, e.FullOrderInfo)
		}
		out.Orders, out.Rejected = youzanmap.MapOrders(c.shop, raws)
		if err := c.promote(ctx, &out, k.To); err != nil {
			return connectors.OrderPage{}, err
		}
		switch {
		case k.Page > 1:
			k.Page--
			out.NextPageToken = k.token()
		case k.To < k.End:
			out.NextPageToken = cursor{From: k.To + 1, To: k.End, End: k.End}.token()
		}
		return out, nil
	}
}

func (c *Channel) shopName() string { return c.shop.String() }

// split halves the sub-window, to be sized again; a single
// second holding more than the cap cannot be read whole.
func (k *cursor) split(shop string) error {
	if k.From == k.To {
		return domain.Errorf(domain.EUnavailable, "youzan orders of shop %s: more orders were updated within the second %s than trades.sold.get can page", shop, ymd(k.From))
	}
	k.To = k.From + (k.To-k.From)/2
	k.Page = 0
	return nil
}

// GetOrder reads one order with youzan.trade.get, and its 分销员 record
// if it has one.
func (c *Channel) GetOrder(ctx context.Context, tid string) (domain.SalesOrder, error) {
	raw, err := c.trade(ctx, tid)
	if err != nil {
		return domain.SalesOrder{}, err
	}
	o, err := youzanmap.DecodeOrder(c.shop, raw)
	if err != nil {
		return o, err
	}
	recs, err := c.salesmanByOrder(ctx, []string{tid})
	if err != nil {
		return o, err
	}
	if r, ok := recs[tid]; ok {
		if err := youzanmap.ApplySalesman(&o, r); err != nil {
			return o, err
		}
	}
	return o, nil
}
