package kit

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// The common admin API every sandbox serves under /_sandbox/ (unsigned
// JSON, for tests, demos and operators). It speaks fen and string ids so a
// script needs to know no platform:
//
//	GET  /_sandbox/items                 {"items":[Item…]}
//	POST /_sandbox/orders                {"count":N,"sku_outer_id":"optional"} → {"created":[ids]}
//	POST /_sandbox/orders/{id}/cancel    the buyer cancels an unshipped order
//	POST /_sandbox/orders/{id}/refund    the buyer gets a full refund
//	/_sandbox/faults                     POST adds a Fault, GET lists, DELETE clears
//	GET  /_sandbox/stats                 StatsView
//	POST /_sandbox/reset                 empty shop, no faults, zeroed stats
//	POST /_sandbox/tokens/expire         every access token issued so far expires (TokenExpirer)
//	POST /_sandbox/review/reject         {"outer_id","reason"}: the product's next review fails (Reviewer)
//
// A sandbox adds its own platform-specific admin endpoints beside these.

// Item is a listed product as every sandbox shows it.
type Item struct {
	ItemID  string    `json:"item_id"`
	OuterID string    `json:"outer_id"` // the master product code
	Status  string    `json:"status"`   // the platform's own word (onsale, 5, …)
	OnSale  bool      `json:"on_sale"`
	SKUs    []ItemSKU `json:"skus"`
}

// ItemSKU is one SKU of an Item.
type ItemSKU struct {
	SKUID    string `json:"sku_id"`
	OuterID  string `json:"outer_id"` // the master SKU code
	PriceFen int64  `json:"price_fen"`
	Stock    int    `json:"stock"`
}

// Shop is what a sandbox lets the admin API do with its shop.
type Shop interface {
	AdminItems() []Item
	// SellOrders makes n orders now (of one SKU when skuOuterID is set)
	// and returns their ids: paid ones, and where the sandbox models its
	// platform's order mix, some a buyer closed unpaid or asked a refund
	// for. When stock runs out first it returns the ids made so far with an
	// error.
	SellOrders(n int, skuOuterID string) ([]string, error)
	// CancelOrder and RefundOrder change one order as its buyer would;
	// ErrNotFound when there is no such order.
	CancelOrder(id string) error
	RefundOrder(id string) error
	// Reset empties the shop.
	Reset()
}

// TokenExpirer is a Shop whose platform issues access tokens: ExpireTokens
// ends the life of every token issued so far, as if it had run out, so a
// test sees the connector refresh in the middle of a run.
type TokenExpirer interface{ ExpireTokens() }

// Reviewer is a Shop whose platform reviews products: RejectNext makes the
// next review of the product with this outer id fail with the reason.
type Reviewer interface {
	RejectNext(outerID, reason string)
}

// ErrNotFound is what a Shop returns for an unknown order id.
var ErrNotFound = errors.New("no such order")

// MaxAdminOrders bounds one POST /_sandbox/orders.
const MaxAdminOrders = 10000

// StatsView is the JSON of GET /_sandbox/stats.
type StatsView struct {
	Total    int            `json:"total"`
	Served   map[string]int `json:"served"`   // by method
	Rejected map[string]int `json:"rejected"` // by platform error code, "HTTP 503", "malformed"
	Faults   int            `json:"faults_injected"`
	// CallsDuringBan counts the calls that arrived while their app was
	// banned (each also refused, in Rejected): a client that honours bans
	// makes none.
	CallsDuringBan int `json:"calls_during_ban"`
}

// Admin registers the common admin endpoints on mux.
func Admin(mux *http.ServeMux, shop Shop, faults *Faults, stats *Stats) {
	mux.HandleFunc("GET /_sandbox/items", func(w http.ResponseWriter, _ *http.Request) {
		WriteJSON(w, http.StatusOK, map[string]any{"items": shop.AdminItems()})
	})
	mux.HandleFunc("POST /_sandbox/orders", func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			Count      int    `json:"count"`
			SKUOuterID string `json:"sku_outer_id"`
		}
		dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<16))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&in); err != nil {
			WriteJSON(w, http.StatusBadRequest, map[string]string{"error": `body must be {"count":N,"sku_outer_id":"optional"}: ` + err.Error()})
			return
		}
		if in.Count < 1 || in.Count > MaxAdminOrders {
			WriteJSON(w, http.StatusBadRequest, map[string]string{"error": "count must be 1 to " + strconv.Itoa(MaxAdminOrders) + ", got " + strconv.Itoa(in.Count)})
			return
		}
		ids, err := shop.SellOrders(in.Count, in.SKUOuterID)
		if ids == nil {
			ids = []string{}
		}
		out := map[string]any{"requested": in.Count, "created_count": len(ids), "created": ids}
		if err != nil {
			out["error"] = err.Error()
			WriteJSON(w, http.StatusConflict, out) // those orders exist
			return
		}
		WriteJSON(w, http.StatusCreated, out)
	})
	change := func(f func(string) error, verb string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			id := r.PathValue("id")
			switch err := f(id); {
			case errors.Is(err, ErrNotFound):
				WriteJSON(w, http.StatusNotFound, map[string]string{"error": "order " + id + ": no such order"})
			case err != nil:
				WriteJSON(w, http.StatusConflict, map[string]string{"error": "order " + id + ": " + err.Error()})
			default:
				WriteJSON(w, http.StatusOK, map[string]string{"id": id, "done": verb})
			}
		}
	}
	mux.HandleFunc("POST /_sandbox/orders/{id}/cancel", change(shop.CancelOrder, "cancelled"))
	mux.HandleFunc("POST /_sandbox/orders/{id}/refund", change(shop.RefundOrder, "refunded"))
	mux.HandleFunc("/_sandbox/faults", AdminFaults(faults))
	mux.HandleFunc("POST /_sandbox/tokens/expire", func(w http.ResponseWriter, _ *http.Request) {
		te, ok := shop.(TokenExpirer)
		if !ok {
			WriteJSON(w, http.StatusNotFound, map[string]string{"error": "this platform's shops issue no access tokens"})
			return
		}
		te.ExpireTokens()
		WriteJSON(w, http.StatusOK, map[string]bool{"expired": true})
	})
	mux.HandleFunc("POST /_sandbox/review/reject", func(w http.ResponseWriter, r *http.Request) {
		rv, ok := shop.(Reviewer)
		if !ok {
			WriteJSON(w, http.StatusNotFound, map[string]string{"error": "this platform does not review products"})
			return
		}
		var in struct {
			OuterID string `json:"outer_id"`
			Reason  string `json:"reason"`
		}
		dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<16))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&in); err != nil || in.OuterID == "" || in.Reason == "" {
			WriteJSON(w, http.StatusBadRequest, map[string]string{"error": `body must be {"outer_id":"<product code>","reason":"<the platform's reason>"}`})
			return
		}
		rv.RejectNext(in.OuterID, in.Reason)
		WriteJSON(w, http.StatusOK, map[string]string{"outer_id": in.OuterID, "next_review": "rejected"})
	})
	adminPush(mux, shop)
	mux.HandleFunc("GET /_sandbox/stats", func(w http.ResponseWriter, _ *http.Request) { WriteJSON(w, http.StatusOK, stats.View()) })
	mux.HandleFunc("POST /_sandbox/reset", func(w http.ResponseWriter, _ *http.Request) {
		shop.Reset()
		faults.Clear()
		stats.Reset()
		WriteJSON(w, http.StatusOK, map[string]bool{"reset": true})
	})
}

// AdminClient drives any sandbox through the common admin API.
type AdminClient struct {
	BaseURL string       // the sandbox's base URL, e.g. http://127.0.0.1:8201
	HTTP    *http.Client // nil: a client with a 30 s timeout
}

// Items lists what the sandbox shop shows.
func (c AdminClient) Items(ctx context.Context) ([]Item, error) {
	var out struct {
		Items []Item `json:"items"`
	}
	err := c.do(ctx, http.MethodGet, "/_sandbox/items", nil, &out)
	return out.Items, err
}

// SellOrders has the sandbox sell n orders now (of one SKU when skuOuterID is set).
func (c AdminClient) SellOrders(ctx context.Context, n int, skuOuterID string) ([]string, error) {
	var out struct {
		Created []string `json:"created"`
	}
	err := c.do(ctx, http.MethodPost, "/_sandbox/orders", map[string]any{"count": n, "sku_outer_id": skuOuterID}, &out)
	return out.Created, err
}

// CancelOrder has the buyer cancel an order.
func (c AdminClient) CancelOrder(ctx context.Context, id string) error {
	return c.do(ctx, http.MethodPost, "/_sandbox/orders/"+url.PathEscape(id)+"/cancel", nil, nil)
}

// RefundOrder has the buyer get a full refund.
func (c AdminClient) RefundOrder(ctx context.Context, id string) error {
	return c.do(ctx, http.MethodPost, "/_sandbox/orders/"+url.PathEscape(id)+"/refund", nil, nil)
}

// AddFault injects a fault.
func (c AdminClient) AddFault(ctx context.Context, f Fault) error {
	return c.do(ctx, http.MethodPost, "/_sandbox/faults", f, nil)
}

// ClearFaults removes every fault.
func (c AdminClient) ClearFaults(ctx context.Context) error {
	return c.do(ctx, http.MethodDelete, "/_sandbox/faults", nil, nil)
}

// ExpireTokens ends every access token the sandbox issued so far.
func (c AdminClient) ExpireTokens(ctx context.Context) error {
	return c.do(ctx, http.MethodPost, "/_sandbox/tokens/expire", nil, nil)
}

// RejectReview makes the next review of a product fail with the reason.
func (c AdminClient) RejectReview(ctx context.Context, outerID, reason string) error {
	return c.do(ctx, http.MethodPost, "/_sandbox/review/reject", map[string]string{"outer_id": outerID, "reason": reason}, nil)
}

// Stats reads the call counters.
func (c AdminClient) Stats(ctx context.Context) (StatsView, error) {
	var out StatsView
	err := c.do(ctx, http.MethodGet, "/_sandbox/stats", nil, &out)
	return out, err
}

// Reset empties the sandbox shop, clears faults and zeroes the stats.
func (c AdminClient) Reset(ctx context.Context) error {
	return c.do(ctx, http.MethodPost, "/_sandbox/reset", nil, nil)
}

func (c AdminClient) do(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.BaseURL+path, body)
	if err != nil {
		return fmt.Errorf("sandbox admin %s: %w", path, err)
	}
	req.Header.Set("Content-Type", "application/json")
	hc := c.HTTP
	if hc == nil {
		hc = &http.Client{Timeout: 30 * time.Second}
	}
	resp, err := hc.Do(req)
	if err != nil {
		return fmt.Errorf("sandbox admin %s: %w", path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if resp.StatusCode/100 != 2 {
		var e struct {
			Error string `json:"error"`
		}
		if json.Unmarshal(b, &e) == nil && e.Error != "" {
			return fmt.Errorf("sandbox admin %s: HTTP %d: %s", path, resp.StatusCode, e.Error)
		}
		return fmt.Errorf("sandbox admin %s: HTTP %d", path, resp.StatusCode)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			return fmt.Errorf("sandbox admin %s: %w", path, err)
		}
	}
	return nil
}
