package youzanmap

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/syncctl/syncctl/domain"
)

// Platform is the channel id errors and carrier lookups name.
const Platform = "youzan"

// Carriers maps syncctl's carrier codes (domain.Carriers) to Youzan's
// express ids, the out_stype of youzan.logistics.online.confirm (the id
// list of youzan.logistics.express.get, {"id","name","display"}).
// 申通快递 = 1 is seen in public call samples of express.get and
// online.confirm; the other ids are UNCONFIRMED (recalled from the
// express.get list, not seen in a public source). JD, JTSD and DBKD are
// left out: no public source names their ids, and a wrong id would ship
// under another carrier's name; domain.CarrierCode refuses them, naming
// the field. Read youzan.logistics.express.get for the shop to confirm or
// add entries. sandbox/youzan keeps its own copy of the list.
var Carriers = map[string]int{
	"STO":   1,
	"YTO":   2,  // UNCONFIRMED
	"ZTO":   3,  // UNCONFIRMED
	"YUNDA": 4,  // UNCONFIRMED
	"SF":    7,  // UNCONFIRMED
	"POSTB": 8,  // UNCONFIRMED (邮政快递包裹)
	"EMS":   11, // UNCONFIRMED
}

// ConfirmParams are youzan.logistics.online.confirm's params (3.0.0).
// A split shipment names its lines in oids (comma separated); no oids
// ships every line not shipped yet.
type ConfirmParams struct {
	Tid         string `json:"tid"`
	IsNoExpress int    `json:"is_no_express"`       // 1: no parcel (无需物流)
	OutStype    string `json:"out_stype,omitempty"` // express id, digits
	OutSid      string `json:"out_sid,omitempty"`   // tracking number
	Oids        string `json:"oids,omitempty"`
}

// MaxTrackingNo bounds out_sid (UNCONFIRMED: ours, as no limit is
// documented).
const MaxTrackingNo = 64

// Confirm builds the params of a shipment. A shipment without carrier and
// tracking number is sent as no-express. With lines it needs the order (as
// youzan.trade.get maps it): Youzan ships whole lines (oids), so a line
// must exist and its quantity be 0 or the whole line. Errors are EInvalid
// naming the order and the field.
func Confirm(s domain.Shipment, order *domain.SalesOrder) (ConfirmParams, error) {
	rec := "shipment of order " + s.PlatformOrderID
	p := ConfirmParams{Tid: s.PlatformOrderID}
	if !validTid(s.PlatformOrderID) {
		return p, invalid(rec, "platform_order_id", fmt.Sprintf("%q is not an E-prefixed order number", s.PlatformOrderID))
	}
	switch {
	case s.Carrier == "" && s.TrackingNo == "":
		p.IsNoExpress = 1
	default:
		id, err := domain.CarrierCode(Platform, Carriers, s)
		if err != nil {
			return p, err
		}
		if s.TrackingNo == "" || len(s.TrackingNo) > MaxTrackingNo || strings.ContainsAny(s.TrackingNo, ", \t\r\n") {
			return p, invalid(rec, "tracking_no", fmt.Sprintf("%q: want 1 to %d characters without spaces or commas", s.TrackingNo, MaxTrackingNo))
		}
		p.OutStype, p.OutSid = strconv.Itoa(id), s.TrackingNo
	}
	if len(s.Lines) == 0 {
		return p, nil
	}
	if order == nil || order.PlatformOrderID != s.PlatformOrderID {
		return p, invalid(rec, "lines", "a split shipment needs the order read back")
	}
	oids := make([]string, 0, len(s.Lines))
	seen := map[string]bool{}
	for i, l := range s.Lines {
		field := fmt.Sprintf("lines[%d]", i)
		var line *domain.OrderLine
		for j := range order.Lines {
			if order.Lines[j].PlatformLineID == l.PlatformLineID {
				line = &order.Lines[j]
			}
		}
		switch {
		case line == nil:
			return p, &domain.Error{Code: domain.ENotFound, Platform: Platform,
				Message: fmt.Sprintf("%s, field %s.platform_line_id: the order has no line %q", rec, field, l.PlatformLineID)}
		case seen[l.PlatformLineID]:
			return p, invalid(rec, field+".platform_line_id", fmt.Sprintf("line %s appears twice", l.PlatformLineID))
		case l.Quantity != 0 && l.Quantity != line.Quantity:
			return p, invalid(rec, field+".quantity", fmt.Sprintf("%d of %d: Youzan ships whole lines (oids), not part of one", l.Quantity, line.Quantity))
		}
		seen[l.PlatformLineID] = true
		oids = append(oids, l.PlatformLineID)
	}
	p.Oids = strings.Join(oids, ",")
	return p, nil
}
