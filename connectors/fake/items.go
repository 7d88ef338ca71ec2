package fake

import (
	"context"
	"fmt"

	"github.com/syncctl/syncctl/connectors"
	"github.com/syncctl/syncctl/domain"
	fakemap "github.com/syncctl/syncctl/mapping/fake"
)

type itemData struct {
	Item fakemap.Item `json:"item"`
}

// getItem reads an item (product.get by item_id).
func (c *Channel) getItem(ctx context.Context, itemID string) (fakemap.Item, error) {
	var r itemData
	if err := c.call(ctx, "product.get", map[string]string{"item_id": itemID}, &r); err != nil {
		return r.Item, err
	}
	return r.Item, checkItem("product.get", itemID, r.Item)
}

// checkItem refuses an answer that is not the item asked for (want; ""
// takes any id), or that holds a SKU the connector could not address (no
// sku_id, no outer_id or one another SKU has) or whose stock is below 0:
// its id and stock are written back (stock moves are deltas from it).
func checkItem(method, want string, it fakemap.Item) error {
	switch {
	case it.ItemID == "":
		return unavailable(nil, method+": the answer has no item_id")
	case want != "" && it.ItemID != want:
		return unavailable(nil, fmt.Sprintf("%s: asked for item %s, got %q", method, want, it.ItemID))
	}
	outer := map[string]bool{}
	for _, k := range it.SKUs {
		field, why := "", ""
		switch {
		case k.SKUID == "":
			field, why = "sku_id", "empty"
		case k.OuterID == "":
			field, why = "outer_id", "empty: the SKU has no master SKU code"
		case outer[k.OuterID]:
			field, why = "outer_id", "another SKU of the item has it too"
		case k.Stock < 0:
			field, why = "stock", fmt.Sprintf("%d is negative", k.Stock)
		}
		if field != "" {
			return unavailable(nil, fmt.Sprintf("%s: item %s sku %s, field %s: %s", method, it.ItemID, k.SKUID, field, why))
		}
		outer[k.OuterID] = true
	}
	return nil
}

// findByOuterID looks a product up by its outer id, before a create that
// an interrupted attempt may already have made; "" when there is none.
func (c *Channel) findByOuterID(ctx context.Context, outerID string) (string, error) {
	var r itemData
	err := c.call(ctx, "product.get", map[string]string{"outer_id": outerID}, &r)
	if domain.ErrorCode(err) == domain.ENotFound {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	if r.Item.OuterID != outerID {
		return "", unavailable(nil, fmt.Sprintf("product.get: asked for outer_id %q, got item %q of %q", outerID, r.Item.ItemID, r.Item.OuterID))
	}
	return r.Item.ItemID, checkItem("product.get", "", r.Item)
}

// UpsertProduct creates or updates the item with product.upsert (content
// goes into review), then brings the stock of the SKUs the item had
// already to the push's numbers with deltas: on this platform an update
// sets the stock of new SKUs only.
func (c *Channel) UpsertProduct(ctx context.Context, p connectors.ProductPush) (connectors.ProductResult, error) {
	var res connectors.ProductResult
	// What the platform cannot take is refused before any call, the lookup included.
	if _, err := fakemap.ProductRequest(p, ""); err != nil {
		return res, err
	}
	itemID := ""
	if p.Known != nil {
		itemID = p.Known.ItemID
	} else if p.MayExist {
		id, err := c.findByOuterID(ctx, p.Product.Code)
		if err != nil {
			return res, err
		}
		itemID = id
	}
	req, err := fakemap.ProductRequest(p, itemID)
	if err != nil {
		return res, err
	}
	var r itemData
	if err := c.call(ctx, "product.upsert", req, &r); err != nil {
		return res, err
	}
	it := r.Item
	if it.ItemID == "" {
		return res, unavailable(nil, fmt.Sprintf("product.upsert: product %s: the answer has no item_id", p.Product.Code))
	}
	if err := checkItem("product.upsert", itemID, it); err != nil {
		return res, err
	}
	status, ok := fakemap.ListingStatus(it.Status)
	if !ok {
		return res, unavailable(nil, fmt.Sprintf("product.upsert: item %s, field status: %q is not a documented status", it.ItemID, it.Status))
	}
	res.IDs, res.Status = connectors.ProductIDs{ItemID: it.ItemID, SKUIDs: map[string]string{}}, status
	for _, s := range p.Product.SKUs {
		k, ok := it.SKU("", s.Code)
		if !ok || k.SKUID == "" {
			return res, unavailable(nil, fmt.Sprintf("product.upsert: item %s: sku %s is missing from the answer", it.ItemID, s.Code))
		}
		res.IDs.SKUIDs[s.Code] = k.SKUID
		if itemID == "" || k.Stock == p.Stocks[s.Code] {
			continue
		}
		if err := c.stockDelta(ctx, it.ItemID, k, p.Stocks[s.Code]); err != nil {
			return res, err
		}
	}
	return res, nil
}

// UpdatePrice sets one SKU's price (sku.price.update, absolute).
func (c *Channel) UpdatePrice(ctx context.Context, u connectors.PriceUpdate) error {
	if err := fakemap.CheckPrice("sku "+u.SKUCode, u.Price); err != nil {
		return err
	}
	skuID := u.IDs.SKUIDs[u.SKUCode]
	if skuID == "" {
		it, err := c.getItem(ctx, u.IDs.ItemID)
		if err != nil {
			return err
		}
		k, ok := it.SKU("", u.SKUCode)
		if !ok {
			return &domain.Error{Code: domain.ENotFound, Platform: "fake", Message: fmt.Sprintf("item %s has no sku %s", u.IDs.ItemID, u.SKUCode)}
		}
		skuID = k.SKUID
	}
	return c.call(ctx, "sku.price.update", map[string]any{"item_id": u.IDs.ItemID, "sku_id": skuID, "price_fen": int64(u.Price)}, nil)
}

// UpdateStock brings one SKU's stock to the target. The platform takes
// deltas only and lowers the stock on every sale, so the connector reads
// the stock it holds now and sends the difference, or nothing when there
// is none; a retried update reads again and so never applies a delta twice.
func (c *Channel) UpdateStock(ctx context.Context, u connectors.StockUpdate) error {
	if err := fakemap.CheckStock("sku "+u.SKUCode, u.Quantity); err != nil {
		return err
	}
	it, err := c.getItem(ctx, u.IDs.ItemID)
	if err != nil {
		return err
	}
	k, ok := it.SKU(u.IDs.SKUIDs[u.SKUCode], u.SKUCode)
	if !ok {
		return &domain.Error{Code: domain.ENotFound, Platform: "fake", Message: fmt.Sprintf("item %s has no sku %s", u.IDs.ItemID, u.SKUCode)}
	}
	if k.Stock == u.Quantity {
		return nil
	}
	return c.stockDelta(ctx, u.IDs.ItemID, k, u.Quantity)
}

func (c *Channel) stockDelta(ctx context.Context, itemID string, k fakemap.ItemSKU, target int) error {
	return c.call(ctx, "sku.stock.delta", map[string]any{"item_id": itemID, "sku_id": k.SKUID, "delta": target - k.Stock}, nil)
}

// SetListed puts the item on or off the shelf.
func (c *Channel) SetListed(ctx context.Context, ids connectors.ProductIDs, listed bool) error {
	return c.call(ctx, "product.listing", map[string]any{"item_id": ids.ItemID, "listed": listed}, nil)
}

// ReviewStatus implements connectors.ReviewTracker with
// product.review_status: where the item is in review, and the platform's
// reason when it was rejected.
func (c *Channel) ReviewStatus(ctx context.Context, ids connectors.ProductIDs) (domain.ListingStatus, string, error) {
	var r struct {
		ItemID       string `json:"item_id"`
		Status       string `json:"status"`
		RejectReason string `json:"reject_reason"`
	}
	if err := c.call(ctx, "product.review_status", map[string]string{"item_id": ids.ItemID}, &r); err != nil {
		return "", "", err
	}
	if r.ItemID != ids.ItemID {
		return "", "", unavailable(nil, fmt.Sprintf("product.review_status: asked for item %s, got %q", ids.ItemID, r.ItemID))
	}
	status, ok := fakemap.ListingStatus(r.Status)
	if !ok {
		return "", "", unavailable(nil, fmt.Sprintf("product.review_status: item %s, field status: %q is not a documented status", ids.ItemID, r.Status))
	}
	return status, r.RejectReason, nil
}
