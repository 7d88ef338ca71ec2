package wechat

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/syncctl/syncctl/connectors"
	"github.com/syncctl/syncctl/domain"
	wechatmap "github.com/syncctl/syncctl/mapping/wechat"
)

// 优选联盟 error codes (league/item/* doc tables).
const (
	codeLeagueClosed    = 10023007 // 请先开通优选联盟
	codeLeagueNoProduct = 10023103 // 不存在该商品 (not in the pool, or no such product)
	codeLeagueNotListed = 10023104 // 该小店商品未上架
)

var _ connectors.PromotionPool = (*Channel)(nil)

// leagueItemKey names a product's 普通推广 plan. product_id goes as a
// JSON number, as the league docs type it, without passing through float64.
func leagueItemKey(ids connectors.ProductIDs) (map[string]any, error) {
	if !domain.Digits(ids.ItemID) {
		return nil, domain.Errorf(domain.EInvalid, "wechat_shop promotion pool, field item_id: %q is not a product id", ids.ItemID)
	}
	return map[string]any{"type": wechatmap.LeagueTypeOpen, "product_id": json.Number(ids.ItemID)}, nil
}

// JoinPromotionPool puts a listed product into 优选联盟 as 普通推广 (any
// promoter may pick it) at commissionBP basis points, converted to the
// platform's whole percent (wechatmap.LeagueRatio). It reads the plan
// first (league/item/get): absent, league/item/batchadd adds it for good
// (is_forerver); present at another ratio, league/item/upd edits it; at the
// same ratio nothing is sent. So a retry sends nothing twice. A product
// that is not listed is EConflict (10023104).
func (c *Channel) JoinPromotionPool(ctx context.Context, ids connectors.ProductIDs, commissionBP int) error {
	ratio, err := wechatmap.LeagueRatio("product "+ids.ItemID, commissionBP)
	if err != nil {
		return err
	}
	key, err := leagueItemKey(ids)
	if err != nil {
		return err
	}
	var got struct {
		Item struct {
			Ratio int `json:"ratio"`
		} `json:"item"`
	}
	err = c.call(ctx, "league/item/get", key, &got)
	switch {
	case platformCode(err) == codeLeagueNoProduct:
		return c.leagueAdd(ctx, ids.ItemID, ratio)
	case err != nil:
		return err
	case got.Item.Ratio == ratio:
		return nil
	}
	key["operate_type"], key["ratio"] = wechatmap.LeagueOperateEd, ratio
	return c.call(ctx, "league/item/upd", key, nil)
}

// leagueAdd sends league/item/batchadd for one product; the answer's
// per-product result carries the product's own error.
func (c *Channel) leagueAdd(ctx context.Context, productID string, ratio int) error {
	in := map[string]any{"type": wechatmap.LeagueTypeOpen, "is_forerver": true,
		"list": []map[string]any{{"product_id": json.Number(productID), "ratio": ratio}}}
	var r struct {
		Results []struct {
			ErrCode   int         `json:"errcode"`
			ErrMsg    string      `json:"errmsg"`
			ProductID json.Number `json:"product_id"`
		} `json:"result_info_list"`
	}
	if err := c.call(ctx, "league/item/batchadd", in, &r); err != nil {
		return err
	}
	for _, x := range r.Results {
		if x.ProductID.String() == productID && x.ErrCode != 0 {
			return mapError("league/item/batchadd", x.ErrCode, fmt.Sprintf("product %s: %s", productID, x.ErrMsg), c.now())
		}
		if x.ProductID.String() == productID {
			return nil
		}
	}
	return unavailable(nil, "league/item/batchadd: the answer has no result for product "+productID)
}

// LeavePromotionPool takes the product's 普通推广 plan off with
// league/item/delete. A product not in the pool has left already.
func (c *Channel) LeavePromotionPool(ctx context.Context, ids connectors.ProductIDs) error {
	key, err := leagueItemKey(ids)
	if err != nil {
		return err
	}
	err = c.call(ctx, "league/item/delete", key, nil)
	if platformCode(err) == codeLeagueNoProduct {
		return nil
	}
	return err
}
