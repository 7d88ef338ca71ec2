package wechat

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/syncctl/syncctl/connectors"
	"github.com/syncctl/syncctl/domain"
	wechatmap "github.com/syncctl/syncctl/mapping/wechat"
)

// Data types of product/get.
const (
	dataDraft = 2
	dataBoth  = 3
)

type productData struct {
	Product     *wechatmap.Product `json:"product"`
	EditProduct *wechatmap.Product `json:"edit_product"`
}

// getProduct reads a product's draft and online copy (either may be empty).
func (c *Channel) getProduct(ctx context.Context, productID string) (draft, online wechatmap.Product, err error) {
	var r productData
	if err := c.call(ctx, "product/get", map[string]any{"product_id": productID, "data_type": dataBoth}, &r); err != nil {
		return draft, online, err
	}
	if r.EditProduct != nil {
		draft = *r.EditProduct
	}
	if r.Product != nil {
		online = *r.Product
	}
	if r.EditProduct == nil && r.Product == nil {
		return draft, online, unavailable(nil, "product/get: the answer has neither product nor edit_product for "+productID)
	}
	return draft, online, nil
}

// sku finds a SKU in the online copy, else in the draft.
func sku(draft, online wechatmap.Product, skuID, code string) (wechatmap.SKU, bool) {
	if k, ok := online.SKU(skuID, code); ok {
		return k, true
	}
	return draft.SKU(skuID, code)
}

// UpsertProduct writes the product's draft with product/add (new) or
// product/update (known); either goes into review, so the result is
// in_review until ReviewStatus says otherwise. The SKU ids come from
// reading the draft back. stock_num in the body sets every SKU's stock.
//
// A product whose create may have landed (MayExist) is looked up by its
// out_product_id first, so a retry never creates it twice.
func (c *Channel) UpsertProduct(ctx context.Context, p connectors.ProductPush) (connectors.ProductResult, error) {
	var res connectors.ProductResult
	productID := ""
	if p.Known != nil {
		productID = p.Known.ItemID
	}
	// What the platform cannot take is refused before any call, the lookup included.
	body, err := wechatmap.ProductRequest(p, productID, c.catIDs)
	if err != nil {
		return res, err
	}
	if productID == "" && p.MayExist {
		if productID, err = c.findByOutProductID(ctx, p.Product.Code); err != nil {
			return res, err
		}
		if productID != "" {
			// Update the SKUs it has by their ids, as a Known push would.
			draft, _, err := c.getProduct(ctx, productID)
			if err != nil {
				return res, err
			}
			body.ProductID = productID
			for i, k := range body.SKUs {
				if have, ok := draft.SKU("", k.OutSKUID); ok {
					body.SKUs[i].SKUID = have.SKUID
				}
			}
		}
	}
	if productID == "" {
		var r struct {
			Data struct {
				ProductID string `json:"product_id"`
			} `json:"data"`
		}
		if err := c.call(ctx, "product/add", body, &r); err != nil {
			return res, err
		}
		// The platform has been seen to answer product_id "0" when the add failed.
		if productID = r.Data.ProductID; productID == "" || productID == "0" || !domain.Digits(productID) {
			return res, unavailable(nil, fmt.Sprintf("product/add: product %s: the answer has no product_id", p.Product.Code))
		}
	} else if err := c.call(ctx, "product/update", body, nil); err != nil {
		return res, err
	}
	res.IDs = connectors.ProductIDs{ItemID: productID, SKUIDs: map[string]string{}}
	draft, online, err := c.getProduct(ctx, productID)
	if err != nil {
		return res, err
	}
	for _, s := range p.Product.SKUs {
		k, ok := draft.SKU("", s.Code)
		if !ok || k.SKUID == "" {
			return res, unavailable(nil, fmt.Sprintf("product/get: product %s: sku %s is missing from the draft", productID, s.Code))
		}
		res.IDs.SKUIDs[s.Code] = k.SKUID
	}
	res.Status, _ = wechatmap.ReviewStatus(draft, online)
	return res, nil
}

// ReviewStatus implements connectors.ReviewTracker: edit_status 2 is in
// review, 3 rejected with the platform's reason; else the online status.
func (c *Channel) ReviewStatus(ctx context.Context, ids connectors.ProductIDs) (domain.ListingStatus, string, error) {
	draft, online, err := c.getProduct(ctx, ids.ItemID)
	if err != nil {
		return "", "", err
	}
	status, reason := wechatmap.ReviewStatus(draft, online)
	return status, reason, nil
}

// skuID returns a SKU's platform id, reading the product when the ids do
// not hold it.
func (c *Channel) skuID(ctx context.Context, ids connectors.ProductIDs, code string) (string, error) {
	if id := ids.SKUIDs[code]; id != "" {
		return id, nil
	}
	draft, online, err := c.getProduct(ctx, ids.ItemID)
	if err != nil {
		return "", err
	}
	k, ok := sku(draft, online, "", code)
	if !ok {
		return "", &domain.Error{Code: domain.ENotFound, Platform: platformName, Message: fmt.Sprintf("product %s has no sku %s", ids.ItemID, code)}
	}
	return k.SKUID, nil
}

// UpdatePrice sets one SKU's sale_price with product/auditfree, which
// needs no review (the product must have been listed, and not be in audit:
// EConflict then).
func (c *Channel) UpdatePrice(ctx context.Context, u connectors.PriceUpdate) error {
	if err := wechatmap.CheckPrice("sku "+u.SKUCode, u.Price); err != nil {
		return err
	}
	id, err := c.skuID(ctx, u.IDs, u.SKUCode)
	if err != nil {
		return err
	}
	return c.call(ctx, "product/auditfree", map[string]any{"product_id": u.IDs.ItemID,
		"skus": []map[string]any{{"sku_id": id, "sale_price": int64(u.Price)}}}, nil)
}

// Stock diff types of product/stock/update.
const (
	diffAdd      = 1
	diffSubtract = 2
)

// UpdateStock brings one SKU's stock to the target: it reads the stock the
// platform holds now (its sales lower it) and sends the difference as
// diff_type 1 or 2, or nothing when there is none, so a retried update
// never applies a delta twice.
func (c *Channel) UpdateStock(ctx context.Context, u connectors.StockUpdate) error {
	if err := wechatmap.CheckStock("sku "+u.SKUCode, u.Quantity); err != nil {
		return err
	}
	draft, online, err := c.getProduct(ctx, u.IDs.ItemID)
	if err != nil {
		return err
	}
	k, ok := sku(draft, online, u.IDs.SKUIDs[u.SKUCode], u.SKUCode)
	if !ok {
		return &domain.Error{Code: domain.ENotFound, Platform: platformName, Message: fmt.Sprintf("product %s has no sku %s", u.IDs.ItemID, u.SKUCode)}
	}
	delta := u.Quantity - k.StockNum
	if delta == 0 {
		return nil
	}
	diff := diffAdd
	if delta < 0 {
		diff, delta = diffSubtract, -delta
	}
	return c.call(ctx, "product/stock/update", map[string]any{"product_id": u.IDs.ItemID, "sku_id": k.SKUID, "diff_type": diff, "num": delta}, nil)
}

// SetListed lists (product/listing) or delists (product/delisting) a
// product. Delisting one that is not listed is done already.
func (c *Channel) SetListed(ctx context.Context, ids connectors.ProductIDs, listed bool) error {
	in := map[string]any{"product_id": ids.ItemID}
	if listed {
		return c.call(ctx, "product/listing", in, nil)
	}
	err := c.call(ctx, "product/delisting", in, nil)
	if platformCode(err) == codeNotListed {
		return nil
	}
	return err
}

// platformCode is the errcode of a platform error answer (0 for others).
func platformCode(err error) int {
	var de *domain.Error
	if !errors.As(err, &de) || de.Platform != platformName {
		return 0
	}
	n, _ := strconv.Atoi(de.PlatformCode)
	return n
}

// listPageSize is product/list/get's page_size: the platform's most.
const listPageSize = 30

// findByOutProductID looks a product up by its out_product_id; "" when
// there is none. The API has no such lookup (and does not check
// out_product_id for uniqueness), so it walks product/list/get and reads
// each product's draft: a cost paid only after an interrupted create.
func (c *Channel) findByOutProductID(ctx context.Context, outID string) (string, error) {
	key := ""
	for {
		var r struct {
			ProductIDs []json.Number `json:"product_ids"`
			NextKey    string        `json:"next_key"`
		}
		in := map[string]any{"page_size": listPageSize}
		if key != "" {
			in["next_key"] = key
		}
		if err := c.call(ctx, "product/list/get", in, &r); err != nil {
			return "", err
		}
		for _, id := range r.ProductIDs {
			var d productData
			if err := c.call(ctx, "product/get", map[string]any{"product_id": id.String(), "data_type": dataDraft}, &d); err != nil {
				return "", err
			}
			if d.EditProduct != nil && d.EditProduct.OutProductID == outID {
				return id.String(), nil
			}
		}
		if len(r.ProductIDs) < listPageSize || r.NextKey == "" || r.NextKey == key {
			return "", nil
		}
		key = r.NextKey
	}
}
