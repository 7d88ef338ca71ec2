package douyin

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"

	"github.com/syncctl/syncctl/connectors"
	"github.com/syncctl/syncctl/domain"
	douyinmap "github.com/syncctl/syncctl/mapping/douyin"
)

// Idempotency of /sku/syncStock.
//
// Every call carries idempotent_id = StockIdempotentID(product, sku,
// target): the first 32 hex digits of SHA-256 over
// "syncStock|<product_id>|<sku_id>|<stock_num>|abs". The same target of the
// same SKU always gets the same id, so a retry (the gateway's answer lost,
// httpx resending the same body, a token refresh, or Temporal running the
// activity again) is one the platform has already applied and answers
// subIdempotentExisted to, without touching the stock a second time.
//
// The id names the target, not one push: a later push of the same target
// (stock 5, sales down to 3, then 5 again) gets the same id and the
// platform refuses it too. So a repeat is success only when the platform's
// stock is the target (product.detail, read only then); otherwise the id
// was an earlier push's and the target is sent once more under an id salted
// with the stock read and the clock (StockIdempotentID with salt), which
// is new. The write stays an absolute set (incremental false), so even
// that resend cannot count anything twice.
//
// UNCONFIRMED (channels.md §5.3 lists isv.idempotent-id-existed under 40003
// and nothing more): that a repeat answers this error rather than success,
// how long the platform remembers an id, and the id's length limit (32
// characters here); sandbox/douyin makes the same choice.
const subIdempotentExisted = "isv.idempotent-id-existed"

// StockIdempotentID is the idempotent_id of setting a SKU's stock to
// quantity; salt is "" except for the resend after a stale repeat.
func StockIdempotentID(productID, skuID string, quantity int, salt string) string {
	in := "syncStock|" + productID + "|" + skuID + "|" + strconv.Itoa(quantity) + "|abs"
	if salt != "" {
		in += "|" + salt
	}
	sum := sha256.Sum256([]byte(in))
	return hex.EncodeToString(sum[:16])
}

// UpdateStock sets one SKU's stock with sku.syncStock, incremental false:
// the platform takes the target itself (no read, no delta). Its
// idempotent_id makes a retry one the platform has seen (see
// subIdempotentExisted).
func (c *Channel) UpdateStock(ctx context.Context, u connectors.StockUpdate) error {
	if err := douyinmap.CheckStock("sku "+u.SKUCode, u.Quantity); err != nil {
		return err
	}
	id, err := c.skuID(ctx, u.IDs, u.SKUCode)
	if err != nil {
		return err
	}
	in := map[string]any{"product_id": u.IDs.ItemID, "sku_id": id, "stock_num": u.Quantity, "incremental": false,
		"idempotent_id": StockIdempotentID(u.IDs.ItemID, id, u.Quantity, "")}
	err = c.call(ctx, "sku.syncStock", in, nil)
	if subCode(err) != subIdempotentExisted {
		return err
	}
	d, err := c.detail(ctx, u.IDs.ItemID, true)
	if err != nil {
		return err
	}
	k, ok := d.SKU(id, "")
	if !ok {
		return &domain.Error{Code: domain.ENotFound, Platform: platformName, Message: fmt.Sprintf("product %s has no sku %s", u.IDs.ItemID, id)}
	}
	if k.StockNum == u.Quantity {
		return nil // the earlier call landed
	}
	in["idempotent_id"] = StockIdempotentID(u.IDs.ItemID, id, u.Quantity, strconv.Itoa(k.StockNum)+"@"+strconv.FormatInt(c.now().UnixNano(), 10))
	return c.call(ctx, "sku.syncStock", in, nil)
}
