package metrics

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/syncctl/syncctl/connectors/shopgate"
	"github.com/syncctl/syncctl/domain"
)

var (
	quotaDesc = prometheus.NewDesc(Namespace+"_channel_quota_qps",
		"The shop's whole quota in calls per second, shared by every worker that serves it (0: not paced).", shopLabels, nil)
	quotaWorkersDesc = prometheus.NewDesc(Namespace+"_channel_quota_workers",
		"Worker processes sharing the shop's quota, as this process counted them: each paces at quota / workers.", shopLabels, nil)
	breakerDesc = prometheus.NewDesc(Namespace+"_channel_breaker_state",
		"The shop's circuit breaker in this process: 0 closed, 1 half-open (a probe goes), 2 open (no call goes).", shopLabels, nil)
)

// BreakerValue is a breaker state as the gauge shows it.
func BreakerValue(s shopgate.BreakerState) float64 {
	switch s {
	case shopgate.BreakerHalfOpen:
		return 1
	case shopgate.BreakerOpen:
		return 2
	}
	return 0
}

// gateCollector reads every gate of the process at scrape time. A shop
// called at two gateways (tests) shows its highest quota and worst breaker.
type gateCollector struct{}

func (gateCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- quotaDesc
	ch <- quotaWorkersDesc
	ch <- breakerDesc
}

func (gateCollector) Collect(ch chan<- prometheus.Metric) {
	type shopGate struct{ quota, workers, breaker float64 }
	seen := map[domain.ShopRef]*shopGate{}
	var order []domain.ShopRef
	for _, g := range shopgate.Gates() {
		ref := g.Shop()
		s, ok := seen[ref]
		if !ok {
			s = &shopGate{}
			seen[ref] = s
			order = append(order, ref)
		}
		s.quota = max(s.quota, g.Quota())
		s.workers = max(s.workers, float64(g.Workers()))
		s.breaker = max(s.breaker, BreakerValue(g.Breaker().State))
	}
	for _, ref := range order {
		s := seen[ref]
		ch <- prometheus.MustNewConstMetric(quotaDesc, prometheus.GaugeValue, s.quota, ref.Channel, ref.Shop)
		ch <- prometheus.MustNewConstMetric(quotaWorkersDesc, prometheus.GaugeValue, s.workers, ref.Channel, ref.Shop)
		ch <- prometheus.MustNewConstMetric(breakerDesc, prometheus.GaugeValue, s.breaker, ref.Channel, ref.Shop)
	}
}
