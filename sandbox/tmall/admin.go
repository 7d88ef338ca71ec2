package tmall

import (
	"encoding/json"
	"net/http"
	"sort"
	"strconv"

	"github.com/syncctl/syncctl/sandbox/kit"
)

// The admin endpoints are the sandbox's own, unsigned JSON API for tests,
// demos and operators (sandbox/README.md). They speak fen next to yuan and
// ids as strings so that scripts need no TOP knowledge.

func (s *Server) sortedItemIDs() []int64 {
	ids := make([]int64, 0, len(s.items))
	for id := range s.items {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	return ids
}

func (s *Server) adminItems(w http.ResponseWriter, _ *http.Request) {
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

// maxAdminOrders bounds one POST /_sandbox/orders.
const maxAdminOrders = 10000

// adminCreateOrders sells {"count":N} orders now (of one SKU with
// "sku_outer_id"). 201 when all N were made; 409 when stock ran out first,
// with what was made (those orders exist).
func (s *Server) adminCreateOrders(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Count      int    `json:"count"`
		SKUOuterID string `json:"sku_outer_id"`
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<16))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		kit.WriteJSON(w, http.StatusBadRequest, map[string]string{"error": `body must be {"count":N,"sku_outer_id":"optional"}: ` + err.Error()})
		return
	}
	if in.Count < 1 || in.Count > maxAdminOrders {
		kit.WriteJSON(w, http.StatusBadRequest, map[string]string{"error": "count must be 1 to " + strconv.Itoa(maxAdminOrders) + ", got " + strconv.Itoa(in.Count)})
		return
	}
	tids, err := s.CreateOrders(in.Count, in.SKUOuterID)
	out := map[string]any{"requested": in.Count, "created_count": len(tids), "created": tids}
	if err != nil {
		out["error"] = err.Error()
		kit.WriteJSON(w, http.StatusConflict, out)
		return
	}
	kit.WriteJSON(w, http.StatusCreated, out)
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

// adminCloseOrder has the buyer cancel a trade (TRADE_CLOSED).
func (s *Server) adminCloseOrder(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, e := s.findTrade(params{"tid": r.PathValue("tid")})
	if e != nil {
		kit.WriteJSON(w, http.StatusNotFound, map[string]string{"error": e.SubMsg})
		return
	}
	t.Status = "TRADE_CLOSED"
	for _, l := range t.Lines {
		l.Status = "TRADE_CLOSED"
	}
	// A closed trade is a new version: its modified must move on even
	// when it closes within the second it was created.
	t.Modified = laterThan(t.Modified, s.cfg.Now())
	s.changed()
	kit.WriteJSON(w, http.StatusOK, map[string]any{"tid": strconv.FormatInt(t.Tid, 10), "status": t.Status})
}
