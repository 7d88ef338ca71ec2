package storetest

import (
	"sync"
	"testing"
	"time"

	"github.com/syncctl/syncctl/connectors/shopgate"
	"github.com/syncctl/syncctl/domain"
	"github.com/syncctl/syncctl/store"
)

var _ shopgate.BanStore = store.Store(nil)

func testBansOnlyExtend(t *testing.T, s store.Store) {
	if until, err := s.LoadBan(ctx, shop); err != nil || !until.IsZero() {
		t.Fatalf("LoadBan on an empty store = %v, %v; want the zero time", until, err)
	}
	t0 := time.Now().Truncate(time.Millisecond)
	load := func(sh domain.ShopRef) time.Time {
		t.Helper()
		until, err := s.LoadBan(ctx, sh)
		must(t, err)
		return until
	}
	must(t, s.SaveBan(ctx, shop, t0.Add(3*time.Second)))
	if got := load(shop); !got.Equal(t0.Add(3 * time.Second)) {
		t.Fatalf("after a 3s ban: until %v, want %v", got, t0.Add(3*time.Second))
	}
	// An earlier end (another worker's older answer) never shortens it.
	must(t, s.SaveBan(ctx, shop, t0.Add(time.Second)))
	if got := load(shop); !got.Equal(t0.Add(3 * time.Second)) {
		t.Fatalf("an earlier ban moved the end to %v", got)
	}
	// A later one extends it.
	must(t, s.SaveBan(ctx, shop, t0.Add(5*time.Second)))
	if got := load(shop); !got.Equal(t0.Add(5 * time.Second)) {
		t.Fatalf("a later ban left the end at %v, want %v", got, t0.Add(5*time.Second))
	}
	// Another shop's ban is its own.
	other := domain.ShopRef{Channel: shop.Channel, Shop: "outlet"}
	if got := load(other); !got.IsZero() {
		t.Fatalf("another shop is banned until %v", got)
	}
	// Workers saving at once: the latest end wins, whatever the order.
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := s.SaveBan(ctx, other, t0.Add(time.Duration(i+1)*time.Second)); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if got := load(other); !got.Equal(t0.Add(8 * time.Second)) {
		t.Fatalf("after concurrent saves: until %v, want %v", got, t0.Add(8*time.Second))
	}
	if got := load(shop); !got.Equal(t0.Add(5 * time.Second)) {
		t.Fatalf("another shop's bans moved this one to %v", got)
	}
	if err := s.SaveBan(ctx, domain.ShopRef{Channel: "tmall"}, t0); domain.ErrorCode(err) != domain.EInvalid {
		t.Fatalf("a ban without a shop name = %v, want invalid", err)
	}
	if err := s.SaveBan(ctx, shop, time.Time{}); domain.ErrorCode(err) != domain.EInvalid {
		t.Fatalf("a ban without an end = %v, want invalid", err)
	}
}
