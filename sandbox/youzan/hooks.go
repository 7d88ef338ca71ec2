package youzan

import (
	"encoding/json"
	"errors"
	"net/http"
	"sort"
	"time"

	"github.com/syncctl/syncctl/sandbox/kit"
)

func errorsNotFound() error { return kit.ErrNotFound }

// Reset implements kit.Shop: no items, no orders, no calls recorded. Tokens
// and order-query settings stay.
func (s *Server) Reset() {
	s.reset()
	s.mu.Lock()
	s.Persist.Changed()
	s.mu.Unlock()
}

// SetOrderLimits sets the largest page_size and the page_no × page_size
// cap of trades.sold.get; zero values restore DefaultPageSize and
// DefaultMaxRows. Tests use small values to make window splitting cheap.
func (s *Server) SetOrderLimits(pageSize, maxRows int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pageSize, s.maxRows = DefaultPageSize, DefaultMaxRows
	if pageSize > 0 {
		s.pageSize = pageSize
	}
	if maxRows > 0 {
		s.maxRows = maxRows
	}
}

// ExpireTokens makes every issued token unknown, as after its expiry.
func (s *Server) ExpireTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokens = map[string]time.Time{}
}

// Rates of the order generator, per generated order: besides selling
// one, it may cancel an unshipped order, have a buyer ask for a refund, or
// refund an order whose refund was asked.
const (
	GenCancelRate = 0.10
	GenAskRate    = 0.10
	GenRefundRate = 0.05
)

// generate is one tick of the order generator.
func (s *Server) generate() {
	_, _ = s.SellOrders(1, "")
	s.mu.Lock()
	roll := s.rnd.Float64()
	var pick func(*order) bool
	var act func(string) error
	switch {
	case roll < GenCancelRate:
		pick, act = func(o *order) bool { return o.Status == StatusWaitSend && !o.RefundAsked }, s.CancelOrder
	case roll < GenCancelRate+GenAskRate:
		pick, act = func(o *order) bool { return o.Status != StatusClosed && !o.RefundAsked && !o.Refunded }, s.AskRefund
	case roll < GenCancelRate+GenAskRate+GenRefundRate:
		pick, act = func(o *order) bool { return o.RefundAsked }, s.RefundOrder
	}
	var ids []string
	if pick != nil {
		for id, o := range s.orders {
			if pick(o) {
				ids = append(ids, id)
			}
		}
	}
	var id string
	if len(ids) > 0 {
		sort.Strings(ids)
		id = ids[s.rnd.Intn(len(ids))]
	}
	s.mu.Unlock()
	if id != "" {
		_ = act(id)
	}
}

// adminSell serves POST /_sandbox/youzan/orders {"count", "sku_outer_id",
// "salesman": true|false}: orders all sold by a 分销员, or none.
func (s *Server) adminSell(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Count      int    `json:"count"`
		SKUOuterID string `json:"sku_outer_id"`
		Salesman   bool   `json:"salesman"`
	}
	raw, err := kit.ReadJSONObject(w, r)
	if err == nil {
		err = json.Unmarshal(raw, &in)
	}
	if err != nil || in.Count < 1 || in.Count > kit.MaxAdminOrders {
		kit.WriteJSON(w, http.StatusBadRequest, map[string]string{"error": `body must be {"count":1..10000,"sku_outer_id":"optional","salesman":bool}`})
		return
	}
	ids, err := s.SellSalesmanOrders(in.Count, in.SKUOuterID, in.Salesman)
	out := map[string]any{"requested": in.Count, "created_count": len(ids), "created": ids}
	if err != nil {
		out["error"] = err.Error()
		kit.WriteJSON(w, http.StatusConflict, out)
		return
	}
	kit.WriteJSON(w, http.StatusCreated, out)
}

// adminAskRefund serves POST /_sandbox/youzan/orders/{id}/refund-request.
func (s *Server) adminAskRefund(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	switch err := s.AskRefund(id); {
	case errors.Is(err, kit.ErrNotFound):
		kit.WriteJSON(w, http.StatusNotFound, map[string]string{"error": "order " + id + ": no such order"})
	case err != nil:
		kit.WriteJSON(w, http.StatusConflict, map[string]string{"error": "order " + id + ": " + err.Error()})
	default:
		kit.WriteJSON(w, http.StatusOK, map[string]string{"id": id, "done": "refund asked"})
	}
}
