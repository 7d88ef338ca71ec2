package tmall

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/syncctl/syncctl/connectors"
	"github.com/syncctl/syncctl/domain"
	tmallmap "github.com/syncctl/syncctl/mapping/tmall"
)

// sellerItem is taobao.item.seller.get's item.
type sellerItem struct {
	NumIID        json.Number `json:"num_iid"`
	ApproveStatus string      `json:"approve_status"`
	Price         string      `json:"price"` // 元: the item price, the only one of an item without SKUs
	Num           int         `json:"num"`
	OuterID       string      `json:"outer_id"`
	SKUs          struct {
		SKU []struct {
			SkuID      tmallmap.ID `json:"sku_id"`
			OuterID    string      `json:"outer_id"`
			Properties string      `json:"properties"`
			Price      string      `json:"price"`
			Quantity   int         `json:"quantity"`
		} `json:"sku"`
	} `json:"skus"`
}

// sellerFields are what seller.get must return: "sku" brings the SKU list
// with ids, properties and prices.
const sellerFields = "num_iid,title,price,num,approve_status,outer_id,sku"

// itemInfo is what the connector remembers of an item's SKUs: enough to
// address a SKU by its outer id (sku.price.update needs its properties) and
// to keep the item price inside the SKU price range.
type itemInfo struct {
	skus map[string]*skuInfo // sku outer id (master SKU code) → sku
}

type skuInfo struct {
	id, props string
	price     domain.Money
	quantity  int // as read: sales lower it, so only a fresh read is exact
}

func (c *Channel) sellerGet(ctx context.Context, numIID string) (sellerItem, *itemInfo, error) {
	var r struct {
		Item sellerItem `json:"item"`
	}
	if err := c.call(ctx, "taobao.item.seller.get", map[string]string{"num_iid": numIID, "fields": sellerFields}, &r); err != nil {
		return r.Item, nil, err
	}
	// An answer that is not the item asked for, or that holds what TOP
	// never shows (a price of 0, an id that is no integer, a SKU without
	// its 商家编码), is refused: its prices, ids and quantities would be
	// written back (item_price, item_num, listing num).
	if got := r.Item.NumIID.String(); got != numIID {
		return r.Item, nil, unavailable(nil, fmt.Sprintf("taobao.item.seller.get: asked for item %s, got %q", numIID, got))
	}
	if r.Item.Num < 0 {
		return r.Item, nil, unavailable(nil, fmt.Sprintf("taobao.item.seller.get: item %s, field num: %d is negative", numIID, r.Item.Num))
	}
	info := &itemInfo{skus: map[string]*skuInfo{}}
	for _, s := range r.Item.SKUs.SKU {
		field, why := "", ""
		price, err := domain.ParseYuan(s.Price)
		switch {
		case !domain.Digits(s.SkuID.String()):
			field, why = "sku_id", fmt.Sprintf("%q is not a TOP id", s.SkuID)
		case s.OuterID == "":
			field, why = "outer_id", "empty: the SKU has no 商家编码 (master SKU code)"
		case info.skus[s.OuterID] != nil:
			field, why = "outer_id", "another SKU of the item has it too"
		case err != nil:
			field, why = "price", err.Error()
		case price <= 0 || price > tmallmap.MaxPrice:
			field, why = "price", fmt.Sprintf("%q is not a price TOP shows", s.Price)
		case s.Quantity < 0:
			field, why = "quantity", fmt.Sprintf("%d is negative", s.Quantity)
		}
		if field != "" {
			return r.Item, nil, unavailable(nil, fmt.Sprintf("taobao.item.seller.get: item %s, sku %s (%s), field %s: %s", numIID, s.SkuID, s.OuterID, field, why))
		}
		info.skus[s.OuterID] = &skuInfo{id: s.SkuID.String(), props: s.Properties, price: price, quantity: s.Quantity}
	}
	c.remember(numIID, info)
	return r.Item, info, nil
}

// item returns the remembered SKUs of an item, reading them when unknown.
func (c *Channel) item(ctx context.Context, numIID string) (*itemInfo, error) {
	c.mu.Lock()
	info := c.items[numIID]
	c.mu.Unlock()
	if info != nil {
		return info, nil
	}
	_, info, err := c.sellerGet(ctx, numIID)
	return info, err
}

// remember keeps an item's SKUs, forgetting another item (any) when
// maxRememberedItems are kept already.
func (c *Channel) remember(numIID string, info *itemInfo) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, known := c.items[numIID]; !known && len(c.items) >= maxRememberedItems {
		for id := range c.items {
			delete(c.items, id)
			break
		}
	}
	c.items[numIID] = info
}

// lockItem serializes the price updates of one item.
func (c *Channel) lockItem(numIID string) (unlock func()) {
	c.mu.Lock()
	l := c.itemLocks[numIID]
	if l == nil {
		l = &itemLock{}
		c.itemLocks[numIID] = l
	}
	l.users++
	c.mu.Unlock()
	l.mu.Lock()
	return func() {
		l.mu.Unlock()
		c.mu.Lock()
		if l.users--; l.users == 0 {
			delete(c.itemLocks, numIID)
		}
		c.mu.Unlock()
	}
}

func (c *Channel) forget(numIID string) {
	c.mu.Lock()
	delete(c.items, numIID)
	c.mu.Unlock()
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
	// What TOP cannot take is refused before any call, the lookup included.
	if _, err := tmallmap.ItemParams(p, c.opts); err != nil {
		return connectors.ProductResult{}, err
	}
	if p.Known == nil && p.MayExist {
		id, err := c.findByOuterID(ctx, p.Product.Code)
		if err != nil {
			return connectors.ProductResult{}, err
		}
		if id != "" {
			p.Known = &connectors.ProductIDs{ItemID: id}
		}
	}
	params, err := tmallmap.ItemParams(p, c.opts)
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
		return connectors.ProductResult{}, unavailable(nil, method+": response has no num_iid")
	}
	it, _, err := c.sellerGet(ctx, numIID)
	if err != nil {
		// The item exists: keep its id, so the next attempt updates it.
		return connectors.ProductResult{IDs: connectors.ProductIDs{ItemID: numIID}}, err
	}
	res := connectors.ProductResult{IDs: connectors.ProductIDs{ItemID: numIID, SKUIDs: map[string]string{}},
		Status: listingStatus(it.ApproveStatus)}
	for _, s := range it.SKUs.SKU {
		res.IDs.SKUIDs[s.OuterID] = s.SkuID.String()
	}
	if tmallmap.HasSKUs(p.Product) {
		for _, s := range p.Product.SKUs {
			if res.IDs.SKUIDs[s.Code] == "" {
				return res, unavailable(nil, fmt.Sprintf("item %s: sku %s is missing from taobao.item.seller.get", numIID, s.Code))
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

// UpdatePrice sets one SKU's price with taobao.item.sku.price.update, or the
// item price of a product without SKUs with taobao.item.update.
//
// TOP refuses a SKU price that leaves the item price outside the SKU price
// range, so item_price is sent too: the lowest SKU price after the change
// (the same rule ItemParams uses), computed from the SKU prices last read
// with taobao.item.seller.get.
func (c *Channel) UpdatePrice(ctx context.Context, u connectors.PriceUpdate) error {
	if err := tmallmap.CheckPrice("sku "+u.SKUCode, u.Price); err != nil {
		return err
	}
	// item_price depends on every SKU's price: two updates of one item at
	// once (per-SKU price workflows) would each send the other's stale price
	// and TOP would refuse the range. One at a time per item.
	unlock := c.lockItem(u.IDs.ItemID)
	defer unlock()
	info, err := c.item(ctx, u.IDs.ItemID)
	if err != nil {
		return err
	}
	if len(info.skus) == 0 {
		return c.call(ctx, "taobao.item.update", map[string]string{"num_iid": u.IDs.ItemID, "price": u.Price.Yuan()}, nil)
	}
	k := info.skus[u.SKUCode]
	if k == nil {
		// The item may have changed since it was read: read it once more.
		if _, info, err = c.sellerGet(ctx, u.IDs.ItemID); err != nil {
			return err
		}
		if k = info.skus[u.SKUCode]; k == nil {
			return &domain.Error{Code: domain.ENotFound, Platform: "tmall", Message: fmt.Sprintf("item %s has no sku %s", u.IDs.ItemID, u.SKUCode)}
		}
	}
	// The cached prices are written under c.mu: read them under it too.
	itemPrice := u.Price
	c.mu.Lock()
	for code, s := range info.skus {
		if code != u.SKUCode {
			itemPrice = min(itemPrice, s.price)
		}
	}
	c.mu.Unlock()
	err = c.call(ctx, "taobao.item.sku.price.update", map[string]string{"num_iid": u.IDs.ItemID, "properties": k.props,
		"price": u.Price.Yuan(), "outer_id": u.SKUCode, "item_price": itemPrice.Yuan()}, nil)
	if err != nil {
		c.forget(u.IDs.ItemID) // the next attempt reads the prices afresh
		return err
	}
	c.mu.Lock()
	k.price = u.Price
	c.mu.Unlock()
	return nil
}

// UpdateStock sets one SKU's stock (taobao.item.quantity.update, type 1
// 全量). Without a known sku_id the SKU is addressed by its outer id (TOP
// looks it up by 商家编码): only an item without SKUs takes item-level stock,
// which on an item with SKUs would overwrite the sum of all of them.
func (c *Channel) UpdateStock(ctx context.Context, u connectors.StockUpdate) error {
	if u.Quantity < 0 || u.Quantity > tmallmap.MaxNum {
		return domain.Errorf(domain.EInvalid, "sku %s, field stock: %d is outside 0 to %d", u.SKUCode, u.Quantity, tmallmap.MaxNum)
	}
	params := map[string]string{"num_iid": u.IDs.ItemID, "quantity": strconv.Itoa(u.Quantity), "type": "1"}
	if id := u.IDs.SKUIDs[u.SKUCode]; id != "" {
		params["sku_id"] = id
		return c.call(ctx, "taobao.item.quantity.update", params, nil)
	}
	info, err := c.item(ctx, u.IDs.ItemID)
	if err != nil {
		return err
	}
	if len(info.skus) > 0 {
		params["outer_id"] = u.SKUCode
	}
	return c.call(ctx, "taobao.item.quantity.update", params, nil)
}

// SetListed puts the item on sale or in stock (off shelf).
func (c *Channel) SetListed(ctx context.Context, ids connectors.ProductIDs, listed bool) error {
	if !listed {
		return c.call(ctx, "taobao.item.update.delisting", map[string]string{"num_iid": ids.ItemID}, nil)
	}
	it, _, err := c.sellerGet(ctx, ids.ItemID)
	if err != nil {
		return err
	}
	return c.call(ctx, "taobao.item.update.listing", map[string]string{"num_iid": ids.ItemID, "num": strconv.Itoa(it.Num)}, nil)
}
