package tmall

import (
	"context"
	"fmt"

	"github.com/syncctl/syncctl/connectors"
	"github.com/syncctl/syncctl/domain"
	tmallmap "github.com/syncctl/syncctl/mapping/tmall"
)

var _ connectors.PriceReader = (*Channel)(nil)

// ReadPrices implements connectors.PriceReader with taobao.item.seller.get
// (the read-back of UpsertProduct): each SKU's price as TOP shows it now,
// 元 strings turned into fen, found by its sku_id, else by its outer id
// (商家编码, the master SKU code). With no SKU in ids every SKU of the item
// is returned by its outer id. An item without SKUs sells at its item
// price: that is the price of the one SKU code ids names. The read also
// refreshes the SKU prices UpdatePrice keeps the item price in range with.
func (c *Channel) ReadPrices(ctx context.Context, ids connectors.ProductIDs) (map[string]domain.Money, error) {
	it, info, err := c.sellerGet(ctx, ids.ItemID)
	if err != nil {
		return nil, err
	}
	out := map[string]domain.Money{}
	if len(it.SKUs.SKU) == 0 {
		if len(ids.SKUIDs) != 1 {
			return out, nil
		}
		price, err := domain.ParseYuan(it.Price)
		if err != nil || price <= 0 || price > tmallmap.MaxPrice {
			return nil, unavailable(nil, fmt.Sprintf("taobao.item.seller.get: item %s, field price: %q is not a price", ids.ItemID, it.Price))
		}
		for code := range ids.SKUIDs {
			out[code] = price
		}
		return out, nil
	}
	c.mu.Lock() // sellerGet's prices, read under c.mu as UpdatePrice writes them
	defer c.mu.Unlock()
	if len(ids.SKUIDs) == 0 {
		for code, k := range info.skus {
			out[code] = k.price
		}
		return out, nil
	}
	byID := map[string]*skuInfo{}
	for _, k := range info.skus {
		byID[k.id] = k
	}
	for code, id := range ids.SKUIDs {
		k := info.skus[code]
		if byID[id] != nil && id != "" {
			k = byID[id]
		}
		if k != nil {
			out[code] = k.price
		}
	}
	return out, nil
}
