// Package wechatmap holds the pure mappings between syncctl's domain and
// the wire payloads of WeChat 微信小店 (channels/ec): a master product →
// product/add and product/update bodies (money in 分), and an order of
// order/get → SalesOrder (19-digit ids kept as strings, unix-second times).
package wechatmap

import (
	"encoding/json"
	"fmt"
	"unicode"
	"unicode/utf8"

	"github.com/syncctl/syncctl/connectors"
	"github.com/syncctl/syncctl/domain"
)

// The platform's product limits, as channels.md §1.4 documents them.
const (
	MinTitleRunes                = 5 // effective characters: spaces do not count
	MaxTitleRunes                = 60
	MinHeadImgs                  = 3
	MaxHeadImgs                  = 9
	MaxOutProductID              = 128
	MaxSKUs                      = 500 // UNCONFIRMED: no documented figure; one constant to change
	MaxStock                     = 9999999
	MaxPrice        domain.Money = 1000000000 // "不超过1000000000" 分
)

// ProductBody is product/add's body, and product/update's with ProductID.
type ProductBody struct {
	ProductID    string    `json:"product_id,omitempty"`
	OutProductID string    `json:"out_product_id"`
	Title        string    `json:"title"`
	HeadImgs     []string  `json:"head_imgs"`
	DescInfo     DescInfo  `json:"desc_info"`
	CatsV2       []Cat     `json:"cats_v2,omitempty"`
	SKUs         []SKUBody `json:"skus"`
}

// DescInfo is a product's detail: text and images.
type DescInfo struct {
	Desc string   `json:"desc,omitempty"`
	Imgs []string `json:"imgs,omitempty"`
}

// Cat is one level of a product's category (cats_v2).
type Cat struct {
	CatID string `json:"cat_id"`
}

// SKUBody is one SKU of a ProductBody. OutSKUID is the master SKU code.
type SKUBody struct {
	SKUID     string `json:"sku_id,omitempty"`
	OutSKUID  string `json:"out_sku_id"`
	ThumbImg  string `json:"thumb_img,omitempty"`
	SalePrice int64  `json:"sale_price"` // 分
	StockNum  int    `json:"stock_num"`
	SKUCode   string `json:"sku_code,omitempty"`
	SKUAttrs  []Attr `json:"sku_attrs"`
}

// Attr is one attribute (a SKU's spec value).
type Attr struct {
	AttrKey   string `json:"attr_key"`
	AttrValue string `json:"attr_value"`
}

// Product is one copy of a product as product/get returns it: the online
// copy ("product", Status) or the draft ("edit_product", EditStatus).
type Product struct {
	ProductID    string     `json:"product_id"`
	OutProductID string     `json:"out_product_id"`
	Title        string     `json:"title"`
	Status       int        `json:"status"`
	EditStatus   int        `json:"edit_status"`
	SKUs         []SKU      `json:"skus"`
	AuditInfo    *AuditInfo `json:"audit_info,omitempty"`
}

// AuditInfo is the outcome of the draft's review.
type AuditInfo struct {
	SubmitTime   int64  `json:"submit_time,omitempty"`
	AuditTime    int64  `json:"audit_time,omitempty"`
	RejectReason string `json:"reject_reason,omitempty"`
}

// SKU is one SKU of a Product.
type SKU struct {
	SKUID     string `json:"sku_id"`
	OutSKUID  string `json:"out_sku_id"`
	SalePrice int64  `json:"sale_price"`
	StockNum  int    `json:"stock_num"`
	SKUAttrs  []Attr `json:"sku_attrs,omitempty"`
}

// SKU finds a SKU by its platform id, or by its out_sku_id (the master SKU
// code) when skuID is "".
func (p Product) SKU(skuID, outSKUID string) (SKU, bool) {
	for _, k := range p.SKUs {
		if (skuID != "" && k.SKUID == skuID) || (skuID == "" && k.OutSKUID == outSKUID) {
			return k, true
		}
	}
	return SKU{}, false
}

// Edit statuses of a draft and statuses of the online copy (§1.4).
const (
	EditInReview = 2
	EditRejected = 3
	EditApproved = 4
	StatusListed = 5
)

// ProductRequest builds product/add's body (productID "") or
// product/update's. catIDs are the platform category path (cats_v2), the
// shop's option. Every SKU needs a channel price; stock defaults to 0.
// Errors are EInvalid naming the product or SKU and the field.
func ProductRequest(p connectors.ProductPush, productID string, catIDs []string) (ProductBody, error) {
	pr := p.Product
	rec := "product " + pr.Code
	n := EffectiveRunes(pr.Title)
	switch {
	case pr.Code == "":
		return ProductBody{}, invalid("product (no code)", "code", "required")
	case len(pr.Code) > MaxOutProductID:
		return ProductBody{}, invalid(rec, "code", fmt.Sprintf("at most %d characters as out_product_id", MaxOutProductID))
	case n < MinTitleRunes:
		return ProductBody{}, invalid(rec, "title", fmt.Sprintf("%d effective characters; the platform needs at least %d", n, MinTitleRunes))
	case utf8.RuneCountInString(pr.Title) > MaxTitleRunes:
		return ProductBody{}, invalid(rec, "title", fmt.Sprintf("%d characters; the platform takes at most %d", utf8.RuneCountInString(pr.Title), MaxTitleRunes))
	case len(pr.Images) < MinHeadImgs || len(pr.Images) > MaxHeadImgs:
		return ProductBody{}, invalid(rec, "images", fmt.Sprintf("%d images; head_imgs takes %d to %d", len(pr.Images), MinHeadImgs, MaxHeadImgs))
	case len(pr.SKUs) == 0 || len(pr.SKUs) > MaxSKUs:
		return ProductBody{}, invalid(rec, "skus", fmt.Sprintf("%d SKUs; the platform takes 1 to %d", len(pr.SKUs), MaxSKUs))
	}
	b := ProductBody{ProductID: productID, OutProductID: pr.Code, Title: pr.Title, HeadImgs: pr.Images,
		DescInfo: DescInfo{Desc: pr.Description, Imgs: pr.Images}}
	for _, c := range catIDs {
		b.CatsV2 = append(b.CatsV2, Cat{CatID: c})
	}
	for _, s := range pr.SKUs {
		srec := "sku " + s.Code
		price, ok := p.Prices[s.Code]
		if !ok {
			return ProductBody{}, invalid(srec, "price", "no channel price in the push")
		}
		if err := CheckPrice(srec, price); err != nil {
			return ProductBody{}, err
		}
		stock := p.Stocks[s.Code]
		if err := CheckStock(srec, stock); err != nil {
			return ProductBody{}, err
		}
		k := SKUBody{OutSKUID: s.Code, ThumbImg: pr.Images[0], SalePrice: int64(price), StockNum: stock, SKUCode: s.Code, SKUAttrs: []Attr{}}
		if p.Known != nil {
			k.SKUID = p.Known.SKUIDs[s.Code]
		}
		for _, v := range s.Specs {
			k.SKUAttrs = append(k.SKUAttrs, Attr{AttrKey: v.Name, AttrValue: v.Value})
		}
		b.SKUs = append(b.SKUs, k)
	}
	return b, nil
}

// EffectiveRunes counts a title's characters without white space.
func EffectiveRunes(s string) int {
	n := 0
	for _, r := range s {
		if !unicode.IsSpace(r) {
			n++
		}
	}
	return n
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

// ReviewStatus reads where a product stands from its draft and online
// copies: a draft in review or rejected wins (with the reject reason), then
// the online status.
func ReviewStatus(draft, online Product) (domain.ListingStatus, string) {
	switch draft.EditStatus {
	case EditInReview:
		return domain.ListingInReview, ""
	case EditRejected:
		reason := ""
		if draft.AuditInfo != nil {
			reason = draft.AuditInfo.RejectReason
		}
		return domain.ListingRejected, reason
	}
	if online.Status == StatusListed {
		return domain.ListingOnSale, ""
	}
	return domain.ListingDelisted, ""
}

func invalid(record, field, reason string) error {
	fe := domain.FieldError{Record: record, Field: field, Reason: reason}
	return &domain.Error{Code: domain.EInvalid, Platform: platformID, Message: fe.Error()}
}

// platformID names the platform in errors.
const platformID = "wechat_shop"

// draftReadOnly are the fields of product/get's edit_product that
// product/update does not take. UNCONFIRMED: the docs list what update
// takes, not what get adds; these are the read-only ones seen in get.
var draftReadOnly = []string{"edit_status", "status", "audit_info", "create_time", "update_time", "min_price", "total_sold_num",
	"product_type", "edit_time"}

// DraftWithoutSKU turns a product's draft as product/get returns it
// (edit_product) into product/update's body without one SKU: the way to
// take a SKU off a product whose draft is in review or was never listed
// (auditfree only changes the online copy). Values pass through raw, so
// ids and prices keep every digit.
func DraftWithoutSKU(draft json.RawMessage, productID, skuID string) (map[string]json.RawMessage, error) {
	rec := "product " + productID
	var body map[string]json.RawMessage
	if err := json.Unmarshal(draft, &body); err != nil || body == nil {
		return nil, invalid(rec, "edit_product", "not a JSON object")
	}
	var skus []map[string]json.RawMessage
	if err := json.Unmarshal(body["skus"], &skus); err != nil {
		return nil, invalid(rec, "edit_product.skus", "not a list of SKUs")
	}
	kept := skus[:0:0]
	for _, k := range skus {
		var id json.Number
		if json.Unmarshal(k["sku_id"], &id) != nil {
			var s string
			_ = json.Unmarshal(k["sku_id"], &s)
			id = json.Number(s)
		}
		if id.String() != skuID {
			kept = append(kept, k)
		}
	}
	if len(kept) == len(skus) {
		return nil, &domain.Error{Code: domain.ENotFound, Platform: platformID, Message: fmt.Sprintf("%s: the draft has no sku %s", rec, skuID)}
	}
	for _, f := range draftReadOnly {
		delete(body, f)
	}
	raw, _ := json.Marshal(kept)
	body["skus"] = raw
	body["product_id"], _ = json.Marshal(productID)
	return body, nil
}
