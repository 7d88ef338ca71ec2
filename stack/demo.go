package stack

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"time"

	"github.com/syncctl/syncctl/catalog"
	"github.com/syncctl/syncctl/domain"
	"github.com/syncctl/syncctl/erp"
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
	Pushed        map[string]PushSummary `json:"pushed"`         // by channel shop
	OrdersCreated int                    `json:"orders_created"` // by the sandbox
	OrdersPulled  int                    `json:"orders_pulled"`  // of those, found in the order index
	OrderUpdates  int                    `json:"order_updates"`  // order.updated versions
	Delivered     int                    `json:"deliveries_delivered"`
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
}

// RunDemo runs the main job end to end on a started stack: import the
// catalog, push it to the Tmall sandbox, have the sandbox sell, pull the
// orders, deliver them to the ERP, then check every SKU is listed exactly
// once and every order arrived exactly once with a valid signature. It can
// run again on the same state: the second push finds nothing changed, and
// the order checks cover the orders this run sold.
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
	say := func(msg string) {
		step = msg
		if o.Progress != nil {
			o.Progress(msg)
		}
	}
	ctx, cancel := context.WithTimeout(ctx, o.Timeout)
	defer cancel()
	sum = &Summary{Pushed: map[string]PushSummary{}, Failures: []string{}, Workflows: []string{}, ERP: "built-in receiver", TaskQueue: s.TaskQueue}
	if s.Receiver == nil {
		sum.ERP = RedactURL(s.ERPURL)
	}
	if s.Temporal != nil {
		sum.TemporalUI = s.Temporal.UIURL()
	}
	defer func() {
		if err != nil {
			if errors.Is(ctx.Err(), context.DeadlineExceeded) {
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
	shop := s.Sandbox.Shop
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

	say(fmt.Sprintf("pushing %d products / %d SKUs to %s", sum.Catalog.SPUs, sum.Catalog.SKUs, shop))
	var prog workflows.PushProgress
	id := workflows.CatalogPushID(shop)
	sum.Workflows = append(sum.Workflows, id)
	if err := s.execute(ctx, id, workflows.CatalogPushWorkflowName, workflows.CatalogPushInput{Shop: shop}, &prog); err != nil {
		return sum, fmt.Errorf("catalog push: %w", err)
	}
	for _, f := range prog.Failures {
		sum.Failures = append(sum.Failures, fmt.Sprintf("push %s: %s", f.Product, f.Reason))
	}
	if n := prog.Failed - len(prog.Failures); n > 0 {
		sum.Failures = append(sum.Failures, fmt.Sprintf("push: %d more products failed", n))
	}
	say("checking what the channel lists")
	items, err := s.SandboxItems(ctx)
	if err != nil {
		return sum, err
	}
	ps := PushSummary{Products: prog.Pushed, SKUs: prog.SKUs, Failed: prog.Failed, Calls: prog.Calls, ListedItems: len(items)}
	for _, it := range items {
		ps.ListedSKUs += len(it.SKUs)
	}
	sum.Pushed[shop.String()] = ps
	spus, skus, err := catalogCodes(ctx, s.Store)
	if err != nil {
		return sum, err
	}
	sum.Failures = append(sum.Failures, checkListing(shop, spus, skus, items)...)

	say(fmt.Sprintf("the sandbox sells %d orders", o.Orders))
	tids, err := s.SandboxCreateOrders(ctx, o.Orders)
	if err != nil {
		return sum, err
	}
	sum.OrdersCreated = len(tids)
	if err := s.pullOnce(ctx, shop, sum, say); err != nil {
		return sum, err
	}
	if o.Close > 0 && len(tids) > 0 {
		say(fmt.Sprintf("the buyers cancel %d orders; pulling the updates", min(o.Close, len(tids))))
		for _, tid := range tids[:min(o.Close, len(tids))] {
			if err := s.sandboxPost(ctx, "/_sandbox/orders/"+tid+"/close", nil, nil); err != nil {
				return sum, err
			}
		}
		if err := s.pullOnce(ctx, shop, sum, say); err != nil {
			return sum, err
		}
	}

	say("checking every order reached the ERP exactly once")
	recs, err := s.Store.ListOrders(ctx, shop, 0)
	if err != nil {
		return sum, err
	}
	sold := map[string]bool{}
	for _, tid := range tids {
		sold[tid] = true
	}
	var ours []store.OrderRecord // the orders this run sold
	for _, r := range recs {
		if sold[r.Order.PlatformOrderID] {
			ours = append(ours, r)
			sum.OrderUpdates += max(0, r.Revision-1)
		}
	}
	sum.OrdersPulled = len(ours)
	stats, err := s.Store.DeliveryStats(ctx)
	if err != nil {
		return sum, err
	}
	sum.Delivered = stats[store.DeliveryDelivered] - before[store.DeliveryDelivered]
	sum.Pending = stats[store.DeliveryPending]
	if sum.OrdersPulled != sum.OrdersCreated {
		sum.Failures = append(sum.Failures, fmt.Sprintf("the sandbox sold %d orders but %d were pulled", sum.OrdersCreated, sum.OrdersPulled))
	}
	if sum.Pending > 0 {
		sum.Failures = append(sum.Failures, fmt.Sprintf("%d deliveries are still pending", sum.Pending))
	}
	if s.Receiver != nil {
		sum.Failures = append(sum.Failures, checkReceiver(s, recs, ours)...)
	}
	return sum, nil
}

// checkListing compares what the channel lists with the catalog: every SKU
// exactly once, one item per product, nothing the catalog does not have.
func checkListing(shop domain.ShopRef, spus, skus []string, items []SandboxItem) []string {
	var out []string
	inCatalog := map[string]bool{}
	for _, c := range spus {
		inCatalog[c] = true
	}
	seen := map[string]int{}
	for _, it := range items {
		if !inCatalog[it.OuterID] {
			out = append(out, fmt.Sprintf("item %s (outer id %q) on %s is not a catalog product", it.NumIID, it.OuterID, shop))
		}
		for _, k := range it.SKUs {
			seen[k.OuterID]++
		}
	}
	if len(items) != len(spus) {
		out = append(out, fmt.Sprintf("%s lists %d items for %d catalog products (want one each)", shop, len(items), len(spus)))
	}
	known := map[string]bool{}
	for _, code := range skus {
		known[code] = true
		if n := seen[code]; n != 1 {
			out = append(out, fmt.Sprintf("sku %s is listed %d times on %s (want exactly 1)", code, n, shop))
		}
	}
	var extra []string
	for code := range seen {
		if !known[code] {
			extra = append(extra, code)
		}
	}
	sort.Strings(extra)
	for _, code := range extra {
		out = append(out, fmt.Sprintf("sku %q is listed on %s but is not in the catalog", code, shop))
	}
	return out
}

// checkReceiver compares what the built-in ERP received with the order
// index: every order this run sold arrived at its latest revision, each
// revision applied once; nothing arrived that syncctl did not pull.
func checkReceiver(s *Stack, all, ours []store.OrderRecord) []string {
	var out []string
	st := s.Receiver.Stats()
	if st.BadSignature > 0 || st.BadRequest > 0 {
		out = append(out, fmt.Sprintf("the ERP refused %d webhooks for their signature and %d as malformed", st.BadSignature, st.BadRequest))
	}
	indexed := map[string]int{}
	for _, r := range all {
		indexed[orderKey(r)] = r.Revision
	}
	got := map[string]erp.ReceivedOrder{}
	for _, o := range s.Receiver.Orders() {
		got[o.Key] = o
		if rev, ok := indexed[o.Key]; !ok {
			out = append(out, "the ERP received order "+o.Key+", which syncctl never pulled")
		} else if rev != o.Revision {
			out = append(out, fmt.Sprintf("order %s: the ERP has revision %d, syncctl has %d", o.Key, o.Revision, rev))
		}
	}
	for _, r := range ours {
		key := orderKey(r)
		o, ok := got[key]
		switch {
		case !ok:
			out = append(out, "order "+key+" never reached the ERP")
		case o.Deliveries != r.Revision:
			out = append(out, fmt.Sprintf("order %s: %d distinct deliveries applied for %d revisions", key, o.Deliveries, r.Revision))
		}
	}
	return out
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

func (s *Stack) pullOnce(ctx context.Context, shop domain.ShopRef, sum *Summary, say func(string)) error {
	// Orders carry second-resolution times: let the second they were made in pass.
	time.Sleep(1100 * time.Millisecond)
	id := workflows.OrderPullOnceID(shop, time.Now())
	say("pulling orders and delivering them to the ERP (" + id + ")")
	var st workflows.PullStats
	in := workflows.OrderPullInput{Shop: shop, Once: true, Lag: 0, Overlap: 5 * time.Minute, InitialLookback: time.Hour}
	sum.Workflows = append(sum.Workflows, id)
	if err := s.execute(ctx, id, workflows.OrderPullWorkflowName, in, &st); err != nil {
		return fmt.Errorf("order pull: %w", err)
	}
	if st.Rejected > 0 {
		sum.Failures = append(sum.Failures, fmt.Sprintf("%s: %d platform orders rejected", id, st.Rejected))
		for _, r := range st.Recent {
			sum.Failures = append(sum.Failures, "  rejected: "+r)
		}
	}
	return nil
}

// execute starts a workflow (or joins the run already going under that id)
// and waits for its result.
func (s *Stack) execute(ctx context.Context, id, name string, in, out any) error {
	run, err := s.StartWorkflow(ctx, id, name, in)
	if err != nil {
		return err
	}
	return run.Get(ctx, out)
}

// catalogCodes lists every product and SKU code of the catalog, sorted.
func catalogCodes(ctx context.Context, st store.Store) (spus, skus []string, err error) {
	after := ""
	for {
		ps, err := st.ListProducts(ctx, after, 500)
		if err != nil {
			return nil, nil, err
		}
		if len(ps) == 0 {
			sort.Strings(skus)
			return spus, skus, nil
		}
		for _, p := range ps {
			spus = append(spus, p.Code)
			for _, k := range p.SKUs {
				skus = append(skus, k.Code)
			}
		}
		after = ps[len(ps)-1].Code
	}
}

// SandboxItem is the sandbox's admin view of one listed item.
type SandboxItem struct {
	NumIID        json.Number `json:"num_iid"`
	OuterID       string      `json:"outer_id"`
	ApproveStatus string      `json:"approve_status"`
	SKUs          []struct {
		OuterID  string `json:"outer_id"`
		PriceFen int64  `json:"price_fen"`
		Quantity int    `json:"quantity"`
	} `json:"skus"`
}

// SandboxItems reads every item the Tmall sandbox holds.
func (s *Stack) SandboxItems(ctx context.Context) ([]SandboxItem, error) {
	var out struct {
		Items []SandboxItem `json:"items"`
	}
	err := s.sandboxDo(ctx, http.MethodGet, "/_sandbox/items", nil, &out)
	return out.Items, err
}

// SandboxCreateOrders has the Tmall sandbox sell n orders now.
func (s *Stack) SandboxCreateOrders(ctx context.Context, n int) ([]string, error) {
	var out struct {
		Created []string `json:"created"`
	}
	err := s.sandboxPost(ctx, "/_sandbox/orders", map[string]int{"count": n}, &out)
	return out.Created, err
}

func (s *Stack) sandboxPost(ctx context.Context, path string, in, out any) error {
	return s.sandboxDo(ctx, http.MethodPost, path, in, out)
}

func (s *Stack) sandboxDo(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, _ := json.Marshal(in)
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, s.Sandbox.URL+path, body)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("sandbox %s: %w", path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("sandbox %s: HTTP %d: %s", path, resp.StatusCode, bytes.TrimSpace(b))
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			return fmt.Errorf("sandbox %s: %w", path, err)
		}
	}
	return nil
}

// ImportCatalog parses a JSON catalog and imports its valid products in one
// transaction, returning the rejected rows.
func ImportCatalog(ctx context.Context, st store.Store, data []byte) ([]domain.FieldError, error) {
	parsed, err := catalog.Parse(bytes.NewReader(data), catalog.FormatJSON)
	if err != nil {
		return nil, fmt.Errorf("catalog: %w", err)
	}
	// As `catalog import` does: a product that lost rows is merged, never replaced.
	if _, err := st.ImportProducts(ctx, parsed.Products, store.MergeSKUs(parsed.Incomplete...)); err != nil {
		return parsed.Rejected, fmt.Errorf("import catalog: %w", err)
	}
	return parsed.Rejected, nil
}
