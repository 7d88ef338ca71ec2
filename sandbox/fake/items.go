package fake

import (
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/syncctl/syncctl/sandbox/kit"
)

// The platform's item rules.
const (
	MinTitleRunes       = 5
	MaxTitleRunes       = 60
	MaxDescRunes        = 20000
	MaxSKUs             = 100
	MaxStock            = 999999
	MaxPriceFen   int64 = 1e10 // 1亿元
)

// Review states of an item; with Listed they make its wire status.
const (
	reviewPending  = "reviewing"
	reviewApproved = "approved"
	reviewRejected = "rejected"
)

// Wire statuses of an item.
const (
	StatusReviewing = "reviewing" // content in review: not buyable
	StatusRejected  = "rejected"  // review refused it (reject_reason says why)
	StatusOnShelf   = "on_shelf"  // approved and listed: buyable
	StatusOffShelf  = "off_shelf" // approved, not listed
)

type item struct {
	ID         string    `json:"id"`
	OuterID    string    `json:"outer_id"`
	Title      string    `json:"title"`
	Category   string    `json:"category,omitempty"`
	Desc       string    `json:"desc,omitempty"`
	Images     []string  `json:"images,omitempty"`
	Review     string    `json:"review"`
	Reason     string    `json:"reason,omitempty"`
	ChecksLeft int       `json:"checks_left"` // review checks before the decision
	Listed     bool      `json:"listed"`      // the seller's wish; buyable once approved
	SKUs       []*sku    `json:"skus"`
	Modified   time.Time `json:"modified"`
}

type sku struct {
	ID       string `json:"id"`
	OuterID  string `json:"outer_id"`
	Specs    []spec `json:"specs,omitempty"`
	PriceFen int64  `json:"price_fen"`
	Stock    int    `json:"stock"`
}

type spec struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

func (it *item) status() string {
	switch {
	case it.Review == reviewPending:
		return StatusReviewing
	case it.Review == reviewRejected:
		return StatusRejected
	case it.Listed:
		return StatusOnShelf
	}
	return StatusOffShelf
}

func (it *item) sku(id string) *sku {
	for _, k := range it.SKUs {
		if k.ID == id {
			return k
		}
	}
	return nil
}

// itemView is an item on the wire.
type itemView struct {
	ItemID       string    `json:"item_id"`
	OuterID      string    `json:"outer_id"`
	Title        string    `json:"title"`
	Status       string    `json:"status"`
	RejectReason string    `json:"reject_reason,omitempty"`
	SKUs         []skuView `json:"skus"`
	UpdateTime   int64     `json:"update_time"`
}

type skuView struct {
	SKUID    string `json:"sku_id"`
	OuterID  string `json:"outer_id"`
	PriceFen int64  `json:"price_fen"`
	Stock    int    `json:"stock"`
}

func (it *item) view() itemView {
	v := itemView{ItemID: it.ID, OuterID: it.OuterID, Title: it.Title, Status: it.status(), SKUs: []skuView{}, UpdateTime: it.Modified.Unix()}
	if it.Review == reviewRejected {
		v.RejectReason = it.Reason
	}
	for _, k := range it.SKUs {
		v.SKUs = append(v.SKUs, skuView{SKUID: k.ID, OuterID: k.OuterID, PriceFen: k.PriceFen, Stock: k.Stock})
	}
	return v
}

// Item ids have equal lengths: string order is numeric order.
func (s *Server) sortedItemIDs() []string { return kit.SortedKeys(s.items) }

// byOuterID is the oldest item listed under a product code. The platform
// does not refuse a second item with the same outer id, so a client that
// creates twice lists twice.
func (s *Server) byOuterID(outerID string) *item {
	for _, id := range s.sortedItemIDs() {
		if s.items[id].OuterID == outerID {
			return s.items[id]
		}
	}
	return nil
}

func (s *Server) findItem(id string) (*item, *apiErr) {
	if id == "" {
		return nil, invalid("item_id", "required")
	}
	it := s.items[id]
	if it == nil {
		return nil, errf(CodeNotFound, "item_id: no item %s", id)
	}
	return it, nil
}

func (s *Server) findSKU(itemID, skuID string) (*item, *sku, *apiErr) {
	it, e := s.findItem(itemID)
	if e != nil {
		return nil, nil, e
	}
	if skuID == "" {
		return nil, nil, invalid("sku_id", "required")
	}
	k := it.sku(skuID)
	if k == nil {
		return nil, nil, errf(CodeNotFound, "sku_id: item %s has no sku %s", itemID, skuID)
	}
	return it, k, nil
}

type upsertReq struct {
	ItemID      string   `json:"item_id"`
	OuterID     string   `json:"outer_id"`
	Title       string   `json:"title"`
	Category    string   `json:"category"`
	Description string   `json:"description"`
	Images      []string `json:"images"`
	SKUs        []struct {
		OuterID  string `json:"outer_id"`
		Specs    []spec `json:"specs"`
		PriceFen int64  `json:"price_fen"`
		Stock    int    `json:"stock"`
	} `json:"skus"`
}

func (r upsertReq) check() *apiErr {
	n := utf8.RuneCountInString(r.Title)
	switch {
	case r.OuterID == "":
		return invalid("outer_id", "required")
	case len(r.OuterID) > 64:
		return invalid("outer_id", "at most 64 bytes")
	case n < MinTitleRunes || n > MaxTitleRunes:
		return invalid("title", "%d characters; want %d to %d", n, MinTitleRunes, MaxTitleRunes)
	case utf8.RuneCountInString(r.Description) > MaxDescRunes:
		return invalid("description", "more than %d characters", MaxDescRunes)
	case len(r.SKUs) == 0 || len(r.SKUs) > MaxSKUs:
		return invalid("skus", "%d skus; want 1 to %d", len(r.SKUs), MaxSKUs)
	}
	seen := map[string]bool{}
	for i, k := range r.SKUs {
		f := fmt.Sprintf("skus[%d].", i)
		switch {
		case k.OuterID == "":
			return invalid(f+"outer_id", "required")
		case seen[k.OuterID]:
			return invalid(f+"outer_id", "%s appears twice", k.OuterID)
		case k.PriceFen <= 0 || k.PriceFen > MaxPriceFen:
			return invalid(f+"price_fen", "%d; want 1 to %d", k.PriceFen, MaxPriceFen)
		case k.Stock < 0 || k.Stock > MaxStock:
			return invalid(f+"stock", "%d; want 0 to %d", k.Stock, MaxStock)
		}
		seen[k.OuterID] = true
	}
	return nil
}

// productUpsert creates an item (no item_id) or replaces its content and
// SKUs. Either way the content goes into review. An existing SKU (same
// outer_id) keeps its sku_id and its stock: stock changes only through
// sku.stock.delta, so the stock of an update applies to new SKUs only.
func (s *Server) productUpsert(body []byte) (any, *apiErr) {
	var r upsertReq
	if e := decode(body, &r); e != nil {
		return nil, e
	}
	if e := r.check(); e != nil {
		return nil, e
	}
	it := &item{Listed: true}
	if r.ItemID != "" {
		var e *apiErr
		if it, e = s.findItem(r.ItemID); e != nil {
			return nil, e
		}
		if it.OuterID != r.OuterID {
			return nil, errf(CodeConflict, "outer_id: item %s is listed under %s, not %s", it.ID, it.OuterID, r.OuterID)
		}
	} else {
		it.ID = s.newID(1)
		s.items[it.ID] = it
	}
	old := map[string]*sku{}
	for _, k := range it.SKUs {
		old[k.OuterID] = k
	}
	it.OuterID, it.Title, it.Category, it.Desc, it.Images = r.OuterID, r.Title, r.Category, r.Description, r.Images
	it.SKUs = nil
	for _, rk := range r.SKUs {
		k := old[rk.OuterID]
		if k == nil {
			k = &sku{ID: s.newID(2), OuterID: rk.OuterID, Stock: rk.Stock}
		}
		k.Specs, k.PriceFen = rk.Specs, rk.PriceFen
		it.SKUs = append(it.SKUs, k)
	}
	it.Review, it.Reason, it.ChecksLeft = reviewPending, "", s.reviewChecks
	it.Modified = s.cfg.Now()
	return map[string]any{"item": it.view()}, nil
}

// productGet reads one item by item_id, or the oldest by outer_id.
func (s *Server) productGet(body []byte) (any, *apiErr) {
	var r struct {
		ItemID  string `json:"item_id"`
		OuterID string `json:"outer_id"`
	}
	if e := decode(body, &r); e != nil {
		return nil, e
	}
	switch {
	case r.ItemID == "" && r.OuterID == "":
		return nil, invalid("item_id", "item_id or outer_id is required")
	case r.ItemID != "" && r.OuterID != "":
		return nil, invalid("outer_id", "give item_id or outer_id, not both")
	case r.OuterID != "":
		it := s.byOuterID(r.OuterID)
		if it == nil {
			return nil, errf(CodeNotFound, "outer_id: no item %s", r.OuterID)
		}
		return map[string]any{"item": it.view()}, nil
	}
	it, e := s.findItem(r.ItemID)
	if e != nil {
		return nil, e
	}
	return map[string]any{"item": it.view()}, nil
}

// reviewStatus reports where an item is in review. Each call on an item in
// review is one check: after the configured number of checks the platform
// decides (rejecting the products SetReview names, approving the rest).
func (s *Server) reviewStatus(body []byte) (any, *apiErr) {
	var r struct {
		ItemID string `json:"item_id"`
	}
	if e := decode(body, &r); e != nil {
		return nil, e
	}
	it, e := s.findItem(r.ItemID)
	if e != nil {
		return nil, e
	}
	if it.Review == reviewPending {
		switch reason := s.rejects[it.OuterID]; {
		case it.ChecksLeft > 0:
			it.ChecksLeft--
		case reason != "":
			it.Review, it.Reason = reviewRejected, reason
			it.Modified = s.cfg.Now()
		default:
			it.Review = reviewApproved
			it.Modified = s.cfg.Now()
		}
	}
	out := map[string]any{"item_id": it.ID, "status": it.status()}
	if it.Review == reviewRejected {
		out["reject_reason"] = it.Reason
	}
	return out, nil
}

// productListing puts an item on or off the shelf. A rejected item cannot
// be listed until its content is edited; one in review is listed once
// approved.
func (s *Server) productListing(body []byte) (any, *apiErr) {
	var r struct {
		ItemID string `json:"item_id"`
		Listed *bool  `json:"listed"`
	}
	if e := decode(body, &r); e != nil {
		return nil, e
	}
	if r.Listed == nil {
		return nil, invalid("listed", "required (true or false)")
	}
	it, e := s.findItem(r.ItemID)
	if e != nil {
		return nil, e
	}
	if *r.Listed && it.Review == reviewRejected {
		return nil, errf(CodeConflict, "item %s was rejected in review (%s): edit its content before listing it", it.ID, it.Reason)
	}
	it.Listed = *r.Listed
	it.Modified = s.cfg.Now()
	return map[string]any{"item_id": it.ID, "status": it.status()}, nil
}

// priceUpdate sets one SKU's price.
func (s *Server) priceUpdate(body []byte) (any, *apiErr) {
	var r struct {
		ItemID   string `json:"item_id"`
		SKUID    string `json:"sku_id"`
		PriceFen int64  `json:"price_fen"`
	}
	if e := decode(body, &r); e != nil {
		return nil, e
	}
	it, k, e := s.findSKU(r.ItemID, r.SKUID)
	if e != nil {
		return nil, e
	}
	if r.PriceFen <= 0 || r.PriceFen > MaxPriceFen {
		return nil, invalid("price_fen", "%d; want 1 to %d", r.PriceFen, MaxPriceFen)
	}
	k.PriceFen = r.PriceFen
	it.Modified = s.cfg.Now()
	return nil, nil
}

// stockDelta adds to or takes from one SKU's stock: the only stock write
// this platform has. A delta of 0, or one that would leave the stock below
// 0 or above MaxStock, is refused.
func (s *Server) stockDelta(body []byte) (any, *apiErr) {
	var r struct {
		ItemID string `json:"item_id"`
		SKUID  string `json:"sku_id"`
		Delta  int    `json:"delta"`
	}
	if e := decode(body, &r); e != nil {
		return nil, e
	}
	it, k, e := s.findSKU(r.ItemID, r.SKUID)
	if e != nil {
		return nil, e
	}
	switch after := k.Stock + r.Delta; {
	case r.Delta == 0:
		return nil, invalid("delta", "must not be 0")
	case r.Delta < -MaxStock || r.Delta > MaxStock || after > MaxStock:
		return nil, invalid("delta", "item %s sku %s has %d in stock; %+d would leave it outside 0 to %d", it.ID, k.ID, k.Stock, r.Delta, MaxStock)
	case after < 0:
		return nil, invalid("delta", "item %s sku %s has %d in stock; %+d would take it below 0", it.ID, k.ID, k.Stock, r.Delta)
	}
	k.Stock += r.Delta
	it.Modified = s.cfg.Now()
	s.stockWrites = append(s.stockWrites, StockWrite{ItemID: it.ID, SKUID: k.ID, SKUOuterID: k.OuterID, Delta: r.Delta, After: k.Stock})
	return map[string]any{"stock": k.Stock}, nil
}
