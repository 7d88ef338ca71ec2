// Package douyinmap holds the pure mappings between syncctl's domain and
// the wire payloads of Douyin 抖店 (channels.md §5): a master product →
// /product/addV2 and /product/editV2 params (money in 分, specs in the
// platform's "名|值,值^名|值" text form, spec_prices as a JSON string), a
// product's review state, /order/searchList and /order/orderDetail orders
// → SalesOrder with 精选联盟 commissions, and the carrier-code table of
// /order/logisticsAdd.
package douyinmap

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/syncctl/syncctl/connectors"
	"github.com/syncctl/syncctl/domain"
)

// Platform names the platform in errors.
const Platform = "douyin"

// The platform's product limits. UNCONFIRMED beyond what channels.md §5.4
// shows (spec_detail_name1..3): the title and image limits were not seen
// in a source; each is one constant, and sandbox/douyin keeps the same.
const (
	MaxNameRunes              = 60 // UNCONFIRMED
	MaxPics                   = 5  // UNCONFIRMED: only the first MaxPics images are sent
	MaxSpecDims               = 3  // spec_detail_name1..3
	MaxSKUs                   = 600
	MaxStock                  = 9999999
	MaxPrice     domain.Money = 99999999 // UNCONFIRMED: ¥999,999.99
	// DefaultSpec is the one spec a product without spec dimensions gets:
	// addV2 requires specs.
	DefaultSpec      = "规格"
	DefaultSpecValue = "默认"
)

// Payment and stock-reduction types of addV2 (1 在线支付; 2 付款减库存).
const (
	PayOnline     = 1
	ReduceOnPayed = 2
)

// ProductParams is /product/addV2's param_json, and /product/editV2's with
// ProductID. The master product code travels as outer_product_id (商家编码,
// a string); out_product_id is numeric on the platform and is not used.
type ProductParams struct {
	ProductID      string `json:"product_id,omitempty"`
	Name           string `json:"name"`
	CategoryLeafID int64  `json:"category_leaf_id"`
	Pic            string `json:"pic"` // '|'-separated URLs
	Description    string `json:"description"`
	SpecName       string `json:"spec_name"`
	Specs          string `json:"specs"`       // "颜色|白色,黑色^尺码|M,L"
	SpecPrices     string `json:"spec_prices"` // JSON string of []SpecPrice
	MarketPrice    int64  `json:"market_price"`
	DiscountPrice  int64  `json:"discount_price"`
	PayType        int    `json:"pay_type"`
	ReduceType     int    `json:"reduce_type"`
	FreightID      int64  `json:"freight_id"`
	Mobile         string `json:"mobile,omitempty"`
	OuterProductID string `json:"outer_product_id"`
	ProductType    int    `json:"product_type"`
	Commit         bool   `json:"commit"` // true: submit for review (UNCONFIRMED: false keeps a draft)
}

// SpecPrice is one SKU in spec_prices: its spec values by dimension, stock,
// price (分) and codes. OuterSKUID is the master SKU code.
type SpecPrice struct {
	SpecDetailName1 string `json:"spec_detail_name1"`
	SpecDetailName2 string `json:"spec_detail_name2,omitempty"`
	SpecDetailName3 string `json:"spec_detail_name3,omitempty"`
	StockNum        int    `json:"stock_num"`
	Price           int64  `json:"price"`
	Code            string `json:"code"`
	OuterSKUID      string `json:"outer_sku_id"`
}

// Shop holds a shop's product settings (connector options).
type Shop struct {
	CategoryLeafID int64
	FreightID      int64
	Mobile         string
}

// ProductRequest builds addV2's params (productID "") or editV2's. Every
// SKU needs a channel price; stock defaults to 0. Errors are EInvalid
// naming the product or SKU and the field.
func ProductRequest(p connectors.ProductPush, productID string, shop Shop) (ProductParams, error) {
	pr := p.Product
	rec := "product " + pr.Code
	switch {
	case pr.Code == "":
		return ProductParams{}, invalid("product (no code)", "code", "required")
	case strings.TrimSpace(pr.Title) == "":
		return ProductParams{}, invalid(rec, "title", "required")
	case utf8.RuneCountInString(pr.Title) > MaxNameRunes:
		return ProductParams{}, invalid(rec, "title", fmt.Sprintf("%d characters; the platform takes at most %d", utf8.RuneCountInString(pr.Title), MaxNameRunes))
	case len(pr.Images) == 0:
		return ProductParams{}, invalid(rec, "images", "at least one image (pic)")
	case len(pr.SKUs) == 0 || len(pr.SKUs) > MaxSKUs:
		return ProductParams{}, invalid(rec, "skus", fmt.Sprintf("%d SKUs; the platform takes 1 to %d", len(pr.SKUs), MaxSKUs))
	case shop.CategoryLeafID <= 0:
		return ProductParams{}, invalid(rec, "category_leaf_id", "the shop's option category_leaf_id is not set")
	}
	pics := pr.Images
	if len(pics) > MaxPics {
		pics = pics[:MaxPics]
	}
	for i, u := range pics {
		if strings.Contains(u, "|") {
			return ProductParams{}, invalid(rec, fmt.Sprintf("images[%d]", i), "a URL with '|' cannot travel in pic")
		}
	}
	dims, values, err := specDims(pr)
	if err != nil {
		return ProductParams{}, err
	}
	var specs []string
	for _, d := range dims {
		specs = append(specs, d+"|"+strings.Join(values[d], ","))
	}
	out := ProductParams{ProductID: productID, Name: pr.Title, CategoryLeafID: shop.CategoryLeafID, Pic: strings.Join(pics, "|"),
		Description: description(pr), SpecName: strings.Join(dims, "-"), Specs: strings.Join(specs, "^"), PayType: PayOnline,
		ReduceType: ReduceOnPayed, FreightID: shop.FreightID, Mobile: shop.Mobile, OuterProductID: pr.Code, Commit: true}
	var prices []SpecPrice
	for _, s := range pr.SKUs {
		srec := "sku " + s.Code
		price, ok := p.Prices[s.Code]
		if !ok {
			return ProductParams{}, invalid(srec, "price", "no channel price in the push")
		}
		if err := CheckPrice(srec, price); err != nil {
			return ProductParams{}, err
		}
		stock := p.Stocks[s.Code]
		if err := CheckStock(srec, stock); err != nil {
			return ProductParams{}, err
		}
		sp := SpecPrice{StockNum: stock, Price: int64(price), Code: s.Code, OuterSKUID: s.Code}
		names := []*string{&sp.SpecDetailName1, &sp.SpecDetailName2, &sp.SpecDetailName3}
		for i, d := range dims {
			*names[i] = specValue(s, d)
		}
		prices = append(prices, sp)
		if out.DiscountPrice == 0 || int64(price) < out.DiscountPrice {
			out.DiscountPrice = int64(price)
		}
		out.MarketPrice = max(out.MarketPrice, int64(price), int64(s.ListPrice))
	}
	raw, err := marshal(prices)
	if err != nil {
		return ProductParams{}, invalid(rec, "spec_prices", err.Error())
	}
	out.SpecPrices = raw
	return out, nil
}

// specDims returns the spec dimensions (at most 3) and each one's values
// in first-seen order. A product without specs gets DefaultSpec; several
// SKUs must differ in their spec values.
func specDims(pr domain.Product) ([]string, map[string][]string, error) {
	rec := "product " + pr.Code
	dims := pr.SpecDimensions()
	if len(dims) == 0 {
		if len(pr.SKUs) > 1 {
			return nil, nil, invalid(rec, "skus.specs", "several SKUs without spec values cannot be told apart")
		}
		return []string{DefaultSpec}, map[string][]string{DefaultSpec: {DefaultSpecValue}}, nil
	}
	if len(dims) > MaxSpecDims {
		return nil, nil, invalid(rec, "skus.specs", fmt.Sprintf("%d spec dimensions; the platform takes at most %d", len(dims), MaxSpecDims))
	}
	values := map[string][]string{}
	seenCombo := map[string]string{}
	for _, s := range pr.SKUs {
		var combo []string
		for _, d := range dims {
			v := specValue(s, d)
			if v == "" {
				return nil, nil, invalid("sku "+s.Code, "specs", fmt.Sprintf("no value for %s (every SKU needs every dimension)", d))
			}
			if strings.ContainsAny(v, "|,^") || strings.ContainsAny(d, "|,^-") {
				return nil, nil, invalid("sku "+s.Code, "specs", fmt.Sprintf("%s=%s holds one of | , ^ which specs cannot carry", d, v))
			}
			if !contains(values[d], v) {
				values[d] = append(values[d], v)
			}
			combo = append(combo, v)
		}
		key := strings.Join(combo, "\x00")
		if other, dup := seenCombo[key]; dup {
			return nil, nil, invalid("sku "+s.Code, "specs", "the same spec values as sku "+other)
		}
		seenCombo[key] = s.Code
	}
	return dims, values, nil
}

func specValue(s domain.SKU, dim string) string {
	if dim == DefaultSpec && len(s.Specs) == 0 {
		return DefaultSpecValue
	}
	for _, v := range s.Specs {
		if v.Name == dim {
			return v.Value
		}
	}
	return ""
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// description is the product's detail: its text, else its images.
func description(pr domain.Product) string {
	if strings.TrimSpace(pr.Description) != "" {
		return pr.Description
	}
	var b strings.Builder
	for _, u := range pr.Images {
		b.WriteString(`<p><img src="` + u + `"></p>`)
	}
	return b.String()
}

// marshal is compact JSON without HTML escaping, as param_json is.
func marshal(v any) (string, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return "", err
	}
	return strings.TrimRight(buf.String(), "\n"), nil
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

func invalid(record, field, reason string) error {
	fe := domain.FieldError{Record: record, Field: field, Reason: reason}
	return &domain.Error{Code: domain.EInvalid, Platform: Platform, Message: fe.Error()}
}
