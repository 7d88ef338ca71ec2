package wechatmap

import (
	"encoding/json"
	"fmt"

	"github.com/syncctl/syncctl/domain"
)

// AfterSaleOrder is a case as aftersale/getaftersaleorder sends it under
// "after_sale_order". Ids are kept as json.Number or strings; money is 分,
// times unix seconds. One case covers one SKU of one order (product_info).
type AfterSaleOrder struct {
	AfterSaleOrderID json.Number `json:"after_sale_order_id"`
	OrderID          json.Number `json:"order_id"`
	Status           string      `json:"status"`
	Type             string      `json:"type"`
	Reason           string      `json:"reason"`
	OpenID           string      `json:"openid"`
	CreateTime       int64       `json:"create_time"`
	UpdateTime       int64       `json:"update_time"`
	ProductInfo      struct {
		ProductID json.Number `json:"product_id"`
		SKUID     json.Number `json:"sku_id"`
		Count     int         `json:"count"`
	} `json:"product_info"`
	RefundInfo struct {
		Amount int64 `json:"amount"`
	} `json:"refund_info"`
	ReturnInfo struct {
		WaybillID  string `json:"waybill_id"`
		DeliveryID string `json:"delivery_id"`
	} `json:"return_info"`
	Details struct {
		Desc string `json:"desc"`
	} `json:"details"`
}

// afterSaleStatus normalizes the status strings of getaftersaleorder (enum
// AfterSaleStatus of the docs: 用户取消申请, 商家受理中, 商家拒绝退款, …).
var afterSaleStatus = map[string]domain.AfterSaleStatus{
	"USER_CANCELD":               domain.AfterSaleCancelled, // sic: the platform's spelling
	"MERCHANT_PROCESSING":        domain.AfterSaleRequested,
	"MERCHANT_REJECT_REFUND":     domain.AfterSaleRejected,
	"MERCHANT_REJECT_RETURN":     domain.AfterSaleRejected,
	"MERCHANT_REJECT_EXCHANGE":   domain.AfterSaleRejected,
	"USER_WAIT_RETURN":           domain.AfterSaleApproved,
	"MERCHANT_WAIT_RECEIPT":      domain.AfterSaleApproved,
	"MERCHANT_OVERDUE_REFUND":    domain.AfterSaleApproved,
	"PLATFORM_REFUNDING":         domain.AfterSaleApproved,
	"PLATFORM_REFUND_FAIL":       domain.AfterSaleApproved, // approved, the money not out yet
	"USER_WAIT_CONFIRM":          domain.AfterSaleApproved,
	"MERCHANT_REFUND_SUCCESS":    domain.AfterSaleRefunded,
	"MERCHANT_RETURN_SUCCESS":    domain.AfterSaleRefunded,
	"RETURN_CLOSED":              domain.AfterSaleCancelled, // closed without a refund
	"MERCHANT_REFUND_RETRY_FAIL": domain.AfterSaleCancelled, // 商家打款失败,客服关闭售后
	"MERCHANT_FAIL":              domain.AfterSaleCancelled, // 售后关闭
}

// afterSaleKind maps the case type. UNCONFIRMED: REFUND and RETURN are in
// the doc samples; EXCHANGE (换货) is inferred from the exchange APIs.
var afterSaleKind = map[string]string{"REFUND": "refund_only", "RETURN": "return_refund", "EXCHANGE": "exchange"}

// DecodeAfterSale decodes getaftersaleorder's answer (the whole body).
func DecodeAfterSale(shop domain.ShopRef, body []byte) (domain.AfterSale, error) {
	var w struct {
		Order *AfterSaleOrder `json:"after_sale_order"`
	}
	if err := json.Unmarshal(body, &w); err != nil {
		return domain.AfterSale{}, invalid("after-sale case", "(body)", "malformed JSON: "+err.Error())
	}
	if w.Order == nil {
		return domain.AfterSale{}, invalid("after-sale case", "after_sale_order", "missing")
	}
	return AfterSaleToDomain(shop, *w.Order)
}

// AfterSaleToDomain maps a case; a missing or malformed field is EInvalid
// naming the case and the field. An unknown status or type is carried raw.
func AfterSaleToDomain(shop domain.ShopRef, a AfterSaleOrder) (domain.AfterSale, error) {
	id := a.AfterSaleOrderID.String()
	rec := "after-sale case " + id
	if !domain.Digits(id) {
		return domain.AfterSale{}, invalid("after-sale case", "after_sale_order_id", fmt.Sprintf("%q is not an integer id", id))
	}
	out := domain.AfterSale{Shop: shop, PlatformCaseID: id, PlatformOrderID: a.OrderID.String(), PlatformStatus: a.Status,
		Status: domain.AfterSaleUnknown, Kind: a.Type, Reason: a.Reason, ReturnTrackingNo: a.ReturnInfo.WaybillID}
	if s, ok := afterSaleStatus[a.Status]; ok {
		out.Status = s
	}
	if k, ok := afterSaleKind[a.Type]; ok {
		out.Kind = k
	}
	if out.Reason == "" {
		out.Reason = a.Details.Desc
	}
	p := a.ProductInfo
	switch {
	case !domain.Digits(out.PlatformOrderID):
		return out, invalid(rec, "order_id", fmt.Sprintf("%q is not an integer id", out.PlatformOrderID))
	case a.Status == "":
		return out, invalid(rec, "status", "missing")
	case a.RefundInfo.Amount < 0:
		return out, invalid(rec, "refund_info.amount", fmt.Sprintf("%d 分 is negative", a.RefundInfo.Amount))
	case !domain.Digits(p.SKUID.String()):
		return out, invalid(rec, "product_info.sku_id", fmt.Sprintf("%q is not an integer id", p.SKUID.String()))
	case p.Count <= 0:
		return out, invalid(rec, "product_info.count", fmt.Sprintf("must be positive (got %d)", p.Count))
	}
	var err error
	if out.CreatedAt, err = unixTime(rec, "create_time", a.CreateTime); err != nil {
		return out, err
	}
	if out.ModifiedAt, err = unixTime(rec, "update_time", a.UpdateTime); err != nil {
		return out, err
	}
	out.RefundAmount = domain.Money(a.RefundInfo.Amount)
	// The order's line id is its sku_id (OrderToSalesOrder), so the case
	// names the same line.
	out.Lines = []domain.AfterSaleLine{{PlatformLineID: p.SKUID.String(), Quantity: p.Count, RefundAmount: out.RefundAmount}}
	return out, nil
}
