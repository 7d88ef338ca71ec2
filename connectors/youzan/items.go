package youzan

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/syncctl/syncctl/connectors"
	"github.com/syncctl/syncctl/domain"
	youzanmap "github.com/syncctl/syncctl/mapping/youzan"
)

// item is an item as item.create and item.update answer it.
type item struct {
	ItemID youzanmap.ID `json:"item_id"`
	Listed *bool        `json:"is_listing"`
	SKUs   []struct {
		SKUID  youzanmap.ID `json:"sku_id"`
		ItemNo string       `json:"item_no"`
	} `json:"skus"`
}

// number sends an id as the JSON number Youzan's 3.x APIs take; an id
// that is not digits is refused before any call.
func number(record, field, id string) (json.Number, error) {
	if !domain.Digits(id) {
		return "", domain.Errorf(domain.EInvalid, "youzan: %s, field %s: %q is not an integer id", record, field, id)
	}
	return json.Number(id), nil
}

// UpsertProduct creates the item (youzan.item.create) or replaces its
// content, prices and stock (youzan.item.update, the SKUs matched by
// item_no = the master SKU code).
func (c *Channel) UpsertProduct(ctx context.Context, p connectors.ProductPush) (connectors.ProductResult, error) {
	var res connectors.ProductResult
	params, err := youzanmap.ItemRequest(p, "")
	if err != nil {
		return res, err
	}
	api := "youzan.item.create"
	if p.Known != nil && p.Known.ItemID != "" {
		if _, err := number("product "+p.Product.Code, "item_id", p.Known.ItemID); err != nil {
			return res, err
		}
		params.ItemID, api = p.Known.ItemID, "youzan.item.update"
	} else if p.MayExist {
		// No documented lookup by item_no has been confirmed yet: creating
		// again could list the product twice, so the push stops here.
		return res, domain.Errorf(domain.EConflict, "youzan: product %s may exist already and the connector cannot look it up by item_no yet; check the shop and record its item id", p.Product.Code)
	}
	in := map[string]any{"title": params.Title, "item_no": params.ItemNo, "price": params.Price, "quantity": params.Quantity,
		"is_display": params.IsDisplay, "sku_stocks": params.SKUStocks}
	if params.Desc != "" {
		in["desc"] = params.Desc
	}
	if params.ImageURLs != "" {
		in["image_urls"] = params.ImageURLs
	}
	if params.ItemID != "" {
		in["item_id"] = json.Number(params.ItemID)
	}
	var r struct {
		Item item `json:"item"`
	}
	if err := c.call(ctx, api, in, &r); err != nil {
		return res, err
	}
	it := r.Item
	if it.ItemID == "" {
		return res, unavailable(nil, fmt.Sprintf("%s: product %s: the answer has no item_id", api, p.Product.Code))
	}
	res.IDs = connectors.ProductIDs{ItemID: string(it.ItemID), SKUIDs: map[string]string{}}
	res.Status = domain.ListingOnSale
	if it.Listed != nil && !*it.Listed {
		res.Status = domain.ListingDelisted
	}
	for _, s := range p.Product.SKUs {
		for _, k := range it.SKUs {
			if k.ItemNo == s.Code && k.SKUID != "" {
				res.IDs.SKUIDs[s.Code] = string(k.SKUID)
			}
		}
		if res.IDs.SKUIDs[s.Code] == "" {
			return res, unavailable(nil, fmt.Sprintf("%s: item %s: sku %s is missing from the answer", api, it.ItemID, s.Code))
		}
	}
	return res, nil
}

// skuParams are the item and SKU ids of a price or stock update.
func skuParams(code string, ids connectors.ProductIDs) (map[string]any, error) {
	rec := "sku " + code
	item, err := number(rec, "item_id", ids.ItemID)
	if err != nil {
		return nil, err
	}
	skuID, err := number(rec, "sku_id", ids.SKUIDs[code])
	if err != nil {
		return nil, err
	}
	return map[string]any{"item_id": item, "sku_id": skuID}, nil
}

// UpdatePrice sets one SKU's price (youzan.item.price.update, 分).
func (c *Channel) UpdatePrice(ctx context.Context, u connectors.PriceUpdate) error {
	if err := youzanmap.CheckPrice("sku "+u.SKUCode, u.Price); err != nil {
		return err
	}
	in, err := skuParams(u.SKUCode, u.IDs)
	if err != nil {
		return err
	}
	in["price"] = int64(u.Price)
	return c.call(ctx, "youzan.item.price.update", in, nil)
}

// UpdateStock sets one SKU's stock with a full update (type 0 全量): an
// absolute write, so a retry is harmless.
func (c *Channel) UpdateStock(ctx context.Context, u connectors.StockUpdate) error {
	if err := youzanmap.CheckStock("sku "+u.SKUCode, u.Quantity); err != nil {
		return err
	}
	in, err := skuParams(u.SKUCode, u.IDs)
	if err != nil {
		return err
	}
	in["quantity"], in["type"] = u.Quantity, 0
	return c.call(ctx, "youzan.item.quantity.update", in, nil)
}

// SetListed lists or delists the item.
func (c *Channel) SetListed(ctx context.Context, ids connectors.ProductIDs, listed bool) error {
	id, err := number("item "+ids.ItemID, "item_id", ids.ItemID)
	if err != nil {
		return err
	}
	api := "youzan.item.update.delisting"
	if listed {
		api = "youzan.item.update.listing"
	}
	return c.call(ctx, api, map[string]any{"item_id": id}, nil)
}
