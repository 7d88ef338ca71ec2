package connectors_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/syncctl/syncctl/connectors"
	"github.com/syncctl/syncctl/domain"
)

var (
	ctx  = context.Background()
	shop = domain.ShopRef{Channel: "kuaishou", Shop: "main"}
)

// minter is a platform whose refresh token rotates: each refresh token may
// be used once, and a second use fails the test.
type minter struct {
	t     *testing.T
	delay time.Duration
	mu    sync.Mutex
	used  map[string]int // refresh token → times used
	calls int
}

func newMinter(t *testing.T, delay time.Duration) *minter {
	return &minter{t: t, delay: delay, used: map[string]int{}}
}

func (m *minter) mint(ctx context.Context, cur connectors.Token, have bool) (connectors.Token, error) {
	m.mu.Lock()
	m.calls++
	n := m.calls
	if have {
		m.used[cur.Refresh.Reveal()]++
		if m.used[cur.Refresh.Reveal()] > 1 {
			m.t.Errorf("refresh token %q used twice", cur.Refresh.Reveal())
		}
	}
	m.mu.Unlock()
	time.Sleep(m.delay) // the platform call: others pile up meanwhile
	return connectors.Token{
		Access:         connectors.Secret(fmt.Sprint("access-", n)),
		Refresh:        connectors.Secret(fmt.Sprint("refresh-", n)),
		Expires:        time.Now().Add(2 * time.Hour),
		RefreshExpires: cur.RefreshExpires, // Kuaishou: the new one inherits the old expiry
	}, nil
}

func (m *minter) snapshot() (int, map[string]int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	used := map[string]int{}
	for k, v := range m.used {
		used[k] = v
	}
	return m.calls, used
}

// seed stores tok as the shop's token through the lease protocol.
func seed(t *testing.T, st connectors.TokenStore, tok connectors.Token) connectors.Token {
	t.Helper()
	if _, _, claimed, err := st.ClaimRefresh(ctx, shop, "seed", time.Minute); err != nil || !claimed {
		t.Fatalf("seed claim = %v, %v", claimed, err)
	}
	saved, err := st.SaveToken(ctx, shop, "seed", tok)
	if err != nil {
		t.Fatal(err)
	}
	return saved
}

func expired() connectors.Token {
	return connectors.Token{Access: "access-0", Refresh: "refresh-0", Expires: time.Now().Add(-time.Minute),
		RefreshExpires: time.Now().Add(30 * 24 * time.Hour)}
}

// callAll runs n callers of get at once and returns what each got.
func callAll(t *testing.T, n int, get func(i int) (connectors.Token, error)) []connectors.Token {
	t.Helper()
	out := make([]connectors.Token, n)
	errs := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			out[i], errs[i] = get(i)
		}()
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("caller %d: %v", i, err)
		}
	}
	return out
}

func checkRefreshedOnce(t *testing.T, m *minter, got []connectors.Token, wantCalls int, oldRefresh, wantAccess string) {
	t.Helper()
	calls, used := m.snapshot()
	if calls != wantCalls {
		t.Errorf("Mint ran %d times, want %d", calls, wantCalls)
	}
	if used[oldRefresh] != 1 {
		t.Errorf("refresh token %s used %d times, want 1", oldRefresh, used[oldRefresh])
	}
	for i, tok := range got {
		if tok.Access.Reveal() != wantAccess || tok.Version != got[0].Version {
			t.Errorf("caller %d got %s v%d, want %s v%d", i, tok.Access.Reveal(), tok.Version, wantAccess, got[0].Version)
		}
	}
}

func TestTokenSourceConcurrentCallersRefreshOnce(t *testing.T) {
	st := &connectors.MemoryTokens{}
	seed(t, st, expired())
	m := newMinter(t, 20*time.Millisecond)
	src := &connectors.TokenSource{Store: st, Shop: shop, Mint: m.mint}
	got := callAll(t, 8, func(int) (connectors.Token, error) { return src.Token(ctx) })
	checkRefreshedOnce(t, m, got, 1, "refresh-0", "access-1")
	if got[0].Version != 2 || got[0].Refresh.Reveal() != "refresh-1" {
		t.Fatalf("token = v%d refresh %s, want v2 refresh-1", got[0].Version, got[0].Refresh.Reveal())
	}
}

// Eight sources with their own holders over one store: the lease, not the
// in-process sharing, keeps the refresh single.
func TestTokenSourceManyHoldersRefreshOnce(t *testing.T) {
	st := &connectors.MemoryTokens{}
	seed(t, st, expired())
	m := newMinter(t, 20*time.Millisecond)
	srcs := make([]*connectors.TokenSource, 8)
	for i := range srcs {
		srcs[i] = &connectors.TokenSource{Store: st, Shop: shop, Holder: fmt.Sprint("worker-", i), Mint: m.mint}
	}
	got := callAll(t, 8, func(i int) (connectors.Token, error) { return srcs[i].Token(ctx) })
	checkRefreshedOnce(t, m, got, 1, "refresh-0", "access-1")
}

func TestTokenSourceFreshTokenNeedsNoMint(t *testing.T) {
	st := &connectors.MemoryTokens{}
	stored := seed(t, st, connectors.Token{Access: "a", Refresh: "r", Expires: time.Now().Add(time.Hour)})
	m := newMinter(t, 0)
	now := time.Now()
	src := &connectors.TokenSource{Store: st, Shop: shop, Mint: m.mint, Now: func() time.Time { return now }}
	tok, err := src.Token(ctx)
	if err != nil || tok.Access != "a" || tok.Version != stored.Version {
		t.Fatalf("Token = %s v%d, %v", tok.Access.Reveal(), tok.Version, err)
	}
	if calls, _ := m.snapshot(); calls != 0 {
		t.Fatal("a fresh token was refreshed")
	}
	// Within Early of expiry (default 5m) it is refreshed.
	now = now.Add(56 * time.Minute)
	tok, err = src.Token(ctx)
	if err != nil || tok.Access != "access-1" || tok.Version != stored.Version+1 {
		t.Fatalf("Token near expiry = %s v%d, %v", tok.Access.Reveal(), tok.Version, err)
	}
}

func TestTokenSourceFirstFetch(t *testing.T) {
	var have []bool
	src := &connectors.TokenSource{Shop: shop, Mint: func(_ context.Context, cur connectors.Token, ok bool) (connectors.Token, error) {
		have = append(have, ok)
		return connectors.Token{Access: "first", Expires: time.Now().Add(time.Hour)}, nil
	}}
	// No Store: a private MemoryTokens.
	for range 2 {
		tok, err := src.Token(ctx)
		if err != nil || tok.Access != "first" || tok.Version != 1 {
			t.Fatalf("Token = %s v%d, %v", tok.Access.Reveal(), tok.Version, err)
		}
	}
	if len(have) != 1 || have[0] {
		t.Fatalf("Mint calls (have) = %v, want one fetch without a token", have)
	}
}

func TestInvalidate(t *testing.T) {
	st := &connectors.MemoryTokens{}
	seed(t, st, connectors.Token{Access: "a0", Refresh: "refresh-0", Expires: time.Now().Add(time.Hour)})
	m := newMinter(t, 0)
	a := &connectors.TokenSource{Store: st, Shop: shop, Holder: "A", Mint: m.mint}
	b := &connectors.TokenSource{Store: st, Shop: shop, Holder: "B", Mint: m.mint}
	ta, err := a.Token(ctx)
	if err != nil {
		t.Fatal(err)
	}
	tb, err := b.Token(ctx)
	if err != nil || tb.Version != ta.Version {
		t.Fatalf("B = v%d, %v", tb.Version, err)
	}
	// The platform rejects A's token: A refreshes though it has not expired.
	na, err := a.Invalidate(ctx, ta)
	if err != nil || na.Access != "access-1" || na.Version != ta.Version+1 {
		t.Fatalf("Invalidate = %s v%d, %v", na.Access.Reveal(), na.Version, err)
	}
	// B hits the same rejection with the old token: A's refresh is returned.
	nb, err := b.Invalidate(ctx, tb)
	if err != nil || nb.Access != "access-1" || nb.Version != na.Version {
		t.Fatalf("second Invalidate = %s v%d, %v", nb.Access.Reveal(), nb.Version, err)
	}
	if calls, used := m.snapshot(); calls != 1 || used["refresh-0"] != 1 {
		t.Fatalf("Mint ran %d times (refresh-0 used %d), want once", calls, used["refresh-0"])
	}
	// Concurrent invalidations of the current token refresh once.
	got := callAll(t, 8, func(i int) (connectors.Token, error) {
		if i%2 == 0 {
			return a.Invalidate(ctx, na)
		}
		return b.Invalidate(ctx, na)
	})
	checkRefreshedOnce(t, m, got, 2, "refresh-1", "access-2")
}

func TestLeaseExpiryTakeover(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	var clockMu sync.Mutex
	st := &connectors.MemoryTokens{Now: func() time.Time { clockMu.Lock(); defer clockMu.Unlock(); return now }}
	advance := func(d time.Duration) { clockMu.Lock(); now = now.Add(d); clockMu.Unlock() }
	if _, ok, claimed, err := st.ClaimRefresh(ctx, shop, "A", 30*time.Second); err != nil || ok || !claimed {
		t.Fatalf("A claim = ok %v claimed %v, %v", ok, claimed, err)
	}
	if _, _, claimed, _ := st.ClaimRefresh(ctx, shop, "B", 30*time.Second); claimed {
		t.Fatal("B claimed a live lease")
	}
	if _, _, claimed, _ := st.ClaimRefresh(ctx, shop, "A", 30*time.Second); !claimed {
		t.Fatal("A could not extend its own lease")
	}
	advance(29 * time.Second)
	if _, _, claimed, _ := st.ClaimRefresh(ctx, shop, "B", 30*time.Second); claimed {
		t.Fatal("B claimed the extended lease")
	}
	advance(2 * time.Second)
	if _, _, claimed, _ := st.ClaimRefresh(ctx, shop, "B", 30*time.Second); !claimed {
		t.Fatal("B could not take over an expired lease")
	}
	if _, err := st.SaveToken(ctx, shop, "A", connectors.Token{Access: "late"}); domain.ErrorCode(err) != domain.EConflict {
		t.Fatalf("A's save after takeover = %v, want conflict", err)
	}
	if err := st.ReleaseRefresh(ctx, shop, "A"); err != nil {
		t.Fatal(err)
	}
	if _, _, claimed, _ := st.ClaimRefresh(ctx, shop, "C", 30*time.Second); claimed {
		t.Fatal("A's release freed B's lease")
	}
	tok, err := st.SaveToken(ctx, shop, "B", connectors.Token{Access: "b"})
	if err != nil || tok.Version != 1 {
		t.Fatalf("B save = v%d, %v", tok.Version, err)
	}
	// An expired lease nobody took is still its holder's.
	st.ClaimRefresh(ctx, shop, "A", 30*time.Second)
	advance(time.Hour)
	if tok, err := st.SaveToken(ctx, shop, "A", connectors.Token{Access: "a"}); err != nil || tok.Version != 2 {
		t.Fatalf("save under an expired, untaken lease = v%d, %v", tok.Version, err)
	}
}

// A worker that claimed and died: the others wait out its lease, then one
// of them refreshes.
func TestTokenSourceTakesOverDeadHolder(t *testing.T) {
	st := &connectors.MemoryTokens{}
	seed(t, st, expired())
	if _, _, claimed, _ := st.ClaimRefresh(ctx, shop, "dead", 150*time.Millisecond); !claimed {
		t.Fatal("claim")
	}
	m := newMinter(t, 0)
	srcs := []*connectors.TokenSource{
		{Store: st, Shop: shop, Holder: "A", Lease: 150 * time.Millisecond, Mint: m.mint},
		{Store: st, Shop: shop, Holder: "B", Lease: 150 * time.Millisecond, Mint: m.mint},
	}
	start := time.Now()
	got := callAll(t, 4, func(i int) (connectors.Token, error) { return srcs[i%2].Token(ctx) })
	checkRefreshedOnce(t, m, got, 1, "refresh-0", "access-1")
	if time.Since(start) < 150*time.Millisecond {
		t.Fatal("refreshed while the dead holder's lease was live")
	}
	if _, err := st.SaveToken(ctx, shop, "dead", connectors.Token{Access: "zombie"}); domain.ErrorCode(err) != domain.EConflict {
		t.Fatalf("dead holder's save = %v, want conflict", err)
	}
}

func TestMintErrorPassesThroughAndReleases(t *testing.T) {
	st := &connectors.MemoryTokens{}
	seed(t, st, expired())
	boom := domain.Errorf(domain.EAuth, "refresh token expired")
	src := &connectors.TokenSource{Store: st, Shop: shop, Holder: "A", Mint: func(context.Context, connectors.Token, bool) (connectors.Token, error) {
		return connectors.Token{}, boom
	}}
	if _, err := src.Token(ctx); !errors.Is(err, boom) {
		t.Fatalf("Token = %v, want the Mint error", err)
	}
	if _, _, claimed, _ := st.ClaimRefresh(ctx, shop, "B", time.Minute); !claimed {
		t.Fatal("a failed refresh kept its lease")
	}
}

func TestWaitRespectsContext(t *testing.T) {
	st := &connectors.MemoryTokens{}
	seed(t, st, expired())
	st.ClaimRefresh(ctx, shop, "other", time.Hour)
	src := &connectors.TokenSource{Store: st, Shop: shop, Holder: "A", Mint: newMinter(t, 0).mint}
	c, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if _, err := src.Token(c); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Token while another holds the lease = %v, want the context's deadline", err)
	}
}

func TestTokenNeverShowsSecrets(t *testing.T) {
	tok := connectors.Token{Access: "ACCESS-VALUE", Refresh: "REFRESH-VALUE", Expires: time.Now(), Version: 3}
	b, err := json.Marshal(tok)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{fmt.Sprint(tok), fmt.Sprintf("%+v", tok), fmt.Sprintf("%#v", tok), fmt.Sprintf("%v", &tok), string(b)} {
		if strings.Contains(s, "VALUE") {
			t.Errorf("token shown: %s", s)
		}
	}
	// Errors name the shop, never a token.
	st := &connectors.MemoryTokens{}
	_, err = st.SaveToken(ctx, shop, "nobody", tok)
	if err == nil || strings.Contains(err.Error(), "VALUE") {
		t.Fatalf("SaveToken without lease = %v", err)
	}
}

// WithToken refreshes a refused token once, for the next call too, and
// answers a second refusal with EAuth, keeping the platform's code.
func TestWithTokenRefreshesOnceThenEAuth(t *testing.T) {
	ctx := context.Background()
	mints := 0
	src := &connectors.TokenSource{Store: &connectors.MemoryTokens{}, Shop: domain.ShopRef{Channel: "wechat_shop", Shop: "main"},
		Mint: func(context.Context, connectors.Token, bool) (connectors.Token, error) {
			mints++
			return connectors.Token{Access: connectors.Secret(fmt.Sprintf("tok-%d", mints)), Expires: time.Now().Add(time.Hour)}, nil
		}}
	refused := func(err error) bool { return domain.ErrorCode(err) == "token" }
	deny := func(access string) func(connectors.Token) error {
		return func(tok connectors.Token) error {
			if tok.Access.Reveal() == access || access == "*" {
				return &domain.Error{Code: "token", Platform: "wechat", PlatformCode: "40001", Message: "invalid credential"}
			}
			return nil
		}
	}
	if err := src.WithToken(ctx, refused, "hint", deny("tok-1")); err != nil || mints != 2 {
		t.Fatalf("one refusal: %v after %d mints, want success after 2", err, mints)
	}
	err := src.WithToken(ctx, refused, "check the appid", deny("*"))
	var de *domain.Error
	if !errors.As(err, &de) || de.Code != domain.EAuth || de.PlatformCode != "40001" || mints != 3 ||
		!strings.Contains(err.Error(), "again after a fresh token: check the appid") {
		t.Fatalf("refused twice: %v after %d mints", err, mints)
	}
}
