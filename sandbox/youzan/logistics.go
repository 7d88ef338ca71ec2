package youzan

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"time"
)

// expressCompanies is the sandbox's own copy of youzan.logistics.express.get:
// express id → name. 申通快递 = 1 is in public call samples; the rest are
// UNCONFIRMED (the same recollection of the platform's list the connector's
// mapping keeps, written here independently). An id not in the list is
// refused.
var expressCompanies = map[int]string{
	1:  "申通快递",
	2:  "圆通速递",
	3:  "中通快递",
	4:  "韵达快递",
	5:  "天天快递",
	6:  "百世快递",
	7:  "顺丰速运",
	8:  "邮政快递包裹",
	11: "EMS",
}

// CodeTradeState refuses a shipment of an order that is not waiting to
// ship, or of a line shipped already (UNCONFIRMED: no public source shows
// the code; one constant, the connector keeps the same).
const CodeTradeState = 40002

// flexInt is a param sent as a JSON number or a string of digits (public
// samples send out_stype and is_no_express as strings).
type flexInt struct {
	V   int
	Set bool
}

func (f *flexInt) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if string(b) == "null" || string(b) == `""` {
		return nil
	}
	var n json.Number
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		n = json.Number(s)
	} else if err := json.Unmarshal(b, &n); err != nil {
		return err
	}
	v, err := n.Int64()
	if err != nil {
		return &json.UnmarshalTypeError{Value: "string " + string(b), Type: reflect.TypeOf(0)}
	}
	f.V, f.Set = int(v), true
	return nil
}

// logisticsConfirm serves youzan.logistics.online.confirm 3.0.0: the
// seller ships the whole order, or the lines named in oids. When every
// line has shipped the order moves to WAIT_BUYER_CONFIRM_GOODS with its
// consign_time; either way its update_time moves on, so the next
// trades.sold.get by update time sees it.
func (s *Server) logisticsConfirm(body []byte) (any, *apiErr) {
	var p struct {
		Tid         string  `json:"tid"`
		IsNoExpress flexInt `json:"is_no_express"`
		OutStype    flexInt `json:"out_stype"`
		OutSid      string  `json:"out_sid"`
		Oids        string  `json:"oids"`
		OuterTid    string  `json:"outer_tid"`
	}
	if e := decode(body, &p); e != nil {
		return nil, e
	}
	if p.Tid == "" {
		return nil, invalid("tid", "required")
	}
	o := s.orders[p.Tid]
	if o == nil {
		return nil, errf(CodeNotFound, "tid %s: 订单不存在", p.Tid)
	}
	switch p.IsNoExpress.V {
	case 0:
		if !p.OutStype.Set {
			return nil, invalid("out_stype", "required unless is_no_express is 1")
		}
		if _, ok := expressCompanies[p.OutStype.V]; !ok {
			return nil, invalid("out_stype", "%d is not an express id of youzan.logistics.express.get", p.OutStype.V)
		}
		if strings.TrimSpace(p.OutSid) == "" {
			return nil, invalid("out_sid", "required unless is_no_express is 1")
		}
	case 1:
		if p.OutStype.Set || p.OutSid != "" {
			return nil, invalid("is_no_express", "1 takes neither out_stype nor out_sid")
		}
	default:
		return nil, invalid("is_no_express", "%d: 0 or 1", p.IsNoExpress.V)
	}
	if o.Status != StatusWaitSend {
		return nil, errf(CodeTradeState, "tid %s: 订单状态 %s 不能发货", p.Tid, o.Status)
	}
	if o.RefundAsked {
		return nil, errf(CodeTradeState, "tid %s: 订单维权中，不能发货", p.Tid)
	}
	var ship []int
	if p.Oids == "" {
		for i, l := range o.Lines {
			if !l.Shipped {
				ship = append(ship, i)
			}
		}
	} else {
		seen := map[string]bool{}
		for _, oid := range strings.Split(p.Oids, ",") {
			i := o.line(oid)
			switch {
			case i < 0:
				return nil, invalid("oids", "%q is not a line of tid %s", oid, p.Tid)
			case seen[oid]:
				return nil, invalid("oids", "%s appears twice", oid)
			case o.Lines[i].Shipped:
				return nil, errf(CodeTradeState, "oid %s of tid %s: 已发货", oid, p.Tid)
			}
			seen[oid] = true
			ship = append(ship, i)
		}
	}
	now := s.cfg.Now().Truncate(time.Second)
	for _, i := range ship {
		o.Lines[i].Shipped, o.Lines[i].ExpressID, o.Lines[i].TrackingNo = true, p.OutStype.V, p.OutSid
	}
	typ := MsgTradePartlyShip
	if o.allShipped() {
		o.Status, o.Consigned, typ = StatusWaitConfirm, now, MsgTradeSellerShip
	}
	o.Updated = later(o.Updated, now)
	s.pushTrade(o, typ, o.Status)
	return map[string]any{"is_success": true}, nil
}

func (o *order) line(oid string) int {
	for i, l := range o.Lines {
		if itoa(l.Oid) == oid {
			return i
		}
	}
	return -1
}

func (o *order) allShipped() bool {
	for _, l := range o.Lines {
		if !l.Shipped {
			return false
		}
	}
	return true
}
