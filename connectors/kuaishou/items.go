package kuaishou

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/syncctl/syncctl/connectors"
	"github.com/syncctl/syncctl/domain"
	kuaishoumap "github.com/syncctl/syncctl/mapping/kuaishou"
)

// Stock change types of open.item.sku.stock.update (changeType) and
// open.item.autopass.edit (skuStockChangeType): the platform takes deltas
// only (3 设置 is refused in 免审 edits).
const (
	stockAdd      = 1
	stockSubtract = 2
)

// getItem reads an item with the SKUs and stock it holds now.
func (c *Channel) getItem(ctx context.Context, itemID string) (kuaishoumap.Item, error) {
	var it kuaishoumap.Item
	id, err := kuaishoumap.ParseID("item "+itemID, "item_id", itemID)
	if err != nil {
		return it, err
	}
	if err := c.call(ctx, "open.item.get", map[string]any{"kwaiItemId": id}, &it); err != nil {
		return it, err
	}
	if string(it.KwaiItemID) != itemID {
		return it, unavailable(nil, fmt.Sprintf("open.item.get: asked for item %s, got %q", itemID, it.KwaiItemID))
	}
	// A SKU the connector could not address (no integer id, no relSkuId
	// or one another SKU has) or whose stock is below 0 is refused: its id
	// and stock are written back (stock moves are deltas from it).
	rel := map[string]bool{}
	for _, k := range it.SKUInfos {
		field, why := "", ""
		switch {
		case !domain.Digits(string(k.KwaiSKUID)):
			field, why = "kwaiSkuId", fmt.Sprintf("%q is not a Kuaishou id", k.KwaiSKUID)
		case k.RelSKUID == "":
			field, why = "relSkuId", "empty: the SKU has no master SKU code"
		case rel[k.RelSKUID]:
			field, why = "relSkuId", "another SKU of the item has it too"
		case k.SKUStock < 0:
			field, why = "skuStock", fmt.Sprintf("%d is negative", k.SKUStock)
		}
		if field != "" {
			return it, unavailable(nil, fmt.Sprintf("open.item.get: item %s sku %s, field %s: %s", itemID, k.KwaiSKUID, field, why))
		}
		rel[k.RelSKUID] = true
	}
	return it, nil
}

// UpsertProduct creates the item with open.item.new (relItemId / relSkuId =
// the master codes) or, known, replaces its content with open.item.edit;
// then reads it back for the SKU ids. The edit leaves the stock of the
// SKUs the item keeps where it is (the platform moves stock by deltas), so
// their stock is then brought to the push's target with one
// open.item.autopass.edit of the differences.
//
// A product whose create may have landed (MayExist) is first looked up by
// its relItemId, so a retried create never lists it twice (the platform
// would also refuse a repeated relItemId).
func (c *Channel) UpsertProduct(ctx context.Context, p connectors.ProductPush) (connectors.ProductResult, error) {
	var res connectors.ProductResult
	known := p.Known
	// What the platform cannot take is refused before any call, the lookup included.
	param, err := kuaishoumap.ItemRequest(p, c.categoryID, known)
	if err != nil {
		return res, err
	}
	if (known == nil || known.ItemID == "") && p.MayExist {
		found, ok, err := c.findByRelItemID(ctx, p.Product.Code)
		if err != nil {
			return res, err
		}
		if ok {
			known = &connectors.ProductIDs{ItemID: string(found.KwaiItemID), SKUIDs: map[string]string{}}
			for _, k := range found.SKUInfos {
				known.SKUIDs[k.RelSKUID] = string(k.KwaiSKUID)
			}
			if param, err = kuaishoumap.ItemRequest(p, c.categoryID, known); err != nil {
				return res, err
			}
		}
	}
	itemID, created := "", false
	if known != nil && known.ItemID != "" {
		itemID = known.ItemID
		if err := c.call(ctx, "open.item.edit", param, nil); err != nil {
			return res, err
		}
	} else {
		var r struct {
			KwaiItemID kuaishoumap.ID `json:"kwaiItemId"`
		}
		if err := c.call(ctx, "open.item.new", param, &r); err != nil {
			return res, err
		}
		if itemID, created = string(r.KwaiItemID), true; itemID == "" || itemID == "0" {
			return res, unavailable(nil, fmt.Sprintf("open.item.new: product %s: the answer has no kwaiItemId", p.Product.Code))
		}
	}
	res.IDs = connectors.ProductIDs{ItemID: itemID, SKUIDs: map[string]string{}}
	it, err := c.getItem(ctx, itemID)
	if err != nil {
		return res, err // the ids so far are kept by the caller
	}
	var moves []map[string]any
	for _, s := range p.Product.SKUs {
		k, ok := it.SKU("", s.Code)
		if !ok || k.KwaiSKUID == "" {
			return res, unavailable(nil, fmt.Sprintf("open.item.get: item %s: sku %s is missing", itemID, s.Code))
		}
		res.IDs.SKUIDs[s.Code] = string(k.KwaiSKUID)
		if delta := p.Stocks[s.Code] - k.SKUStock; delta != 0 && !created {
			kind := stockAdd
			if delta < 0 {
				kind, delta = stockSubtract, -delta
			}
			moves = append(moves, map[string]any{"kwaiSkuId": json.Number(k.KwaiSKUID), "skuChangeStock": delta, "skuStockChangeType": kind})
		}
	}
	if len(moves) > 0 {
		if err := c.call(ctx, "open.item.autopass.edit", map[string]any{"kwaiItemId": json.Number(it.KwaiItemID), "skuList": moves}, nil); err != nil {
			return res, err
		}
	}
	res.Status = domain.ListingOnSale
	if it.ShelfStatus != kuaishoumap.ShelfOn {
		res.Status = domain.ListingDelisted
	}
	return res, nil
}

// listPageSize is open.item.list.get's page size.
const listPageSize = 50

// findByRelItemID finds the item whose relItemId is the master code. The
// list is asked for that relItemId (a filter UNCONFIRMED), and every page is
// still checked, so a platform that ignores the filter is walked whole: a
// cost paid only after an interrupted create. A page with no item not seen
// already ends the walk as malformed, whatever totalCount says: a list that
// ignores pageNumber would otherwise be walked for ever.
func (c *Channel) findByRelItemID(ctx context.Context, rel string) (kuaishoumap.Item, bool, error) {
	seen := map[kuaishoumap.ID]bool{}
	for page := 1; ; page++ {
		var r struct {
			Items      []kuaishoumap.Item `json:"items"`
			TotalCount int                `json:"totalCount"`
		}
		if err := c.call(ctx, "open.item.list.get", map[string]any{"relItemId": rel, "pageNumber": page, "pageSize": listPageSize}, &r); err != nil {
			return kuaishoumap.Item{}, false, err
		}
		fresh := false
		for _, it := range r.Items {
			if it.RelItemID == rel {
				return it, true, nil
			}
			fresh = fresh || !seen[it.KwaiItemID]
			seen[it.KwaiItemID] = true
		}
		if len(r.Items) < listPageSize || page*listPageSize >= r.TotalCount {
			return kuaishoumap.Item{}, false, nil
		}
		if !fresh {
			return kuaishoumap.Item{}, false, unavailable(nil, fmt.Sprintf("open.item.list.get: page %d: no item not seen already, yet totalCount is %d",
				page, r.TotalCount))
		}
	}
}

// sku returns a SKU of the item as the platform holds it now.
func (c *Channel) sku(ctx context.Context, ids connectors.ProductIDs, code string) (kuaishoumap.Item, kuaishoumap.ItemSKU, error) {
	it, err := c.getItem(ctx, ids.ItemID)
	if err != nil {
		return it, kuaishoumap.ItemSKU{}, err
	}
	k, ok := it.SKU(ids.SKUIDs[code], code)
	if !ok {
		return it, k, &domain.Error{Code: domain.ENotFound, Platform: platformName, Message: fmt.Sprintf("item %s has no sku %s", ids.ItemID, code)}
	}
	return it, k, nil
}

// UpdatePrice sets one SKU's price (分) with open.item.autopass.edit, which
// needs no review.
func (c *Channel) UpdatePrice(ctx context.Context, u connectors.PriceUpdate) error {
	if err := kuaishoumap.CheckPrice("sku "+u.SKUCode, u.Price); err != nil {
		return err
	}
	itemID, err := kuaishoumap.ParseID("sku "+u.SKUCode, "item_id", u.IDs.ItemID)
	if err != nil {
		return err
	}
	skuID := u.IDs.SKUIDs[u.SKUCode]
	if skuID == "" {
		_, k, err := c.sku(ctx, u.IDs, u.SKUCode)
		if err != nil {
			return err
		}
		skuID = string(k.KwaiSKUID)
	}
	sid, err := kuaishoumap.ParseID("sku "+u.SKUCode, "sku_id", skuID)
	if err != nil {
		return err
	}
	return c.call(ctx, "open.item.autopass.edit", map[string]any{"kwaiItemId": itemID,
		"skuList": []map[string]any{{"kwaiSkuId": sid, "skuSalePrice": int64(u.Price)}}}, nil)
}

// UpdateStock brings one SKU's stock to the target. The platform takes
// deltas only: the stock it holds now is read (its sales lower it), the
// difference sent with open.item.sku.stock.update, and nothing when there
// is none, so a retried update never applies a delta twice.
func (c *Channel) UpdateStock(ctx context.Context, u connectors.StockUpdate) error {
	if err := kuaishoumap.CheckStock("sku "+u.SKUCode, u.Quantity); err != nil {
		return err
	}
	it, k, err := c.sku(ctx, u.IDs, u.SKUCode)
	if err != nil {
		return err
	}
	delta := u.Quantity - k.SKUStock
	if delta == 0 {
		return nil
	}
	kind := stockAdd
	if delta < 0 {
		kind, delta = stockSubtract, -delta
	}
	return c.call(ctx, "open.item.sku.stock.update", map[string]any{"kwaiItemId": json.Number(it.KwaiItemID), "skuId": json.Number(k.KwaiSKUID),
		"skuChangeStock": delta, "changeType": kind}, nil)
}

// SetListed puts the item on (shelfStatus 1) or off (0) the shelf.
func (c *Channel) SetListed(ctx context.Context, ids connectors.ProductIDs, listed bool) error {
	id, err := kuaishoumap.ParseID("item "+ids.ItemID, "item_id", ids.ItemID)
	if err != nil {
		return err
	}
	shelf := kuaishoumap.ShelfOff
	if listed {
		shelf = kuaishoumap.ShelfOn
	}
	return c.call(ctx, "open.item.shelf.status.update", map[string]any{"kwaiItemId": id, "shelfStatus": shelf}, nil)
}
