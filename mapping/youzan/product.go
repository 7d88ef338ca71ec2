// Package youzanmap holds the pure mappings between syncctl's domain and
// Youzan 有赞云's wire payloads: a master product → youzan.item.create
// params (money in 分, sku_stocks a JSON string), and a full_order_info of
// youzan.trades.sold.get → SalesOrder (amounts 元 strings, times
// "yyyy-MM-dd HH:mm:ss" GMT+8).
package youzanmap

import (
	"encoding/json"
	"fmt"
	"unicode/utf8"

	"github.com/syncctl/syncctl/connectors"
	"github.com/syncctl/syncctl/domain"
)

// The platform's item limits. Only the title's is documented (channels.md
// §2.4); the others are ours, kept in one place.
const (
	MaxTitleRunes              = 100
	MaxSKUs                    = 400 // UNCONFIRMED
	MaxStock                   = 9999999
	MaxPrice      domain.Money = 1e10 // 1亿元 in 分, UNCONFIRMED
)

// ItemParams are youzan.item.create's params (3.0.x). With ItemID set they
// are youzan.item.update's. Price is the lowest SKU price and Quantity the
// sum of the SKUs' stock, both as the platform wants them for an item with
// SKUs.
type ItemParams struct {
	ItemID    string `json:"item_id,omitempty"`
	Title     string `json:"title"`
	Desc      string `json:"desc,omitempty"`
	ItemNo    string `json:"item_no"` // master SPU code
	Price     int64  `json:"price"`   // 分
	Quantity  int    `json:"quantity"`
	IsDisplay int    `json:"is_display"` // 1 上架, 0 仓库
	ImageURLs string `json:"image_urls,omitempty"`
	SKUStocks string `json:"sku_stocks"` // JSON string of []SKUStock
}

// SKUStock is one element of sku_stocks.
type SKUStock struct {
	Price    int64      `json:"price"` // 分
	Quantity int        `json:"quantity"`
	ItemNo   string     `json:"item_no"` // master SKU code
	SKUs     []SpecPair `json:"skus,omitempty"`
}

// SpecPair is one spec value of a SKU: k = 颜色, v = 绿色.
type SpecPair struct {
	K string `json:"k"`
	V string `json:"v"`
}

// ItemRequest builds the params of a push; itemID is the item to update
// ("" creates one). Every SKU needs a channel price; a SKU without a stock
// entry is offered with none. Errors are EInvalid naming the product or SKU
// and the field.
func ItemRequest(p connectors.ProductPush, itemID string) (ItemParams, error) {
	pr := p.Product
	rec := "product " + pr.Code
	n := utf8.RuneCountInString(pr.Title)
	switch {
	case pr.Code == "":
		return ItemParams{}, invalid("product (no code)", "code", "required")
	case n == 0 || n > MaxTitleRunes:
		return ItemParams{}, invalid(rec, "title", fmt.Sprintf("%d characters; the platform takes 1 to %d", n, MaxTitleRunes))
	case len(pr.SKUs) == 0 || len(pr.SKUs) > MaxSKUs:
		return ItemParams{}, invalid(rec, "skus", fmt.Sprintf("%d SKUs; the platform takes 1 to %d", len(pr.SKUs), MaxSKUs))
	}
	out := ItemParams{ItemID: itemID, Title: pr.Title, Desc: pr.Description, ItemNo: pr.Code, IsDisplay: 1}
	if len(pr.Images) > 0 {
		b, _ := json.Marshal(pr.Images)
		out.ImageURLs = string(b)
	}
	var stocks []SKUStock
	for _, s := range pr.SKUs {
		price, ok := p.Prices[s.Code]
		if !ok {
			return ItemParams{}, invalid("sku "+s.Code, "price", "no channel price in the push")
		}
		if err := CheckPrice("sku "+s.Code, price); err != nil {
			return ItemParams{}, err
		}
		stock := p.Stocks[s.Code]
		if err := CheckStock("sku "+s.Code, stock); err != nil {
			return ItemParams{}, err
		}
		k := SKUStock{Price: int64(price), Quantity: stock, ItemNo: s.Code}
		for _, v := range s.Specs {
			k.SKUs = append(k.SKUs, SpecPair{K: v.Name, V: v.Value})
		}
		if out.Price == 0 || k.Price < out.Price {
			out.Price = k.Price
		}
		out.Quantity += stock
		stocks = append(stocks, k)
	}
	b, err := json.Marshal(stocks)
	if err != nil {
		return ItemParams{}, invalid(rec, "skus", err.Error())
	}
	out.SKUStocks = string(b)
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

func invalid(record, field, reason string) error {
	fe := domain.FieldError{Record: record, Field: field, Reason: reason}
	return &domain.Error{Code: domain.EInvalid, Platform: "youzan", Message: fe.Error()}
}
