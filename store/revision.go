package store

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	"github.com/syncctl/syncctl/domain"
)

// OrderRevision is the revision of an order version: the platform's
// modification time in Unix ms, so a store rebuilt from scratch gives the
// same version the same revision (and delivery id) and a later version a
// higher one; one more than the previous revision when two versions share
// a millisecond. Every backend numbers versions with it.
func OrderRevision(modified time.Time, prev int) int {
	r := int(modified.UnixMilli())
	if r <= prev {
		r = prev + 1
	}
	return max(r, 1)
}

// DeliveryID is the stable idempotency key of one order revision, the same
// in every backend (a store copied to another keeps its delivery ids).
func DeliveryID(shop domain.ShopRef, platformOrderID string, revision int) string {
	sum := sha256.Sum256([]byte(fmt.Sprintf("%s/%s/%s/%d", shop.Channel, shop.Shop, platformOrderID, revision)))
	return "dlv_" + hex.EncodeToString(sum[:12])
}

// RefundDeliveryID is the stable idempotency key of one revision of a
// refund case, the same in every backend.
func RefundDeliveryID(shop domain.ShopRef, platformOrderID, caseID string, revision int) string {
	sum := sha256.Sum256([]byte(fmt.Sprintf("%s/%s/%s/refund/%s/%d", shop.Channel, shop.Shop, platformOrderID, caseID, revision)))
	return "dlv_" + hex.EncodeToString(sum[:12])
}

// AfterSaleVersion digests a case without its times: a derived case is
// re-stamped with every order version, and only a change of content is a
// new version. Every backend stores it, so a copied store compares alike.
func AfterSaleVersion(c domain.AfterSale) (string, error) {
	c.CreatedAt, c.ModifiedAt = time.Time{}, time.Time{}
	b, err := json.Marshal(c)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:12]), nil
}
