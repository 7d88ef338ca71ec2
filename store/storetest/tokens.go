package storetest

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/syncctl/syncctl/connectors"
	"github.com/syncctl/syncctl/domain"
	"github.com/syncctl/syncctl/store"
)

// The store has no injectable clock: leases here are short and real.
const testLease = 200 * time.Millisecond

func claim(t *testing.T, s store.Store, sh domain.ShopRef, holder string) (connectors.Token, bool, bool) {
	t.Helper()
	tok, ok, claimed, err := s.ClaimRefresh(ctx, sh, holder, testLease)
	must(t, err)
	return tok, ok, claimed
}

func testTokensClaimSaveRelease(t *testing.T, s store.Store) {
	if _, ok, err := s.LoadToken(ctx, shop); err != nil || ok {
		t.Fatalf("LoadToken on an empty store = ok %v, %v", ok, err)
	}
	// A claims; B cannot while A's lease lives, and cannot save.
	if _, ok, claimed := claim(t, s, shop, "A"); ok || !claimed {
		t.Fatalf("A's first claim = ok %v claimed %v, want no token, claimed", ok, claimed)
	}
	if _, ok, err := s.LoadToken(ctx, shop); err != nil || ok {
		t.Fatalf("a lease alone is a token: ok %v, %v", ok, err)
	}
	if _, _, claimed := claim(t, s, shop, "B"); claimed {
		t.Fatal("B claimed while A's lease is live")
	}
	if _, err := s.SaveToken(ctx, shop, "B", connectors.Token{Access: "b"}); domain.ErrorCode(err) != domain.EConflict {
		t.Fatalf("B's save without the lease = %v, want conflict", err)
	}
	// Another shop's lease is its own.
	other := domain.ShopRef{Channel: shop.Channel, Shop: "outlet"}
	if _, _, claimed := claim(t, s, other, "B"); !claimed {
		t.Fatal("A's lease blocked another shop")
	}
	must(t, s.ReleaseRefresh(ctx, other, "B"))

	// A saves: version 1, the lease is freed.
	exp := time.Now().Add(2 * time.Hour).Truncate(time.Millisecond)
	rexp := time.Now().Add(30 * 24 * time.Hour).Truncate(time.Millisecond)
	want := connectors.Token{Access: "access-1", Refresh: "refresh-1", Expires: exp, RefreshExpires: rexp}
	saved, err := s.SaveToken(ctx, shop, "A", want)
	must(t, err)
	if saved.Version != 1 {
		t.Fatalf("first save = v%d, want 1", saved.Version)
	}
	got, ok, err := s.LoadToken(ctx, shop)
	must(t, err)
	if !ok || got.Access != want.Access || got.Refresh != want.Refresh || !got.Expires.Equal(exp) ||
		!got.RefreshExpires.Equal(rexp) || got.Version != 1 {
		t.Fatalf("LoadToken = %s/%s %v %v v%d, want the saved token v1", got.Access.Reveal(), got.Refresh.Reveal(),
			got.Expires, got.RefreshExpires, got.Version)
	}
	if _, err := s.SaveToken(ctx, shop, "A", want); domain.ErrorCode(err) != domain.EConflict {
		t.Fatalf("A's second save (lease released) = %v, want conflict", err)
	}

	// B claims the freed lease and sees A's token; a release frees it.
	tok, ok, claimed := claim(t, s, shop, "B")
	if !claimed || !ok || tok.Version != 1 || tok.Access != "access-1" {
		t.Fatalf("B's claim = claimed %v ok %v v%d", claimed, ok, tok.Version)
	}
	must(t, s.ReleaseRefresh(ctx, shop, "A")) // not A's: does nothing
	if _, _, claimed := claim(t, s, shop, "A"); claimed {
		t.Fatal("A's release dropped B's lease")
	}
	must(t, s.ReleaseRefresh(ctx, shop, "B"))
	if _, _, claimed := claim(t, s, shop, "A"); !claimed {
		t.Fatal("B's release did not free the lease")
	}
	if _, _, claimed := claim(t, s, shop, "A"); !claimed {
		t.Fatal("A could not extend its own lease")
	}

	// A's lease expires: B takes over, A's stale save conflicts, B's saves.
	if _, _, claimed := claim(t, s, shop, "B"); claimed {
		t.Fatal("B claimed A's live lease")
	}
	time.Sleep(testLease + 50*time.Millisecond)
	if _, _, claimed := claim(t, s, shop, "B"); !claimed {
		t.Fatal("B could not take over an expired lease")
	}
	if _, err := s.SaveToken(ctx, shop, "A", connectors.Token{Access: "late"}); domain.ErrorCode(err) != domain.EConflict {
		t.Fatalf("A's save after B's takeover = %v, want conflict", err)
	}
	saved, err = s.SaveToken(ctx, shop, "B", connectors.Token{Access: "access-2", Expires: exp})
	must(t, err)
	if saved.Version != 2 || saved.Access != "access-2" || saved.Refresh != "" {
		t.Fatalf("B's save = %s v%d", saved.Access.Reveal(), saved.Version)
	}

	// A lease that expired but nobody took is still its holder's.
	claim(t, s, shop, "A")
	time.Sleep(testLease + 50*time.Millisecond)
	if saved, err := s.SaveToken(ctx, shop, "A", connectors.Token{Access: "access-3"}); err != nil || saved.Version != 3 {
		t.Fatalf("save under an expired, untaken lease = v%d, %v", saved.Version, err)
	}
	if _, err := s.SaveToken(ctx, shop, "A", connectors.Token{}); domain.ErrorCode(err) != domain.EInvalid {
		t.Fatalf("save without an access token = %v, want invalid", err)
	}
	if _, _, _, err := s.ClaimRefresh(ctx, shop, "", testLease); domain.ErrorCode(err) != domain.EInvalid {
		t.Fatalf("claim without a holder = %v, want invalid", err)
	}
}

// rotatingPlatform mints like Kuaishou: every refresh returns a new refresh
// token, and the test fails if one is used twice.
type rotatingPlatform struct {
	t     *testing.T
	now   func() time.Time // the workers' clock
	mu    sync.Mutex
	calls int
	used  map[string]int
}

func (p *rotatingPlatform) mint(ctx context.Context, cur connectors.Token, have bool) (connectors.Token, error) {
	p.mu.Lock()
	p.calls++
	n := p.calls
	if have {
		p.used[cur.Refresh.Reveal()]++
		if p.used[cur.Refresh.Reveal()] > 1 {
			p.t.Errorf("refresh token %s used twice", cur.Refresh.Reveal())
		}
	}
	p.mu.Unlock()
	time.Sleep(30 * time.Millisecond) // the platform call: the other callers pile up
	return connectors.Token{
		Access:         connectors.Secret(fmt.Sprint("access-", n)),
		Refresh:        connectors.Secret(fmt.Sprint("refresh-", n)),
		Expires:        p.now().Add(2 * time.Hour),
		RefreshExpires: cur.RefreshExpires,
	}, nil
}

func testTwoWorkersRefreshOnce(t *testing.T, s store.Store) {
	// The stored token has expired.
	if _, _, claimed := claim(t, s, shop, "seed"); !claimed {
		t.Fatal("seed claim")
	}
	_, err := s.SaveToken(ctx, shop, "seed", connectors.Token{Access: "access-0", Refresh: "refresh-0",
		Expires: time.Now().Add(-time.Minute), RefreshExpires: time.Now().Add(30 * 24 * time.Hour)})
	must(t, err)

	var skew atomic.Int64 // how far the workers' clock is ahead
	now := func() time.Time { return time.Now().Add(time.Duration(skew.Load())) }
	p := &rotatingPlatform{t: t, now: now, used: map[string]int{}}
	workers := []*connectors.TokenSource{
		{Store: s, Shop: shop, Holder: "worker-A", Lease: 5 * time.Second, Now: now, Mint: p.mint},
		{Store: s, Shop: shop, Holder: "worker-B", Lease: 5 * time.Second, Now: now, Mint: p.mint},
	}
	round := func(wantCalls int, oldRefresh, wantAccess string) {
		t.Helper()
		const perWorker = 4
		got := make([]connectors.Token, 2*perWorker)
		errs := make([]error, len(got))
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i := range got {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				got[i], errs[i] = workers[i%2].Token(ctx)
			}()
		}
		close(start)
		wg.Wait()
		p.mu.Lock()
		calls, used := p.calls, p.used[oldRefresh]
		p.mu.Unlock()
		if calls != wantCalls || used != 1 {
			t.Fatalf("Mint ran %d times in all (want %d), %s used %d times (want 1)", calls, wantCalls, oldRefresh, used)
		}
		for i := range got {
			if errs[i] != nil {
				t.Fatalf("caller %d: %v", i, errs[i])
			}
			if got[i].Access.Reveal() != wantAccess || got[i].Version != got[0].Version {
				t.Fatalf("caller %d got %s v%d, want %s v%d", i, got[i].Access.Reveal(), got[i].Version, wantAccess, got[0].Version)
			}
		}
		stored, ok, err := s.LoadToken(ctx, shop)
		must(t, err)
		if !ok || stored.Access.Reveal() != wantAccess || stored.Version != got[0].Version {
			t.Fatalf("stored %s v%d, want %s v%d", stored.Access.Reveal(), stored.Version, wantAccess, got[0].Version)
		}
	}
	round(1, "refresh-0", "access-1")
	// Three hours on, access-1 has expired in turn: refresh-1 is used once.
	skew.Store(int64(3 * time.Hour))
	round(2, "refresh-1", "access-2")
}
