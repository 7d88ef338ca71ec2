package douyinmap

import (
	"bytes"
	"encoding/json"

	"github.com/syncctl/syncctl/domain"
)

// ID is a platform id sent as a JSON number or a string (product_id is a
// 19-digit number: never through float64).
type ID string

// UnmarshalJSON accepts 123, "123" and null.
func (id *ID) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case string(b) == "null":
		*id = ""
	case len(b) > 0 && b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*id = ID(s)
	default:
		var n json.Number
		if err := json.Unmarshal(b, &n); err != nil {
			return err
		}
		*id = ID(n)
	}
	return nil
}

// Detail is a product as /product/detail answers it (data).
type Detail struct {
	ProductID      ID          `json:"product_id"`
	OuterProductID string      `json:"outer_product_id"`
	Name           string      `json:"name"`
	Status         int         `json:"status"`       // 上下架 (OnlineStatus)
	CheckStatus    int         `json:"check_status"` // 审核 (channels.md §5.4)
	DraftStatus    int         `json:"draft_status"`
	SpecPrices     []DetailSKU `json:"spec_prices"`
}

// DetailSKU is one SKU of a Detail.
type DetailSKU struct {
	SKUID      ID     `json:"sku_id"`
	OuterSKUID string `json:"outer_sku_id"`
	Code       string `json:"code"`
	Price      int64  `json:"price"`
	StockNum   int    `json:"stock_num"`
}

// SKU finds a SKU by its platform id, or by its outer_sku_id (the master
// SKU code; code as a fallback) when skuID is "".
func (d Detail) SKU(skuID, code string) (DetailSKU, bool) {
	for _, k := range d.SpecPrices {
		if skuID != "" && string(k.SKUID) == skuID {
			return k, true
		}
		if skuID == "" && (k.OuterSKUID == code || (k.OuterSKUID == "" && k.Code == code)) {
			return k, true
		}
	}
	return DetailSKU{}, false
}

// check_status values (Lesible CheckStatus.java).
const (
	CheckNotSubmitted    = 1
	CheckInReview        = 2
	CheckApproved        = 3
	CheckRejected        = 4
	CheckBanned          = 5
	CheckApprovedOffline = 7 // 审核通过待上架
)

// Online status values. UNCONFIRMED (channels.md §5.4: "commonly 0 上架 /
// 1 下架 / 2 删除"); sandbox/douyin keeps the same.
const (
	StatusOnline  = 0
	StatusOffline = 1
	StatusDeleted = 2
)

// ReviewStatus reads where a product stands: a review in progress or
// refused wins (the reason comes from the product's audit record), then
// the online status. A product banned by the platform (封禁) counts as
// rejected.
func ReviewStatus(d Detail, reason string) (domain.ListingStatus, string) {
	switch d.CheckStatus {
	case CheckInReview:
		return domain.ListingInReview, ""
	case CheckRejected:
		return domain.ListingRejected, reason
	case CheckBanned:
		if reason == "" {
			reason = "封禁"
		}
		return domain.ListingRejected, reason
	case CheckNotSubmitted:
		return domain.ListingPending, ""
	}
	switch d.Status {
	case StatusOnline:
		return domain.ListingOnSale, ""
	case StatusDeleted:
		return domain.ListingRemoved, ""
	}
	return domain.ListingDelisted, ""
}

// AuditRecord is one entry of /product/auditList: the outcome of one
// review with its reason. UNCONFIRMED: the field names were not seen in
// a source; sandbox/douyin keeps the same.
type AuditRecord struct {
	ProductID   ID     `json:"product_id"`
	AuditStatus int    `json:"audit_status"` // a check_status value
	AuditReason string `json:"audit_reason"`
	AuditTime   int64  `json:"audit_time"`
}
