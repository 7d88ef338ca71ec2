// Package fakechannel is an in-memory sales channel for tests of the
// platform-neutral code (workflows, activities, the stack). It is not a
// sandbox: it speaks no wire protocol. What it models is behaviour the
// workflows must handle without knowing the platform: stock that only takes
// deltas and is decremented by the platform's own sales, content review that
// passes or fails after a few checks, cursor paging, a window cap on order
// queries, and orders that cannot be mapped. Configure it through Caps.
package fakechannel

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/syncctl/syncctl/connectors"
	"github.com/syncctl/syncctl/domain"
)

// Platform is one shop on a fake platform, made by New. Exported fields are
// set before use; the rest is guarded by its mutex.
type Platform struct {
	ShopRef domain.ShopRef
	Caps    connectors.Capabilities
	// ReviewChecks is how many ReviewStatus calls a product stays in review
	// for (with Caps.Review); RejectReason, per product code, makes its
	// review fail with that reason instead of passing.
	ReviewChecks int
	RejectReason map[string]string

	mu       sync.Mutex
	next     int64
	items    map[string]*Item  // item id → item
	byOuter  map[string]string // product code → item id
	orders   []Order
	calls    map[string]int
	stockOps []StockOp
}

// Item is a product as the fake platform holds it.
type Item struct {
	ID, OuterID, Title string
	Status             domain.ListingStatus
	SKUs               map[string]*SKU // master SKU code → SKU
	reviewsLeft        int
}

// SKU is one platform SKU.
type SKU struct {
	ID    string
	Price domain.Money
	Stock int
}

// StockOp is one stock write as the platform received it.
type StockOp struct {
	SKUCode string
	Delta   int  // the change sent (delta platforms)
	Set     int  // the number set (absolute platforms)
	IsDelta bool // which of the two it was
}

// Order is an order on the platform; Broken ones cannot be mapped.
type Order struct {
	domain.SalesOrder
	Broken string // the reason a mapping would fail, naming the field
}

var _ connectors.Channel = (*Platform)(nil)
var _ connectors.ReviewTracker = (*Platform)(nil)

// New returns an empty platform for the shop.
func New(shop domain.ShopRef, caps connectors.Capabilities) *Platform {
	return &Platform{ShopRef: shop, Caps: caps, RejectReason: map[string]string{},
		items: map[string]*Item{}, byOuter: map[string]string{}, calls: map[string]int{}}
}

func (p *Platform) call(method string) { p.calls[method]++ }

// Calls returns how often each method was called.
func (p *Platform) Calls() map[string]int {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := map[string]int{}
	for k, v := range p.calls {
		out[k] = v
	}
	return out
}

// StockOps returns the stock writes received, in order.
func (p *Platform) StockOps() []StockOp {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]StockOp(nil), p.stockOps...)
}

// Item returns a copy of the item listed under a product code.
func (p *Platform) Item(productCode string) (Item, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	it, ok := p.items[p.byOuter[productCode]]
	if !ok {
		return Item{}, false
	}
	cp := *it
	cp.SKUs = map[string]*SKU{}
	for k, v := range it.SKUs {
		s := *v
		cp.SKUs[k] = &s
	}
	return cp, true
}

// Sell takes stock off a SKU the way a buyer's order on the platform does.
func (p *Platform) Sell(productCode, skuCode string, qty int) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	it, ok := p.items[p.byOuter[productCode]]
	if !ok || it.SKUs[skuCode] == nil || it.SKUs[skuCode].Stock < qty {
		return fmt.Errorf("fake: cannot sell %d of %s", qty, skuCode)
	}
	it.SKUs[skuCode].Stock -= qty
	return nil
}

// AddOrder puts an order on the platform (Broken: one that cannot be mapped).
func (p *Platform) AddOrder(o Order) {
	p.mu.Lock()
	defer p.mu.Unlock()
	o.Shop = p.ShopRef
	for i, have := range p.orders {
		if have.PlatformOrderID == o.PlatformOrderID {
			p.orders[i] = o
			return
		}
	}
	p.orders = append(p.orders, o)
}

// Shop implements connectors.Channel.
func (p *Platform) Shop() domain.ShopRef { return p.ShopRef }

// Capabilities implements connectors.Channel.
func (p *Platform) Capabilities() connectors.Capabilities { return p.Caps }

func (p *Platform) id() string {
	p.next++
	return strconv.FormatInt(3704612354559743000+p.next, 10) // 19 digits, like WeChat's
}

// UpsertProduct implements connectors.Channel. A review platform puts new
// and changed content in review.
func (p *Platform) UpsertProduct(_ context.Context, push connectors.ProductPush) (connectors.ProductResult, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.call("upsert")
	if len([]rune(push.Product.Title)) < 5 {
		return connectors.ProductResult{}, domain.Errorf(domain.EInvalid, "product %s, field title: at least 5 characters", push.Product.Code)
	}
	var it *Item
	if push.Known != nil {
		it = p.items[push.Known.ItemID]
	} else if push.MayExist {
		it = p.items[p.byOuter[push.Product.Code]]
	}
	if it == nil {
		it = &Item{ID: p.id(), OuterID: push.Product.Code, SKUs: map[string]*SKU{}}
		p.items[it.ID], p.byOuter[push.Product.Code] = it, it.ID
	}
	it.Title = push.Product.Title
	it.Status = domain.ListingOnSale
	if p.Caps.Review {
		it.Status, it.reviewsLeft = domain.ListingInReview, p.ReviewChecks
	}
	res := connectors.ProductResult{IDs: connectors.ProductIDs{ItemID: it.ID, SKUIDs: map[string]string{}}, Status: it.Status, Calls: 1}
	for _, s := range push.Product.SKUs {
		sku := it.SKUs[s.Code]
		if sku == nil {
			sku = &SKU{ID: p.id()}
			it.SKUs[s.Code] = sku
		}
		sku.Price, sku.Stock = push.Prices[s.Code], push.Stocks[s.Code]
		res.IDs.SKUIDs[s.Code] = sku.ID
	}
	return res, nil
}

func (p *Platform) sku(ids connectors.ProductIDs, code string) (*SKU, error) {
	it := p.items[ids.ItemID]
	if it == nil || it.SKUs[code] == nil {
		return nil, domain.Errorf(domain.ENotFound, "item %s has no sku %s", ids.ItemID, code)
	}
	return it.SKUs[code], nil
}

// UpdatePrice implements connectors.Channel.
func (p *Platform) UpdatePrice(_ context.Context, u connectors.PriceUpdate) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.call("price")
	s, err := p.sku(u.IDs, u.SKUCode)
	if err == nil {
		s.Price = u.Price
	}
	return err
}

// UpdateStock implements connectors.Channel the way a connector must: a
// delta platform is sent the difference between the target and what the
// platform holds now (which its own sales have lowered), and nothing when
// there is none.
func (p *Platform) UpdateStock(_ context.Context, u connectors.StockUpdate) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	s, err := p.sku(u.IDs, u.SKUCode)
	if err != nil {
		return err
	}
	if p.Caps.StockMode != connectors.StockDelta {
		p.call("stock.set")
		s.Stock = u.Quantity
		p.stockOps = append(p.stockOps, StockOp{SKUCode: u.SKUCode, Set: u.Quantity})
		return nil
	}
	p.call("stock.get")
	delta := u.Quantity - s.Stock
	if delta == 0 {
		return nil
	}
	p.call("stock.delta")
	s.Stock += delta
	p.stockOps = append(p.stockOps, StockOp{SKUCode: u.SKUCode, Delta: delta, IsDelta: true})
	return nil
}

// SetListed implements connectors.Channel.
func (p *Platform) SetListed(_ context.Context, ids connectors.ProductIDs, listed bool) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.call("listing")
	it := p.items[ids.ItemID]
	if it == nil {
		return domain.Errorf(domain.ENotFound, "item %s does not exist", ids.ItemID)
	}
	it.Status = domain.ListingDelisted
	if listed {
		it.Status = domain.ListingOnSale
	}
	return nil
}

// ReviewStatus implements connectors.ReviewTracker.
func (p *Platform) ReviewStatus(_ context.Context, ids connectors.ProductIDs) (domain.ListingStatus, string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.call("review")
	it := p.items[ids.ItemID]
	if it == nil {
		return "", "", domain.Errorf(domain.ENotFound, "item %s does not exist", ids.ItemID)
	}
	if it.Status == domain.ListingInReview {
		if it.reviewsLeft > 0 {
			it.reviewsLeft--
		} else if reason := p.RejectReason[it.OuterID]; reason != "" {
			it.Status = domain.ListingRejected
		} else {
			it.Status = domain.ListingOnSale
		}
	}
	return it.Status, p.RejectReason[it.OuterID], nil
}

// ListOrders implements connectors.Channel: orders modified in [From, To),
// oldest first, Caps.OrderPageSizeMax a page, with an opaque cursor. A
// window over Caps.OrderWindowMax is refused as the platforms refuse it.
func (p *Platform) ListOrders(_ context.Context, q connectors.OrderQuery) (connectors.OrderPage, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.call("orders")
	if !q.To.After(q.From) {
		return connectors.OrderPage{Calls: 1}, domain.Errorf(domain.EInvalid, "order query: end %s is not after start %s", q.To, q.From)
	}
	if p.Caps.OrderWindowMax > 0 && q.To.Sub(q.From) > p.Caps.OrderWindowMax {
		return connectors.OrderPage{Calls: 1}, domain.Errorf(domain.EInvalid, "order query: window %s exceeds %s", q.To.Sub(q.From), p.Caps.OrderWindowMax)
	}
	var in []Order
	for _, o := range p.orders {
		if !o.ModifiedAt.Before(q.From) && o.ModifiedAt.Before(q.To) {
			in = append(in, o)
		}
	}
	sort.SliceStable(in, func(i, j int) bool { return in[i].ModifiedAt.Before(in[j].ModifiedAt) })
	start := 0
	if q.PageToken != "" {
		n, err := strconv.Atoi(q.PageToken)
		if err != nil {
			return connectors.OrderPage{Calls: 1}, domain.Errorf(domain.EInvalid, "order query: bad cursor %q", q.PageToken)
		}
		start = n
	}
	size := p.Caps.OrderPageSizeMax
	if size <= 0 {
		size = 100
	}
	page := connectors.OrderPage{Calls: 1}
	end := min(start+size, len(in))
	for _, o := range in[start:end] {
		if o.Broken != "" {
			page.Rejected = append(page.Rejected, connectors.RejectedOrder{PlatformOrderID: o.PlatformOrderID, Reason: o.Broken})
			continue
		}
		page.Orders = append(page.Orders, o.SalesOrder)
	}
	if end < len(in) {
		page.NextPageToken = strconv.Itoa(end)
	}
	return page, nil
}

// GetOrder implements connectors.Channel.
func (p *Platform) GetOrder(_ context.Context, id string) (domain.SalesOrder, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.call("order")
	for _, o := range p.orders {
		if o.PlatformOrderID == id && o.Broken == "" {
			return o.SalesOrder, nil
		}
	}
	return domain.SalesOrder{}, domain.Errorf(domain.ENotFound, "order %s does not exist", id)
}

// Ship implements connectors.Channel.
func (p *Platform) Ship(_ context.Context, s domain.Shipment) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.call("ship")
	for i, o := range p.orders {
		if o.PlatformOrderID == s.PlatformOrderID {
			p.orders[i].Status, p.orders[i].ModifiedAt = domain.OrderShipped, o.ModifiedAt.Add(time.Second)
			return nil
		}
	}
	return domain.Errorf(domain.ENotFound, "order %s does not exist", s.PlatformOrderID)
}
