package pricing_test

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/syncctl/syncctl/domain"
	"github.com/syncctl/syncctl/mapping/pricing"
)

// Tonight's live stream on Kuaishou: 20 units of the white M from 20:00 to 23:00.
var liveStream = pricing.Reservation{SKU: teeM.Code, Shop: ksLive, Units: 20,
	From: cst("2025-11-10 20:00"), Until: cst("2025-11-10 23:00")}

func TestAllocate(t *testing.T) {
	shares := []pricing.ShopShare{
		{Shop: flagship, Share: 5000},         // half of the rest
		{Shop: ksLive, Share: 3000, Cap: 200}, // 30 %, at most 200
		{Shop: dyMain, Cap: 10},               // up to 10 of what is left
		{Shop: wxShop, Shared: true},          // what the others leave
		{Shop: jdSelf, Shared: true, Cap: 3},  // the same, at most 3
		{Shop: flagship, Share: 10000},        // listed twice: the first entry holds
	}
	during, before := cst("2025-11-10 21:00"), cst("2025-11-10 19:59")
	for _, tc := range []struct {
		name              string
		available, safety int
		rs                []pricing.Reservation
		at                time.Time
		want              map[domain.ShopRef]int
	}{
		// pool 95; live stream 20; rest 75: Tmall 37, Kuaishou 22 (+20), Douyin 10, left 6 shared.
		{"during the live stream", 100, 5, []pricing.Reservation{liveStream}, during,
			map[domain.ShopRef]int{flagship: 37, ksLive: 42, dyMain: 10, wxShop: 6, jdSelf: 3}},
		// pool 95: Tmall 47, Kuaishou 28, Douyin 10, left 10.
		{"before it", 100, 5, []pricing.Reservation{liveStream}, before,
			map[domain.ShopRef]int{flagship: 47, ksLive: 28, dyMain: 10, wxShop: 10, jdSelf: 3}},
		{"at its end", 100, 5, []pricing.Reservation{liveStream}, liveStream.Until,
			map[domain.ShopRef]int{flagship: 47, ksLive: 28, dyMain: 10, wxShop: 10, jdSelf: 3}},
		// A reservation bigger than the pool gets the pool, and nothing is left.
		{"reservation beyond the stock", 18, 3, []pricing.Reservation{liveStream}, during,
			map[domain.ShopRef]int{flagship: 0, ksLive: 15, dyMain: 0, wxShop: 0, jdSelf: 0}},
		{"safety above the stock", 4, 5, nil, during,
			map[domain.ShopRef]int{flagship: 0, ksLive: 0, dyMain: 0, wxShop: 0, jdSelf: 0}},
		{"negative stock (oversold in the ERP)", -3, 0, nil, during,
			map[domain.ShopRef]int{flagship: 0, ksLive: 0, dyMain: 0, wxShop: 0, jdSelf: 0}},
		// A reservation for a shop without a share still reaches it.
		{"reservation of an unlisted shop", 100, 0, []pricing.Reservation{{Shop: domain.ShopRef{Channel: "youzan", Shop: "s"}, Units: 40,
			From: before, Until: liveStream.Until}}, during,
			map[domain.ShopRef]int{{Channel: "youzan", Shop: "s"}: 40, flagship: 30, ksLive: 18, dyMain: 10, wxShop: 2, jdSelf: 2}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := pricing.Allocate(tc.available, tc.safety, shares, tc.rs, tc.at)
			if len(got) != len(tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
			for s, n := range tc.want {
				if got[s] != n {
					t.Fatalf("got %v, want %v", got, tc.want)
				}
			}
		})
	}
}

// For many random inputs nothing is offered that does not exist: without
// a shared shop the offers add up to at most available − safety; with
// shared shops, the dedicated offers plus any one shared shop's offer do.
// A shop never gets a negative offer nor more than its cap plus its
// reservations.
func TestAllocateNeverOffersMoreThanExists(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 11))
	base := cst("2025-11-10 20:00")
	for i := 0; i < 20000; i++ {
		n := rng.IntN(6) + 1
		shops := make([]pricing.ShopShare, n)
		shared := map[domain.ShopRef]bool{}
		for j := range shops {
			s := pricing.ShopShare{Shop: domain.ShopRef{Channel: "c", Shop: string(rune('a' + rng.IntN(7)))}}
			switch rng.IntN(4) {
			case 0:
				s.Share = rng.IntN(12000) // shares that may add up past 100 %
			case 1:
				s.Cap = rng.IntN(50)
			case 2:
				s.Share, s.Cap = rng.IntN(10001), rng.IntN(50)
			case 3:
				s.Shared, s.Cap = true, rng.IntN(2)*rng.IntN(50)
			}
			shops[j] = s
		}
		first := map[domain.ShopRef]pricing.ShopShare{} // a shop listed twice keeps its first entry
		for _, s := range shops {
			if _, seen := first[s.Shop]; !seen {
				first[s.Shop], shared[s.Shop] = s, s.Shared
			}
		}
		var rs []pricing.Reservation
		reserved := map[domain.ShopRef]int{}
		for k := rng.IntN(4); k > 0; k-- {
			r := pricing.Reservation{Shop: domain.ShopRef{Channel: "c", Shop: string(rune('a' + rng.IntN(9)))}, Units: rng.IntN(60) - 5,
				From: base.Add(time.Duration(rng.IntN(5)-2) * time.Hour), Until: base.Add(time.Duration(rng.IntN(5)-1) * time.Hour)}
			rs = append(rs, r)
			if r.Active(base) && r.Units > 0 {
				reserved[r.Shop] += r.Units
			}
		}
		available, safety := rng.IntN(300)-20, rng.IntN(30)
		pool := max(available-safety, 0)
		got := pricing.Allocate(available, safety, shops, rs, base)

		dedicated, maxShared := 0, 0
		for s, u := range got {
			if u < 0 || u > reserved[s]+pool {
				t.Fatalf("case %d: %s offered %d (reserved %d, pool %d)", i, s, u, reserved[s], pool)
			}
			if shared[s] {
				maxShared = max(maxShared, u)
			} else {
				dedicated += u
			}
		}
		if dedicated+maxShared > pool {
			t.Fatalf("case %d: available %d safety %d shops %+v reservations %+v: offered %v, %d + %d > %d",
				i, available, safety, shops, rs, got, dedicated, maxShared, pool)
		}
		for _, s := range first {
			if s.Cap > 0 && got[s.Shop] > s.Cap+reserved[s.Shop] {
				t.Fatalf("case %d: %s offered %d over its cap %d", i, s.Shop, got[s.Shop], s.Cap)
			}
		}
	}
}

func TestStockPolicy(t *testing.T) {
	p := pricing.StockPolicy{Safety: 5, Shares: []pricing.ShareRule{
		{Shops: []pricing.ShopPattern{pattern("tmall/flagship")}, Share: 5000},
		{Shops: []pricing.ShopPattern{pattern("kuaishou/*"), pattern("douyin/*")}, Share: 2000, Cap: 200},
		{Shops: []pricing.ShopPattern{pricing.AnyShop}, Shared: true},
	}}
	got := p.Allocate(105, []domain.ShopRef{flagship, ksLive, dyMain, wxShop}, nil, time.Time{})
	want := map[domain.ShopRef]int{flagship: 50, ksLive: 20, dyMain: 20, wxShop: 10}
	for s, n := range want {
		if got[s] != n {
			t.Fatalf("got %v, want %v", got, want)
		}
	}
	// Without a stock section every shop sees the whole stock, less the
	// units reserved for another shop.
	all := pricing.EveryShopShares.Allocate(100, []domain.ShopRef{flagship, ksLive}, []pricing.Reservation{liveStream}, liveStream.From)
	if all[flagship] != 80 || all[ksLive] != 100 {
		t.Fatalf("every shop shares: %v", all)
	}
	for _, tc := range []struct {
		after time.Time
		want  time.Time
		ok    bool
	}{
		{cst("2025-11-10 12:00"), liveStream.From, true},
		{liveStream.From, liveStream.Until, true},
		{liveStream.Until, time.Time{}, false},
	} {
		if got, ok := pricing.NextReservationChange([]pricing.Reservation{liveStream}, tc.after); !got.Equal(tc.want) || ok != tc.ok {
			t.Errorf("after %s: %s %v", tc.after, got, ok)
		}
	}
}
