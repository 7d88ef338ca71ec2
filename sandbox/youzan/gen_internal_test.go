package youzan

import (
	"testing"
	"time"
)

// TestGeneratorMix: the generator's ticks sell orders (a share by a
// 分销员) and now and then cancel, ask a refund for or refund one.
func TestGeneratorMix(t *testing.T) {
	now := time.Date(2026, 12, 1, 2, 0, 0, 0, time.UTC)
	s := New(Config{ClientID: "c", ClientSecret: "s", KdtID: "1", Seed: 11, Now: func() time.Time { return now }})
	defer s.Close()
	s.items[1] = &item{ID: 1, ItemNo: "P", Title: "T", Listed: true, SKUs: []*sku{{ID: 2, ItemNo: "P-1", Price: 1990, Quantity: 1000}}}
	for range 400 {
		s.generate()
		now = now.Add(time.Second)
	}
	var sold, promoted, cancelled, asked, refunded int
	for _, o := range s.orders {
		sold++
		if o.Promotion != nil {
			promoted++
		}
		switch {
		case o.Refunded:
			refunded++
		case o.Status == StatusClosed:
			cancelled++
		case o.RefundAsked:
			asked++
		}
	}
	if sold != 400 || promoted < 60 || promoted > 140 || cancelled == 0 || asked == 0 || refunded == 0 {
		t.Fatalf("sold %d, by 分销员 %d, cancelled %d, refund asked %d, refunded %d", sold, promoted, cancelled, asked, refunded)
	}
}
