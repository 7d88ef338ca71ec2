package douyin_test

import (
	"context"
	"net/http/httptest"
	"testing"

	"github.com/syncctl/syncctl/sandbox/douyin"
	"github.com/syncctl/syncctl/sandbox/kit"
)

// The sandbox opens through its declaration, names a shop setup a
// connector can use, and answers the common admin API.
func TestPlatformAndAdmin(t *testing.T) {
	creds := douyin.Platform.NewCredentials()
	if len(creds["app_key"]) != 19 || creds["app_secret"] == "" || creds["shop_id"] == "" {
		t.Fatalf("credentials %v", creds)
	}
	sb, err := douyin.Platform.Open(kit.Config{Credentials: creds})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sb)
	defer func() { srv.Close(); _ = sb.Close() }()
	setup := douyin.Platform.Shop(srv.URL)
	if setup.Gateway != srv.URL || setup.Options["category_leaf_id"] == "" {
		t.Errorf("shop setup %+v", setup)
	}
	admin := kit.AdminClient{BaseURL: srv.URL}
	ctx := context.Background()
	if _, err := admin.SellOrders(ctx, 1, ""); err == nil {
		t.Error("sold an order from an empty shop")
	}
	if err := admin.CancelOrder(ctx, "6000000000000000001"); err == nil {
		t.Error("cancelled an unknown order")
	}
	if err := admin.Reset(ctx); err != nil {
		t.Fatal(err)
	}
	if items, err := admin.Items(ctx); err != nil || len(items) != 0 {
		t.Errorf("items %+v %v", items, err)
	}
}
