package erp

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"
)

// MaxBody is the largest webhook body the receiver reads (4 MiB); a larger
// one is answered 413, never cut and then refused for its signature.
const MaxBody = 4 << 20

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

	stateFile string // "" = memory only

	mu         sync.Mutex
	deliveries map[string]string          // delivery id → event
	orders     map[string]ReceivedOrder   // shop/order id → latest revision
	perOrder   map[string]map[string]bool // shop/order id → delivery ids
	refunds    map[string]ReceivedRefund  // shop/order id/case id → latest revision
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

// ReceivedRefund is the receiver's view of one refund case.
type ReceivedRefund struct {
	Key        string   `json:"key"` // channel/shop/platform order id/case id
	Order      string   `json:"order"`
	Revision   int      `json:"revision"`
	Status     string   `json:"status"`
	Amount     int64    `json:"refund_fen"`
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
	Refunds      int `json:"refunds"`       // distinct refund cases known
}

// NewReceiver returns a receiver verifying with secret, keeping what it
// receives in memory. With an empty secret it refuses every webhook rather
// than accept any signature.
func NewReceiver(secret []byte, log *slog.Logger) *Receiver {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Receiver{secret: secret, tolerance: DefaultTolerance, now: time.Now, log: log,
		deliveries: map[string]string{}, orders: map[string]ReceivedOrder{}, perOrder: map[string]map[string]bool{},
		refunds: map[string]ReceivedRefund{}}
}

// ReceiverOption changes how OpenReceiver keeps its state.
type ReceiverOption func(*Receiver)

// WithStateFile keeps the receiver's secret and everything it applied in
// path (JSON, mode 0600), written before each webhook is acknowledged. A
// receiver opened again on the file verifies with the same secret and
// answers a redelivery of a delivery it applied before the restart as a
// duplicate instead of applying it twice. When the file exists its secret
// is used, not the one given to OpenReceiver.
func WithStateFile(path string) ReceiverOption {
	return func(r *Receiver) { r.stateFile = path }
}

// OpenReceiver is NewReceiver with options; with WithStateFile it loads
// the state kept there (or starts it with secret).
func OpenReceiver(secret []byte, log *slog.Logger, opts ...ReceiverOption) (*Receiver, error) {
	r := NewReceiver(secret, log)
	for _, o := range opts {
		o(r)
	}
	if r.stateFile == "" {
		return r, nil
	}
	b, err := os.ReadFile(r.stateFile)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return r, r.saveLocked() // a new receiver: its secret is kept from now on
	case err != nil:
		return nil, fmt.Errorf("erp receiver state: %w", err)
	}
	var st receiverState
	if err := json.Unmarshal(b, &st); err != nil || st.Secret == "" {
		return nil, fmt.Errorf("erp receiver state %s is not valid (move it away to start a receiver that has seen nothing, with a new secret)", r.stateFile)
	}
	r.secret = []byte(st.Secret)
	if st.Deliveries != nil {
		r.deliveries = st.Deliveries
	}
	if st.Orders != nil {
		r.orders = st.Orders
	}
	if st.PerOrder != nil {
		r.perOrder = st.PerOrder
	}
	if st.Refunds != nil {
		r.refunds = st.Refunds
	}
	r.stats = st.Stats
	if fi, err := os.Stat(r.stateFile); err == nil && fi.Mode().Perm()&0o077 != 0 {
		_ = os.Chmod(r.stateFile, 0o600)
	}
	return r, nil
}

// Secret is the secret the receiver verifies with (a state file's, when
// it had one).
func (r *Receiver) Secret() []byte { return r.secret }

// receiverState is the state file's content.
type receiverState struct {
	Secret     string                     `json:"secret"`
	Deliveries map[string]string          `json:"deliveries"`
	Orders     map[string]ReceivedOrder   `json:"orders"`
	PerOrder   map[string]map[string]bool `json:"per_order"`
	Refunds    map[string]ReceivedRefund  `json:"refunds,omitempty"`
	Stats      ReceiverStats              `json:"stats"`
}

// saveLocked writes the state file (when there is one) atomically: a
// crash leaves the old state or the new one, never half of it.
func (r *Receiver) saveLocked() error {
	if r.stateFile == "" {
		return nil
	}
	b, err := json.Marshal(receiverState{Secret: string(r.secret), Deliveries: r.deliveries, Orders: r.orders, PerOrder: r.perOrder,
		Refunds: r.refunds, Stats: r.stats})
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(r.stateFile), filepath.Base(r.stateFile)+".*")
	if err != nil {
		return fmt.Errorf("erp receiver state: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err = tmp.Chmod(0o600); err == nil {
		if _, err = tmp.Write(b); err == nil {
			err = tmp.Sync()
		}
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), r.stateFile)
	}
	if err != nil {
		return fmt.Errorf("erp receiver state %s: %w", r.stateFile, err)
	}
	return nil
}

// FailNext makes the next n webhooks fail with 503, as an ERP outage would.
func (r *Receiver) FailNext(n int) {
	r.mu.Lock()
	r.failNext = n
	r.mu.Unlock()
}

// Handler serves POST /webhooks/syncctl (the webhook), GET /orders, GET
// /refunds and GET /stats.
func (r *Receiver) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /webhooks/syncctl", r.serveWebhook)
	mux.HandleFunc("GET /orders", func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, r.Orders()) })
	mux.HandleFunc("GET /refunds", func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, r.Refunds()) })
	mux.HandleFunc("GET /stats", func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, r.Stats()) })
	return mux
}

func (r *Receiver) serveWebhook(w http.ResponseWriter, req *http.Request) {
	body, err := io.ReadAll(io.LimitReader(req.Body, MaxBody+1))
	if err != nil {
		r.refuse(w, http.StatusBadRequest, &r.stats.BadRequest, "read body: "+err.Error())
		return
	}
	if len(body) > MaxBody {
		r.refuse(w, http.StatusRequestEntityTooLarge, &r.stats.BadRequest, "body over 4 MiB: this receiver takes webhooks up to 4 MiB")
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
	if reason := missingField(body, env); reason != "" {
		r.refuse(w, http.StatusBadRequest, &r.stats.BadRequest, reason)
		return
	}
	if err := r.apply(env); err != nil {
		// Not recorded, so not acknowledged: the sender retries.
		r.log.Error("webhook not recorded", "delivery", env.ID, "err", err)
		http.Error(w, "could not record the delivery; retry", http.StatusInternalServerError)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// missingField names what a verified body lacks to be applied ("" when
// nothing): an order with its shop and id, and a revision of 1 or more.
func missingField(body []byte, env Envelope) string {
	var raw struct {
		Order json.RawMessage `json:"order"`
	}
	_ = json.Unmarshal(body, &raw)
	switch {
	case len(raw.Order) == 0 || string(raw.Order) == "null":
		return "body, field order: required"
	case env.Order.PlatformOrderID == "":
		return "body, field order.platform_order_id: required"
	case env.Order.Shop.Channel == "" || env.Order.Shop.Shop == "":
		return "body, field order.shop: channel and shop required"
	case env.Revision < 1:
		return fmt.Sprintf("body, field revision: must be 1 or more, not %d", env.Revision)
	case strings.HasPrefix(env.Event, "refund.") && (env.Refund == nil || env.Refund.PlatformCaseID == ""):
		return "body, field refund.platform_case_id: required on " + env.Event
	case !strings.HasPrefix(env.Event, "refund.") && !strings.HasPrefix(env.Event, "order."):
		return "body, field event: " + env.Event + " is not an order or refund event"
	}
	return ""
}

// apply records one verified webhook, once per delivery id, and keeps the
// state (with a state file) before the webhook is acknowledged.
func (r *Receiver) apply(env Envelope) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, seen := r.deliveries[env.ID]; seen {
		r.stats.Duplicates++
		if err := r.saveLocked(); err != nil {
			r.stats.Duplicates--
			return err
		}
		return nil
	}
	key := env.Order.Shop.String() + "/" + env.Order.PlatformOrderID
	if env.Refund != nil {
		return r.applyRefundLocked(key, env)
	}
	prevOrder, known := r.orders[key]
	prevStats := r.stats
	r.deliveries[env.ID] = env.Event
	if r.perOrder[key] == nil {
		r.perOrder[key] = map[string]bool{}
	}
	r.perOrder[key][env.ID] = true
	cur := prevOrder
	cur.Key = key
	cur.Deliveries = len(r.perOrder[key])
	cur.Events = append(append([]string(nil), cur.Events...), env.Event)
	if known && env.Revision <= cur.Revision {
		r.stats.Stale++
	} else {
		cur.Revision, cur.Status, cur.Paid = env.Revision, string(env.Order.Status), int64(env.Order.Amounts.Paid)
		r.stats.Accepted++
	}
	r.orders[key] = cur
	r.stats.Orders = len(r.orders)
	if err := r.saveLocked(); err != nil {
		// Undo, so that the retry is applied, not taken for a duplicate.
		delete(r.deliveries, env.ID)
		delete(r.perOrder[key], env.ID)
		if known {
			r.orders[key] = prevOrder
		} else {
			delete(r.orders, key)
			delete(r.perOrder, key)
		}
		r.stats = prevStats
		return err
	}
	return nil
}

// applyRefundLocked records a refund webhook: a case's revisions are
// its own (an older one never overwrites a newer one), apart from the
// order's.
func (r *Receiver) applyRefundLocked(orderKey string, env Envelope) error {
	key := orderKey + "/" + env.Refund.PlatformCaseID
	prev, known := r.refunds[key]
	prevStats := r.stats
	r.deliveries[env.ID] = env.Event
	cur := prev
	cur.Key, cur.Order = key, orderKey
	cur.Deliveries++
	cur.Events = append(append([]string(nil), cur.Events...), env.Event)
	if known && env.Revision <= cur.Revision {
		r.stats.Stale++
	} else {
		cur.Revision, cur.Status, cur.Amount = env.Revision, string(env.Refund.Status), int64(env.Refund.RefundAmount)
		r.stats.Accepted++
	}
	r.refunds[key] = cur
	r.stats.Refunds = len(r.refunds)
	if err := r.saveLocked(); err != nil {
		delete(r.deliveries, env.ID)
		if known {
			r.refunds[key] = prev
		} else {
			delete(r.refunds, key)
		}
		r.stats = prevStats
		return err
	}
	return nil
}

// Refunds returns every refund case received, by key.
func (r *Receiver) Refunds() []ReceivedRefund {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]ReceivedRefund, 0, len(r.refunds))
	for _, c := range r.refunds {
		c.Events = append([]string(nil), c.Events...)
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
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
