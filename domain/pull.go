package domain

import "time"

// PullPolicy says how a shop's orders are pulled: the one definition the
// configuration's orders section, the order-pull workflow and its
// activity share, with its defaults in DefaultPullPolicy.
type PullPolicy struct {
	Interval        time.Duration `yaml:"interval" json:"interval,omitempty"`                 // between pulls of the long-running pull
	Overlap         time.Duration `yaml:"overlap" json:"overlap,omitempty"`                   // re-read before the cursor (dedupe makes it free); 0 = none
	Lag             time.Duration `yaml:"lag" json:"lag,omitempty"`                           // stay behind now: platforms index late; 0 = none
	Window          time.Duration `yaml:"window" json:"window,omitempty"`                     // one platform query, capped by the platform's own limit
	InitialLookback time.Duration `yaml:"initial_lookback" json:"initial_lookback,omitempty"` // the first pull of a shop, without a cursor
}

// DefaultPullPolicy is what a shop's pull does when nothing says otherwise.
func DefaultPullPolicy() PullPolicy {
	return PullPolicy{Interval: time.Minute, Overlap: 5 * time.Minute, Lag: 30 * time.Second,
		Window: 30 * time.Minute, InitialLookback: 24 * time.Hour}
}

// WithDefaults fills what a pull cannot run without (interval, window,
// initial lookback) from DefaultPullPolicy. Overlap and lag keep their
// value: zero means none, and a negative one is taken as zero.
func (p PullPolicy) WithDefaults() PullPolicy {
	d := DefaultPullPolicy()
	if p.Interval <= 0 {
		p.Interval = d.Interval
	}
	if p.Window <= 0 {
		p.Window = d.Window
	}
	if p.InitialLookback <= 0 {
		p.InitialLookback = d.InitialLookback
	}
	p.Overlap, p.Lag = max(p.Overlap, 0), max(p.Lag, 0)
	return p
}
