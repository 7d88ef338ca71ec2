package metrics

import (
	"maps"
	"math"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.temporal.io/sdk/client"
)

// Temporal is the handler to give the Temporal client (client.Options
// MetricsHandler): the SDK's client and worker metrics (temporal_request,
// temporal_workflow_completed, temporal_activity_execution_latency,
// temporal_worker_task_slots_available, …) land in this registry under
// the SDK's own names and tags, as its tally reporter would show them:
// counters and gauges as they are, timers as histograms in seconds.
// A nil registry gives nil: the client's own no-op handler.
func (r *Registry) Temporal() client.MetricsHandler {
	if r == nil {
		return nil
	}
	return sdkHandler{m: r.sdk}
}

// SDKBuckets are the timers' histogram buckets, in seconds: from a
// millisecond (a local call) to half an hour (a workflow end to end).
var SDKBuckets = []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 300, 1800}

type sdkKind int

const (
	sdkCounter sdkKind = iota
	sdkGauge
	sdkTimer
)

// sdkMetrics keeps the SDK's series. The SDK names a metric with varying
// tag sets (a failure adds status_code, a worker adds task_queue), which a
// Prometheus metric family may not: at scrape time each family is shown
// with the union of its series' tag names, a tag a series lacks being
// empty (which Prometheus reads as absent).
type sdkMetrics struct {
	mu     sync.Mutex
	series map[string]*sdkSeries
	kinds  map[string]sdkKind // the first kind a name was asked as
}

type sdkSeries struct {
	name   string
	kind   sdkKind
	labels map[string]string

	mu     sync.Mutex
	value  float64  // counter total, gauge value
	counts []uint64 // timer: observations per bucket (SDKBuckets, then +Inf)
	count  uint64
	sum    float64
}

func newSDKMetrics() *sdkMetrics {
	return &sdkMetrics{series: map[string]*sdkSeries{}, kinds: map[string]sdkKind{}}
}

// get returns the series of a name and tags, making it on first use. A
// name asked as another kind than the first (never done by the SDK) gets
// a series of its own that is not shown.
func (m *sdkMetrics) get(name string, kind sdkKind, tags map[string]string) *sdkSeries {
	name = sanitize(name)
	if slices.Contains(slices.Collect(maps.Values(tags)), "") {
		// An empty tag is an absent one (as Prometheus reads it): one series.
		tags = maps.Clone(tags)
		maps.DeleteFunc(tags, func(_, v string) bool { return v == "" })
	}
	key := seriesKey(name, kind, tags)
	m.mu.Lock()
	defer m.mu.Unlock()
	if s, ok := m.series[key]; ok {
		return s
	}
	s := &sdkSeries{name: name, kind: kind, labels: map[string]string{}}
	for k, v := range tags {
		s.labels[sanitize(k)] = v
	}
	if kind == sdkTimer {
		s.counts = make([]uint64, len(SDKBuckets)+1)
	}
	if _, ok := m.kinds[name]; !ok {
		m.kinds[name] = kind
	}
	m.series[key] = s
	return s
}

func seriesKey(name string, kind sdkKind, tags map[string]string) string {
	keys := make([]string, 0, len(tags))
	for k := range tags {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString(name)
	b.WriteByte(byte('0' + kind))
	for _, k := range keys {
		b.WriteByte(0xff)
		b.WriteString(k)
		b.WriteByte('=')
		b.WriteString(tags[k])
	}
	return b.String()
}

// sanitize makes a name valid for Prometheus: [a-zA-Z_:][a-zA-Z0-9_:]*
// (label names: no colon; the SDK's names and tags are valid already).
func sanitize(s string) string {
	b := []byte(s)
	for i, c := range b {
		ok := c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || (i > 0 && c >= '0' && c <= '9')
		if !ok {
			b[i] = '_'
		}
	}
	if len(b) == 0 {
		return "_"
	}
	return string(b)
}

func (s *sdkSeries) Inc(d int64) {
	s.mu.Lock()
	s.value += float64(d)
	s.mu.Unlock()
}

func (s *sdkSeries) Update(v float64) {
	s.mu.Lock()
	s.value = v
	s.mu.Unlock()
}

func (s *sdkSeries) Record(d time.Duration) {
	v := d.Seconds()
	i := sort.SearchFloat64s(SDKBuckets, v) // the first bucket ≥ v
	s.mu.Lock()
	s.counts[i]++
	s.count++
	s.sum += v
	s.mu.Unlock()
}

// Describe sends nothing: the SDK's families are known only as it uses
// them (an unchecked collector).
func (m *sdkMetrics) Describe(chan<- *prometheus.Desc) {}

func (m *sdkMetrics) Collect(ch chan<- prometheus.Metric) {
	m.mu.Lock()
	families := map[string][]*sdkSeries{}
	for _, s := range m.series {
		if m.kinds[s.name] == s.kind {
			families[s.name] = append(families[s.name], s)
		}
	}
	m.mu.Unlock()
	for name, series := range families {
		var labels []string
		for _, s := range series {
			for k := range s.labels {
				if !slices.Contains(labels, k) {
					labels = append(labels, k)
				}
			}
		}
		sort.Strings(labels)
		desc := prometheus.NewDesc(name, "Temporal SDK metric "+name+" (go.temporal.io/sdk).", labels, nil)
		for _, s := range series {
			values := make([]string, len(labels))
			for i, k := range labels {
				values[i] = s.labels[k]
			}
			s.mu.Lock()
			switch s.kind {
			case sdkCounter:
				ch <- prometheus.MustNewConstMetric(desc, prometheus.CounterValue, s.value, values...)
			case sdkGauge:
				ch <- prometheus.MustNewConstMetric(desc, prometheus.GaugeValue, s.value, values...)
			case sdkTimer:
				buckets := make(map[float64]uint64, len(SDKBuckets))
				var cum uint64
				for i, le := range SDKBuckets {
					cum += s.counts[i]
					buckets[le] = cum
				}
				sum := s.sum
				if math.IsNaN(sum) {
					sum = 0
				}
				ch <- prometheus.MustNewConstHistogram(desc, s.count, sum, buckets, values...)
			}
			s.mu.Unlock()
		}
	}
}

// sdkHandler implements client.MetricsHandler over sdkMetrics.
type sdkHandler struct {
	m    *sdkMetrics
	tags map[string]string
}

func (h sdkHandler) WithTags(tags map[string]string) client.MetricsHandler {
	merged := make(map[string]string, len(h.tags)+len(tags))
	for k, v := range h.tags {
		merged[k] = v
	}
	for k, v := range tags {
		merged[k] = v
	}
	return sdkHandler{m: h.m, tags: merged}
}

func (h sdkHandler) Counter(name string) client.MetricsCounter {
	return h.m.get(name, sdkCounter, h.tags)
}
func (h sdkHandler) Gauge(name string) client.MetricsGauge { return h.m.get(name, sdkGauge, h.tags) }
func (h sdkHandler) Timer(name string) client.MetricsTimer { return h.m.get(name, sdkTimer, h.tags) }
