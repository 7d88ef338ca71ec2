package jdmap

import (
	"encoding/json"
	"fmt"
	"sort"
	"unicode/utf8"

	"github.com/syncctl/syncctl/connectors"
	"github.com/syncctl/syncctl/domain"
)

// Ware limits. UNCONFIRMED (channels.md §4 documents no ware write API):
// the title bound is the master catalog's, the others ours; kept here so
// one edit changes them.
const (
	MaxTitleRunes              = 60
	MaxSKUs                    = 400
	MaxStock                   = 9999999
	MaxPrice      domain.Money = 1e10 // 1亿元
)

// WareStatusOnSale is the wareStatus of a ware on sale (8 上架; 2 自主下架,
// 4 系统下架 per an integrator's notes, UNCONFIRMED). A new ware is sent
// with it so it goes on sale at once.
const WareStatusOnSale = 8

// DefaultAttrIDs are the sale attribute ids (saleAttrs.attrId) used for
// the common spec names. UNCONFIRMED: JD's sale attribute ids belong to a
// category (read with jingdong.category.read.findAttrsByCategoryIdUnlimitCate);
// these are placeholders a shop overrides with the option attr:<spec>.
var DefaultAttrIDs = map[string]string{"颜色": "1000000041", "尺码": "1000000046"}

// WareOptions are the shop's settings a ware needs.
type WareOptions struct {
	CategoryID string            // leaf category (categoryId)
	AttrIDs    map[string]string // spec name → saleAttrs.attrId, over DefaultAttrIDs
}

// Ware is jingdong.ware.write.add's (and updateWare's) ware. Money is 元
// as JSON numbers with two decimals.
type Ware struct {
	WareID       json.Number `json:"wareId,omitempty"`
	Title        string      `json:"title"`
	CategoryID   json.Number `json:"categoryId"`
	OuterID      string      `json:"outerId"` // master SPU code
	ItemNum      string      `json:"itemNum"` // 货号: the master SPU code too; searchWare4Valid finds a ware by it
	WareStatus   int         `json:"wareStatus,omitempty"`
	JdPrice      json.Number `json:"jdPrice"`     // the lowest SKU price
	MarketPrice  json.Number `json:"marketPrice"` // ≥ every SKU's jdPrice
	Introduction string      `json:"introduction,omitempty"`
	Images       []Image     `json:"images,omitempty"`
}

// Image is one ware image; colorId "0000000000" is the ware's main group.
type Image struct {
	ColorID  string `json:"colorId"`
	ImgIndex int    `json:"imgIndex"`
	ImgURL   string `json:"imgUrl"`
}

// Sku is one element of skus (add) or of jingdong.sku.write.updateSkus.
type Sku struct {
	SkuID     json.Number `json:"skuId,omitempty"` // known SKUs on update
	OuterID   string      `json:"outerId"`         // master SKU code
	JdPrice   json.Number `json:"jdPrice"`
	StockNum  int         `json:"stockNum"`
	BarCode   string      `json:"barCode,omitempty"`
	SaleAttrs []SaleAttr  `json:"saleAttrs,omitempty"`
}

// SaleAttr is one sale attribute of a SKU. UNCONFIRMED: JD wants value ids
// of the category; the spec value goes as its own alias (自定义值).
type SaleAttr struct {
	AttrID         string   `json:"attrId"`
	AttrValues     []string `json:"attrValues"`
	AttrValueAlias []string `json:"attrValueAlias"`
}

// WareRequest is the ware and skus of a push. A SKU without a stock entry
// is offered with none; every SKU needs a channel price. Errors are
// EInvalid naming the product or SKU and the field.
func WareRequest(p connectors.ProductPush, o WareOptions) (Ware, []Sku, error) {
	pr := p.Product
	rec := "product " + pr.Code
	n := utf8.RuneCountInString(pr.Title)
	switch {
	case pr.Code == "":
		return Ware{}, nil, invalid("product (no code)", "code", "required")
	case n == 0 || n > MaxTitleRunes:
		return Ware{}, nil, invalid(rec, "title", fmt.Sprintf("%d characters; JD takes 1 to %d", n, MaxTitleRunes))
	case len(pr.SKUs) == 0 || len(pr.SKUs) > MaxSKUs:
		return Ware{}, nil, invalid(rec, "skus", fmt.Sprintf("%d SKUs; JD takes 1 to %d", len(pr.SKUs), MaxSKUs))
	case !domain.Digits(o.CategoryID):
		return Ware{}, nil, invalid(rec, "categoryId", fmt.Sprintf("%q is not a category id (option category_id)", o.CategoryID))
	}
	w := Ware{Title: pr.Title, CategoryID: json.Number(o.CategoryID), OuterID: pr.Code, ItemNum: pr.Code,
		Introduction: pr.Description}
	for i, u := range pr.Images {
		w.Images = append(w.Images, Image{ColorID: "0000000000", ImgIndex: i + 1, ImgURL: u})
	}
	var low, market domain.Money
	seen := map[string]bool{}
	var skus []Sku
	for _, s := range pr.SKUs {
		srec := "sku " + s.Code
		price, ok := p.Prices[s.Code]
		if !ok {
			return Ware{}, nil, invalid(srec, "price", "no channel price in the push")
		}
		if err := CheckPrice(srec, price); err != nil {
			return Ware{}, nil, err
		}
		stock := p.Stocks[s.Code]
		if err := CheckStock(srec, stock); err != nil {
			return Ware{}, nil, err
		}
		k := Sku{OuterID: s.Code, JdPrice: YuanNumber(price), StockNum: stock, BarCode: s.Barcode}
		var combo string
		for _, v := range s.Specs {
			id := o.AttrIDs[v.Name]
			if id == "" {
				id = DefaultAttrIDs[v.Name]
			}
			if id == "" {
				return Ware{}, nil, invalid(srec, "saleAttrs", fmt.Sprintf("spec %s has no JD sale attribute id (set the option attr:%s)", v.Name, v.Name))
			}
			k.SaleAttrs = append(k.SaleAttrs, SaleAttr{AttrID: id, AttrValues: []string{v.Value}, AttrValueAlias: []string{v.Value}})
			combo += id + ":" + v.Value + ";"
		}
		if len(pr.SKUs) > 1 {
			if combo == "" {
				return Ware{}, nil, invalid(srec, "saleAttrs", "a ware with several SKUs needs specs to tell them apart")
			}
			if seen[combo] {
				return Ware{}, nil, invalid(srec, "saleAttrs", "another SKU of the product has the same specs")
			}
			seen[combo] = true
		}
		if low == 0 || price < low {
			low = price
		}
		market = max(market, price, s.ListPrice)
		skus = append(skus, k)
	}
	sort.SliceStable(skus, func(i, j int) bool { return skus[i].OuterID < skus[j].OuterID })
	w.JdPrice, w.MarketPrice = YuanNumber(low), YuanNumber(market)
	return w, skus, nil
}

// CheckPrice refuses a price JD cannot show.
func CheckPrice(record string, m domain.Money) error {
	if m <= 0 || m > MaxPrice {
		return invalid(record, "jdPrice", fmt.Sprintf("%s is outside ¥0.01 to %s", m, MaxPrice))
	}
	return nil
}

// CheckStock refuses a stock JD cannot hold.
func CheckStock(record string, n int) error {
	if n < 0 || n > MaxStock {
		return invalid(record, "stockNum", fmt.Sprintf("%d is outside 0 to %d", n, MaxStock))
	}
	return nil
}
