package stack_test

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/syncctl/syncctl/api"
	"github.com/syncctl/syncctl/catalog/sample"
	"github.com/syncctl/syncctl/domain"
	"github.com/syncctl/syncctl/stack"
	"github.com/syncctl/syncctl/workflows"
)

// pushPlatforms are the platforms that push messages (channels.md: WeChat
// security mode, Youzan Event-Sign, Douyin event-sign, Kuaishou AES).
var pushPlatforms = []string{"wechat_shop", "youzan", "douyin", "kuaishou"}

// A platform's push message brings the order pull forward: each sandbox
// pushes to the ERP API's /v1/push/{channel}/{shop} (as dev subscribes
// them), the shop's connector verifies the message, and orders sold after
// the long-running pull's first round reach the ERP within seconds,
// though the pull's own interval is an hour. A forged message is refused
// and changes nothing.
func TestPushMessagesBringThePullForward(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the stack with four platforms")
	}
	s := start(t, stack.Options{Platforms: pushPlatforms, ConnectorQPS: 100})
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	if _, err := stack.ImportCatalog(ctx, s.Store, sample.JSON()); err != nil {
		t.Fatal(err)
	}
	srv := &api.Server{Store: s.Store, Temporal: s.Client, Queue: s.TaskQueue, Secret: s.ERPSecret, Channels: s.Shops}
	for ref := range s.Shops {
		srv.Shops = append(srv.Shops, ref)
	}
	hs := httptest.NewServer(srv.Handler())
	defer hs.Close()
	if got := srv.PushShops(); len(got) != len(pushPlatforms) {
		t.Fatalf("shops taking push messages: %v, want one per platform %v", got, pushPlatforms)
	}
	for _, sb := range s.Sandboxes {
		shop := sb.Shop
		var prog workflows.PushProgress
		if err := execute(ctx, s, shop, workflows.CatalogPushID(shop), workflows.CatalogPushWorkflowName,
			workflows.CatalogPushInput{Shop: shop, ReviewPoll: 200 * time.Millisecond}, &prog); err != nil {
			t.Fatalf("%s push: %v", shop, err)
		}
		if prog.InReview > 0 {
			if err := s.Client.GetWorkflow(ctx, workflows.ReviewWatchID(shop), "").Get(ctx, nil); err != nil {
				t.Fatalf("%s review: %v", shop, err)
			}
		}
		if err := sb.Admin.SubscribePush(ctx, hs.URL+"/v1/push/"+shop.Channel+"/"+shop.Shop); err != nil {
			t.Fatalf("%s subscribe: %v", shop, err)
		}
		in := workflows.OrderPullInput{Shop: shop, PullPolicy: domain.PullPolicy{Interval: time.Hour, Overlap: 5 * time.Minute, InitialLookback: time.Hour}}
		if _, err := s.StartWorkflow(ctx, shop, workflows.OrderPullID(shop), workflows.OrderPullWorkflowName, in); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(2 * time.Second) // every pull's first round is over: the next is an hour away
	sold := map[string][]string{}
	for _, sb := range s.Sandboxes {
		ids, err := sb.Admin.SellOrders(ctx, 3, "")
		if err != nil {
			t.Fatalf("%s sell: %v", sb.Shop, err)
		}
		sold[sb.Shop.String()] = ids
	}
	deadline := time.Now().Add(90 * time.Second)
	for {
		got := map[string]bool{}
		for _, o := range s.Receiver.Orders() {
			got[o.Key] = true
		}
		var missing []string
		for shop, ids := range sold {
			for _, id := range ids {
				if !got[shop+"/"+id] {
					missing = append(missing, shop+"/"+id)
				}
			}
		}
		if len(missing) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("orders not at the ERP %s after their sale, though each platform pushed: %v", 90*time.Second, missing)
		}
		time.Sleep(200 * time.Millisecond)
	}
	for _, sb := range s.Sandboxes {
		ps, err := sb.Admin.PushStats(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if ps.Sent == 0 {
			t.Errorf("%s pushed nothing the API acknowledged: %+v", sb.Shop, ps)
		}
	}
	// A forged message (no valid signature) is refused and logged.
	resp, err := hs.Client().Post(hs.URL+"/v1/push/douyin/"+s.Sandboxes[0].Shop.Shop, "application/json",
		strings.NewReader(`[{"tag":"100","msg_id":"1","data":"{\"p_id\":1}"}]`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 401 {
		t.Errorf("a forged Douyin message: HTTP %d, want 401", resp.StatusCode)
	}
}
