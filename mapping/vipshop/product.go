package vipshopmap

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"unicode/utf8"

	"github.com/syncctl/syncctl/connectors"
	"github.com/syncctl/syncctl/domain"
)

// The platform's product limits. Only the shape is documented (channels.md
// §4a, the official SDK's AddProductRequest); the figures are UNCONFIRMED,
// each one constant to change.
const (
	MaxTitleRunes              = 60
	MaxImages                  = 10
	MaxSKUs                    = 500
	MaxOuterID                 = 64
	MaxStock                   = 9999999
	MaxPrice      domain.Money = 99999999 // ¥999,999.99
)

// BuiltinPIDs are sale-property ids the shop need not configure. 颜色 = 134
// is named by the official SDK ("当sku的销售属性存在颜色（pid=134）"); 尺码 =
// 453 is UNCONFIRMED. Others come from the shop's pid:<spec> options.
var BuiltinPIDs = map[string]int{"颜色": 134, "尺码": 453}

// Shop is what a shop configures for its products: the third-level
// category and brand every product is filed under, and the sale-property
// id of each spec name.
type Shop struct {
	CategoryID int
	BrandID    int
	PIDs       map[string]int // spec name → pid, over BuiltinPIDs
}

// SimpleProperty is a sale or product property (pid, vid, alias). syncctl
// sends the spec value as alias: it knows no platform value ids (vid).
type SimpleProperty struct {
	PID   int    `json:"pid"`
	VID   int    `json:"vid,omitempty"`
	Alias string `json:"alias,omitempty"`
}

// Image is one product image; index 1 is the main image and required.
type Image struct {
	URL   string `json:"url"`
	Index int    `json:"index"`
}

// SKUItem is AddSkuItem: one SKU of addProduct or appendSkus. The outer
// sku id is the 条码 (barcode) the platform keys SKUs by: the master SKU code.
type SKUItem struct {
	OuterSKUID      string           `json:"outer_sku_id"`
	MarketPrice     json.Number      `json:"market_price"` // 吊牌价, yuan
	SellPrice       json.Number      `json:"sell_price"`   // yuan
	SimpleSaleProps []SimpleProperty `json:"simple_sale_props"`
}

// AddProductRequest is addProduct's {"request":…}.
type AddProductRequest struct {
	OuterSPUID      string    `json:"outer_spu_id"`
	Title           string    `json:"title"`
	ThirdCategoryID int       `json:"third_category_id"`
	BrandID         int       `json:"brand_id"`
	Images          []Image   `json:"images"`
	Weight          int       `json:"weight,omitempty"` // g
	SKUs            []SKUItem `json:"skus"`
}

// EditProductRequest is editProduct's {"request":…}: content only (the IDL
// names the product "spuid"); SKUs are added with appendSkus and priced with
// updateSkuPrice.
type EditProductRequest struct {
	SPUID      string  `json:"spuid"`
	OuterSPUID string  `json:"outer_spu_id"`
	Title      string  `json:"title"`
	Images     []Image `json:"images"`
	Weight     int     `json:"weight,omitempty"`
}

// AppendSkusRequest is appendSkus's {"request":…}.
type AppendSkusRequest struct {
	SPUID string    `json:"spu_id"`
	SKUs  []SKUItem `json:"skus"`
}

// Content is a push checked and mapped once: the add request and, for an
// update, the edit and the SKUs by code.
type Content struct {
	Add  AddProductRequest
	SKUs map[string]SKUItem // master SKU code → item
}

// Edit is the editProduct request of an existing product.
func (c Content) Edit(spuID string) EditProductRequest {
	return EditProductRequest{SPUID: spuID, OuterSPUID: c.Add.OuterSPUID, Title: c.Add.Title, Images: c.Add.Images, Weight: c.Add.Weight}
}

// ProductRequest checks a push and maps it. Errors are EInvalid naming the
// product or SKU and the field, before any call.
func ProductRequest(p connectors.ProductPush, shop Shop) (Content, error) {
	pr := p.Product
	rec := "product " + pr.Code
	switch {
	case pr.Code == "":
		return Content{}, invalid("product (no code)", "code", "required")
	case len(pr.Code) > MaxOuterID:
		return Content{}, invalid(rec, "code", fmt.Sprintf("at most %d characters as outer_spu_id", MaxOuterID))
	case pr.Title == "" || utf8.RuneCountInString(pr.Title) > MaxTitleRunes:
		return Content{}, invalid(rec, "title", fmt.Sprintf("%d characters; the platform takes 1 to %d", utf8.RuneCountInString(pr.Title), MaxTitleRunes))
	case len(pr.Images) == 0 || len(pr.Images) > MaxImages:
		return Content{}, invalid(rec, "images", fmt.Sprintf("%d images; the platform takes 1 (the main image, index 1) to %d", len(pr.Images), MaxImages))
	case len(pr.SKUs) == 0 || len(pr.SKUs) > MaxSKUs:
		return Content{}, invalid(rec, "skus", fmt.Sprintf("%d SKUs; the platform takes 1 to %d", len(pr.SKUs), MaxSKUs))
	case shop.CategoryID <= 0:
		return Content{}, invalid(rec, "category", "the shop sets no third_category_id option (the platform's third-level category id)")
	case shop.BrandID <= 0:
		return Content{}, invalid(rec, "brand", "the shop sets no brand_id option (the platform's brand id)")
	}
	c := Content{Add: AddProductRequest{OuterSPUID: pr.Code, Title: pr.Title, ThirdCategoryID: shop.CategoryID, BrandID: shop.BrandID},
		SKUs: map[string]SKUItem{}}
	for i, u := range pr.Images {
		c.Add.Images = append(c.Add.Images, Image{URL: u, Index: i + 1})
	}
	for _, s := range pr.SKUs {
		srec := "sku " + s.Code
		if s.Code == "" || len(s.Code) > MaxOuterID {
			return Content{}, invalid(srec, "code", fmt.Sprintf("1 to %d characters as outer_sku_id", MaxOuterID))
		}
		if _, dup := c.SKUs[s.Code]; dup {
			return Content{}, invalid(srec, "code", "twice in the product")
		}
		price, ok := p.Prices[s.Code]
		if !ok {
			return Content{}, invalid(srec, "price", "no channel price in the push")
		}
		if err := CheckPrice(srec, price); err != nil {
			return Content{}, err
		}
		market := max(s.ListPrice, price) // 吊牌价 is never below the sale price
		k := SKUItem{OuterSKUID: s.Code, MarketPrice: Yuan(market), SellPrice: Yuan(price), SimpleSaleProps: []SimpleProperty{}}
		for _, v := range s.Specs {
			pid, ok := shop.PIDs[v.Name]
			if !ok {
				pid, ok = BuiltinPIDs[v.Name]
			}
			if !ok {
				return Content{}, invalid(srec, "specs", fmt.Sprintf("spec %s has no sale-property id: set the shop option pid:%s", v.Name, v.Name))
			}
			k.SimpleSaleProps = append(k.SimpleSaleProps, SimpleProperty{PID: pid, Alias: v.Value})
		}
		if err := CheckStock(srec, p.Stocks[s.Code]); err != nil {
			return Content{}, err
		}
		c.Add.Weight = max(c.Add.Weight, s.WeightG)
		c.SKUs[s.Code] = k
		c.Add.SKUs = append(c.Add.SKUs, k)
	}
	return c, nil
}

// CheckPrice refuses a price the platform cannot show.
func CheckPrice(record string, m domain.Money) error {
	if m <= 0 || m > MaxPrice {
		return invalid(record, "price", fmt.Sprintf("%s is outside ¥0.01 to %s", m, MaxPrice))
	}
	return nil
}

// CheckStock refuses a stock the platform cannot hold.
func CheckStock(record string, n int) error {
	if n < 0 || n > MaxStock {
		return invalid(record, "stock", fmt.Sprintf("%d is outside 0 to %d", n, MaxStock))
	}
	return nil
}

// ParsePIDs reads the shop's pid:<spec> options.
func ParsePIDs(opts map[string]string) (map[string]int, error) {
	out := map[string]int{}
	keys := make([]string, 0, len(opts))
	for k := range opts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		name, ok := cutPrefix(k, "pid:")
		if !ok {
			continue
		}
		n, err := strconv.Atoi(opts[k])
		if err != nil || n <= 0 || name == "" {
			return nil, fmt.Errorf("option %s: %q is not a sale-property id such as 134", k, opts[k])
		}
		out[name] = n
	}
	return out, nil
}

func cutPrefix(s, p string) (string, bool) {
	if len(s) >= len(p) && s[:len(p)] == p {
		return s[len(p):], true
	}
	return "", false
}

// Str is a platform string field the gateway may send as a JSON string or
// a bare number (status codes, ids): either way it keeps the digits as
// written, never through float64.
type Str string

// UnmarshalJSON accepts "13", 13 and null.
func (s *Str) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case string(b) == "null":
		*s = ""
	case len(b) > 0 && b[0] == '"':
		var v string
		if err := json.Unmarshal(b, &v); err != nil {
			return err
		}
		*s = Str(v)
	default:
		var n json.Number
		if err := json.Unmarshal(b, &n); err != nil {
			return fmt.Errorf("want a string or a number, got %s", b)
		}
		*s = Str(n)
	}
	return nil
}

// ProductInfo is one product of getProducts (the IDL's Product).
type ProductInfo struct {
	SPUID       Str   `json:"spu_id"`
	OuterSPUID  Str   `json:"outer_spu_id"`
	Title       Str   `json:"title"`
	ShelfStatus Str   `json:"shelf_status"` // 1 on, 0 off
	AuditStatus Str   `json:"audit_status"` // 11, 12, 13, 14
	AuditRemark Str   `json:"audit_remark"` // UNCONFIRMED: the IDL shows no reason field; see ReasonField
	SKUIDs      []Str `json:"sku_ids"`
}

// ReasonField is the field of getProducts' Product that carries a
// rejection's reason. UNCONFIRMED: the SDK's Product has none; the sandbox
// sends the same field.
const ReasonField = "audit_remark"

// Audit and shelf statuses (the IDL's comments).
const (
	AuditDraft    = "11" // 待提交
	AuditPending  = "12" // 待审核
	AuditApproved = "13" // 审核通过
	AuditRejected = "14" // 审核不通过
	ShelfOn       = "1"
	ShelfOff      = "0"
)

// Next is what the connector does after reading a product's review state.
type Next int

const (
	NextNone    Next = iota
	NextSubmit       // a draft nobody submitted (the push died between edit and submit): submit it
	NextOnShelf      // approved and off shelf: put it on shelf, as the flow add → submit → review → onShelf asks
)

// ReviewState reads where a product stands: 12 in review, 14 rejected with
// the platform's reason, 13 on shelf (on sale) or approved and waiting for
// onShelf, 11 a draft to submit (in review from the caller's side).
func ReviewState(p ProductInfo) (domain.ListingStatus, string, Next, error) {
	rec := "product " + string(p.SPUID)
	if p.SPUID == "" {
		rec = "product (no spu_id)"
	}
	switch p.AuditStatus {
	case AuditPending:
		return domain.ListingInReview, "", NextNone, nil
	case AuditDraft:
		return domain.ListingInReview, "", NextSubmit, nil
	case AuditRejected:
		reason := string(p.AuditRemark)
		if reason == "" {
			reason = "rejected by the platform's review (no reason given)"
		}
		return domain.ListingRejected, reason, NextNone, nil
	case AuditApproved:
		if p.ShelfStatus == ShelfOn {
			return domain.ListingOnSale, "", NextNone, nil
		}
		return domain.ListingOnSale, "", NextOnShelf, nil
	}
	return "", "", NextNone, invalid(rec, "audit_status", fmt.Sprintf("%q is not 11, 12, 13 or 14", string(p.AuditStatus)))
}

// SKUDetail is one SKU of getProductById.
type SKUDetail struct {
	SKUID      Str `json:"sku_id"`
	OuterSKUID Str `json:"outer_sku_id"`
}

// ProductDetail is getProductById's answer (the fields syncctl reads).
type ProductDetail struct {
	SPUID       Str         `json:"spu_id"`
	OuterSPUID  Str         `json:"outer_spu_id"`
	AuditStatus Str         `json:"audit_status"`
	SKUs        []SKUDetail `json:"skus"`
}

// SKUIDs maps master SKU codes to platform sku ids.
func (d ProductDetail) SKUIDs() map[string]string {
	out := map[string]string{}
	for _, k := range d.SKUs {
		if k.OuterSKUID != "" && k.SKUID != "" {
			out[string(k.OuterSKUID)] = string(k.SKUID)
		}
	}
	return out
}
