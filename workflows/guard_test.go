package workflows_test

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/server/temporaltest"

	"github.com/syncctl/syncctl/api"
	"github.com/syncctl/syncctl/app"
	"github.com/syncctl/syncctl/connectors"
	"github.com/syncctl/syncctl/domain"
	"github.com/syncctl/syncctl/mapping/pricing"
	sbfake "github.com/syncctl/syncctl/sandbox/fake"
	"github.com/syncctl/syncctl/sandbox/kit"
	"github.com/syncctl/syncctl/store"
	"github.com/syncctl/syncctl/store/storetest"
	"github.com/syncctl/syncctl/workflows"
)

// guardRig is two shops of the fake platform, each on its own sandbox over
// HTTP, served by one worker on a real Temporal server, with a pricing
// policy the test changes between pushes (as an edited configuration
// file would).
type guardRig struct {
	c        client.Client
	st       store.Store
	ref, min domain.ShopRef
	sbs      map[domain.ShopRef]*sbfake.Server
	policy   atomic.Pointer[pricing.Policy]
}

func newGuardRig(ctx context.Context, t *testing.T) *guardRig {
	t.Helper()
	r := &guardRig{ref: domain.ShopRef{Channel: "fake", Shop: "flagship"}, min: domain.ShopRef{Channel: "fake", Shop: "mini"},
		sbs: map[domain.ShopRef]*sbfake.Server{}}
	r.policy.Store(&pricing.Policy{})
	var shops []connectors.ShopConfig
	for _, ref := range []domain.ShopRef{r.ref, r.min} {
		creds := sbfake.Platform.NewCredentials()
		box, err := sbfake.Platform.Open(kit.Config{Credentials: creds})
		if err != nil {
			t.Fatal(err)
		}
		sb := box.(*sbfake.Server)
		sb.SetReview(0, nil) // approved at the first look
		srv := httptest.NewServer(box)
		t.Cleanup(func() { srv.Close(); _ = box.Close() })
		setup := sbfake.Platform.Shop(srv.URL)
		sc := connectors.ShopConfig{Channel: ref.Channel, Shop: ref.Shop, Gateway: setup.Gateway, Options: maps.Clone(setup.Options),
			Credentials: map[string]connectors.Secret{}}
		for name, v := range creds {
			sc.Credentials[name] = connectors.Secret(v)
		}
		shops = append(shops, sc)
		r.sbs[ref] = sb
	}
	st, err := store.Open(ctx, "sqlite", filepath.Join(t.TempDir(), "syncctl.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	ts := temporaltest.NewServer(temporaltest.WithT(t))
	c := ts.GetDefaultClient()
	if err := workflows.EnsureSearchAttributes(ctx, c, ts.GetDefaultNamespace()); err != nil {
		t.Fatal(err)
	}
	w, err := app.NewWorker(app.WorkerOptions{Client: c, Namespace: ts.GetDefaultNamespace(), Store: st, Shops: shops,
		Pricing: func() pricing.Policy { return *r.policy.Load() }})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Stop)
	r.c, r.st = c, st
	return r
}

// push pushes the whole catalog to a shop and waits for its review.
func (r *guardRig) push(ctx context.Context, t *testing.T, shop domain.ShopRef) workflows.PushProgress {
	t.Helper()
	run, err := workflows.Start(ctx, r.c, shop, workflows.CatalogPushID(shop), workflows.CatalogPushWorkflowName,
		workflows.CatalogPushInput{Shop: shop, All: true, ReviewPoll: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	var p workflows.PushProgress
	if err := run.Get(ctx, &p); err != nil {
		t.Fatalf("push %s: %v", shop, err)
	}
	if p.InReview > 0 {
		if err := r.c.GetWorkflow(ctx, workflows.ReviewWatchID(shop), "").Get(ctx, nil); err != nil {
			t.Fatalf("review watch %s: %v", shop, err)
		}
	}
	return p
}

// shows is the price the shop's platform shows for a SKU, in fen.
func (r *guardRig) shows(t *testing.T, shop domain.ShopRef, sku string) int64 {
	t.Helper()
	it, ok := r.sbs[shop].Item(strings.Split(sku, "-")[0])
	if !ok {
		t.Fatalf("%s shows no item for %s", shop, sku)
	}
	for _, k := range it.SKUs {
		if k.OuterID == sku {
			return k.PriceFen
		}
	}
	t.Fatalf("%s shows no SKU %s", shop, sku)
	return 0
}

func (r *guardRig) setRule(shop domain.ShopRef, adjust string) {
	pol := *r.policy.Load()
	pol.Rules = nil
	for _, rule := range r.policy.Load().Rules {
		if rule.Shops[0].Shop != shop.Shop {
			pol.Rules = append(pol.Rules, rule)
		}
	}
	a, err := pricing.ParseAdjustment(adjust)
	if err != nil {
		panic(err)
	}
	pol.Rules = append(pol.Rules, pricing.Rule{Shops: []pricing.ShopPattern{{Channel: shop.Channel, Shop: shop.Shop}}, Adjust: a})
	r.policy.Store(&pol)
}

func (r *guardRig) hold(ctx context.Context, t *testing.T, shop domain.ShopRef, sku string) domain.PriceHold {
	t.Helper()
	hs, err := r.st.ListHolds(ctx, store.HoldFilter{Shop: &shop, SKU: sku, Limit: 1})
	if err != nil || len(hs) == 0 {
		t.Fatalf("no hold of %s on %s (%v)", sku, shop, err)
	}
	return hs[0]
}

// Every price guard, through real workflows against two sandboxes over
// HTTP: a cut that breaks parity is held and nothing reaches the platform
// until an operator approves it (then it does, recorded with who and
// when); a rejected one never does, not even on the next push; a floor
// violation is blocked with no approval to give; a step beyond the change
// limit waits for approval; and a rise on the reference shop that would
// leave another shop below its band is held too.
func TestPriceGuardsHoldWritesUntilApproved(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a Temporal server")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	r := newGuardRig(ctx, t)
	band, _ := pricing.ParseBand("0%..")
	r.policy.Store(&pricing.Policy{
		Floor:   pricing.Floor{Margin: 5000}, // cost 20.00 → never below 30.00
		Parity:  []pricing.ParityRule{{Name: "pricing.parity[0]", Shops: []pricing.ShopPattern{{Channel: "fake", Shop: "mini"}}, Reference: r.ref, Band: band}},
		Changes: []pricing.ChangeLimit{{Name: "pricing.changes[0]", Shops: []pricing.ShopPattern{pricing.AnyShop}, Down: 3000}},
	})
	if _, err := r.st.ImportProducts(ctx, []domain.Product{storetest.Product("P1", 2)}); err != nil {
		t.Fatal(err)
	}
	for _, shop := range []domain.ShopRef{r.ref, r.min} {
		if p := r.push(ctx, t, shop); p.Failed != 0 || p.Held != 0 {
			t.Fatalf("first push to %s = %+v", shop, p)
		}
	}
	if got := r.shows(t, r.min, "P1-0"); got != 5990 {
		t.Fatalf("mini shows %d, want 5990", got)
	}

	// Parity: mini 10 % under the flagship is held, not sent.
	r.setRule(r.min, "-10%")
	if p := r.push(ctx, t, r.min); p.Held != 2 || p.Failed != 0 || len(p.Holds) != 2 || p.Holds[0].SKU != "P1-0" ||
		p.Holds[0].Status != domain.HoldPending || !strings.Contains(p.Holds[0].Reason, "parity: pricing.parity[0]") {
		t.Fatalf("push of a parity-breaking cut = %+v, want 2 held, with their reasons", p)
	}
	for _, sku := range []string{"P1-0", "P1-1"} {
		if got := r.shows(t, r.min, sku); got != 5990 {
			t.Fatalf("mini shows %s at %d while its cut is held", sku, got)
		}
	}
	h0, h1 := r.hold(ctx, t, r.min, "P1-0"), r.hold(ctx, t, r.min, "P1-1")
	if h0.Status != domain.HoldPending || h0.Price != 5391 || h0.Old != 5990 || len(h0.Violations) != 1 || h0.Violations[0].Guard != domain.GuardParity {
		t.Fatalf("hold = %+v, want a pending parity hold of 53.91 over 59.90", h0)
	}
	ls, _ := r.st.Listings(ctx, r.min, "P1")
	if ls[0].Status != domain.ListingOnSale || ls[0].Price != 5990 || !strings.Contains(ls[0].LastError, "held (approval #") {
		t.Fatalf("listing = %+v, want on sale at the old price with the hold as its last error", ls[0])
	}
	desc, err := r.c.DescribeWorkflowExecution(ctx, workflows.PriceApprovalID(h0.ID), "")
	if err != nil {
		t.Fatal(err)
	}
	if st := desc.GetWorkflowExecutionInfo().GetSearchAttributes().GetIndexedFields()["SyncStatus"]; st == nil || !strings.Contains(string(st.GetData()), "awaiting-approval") {
		t.Fatalf("approval SyncStatus = %v, want awaiting-approval", st)
	}

	// Approved: the price goes out at once; who and when are recorded.
	got, err := workflows.Decide(ctx, r.c, h0.ID, domain.HoldDecision{Approve: true, By: "ops@brand"})
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != domain.HoldApproved || got.DecidedBy != "ops@brand" || got.DecidedAt.IsZero() {
		t.Fatalf("approved hold = %+v", got)
	}
	if price := r.shows(t, r.min, "P1-0"); price != 5391 {
		t.Fatalf("mini shows P1-0 at %d after approval, want 5391", price)
	}
	// A second answer is refused: the hold is decided.
	if _, err := workflows.Decide(ctx, r.c, h0.ID, domain.HoldDecision{Approve: false, By: "x", Reason: "late"}); err == nil {
		t.Fatal("a decided hold took a second answer")
	}
	// Rejected: never sent, and the next push holds it again without asking twice.
	if _, err := workflows.Decide(ctx, r.c, h1.ID, domain.HoldDecision{Approve: false, By: "ops@brand"}); err == nil {
		t.Fatal("a rejection without a reason was taken")
	}
	if got, err := workflows.Decide(ctx, r.c, h1.ID, domain.HoldDecision{Approve: false, By: "ops@brand", Reason: "partners would leave"}); err != nil || got.Status != domain.HoldRejected {
		t.Fatalf("reject = %+v, %v", got, err)
	}
	if p := r.push(ctx, t, r.min); p.Held != 1 {
		t.Fatalf("push after the rejection = %+v, want the rejected write held", p)
	}
	if got := r.shows(t, r.min, "P1-1"); got != 5990 {
		t.Fatalf("mini shows P1-1 at %d after its cut was rejected", got)
	}
	if again := r.hold(ctx, t, r.min, "P1-1"); again.ID != h1.ID || again.Status != domain.HoldRejected {
		t.Fatalf("hold after the next push = %+v, want the same rejected hold", again)
	}

	// Floor: 60 % off is below cost +50 %: blocked, no approval to give.
	r.setRule(r.min, "-60%")
	if p := r.push(ctx, t, r.min); p.Held != 2 {
		t.Fatalf("push below the floor = %+v, want 2 held", p)
	}
	fl := r.hold(ctx, t, r.min, "P1-1")
	if fl.Status != domain.HoldBlocked || fl.Violations[0].Guard != domain.GuardFloor || fl.Violations[0].Limit != 3000 {
		t.Fatalf("floor hold = %+v", fl)
	}
	var notFound *serviceerror.NotFound
	if _, err := r.c.DescribeWorkflowExecution(ctx, workflows.PriceApprovalID(fl.ID), ""); err == nil || !asNotFound(err, &notFound) {
		t.Fatalf("a blocked write has an approval workflow (%v)", err)
	}
	if got := r.shows(t, r.min, "P1-0"); got != 5391 {
		t.Fatalf("mini shows P1-0 at %d after a blocked write", got)
	}

	// Change size: the flagship 35 % down needs approval (parity holds
	// nothing: mini may be above the flagship).
	r.setRule(r.min, "+0%")
	r.setRule(r.ref, "-35%")
	if p := r.push(ctx, t, r.ref); p.Held != 2 {
		t.Fatalf("push of a 35 %% cut = %+v, want 2 held", p)
	}
	cs := r.hold(ctx, t, r.ref, "P1-0")
	if cs.Status != domain.HoldPending || cs.Violations[0].Guard != domain.GuardChangeSize {
		t.Fatalf("change-size hold = %+v", cs)
	}
	if got := r.shows(t, r.ref, "P1-0"); got != 5990 {
		t.Fatalf("flagship shows %d while its cut is held", got)
	}

	// A rise on the reference shop that leaves mini (59.90 and 53.91) below
	// its band is the rise's violation; the held cut is superseded.
	r.setRule(r.ref, "+5%")
	if p := r.push(ctx, t, r.ref); p.Held != 2 {
		t.Fatalf("push of the flagship's rise = %+v, want both rises held", p)
	}
	rise := r.hold(ctx, t, r.ref, "P1-0")
	if rise.Status != domain.HoldPending || rise.Price != 6290 || rise.Violations[0].Guard != domain.GuardParity || rise.Violations[0].Shop != r.min {
		t.Fatalf("rise hold = %+v, want parity naming mini", rise)
	}
	if got := r.shows(t, r.ref, "P1-1"); got != 5990 {
		t.Fatalf("flagship shows P1-1 at %d while its rise is held", got)
	}
	if old, _ := r.st.GetHold(ctx, cs.ID); old.Status != domain.HoldSuperseded {
		t.Fatalf("the held cut is %s, want superseded", old.Status)
	}
	if err := r.c.GetWorkflow(ctx, workflows.PriceApprovalID(cs.ID), "").Get(ctx, nil); err != nil {
		t.Fatalf("the superseded approval did not end: %v", err)
	}
}

func asNotFound(err error, target **serviceerror.NotFound) bool {
	nf, ok := err.(*serviceerror.NotFound)
	*target = nf
	return ok
}

// An approval nobody answers expires at its time on a durable timer and
// is recorded as expired (never sent); configured to approve on expiry,
// it is approved and pushed. Virtual time: the day passes at once.
func TestPriceApprovalExpires(t *testing.T) {
	for _, approve := range []bool{false, true} {
		var s testsuite.WorkflowTestSuite
		env := s.NewTestWorkflowEnvironment()
		var acts *workflows.Activities
		start := env.Now()
		h := domain.PriceHold{ID: 7, Shop: domain.ShopRef{Channel: "tmall", Shop: "flagship"}, SKUCode: "A-1", ProductCode: "A", Old: 5990, Price: 3990,
			Status: domain.HoldPending, ExpiresAt: start.Add(24 * time.Hour),
			Violations: []domain.PriceViolation{{Guard: domain.GuardChangeSize, Action: domain.GuardNeedsApproval, Reason: "more than 30% down"}}}
		var decided workflows.DecideHoldInput
		pushed := 0
		env.OnActivity(acts.DecideHold, mock.Anything, mock.Anything).Return(func(_ context.Context, in workflows.DecideHoldInput) (domain.PriceHold, error) {
			decided = in
			out := h
			out.Status, out.DecidedBy, out.DecidedAt, out.Note = in.Status, in.By, in.At, in.Note
			return out, nil
		})
		env.OnActivity(acts.PushApproved, mock.Anything, mock.Anything).Return(func(context.Context, domain.PriceHold) error { pushed++; return nil })
		env.ExecuteWorkflow(workflows.PriceApproval, workflows.PriceApprovalInput{Hold: h, ApproveOnExpiry: approve})
		if err := env.GetWorkflowError(); err != nil {
			t.Fatal(err)
		}
		var got domain.PriceHold
		if err := env.GetWorkflowResult(&got); err != nil {
			t.Fatal(err)
		}
		want, wantPushed := domain.HoldExpired, 0
		if approve {
			want, wantPushed = domain.HoldApproved, 1
		}
		if got.Status != want || decided.By != "expiry" || pushed != wantPushed {
			t.Fatalf("approve on expiry %v: hold %s by %q, pushed %d; want %s, pushed %d", approve, got.Status, decided.By, pushed, want, wantPushed)
		}
		if waited := decided.At.Sub(start); waited != 24*time.Hour {
			t.Fatalf("decided after %v, want at the expiry (24h)", waited)
		}
	}
}

// A promotion switches a shop's price on and off at its times, by itself,
// through the real schedule, push and sandbox: the worker's schedule
// pushes when it starts and when it ends, and the platform shows the
// promotion price only in between.
func TestPromotionPriceSwitchesOnAndOffOnTheSandbox(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a Temporal server")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	r := newGuardRig(ctx, t)
	if _, err := r.st.ImportProducts(ctx, []domain.Product{storetest.Product("P1", 1)}); err != nil {
		t.Fatal(err)
	}
	r.push(ctx, t, r.ref)
	start := time.Now().Add(3 * time.Second).Truncate(time.Second)
	end := start.Add(3 * time.Second)
	r.policy.Store(&pricing.Policy{Rules: []pricing.Rule{{Shops: []pricing.ShopPattern{{Channel: "fake", Shop: "flagship"}},
		Promotions: []pricing.Promotion{{Name: "秒杀", Start: start, End: end, Off: pricing.Adjustment{BP: 2000}}}}}})
	if err := workflows.EnsurePriceSchedule(ctx, r.c, workflows.TaskQueue, r.ref); err != nil {
		t.Fatal(err)
	}
	waitPrice := func(want int64, notBefore time.Time) time.Time {
		t.Helper()
		for time.Now().Before(end.Add(30 * time.Second)) {
			if r.shows(t, r.ref, "P1-0") == want {
				if now := time.Now(); now.Before(notBefore) {
					t.Fatalf("the platform showed %d at %v, before %v", want, now, notBefore)
				}
				return time.Now()
			}
			time.Sleep(50 * time.Millisecond)
		}
		t.Fatalf("the platform never showed %d (shows %d)", want, r.shows(t, r.ref, "P1-0"))
		return time.Time{}
	}
	if got := r.shows(t, r.ref, "P1-0"); got != 5990 {
		t.Fatalf("before the promotion the platform shows %d", got)
	}
	on := waitPrice(4792, start)
	off := waitPrice(5990, end)
	t.Logf("promotion price on %v after its start, off %v after its end", on.Sub(start), off.Sub(end))
	var st workflows.PriceScheduleState
	if err := r.c.GetWorkflow(ctx, workflows.PriceScheduleID(r.ref), "").Get(ctx, &st); err != nil || st.Pushes != 2 {
		t.Fatalf("schedule = %+v, %v; want 2 pushes, then done", st, err)
	}
}

// A live-stream reservation on real workflows and sandboxes: at its start
// the other shop offers the reserved units less and the reserved shop
// keeps them; at its end (a durable timer) they go back to the other shop.
func TestReservationTakesUnitsFromOtherShopsAndGivesThemBack(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a Temporal server")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	r := newGuardRig(ctx, t)
	if _, err := r.st.ImportProducts(ctx, []domain.Product{storetest.Product("P1", 1)}); err != nil {
		t.Fatal(err)
	}
	for _, shop := range []domain.ShopRef{r.ref, r.min} {
		r.push(ctx, t, shop)
		if got := skuStock(t, r.sbs[shop], "P1", "P1-0"); got != 10 {
			t.Fatalf("%s offers %d before the reservation, want 10", shop, got)
		}
	}
	from := time.Now().Add(time.Second)
	res, err := r.st.AddReservation(ctx, domain.StockReservation{Shop: r.min, SKUCode: "P1-0", Units: 4, From: from, Until: from.Add(4 * time.Second), By: "直播运营"})
	if err != nil {
		t.Fatal(err)
	}
	run, err := workflows.Reserve(ctx, r.c, workflows.TaskQueue, res)
	if err != nil {
		t.Fatal(err)
	}
	waitStock := func(shop domain.ShopRef, want int) {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for skuStock(t, r.sbs[shop], "P1", "P1-0") != want {
			if time.Now().After(deadline) {
				t.Fatalf("%s offers %d, want %d", shop, skuStock(t, r.sbs[shop], "P1", "P1-0"), want)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	waitStock(r.ref, 6)
	if time.Now().Before(from) {
		t.Fatal("the other shop lost the units before the reservation started")
	}
	if got := skuStock(t, r.sbs[r.min], "P1", "P1-0"); got != 10 {
		t.Fatalf("the reserved shop offers %d during its window, want 10", got)
	}
	var done domain.StockReservation
	if err := run.Get(ctx, &done); err != nil {
		t.Fatal(err)
	}
	if done.Status != domain.ReservationReleased || done.ReleasedAt.Before(res.Until) {
		t.Fatalf("reservation = %+v, want released at its end", done)
	}
	waitStock(r.ref, 10)
}

// A thousand stock changes of one SKU from the ERP within a few seconds,
// sent concurrently through the API, make a handful of channel calls and
// end at the latest value (the highest ERP version, whatever order the
// requests arrived in).
func TestERPStockBurstIsCoalescedToTheLatestValue(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a Temporal server")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	r := newGuardRig(ctx, t)
	if _, err := r.st.ImportProducts(ctx, []domain.Product{storetest.Product("P1", 1)}); err != nil {
		t.Fatal(err)
	}
	r.push(ctx, t, r.ref)
	sb := r.sbs[r.ref]
	before := sb.Calls()
	srv := httptest.NewServer((&api.Server{Store: r.st, Temporal: r.c, Shops: []domain.ShopRef{r.ref}, Token: "tok"}).Handler())
	defer srv.Close()

	const changes = 1000
	stockAt := func(version int) int { return version * 7 % 500 }
	var next atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	errs := make(chan error, changes)
	for g := 0; g < 16; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				v := int(next.Add(1))
				if v > changes {
					return
				}
				body := fmt.Sprintf(`{"items":[{"sku":"P1-0","stock":%d,"version":%d}]}`, stockAt(v), v)
				req, _ := http.NewRequest("POST", srv.URL+"/v1/inventory", strings.NewReader(body))
				req.Header.Set("Authorization", "Bearer tok")
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					errs <- err
					return
				}
				resp.Body.Close()
				if resp.StatusCode != http.StatusAccepted {
					errs <- fmt.Errorf("change %d: HTTP %d", v, resp.StatusCode)
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	sent := time.Since(start)
	want := stockAt(changes)
	deadline := time.Now().Add(time.Minute)
	for skuStock(t, sb, "P1", "P1-0") != want {
		if time.Now().After(deadline) {
			t.Fatalf("the platform offers %d, want the latest value %d", skuStock(t, sb, "P1", "P1-0"), want)
		}
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(2 * time.Second) // a round still coalescing would push now
	after := sb.Calls()
	writes := after["sku.stock.delta"] - before["sku.stock.delta"]
	calls := 0
	for m, n := range after {
		calls += n - before[m]
	}
	t.Logf("%d changes sent in %v; %d channel calls, %d stock writes", changes, sent.Round(time.Millisecond), calls, writes)
	// ShopSync pushes a steady stream at most once per MaxDelay: the
	// writes grow with the time the changes took to send, not with their
	// number.
	limit := int(sent/workflows.DefaultSyncMaxDelay) + 2
	if writes > limit || calls > 3*limit {
		t.Fatalf("%d stock writes and %d calls for %d changes of one SKU sent in %v, want at most %d writes", writes, calls, changes, sent, limit)
	}
	if got := skuStock(t, sb, "P1", "P1-0"); got != want {
		t.Fatalf("the platform ends at %d, want %d", got, want)
	}
}

// A shipment the ERP posts to the API reaches the platform's order with
// its carrier and tracking number; a second one the platform refuses (the
// order shipped already) is recorded on the order with the platform's
// words; both are visible through GET /v1/orders.
func TestERPShipmentReachesThePlatformOrder(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a Temporal server")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	r := newGuardRig(ctx, t)
	if _, err := r.st.ImportProducts(ctx, []domain.Product{storetest.Product("P1", 1)}); err != nil {
		t.Fatal(err)
	}
	r.push(ctx, t, r.ref)
	sb := r.sbs[r.ref]
	id, err := sb.Sell("P1-0", 1)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	if _, err := r.st.UpsertOrder(ctx, domain.SalesOrder{Shop: r.ref, PlatformOrderID: id, Status: domain.OrderPaid, Currency: "CNY",
		CreatedAt: now, ModifiedAt: now, Lines: []domain.OrderLine{{PlatformLineID: id + "-1", SKUCode: "P1-0", Quantity: 1}}}); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer((&api.Server{Store: r.st, Temporal: r.c, Shops: []domain.ShopRef{r.ref}, Token: "tok"}).Handler())
	defer srv.Close()
	post := func(body string) (int, map[string]any) {
		req, _ := http.NewRequest("POST", srv.URL+"/v1/shipments", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer tok")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&out)
		return resp.StatusCode, out
	}
	wait := func(out map[string]any) domain.ShipmentRecord {
		t.Helper()
		var rec domain.ShipmentRecord
		if err := r.c.GetWorkflow(ctx, out["workflow"].(string), "").Get(ctx, &rec); err != nil {
			t.Fatal(err)
		}
		return rec
	}
	if status, out := post(`{"shop":"fake/flagship","order_id":"404","carrier":"SF","tracking_no":"SF1"}`); status != 404 {
		t.Fatalf("unknown order: %d %v", status, out)
	}
	if status, out := post(`{"shop":"fake/flagship","order_id":"` + id + `","carrier":"PIGEON","tracking_no":"SF1"}`); status != 400 {
		t.Fatalf("unknown carrier: %d %v", status, out)
	}
	status, out := post(`{"shop":"fake/flagship","order_id":"` + id + `","carrier":"sf","tracking_no":"SF1001"}`)
	if status != 202 {
		t.Fatalf("shipment: %d %v", status, out)
	}
	if rec := wait(out); rec.Status != domain.ShipmentSent {
		t.Fatalf("shipment = %+v", rec)
	}
	if o, _ := sb.GetOrder(id); o.TrackingNo != "SF1001" || o.Carrier == "" {
		t.Fatalf("platform order = %+v, want shipped with SF1001", o)
	}
	status, out = post(`{"shop":"fake/flagship","order_id":"` + id + `","carrier":"ZTO","tracking_no":"ZT2002"}`)
	if status != 202 {
		t.Fatalf("second shipment: %d %v", status, out)
	}
	if rec := wait(out); rec.Status != domain.ShipmentRefused || !strings.Contains(rec.Error, "only an order waiting to ship") {
		t.Fatalf("second shipment = %+v, want refused with the platform's words", rec)
	}
	req, _ := http.NewRequest("GET", srv.URL+"/v1/orders/fake/flagship/"+id, nil)
	req.Header.Set("Authorization", "Bearer tok")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var got api.OrderAnswer
	if err := json.NewDecoder(resp.Body).Decode(&got); err != nil || len(got.Shipments) != 2 || got.Shipments[0].Status != domain.ShipmentSent || got.Shipments[1].Status != domain.ShipmentRefused {
		t.Fatalf("GET order = %+v, %v", got, err)
	}
}
