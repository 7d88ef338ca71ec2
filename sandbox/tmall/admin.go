package tmall

import (
	"errors"
	"net/http"
	"sort"
	"strconv"

	"github.com/syncctl/syncctl/sandbox/kit"
)

// The admin API is the sandbox's own, unsigned JSON API for tests, demos
// and operators (sandbox/README.md): the common endpoints of kit.Admin,
// served through the kit.Shop methods below, plus TOP's own views of items
// and trades.

var _ kit.Shop = (*Server)(nil)

func (s *Server) sortedItemIDs() []int64 { return kit.SortedKeys(s.items) }

// AdminItems implements kit.Shop.
func (s *Server) AdminItems() []kit.Item {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []kit.Item{}
	for _, id := range s.sortedItemIDs() {
		it := s.items[id]
		v := kit.Item{ItemID: strconv.FormatInt(it.NumIID, 10), OuterID: it.OuterID, Status: it.ApproveStatus,
			OnSale: it.ApproveStatus == "onsale", SKUs: []kit.ItemSKU{}}
		for _, k := range it.SKUs {
			v.SKUs = append(v.SKUs, kit.ItemSKU{SKUID: strconv.FormatInt(k.SkuID, 10), OuterID: k.OuterID, PriceFen: k.Price, Stock: k.Quantity})
		}
		out = append(out, v)
	}
	return out
}

// SellOrders implements kit.Shop.
func (s *Server) SellOrders(n int, skuOuterID string) ([]string, error) {
	return s.CreateOrders(n, skuOuterID)
}

// CancelOrder implements kit.Shop: the buyer cancels a trade (TRADE_CLOSED).
func (s *Server) CancelOrder(id string) error {
	return s.closeTrade(id, "")
}

// RefundOrder implements kit.Shop: a full refund closes the trade, every
// order with refund_status SUCCESS (as TOP shows a refunded trade).
func (s *Server) RefundOrder(id string) error {
	return s.closeTrade(id, "SUCCESS")
}

func (s *Server) closeTrade(id, refund string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, e := s.findTrade(params{"tid": id})
	if e != nil {
		return kit.ErrNotFound
	}
	if refund == "" && t.Status != "WAIT_SELLER_SEND_GOODS" && t.Status != "WAIT_BUYER_PAY" {
		return errors.New("trade is " + t.Status + ": only an unshipped trade can be cancelled (refund it instead)")
	}
	t.Status = "TRADE_CLOSED"
	for _, l := range t.Lines {
		l.Status = "TRADE_CLOSED"
		if refund != "" {
			l.Refund = refund
		}
	}
	// A closed trade is a new version: its modified must move on even
	// when it closes within the second it was created.
	t.Modified = laterThan(t.Modified, s.cfg.Now())
	s.changed()
	return nil
}

// Reset implements kit.Shop.
func (s *Server) Reset() {
	s.reset()
	s.mu.Lock()
	s.changed()
	s.mu.Unlock()
}

// adminTOPItems is TOP's own view of every item (GET /_sandbox/top/items).
func (s *Server) adminTOPItems(w http.ResponseWriter, _ *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	items := []map[string]any{}
	for _, id := range s.sortedItemIDs() {
		it := s.items[id]
		v := s.itemView(it)
		skus := []map[string]any{}
		for _, k := range it.SKUs {
			skus = append(skus, map[string]any{"sku_id": k.SkuID, "outer_id": k.OuterID, "properties": k.Properties,
				"price": yuan(k.Price), "price_fen": k.Price, "quantity": k.Quantity, "barcode": k.Barcode})
		}
		v["skus"] = skus
		v["price_fen"] = it.Price
		items = append(items, v)
	}
	kit.WriteJSON(w, http.StatusOK, map[string]any{"items": items})
}

func (s *Server) adminListOrders(w http.ResponseWriter, _ *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []map[string]any{}
	for _, t := range s.trades {
		v := t.view()
		v["tid"] = strconv.FormatInt(t.Tid, 10)
		v["waybill"] = t.Waybill
		v["company_code"] = t.Company
		out = append(out, v)
	}
	sort.Slice(out, func(i, j int) bool { return out[i]["tid"].(string) < out[j]["tid"].(string) })
	kit.WriteJSON(w, http.StatusOK, map[string]any{"orders": out})
}
