package wechat

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/syncctl/syncctl/connectors"
	"github.com/syncctl/syncctl/domain"
	wechatmap "github.com/syncctl/syncctl/mapping/wechat"
)

// AfterSaleWindowMax is aftersale/getaftersalelist's longest
// begin_update_time/end_update_time span (doc: 24 h, else 10020004).
const AfterSaleWindowMax = 24 * time.Hour

// ListAfterSales implements connectors.AfterSales: the cases updated in
// [From, To), read by update time with aftersale/getaftersalelist (ids) and
// one by one with aftersale/getaftersaleorder. A query window (up to
// OrderWindowMax) is walked in spans of AfterSaleWindowMax; the page token
// is "<span start, unix s>:<next_key>". A page may come back empty with a
// token when a span holds no case: the caller goes on until the token is "".
func (c *Channel) ListAfterSales(ctx context.Context, q connectors.OrderQuery) (connectors.AfterSalePage, error) {
	var out connectors.AfterSalePage
	if !q.To.After(q.From) {
		return out, domain.Errorf(domain.EInvalid, "wechat_shop after-sales: window end %s is not after its start %s", q.To, q.From)
	}
	if q.To.Sub(q.From) > OrderWindowMax {
		return out, domain.Errorf(domain.EInvalid, "wechat_shop after-sales: window %s exceeds %s", q.To.Sub(q.From), OrderWindowMax)
	}
	// Cases carry whole seconds: [ceil(From), ceil(To)) holds the same cases.
	start, end := ceilUnix(q.From), ceilUnix(q.To)
	spanStart, key := start, ""
	if q.PageToken != "" {
		at, k, ok := strings.Cut(q.PageToken, ":")
		n, err := strconv.ParseInt(at, 10, 64)
		if !ok || err != nil || n < start || n >= end {
			return out, domain.Errorf(domain.EInvalid, "wechat_shop after-sales, field page_token: %q is not a token of this window", q.PageToken)
		}
		spanStart, key = n, k
	}
	for spanStart < end {
		spanEnd := min(end, spanStart+int64(AfterSaleWindowMax/time.Second))
		in := map[string]any{"begin_update_time": spanStart, "end_update_time": spanEnd}
		if key != "" {
			in["next_key"] = key
		}
		var r struct {
			IDs     []json.Number `json:"after_sale_order_id_list"`
			NextKey string        `json:"next_key"`
			HasMore bool          `json:"has_more"`
		}
		if err := c.call(ctx, "aftersale/getaftersalelist", in, &r); err != nil {
			return out, err
		}
		if r.HasMore && r.NextKey == "" {
			return out, unavailable(nil, "aftersale/getaftersalelist: has_more without a next_key")
		}
		for _, id := range r.IDs {
			a, err := c.getAfterSale(ctx, id.String())
			switch {
			case domain.ErrorCode(err) == domain.EInvalid && !isPlatformError(err):
				out.Rejected = append(out.Rejected, connectors.RejectedOrder{PlatformOrderID: id.String(), Reason: err.Error()})
			case err != nil:
				return connectors.AfterSalePage{}, err
			default:
				out.Cases = append(out.Cases, a)
			}
		}
		switch {
		case r.HasMore:
			out.NextPageToken = strconv.FormatInt(spanStart, 10) + ":" + r.NextKey
		case spanEnd < end:
			out.NextPageToken = strconv.FormatInt(spanEnd, 10) + ":"
		}
		if len(out.Cases)+len(out.Rejected) > 0 || out.NextPageToken == "" {
			return out, nil
		}
		// An empty span: the next one in the same call.
		spanStart, key, out.NextPageToken = spanEnd, "", ""
	}
	return out, nil
}

func (c *Channel) getAfterSale(ctx context.Context, id string) (domain.AfterSale, error) {
	var raw json.RawMessage
	if err := c.call(ctx, "aftersale/getaftersaleorder", map[string]string{"after_sale_order_id": id}, &raw); err != nil {
		return domain.AfterSale{}, err
	}
	return wechatmap.DecodeAfterSale(c.shop, raw)
}
