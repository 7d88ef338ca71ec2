package domain

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strings"
	"time"
)

// OrderStatus is the normalized lifecycle of a sales order, whatever the
// platform calls it.
type OrderStatus string

const (
	OrderPendingPayment OrderStatus = "pending_payment" // created, not paid
	OrderPaid           OrderStatus = "paid"            // paid, waiting to ship
	OrderPartShipped    OrderStatus = "partially_shipped"
	OrderShipped        OrderStatus = "shipped"   // all goods sent, buyer not yet confirmed
	OrderCompleted      OrderStatus = "completed" // buyer signed / trade finished
	OrderCancelled      OrderStatus = "cancelled" // closed before or after payment
	// The refund statuses come from the lines' refund states (whatever
	// the platform says of the order as a whole, which stays in
	// PlatformStatus): one line or more with a refund under way, every
	// line refunded, some lines or part of their money refunded.
	OrderRefunding    OrderStatus = "refunding"
	OrderRefunded     OrderStatus = "refunded"
	OrderPartRefunded OrderStatus = "partially_refunded"
	OrderUnknown      OrderStatus = "unknown" // a platform status we do not map: carried raw
)

// SalesOrder is the ERP-shaped order every channel's order maps onto.
// Amounts are fen. Buyer and receiver data is masked: syncctl never stores or
// forwards full PII.
type SalesOrder struct {
	Shop            ShopRef     `json:"shop"`
	PlatformOrderID string      `json:"platform_order_id"` // string: 64-bit ids
	Status          OrderStatus `json:"status"`
	PlatformStatus  string      `json:"platform_status"`
	CreatedAt       time.Time   `json:"created_at"`
	PaidAt          *time.Time  `json:"paid_at,omitempty"`
	ModifiedAt      time.Time   `json:"modified_at"` // platform's last-modified: the order's version
	Currency        string      `json:"currency"`    // "CNY"
	Amounts         Amounts     `json:"amounts"`
	Buyer           Party       `json:"buyer"`
	Receiver        Receiver    `json:"receiver"`
	Lines           []OrderLine `json:"lines"`
	CPS             *CPSInfo    `json:"cps,omitempty"` // set when an influencer/promoter sold it
	BuyerMessage    string      `json:"buyer_message,omitempty"`
}

// Amounts are the order-level money figures, all fen.
type Amounts struct {
	Goods    Money `json:"goods"`    // sum of line list amounts
	Discount Money `json:"discount"` // all discounts
	Freight  Money `json:"freight"`  // postage
	Paid     Money `json:"paid"`     // what the buyer paid
}

// Party is a masked buyer identity.
type Party struct {
	Nick string `json:"nick,omitempty"` // masked, e.g. "t**1"
	ID   string `json:"id,omitempty"`   // platform's opaque buyer id (open_uid, oaid)
}

// Receiver is the masked shipping address.
type Receiver struct {
	Name     string `json:"name,omitempty"`  // masked: "张*"
	Phone    string `json:"phone,omitempty"` // masked: "138****0000"
	Province string `json:"province,omitempty"`
	City     string `json:"city,omitempty"`
	District string `json:"district,omitempty"`
	Address  string `json:"address,omitempty"` // masked detail
}

// OrderLine is one SKU on an order.
type OrderLine struct {
	PlatformLineID string `json:"platform_line_id"` // oid, sub order id
	SKUCode        string `json:"sku_code"`         // master SKU code (outer id); "" if the platform had none
	PlatformItemID string `json:"platform_item_id,omitempty"`
	PlatformSKUID  string `json:"platform_sku_id,omitempty"`
	Title          string `json:"title"`
	Quantity       int    `json:"quantity"`
	UnitPrice      Money  `json:"unit_price"`
	Paid           Money  `json:"paid"` // line amount after discounts
	Status         string `json:"status,omitempty"`
	RefundStatus   string `json:"refund_status,omitempty"` // the platform's own word for the line's refund
	// RefundState is where the line's refund stands, normalized ("": no
	// refund asked); RefundCaseID the platform's refund or after-sales id
	// where the order names one; Refunded the money returned so far (0
	// with RefundState refunded: the whole line).
	RefundState  AfterSaleStatus `json:"refund_state,omitempty"`
	RefundCaseID string          `json:"refund_case_id,omitempty"`
	Refunded     Money           `json:"refunded,omitempty"`
	// CPS is set when this line was promoted on its own: WeChat 优选联盟 and
	// Douyin 精选联盟 name the promoter and commission per SKU.
	CPS *CPSInfo `json:"cps,omitempty"`
}

// CPSInfo records who promoted the order and the commission owed.
type CPSInfo struct {
	PromoterID     string `json:"promoter_id"`
	PromoterName   string `json:"promoter_name,omitempty"`
	CommissionRate int    `json:"commission_rate_bp"` // basis points: 2000 = 20%
	// Commission is what the promoter earns: the settled amount once the
	// platform has settled it, its estimate until then.
	Commission Money `json:"commission"`
	// Estimated is the platform's estimate, kept beside a settled
	// Commission where the platform gives both (0: it gave one figure).
	Estimated Money `json:"estimated_commission,omitempty"`
	// Settlement is where the commission stands ("": the platform does not say).
	Settlement Settlement `json:"settlement,omitempty"`
}

// Settlement is the normalized state of a CPS commission.
type Settlement string

const (
	SettlementPending   Settlement = "pending"   // earned, not settled yet (the order may still be refunded)
	SettlementSettled   Settlement = "settled"   // paid out to the promoter
	SettlementCancelled Settlement = "cancelled" // void: the order was cancelled or refunded
)

// Version is a stable digest of the order's content. A new version means
// the ERP must hear about it again (order.updated).
func (o SalesOrder) Version() string {
	b, _ := json.Marshal(o)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:12])
}

// Shipment is the ERP's word that goods left the warehouse.
type Shipment struct {
	Shop            ShopRef        `json:"shop"`
	PlatformOrderID string         `json:"platform_order_id"`
	Carrier         string         `json:"carrier"` // carrier code: "ZTO", "SF", "YUNDA" (connectors map it to the platform's)
	TrackingNo      string         `json:"tracking_no"`
	Lines           []ShipmentLine `json:"lines,omitempty"` // split shipment; empty = the whole order
}

// ShipmentLine is what one parcel holds of one order line. Platforms differ
// in what they need: TOP the sub order id, WeChat the product, SKU and count.
type ShipmentLine struct {
	PlatformLineID string `json:"platform_line_id"`
	SKUCode        string `json:"sku_code,omitempty"`
	Quantity       int    `json:"quantity,omitempty"` // 0: the whole line
}

// AfterSaleStatus is the normalized state of a refund or after-sales case.
type AfterSaleStatus string

const (
	AfterSaleRequested AfterSaleStatus = "requested" // buyer asked, seller to answer
	AfterSaleApproved  AfterSaleStatus = "approved"  // seller agreed, waiting for goods or money
	AfterSaleRejected  AfterSaleStatus = "rejected"  // seller refused
	AfterSaleRefunded  AfterSaleStatus = "refunded"  // money returned: closed
	AfterSaleCancelled AfterSaleStatus = "cancelled" // buyer withdrew it
	AfterSaleUnknown   AfterSaleStatus = "unknown"   // a platform status we do not map: carried raw
)

// AfterSale is one refund or after-sales case of an order.
type AfterSale struct {
	Shop             ShopRef         `json:"shop"`
	PlatformCaseID   string          `json:"platform_case_id"` // refund_id, after_sale_id
	PlatformOrderID  string          `json:"platform_order_id"`
	Kind             string          `json:"kind"` // "refund_only", "return_refund", "exchange"
	Status           AfterSaleStatus `json:"status"`
	PlatformStatus   string          `json:"platform_status"`
	RefundAmount     Money           `json:"refund_amount"`
	Reason           string          `json:"reason,omitempty"`
	Lines            []AfterSaleLine `json:"lines,omitempty"`
	CreatedAt        time.Time       `json:"created_at"`
	ModifiedAt       time.Time       `json:"modified_at"`
	ReturnTrackingNo string          `json:"return_tracking_no,omitempty"`
}

// AfterSaleLine is what a case covers of one order line.
type AfterSaleLine struct {
	PlatformLineID string `json:"platform_line_id"`
	SKUCode        string `json:"sku_code,omitempty"`
	Quantity       int    `json:"quantity"`
	RefundAmount   Money  `json:"refund_amount"`
}

// MaskName keeps the first rune: "张三丰" → "张**".
func MaskName(s string) string {
	r := []rune(s)
	if len(r) == 0 {
		return ""
	}
	out := string(r[0])
	for range r[1:] {
		out += "*"
	}
	return out
}

// MaskAddress keeps the first four runes of an address detail: "文三路
// 90号 2单元" → "文三路9***"; a shorter one is all stars.
func MaskAddress(s string) string {
	r := []rune(s)
	if len(r) <= 4 {
		return strings.Repeat("*", len(r))
	}
	return string(r[:4]) + "***"
}

// MaskOnce masks a value unless the platform already did (it contains '*').
func MaskOnce(v string, mask func(string) string) string {
	if v == "" || strings.Contains(v, "*") {
		return v
	}
	return mask(v)
}

// Digits reports whether s is a non-empty string of ASCII digits (the form
// of platform order and item ids).
func Digits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

// MaskPhone keeps the first 3 and last 4 digits: "13812345678" → "138****5678".
func MaskPhone(s string) string {
	r := []rune(s)
	if len(r) < 8 {
		return MaskName(s)
	}
	out := string(r[:3])
	for range r[3 : len(r)-4] {
		out += "*"
	}
	return out + string(r[len(r)-4:])
}

// ShipmentStatus is where a shipment the ERP sent stands on the platform.
type ShipmentStatus string

// Shipment statuses.
const (
	ShipmentPending ShipmentStatus = "pending" // accepted, not yet told to the platform
	ShipmentSent    ShipmentStatus = "sent"    // the platform took it
	ShipmentRefused ShipmentStatus = "refused" // the platform refused it: Error says why
)

// ShipmentRecord is a shipment of an order as syncctl keeps it: what the
// ERP sent and what the platform answered.
type ShipmentRecord struct {
	Shipment
	Status    ShipmentStatus `json:"status"`
	Error     string         `json:"error,omitempty"`
	UpdatedAt time.Time      `json:"updated_at"`
}
