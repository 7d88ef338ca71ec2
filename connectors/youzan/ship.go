package youzan

import (
	"context"
	"encoding/json"

	"github.com/syncctl/syncctl/domain"
	youzanmap "github.com/syncctl/syncctl/mapping/youzan"
)

// Ship sends youzan.logistics.online.confirm: the whole order, or the
// lines given as oids (Youzan ships whole lines; the order is read first so
// a line that is not there, or part of one, is refused before the call).
// The carrier goes through youzanmap.Carriers; a shipment with neither
// carrier nor tracking number is sent as no-express. It is never retried
// in-process: a second confirm of a shipped order is EConflict.
func (c *Channel) Ship(ctx context.Context, s domain.Shipment) error {
	whole := s
	whole.Lines = nil
	p, err := youzanmap.Confirm(whole, nil) // carrier and tracking number, before any call
	if err != nil {
		return err
	}
	if len(s.Lines) > 0 {
		raw, err := c.trade(ctx, s.PlatformOrderID)
		if err != nil {
			return err
		}
		o, err := youzanmap.DecodeOrder(c.shop, raw)
		if err != nil {
			return err
		}
		if p, err = youzanmap.Confirm(s, &o); err != nil {
			return err
		}
	}
	var r struct {
		IsSuccess bool `json:"is_success"`
	}
	if err := c.call(ctx, "youzan.logistics.online.confirm", p, &r); err != nil {
		return err
	}
	if !r.IsSuccess {
		return unavailable(nil, "youzan.logistics.online.confirm: order "+s.PlatformOrderID+": the answer is not is_success")
	}
	return nil
}

// trade reads one full_order_info with youzan.trade.get.
func (c *Channel) trade(ctx context.Context, tid string) (json.RawMessage, error) {
	var r struct {
		FullOrderInfo json.RawMessage `json:"full_order_info"`
	}
	if err := c.call(ctx, "youzan.trade.get", map[string]string{"tid": tid}, &r); err != nil {
		return nil, err
	}
	if len(r.FullOrderInfo) == 0 || string(r.FullOrderInfo) == "null" {
		return nil, unavailable(nil, "youzan.trade.get: the answer has no order "+tid)
	}
	return r.FullOrderInfo, nil
}
