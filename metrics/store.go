package metrics

import (
	"context"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/syncctl/syncctl/domain"
)

// Store is what the store-read gauges ask (store.Store is one).
type Store interface {
	CountChangedProducts(ctx context.Context, shop domain.ShopRef) (int, error)
	CountPendingDeliveries(ctx context.Context, shop domain.ShopRef) (int, error)
	OrderCursor(ctx context.Context, shop domain.ShopRef) (t time.Time, ok bool, err error)
}

// How the store is read for the gauges: at a scrape, when the last read is
// older than StoreEvery, with a timeout of StoreTimeout (a read that fails
// or times out keeps the values read before and counts an error). Every
// scraper and every process serving metrics reads the same store, so its
// load stays one read per StoreEvery per process, whatever the scrape rate.
var (
	StoreEvery   = 15 * time.Second
	StoreTimeout = 5 * time.Second
)

var (
	backlogDesc = prometheus.NewDesc(Namespace+"_push_backlog_products",
		"Products the next push to the shop would send (changed content, price or stock, or a SKU to delist), as the store counts them.", shopLabels, nil)
	lagDesc = prometheus.NewDesc(Namespace+"_order_pull_lag_seconds",
		"Now minus the shop's order-pull cursor (the modification time up to which its orders are known pulled); absent before the first pull.", shopLabels, nil)
	erpPendingDesc = prometheus.NewDesc(Namespace+"_erp_deliveries_pending",
		"Order and refund versions of the shop the ERP has not accepted yet.", shopLabels, nil)
	storeErrorsDesc = prometheus.NewDesc(Namespace+"_store_read_errors_total",
		"Store reads for the gauges above that failed or timed out (the gauges then keep the values read before).", nil, nil)
	storeAgeDesc = prometheus.NewDesc(Namespace+"_store_read_age_seconds",
		"How old the store-read gauges are: seconds since their last successful read.", nil, nil)
)

// storeStats are the store-read gauges of some shops.
type storeStats struct {
	st Store

	mu     sync.Mutex // one read at a time; scrapes in between use its values
	shops  []domain.ShopRef
	read   time.Time // the last read attempted
	ok     time.Time // the last read that fully succeeded
	values map[domain.ShopRef]*shopStore
	errors float64
}

type shopStore struct {
	backlog, pending    float64
	haveBacklog, havePE bool
	cursor              time.Time // zero: none yet
}

// WatchStore has the registry show the store-read gauges of the shops:
// push backlog, order-pull lag and ERP deliveries pending. A second call
// (dev runs the worker and the API in one process) adds its shops; the
// store of the first call is the one read.
func (r *Registry) WatchStore(st Store, shops []domain.ShopRef) {
	if r == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.store == nil {
		r.store = &storeStats{st: st, values: map[domain.ShopRef]*shopStore{}}
		r.reg.MustRegister(r.store)
	}
	s := r.store
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, ref := range shops {
		if _, ok := s.values[ref]; !ok {
			s.values[ref] = &shopStore{}
			s.shops = append(s.shops, ref)
			s.read = time.Time{} // read the new shop at the next scrape
		}
	}
}

func (s *storeStats) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{backlogDesc, lagDesc, erpPendingDesc, storeErrorsDesc, storeAgeDesc} {
		ch <- d
	}
}

func (s *storeStats) Collect(ch chan<- prometheus.Metric) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := time.Now()
	if now.Sub(s.read) >= StoreEvery {
		s.refresh(now)
		now = time.Now()
	}
	for _, ref := range s.shops {
		v := s.values[ref]
		if v.haveBacklog {
			ch <- prometheus.MustNewConstMetric(backlogDesc, prometheus.GaugeValue, v.backlog, ref.Channel, ref.Shop)
		}
		if v.havePE {
			ch <- prometheus.MustNewConstMetric(erpPendingDesc, prometheus.GaugeValue, v.pending, ref.Channel, ref.Shop)
		}
		if !v.cursor.IsZero() {
			ch <- prometheus.MustNewConstMetric(lagDesc, prometheus.GaugeValue, max(0, now.Sub(v.cursor).Seconds()), ref.Channel, ref.Shop)
		}
	}
	ch <- prometheus.MustNewConstMetric(storeErrorsDesc, prometheus.CounterValue, s.errors)
	if !s.ok.IsZero() {
		ch <- prometheus.MustNewConstMetric(storeAgeDesc, prometheus.GaugeValue, now.Sub(s.ok).Seconds())
	}
}

// refresh reads every shop's values, within StoreTimeout for all of them.
func (s *storeStats) refresh(now time.Time) {
	s.read = now
	ctx, cancel := context.WithTimeout(context.Background(), StoreTimeout)
	defer cancel()
	failed := false
	fail := func(err error) bool {
		if err != nil {
			failed = true
		}
		return err != nil
	}
	for _, ref := range s.shops {
		v := s.values[ref]
		if n, err := s.st.CountChangedProducts(ctx, ref); !fail(err) {
			v.backlog, v.haveBacklog = float64(n), true
		}
		if n, err := s.st.CountPendingDeliveries(ctx, ref); !fail(err) {
			v.pending, v.havePE = float64(n), true
		}
		if t, ok, err := s.st.OrderCursor(ctx, ref); !fail(err) && ok {
			v.cursor = t
		}
	}
	if failed {
		s.errors++
		return
	}
	s.ok = time.Now()
}
