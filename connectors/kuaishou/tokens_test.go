package kuaishou

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/syncctl/syncctl/connectors"
	"github.com/syncctl/syncctl/domain"
	sandbox "github.com/syncctl/syncctl/sandbox/kuaishou"
)

func (e *env) window() connectors.OrderQuery {
	return connectors.OrderQuery{From: e.clk.Now().Add(-time.Hour), To: e.clk.Now()}
}

// inParallel runs fn on every channel from several goroutines at once.
func inParallel(t *testing.T, chans []*Channel, fn func(*Channel) error) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, 8*len(chans))
	for range 4 {
		for _, ch := range chans {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs <- fn(ch)
			}()
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
}

// TestTwoWorkersRefreshOnce: two connector instances (two workers) share
// one TokenStore and need a token at the same moment, first from the
// configured refresh token, then after the platform expired every access
// token. The platform sees exactly one refresh each time and never a
// rotated refresh token used again; both go on with a working token.
func TestTwoWorkersRefreshOnce(t *testing.T) {
	e := setup(t, nil)
	a, b := e.channel(t, nil), e.channel(t, nil)
	list := func(ch *Channel) error { _, err := ch.ListOrders(context.Background(), e.window()); return err }
	inParallel(t, []*Channel{a, b}, list)
	if granted, reused := e.sb.Refreshes(); granted != 1 || reused != 0 {
		t.Fatalf("first token: %d refreshes, %d reuses; want exactly 1 and 0", granted, reused)
	}
	tok, ok, _ := e.tokens.LoadToken(context.Background(), a.shop)
	if !ok || tok.Refresh == "rt-seed" || !e.sb.RefreshTokenLive(tok.Refresh.Reveal()) || tok.Expires.Sub(e.clk.Now()) != sandbox.AccessLifetime {
		t.Fatalf("stored token: ok %v, refresh rotated %v, live %v, lifetime %s", ok, tok.Refresh != "rt-seed",
			e.sb.RefreshTokenLive(tok.Refresh.Reveal()), tok.Expires.Sub(e.clk.Now()))
	}
	// The seed dies minutes after its rotation; the store holds its successor.
	e.clk.Advance(sandbox.DefaultRefreshGrace)
	if e.sb.RefreshTokenLive("rt-seed") {
		t.Fatal("the seed refresh token outlived its grace")
	}
	e.sb.ExpireTokens()
	inParallel(t, []*Channel{a, b}, list)
	if granted, reused := e.sb.Refreshes(); granted != 2 || reused != 0 {
		t.Fatalf("after expiry: %d refreshes, %d reuses; want exactly 2 and 0", granted, reused)
	}
}

// TestTokenExpiryMidRun: the platform expires the token between two calls;
// the connector refreshes once and goes on. Its own 48 h expiry is read from
// the answer: past it, the token is refreshed before the call.
func TestTokenExpiryMidRun(t *testing.T) {
	e := setup(t, nil)
	ch := e.channel(t, nil)
	ctx := context.Background()
	res, err := ch.UpsertProduct(ctx, push())
	if err != nil {
		t.Fatal(err)
	}
	e.sb.ExpireTokens()
	if err := ch.UpdatePrice(ctx, connectors.PriceUpdate{SKUCode: "YS-TS-001-WHT-M", IDs: res.IDs, Price: 5000}); err != nil {
		t.Fatalf("after the platform expired the token: %v", err)
	}
	if granted, _ := e.sb.Refreshes(); granted != 2 {
		t.Fatalf("%d refreshes; want the first and one more", granted)
	}
	e.clk.Advance(sandbox.AccessLifetime)
	if _, err := ch.ListOrders(ctx, e.window()); err != nil {
		t.Fatalf("after 48 h: %v", err)
	}
	if granted, reused := e.sb.Refreshes(); granted != 3 || reused != 0 {
		t.Fatalf("%d refreshes, %d reuses", granted, reused)
	}
}

// TestDeadRefreshTokenIsAuth: a refresh token the platform discarded is
// EAuth naming the way out, with no secret in the error.
func TestDeadRefreshTokenIsAuth(t *testing.T) {
	e := setup(t, func(c *sandbox.Config) { c.RefreshGrace = -1 })
	ch := e.channel(t, nil)
	ctx := context.Background()
	if _, err := ch.ListOrders(ctx, e.window()); err != nil {
		t.Fatal(err)
	}
	// Another deployment refreshed behind the store's back: the stored
	// refresh token is dead, and so is the configured seed.
	tok, _, _ := e.tokens.LoadToken(ctx, ch.shop)
	resp, err := http.PostForm(e.ts.URL+"/oauth2/refresh_token", map[string][]string{"app_id": {"ks123"}, "app_secret": {"asec"},
		"grant_type": {"refresh_token"}, "refresh_token": {tok.Refresh.Reveal()}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	e.sb.ExpireTokens()
	_, err = ch.ListOrders(ctx, e.window())
	if domain.ErrorCode(err) != domain.EAuth || !strings.Contains(err.Error(), "authorise the app for the shop again") {
		t.Fatalf("dead refresh token: %v", err)
	}
	for _, secret := range []string{tok.Refresh.Reveal(), tok.Access.Reveal(), "rt-seed", "asec", "ssec"} {
		if strings.Contains(err.Error(), secret) {
			t.Fatalf("a secret leaked into the error: %v", err)
		}
	}
}

// TestTokenRefusedTwiceIsAuth: a gateway that refuses every token gets one
// refresh and one retry, then EAuth without the token in the error.
func TestTokenRefusedTwiceIsAuth(t *testing.T) {
	var mu sync.Mutex
	refreshes, calls := 0, 0
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Path == "/oauth2/refresh_token" {
			refreshes++
			_, _ = w.Write([]byte(`{"result":1,"access_token":"acc` + string(rune('0'+refreshes)) + `","expires_in":172800,"refresh_token":"ref` +
				string(rune('0'+refreshes)) + `","refresh_token_expires_in":15552000}`))
			return
		}
		calls++
		_, _ = w.Write([]byte(`{"result":28,"error_msg":"鉴权失败"}`))
	}))
	defer ts.Close()
	ch, err := New(connectors.ShopConfig{Channel: "kuaishou", Shop: t.Name(), Gateway: ts.URL, QPS: 1000, Tokens: &connectors.MemoryTokens{},
		Credentials: map[string]connectors.Secret{"appkey": "ks1", "app_secret": "a", "sign_secret": "s", "refresh_token": "r0"}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = ch.GetOrder(context.Background(), "2118200000005000123")
	if domain.ErrorCode(err) != domain.EAuth || refreshes != 2 || calls != 2 {
		t.Fatalf("err %v, %d refreshes, %d calls: want EAuth after one refresh and one retry", err, refreshes, calls)
	}
	for _, s := range []string{"acc1", "acc2", "ref1", "r0"} {
		if strings.Contains(err.Error(), s) {
			t.Fatalf("a token leaked into the error: %v", err)
		}
	}
}

func TestPlatformDeclaration(t *testing.T) {
	p := Platform
	if p.ID != "kuaishou" || p.Kind != connectors.KindCPSPool {
		t.Fatal(p.ID, p.Kind)
	}
	if c, ok := p.Credential("access_token"); !ok || !c.Minted {
		t.Fatal("access_token must be minted")
	}
	for _, name := range []string{"app_secret", "sign_secret", "refresh_token"} {
		if c, _ := p.Credential(name); !c.Secret {
			t.Fatalf("%s is secret", name)
		}
	}
	cfg, err := p.CheckShop(connectors.ShopConfig{Channel: "kuaishou", Shop: "s", Options: map[string]string{"category_id": "1001"},
		Credentials: map[string]connectors.Secret{"appkey": "k", "app_secret": "a", "sign_secret": "s", "refresh_token": "r"}})
	if err != nil || cfg.Options["sign_method"] != SignHMACSHA256 || cfg.Options["order_page_size"] != "50" {
		t.Fatalf("check shop: %+v %v", cfg.Options, err)
	}
	if _, err := p.CheckShop(connectors.ShopConfig{Channel: "kuaishou", Shop: "s", Options: map[string]string{"sign_method": "SHA1"},
		Credentials: map[string]connectors.Secret{"appkey": "k", "app_secret": "a", "sign_secret": "s", "refresh_token": "r"}}); domain.ErrorCode(err) != domain.EInvalid {
		t.Fatalf("bad sign_method: %v", err)
	}
}
