// Package kuaishoumap holds the pure mappings between syncctl's domain and
// the wire payloads of Kuaishou 快手电商开放平台 (channels.md §6): a master
// product → the param of open.item.new / open.item.edit (money in 分,
// relItemId / relSkuId = the master codes), an open.item.get answer → the
// SKUs it holds, an order of open.order.cursor.list → SalesOrder (分, ms
// times, orderCpsInfo → CPSInfo), commission basis points → the percent a
// distribution plan takes, and the carrier codes of
// open.seller.order.goods.deliver.
package kuaishoumap

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"unicode/utf8"

	"github.com/syncctl/syncctl/connectors"
	"github.com/syncctl/syncctl/domain"
)

// Platform names the platform in errors.
const Platform = "kuaishou"

// Item limits (channels.md §6.4). The title cap is UNCONFIRMED (no
// source states it; 60 keeps every master title); the price cap is ours.
const (
	MaxTitleRunes              = 60
	MaxSKUs                    = 600
	MaxImages                  = 9
	MaxSpecLevels              = 3
	MaxStock                   = 9999998 // skuChangeStock: 0 < n < 9 999 999
	MaxPrice      domain.Money = 1e9     // 1000万元 in 分, UNCONFIRMED (the category caps it)
)

// ItemParam is the param of open.item.new; with KwaiItemID set it is
// open.item.edit's (full edit). Money is 分.
type ItemParam struct {
	KwaiItemID int64      `json:"kwaiItemId,omitempty"`
	Title      string     `json:"title"`
	RelItemID  string     `json:"relItemId"` // master SPU code: the platform refuses a repeat
	CategoryID int64      `json:"categoryId"`
	ImageURLs  []string   `json:"imageUrls"`
	Details    string     `json:"details,omitempty"`
	SKUList    []SKUParam `json:"skuList"`
}

// SKUParam is one element of skuList.
type SKUParam struct {
	KwaiSKUID      int64     `json:"kwaiSkuId,omitempty"` // edit: a SKU the item has
	RelSKUID       string    `json:"relSkuId"`            // master SKU code
	SKUStock       int       `json:"skuStock"`
	SKUSalePrice   int64     `json:"skuSalePrice"`             // 分
	SKUMarketPrice int64     `json:"skuMarketPrice,omitempty"` // 分, > sale price, ≤ 10 × sale price
	SKUNick        string    `json:"skuNick"`                  // SKU 编码
	SKUProps       []SKUProp `json:"skuProps,omitempty"`
	GtinCode       string    `json:"gtinCode,omitempty"`
}

// SKUProp is one sale property of a SKU: 颜色 = 白色.
type SKUProp struct {
	PropName      string `json:"propName"`
	PropValueName string `json:"propValueName"`
}

// ItemRequest builds the param of a push for a category; known holds the
// item and SKU ids of an edit (nil: a new item). Every SKU needs a channel
// price; a SKU without a stock entry is offered with none. The list price
// becomes skuMarketPrice only where the platform takes it (above the sale
// price, at most ten times it). Errors are EInvalid naming the product or
// SKU and the field.
func ItemRequest(p connectors.ProductPush, categoryID int64, known *connectors.ProductIDs) (ItemParam, error) {
	pr := p.Product
	rec := "product " + pr.Code
	n := utf8.RuneCountInString(pr.Title)
	switch {
	case pr.Code == "":
		return ItemParam{}, invalid("product (no code)", "code", "required")
	case n == 0 || n > MaxTitleRunes:
		return ItemParam{}, invalid(rec, "title", fmt.Sprintf("%d characters; the platform takes 1 to %d", n, MaxTitleRunes))
	case len(pr.SKUs) == 0 || len(pr.SKUs) > MaxSKUs:
		return ItemParam{}, invalid(rec, "skus", fmt.Sprintf("%d SKUs; the platform takes 1 to %d", len(pr.SKUs), MaxSKUs))
	case len(pr.Images) == 0 || len(pr.Images) > MaxImages:
		return ItemParam{}, invalid(rec, "images", fmt.Sprintf("%d images; the platform takes 1 to %d", len(pr.Images), MaxImages))
	case len(pr.SpecDimensions()) > MaxSpecLevels:
		return ItemParam{}, invalid(rec, "specs", fmt.Sprintf("%d spec dimensions; the platform takes at most %d", len(pr.SpecDimensions()), MaxSpecLevels))
	case categoryID <= 0:
		return ItemParam{}, invalid(rec, "category_id", "the shop's option category_id (a Kuaishou leaf category id) is not set")
	}
	out := ItemParam{Title: pr.Title, RelItemID: pr.Code, CategoryID: categoryID, ImageURLs: pr.Images, Details: pr.Description}
	if known != nil && known.ItemID != "" {
		id, err := ParseID(rec, "item_id", known.ItemID)
		if err != nil {
			return ItemParam{}, err
		}
		out.KwaiItemID = id
	}
	for _, s := range pr.SKUs {
		srec := "sku " + s.Code
		price, ok := p.Prices[s.Code]
		if !ok {
			return ItemParam{}, invalid(srec, "price", "no channel price in the push")
		}
		if err := CheckPrice(srec, price); err != nil {
			return ItemParam{}, err
		}
		stock := p.Stocks[s.Code]
		if err := CheckStock(srec, stock); err != nil {
			return ItemParam{}, err
		}
		k := SKUParam{RelSKUID: s.Code, SKUStock: stock, SKUSalePrice: int64(price), SKUNick: s.Code, GtinCode: s.Barcode}
		if lp := int64(s.ListPrice); lp > k.SKUSalePrice && lp <= 10*k.SKUSalePrice {
			k.SKUMarketPrice = lp
		}
		if known != nil && known.SKUIDs[s.Code] != "" {
			id, err := ParseID(srec, "sku_id", known.SKUIDs[s.Code])
			if err != nil {
				return ItemParam{}, err
			}
			k.KwaiSKUID = id
		}
		for _, v := range s.Specs {
			k.SKUProps = append(k.SKUProps, SKUProp{PropName: v.Name, PropValueName: v.Value})
		}
		out.SKUList = append(out.SKUList, k)
	}
	return out, nil
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

// ParseID reads a platform id the connector keeps as a string into the
// JSON integer the APIs take.
func ParseID(record, field, id string) (int64, error) {
	n, err := strconv.ParseInt(id, 10, 64)
	if err != nil || n <= 0 || !domain.Digits(id) {
		return 0, invalid(record, field, fmt.Sprintf("%q is not a Kuaishou id", id))
	}
	return n, nil
}

// Item is the data of open.item.get (and an element of open.item.list.get):
// the SKUs an item holds, with their stock. Field names beyond those of the
// write APIs are UNCONFIRMED; sandbox/kuaishou answers the same.
type Item struct {
	KwaiItemID  ID        `json:"kwaiItemId"`
	RelItemID   string    `json:"relItemId"`
	Title       string    `json:"title"`
	ShelfStatus int       `json:"shelfStatus"` // 1 上架, 0 下架
	SKUInfos    []ItemSKU `json:"skuInfos"`
}

// ItemSKU is one SKU of an Item.
type ItemSKU struct {
	KwaiSKUID    ID     `json:"kwaiSkuId"`
	RelSKUID     string `json:"relSkuId"`
	SKUStock     int    `json:"skuStock"`
	SKUSalePrice int64  `json:"skuSalePrice"` // 分
	SKUNick      string `json:"skuNick"`
}

// Shelf statuses of open.item.shelf.status.update and Item.ShelfStatus.
const (
	ShelfOff = 0
	ShelfOn  = 1
)

// SKU finds a SKU by its platform id, else by its master code.
func (it Item) SKU(skuID, code string) (ItemSKU, bool) {
	for _, k := range it.SKUInfos {
		if skuID != "" && string(k.KwaiSKUID) == skuID {
			return k, true
		}
	}
	for _, k := range it.SKUInfos {
		if code != "" && k.RelSKUID == code {
			return k, true
		}
	}
	return ItemSKU{}, false
}

// ID is a platform id sent as a JSON number or string; it is kept as the
// digits, never through float64.
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
		if !domain.Digits(n.String()) {
			return fmt.Errorf("id %s is not an integer", n)
		}
		*id = ID(n)
	}
	return nil
}

func invalid(record, field, reason string) error {
	fe := domain.FieldError{Record: record, Field: field, Reason: reason}
	return &domain.Error{Code: domain.EInvalid, Platform: Platform, Message: fe.Error()}
}
