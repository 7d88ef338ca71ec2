package connectors

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/syncctl/syncctl/domain"
)

// TokenStore keeps a shop's platform tokens where every worker sees them,
// with a refresh lease so that one worker at a time refreshes them.
// Connectors whose platform mints short-lived access tokens (WeChat
// stable_token, Youzan, Douyin, Kuaishou) fetch and refresh them through a
// TokenSource over this store. Kuaishou's refresh token rotates: the old one
// dies minutes after a refresh, so it must not live in one worker's memory,
// and two workers must never refresh with the same one. A connector
// refreshes and retries once on a token error; EAuth reaching a workflow
// means an operator must re-authorise the shop.
type TokenStore interface {
	// LoadToken returns the shop's stored token; ok is false if none.
	LoadToken(ctx context.Context, shop domain.ShopRef) (tok Token, ok bool, err error)
	// ClaimRefresh takes the shop's refresh lease for holder for the lease
	// duration, unless another holder's lease is live (then claimed is
	// false). A holder may claim again its own lease (it is extended). It
	// returns the current token either way: it may already have been
	// refreshed by someone else, so the caller checks it again before
	// refreshing.
	ClaimRefresh(ctx context.Context, shop domain.ShopRef, holder string, lease time.Duration) (tok Token, ok bool, claimed bool, err error)
	// SaveToken stores a token minted under holder's lease, releases the
	// lease and returns the token with its new Version. It returns EConflict
	// when holder no longer holds the lease (it expired and another holder
	// took it, or it was released). A lease that expired but that nobody
	// took is still holder's: the token it minted is kept.
	SaveToken(ctx context.Context, shop domain.ShopRef, holder string, tok Token) (Token, error)
	// ReleaseRefresh drops holder's lease without a new token (the refresh
	// failed). Releasing a lease one does not hold does nothing.
	ReleaseRefresh(ctx context.Context, shop domain.ShopRef, holder string) error
}

// Token is a platform access token with its refresh token. It is a secret:
// Access and Refresh print and serialize as "***".
type Token struct {
	Access         Secret    `json:"access"`
	Refresh        Secret    `json:"refresh,omitempty"`
	Expires        time.Time `json:"expires"`                   // zero: does not expire
	RefreshExpires time.Time `json:"refresh_expires,omitempty"` // zero: unknown or none
	// Version is set by the store: 1 for the first token saved, +1 per
	// save; 0 for a token never stored.
	Version int64 `json:"version,omitempty"`
}

// MemoryTokens is a TokenStore in memory: for tests, and for a connector
// whose shop has no store (one worker, tokens lost on restart). It has the
// same semantics as a persistent store, leases included. The zero value is
// ready to use; it is safe for concurrent use and must not be copied.
type MemoryTokens struct {
	// Now is the lease clock (nil: time.Now).
	Now func() time.Time

	mu    sync.Mutex
	shops map[domain.ShopRef]*memoryToken
}

type memoryToken struct {
	tok        Token
	ok         bool
	holder     string
	leaseUntil time.Time
}

var _ TokenStore = (*MemoryTokens)(nil)

func (m *MemoryTokens) now() time.Time {
	if m.Now != nil {
		return m.Now()
	}
	return time.Now()
}

func (m *MemoryTokens) entry(shop domain.ShopRef) *memoryToken {
	if m.shops == nil {
		m.shops = map[domain.ShopRef]*memoryToken{}
	}
	e := m.shops[shop]
	if e == nil {
		e = &memoryToken{}
		m.shops[shop] = e
	}
	return e
}

// LoadToken returns the shop's stored token.
func (m *MemoryTokens) LoadToken(ctx context.Context, shop domain.ShopRef) (Token, bool, error) {
	if err := ctx.Err(); err != nil {
		return Token{}, false, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	e := m.shops[shop]
	if e == nil || !e.ok {
		return Token{}, false, nil
	}
	return e.tok, true, nil
}

// ClaimRefresh takes the shop's refresh lease unless another holder's is live.
func (m *MemoryTokens) ClaimRefresh(ctx context.Context, shop domain.ShopRef, holder string, lease time.Duration) (Token, bool, bool, error) {
	if err := CheckLease(ctx, shop, holder, lease); err != nil {
		return Token{}, false, false, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	e, now := m.entry(shop), m.now()
	if e.holder != "" && e.holder != holder && now.Before(e.leaseUntil) {
		return e.tok, e.ok, false, nil
	}
	e.holder, e.leaseUntil = holder, now.Add(lease)
	return e.tok, e.ok, true, nil
}

// SaveToken stores a token minted under holder's lease and releases it.
func (m *MemoryTokens) SaveToken(ctx context.Context, shop domain.ShopRef, holder string, tok Token) (Token, error) {
	if err := CheckTokenSave(ctx, shop, holder, tok); err != nil {
		return Token{}, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	e := m.entry(shop)
	if e.holder != holder {
		return Token{}, LeaseLost(shop, holder)
	}
	tok.Version = e.tok.Version + 1
	e.tok, e.ok, e.holder, e.leaseUntil = tok, true, "", time.Time{}
	return tok, nil
}

// ReleaseRefresh drops holder's lease.
func (m *MemoryTokens) ReleaseRefresh(ctx context.Context, shop domain.ShopRef, holder string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if e := m.shops[shop]; e != nil && e.holder == holder {
		e.holder, e.leaseUntil = "", time.Time{}
	}
	return nil
}

// CheckLease validates a ClaimRefresh call for TokenStore implementations.
func CheckLease(ctx context.Context, shop domain.ShopRef, holder string, lease time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if holder == "" {
		return domain.Errorf(domain.EInvalid, "refresh lease of shop %s: holder required", shop)
	}
	if lease <= 0 {
		return domain.Errorf(domain.EInvalid, "refresh lease of shop %s: lease must be positive, got %s", shop, lease)
	}
	return nil
}

// CheckTokenSave validates a SaveToken call for TokenStore implementations.
// Its errors never carry token values.
func CheckTokenSave(ctx context.Context, shop domain.ShopRef, holder string, tok Token) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if holder == "" {
		return domain.Errorf(domain.EInvalid, "token of shop %s: holder required", shop)
	}
	if tok.Access == "" {
		return domain.Errorf(domain.EInvalid, "token of shop %s: access token required", shop)
	}
	return nil
}

// LeaseLost is the EConflict SaveToken returns when holder no longer holds
// the shop's refresh lease.
func LeaseLost(shop domain.ShopRef, holder string) error {
	return domain.Errorf(domain.EConflict, "token of shop %s: %s does not hold the refresh lease (it expired and another worker took it, or it was released)", shop, holder)
}

// TokenSource gives a connector a valid token of one shop, refreshing it
// when it is about to expire so that, across every worker sharing the
// Store, one refresh runs at a time and a refresh token is never used twice:
// the worker that claims the shop's refresh lease mints and saves, the
// others wait for its token. Within one TokenSource, concurrent callers
// share one refresh. Set the fields before the first call; it is safe for
// concurrent use after that and must not be copied.
type TokenSource struct {
	Store TokenStore     // nil: a private MemoryTokens
	Shop  domain.ShopRef //
	// Holder names this source in the store's lease; it must differ between
	// sources sharing a store ("": host name, pid and a random suffix).
	Holder string
	// Lease is how long a refresh may take before another worker may take
	// it over (0: 30s). It must exceed the platform call's own timeout: a
	// worker that saves after its lease was taken over loses its token.
	Lease time.Duration
	// Early refreshes a token this long before it expires (0: 5m). It must
	// be well below the token's lifetime.
	Early time.Duration
	Now   func() time.Time // nil: time.Now; token expiry only
	// Mint calls the platform: it fetches a new token (have false, or a
	// refresh token that expired) or refreshes current with current.Refresh.
	// A minted token without a refresh token keeps current's (platforms
	// whose refresh token does not rotate). Its errors pass through.
	Mint func(ctx context.Context, current Token, have bool) (Token, error)

	init   sync.Once
	holder string
	store  TokenStore
	mu     sync.Mutex
	flight *tokenFlight
}

type tokenFlight struct {
	done chan struct{}
	tok  Token
	err  error
}

const (
	defaultLease = 30 * time.Second
	defaultEarly = 5 * time.Minute
	pollMin      = 10 * time.Millisecond
	pollMax      = 250 * time.Millisecond
	saveTimeout  = 10 * time.Second
)

func (s *TokenSource) setup() {
	s.init.Do(func() {
		s.holder, s.store = s.Holder, s.Store
		if s.holder == "" {
			s.holder = defaultHolder()
		}
		if s.store == nil {
			s.store = &MemoryTokens{}
		}
	})
}

func defaultHolder() string {
	host, _ := os.Hostname()
	var b [6]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("%s/%d/%s", host, os.Getpid(), hex.EncodeToString(b[:]))
}

func (s *TokenSource) lease() time.Duration {
	if s.Lease > 0 {
		return s.Lease
	}
	return defaultLease
}

func (s *TokenSource) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// fresh: the token needs no refresh yet.
func (s *TokenSource) fresh(t Token) bool {
	early := s.Early
	if early <= 0 {
		early = defaultEarly
	}
	return t.Access != "" && (t.Expires.IsZero() || s.now().Add(early).Before(t.Expires))
}

// live: the token still works (another worker's fresh refresh is accepted
// even inside Early, so a short-lived token does not start a refresh storm).
func (s *TokenSource) live(t Token) bool {
	return t.Access != "" && (t.Expires.IsZero() || s.now().Before(t.Expires))
}

// Token returns the shop's token, refreshing it first when it expires
// within Early (or there is none).
func (s *TokenSource) Token(ctx context.Context) (Token, error) {
	s.setup()
	tok, ok, err := s.store.LoadToken(ctx, s.Shop)
	if err != nil {
		return Token{}, err
	}
	if ok && s.fresh(tok) {
		return tok, nil
	}
	return s.refresh(ctx, tok.Version)
}

// WithToken sends one request with the shop's token. When the platform
// refuses the token (refused says so of send's error), the token is
// refreshed once for every worker (Invalidate) and the request sent again;
// refused once more, the platform no longer takes the app for the shop:
// that answer comes back as EAuth, its platform code kept and hint (what
// the operator should do) added. Every connector with minted tokens calls
// through here, so none retries a refused token twice.
func (s *TokenSource) WithToken(ctx context.Context, refused func(error) bool, hint string, send func(Token) error) error {
	tok, err := s.Token(ctx)
	if err != nil {
		return err
	}
	if err = send(tok); !refused(err) {
		return err
	}
	if tok, err = s.Invalidate(ctx, tok); err != nil {
		return err
	}
	if err = send(tok); !refused(err) {
		return err
	}
	e := &domain.Error{Code: domain.EAuth, Message: "the platform refuses a freshly refreshed access token (" + hint + ")"}
	var de *domain.Error
	if errors.As(err, &de) {
		e.Platform, e.PlatformCode = de.Platform, de.PlatformCode
		e.Message = de.Message + " (again after a fresh token: " + hint + ")"
	}
	return e
}

// Invalidate is for a token the platform rejected as invalid or expired
// (WeChat 40001/42001): bad is the token Token returned. It refreshes
// unless the stored token is already another version than bad (another
// worker refreshed: that one is returned).
func (s *TokenSource) Invalidate(ctx context.Context, bad Token) (Token, error) {
	s.setup()
	tok, ok, err := s.store.LoadToken(ctx, s.Shop)
	if err != nil {
		return Token{}, err
	}
	stale := bad.Version
	if ok && tok.Version != bad.Version {
		if s.fresh(tok) {
			return tok, nil
		}
		stale = tok.Version
	}
	return s.refresh(ctx, stale)
}

// refresh returns a live token whose version is not stale, sharing one
// refresh between the concurrent callers of this source.
func (s *TokenSource) refresh(ctx context.Context, stale int64) (Token, error) {
	for {
		s.mu.Lock()
		f := s.flight
		if f == nil {
			f = &tokenFlight{done: make(chan struct{})}
			s.flight = f
			s.mu.Unlock()
			f.tok, f.err = s.refreshShared(ctx, stale)
			s.mu.Lock()
			s.flight = nil
			s.mu.Unlock()
			close(f.done)
			return f.tok, f.err
		}
		s.mu.Unlock()
		select {
		case <-ctx.Done():
			return Token{}, ctx.Err()
		case <-f.done:
		}
		switch {
		case f.err == nil && f.tok.Version != stale:
			return f.tok, nil
		case f.err != nil && !isContextErr(f.err):
			return Token{}, f.err
		}
		// The refresh ended with its caller's context, or produced the very
		// version this caller was told is bad: go again.
	}
}

func isContextErr(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}

// refreshShared coordinates with the other holders through the store.
func (s *TokenSource) refreshShared(ctx context.Context, stale int64) (Token, error) {
	for {
		cur, have, claimed, err := s.store.ClaimRefresh(ctx, s.Shop, s.holder, s.lease())
		if err != nil {
			return Token{}, err
		}
		if have && cur.Version != stale && s.live(cur) {
			// Refreshed by another holder since we looked.
			if claimed {
				s.release(ctx)
			}
			return cur, nil
		}
		if claimed {
			tok, lost, err := s.mint(ctx, cur, have)
			if !lost {
				return tok, err
			}
			// Our lease was taken over while minting: take the new
			// holder's token instead.
			continue
		}
		tok, got, err := s.wait(ctx, stale)
		if err != nil || got {
			return tok, err
		}
		// The other holder's lease ran out without a new token: claim again.
	}
}

// mint runs Mint under the lease and saves its token. lost reports that the
// lease was taken over before the save.
func (s *TokenSource) mint(ctx context.Context, cur Token, have bool) (tok Token, lost bool, err error) {
	if s.Mint == nil {
		s.release(ctx)
		return Token{}, false, domain.Errorf(domain.EInternal, "token of shop %s: the connector set no Mint", s.Shop)
	}
	next, err := s.Mint(ctx, cur, have)
	if err != nil {
		s.release(ctx)
		return Token{}, false, err
	}
	if next.Access == "" {
		s.release(ctx)
		return Token{}, false, domain.Errorf(domain.EInternal, "token of shop %s: the platform returned no access token", s.Shop)
	}
	if next.Refresh == "" && have {
		next.Refresh, next.RefreshExpires = cur.Refresh, cur.RefreshExpires
	}
	// The platform has minted (and may have rotated the refresh token): the
	// save must not be lost to the caller's context ending now.
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), saveTimeout)
	defer cancel()
	saved, err := s.store.SaveToken(sctx, s.Shop, s.holder, next)
	if domain.ErrorCode(err) == domain.EConflict {
		return Token{}, true, nil
	}
	if err != nil {
		s.release(ctx)
		return Token{}, false, err
	}
	return saved, false, nil
}

func (s *TokenSource) release(ctx context.Context) {
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), saveTimeout)
	defer cancel()
	// A release that fails leaves the lease to expire.
	_ = s.store.ReleaseRefresh(rctx, s.Shop, s.holder)
}

// wait polls the store for another holder's token: a live token of another
// version than stale (got true), or got false once the other holder's lease
// must have run out.
func (s *TokenSource) wait(ctx context.Context, stale int64) (Token, bool, error) {
	lease := s.lease()
	deadline := time.Now().Add(lease + lease/4 + 250*time.Millisecond)
	delay := pollMin
	timer := time.NewTimer(delay)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return Token{}, false, ctx.Err()
		case <-timer.C:
		}
		tok, ok, err := s.store.LoadToken(ctx, s.Shop)
		if err != nil {
			return Token{}, false, err
		}
		if ok && tok.Version != stale && s.live(tok) {
			return tok, true, nil
		}
		if !time.Now().Before(deadline) {
			return Token{}, false, nil
		}
		delay = min(delay*2, pollMax)
		timer.Reset(delay)
	}
}
