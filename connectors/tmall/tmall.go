// Package tmall is the Taobao/Tmall connector. It speaks TOP as documented
// (../shared/channels.md §3): form POST to the router, md5 / hmac /
// hmac-sha256 signatures over ASCII-sorted parameters, GMT+8 timestamps,
// error_response in HTTP 200 bodies, yuan strings for money, and order pulls
// walked from the last page backwards.
//
// Options (connectors.ShopConfig.Options):
//
//	sign_method     md5 | hmac | hmac-sha256 (default hmac-sha256)
//	cid             default leaf category id (default 50000671)
//	cid:<category>  leaf category id for one master category path
//	location_state  发货地省 (default 浙江)
//	location_city   发货地市 (default 杭州)
//	pid:<spec>      TOP sale property id for a spec name (颜色 and 尺码 are built in)
package tmall

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/go-retryablehttp"
	"golang.org/x/time/rate"

	"github.com/syncctl/syncctl/connectors"
	"github.com/syncctl/syncctl/connectors/httpx"
	"github.com/syncctl/syncctl/domain"
	tmallmap "github.com/syncctl/syncctl/mapping/tmall"
)

func init() {
	connectors.Register("tmall", New)
	connectors.Register("taobao", New)
}

// Channel is one Tmall/Taobao shop.
type Channel struct {
	cfg     connectors.ShopConfig
	shop    domain.ShopRef
	http    *retryablehttp.Client
	limiter *rate.Limiter
	sign    string
	item    tmallmap.ItemOptions
	Now     func() time.Time // injectable clock for the timestamp

	mu    sync.Mutex
	props map[string]map[string]string // num_iid → sku outer id → properties (for sku.price.update)
}

// New opens a shop from its configuration.
func New(cfg connectors.ShopConfig) (connectors.Channel, error) {
	rec := fmt.Sprintf("shop %s/%s", cfg.Channel, cfg.Shop)
	switch {
	case cfg.Gateway == "":
		return nil, domain.Errorf(domain.EInvalid, "%s, field gateway: required (e.g. https://eco.taobao.com/router/rest)", rec)
	case cfg.AppKey == "":
		return nil, domain.Errorf(domain.EInvalid, "%s, field app_key: required", rec)
	case cfg.AppSecret == "":
		return nil, domain.Errorf(domain.EInvalid, "%s, field app_secret: required (from an env var or a file)", rec)
	case cfg.Session == "":
		return nil, domain.Errorf(domain.EInvalid, "%s, field session: required (from an env var or a file)", rec)
	}
	if _, err := url.Parse(cfg.Gateway); err != nil {
		return nil, domain.Errorf(domain.EInvalid, "%s, field gateway: %v", rec, err)
	}
	opt := func(k, def string) string {
		if v := cfg.Options[k]; v != "" {
			return v
		}
		return def
	}
	sign := opt("sign_method", "hmac-sha256")
	if sign != "md5" && sign != "hmac" && sign != "hmac-sha256" {
		return nil, domain.Errorf(domain.EInvalid, "%s, field options.sign_method: %q is not md5, hmac or hmac-sha256", rec, sign)
	}
	qps := cfg.QPS
	if qps <= 0 {
		qps = 10
	}
	item := tmallmap.ItemOptions{CID: opt("cid", "50000671"), LocationState: opt("location_state", "浙江"),
		LocationCity: opt("location_city", "杭州"), CIDByCategory: map[string]string{}, SpecPIDs: map[string]string{}}
	for k, v := range cfg.Options {
		if c, ok := strings.CutPrefix(k, "cid:"); ok {
			item.CIDByCategory[c] = v
		}
		if s, ok := strings.CutPrefix(k, "pid:"); ok {
			item.SpecPIDs[s] = v
		}
	}
	return &Channel{cfg: cfg, shop: domain.ShopRef{Channel: cfg.Channel, Shop: cfg.Shop}, http: httpx.New(httpx.Options{}),
		limiter: rate.NewLimiter(rate.Limit(qps), max(1, int(qps))), sign: sign, item: item, Now: time.Now,
		props: map[string]map[string]string{}}, nil
}

// Shop implements connectors.Channel.
func (c *Channel) Shop() domain.ShopRef { return c.shop }

// Capabilities implements connectors.Channel.
func (c *Channel) Capabilities() connectors.Capabilities {
	return connectors.Capabilities{Kind: connectors.KindMarketplace, StockMode: connectors.StockAbsolute,
		OrderWindowMax: 24 * time.Hour, OrderLookback: 90 * 24 * time.Hour, OrderPaging: connectors.PagingPageNumber,
		OrderPageSizeMax: 100, QPS: float64(c.limiter.Limit())}
}

// call signs and sends one TOP request and decodes the method's response
// object into out. All parameters travel in the form body, so no secret is
// ever part of a URL (and so of an error or a log line).
func (c *Channel) call(ctx context.Context, method string, biz map[string]string, out any) error {
	if err := c.limiter.Wait(ctx); err != nil {
		return &domain.Error{Code: domain.EUnavailable, Platform: "tmall", Message: method + ": " + err.Error()}
	}
	params := map[string]string{"method": method, "app_key": c.cfg.AppKey, "session": c.cfg.Session.Reveal(),
		"timestamp": tmallmap.FormatTime(c.Now()), "format": "json", "v": "2.0", "sign_method": c.sign}
	for k, v := range biz {
		params[k] = v
	}
	params["sign"] = Sign(c.sign, c.cfg.AppSecret.Reveal(), params)
	form := url.Values{}
	for k, v := range params {
		form.Set(k, v)
	}
	req, err := retryablehttp.NewRequestWithContext(ctx, http.MethodPost, c.cfg.Gateway, strings.NewReader(form.Encode()))
	if err != nil {
		return domain.Errorf(domain.EInvalid, "%s: gateway: %v", method, err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded;charset=utf-8")
	resp, err := c.http.Do(req)
	if err != nil {
		return httpx.TransportError("tmall", method, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return httpx.StatusError("tmall", method, resp)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, 32<<20))
	if err != nil {
		return httpx.TransportError("tmall", method, err)
	}
	var env map[string]json.RawMessage
	if err := decode(body, &env); err != nil {
		return &domain.Error{Code: domain.EUnavailable, Platform: "tmall", Message: method + ": malformed response body", Err: err}
	}
	if raw, ok := env["error_response"]; ok {
		var e topError
		if err := decode(raw, &e); err != nil {
			return &domain.Error{Code: domain.EUnavailable, Platform: "tmall", Message: method + ": malformed error_response", Err: err}
		}
		return mapError(method, e)
	}
	root := strings.ReplaceAll(strings.TrimPrefix(method, "taobao."), ".", "_") + "_response"
	raw, ok := env[root]
	if !ok {
		return &domain.Error{Code: domain.EUnavailable, Platform: "tmall", Message: fmt.Sprintf("%s: response has no %s", method, root)}
	}
	if out == nil {
		return nil
	}
	if err := decode(raw, out); err != nil {
		return &domain.Error{Code: domain.EUnavailable, Platform: "tmall", Message: method + ": malformed " + root, Err: err}
	}
	return nil
}

func decode(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	return dec.Decode(v)
}

// sellerItem is taobao.item.seller.get's item.
type sellerItem struct {
	NumIID        json.Number `json:"num_iid"`
	ApproveStatus string      `json:"approve_status"`
	Num           int         `json:"num"`
	OuterID       string      `json:"outer_id"`
	SKUs          struct {
		SKU []struct {
			SkuID      json.Number `json:"sku_id"`
			OuterID    string      `json:"outer_id"`
			Properties string      `json:"properties"`
		} `json:"sku"`
	} `json:"skus"`
}

func (c *Channel) sellerGet(ctx context.Context, numIID string) (sellerItem, error) {
	var r struct {
		Item sellerItem `json:"item"`
	}
	err := c.call(ctx, "taobao.item.seller.get", map[string]string{"num_iid": numIID,
		"fields": "num_iid,title,price,num,approve_status,outer_id,sku"}, &r)
	if err == nil {
		props := map[string]string{}
		for _, s := range r.Item.SKUs.SKU {
			props[s.OuterID] = s.Properties
		}
		c.mu.Lock()
		c.props[numIID] = props
		c.mu.Unlock()
	}
	return r.Item, err
}

// findByOuterID looks a product up by its outer id (taobao.items.custom.get),
// used before a create that an interrupted attempt may already have made.
func (c *Channel) findByOuterID(ctx context.Context, outerID string) (string, error) {
	var r struct {
		Items struct {
			Item []struct {
				NumIID json.Number `json:"num_iid"`
			} `json:"item"`
		} `json:"items"`
	}
	if err := c.call(ctx, "taobao.items.custom.get", map[string]string{"outer_id": outerID, "fields": "num_iid,outer_id"}, &r); err != nil {
		return "", err
	}
	if len(r.Items.Item) == 0 {
		return "", nil
	}
	return r.Items.Item[0].NumIID.String(), nil
}

// UpsertProduct creates (taobao.item.add) or updates (taobao.item.update)
// the item, then reads it back (taobao.item.seller.get) for its SKU ids.
func (c *Channel) UpsertProduct(ctx context.Context, p connectors.ProductPush) (connectors.ProductResult, error) {
	calls := 0
	if p.Known == nil && p.MayExist {
		calls++
		id, err := c.findByOuterID(ctx, p.Product.Code)
		if err != nil {
			return connectors.ProductResult{}, err
		}
		if id != "" {
			p.Known = &connectors.ProductIDs{ItemID: id}
		}
	}
	params, err := tmallmap.ItemParams(p, c.item)
	if err != nil {
		return connectors.ProductResult{}, err
	}
	var r struct {
		Item struct {
			NumIID json.Number `json:"num_iid"`
		} `json:"item"`
	}
	method := "taobao.item.add"
	if p.Known != nil {
		method = "taobao.item.update"
	}
	if err := c.call(ctx, method, params, &r); err != nil {
		return connectors.ProductResult{}, err
	}
	numIID := r.Item.NumIID.String()
	if numIID == "" && p.Known != nil {
		numIID = p.Known.ItemID
	}
	if numIID == "" {
		return connectors.ProductResult{}, &domain.Error{Code: domain.EUnavailable, Platform: "tmall", Message: method + ": response has no num_iid"}
	}
	it, err := c.sellerGet(ctx, numIID)
	if err != nil {
		return connectors.ProductResult{}, err
	}
	res := connectors.ProductResult{IDs: connectors.ProductIDs{ItemID: numIID, SKUIDs: map[string]string{}},
		Status: listingStatus(it.ApproveStatus), Calls: calls + 2}
	for _, s := range it.SKUs.SKU {
		res.IDs.SKUIDs[s.OuterID] = s.SkuID.String()
	}
	if tmallmap.HasSKUs(p.Product) {
		for _, s := range p.Product.SKUs {
			if res.IDs.SKUIDs[s.Code] == "" {
				return res, &domain.Error{Code: domain.EUnavailable, Platform: "tmall",
					Message: fmt.Sprintf("item %s: sku %s is missing from taobao.item.seller.get", numIID, s.Code)}
			}
		}
	}
	return res, nil
}

func listingStatus(approve string) domain.ListingStatus {
	if approve == "instock" {
		return domain.ListingDelisted
	}
	return domain.ListingOnSale
}

// UpdatePrice sets one SKU's price (taobao.item.sku.price.update), or the
// item price of a product without SKUs (taobao.item.update).
func (c *Channel) UpdatePrice(ctx context.Context, u connectors.PriceUpdate) error {
	if u.IDs.SKUIDs[u.SKUCode] == "" {
		return c.call(ctx, "taobao.item.update", map[string]string{"num_iid": u.IDs.ItemID, "price": u.Price.Yuan()}, nil)
	}
	c.mu.Lock()
	props := c.props[u.IDs.ItemID][u.SKUCode]
	c.mu.Unlock()
	if props == "" {
		if _, err := c.sellerGet(ctx, u.IDs.ItemID); err != nil {
			return err
		}
		c.mu.Lock()
		props = c.props[u.IDs.ItemID][u.SKUCode]
		c.mu.Unlock()
		if props == "" {
			return &domain.Error{Code: domain.ENotFound, Platform: "tmall", Message: fmt.Sprintf("item %s has no sku %s", u.IDs.ItemID, u.SKUCode)}
		}
	}
	return c.call(ctx, "taobao.item.sku.price.update", map[string]string{"num_iid": u.IDs.ItemID, "properties": props,
		"price": u.Price.Yuan(), "outer_id": u.SKUCode}, nil)
}

// UpdateStock sets one SKU's stock (taobao.item.quantity.update, type 1 全量).
func (c *Channel) UpdateStock(ctx context.Context, u connectors.StockUpdate) error {
	params := map[string]string{"num_iid": u.IDs.ItemID, "quantity": fmt.Sprint(u.Quantity), "type": "1"}
	if id := u.IDs.SKUIDs[u.SKUCode]; id != "" {
		params["sku_id"] = id
	}
	return c.call(ctx, "taobao.item.quantity.update", params, nil)
}

// SetListed puts the item on sale or in stock (off shelf).
func (c *Channel) SetListed(ctx context.Context, ids connectors.ProductIDs, listed bool) error {
	if !listed {
		return c.call(ctx, "taobao.item.update.delisting", map[string]string{"num_iid": ids.ItemID}, nil)
	}
	it, err := c.sellerGet(ctx, ids.ItemID)
	if err != nil {
		return err
	}
	return c.call(ctx, "taobao.item.update.listing", map[string]string{"num_iid": ids.ItemID, "num": fmt.Sprint(it.Num)}, nil)
}

// Ship sends taobao.logistics.offline.send, split by sub order (TOP ships
// whole sub orders: a line's quantity is not sent) when Lines are given.
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

// GetOrder reads one trade with taobao.trade.fullinfo.get.
func (c *Channel) GetOrder(ctx context.Context, tid string) (domain.SalesOrder, error) {
	var r struct {
		Trade tmallmap.Trade `json:"trade"`
	}
	if err := c.call(ctx, "taobao.trade.fullinfo.get", map[string]string{"tid": tid, "fields": tmallmap.TradeFields}, &r); err != nil {
		return domain.SalesOrder{}, err
	}
	return tmallmap.TradeToOrder(c.shop, r.Trade)
}
