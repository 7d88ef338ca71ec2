// Package fakemap holds the pure mappings between syncctl's domain and the
// wire payloads of "fake", the test platform of connectors/fake: a master
// product → product.upsert's body (money in fen), and an order of
// order.list / order.get → SalesOrder (ids as strings, unix-second times).
package fakemap

import (
	"fmt"
	"unicode/utf8"

	"github.com/syncctl/syncctl/connectors"
	"github.com/syncctl/syncctl/domain"
)

// The platform's item limits, as it documents them.
const (
	MinTitleRunes              = 5
	MaxTitleRunes              = 60
	MaxDescRunes               = 20000
	MaxSKUs                    = 100
	MaxStock                   = 999999
	MaxPrice      domain.Money = 1e10 // 1亿元 in fen
)

// UpsertRequest is product.upsert's body. Without ItemID it creates an
// item; with it, it replaces the item's content and SKUs. The stock of a
// SKU the item has already is not changed by it (only sku.stock.delta
// changes stock): it sets the stock of new SKUs.
type UpsertRequest struct {
	ItemID      string       `json:"item_id,omitempty"`
	OuterID     string       `json:"outer_id"`
	Title       string       `json:"title"`
	Category    string       `json:"category,omitempty"`
	Description string       `json:"description,omitempty"`
	Images      []string     `json:"images,omitempty"`
	SKUs        []SKURequest `json:"skus"`
}

// SKURequest is one SKU of an UpsertRequest.
type SKURequest struct {
	OuterID  string `json:"outer_id"`
	Specs    []Spec `json:"specs,omitempty"`
	PriceFen int64  `json:"price_fen"`
	Stock    int    `json:"stock"`
}

// Spec is one spec value of a SKU.
type Spec struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// Item is an item as product.upsert and product.get return it.
type Item struct {
	ItemID       string    `json:"item_id"`
	OuterID      string    `json:"outer_id"`
	Title        string    `json:"title"`
	Status       string    `json:"status"`
	RejectReason string    `json:"reject_reason"`
	SKUs         []ItemSKU `json:"skus"`
	UpdateTime   int64     `json:"update_time"`
}

// ItemSKU is one SKU of an Item.
type ItemSKU struct {
	SKUID    string `json:"sku_id"`
	OuterID  string `json:"outer_id"`
	PriceFen int64  `json:"price_fen"`
	Stock    int    `json:"stock"`
}

// SKU finds a SKU of the item by its platform id, or by its outer id (the
// master SKU code) when skuID is "".
func (it Item) SKU(skuID, outerID string) (ItemSKU, bool) {
	for _, k := range it.SKUs {
		if (skuID != "" && k.SKUID == skuID) || (skuID == "" && k.OuterID == outerID) {
			return k, true
		}
	}
	return ItemSKU{}, false
}

// ProductRequest builds product.upsert's body for a push; itemID is the
// item to update ("" creates one). Every SKU needs a channel price; a SKU
// without a stock entry is offered with none. Errors are EInvalid naming
// the product or SKU and the field.
func ProductRequest(p connectors.ProductPush, itemID string) (UpsertRequest, error) {
	pr := p.Product
	rec := "product " + pr.Code
	n := utf8.RuneCountInString(pr.Title)
	switch {
	case pr.Code == "":
		return UpsertRequest{}, invalid("product (no code)", "code", "required")
	case len(pr.Code) > 64:
		return UpsertRequest{}, invalid(rec, "code", "at most 64 bytes on this platform")
	case n < MinTitleRunes || n > MaxTitleRunes:
		return UpsertRequest{}, invalid(rec, "title", fmt.Sprintf("%d characters; the platform takes %d to %d", n, MinTitleRunes, MaxTitleRunes))
	case utf8.RuneCountInString(pr.Description) > MaxDescRunes:
		return UpsertRequest{}, invalid(rec, "description", fmt.Sprintf("%d characters; the platform takes at most %d", utf8.RuneCountInString(pr.Description), MaxDescRunes))
	case len(pr.SKUs) == 0 || len(pr.SKUs) > MaxSKUs:
		return UpsertRequest{}, invalid(rec, "skus", fmt.Sprintf("%d SKUs; the platform takes 1 to %d", len(pr.SKUs), MaxSKUs))
	}
	req := UpsertRequest{ItemID: itemID, OuterID: pr.Code, Title: pr.Title, Category: pr.Category,
		Description: pr.Description, Images: pr.Images}
	for _, s := range pr.SKUs {
		price, ok := p.Prices[s.Code]
		if !ok {
			return UpsertRequest{}, invalid("sku "+s.Code, "price", "no channel price in the push")
		}
		if err := CheckPrice("sku "+s.Code, price); err != nil {
			return UpsertRequest{}, err
		}
		stock := p.Stocks[s.Code]
		if err := CheckStock("sku "+s.Code, stock); err != nil {
			return UpsertRequest{}, err
		}
		k := SKURequest{OuterID: s.Code, PriceFen: int64(price), Stock: stock}
		for _, v := range s.Specs {
			k.Specs = append(k.Specs, Spec{Name: v.Name, Value: v.Value})
		}
		req.SKUs = append(req.SKUs, k)
	}
	return req, nil
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

var listingStatus = map[string]domain.ListingStatus{
	"reviewing": domain.ListingInReview, "rejected": domain.ListingRejected,
	"on_shelf": domain.ListingOnSale, "off_shelf": domain.ListingDelisted,
}

// ListingStatus maps an item status; ok is false for a status the
// platform does not document.
func ListingStatus(status string) (s domain.ListingStatus, ok bool) {
	s, ok = listingStatus[status]
	return s, ok
}

func invalid(record, field, reason string) error {
	fe := domain.FieldError{Record: record, Field: field, Reason: reason}
	return &domain.Error{Code: domain.EInvalid, Platform: "fake", Message: fe.Error()}
}
