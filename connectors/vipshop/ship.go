package vipshop

import (
	"context"
	"fmt"

	"github.com/syncctl/syncctl/domain"
	vipmap "github.com/syncctl/syncctl/mapping/vipshop"
)

// checkCarrier refuses a carrier the shop cannot ship with: the code
// vipmap.Carriers maps it to must be among getCarriers' answer, read once
// per connector and kept (a failed read is not kept). The table's codes
// beyond yuantong and yunda are UNCONFIRMED, so this is where a wrong one
// shows, naming both codes, before any ship call.
func (c *Channel) checkCarrier(ctx context.Context, s domain.Shipment, carrier vipmap.Carrier) error {
	c.carriersMu.Lock()
	defer c.carriersMu.Unlock()
	if c.carriers == nil {
		var list []struct {
			Code string `json:"carrier_code"`
		}
		if err := c.call(ctx, svcDelivery, "getCarriers", map[string]any{}, &list); err != nil {
			return err
		}
		known := map[string]bool{}
		for _, k := range list {
			known[k.Code] = true
		}
		c.carriers = known
	}
	if !c.carriers[carrier.Code] {
		return domain.Errorf(domain.EInvalid, "shipment of order %s, field carrier: %s maps to vipshop carrier_code %s (%s), which the shop's getCarriers does not list",
			s.PlatformOrderID, s.Carrier, carrier.Code, carrier.Name)
	}
	return nil
}

// shipOutcome is one ShipResult of ship's answer: the ship sent back and,
// on failure, the platform's reason.
type shipOutcome struct {
	Ship struct {
		OrderID vipmap.Str `json:"order_id"`
	} `json:"ship"`
	ResultDesc string `json:"result_desc"`
}

// shipResult is ship's answer (the IDL's ShipResponse): per ship, a
// ShipResult in success_data or in fail_data.
type shipResult struct {
	SuccessNum int           `json:"success_num"`
	Success    []shipOutcome `json:"success_data"`
	FailNum    int           `json:"fail_num"`
	FailData   []shipOutcome `json:"fail_data"`
}

// failDataCode is the domain code of a fail_data entry: EConflict.
// result_desc is free text with no code (UNCONFIRMED: no source lists its
// values), so the connector cannot tell the reasons apart. What it can
// check itself is refused before the call as EInvalid (carrier through
// getCarriers, tracking number, lines of the order); a refusal that still
// comes back is about the order's state on the platform (cancelled,
// shipped under another waybill, being cancelled): retrying the same
// shipment cannot help, an operator must look.
const failDataCode = domain.EConflict

// outcome reads ship's answer for one order: nil when success_data holds
// it, else an error naming the order and the platform's reason.
func (r shipResult) outcome(orderID string) error {
	for _, x := range r.Success {
		if string(x.Ship.OrderID) == orderID {
			return nil
		}
	}
	desc := ""
	for _, f := range r.FailData {
		if string(f.Ship.OrderID) == orderID || (desc == "" && f.Ship.OrderID == "") {
			desc = f.ResultDesc
		}
	}
	if desc == "" && r.SuccessNum == 1 && r.FailNum == 0 && len(r.Success) == 0 {
		return nil // success_num alone, as older answers give it
	}
	if desc == "" {
		desc = fmt.Sprintf("not in success_data (success_num %d, fail_num %d), no reason given", r.SuccessNum, r.FailNum)
	}
	return &domain.Error{Code: failDataCode, Platform: platformName, PlatformCode: "fail_data",
		Message: fmt.Sprintf("ship: order %s: %s", orderID, desc)}
}

// Ship sends ship for one order as one package: every line, or the lines
// given (a line is a SKU; quantity 0 is the whole line). Its carrier is
// mapped through vipmap.Carriers and checked against getCarriers. It is
// never retried in-process; a shipment the platform already holds with the
// same transport_no is done.
func (c *Channel) Ship(ctx context.Context, s domain.Shipment) error {
	carrier, err := vipmap.CarrierOf(s)
	if err != nil {
		return err
	}
	if s.TrackingNo == "" {
		return domain.Errorf(domain.EInvalid, "shipment of order %s, field tracking_no: required", s.PlatformOrderID)
	}
	if err := c.checkCarrier(ctx, s, carrier); err != nil {
		return err
	}
	o, err := c.GetOrder(ctx, s.PlatformOrderID)
	if err != nil {
		return err
	}
	type product struct {
		SKUID  string `json:"sku_id"`
		Amount int    `json:"amount"`
	}
	var products []product
	if len(s.Lines) == 0 {
		for _, l := range o.Lines {
			products = append(products, product{l.PlatformSKUID, l.Quantity})
		}
	}
	for _, sl := range s.Lines {
		found := false
		for _, l := range o.Lines {
			if l.PlatformLineID == sl.PlatformLineID {
				n := sl.Quantity
				if n == 0 {
					n = l.Quantity
				}
				products, found = append(products, product{l.PlatformSKUID, n}), true
			}
		}
		if !found {
			return domain.Errorf(domain.ENotFound, "vipshop order %s has no line %s to ship", s.PlatformOrderID, sl.PlatformLineID)
		}
	}
	ship := map[string]any{"order_id": s.PlatformOrderID, "carrier_code": carrier.Code, "carrier_name": carrier.Name, "package_type": 1,
		"packages": []any{map[string]any{"transport_no": s.TrackingNo, "package_product_list": products}}}
	var r shipResult
	if err := c.call(ctx, svcDelivery, "ship", map[string]any{"request": map[string]any{"ships": []any{ship}}}, &r); err != nil {
		return err
	}
	return r.outcome(s.PlatformOrderID)
}
