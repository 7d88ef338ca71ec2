// Package app assembles a syncctl worker — the one assembly `syncctl
// worker`, the dev and demo stack and the tests use: the shops of a
// configuration opened through their platform registrations, the
// activities with their dependencies, and one Temporal worker per shop on
// that shop's own task queue (workflows.ShopQueue), registering every
// workflow of workflows.Register. A worker therefore only ever takes
// tasks of the shops it serves, and its store is the one those shops'
// workflows were started against.
package app

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/taskqueue/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"

	"github.com/syncctl/syncctl/connectors"
	"github.com/syncctl/syncctl/domain"
	"github.com/syncctl/syncctl/erp"
	"github.com/syncctl/syncctl/mapping"
	"github.com/syncctl/syncctl/mapping/pricing"
	"github.com/syncctl/syncctl/platforms"
	"github.com/syncctl/syncctl/store"
	"github.com/syncctl/syncctl/workflows"
)

// WorkerOptions are what a worker is assembled from.
type WorkerOptions struct {
	Client    client.Client
	Namespace string // for the check of other workers on the shops' queues
	// TaskQueue is the base queue name; each shop's queue is
	// workflows.ShopQueue(TaskQueue, shop). Default workflows.TaskQueue.
	TaskQueue string
	Store     store.Store
	// StoreID identifies the store (a hash of its location): two workers
	// with different stores must never serve the same shop.
	StoreID string
	Shops   []connectors.ShopConfig
	ERP     *erp.Client // nil: deliveries fail until an ERP is configured
	Logger  *slog.Logger
	// Allocation is the stock each shop offers of a SKU (nil: the master
	// stock); config.Allocation builds it over every configured shop.
	Allocation mapping.Allocation
	// Pricing is the pricing policy in force (config.Live.Pricing re-reads
	// a changed file); nil: list prices, no guard.
	Pricing func() pricing.Policy
	// Name tells apart workers of one process (tests, AddWorker); "" for
	// the one worker of `syncctl worker`.
	Name string
	// Opened are shops whose connectors were built already (tests with an
	// in-memory platform); they are served beside Shops.
	Opened connectors.Shops
}

// Worker is an assembled worker: not polling until Start.
type Worker struct {
	Shops      connectors.Shops
	Activities *workflows.Activities
	opts       WorkerOptions
	workers    []worker.Worker
	stopShare  context.CancelFunc
}

// NewWorker opens every shop through its registration and builds the
// activities. A worker serves at least one shop.
func NewWorker(o WorkerOptions) (*Worker, error) {
	if o.TaskQueue == "" {
		o.TaskQueue = workflows.TaskQueue
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	var tokens connectors.TokenStore
	if ts, ok := o.Store.(connectors.TokenStore); ok {
		tokens = ts
	}
	shops, err := platforms.OpenShops(o.Shops, tokens)
	if err != nil {
		return nil, err
	}
	for ref, ch := range o.Opened {
		if _, dup := shops[ref]; dup {
			return nil, domain.Errorf(domain.EInvalid, "shop %s is configured twice", ref)
		}
		shops[ref] = ch
	}
	if len(shops) == 0 {
		return nil, domain.Errorf(domain.EInvalid, "no shops to serve: add shops to the configuration (see the README's configuration section); a worker only takes the tasks of the shops it serves")
	}
	commission := map[domain.ShopRef]domain.CommissionPolicy{}
	for _, sc := range o.Shops {
		if sc.Commission == nil {
			continue
		}
		if _, ok := shops[sc.Ref()].(connectors.PromotionPool); !ok {
			return nil, domain.Errorf(domain.EInvalid, "shop %s, field commission: %s has no promotion pool syncctl can join (pools: %s)", sc.Ref(), sc.Channel, domain.List(poolPlatforms()))
		}
		commission[sc.Ref()] = *sc.Commission
	}
	acts := &workflows.Activities{Store: o.Store, Shops: shops, ERP: o.ERP, Temporal: o.Client, Commission: commission, Allocation: o.Allocation, Pricing: o.Pricing}
	return &Worker{Shops: shops, Activities: acts, opts: o}, nil
}

// poolPlatforms names the registered platforms with a promotion pool.
func poolPlatforms() []string {
	var out []string
	for _, r := range platforms.All() {
		if r.Connector.Pool != "" {
			out = append(out, r.ID()+" "+r.Connector.Pool)
		}
	}
	if len(out) == 0 {
		return []string{"none in this build"}
	}
	return out
}

// ShopRefs lists the served shops, sorted.
func (w *Worker) ShopRefs() []domain.ShopRef {
	out := make([]domain.ShopRef, 0, len(w.Shops))
	for ref := range w.Shops {
		out = append(out, ref)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].String() < out[j].String() })
	return out
}

// Identity is what this worker tells Temporal it is: host, process and
// the store it writes to, so an operator (and CheckQueues) can tell
// workers with different stores apart.
func (w *Worker) Identity() string {
	host, _ := os.Hostname()
	name := ""
	if w.opts.Name != "" {
		name = "/" + w.opts.Name
	}
	return fmt.Sprintf("syncctl@%s:%d%s store=%s", host, os.Getpid(), name, w.opts.StoreID)
}

// CheckQueues refuses to serve a shop that a worker with another store is
// serving on the same Temporal: the two would take each other's tasks and
// write one shop's listings and orders into two stores.
func (w *Worker) CheckQueues(ctx context.Context) error {
	if w.opts.StoreID == "" {
		return nil
	}
	mine := "store=" + w.opts.StoreID
	for _, ref := range w.ShopRefs() {
		q := workflows.ShopQueue(w.opts.TaskQueue, ref)
		for _, other := range Pollers(ctx, w.opts.Client, w.opts.Namespace, q) {
			if !strings.HasSuffix(other, mine) {
				return domain.Errorf(domain.EConflict, "shop %s is already served on this Temporal by %s (task queue %s), which writes to another store; stop that worker, or run this one with another --task-queue", ref, other, q)
			}
		}
	}
	return nil
}

// Pollers lists the identities that polled a task queue within the last
// two minutes (live workers long-poll about once a minute).
func Pollers(ctx context.Context, c client.Client, namespace, queue string) []string {
	seen := map[string]bool{}
	for _, kind := range []enumspb.TaskQueueType{enumspb.TASK_QUEUE_TYPE_WORKFLOW, enumspb.TASK_QUEUE_TYPE_ACTIVITY} {
		resp, err := c.WorkflowService().DescribeTaskQueue(ctx, &workflowservice.DescribeTaskQueueRequest{
			Namespace: namespace, TaskQueue: &taskqueue.TaskQueue{Name: queue, Kind: enumspb.TASK_QUEUE_KIND_NORMAL}, TaskQueueType: kind})
		if err != nil {
			continue
		}
		for _, p := range resp.GetPollers() {
			if t := p.GetLastAccessTime(); t != nil && time.Since(t.AsTime()) < 2*time.Minute {
				seen[p.GetIdentity()] = true
			}
		}
	}
	out := make([]string, 0, len(seen))
	for id := range seen {
		out = append(out, id)
	}
	sort.Strings(out)
	return out
}

// Start starts one Temporal worker per shop, each polling its shop's queue
// for every workflow and activity.
func (w *Worker) Start() error {
	for _, ref := range w.ShopRefs() {
		tw := worker.New(w.opts.Client, workflows.ShopQueue(w.opts.TaskQueue, ref), worker.Options{Identity: w.Identity()})
		workflows.Register(tw, w.Activities)
		if err := tw.Start(); err != nil {
			w.Stop()
			return fmt.Errorf("start worker for shop %s: %w", ref, err)
		}
		w.workers = append(w.workers, tw)
	}
	ctx, cancel := context.WithCancel(context.Background())
	w.stopShare = cancel
	go w.shareQuotas(ctx, QuotaShareEvery)
	return w.schedulePrices(context.Background())
}

// QuotaShareEvery is how often a worker counts the processes serving each
// of its shops to share the shop's quota with them.
var QuotaShareEvery = 30 * time.Second

// shareQuotas keeps each configured shop's pace at its quota divided by
// the worker processes that poll the shop's queue (this one included), so
// all of them together stay within the platform's quota: a process that
// joins or leaves is counted within QuotaShareEvery (Temporal forgets a
// poller after two minutes, so a dead one is counted a little longer).
// Workers of one process share one gate and count once.
func (w *Worker) shareQuotas(ctx context.Context, every time.Duration) {
	self := processOf(w.Identity())
	for {
		for _, sc := range w.opts.Shops {
			reg, ok := platforms.Lookup(sc.Channel)
			if !ok {
				continue
			}
			procs := map[string]bool{self: true}
			for _, id := range Pollers(ctx, w.opts.Client, w.opts.Namespace, workflows.ShopQueue(w.opts.TaskQueue, sc.Ref())) {
				procs[processOf(id)] = true
			}
			g := sc.Gate(reg.Connector.DefaultQPS)
			g.SetWorkers(len(procs))
			// This process's calls of the last minute, for the shop's quota
			// use across every worker (channels status).
			now := time.Now()
			if err := w.opts.Store.SaveShopUsage(ctx, sc.Ref(), self, g.CallsLastMinute(now), now); err != nil && ctx.Err() == nil {
				w.opts.Logger.Warn("quota use not recorded", "shop", sc.Ref().String(), "error", err)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(every):
		}
	}
}

// processOf is the process part of a worker identity
// ("syncctl@host:pid/name store=…" → "syncctl@host:pid").
func processOf(identity string) string {
	f := strings.Fields(identity)
	if len(f) == 0 {
		return identity
	}
	p, _, _ := strings.Cut(f[0], "/")
	return p
}

// schedulePrices starts the price schedule of every served shop whose
// price rule has a promotion still to start or end: its prices switch on
// their own, on a durable timer (workflows.PriceSchedule).
func (w *Worker) schedulePrices(ctx context.Context) error {
	if w.opts.Pricing == nil {
		return nil
	}
	pol, now := w.opts.Pricing(), time.Now()
	for _, ref := range w.ShopRefs() {
		if _, ok := pol.RuleFor(ref).NextChange(now); !ok {
			continue
		}
		if err := workflows.EnsurePriceSchedule(ctx, w.opts.Client, w.opts.TaskQueue, ref); err != nil {
			return fmt.Errorf("start the price schedule of %s: %w", ref, err)
		}
	}
	return nil
}

// PolicyChanged is what a worker does when its configuration's pricing or
// stock section changed: every served shop's price schedule pushes the
// new prices and stock at once, and sets its timer again.
func (w *Worker) PolicyChanged(ctx context.Context) {
	for _, ref := range w.ShopRefs() {
		if err := workflows.Reprice(ctx, w.opts.Client, w.opts.TaskQueue, ref); err != nil {
			w.opts.Logger.Error("the configuration changed but the shop's new prices could not be scheduled; run syncctl push --all", "shop", ref.String(), "error", err)
		}
	}
}

// Stop stops every shop's worker where it is, as a crash or a deploy would.
func (w *Worker) Stop() {
	if w.stopShare != nil {
		w.stopShare()
	}
	for _, tw := range w.workers {
		tw.Stop()
	}
	w.workers = nil
}

// Run starts the worker and blocks until ctx ends.
func (w *Worker) Run(ctx context.Context) error {
	if err := w.Start(); err != nil {
		return err
	}
	<-ctx.Done()
	w.Stop()
	if errors.Is(ctx.Err(), context.Canceled) {
		return nil
	}
	return ctx.Err()
}

// StoreID identifies a store by its location, for worker identities:
// workers on one PostgreSQL database agree whatever their DSNs' spelling
// or password (store.Identity).
func StoreID(driver, dsn string) string {
	if driver == "" || driver == "sqlite" {
		if abs, err := filepath.Abs(dsn); err == nil {
			dsn = abs
		}
	} else {
		dsn = store.Identity(driver, dsn)
	}
	sum := sha256.Sum256([]byte(driver + "\x00" + dsn))
	return hex.EncodeToString(sum[:6])
}
