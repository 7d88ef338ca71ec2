package vipshop_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/syncctl/syncctl/domain"
)

// A ship the platform refuses in fail_data is EConflict naming the order
// and the platform's result_desc; the carrier is checked against the
// shop's getCarriers, read once per connector.
func TestShipRefusals(t *testing.T) {
	ctx := context.Background()
	e := open(t, nil, nil)
	e.listed(t)
	ids, err := e.admin.SellOrders(ctx, 3, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := e.admin.CancelOrder(ctx, ids[0]); err != nil {
		t.Fatal(err)
	}
	err = e.ch.Ship(ctx, domain.Shipment{PlatformOrderID: ids[0], Carrier: "YTO", TrackingNo: "YT7001234567890"})
	var de *domain.Error
	if domain.ErrorCode(err) != domain.EConflict || !strings.Contains(err.Error(), "order "+ids[0]) ||
		!strings.Contains(err.Error(), "订单状态不允许发货: 97") || !errors.As(err, &de) || de.PlatformCode != "fail_data" {
		t.Fatalf("a cancelled order: %v", err)
	}
	// Shipped under one waybill, another waybill is refused the same way.
	if err := e.ch.Ship(ctx, domain.Shipment{PlatformOrderID: ids[1], Carrier: "YTO", TrackingNo: "YT7001234567891"}); err != nil {
		t.Fatal(err)
	}
	if err := e.ch.Ship(ctx, domain.Shipment{PlatformOrderID: ids[1], Carrier: "YTO", TrackingNo: "YT7001234567892"}); domain.ErrorCode(err) != domain.EConflict ||
		!strings.Contains(err.Error(), "订单状态不允许发货: 22") {
		t.Fatalf("another waybill: %v", err)
	}
	if n := e.sb.Calls("getCarriers"); n != 1 {
		t.Fatalf("getCarriers read %d times, want once", n)
	}
}

// A shop whose carrier list lacks the mapped code is refused before ship,
// EInvalid naming the carrier; the list is read once per connector.
func TestShipCarrierNotEnabled(t *testing.T) {
	ctx := context.Background()
	e := open(t, nil, nil)
	e.listed(t)
	ids, err := e.admin.SellOrders(ctx, 1, "")
	if err != nil {
		t.Fatal(err)
	}
	e.sb.SetCarriers("yuantong", "yunda")
	err = e.ch.Ship(ctx, domain.Shipment{PlatformOrderID: ids[0], Carrier: "SF", TrackingNo: "SF1400012345678"})
	if domain.ErrorCode(err) != domain.EInvalid || !strings.Contains(err.Error(), "SF") || !strings.Contains(err.Error(), "shunfeng") ||
		!strings.Contains(err.Error(), "order "+ids[0]) || e.sb.Calls("ship") != 0 {
		t.Fatalf("carrier not enabled: %v (ship calls %d)", err, e.sb.Calls("ship"))
	}
	if err := e.ch.Ship(ctx, domain.Shipment{PlatformOrderID: ids[0], Carrier: "YUNDA", TrackingNo: "4312345678901"}); err != nil {
		t.Fatal(err)
	}
	if e.sb.Calls("getCarriers") != 1 || e.sb.Calls("ship") != 1 {
		t.Fatalf("getCarriers %d, ship %d", e.sb.Calls("getCarriers"), e.sb.Calls("ship"))
	}
}
