// Package connectors defines the contract every sales-channel connector
// implements, and the registry workflows use to find one by shop.
//
// Workflows speak only this interface. What differs between platforms
// (money units, review, delta stock, order windows, cursors vs pages, CPS
// pools) is either hidden inside the connector or declared in Capabilities,
// so a new platform arrives without a workflow change.
package connectors

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/syncctl/syncctl/connectors/shopgate"
	"github.com/syncctl/syncctl/domain"
)

// Kind is the family a platform belongs to.
type Kind string

const (
	KindMiniProgram Kind = "mini_program" // WeChat 微信小店, Youzan
	KindMarketplace Kind = "marketplace"  // Tmall/Taobao, JD, Vipshop
	KindCPSPool     Kind = "cps_pool"     // Kuaishou 分销, Douyin 精选联盟
)

// Capabilities declares what the workflows must know of a platform: the
// rest (stock that takes only deltas, cursor paging, page sizes, money
// units) the connector hides, and the kind and default quota are in its
// registration (Platform).
type Capabilities struct {
	Review         bool          // content changes go through platform review (a ReviewWatch follows them)
	OrderWindowMax time.Duration // longest [from, to) one ListOrders call accepts
	OrderLookback  time.Duration // oldest modification time the platform still serves
}

// ProductPush is one SPU as a channel should show it: the master product,
// the channel price of each SKU and the stock offered to this channel. Known
// carries the platform ids from earlier pushes (empty on first push).
type ProductPush struct {
	Product domain.Product
	Prices  map[string]domain.Money // SKU code → channel price (fen)
	Stocks  map[string]int          // SKU code → stock offered on this channel
	Known   *ProductIDs             // nil: not yet on the platform
	// MayExist is set when an earlier attempt to create this product may
	// have reached the platform (the worker died before recording the ids):
	// the connector must look the product up by its outer id before creating
	// it, so a retry never lists the same product twice.
	MayExist bool
}

// ProductIDs are a product's ids on a platform.
type ProductIDs struct {
	ItemID string            `json:"item_id"`
	SKUIDs map[string]string `json:"sku_ids"` // master SKU code → platform SKU id
}

// ProductResult is what the platform answered to an upsert.
type ProductResult struct {
	IDs    ProductIDs
	Status domain.ListingStatus // on_sale, in_review, ...
	// OverSell is, per SKU code, how many units the platform says were sold
	// beyond the stock just set (Vipshop over_sell_quantity): carts and
	// orders already hold more than the channel is now offered.
	OverSell map[string]int
}

// PriceUpdate sets one SKU's channel price.
type PriceUpdate struct {
	SKUCode string
	IDs     ProductIDs
	Price   domain.Money
}

// StockUpdate sets one SKU's channel stock to Quantity: the number buyers
// may still buy on this shop. It is always the target, never a change: the
// platform decrements its stock on every sale, so "wanted − last pushed"
// would count those sales twice. A connector whose platform takes only
// deltas (StockDelta: WeChat diff_type 1/2, Kuaishou changeType) reads the
// platform's current stock and sends the difference, and sends nothing when
// there is none. That also makes a retried update idempotent.
type StockUpdate struct {
	SKUCode  string
	IDs      ProductIDs
	Quantity int
}

// OrderQuery asks for orders modified in [From, To). To-From must not exceed
// Capabilities.OrderWindowMax. PageToken is "" for the first page and the
// previous page's NextPageToken after that; its meaning is the connector's.
type OrderQuery struct {
	From, To  time.Time
	PageToken string
	PageSize  int // 0: the connector's default
}

// OrderPage is one page of full orders. NextPageToken is "" on the last page.
type OrderPage struct {
	Orders        []domain.SalesOrder
	NextPageToken string
	// Rejected lists orders on the page that could not be mapped (a field
	// missing or malformed). They are reported, never silently dropped.
	Rejected []RejectedOrder
}

// RejectedOrder is a platform order that could not be mapped.
type RejectedOrder struct {
	PlatformOrderID string `json:"platform_order_id"`
	Reason          string `json:"reason"` // names the field
}

// Channel is one shop on one platform.
type Channel interface {
	// Shop identifies the shop this connector instance serves.
	Shop() domain.ShopRef
	// Capabilities declares the platform's limits and features.
	Capabilities() Capabilities
	// UpsertProduct creates the product (Known == nil) or updates its content,
	// prices and stock, and returns the platform ids of the product and every
	// SKU. When it fails after the platform created the item (its read-back
	// failed), it returns the ids it has with the error, so they are kept.
	UpsertProduct(ctx context.Context, p ProductPush) (ProductResult, error)
	// UpdatePrice changes one SKU's price without touching content.
	UpdatePrice(ctx context.Context, u PriceUpdate) error
	// UpdateStock changes one SKU's stock.
	UpdateStock(ctx context.Context, u StockUpdate) error
	// SetListed puts a product on or off the shelf.
	SetListed(ctx context.Context, ids ProductIDs, listed bool) error
	// ListOrders returns one page of orders modified in the query window,
	// already mapped to SalesOrder (connectors whose list returns ids only
	// fetch each order's detail).
	ListOrders(ctx context.Context, q OrderQuery) (OrderPage, error)
	// GetOrder returns one order.
	GetOrder(ctx context.Context, platformOrderID string) (domain.SalesOrder, error)
	// Ship tells the platform the order (or some lines) left the warehouse.
	Ship(ctx context.Context, s domain.Shipment) error
}

// AfterSales is implemented by platforms whose refunds and after-sales
// cases can be listed by modification time (TOP taobao.refunds.receive.get,
// WeChat aftersale/getaftersalelist, Youzan trade refunds, Kuaishou
// open.seller.order.refund.pcursor.list, Douyin afterSale/List). The same
// pull discipline as orders applies: windows within OrderWindowMax,
// PageToken meaning is the connector's.
type AfterSales interface {
	ListAfterSales(ctx context.Context, q OrderQuery) (AfterSalePage, error)
}

// AfterSalePage is one page of after-sales cases.
type AfterSalePage struct {
	Cases         []domain.AfterSale
	NextPageToken string
	Rejected      []RejectedOrder
}

// PromotionPool is implemented by CPS platforms (Kuaishou 分销, Douyin 精选联盟,
// WeChat 优选联盟): a product joins a pool with a commission rate in basis points.
type PromotionPool interface {
	JoinPromotionPool(ctx context.Context, ids ProductIDs, commissionBP int) error
	LeavePromotionPool(ctx context.Context, ids ProductIDs) error
}

// StockReporter is implemented by platforms whose stock write answers more
// than success (Vipshop updateSkuStock reports over_sell_quantity). The
// push calls it instead of UpdateStock and records what it reports.
type StockReporter interface {
	UpdateStockReport(ctx context.Context, u StockUpdate) (StockResult, error)
}

// StockResult is what a platform answered to a stock write.
type StockResult struct {
	OverSell int // > 0: the platform has sold this many units beyond the level just set
}

// SKURemover is implemented by platforms that can take one SKU off an item
// that keeps others (TOP taobao.item.sku.delete, WeChat auditfree is_delete)
// without a content update. A SKU the item no longer has is removed
// already: RemoveSKU returns nil. Where a platform cannot remove a SKU (or
// refuses to remove an item's last one), the connector sets its stock to 0
// instead, and so does the push on platforms without SKURemover.
type SKURemover interface {
	RemoveSKU(ctx context.Context, ids ProductIDs, skuCode string) error
}

// ReviewTracker is implemented by platforms that review content (WeChat,
// Douyin): it reports where a pushed product is in review.
type ReviewTracker interface {
	ReviewStatus(ctx context.Context, ids ProductIDs) (domain.ListingStatus, string, error)
}

// PriceReader is implemented by platforms whose product read API returns
// each SKU's live price (TOP taobao.item.seller.get, WeChat product/get
// online copy): what buyers are shown now, a back-office edit included.
// ReadPrices reads one product and returns the price of each SKU of ids
// (keyed by master SKU code, the outer id; fen) the platform shows. A SKU
// the platform does not show is absent from the map; a product it does not
// have is ENotFound.
type PriceReader interface {
	ReadPrices(ctx context.Context, ids ProductIDs) (map[string]domain.Money, error)
}

// Factory builds a Channel for one configured shop. The platform
// registration (package platforms) has checked the shop's credentials and
// options against the Platform declaration before it is called.
type Factory func(cfg ShopConfig) (Channel, error)

// ShopConfig is one channel shop as a connector receives it. Credentials
// hold values already read from the env vars or files the configuration
// names, keyed by the platform's own names (TOP: app_key, app_secret,
// session); they are never logged or serialized.
type ShopConfig struct {
	Channel string            `json:"channel"`
	Shop    string            `json:"shop"`
	Gateway string            `json:"gateway"` // e.g. https://eco.taobao.com/router/rest
	QPS     float64           `json:"qps,omitempty"`
	Options map[string]string `json:"options,omitempty"` // platform specifics, defaults filled in
	// Credentials by the platform's own names.
	Credentials map[string]Secret `json:"-"`
	// Commission is the shop's promotion-pool policy (nil: the shop's
	// products stay out of any pool). The workflows follow it; a connector
	// only converts each rate into its platform's unit.
	Commission *domain.CommissionPolicy `json:"commission,omitempty"`
	// Tokens is where the connector keeps tokens it mints (nil: in memory).
	Tokens TokenStore `json:"-"`
	// Bans shares the shop's platform bans with the other workers (nil:
	// Tokens when it is a BanStore too, as the store is; else this process).
	Bans shopgate.BanStore `json:"-"`
}

// Ref is the shop's reference.
func (c ShopConfig) Ref() domain.ShopRef { return domain.ShopRef{Channel: c.Channel, Shop: c.Shop} }

// Credential returns the value of one credential ("" when not configured).
func (c ShopConfig) Credential(name string) string { return c.Credentials[name].Reveal() }

// Secret is a credential. It prints as "***" so it cannot leak through logs,
// errors or %v of a struct that holds it.
type Secret string

func (Secret) String() string                 { return "***" }
func (Secret) GoString() string               { return "***" }
func (Secret) MarshalJSON() ([]byte, error)   { return []byte(`"***"`), nil }
func (s Secret) Reveal() string               { return string(s) }
func (Secret) Format(f fmt.State, verb rune)  { _, _ = f.Write([]byte("***")) }
func (s Secret) MarshalText() ([]byte, error) { return []byte("***"), nil }

// Shops holds the opened channel of every configured shop of a worker.
type Shops map[domain.ShopRef]Channel

// Get returns the channel of a shop, or ENotFound naming the known shops.
func (s Shops) Get(ref domain.ShopRef) (Channel, error) {
	if ch, ok := s[ref]; ok {
		return ch, nil
	}
	var known []string
	for k := range s {
		known = append(known, k.String())
	}
	sort.Strings(known)
	if len(known) == 0 {
		return nil, domain.Errorf(domain.ENotFound, "shop %s is not configured on this worker (it serves no shops)", ref)
	}
	return nil, domain.Errorf(domain.ENotFound, "shop %s is not configured on this worker (it serves %s)", ref, domain.List(known))
}
