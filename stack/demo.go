package stack

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/syncctl/syncctl/catalog"
	"github.com/syncctl/syncctl/domain"
	"github.com/syncctl/syncctl/store"
	"github.com/syncctl/syncctl/workflows"
)

// DemoOptions tune the demo run.
type DemoOptions struct {
	Catalog  []byte        // catalog file content (JSON)
	Orders   int           // orders the sandbox creates (default 40)
	Close    int           // of those, orders closed after the first pull to show updates (default 3)
	Progress func(string)  // step messages; nil = silent
	Timeout  time.Duration // whole demo (default 5m)
}

// Summary is what the demo did and what it verified. Counts are of this
// run: on a state dir used before, earlier orders are not counted again.
type Summary struct {
	Catalog       CatalogSummary         `json:"catalog"`
	Shops         []ShopSummary          `json:"shops"`                // one row per shop, in registration order
	Pushed        map[string]PushSummary `json:"pushed"`               // by channel shop (the rows' push part)
	OrdersCreated int                    `json:"orders_created"`       // by the sandboxes
	OrdersPulled  int                    `json:"orders_pulled"`        // of those, found in the order index
	OrderUpdates  int                    `json:"order_updates"`        // order.updated versions
	Delivered     int                    `json:"deliveries_delivered"` // order and refund versions the ERP accepted
	RefundCases   int                    `json:"refund_cases"`         // refund cases of this run's orders (buyers asked some)
	Pending       int                    `json:"deliveries_pending"`
	Duplicates    int                    `json:"redeliveries_deduplicated"` // acknowledged by the receiver, not applied again
	ERP           string                 `json:"erp"`                       // "built-in receiver" or the external URL without credentials
	ERPStats      any                    `json:"erp_stats,omitempty"`
	Failures      []string               `json:"failures"`
	Error         string                 `json:"error,omitempty"` // why the demo stopped early (then OK is false)
	OK            bool                   `json:"ok"`
	Workflows     []string               `json:"workflows"`
	TaskQueue     string                 `json:"task_queue"`
	TemporalUI    string                 `json:"temporal_ui,omitempty"`
	Elapsed       string                 `json:"elapsed"`
}

// ShopSummary is one shop's row: what was pushed and listed, what was
// sold, pulled and delivered, and whether every check of the shop passed.
type ShopSummary struct {
	Shop         string      `json:"shop"`
	Push         PushSummary `json:"push"`
	OrdersSold   int         `json:"orders_sold"`
	OrdersPulled int         `json:"orders_pulled"`
	OrderUpdates int         `json:"order_updates"`
	CPSOrders    int         `json:"cps_orders"` // of the pulled ones, orders with a promoter and commission
	Pending      int         `json:"deliveries_pending"`
	Failures     int         `json:"failures"` // checks of this shop that failed (reasons in Summary.Failures)
	OK           bool        `json:"ok"`
}

// CatalogSummary counts the imported catalog.
type CatalogSummary struct {
	SPUs     int `json:"spus"`
	SKUs     int `json:"skus"`
	Rejected int `json:"rejected"`
}

// PushSummary counts one shop's push.
type PushSummary struct {
	Products int `json:"products"`
	SKUs     int `json:"skus"`
	Failed   int `json:"failed"`
	Calls    int `json:"calls"`
	// Listed is what the channel itself shows afterwards (sandbox admin view).
	ListedItems int `json:"listed_items"`
	ListedSKUs  int `json:"listed_skus"`
	// Reviewed counts the products the platform reviewed (WeChat, Douyin,
	// Vipshop): the demo waits for each review to end before it sells.
	Reviewed *ReviewSummary `json:"reviewed,omitempty"`
	// Pool is the promotion pool of a shop with a commission policy.
	Pool *PoolSummary `json:"pool,omitempty"`
}

// PoolSummary is a shop's promotion pool after the push, in products.
type PoolSummary struct {
	InPool  int `json:"in_pool"`
	MinRate int `json:"min_rate_bp"`
	MaxRate int `json:"max_rate_bp"`
}

// ReviewSummary is how a shop's review ended, in products.
type ReviewSummary struct {
	Approved int      `json:"approved"`
	Rejected int      `json:"rejected"`
	Reasons  []string `json:"reasons,omitempty"` // "<product>: <the platform's reason>"
}

// demoShop is one sandbox shop as the demo works through it.
type demoShop struct {
	sb       *Sandbox
	row      ShopSummary
	sold     []string
	failures []string
}

func (d *demoShop) fail(format string, args ...any) {
	d.failures = append(d.failures, fmt.Sprintf(format, args...))
}

// RunDemo runs the main job end to end on a started stack, for every
// sandbox shop at once: import the catalog, push it to each shop, have each
// sandbox sell, pull the orders, deliver them to the ERP, then check every
// SKU is listed exactly once on every shop and every order arrived exactly
// once with a valid signature. It can run again on the same state: the
// second push finds nothing changed, and the order checks cover the orders
// this run sold.
//
// On an error (or the timeout) it still returns the summary so far, with
// Error set and OK false.
func RunDemo(ctx context.Context, s *Stack, o DemoOptions) (sum *Summary, err error) {
	start := time.Now()
	if o.Orders <= 0 {
		o.Orders = 40
	}
	if o.Close < 0 || o.Close > o.Orders {
		o.Close = 0
	}
	if o.Timeout <= 0 {
		o.Timeout = 5 * time.Minute
	}
	step := "starting"
	var sayMu sync.Mutex
	say := func(msg string) {
		sayMu.Lock()
		defer sayMu.Unlock()
		step = msg
		if o.Progress != nil {
			o.Progress(msg)
		}
	}
	ctx, cancel := context.WithTimeout(ctx, o.Timeout)
	defer cancel()
	sum = &Summary{Pushed: map[string]PushSummary{}, Shops: []ShopSummary{}, Failures: []string{}, Workflows: []string{}, ERP: "built-in receiver", TaskQueue: s.TaskQueue}
	if s.Receiver == nil {
		sum.ERP = RedactURL(s.ERPURL)
	}
	if s.Temporal != nil {
		sum.TemporalUI = s.Temporal.UIURL()
	}
	shops := make([]*demoShop, len(s.Sandboxes))
	for i, sb := range s.Sandboxes {
		shops[i] = &demoShop{sb: sb, row: ShopSummary{Shop: sb.Shop.String()}}
	}
	defer func() {
		if err != nil {
			s.notePending(ctx, shops, sum)
		}
		for _, d := range shops {
			d.row.Failures = len(d.failures)
			d.row.OK = err == nil && len(d.failures) == 0
			sum.Shops = append(sum.Shops, d.row)
			sum.Pushed[d.row.Shop] = d.row.Push
			sum.Failures = append(sum.Failures, d.failures...)
		}
		if err != nil {
			if errors.Is(ctx.Err(), context.DeadlineExceeded) || timedOut(ctx, err) {
				err = fmt.Errorf("demo timed out after %s while %s: %w", o.Timeout, step, err)
			}
			sum.Error = err.Error()
		}
		if s.Receiver != nil {
			st := s.Receiver.Stats()
			sum.ERPStats, sum.Duplicates = st, st.Duplicates
		}
		sum.OK = err == nil && len(sum.Failures) == 0
		sum.Elapsed = time.Since(start).Round(time.Millisecond).String()
	}()
	if len(shops) == 0 {
		return sum, errors.New("the stack has no sandbox shop to run the demo on")
	}
	before, err := s.Store.DeliveryStats(ctx)
	if err != nil {
		return sum, err
	}

	say("importing the sample catalog")
	rejected, err := ImportCatalog(ctx, s.Store, o.Catalog)
	if err != nil {
		return sum, err
	}
	for _, r := range rejected {
		sum.Failures = append(sum.Failures, "catalog "+r.Error())
	}
	sum.Catalog.SPUs, sum.Catalog.SKUs, err = s.Store.CatalogStats(ctx)
	if err != nil {
		return sum, err
	}
	sum.Catalog.Rejected = len(rejected)
	spus, skus, err := catalogCodes(ctx, s.Store)
	if err != nil {
		return sum, err
	}

	say(fmt.Sprintf("pushing %d products / %d SKUs to %s", sum.Catalog.SPUs, sum.Catalog.SKUs, shopList(shops)))
	for _, d := range shops {
		sum.Workflows = append(sum.Workflows, workflows.CatalogPushID(d.sb.Shop))
	}
	err = eachShop(shops, func(d *demoShop) error { return s.demoPush(ctx, d, spus, skus) })
	for _, d := range shops {
		if d.row.Push.Reviewed != nil {
			sum.Workflows = append(sum.Workflows, workflows.ReviewWatchID(d.sb.Shop))
		}
	}
	if err != nil {
		return sum, err
	}

	say(fmt.Sprintf("each sandbox sells %d orders", o.Orders))
	for _, d := range shops {
		ids, err := d.sb.Admin.SellOrders(ctx, o.Orders, "")
		if err != nil {
			return sum, fmt.Errorf("%s: %w", d.sb.Shop, err)
		}
		d.sold, d.row.OrdersSold = ids, len(ids)
		sum.OrdersCreated += len(ids)
	}
	if err := s.pullAll(ctx, shops, sum, say); err != nil {
		return sum, err
	}
	if o.Close > 0 {
		say(fmt.Sprintf("the buyers cancel %d orders on each shop; pulling the updates", o.Close))
		for _, d := range shops {
			// A sandbox sells some orders its platform has closed already (a
			// buyer who never paid): the buyers cancel the first open ones.
			cancelled := 0
			var lastErr error
			for _, id := range d.sold {
				if cancelled == o.Close {
					break
				}
				if lastErr = d.sb.Admin.CancelOrder(ctx, id); lastErr == nil {
					cancelled++
				}
			}
			if cancelled < min(o.Close, len(d.sold)) {
				return sum, fmt.Errorf("%s: cancelled %d of %d orders: %w", d.sb.Shop, cancelled, o.Close, lastErr)
			}
		}
		if err := s.pullAll(ctx, shops, sum, say); err != nil {
			return sum, err
		}
	}

	say("checking every order reached the ERP exactly once")
	stats, err := s.Store.DeliveryStats(ctx)
	if err != nil {
		return sum, err
	}
	sum.Delivered = stats[store.DeliveryDelivered] - before[store.DeliveryDelivered]
	sum.Pending = stats[store.DeliveryPending]
	var all, ours []store.OrderRecord
	for _, d := range shops {
		recs, err := s.Store.ListOrders(ctx, d.sb.Shop, 0)
		if err != nil {
			return sum, err
		}
		mine := d.checkOrders(recs)
		all, ours = append(all, recs...), append(ours, mine...)
		sum.OrdersPulled += d.row.OrdersPulled
		sum.OrderUpdates += d.row.OrderUpdates
		var line string
		if d.row.Pending, line, err = s.pendingLine(ctx, d.sb.Shop); err != nil {
			return sum, err
		}
		if line != "" {
			d.fail("%s: %s", d.sb.Shop, line)
		}
	}
	cases := map[string]domain.AfterSale{}
	for _, r := range ours {
		cs, err := s.Store.AfterSales(ctx, r.Order.Shop, r.Order.PlatformOrderID)
		if err != nil {
			return sum, err
		}
		for _, c := range cs {
			cases[orderKey(r)+"/"+c.PlatformCaseID] = c
		}
	}
	sum.RefundCases = len(cases)
	if s.Receiver != nil {
		sum.Failures = append(sum.Failures, checkReceiver(s, all, ours)...)
		sum.Failures = append(sum.Failures, checkRefunds(s, cases)...)
	}
	return sum, nil
}

// demoPush pushes the catalog to one shop and checks what the channel lists.
func (s *Stack) demoPush(ctx context.Context, d *demoShop, spus, skus []string) error {
	var prog workflows.PushProgress
	shop := d.sb.Shop
	in := workflows.CatalogPushInput{Shop: shop, ReviewPoll: demoReviewPoll}
	if err := s.execute(ctx, shop, workflows.CatalogPushID(shop), workflows.CatalogPushWorkflowName, in, &prog); err != nil {
		return fmt.Errorf("catalog push to %s: %w", shop, err)
	}
	if prog.InReview > 0 {
		rev, err := s.awaitReview(ctx, shop)
		if err != nil {
			return err
		}
		d.row.Push.Reviewed = rev
		for _, r := range rev.Reasons {
			d.fail("review %s %s", shop, r)
		}
	}
	for _, f := range prog.Failures {
		d.fail("push %s %s: %s", shop, f.Product, f.Reason)
	}
	if n := prog.Failed - len(prog.Failures); n > 0 {
		d.fail("push %s: %d more products failed", shop, n)
	}
	items, err := d.sb.Admin.Items(ctx)
	if err != nil {
		return fmt.Errorf("%s: %w", shop, err)
	}
	ps := PushSummary{Products: prog.Pushed, SKUs: prog.SKUs, Failed: prog.Failed, Calls: prog.Calls, ListedItems: len(items), Reviewed: d.row.Push.Reviewed}
	if policy, ok := s.Commission[shop]; ok {
		if ps.Pool, err = s.checkPool(ctx, d, policy); err != nil {
			return err
		}
	}
	for _, it := range items {
		ps.ListedSKUs += len(it.SKUs)
	}
	d.row.Push = ps
	d.failures = append(d.failures, checkListing(shop, spus, skus, items)...)
	return nil
}

// demoReviewPoll is how often the demo's ReviewWatch asks the sandbox: a
// real shop's review takes hours and is polled every few minutes.
const demoReviewPoll = time.Second

// awaitReview waits for the shop's ReviewWatch to end and reads the outcome
// from the listings: products approved, products rejected with the
// platform's reason.
func (s *Stack) awaitReview(ctx context.Context, shop domain.ShopRef) (*ReviewSummary, error) {
	// Get follows the watch through its continue-as-new runs.
	if err := s.Client.GetWorkflow(ctx, workflows.ReviewWatchID(shop), "").Get(ctx, nil); err != nil {
		return nil, fmt.Errorf("review of %s (workflow %s): %w", shop, workflows.ReviewWatchID(shop), err)
	}
	rev := &ReviewSummary{}
	approved, rejected := map[string]bool{}, map[string]string{}
	after := ""
	for {
		page, err := s.Store.ListListings(ctx, shop, after, 500)
		if err != nil {
			return nil, err
		}
		if len(page) == 0 {
			break
		}
		after = page[len(page)-1].SKUCode
		for _, l := range page {
			switch l.Status {
			case domain.ListingRejected:
				rejected[l.ProductCode] = l.LastError
			case domain.ListingOnSale:
				approved[l.ProductCode] = true
			}
		}
	}
	for code, reason := range rejected {
		delete(approved, code)
		rev.Reasons = append(rev.Reasons, code+": "+reason)
	}
	sort.Strings(rev.Reasons)
	rev.Approved, rev.Rejected = len(approved), len(rejected)
	return rev, nil
}

// eachShop runs f for every shop at once and returns the first error.
func eachShop(shops []*demoShop, f func(*demoShop) error) error {
	errs := make([]error, len(shops))
	var wg sync.WaitGroup
	for i, d := range shops {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = f(d)
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

func shopList(shops []*demoShop) string {
	names := make([]string, len(shops))
	for i, d := range shops {
		names[i] = d.sb.Shop.String()
	}
	return domain.List(names)
}

func orderKey(r store.OrderRecord) string {
	return r.Order.Shop.String() + "/" + r.Order.PlatformOrderID
}

// RedactURL drops what may be a credential from a URL before it is shown:
// user info, query and fragment.
func RedactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "(unparsable URL)"
	}
	u.User, u.RawQuery, u.Fragment, u.RawFragment, u.ForceQuery = nil, "", "", "", false
	return u.String()
}

// pullAll pulls every shop's orders until caught up and waits for their
// deliveries, all shops at once.
func (s *Stack) pullAll(ctx context.Context, shops []*demoShop, sum *Summary, say func(string)) error {
	// Orders carry second-resolution times: let the second they were made in pass.
	time.Sleep(1100 * time.Millisecond)
	at := time.Now()
	var ids []string
	for _, d := range shops {
		ids = append(ids, workflows.OrderPullOnceID(d.sb.Shop, at))
	}
	say("pulling orders and delivering them to the ERP (" + strings.Join(ids, ", ") + ")")
	sum.Workflows = append(sum.Workflows, ids...)
	return eachShop(shops, func(d *demoShop) error {
		shop := d.sb.Shop
		id := workflows.OrderPullOnceID(shop, at)
		var st workflows.PullStats
		// No lag: the sandbox indexes at once, and the demo waits for what it sold.
		in := workflows.OrderPullInput{Shop: shop, Once: true, PullPolicy: domain.PullPolicy{Overlap: 5 * time.Minute, InitialLookback: time.Hour}}
		if err := s.execute(ctx, shop, id, workflows.OrderPullWorkflowName, in, &st); err != nil {
			return fmt.Errorf("order pull %s: %w", shop, err)
		}
		if st.Rejected > 0 {
			d.fail("%s: %d platform orders rejected", id, st.Rejected)
			for _, r := range st.Recent {
				d.fail("  rejected: %s", r)
			}
		}
		return nil
	})
}

// execute starts a shop's workflow (or joins the run already going under
// that id) and waits for its result.
func (s *Stack) execute(ctx context.Context, shop domain.ShopRef, id, name string, in, out any) error {
	run, err := s.StartWorkflow(ctx, shop, id, name, in)
	if err != nil {
		return err
	}
	return run.Get(ctx, out)
}

// catalogCodes lists every product and SKU code of the catalog, sorted.
func catalogCodes(ctx context.Context, st store.Store) (spus, skus []string, err error) {
	err = store.EachProduct(ctx, st, "", 0, func(p domain.Product) error {
		spus = append(spus, p.Code)
		for _, k := range p.SKUs {
			skus = append(skus, k.Code)
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	sort.Strings(skus)
	return spus, skus, nil
}

// ImportCatalog parses a JSON catalog and imports its valid products in one
// transaction (as `catalog import` does), returning the rejected rows.
func ImportCatalog(ctx context.Context, st store.Store, data []byte) ([]domain.FieldError, error) {
	rep, err := catalog.Import(ctx, st, bytes.NewReader(data), catalog.FormatJSON)
	var unreadable *catalog.UnreadableError
	if errors.As(err, &unreadable) {
		return nil, fmt.Errorf("catalog: %w", err)
	}
	if err != nil {
		return rep.Rejected, fmt.Errorf("import catalog: %w", err)
	}
	return rep.Rejected, nil
}
