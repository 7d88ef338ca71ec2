package erp

import (
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"sort"
	"sync"
	"time"
)

// Receiver is the reference ERP endpoint: it verifies each webhook,
// applies it idempotently (a delivery id seen before is acknowledged and
// not applied again; an older revision never overwrites a newer one) and
// keeps what it received for inspection. `syncctl dev` and the tests run it;
// ERP engineers can read it as the model of a correct receiver.
type Receiver struct {
	secret    []byte
	tolerance time.Duration
	now       func() time.Time
	log       *slog.Logger

	mu         sync.Mutex
	deliveries map[string]string          // delivery id → event
	orders     map[string]ReceivedOrder   // shop/order id → latest revision
	perOrder   map[string]map[string]bool // shop/order id → delivery ids
	stats      ReceiverStats
	failNext   int // answer 503 to this many requests (outage drills)
}

// ReceivedOrder is the receiver's view of one order.
type ReceivedOrder struct {
	Key        string   `json:"key"` // channel/shop/platform order id
	Revision   int      `json:"revision"`
	Status     string   `json:"status"`
	Paid       int64    `json:"paid_fen"`
	Deliveries int      `json:"deliveries"`
	Events     []string `json:"events"`
}

// ReceiverStats counts what the receiver saw.
type ReceiverStats struct {
	Accepted     int `json:"accepted"`      // distinct deliveries applied
	Duplicates   int `json:"duplicates"`    // redeliveries of an id already applied
	Stale        int `json:"stale"`         // older revisions that arrived late (acknowledged, not applied)
	BadSignature int `json:"bad_signature"` // refused: signature or timestamp wrong
	BadRequest   int `json:"bad_request"`   // refused: body or headers malformed
	Unavailable  int `json:"unavailable"`   // refused on purpose (FailNext)
	Orders       int `json:"orders"`        // distinct orders known
}

// NewReceiver returns a receiver verifying with secret. With an empty
// secret it refuses every webhook rather than accept any signature.
func NewReceiver(secret []byte, log *slog.Logger) *Receiver {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Receiver{secret: secret, tolerance: DefaultTolerance, now: time.Now, log: log,
		deliveries: map[string]string{}, orders: map[string]ReceivedOrder{}, perOrder: map[string]map[string]bool{}}
}

// FailNext makes the next n webhooks fail with 503, as an ERP outage would.
func (r *Receiver) FailNext(n int) {
	r.mu.Lock()
	r.failNext = n
	r.mu.Unlock()
}

// Handler serves POST /webhooks/syncctl (the webhook), GET /orders and GET /stats.
func (r *Receiver) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /webhooks/syncctl", r.serveWebhook)
	mux.HandleFunc("GET /orders", func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, r.Orders()) })
	mux.HandleFunc("GET /stats", func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, r.Stats()) })
	return mux
}

func (r *Receiver) serveWebhook(w http.ResponseWriter, req *http.Request) {
	body, err := io.ReadAll(io.LimitReader(req.Body, 4<<20))
	if err != nil {
		r.refuse(w, http.StatusBadRequest, &r.stats.BadRequest, "read body: "+err.Error())
		return
	}
	r.mu.Lock()
	if r.failNext > 0 {
		r.failNext--
		r.stats.Unavailable++
		r.mu.Unlock()
		http.Error(w, "erp maintenance", http.StatusServiceUnavailable)
		return
	}
	r.mu.Unlock()
	if err := Verify(r.secret, req.Header.Get(HeaderTimestamp), req.Header.Get(HeaderSignature), body, r.now(), r.tolerance); err != nil {
		status := http.StatusUnauthorized
		if errors.Is(err, ErrNoSecret) {
			status = http.StatusInternalServerError // our misconfiguration, not the sender's
		}
		r.refuse(w, status, &r.stats.BadSignature, err.Error())
		return
	}
	var env Envelope
	if err := json.Unmarshal(body, &env); err != nil {
		r.refuse(w, http.StatusBadRequest, &r.stats.BadRequest, "body: "+err.Error())
		return
	}
	if env.ID == "" || env.ID != req.Header.Get(HeaderDelivery) || env.Event != req.Header.Get(HeaderEvent) {
		r.refuse(w, http.StatusBadRequest, &r.stats.BadRequest, "body id/event do not match the headers")
		return
	}
	r.apply(env)
	w.WriteHeader(http.StatusNoContent)
}

func (r *Receiver) apply(env Envelope) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, seen := r.deliveries[env.ID]; seen {
		r.stats.Duplicates++
		return
	}
	r.deliveries[env.ID] = env.Event
	key := env.Order.Shop.String() + "/" + env.Order.PlatformOrderID
	if r.perOrder[key] == nil {
		r.perOrder[key] = map[string]bool{}
	}
	r.perOrder[key][env.ID] = true
	cur, known := r.orders[key]
	cur.Key = key
	cur.Deliveries = len(r.perOrder[key])
	cur.Events = append(cur.Events, env.Event)
	if known && env.Revision <= cur.Revision {
		r.stats.Stale++
		r.orders[key] = cur
		return
	}
	cur.Revision, cur.Status, cur.Paid = env.Revision, string(env.Order.Status), int64(env.Order.Amounts.Paid)
	r.orders[key] = cur
	r.stats.Accepted++
	r.stats.Orders = len(r.orders)
}

func (r *Receiver) refuse(w http.ResponseWriter, status int, counter *int, reason string) {
	r.mu.Lock()
	*counter++
	r.mu.Unlock()
	r.log.Warn("webhook refused", "status", status, "reason", reason)
	http.Error(w, reason, status)
}

// Orders returns every order received, by key.
func (r *Receiver) Orders() []ReceivedOrder {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]ReceivedOrder, 0, len(r.orders))
	for _, o := range r.orders {
		o.Events = append([]string(nil), o.Events...)
		out = append(out, o)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}

// Stats returns the counters.
func (r *Receiver) Stats() ReceiverStats {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.stats
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}
