// Package kit holds what every platform sandbox shares: fault injection,
// a per-app QPS limiter, call statistics, JSON admin helpers, the state
// file, a background order generator, and Base, which a sandbox's Server
// embeds to get them wired together. It knows nothing of any platform's
// protocol.
package kit

import (
	"encoding/json"
	"fmt"
	"maps"
	"math/rand"
	"net/http"
	"strconv"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Fault kinds.
const (
	FaultError     = "error"      // answer with a platform error (Code / SubCode / Msg)
	FaultLatency   = "latency"    // delay the answer by Latency
	FaultRateLimit = "rate_limit" // answer with the platform's throttle error
	FaultOutage    = "outage"     // HTTP 503, as a gateway outage
	FaultMalformed = "malformed"  // a truncated, unparsable body
)

// Fault is one injected misbehaviour. It applies to authenticated calls
// of Method (all when empty), to a Ratio of them (every one when 0), until
// Count calls were hit (unlimited when 0) or Duration has passed since it
// was added (forever when empty).
//
// Code, SubCode and Msg shape the platform error of "error" and
// "rate_limit" faults; BanSeconds is the wait a "rate_limit" announces (and
// the Retry-After of any fault answered with an HTTPStatus); HTTPStatus
// replaces the platform's usual HTTP 200 (e.g. 429 for a gateway-level
// throttle, 502/504 for an outage).
type Fault struct {
	Kind       string  `json:"kind"`
	Method     string  `json:"method,omitempty"`
	Code       int     `json:"code,omitempty"`
	SubCode    string  `json:"sub_code,omitempty"`
	Msg        string  `json:"msg,omitempty"`
	Latency    string  `json:"latency,omitempty"`  // e.g. "500ms"
	Duration   string  `json:"duration,omitempty"` // e.g. "30s"
	Count      int     `json:"count,omitempty"`
	Ratio      float64 `json:"ratio,omitempty"`
	BanSeconds int     `json:"ban_seconds,omitempty"`
	HTTPStatus int     `json:"http_status,omitempty"`

	Hits    int       `json:"hits"`
	AddedAt time.Time `json:"added_at"`
	latency time.Duration
	until   time.Time
}

// Faults is a concurrency-safe set of faults.
type Faults struct {
	mu   sync.Mutex
	list []*Fault
	rnd  *rand.Rand
	now  func() time.Time
}

// NewFaults returns an empty set.
func NewFaults(seed int64, now func() time.Time) *Faults {
	return &Faults{rnd: rand.New(rand.NewSource(seed)), now: now}
}

// Add validates and adds a fault.
func (f *Faults) Add(x Fault) (Fault, error) {
	switch x.Kind {
	case FaultError, FaultLatency, FaultRateLimit, FaultOutage, FaultMalformed:
	default:
		return x, errorf("fault kind %q: want error, latency, rate_limit, outage or malformed", x.Kind)
	}
	switch {
	case x.Ratio < 0 || x.Ratio > 1 || x.Ratio != x.Ratio:
		return x, errorf("fault ratio %v: want 0 to 1 (0 = every call)", x.Ratio)
	case x.Count < 0:
		return x, errorf("fault count %d: want 0 (unlimited) or more", x.Count)
	case x.BanSeconds < 0:
		return x, errorf("fault ban_seconds %d: want 0 or more", x.BanSeconds)
	case x.Code < 0:
		return x, errorf("fault code %d: want a positive platform code", x.Code)
	case x.HTTPStatus != 0 && (x.HTTPStatus < 200 || x.HTTPStatus > 599):
		return x, errorf("fault http_status %d: want 200 to 599", x.HTTPStatus)
	}
	if x.Latency != "" {
		d, err := time.ParseDuration(x.Latency)
		if err != nil || d < 0 {
			return x, errorf("fault latency %q: want a duration such as \"500ms\"", x.Latency)
		}
		x.latency = d
	}
	if x.Kind == FaultLatency && x.latency <= 0 {
		return x, errorf("a latency fault needs latency, e.g. \"500ms\"")
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	x.AddedAt = f.now()
	if x.Duration != "" {
		d, err := time.ParseDuration(x.Duration)
		if err != nil || d <= 0 {
			return x, errorf("fault duration %q: want a positive duration such as \"30s\"", x.Duration)
		}
		x.until = x.AddedAt.Add(d)
	}
	f.list = append(f.list, &x)
	return x, nil
}

// Match returns the first live fault for a method and counts the hit.
func (f *Faults) Match(method string) (Fault, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	now := f.now()
	live := f.list[:0]
	var hit *Fault
	for _, x := range f.list {
		if (x.Count > 0 && x.Hits >= x.Count) || (!x.until.IsZero() && now.After(x.until)) {
			continue // expired
		}
		live = append(live, x)
		if hit == nil && (x.Method == "" || x.Method == method) && (x.Ratio <= 0 || f.rnd.Float64() < x.Ratio) {
			x.Hits++
			hit = x
		}
	}
	f.list = live
	if hit == nil {
		return Fault{}, false
	}
	return *hit, true
}

// Delay is the latency a matched fault asks for.
func (x Fault) Delay() time.Duration { return x.latency }

// List returns the live faults.
func (f *Faults) List() []Fault {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := []Fault{}
	for _, x := range f.list {
		out = append(out, *x)
	}
	return out
}

// Clear removes every fault.
func (f *Faults) Clear() {
	f.mu.Lock()
	f.list = nil
	f.mu.Unlock()
}

// Limiter is a token bucket per app key.
type Limiter struct {
	mu  sync.Mutex
	qps float64
	m   map[string]*rate.Limiter
	now func() time.Time
}

// NewLimiter allows qps calls per second per app (0 = unlimited) with a
// burst of one second's worth.
func NewLimiter(qps float64, now func() time.Time) *Limiter {
	return &Limiter{qps: qps, m: map[string]*rate.Limiter{}, now: now}
}

// Allow takes a token; when none is left it says how long until one is.
func (l *Limiter) Allow(app string) (bool, time.Duration) {
	if l.qps <= 0 {
		return true, 0
	}
	l.mu.Lock()
	lim, ok := l.m[app]
	if !ok {
		lim = rate.NewLimiter(rate.Limit(l.qps), max(1, int(l.qps)))
		l.m[app] = lim
	}
	l.mu.Unlock()
	now := l.now()
	r := lim.ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return false, d
	}
	return true, 0
}

// Stats counts gateway calls. Every call is counted once in Total, as
// served (by method) or rejected (by platform error code, or "HTTP 503",
// "malformed" for faults that answer no platform error); Faults counts the
// calls a fault touched, and DuringBan the calls that arrived while their
// app was banned, which are also in one of the two.
type Stats struct {
	mu        sync.Mutex
	total     int
	served    map[string]int
	rejected  map[string]int
	faults    int
	duringBan int
}

// NewStats returns zeroed stats.
func NewStats() *Stats { return &Stats{served: map[string]int{}, rejected: map[string]int{}} }

// Serve counts a served call, Reject a refused one; Fault marks a call a
// fault touched and DuringBan one that arrived inside its app's ban (each
// is still counted by Serve or Reject).
func (s *Stats) Serve(method string) { s.mu.Lock(); s.total++; s.served[method]++; s.mu.Unlock() }
func (s *Stats) Reject(code string)  { s.mu.Lock(); s.total++; s.rejected[code]++; s.mu.Unlock() }
func (s *Stats) Fault()              { s.mu.Lock(); s.faults++; s.mu.Unlock() }
func (s *Stats) DuringBan()          { s.mu.Lock(); s.duringBan++; s.mu.Unlock() }

// Reset zeroes every counter.
func (s *Stats) Reset() {
	s.mu.Lock()
	s.total, s.faults, s.duringBan = 0, 0, 0
	s.served, s.rejected = map[string]int{}, map[string]int{}
	s.mu.Unlock()
}

// View copies the counters as the admin endpoint shows them.
func (s *Stats) View() StatsView {
	s.mu.Lock()
	defer s.mu.Unlock()
	return StatsView{Total: s.total, Served: maps.Clone(s.served), Rejected: maps.Clone(s.rejected), Faults: s.faults,
		CallsDuringBan: s.duringBan}
}

// Generator calls fn at a steady rate until stopped.
type Generator struct {
	stop chan struct{}
	done chan struct{}
	once sync.Once
}

// TickerFunc starts a ticker of period d and returns its channel and its
// stop function; tests pass a fake one to drive a generator without waiting.
type TickerFunc func(d time.Duration) (<-chan time.Time, func())

// RealTicker is a time.Ticker.
func RealTicker(d time.Duration) (<-chan time.Time, func()) {
	t := time.NewTicker(d)
	return t.C, t.Stop
}

// Interval is the period between calls at perMinute calls a minute.
func Interval(perMinute float64) time.Duration {
	return time.Duration(float64(time.Minute) / perMinute)
}

// StartGenerator runs fn perMinute times a minute (nothing when ≤ 0).
func StartGenerator(perMinute float64, fn func()) *Generator {
	return StartGeneratorWith(perMinute, RealTicker, fn)
}

// StartGeneratorWith is StartGenerator on the ticks of newTicker.
func StartGeneratorWith(perMinute float64, newTicker TickerFunc, fn func()) *Generator {
	g := &Generator{stop: make(chan struct{}), done: make(chan struct{})}
	if perMinute <= 0 {
		close(g.done)
		return g
	}
	ticks, stop := newTicker(Interval(perMinute))
	go func() {
		defer close(g.done)
		defer stop()
		for {
			select {
			case <-g.stop:
				return
			case <-ticks:
				fn()
			}
		}
	}()
	return g
}

// Stop ends the generator; when it returns, fn is not running and will not run again.
func (g *Generator) Stop() {
	g.once.Do(func() { close(g.stop) })
	<-g.done
}

// WriteJSON writes v as indented JSON with a status.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json;charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

// AdminFaults serves POST (add), GET (list) and DELETE (clear) of faults.
func AdminFaults(f *Faults) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodPost:
			var x Fault
			dec := json.NewDecoder(r.Body)
			dec.DisallowUnknownFields()
			if err := dec.Decode(&x); err != nil {
				WriteJSON(w, http.StatusBadRequest, map[string]string{"error": "fault: " + err.Error()})
				return
			}
			added, err := f.Add(x)
			if err != nil {
				WriteJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
				return
			}
			WriteJSON(w, http.StatusCreated, added)
		case http.MethodDelete:
			f.Clear()
			WriteJSON(w, http.StatusOK, map[string]any{"faults": []Fault{}})
		default:
			WriteJSON(w, http.StatusOK, map[string]any{"faults": f.List()})
		}
	}
}

type kitError string

func (e kitError) Error() string { return string(e) }

func errorf(format string, args ...any) error {
	return kitError(fmt.Sprintf(format, args...))
}

// ServeFault answers the protocol-neutral part of a matched fault: it
// sleeps a fault's latency (or until the caller gives up), sets Retry-After
// on a non-200 answer (as an HTTP-level throttle or outage in front of the
// gateway would), answers an outage with an HTML 503 and a malformed fault
// with the truncated body the sandbox gives. It reports the HTTP status a
// platform error answer must use and whether the fault is fully answered
// (true: the sandbox writes nothing more; a latency fault returns true with
// answered false — the call goes on).
func ServeFault(w http.ResponseWriter, r *http.Request, f Fault, stats *Stats, truncated []byte) (status int, answered bool) {
	if d := f.Delay(); d > 0 {
		select {
		case <-time.After(d):
		case <-r.Context().Done():
		}
	}
	status = f.HTTPStatus
	if f.Kind == FaultOutage && status == 0 {
		status = http.StatusServiceUnavailable
	}
	if status != 0 && status != http.StatusOK {
		ra := f.BanSeconds
		if f.Kind == FaultRateLimit {
			ra = max(ra, 1)
		}
		if ra > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(ra))
		}
	}
	status = max(status, http.StatusOK)
	switch f.Kind {
	case FaultOutage:
		stats.Reject("HTTP " + strconv.Itoa(status))
		http.Error(w, fmt.Sprintf("<html><body>%d gateway unavailable</body></html>", status), status)
		return status, true
	case FaultMalformed:
		stats.Reject("malformed")
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = w.Write(truncated)
		return status, true
	}
	return status, false
}

// MaxRequestBody bounds a JSON request a sandbox reads (ReadJSONObject).
const MaxRequestBody = 1 << 20

// ReadJSONObject reads a request body that must be one JSON object of at
// most MaxRequestBody bytes, and returns it raw.
func ReadJSONObject(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	var raw json.RawMessage
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, MaxRequestBody))
	if err := dec.Decode(&raw); err != nil {
		return nil, fmt.Errorf("want a JSON object: %v", err)
	}
	if len(raw) == 0 || raw[0] != '{' {
		return nil, fmt.Errorf("want a JSON object")
	}
	return raw, nil
}
