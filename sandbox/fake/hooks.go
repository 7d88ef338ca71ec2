package fake

import (
	"errors"
	"fmt"
	"maps"
	"time"

	"github.com/syncctl/syncctl/sandbox/kit"
)

// The common admin API (kit.Admin) is served through the kit.Shop methods
// below. The other exported methods are hooks for tests: they configure
// the platform's behaviour and read what it received, in-process.

var _ kit.Shop = (*Server)(nil)

// AdminItems implements kit.Shop.
func (s *Server) AdminItems() []kit.Item {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []kit.Item{}
	for _, id := range s.sortedItemIDs() {
		out = append(out, s.items[id].adminView())
	}
	return out
}

func (it *item) adminView() kit.Item {
	v := kit.Item{ItemID: it.ID, OuterID: it.OuterID, Status: it.status(), OnSale: it.status() == StatusOnShelf, SKUs: []kit.ItemSKU{}}
	for _, k := range it.SKUs {
		v.SKUs = append(v.SKUs, kit.ItemSKU{SKUID: k.ID, OuterID: k.OuterID, PriceFen: k.PriceFen, Stock: k.Stock})
	}
	return v
}

// SellOrders implements kit.Shop: n paid orders of on-shelf SKUs with
// stock (of one SKU when skuOuterID is set), each taking its stock.
func (s *Server) SellOrders(n int, skuOuterID string) ([]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []string{}
	for range n {
		o := s.sellRandom(skuOuterID)
		if o == nil {
			break
		}
		out = append(out, o.ID)
	}
	if len(out) > 0 {
		s.changed()
	}
	if len(out) < n {
		what := "on-shelf SKU with stock"
		if skuOuterID != "" {
			what = "stock of on-shelf SKU " + skuOuterID
		}
		return out, fmt.Errorf("created %d of %d orders: no %s left to sell (push products or stock first)", len(out), n, what)
	}
	return out, nil
}

// CancelOrder implements kit.Shop: the buyer cancels an order not shipped yet.
func (s *Server) CancelOrder(id string) error {
	return s.close(id, false)
}

// RefundOrder implements kit.Shop: a full refund cancels the order and
// marks every line refunded.
func (s *Server) RefundOrder(id string) error {
	return s.close(id, true)
}

func (s *Server) close(id string, refund bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.orders[id]
	switch {
	case o == nil:
		return kit.ErrNotFound
	case !refund && o.Status != OrderPendingPayment && o.Status != OrderPaid:
		return fmt.Errorf("order has status %d: only an order not shipped yet can be cancelled (refund it instead)", o.Status)
	case refund && o.Status == OrderCancelled && len(o.Lines) > 0 && o.Lines[0].Refunded:
		return errors.New("order is refunded already")
	}
	o.Status = OrderCancelled
	for i := range o.Lines {
		o.Lines[i].Refunded = o.Lines[i].Refunded || refund
	}
	o.Modified = laterThan(o.Modified, s.cfg.Now())
	s.changed()
	return nil
}

// Reset implements kit.Shop: no items, no orders, no calls or stock
// writes recorded. The review and order-query settings stay.
func (s *Server) Reset() {
	s.reset()
	s.mu.Lock()
	s.changed()
	s.mu.Unlock()
}

// SetReview configures content review: an item in review stays there for
// checks product.review_status calls, then is approved, or rejected with
// the reason rejects gives for its outer id (the product code).
func (s *Server) SetReview(checks int, rejects map[string]string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reviewChecks, s.rejects = max(checks, 0), maps.Clone(rejects)
	if s.rejects == nil {
		s.rejects = map[string]string{}
	}
}

// SetOrderLimits sets the longest order.list window and its page size (the
// default and the most); zero values restore DefaultWindowMax and
// DefaultPageSize. The window is used in whole seconds.
func (s *Server) SetOrderLimits(windowMax time.Duration, pageSize int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.windowMax, s.pageSize = DefaultWindowMax, DefaultPageSize
	if windowMax >= time.Second {
		s.windowMax = windowMax
	}
	if pageSize > 0 {
		s.pageSize = pageSize
	}
}

// AddOrder puts an order on the platform, or replaces the one with its id
// (a platform-side change: give it a later Modified). Times are kept in
// whole seconds; zero Created/Modified are now; lines without an id get
// the order id with two more digits.
func (s *Server) AddOrder(o Order) error {
	if !allDigits(o.ID) {
		return fmt.Errorf("order %q: the id must be digits", o.ID)
	}
	if len(o.Lines) == 0 {
		return fmt.Errorf("order %s: at least one line", o.ID)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.cfg.Now()
	for _, t := range []*time.Time{&o.Created, &o.Modified} {
		if t.IsZero() {
			*t = now
		}
		*t = t.Truncate(time.Second)
	}
	o.Paid = o.Paid.Truncate(time.Second)
	o.Lines = append([]Line(nil), o.Lines...)
	for i := range o.Lines {
		if o.Lines[i].ID == "" {
			o.Lines[i].ID = fmt.Sprintf("%s%02d", o.ID, i+1)
		}
	}
	s.orders[o.ID] = &o
	s.changed()
	return nil
}

// Sell has a buyer order qty units of one SKU (by its outer id) now: a
// paid order that takes the stock, as every sale on the platform does.
// It returns the order id.
func (s *Server) Sell(skuOuterID string, qty int) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	cands := s.sellable(skuOuterID)
	switch {
	case qty < 1:
		return "", fmt.Errorf("sell %d of %s: want at least 1", qty, skuOuterID)
	case len(cands) == 0:
		return "", fmt.Errorf("sell %d of %s: no on-shelf SKU %s with stock", qty, skuOuterID, skuOuterID)
	case cands[0].k.Stock < qty:
		return "", fmt.Errorf("sell %d of %s: only %d in stock", qty, skuOuterID, cands[0].k.Stock)
	}
	o := s.newOrder(cands[:1], func(int) int { return qty })
	s.changed()
	return o.ID, nil
}

// SetPrice changes the price of a SKU (by its outer id) on every item
// that has it, as a shop operator editing it in the platform's back office
// would: no client call sees it until it reads the item again.
func (s *Server) SetPrice(skuOuterID string, priceFen int64) error {
	if priceFen <= 0 || priceFen > MaxPriceFen {
		return fmt.Errorf("price of %s: %d fen; want 1 to %d", skuOuterID, priceFen, MaxPriceFen)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, it := range s.items {
		for _, k := range it.SKUs {
			if k.OuterID == skuOuterID {
				k.PriceFen, it.Modified = priceFen, s.cfg.Now()
				n++
			}
		}
	}
	if n == 0 {
		return fmt.Errorf("price of %s: no item has that SKU (push it first)", skuOuterID)
	}
	s.changed()
	return nil
}

// StockWrite is one sku.stock.delta the platform applied.
type StockWrite struct {
	ItemID, SKUID, SKUOuterID string
	Delta                     int // the change received
	After                     int // the stock it left
}

// StockWrites returns the stock writes applied, in order.
func (s *Server) StockWrites() []StockWrite {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]StockWrite(nil), s.stockWrites...)
}

// Calls counts the authenticated calls of each method (product.upsert,
// sku.stock.delta, …), answered or refused.
func (s *Server) Calls() map[string]int { return s.CallCounts() }

// Item returns the oldest item listed under a product code.
func (s *Server) Item(outerID string) (kit.Item, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	it := s.byOuterID(outerID)
	if it == nil {
		return kit.Item{}, false
	}
	return it.adminView(), true
}

// Items counts the items listed under a product code (more than one: a
// client created the product twice).
func (s *Server) Items(outerID string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, it := range s.items {
		if it.OuterID == outerID {
			n++
		}
	}
	return n
}

// GetOrder returns a copy of an order.
func (s *Server) GetOrder(id string) (Order, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.orders[id]
	if o == nil {
		return Order{}, false
	}
	cp := *o
	cp.Lines = append([]Line(nil), o.Lines...)
	return cp, true
}
