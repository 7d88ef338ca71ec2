package domain

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"sort"
	"strings"
	"time"
)

// Product is a master SPU: the goods as the brand defines them, independent
// of any channel.
type Product struct {
	Code        string    `json:"code"`                  // master SPU code, unique
	Title       string    `json:"title"`                 // ≤ 60 runes in the master catalog
	Brand       string    `json:"brand,omitempty"`       // 品牌
	Category    string    `json:"category"`              // master category path, e.g. "服装/女装/T恤"
	Description string    `json:"description,omitempty"` // plain text or simple HTML
	Images      []string  `json:"images,omitempty"`      // absolute URLs, first is the main image
	SKUs        []SKU     `json:"skus"`
	UpdatedAt   time.Time `json:"updated_at,omitempty"`
}

// SKU is one sellable variant of a Product.
type SKU struct {
	Code      string      `json:"code"`              // master SKU code (商家编码), unique across the catalog
	Specs     []SpecValue `json:"specs,omitempty"`   // ordered spec values: 颜色=红色, 尺码=M
	Barcode   string      `json:"barcode,omitempty"` // EAN-13 / UPC / internal
	WeightG   int         `json:"weight_g,omitempty"`
	Cost      Money       `json:"cost"`       // fen
	ListPrice Money       `json:"list_price"` // fen, > 0
	Stock     int         `json:"stock"`      // sellable units in the warehouse, ≥ 0
}

// SpecValue is one dimension of a SKU's variation.
type SpecValue struct {
	Name  string `json:"name"`  // 颜色, 尺码, 规格
	Value string `json:"value"` // 红色, M, 500ml
}

// SpecDimensions returns the spec names in first-seen order across SKUs.
func (p Product) SpecDimensions() []string {
	var names []string
	seen := map[string]bool{}
	for _, s := range p.SKUs {
		for _, v := range s.Specs {
			if !seen[v.Name] {
				seen[v.Name] = true
				names = append(names, v.Name)
			}
		}
	}
	return names
}

// ContentHash is a stable digest of what a channel shows of the product
// (title, content, images, SKU structure) excluding price and stock, which
// are pushed and tracked separately. An unchanged hash means no content call.
func (p Product) ContentHash() string {
	type skuContent struct {
		Code    string
		Specs   []SpecValue
		Barcode string
		WeightG int
	}
	c := struct {
		Code, Title, Brand, Category, Description string
		Images                                    []string
		SKUs                                      []skuContent
	}{p.Code, p.Title, p.Brand, p.Category, p.Description, p.Images, nil}
	skus := append([]SKU(nil), p.SKUs...)
	sort.Slice(skus, func(i, j int) bool { return skus[i].Code < skus[j].Code })
	for _, s := range skus {
		c.SKUs = append(c.SKUs, skuContent{s.Code, s.Specs, s.Barcode, s.WeightG})
	}
	b, _ := json.Marshal(c)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:16])
}

// ParseShopRef reads "channel/shop" (neither part empty, one slash).
func ParseShopRef(s string) (ShopRef, error) {
	ch, shop, ok := strings.Cut(strings.TrimSpace(s), "/")
	if !ok || ch == "" || shop == "" || strings.Contains(shop, "/") {
		return ShopRef{}, Errorf(EInvalid, "%q is not a shop: write channel/shop, e.g. tmall/flagship", s)
	}
	return ShopRef{Channel: ch, Shop: shop}, nil
}

// ShopRef names one shop on one channel: the unit every listing, cursor and
// workflow is keyed by. Channel is the platform id ("tmall"); Shop is the
// operator's name for the shop in the configuration ("flagship").
type ShopRef struct {
	Channel string `json:"channel"`
	Shop    string `json:"shop"`
}

func (r ShopRef) String() string { return r.Channel + "/" + r.Shop }

// ShopPause is an operator's kill switch on one shop: while it holds, no
// worker calls the shop; its writes and pulls wait and go on when it ends.
type ShopPause struct {
	Shop   ShopRef   `json:"shop"`
	Reason string    `json:"reason"`
	By     string    `json:"by,omitempty"` // who paused it (the OS user of the CLI)
	At     time.Time `json:"at"`
}

// BreakerState is where a shop's circuit breaker stands
// (connectors/shopgate).
type BreakerState string

// Breaker states.
const (
	BreakerClosed   BreakerState = "closed"    // calls go
	BreakerOpen     BreakerState = "open"      // no call goes until OpenUntil
	BreakerHalfOpen BreakerState = "half-open" // one probe call goes
)

// ShopBreaker is a snapshot of a shop's circuit breaker, as the store
// keeps it and `syncctl channels status` shows it.
type ShopBreaker struct {
	Shop      ShopRef      `json:"shop"`
	State     BreakerState `json:"state"`
	Failures  int          `json:"failures"`             // unanswered calls in a row
	OpenUntil time.Time    `json:"open_until,omitzero"`  // open: when the probe may go
	LastError string       `json:"last_error,omitempty"` // the last unanswered call's error
	Since     time.Time    `json:"since"`                // when it entered this state
}

// ListingStatus is a normalized listing state across platforms.
type ListingStatus string

const (
	ListingPending  ListingStatus = "pending"   // never pushed, or push in flight
	ListingInReview ListingStatus = "in_review" // platform is reviewing (WeChat, Douyin)
	ListingRejected ListingStatus = "rejected"  // platform review rejected it
	ListingOnSale   ListingStatus = "on_sale"   // listed and buyable
	ListingDelisted ListingStatus = "delisted"  // off shelf (instock)
	ListingFailed   ListingStatus = "failed"    // last push failed; see LastError
	ListingRemoved  ListingStatus = "removed"   // its SKU left the catalog and the push ended it on the channel (stock 0)
	// ListingHeld: never sent, because a price guard held its first price
	// (LastError says which and the approval to answer). A listed SKU whose
	// new price is held keeps its status and old price, with the hold as
	// its LastError.
	ListingHeld ListingStatus = "held"
)

// ChannelListing maps one master SKU onto one channel shop.
type ChannelListing struct {
	Shop          ShopRef       `json:"shop"`
	SKUCode       string        `json:"sku_code"`
	ProductCode   string        `json:"product_code"`
	ItemID        string        `json:"item_id,omitempty"` // platform product id (num_iid, product_id); string: 64-bit ids
	PlatformSKUID string        `json:"platform_sku_id,omitempty"`
	ContentHash   string        `json:"content_hash,omitempty"` // Product.ContentHash last pushed successfully
	Price         Money         `json:"price"`                  // last price pushed, fen
	Stock         int           `json:"stock"`                  // last stock pushed
	Status        ListingStatus `json:"status"`
	LastError     string        `json:"last_error,omitempty"`
	PushedAt      time.Time     `json:"pushed_at,omitempty"`
	// PoolRate is the commission (basis points) the product has in the
	// shop's promotion pool (Kuaishou 分销, Douyin 精选联盟, WeChat 优选联盟);
	// 0: not in the pool.
	PoolRate int `json:"pool_rate_bp,omitempty"`
	// OverSell is what the platform reported at the last stock write: units
	// it sold beyond the stock syncctl now offers (Vipshop).
	OverSell int `json:"over_sell,omitempty"`
}

// MaxStock is the most stock one SKU can have in the catalog (catalog
// import, the ERP API and the stock a delta leads to all hold to it).
const MaxStock = 100000000
