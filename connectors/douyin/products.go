package douyin

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/syncctl/syncctl/connectors"
	"github.com/syncctl/syncctl/domain"
	douyinmap "github.com/syncctl/syncctl/mapping/douyin"
)

// detail reads a product with product.detail; draft true reads the
// content last submitted (show_draft), which holds SKUs an edit added.
func (c *Channel) detail(ctx context.Context, productID string, draft bool) (douyinmap.Detail, error) {
	var d douyinmap.Detail
	in := map[string]any{"product_id": productID, "show_draft": fmt.Sprint(draft)}
	if err := c.call(ctx, "product.detail", in, &d); err != nil {
		return d, err
	}
	if d.ProductID == "" {
		return d, unavailable(nil, "product.detail: the answer has no product_id for "+productID)
	}
	return d, nil
}

// UpsertProduct creates the product with product.addV2 (new) or rewrites
// it with product.editV2 (known); either goes into review, so the result
// is in_review until ReviewStatus says otherwise. The master product code
// is outer_product_id and each SKU's code its outer_sku_id; the SKU ids
// come from reading the submitted content back.
//
// A product whose create may have landed (MayExist) is looked up by its
// outer_product_id first, so a retry never creates it twice.
func (c *Channel) UpsertProduct(ctx context.Context, p connectors.ProductPush) (connectors.ProductResult, error) {
	var res connectors.ProductResult
	productID := ""
	if p.Known != nil {
		productID = p.Known.ItemID
	}
	// What the platform cannot take is refused before any call, the lookup included.
	params, err := douyinmap.ProductRequest(p, productID, c.settings)
	if err != nil {
		return res, err
	}
	if productID == "" && p.MayExist {
		if productID, err = c.findByOuterID(ctx, p.Product.Code); err != nil {
			return res, err
		}
		params.ProductID = productID
	}
	if productID == "" {
		var r struct {
			ProductID douyinmap.ID `json:"product_id"`
		}
		if err := c.call(ctx, "product.addV2", params, &r); err != nil {
			return res, err
		}
		if productID = string(r.ProductID); !domain.Digits(productID) || productID == "0" {
			return res, unavailable(nil, fmt.Sprintf("product.addV2: product %s: the answer has no product_id", p.Product.Code))
		}
	} else if err := c.call(ctx, "product.editV2", params, nil); err != nil {
		return res, err
	}
	res.IDs = connectors.ProductIDs{ItemID: productID, SKUIDs: map[string]string{}}
	d, err := c.detail(ctx, productID, true)
	if err != nil {
		return res, err
	}
	for _, s := range p.Product.SKUs {
		k, ok := d.SKU("", s.Code)
		if !ok || !domain.Digits(string(k.SKUID)) {
			return res, unavailable(nil, fmt.Sprintf("product.detail: product %s: sku %s is missing from the submitted content", productID, s.Code))
		}
		res.IDs.SKUIDs[s.Code] = string(k.SKUID)
	}
	res.Status, _ = douyinmap.ReviewStatus(d, "")
	return res, nil
}

// ReviewStatus implements connectors.ReviewTracker from check_status and
// status; a rejection's reason is the newest record of product.auditList.
func (c *Channel) ReviewStatus(ctx context.Context, ids connectors.ProductIDs) (domain.ListingStatus, string, error) {
	d, err := c.detail(ctx, ids.ItemID, true)
	if err != nil {
		return "", "", err
	}
	reason := ""
	if d.CheckStatus == douyinmap.CheckRejected || d.CheckStatus == douyinmap.CheckBanned {
		var r struct {
			Records []douyinmap.AuditRecord `json:"records"`
		}
		if err := c.call(ctx, "product.auditList", map[string]any{"product_id": ids.ItemID, "page": 1, "size": 1}, &r); err != nil {
			return "", "", err
		}
		if len(r.Records) > 0 {
			reason = r.Records[0].AuditReason
		}
	}
	status, reason := douyinmap.ReviewStatus(d, reason)
	return status, reason, nil
}

// listPageSize is product.listV2's size: the platform's most.
const listPageSize = 100

// findByOuterID looks a product up by its outer_product_id; "" when there
// is none. product.detail takes only the numeric out_product_id, so it
// walks product.listV2 (pages from 1: UNCONFIRMED): a cost paid only after
// an interrupted create.
func (c *Channel) findByOuterID(ctx context.Context, outerID string) (string, error) {
	for page := 1; ; page++ {
		var r struct {
			Data []struct {
				ProductID      douyinmap.ID `json:"product_id"`
				OuterProductID string       `json:"outer_product_id"`
			} `json:"data"`
			Total int `json:"total"`
		}
		if err := c.call(ctx, "product.listV2", map[string]any{"page": page, "size": listPageSize}, &r); err != nil {
			return "", err
		}
		for _, p := range r.Data {
			if p.OuterProductID == outerID && p.ProductID != "" {
				return string(p.ProductID), nil
			}
		}
		if len(r.Data) < listPageSize || page*listPageSize >= r.Total {
			return "", nil
		}
	}
}

// skuID returns a SKU's platform id, reading the product when the ids do
// not hold it.
func (c *Channel) skuID(ctx context.Context, ids connectors.ProductIDs, code string) (string, error) {
	if id := ids.SKUIDs[code]; id != "" {
		return id, nil
	}
	d, err := c.detail(ctx, ids.ItemID, true)
	if err != nil {
		return "", err
	}
	k, ok := d.SKU("", code)
	if !ok {
		return "", &domain.Error{Code: domain.ENotFound, Platform: platformName, Message: fmt.Sprintf("product %s has no sku %s", ids.ItemID, code)}
	}
	return string(k.SKUID), nil
}

// UpdatePrice sets one SKU's price with sku.editPrice (分).
func (c *Channel) UpdatePrice(ctx context.Context, u connectors.PriceUpdate) error {
	if err := douyinmap.CheckPrice("sku "+u.SKUCode, u.Price); err != nil {
		return err
	}
	id, err := c.skuID(ctx, u.IDs, u.SKUCode)
	if err != nil {
		return err
	}
	return c.call(ctx, "sku.editPrice", map[string]any{"product_id": u.IDs.ItemID, "sku_id": id, "price": int64(u.Price)}, nil)
}

// SetListed lists (product.setOnline) or delists (product.setOffline).
func (c *Channel) SetListed(ctx context.Context, ids connectors.ProductIDs, listed bool) error {
	method := "product.setOffline"
	if listed {
		method = "product.setOnline"
	}
	return c.call(ctx, method, map[string]any{"product_id": ids.ItemID}, nil)
}

// 精选联盟 普通计划 (/buyin/simplePlan). The status values and the
// per-product error codes are UNCONFIRMED (channels.md §5.8); sandbox/douyin
// keeps the same.
const (
	planClosed      = 0
	planOpen        = 1
	planErrExists   = 1001
	planErrNotFound = 1002
)

// planResult is one product's answer of buyin.simplePlan.
type planResult struct {
	Result []struct {
		ProductID douyinmap.ID `json:"product_id"`
		IsSuccess bool         `json:"is_success"`
		ErrorCode int          `json:"error_code"`
		ErrorMsg  string       `json:"error_msg"`
	} `json:"result"`
}

// plan sends one product's simplePlan and returns its error code (0 = ok).
func (c *Channel) plan(ctx context.Context, productID string, create bool, status int, ratio json.Number) (int, string, error) {
	if !domain.Digits(productID) {
		return 0, "", domain.Errorf(domain.EInvalid, "douyin 精选联盟: product %q, field item_id: not a numeric product_id", productID)
	}
	var r planResult
	in := map[string]any{"is_create": create, "status": status, "products": []map[string]any{{"product_id": json.Number(productID), "cos_ratio": ratio}}}
	if err := c.call(ctx, "buyin.simplePlan", in, &r); err != nil {
		return 0, "", err
	}
	if len(r.Result) == 0 {
		return 0, "", unavailable(nil, "buyin.simplePlan: the answer has no result for product "+productID)
	}
	if x := r.Result[0]; !x.IsSuccess {
		return max(x.ErrorCode, 1), x.ErrorMsg, nil
	}
	return 0, "", nil
}

// CosRatio converts a commission in basis points into simplePlan's
// cos_ratio, a percent (0 to 100) with up to two decimals: 1250 bp →
// "12.5". It is written from integers, never through float64 formatting.
func CosRatio(bp int) (json.Number, error) {
	if bp < 1 || bp > 10000 {
		return "", domain.Errorf(domain.EInvalid, "douyin 精选联盟: commission rate %d bp is outside 1 to 10000 (0.01%% to 100%%)", bp)
	}
	s := fmt.Sprintf("%d", bp/100)
	switch f := bp % 100; {
	case f%10 == 0 && f != 0:
		s += fmt.Sprintf(".%d", f/10)
	case f != 0:
		s += fmt.Sprintf(".%02d", f)
	}
	return json.Number(s), nil
}

// JoinPromotionPool puts the product in the shop's 精选联盟 普通计划 at
// commissionBP (basis points, sent as cos_ratio in percent), or changes
// the rate of a product already there.
func (c *Channel) JoinPromotionPool(ctx context.Context, ids connectors.ProductIDs, commissionBP int) error {
	ratio, err := CosRatio(commissionBP)
	if err != nil {
		return err
	}
	code, msg, err := c.plan(ctx, ids.ItemID, true, planOpen, ratio)
	if err == nil && code == planErrExists {
		code, msg, err = c.plan(ctx, ids.ItemID, false, planOpen, ratio)
	}
	if err != nil || code == 0 {
		return err
	}
	return &domain.Error{Code: domain.EConflict, Platform: platformName, PlatformCode: fmt.Sprint(code),
		Message: fmt.Sprintf("buyin.simplePlan: product %s: %s", ids.ItemID, msg)}
}

// LeavePromotionPool closes the product's plan; a product never in the
// plan has left already.
func (c *Channel) LeavePromotionPool(ctx context.Context, ids connectors.ProductIDs) error {
	code, msg, err := c.plan(ctx, ids.ItemID, false, planClosed, "0")
	if err != nil || code == 0 || code == planErrNotFound {
		return err
	}
	return &domain.Error{Code: domain.EConflict, Platform: platformName, PlatformCode: fmt.Sprint(code),
		Message: fmt.Sprintf("buyin.simplePlan: product %s: %s", ids.ItemID, msg)}
}
