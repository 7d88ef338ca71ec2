package wechatmap_test

import (
	"strings"
	"testing"

	"github.com/syncctl/syncctl/domain"
	wechatmap "github.com/syncctl/syncctl/mapping/wechat"
)

func TestLeagueRatio(t *testing.T) {
	for bp, want := range map[int]int{100: 1, 2000: 20, 9000: 90} {
		if got, err := wechatmap.LeagueRatio("product 1", bp); err != nil || got != want {
			t.Errorf("LeagueRatio(%d) = %d %v, want %d", bp, got, err, want)
		}
	}
	for _, bp := range []int{0, -100, 1250, 9100} {
		_, err := wechatmap.LeagueRatio("product 10000029995861", bp)
		if domain.ErrorCode(err) != domain.EInvalid || !strings.Contains(err.Error(), "product 10000029995861, field commission_rate") {
			t.Errorf("LeagueRatio(%d): %v", bp, err)
		}
	}
}

// cpsBody is orderBody sold through 优选联盟: a 达人 promoted the white SKU
// at 20% (10980 分 paid → 2196 分), and the settlement is still pending.
var cpsBody = strings.Replace(orderBody, `"ext_info": {"customer_notes": "请尽快发货", "merchant_notes": ""}`,
	`"ext_info": {"customer_notes": "请尽快发货", "merchant_notes": "", "finder_id": "sphAbCdEf", "order_scene": 2},
    "commission_infos": [{"sku_id": "1380997701", "nickname": "穿搭小王", "type": 1, "status": 20, "amount": 2196,
      "finder_id": "sphAbCdEf", "openfinderid": "", "talent_id": "talent_7f3a9c"}],
    "settle_info": {"predict_commission_fee": 2196, "commission_fee": 0, "settle_time": 0}`, 1)

func TestDecodeOrderCPS(t *testing.T) {
	o, err := wechatmap.DecodeOrder(shop, []byte(cpsBody))
	if err != nil {
		t.Fatal(err)
	}
	want := domain.CPSInfo{PromoterID: "talent_7f3a9c", PromoterName: "穿搭小王", CommissionRate: 2000, Commission: 2196, Settlement: domain.SettlementPending}
	if o.Lines[0].CPS == nil || *o.Lines[0].CPS != want {
		t.Errorf("line CPS %+v, want %+v", o.Lines[0].CPS, want)
	}
	if o.Lines[1].CPS != nil {
		t.Errorf("the black SKU was not promoted: %+v", o.Lines[1].CPS)
	}
	if o.CPS == nil || *o.CPS != want {
		t.Errorf("order CPS %+v, want %+v", o.CPS, want)
	}
	// Settled: commission_fee wins, the prediction stays beside it; a
	// finder without talent_id is named by finder_id.
	settled := strings.NewReplacer(`"commission_fee": 0, "settle_time": 0`, `"commission_fee": 2190, "settle_time": 1796090400`,
		`"type": 1, "status": 20`, `"type": 1, "status": 100`, `"talent_id": "talent_7f3a9c"`, `"talent_id": ""`).Replace(cpsBody)
	o, err = wechatmap.DecodeOrder(shop, []byte(settled))
	if err != nil {
		t.Fatal(err)
	}
	wantOrder := domain.CPSInfo{PromoterID: "sphAbCdEf", PromoterName: "穿搭小王", CommissionRate: 1995, Commission: 2190, Estimated: 2196, Settlement: domain.SettlementSettled}
	wantLine := domain.CPSInfo{PromoterID: "sphAbCdEf", PromoterName: "穿搭小王", CommissionRate: 2000, Commission: 2196, Settlement: domain.SettlementSettled}
	if *o.CPS != wantOrder || *o.Lines[0].CPS != wantLine {
		t.Errorf("settled: order %+v line %+v", o.CPS, o.Lines[0].CPS)
	}
	// settle_info settled (settle_time) while the entry still says 20: settle_info wins for the order.
	late := strings.Replace(cpsBody, `"commission_fee": 0, "settle_time": 0`, `"commission_fee": 0, "settle_time": 1796090400`, 1)
	if o, err = wechatmap.DecodeOrder(shop, []byte(late)); err != nil || o.CPS.Settlement != domain.SettlementSettled || o.CPS.Commission != 2196 || o.CPS.Estimated != 0 {
		t.Errorf("settle_time only: %+v %v", o.CPS, err)
	}
	// A cancelled settlement (the buyer got a refund) owes nothing.
	cancelled := strings.Replace(cpsBody, `"type": 1, "status": 20`, `"type": 1, "status": 200`, 1)
	if o, err = wechatmap.DecodeOrder(shop, []byte(cancelled)); err != nil || o.CPS.Commission != 0 || o.Lines[0].CPS.Commission != 0 ||
		o.CPS.Settlement != domain.SettlementCancelled || o.Lines[0].CPS.Settlement != domain.SettlementCancelled {
		t.Errorf("cancelled: %+v %v", o.CPS, err)
	}
	// An undocumented status: the platform's word is not known.
	odd := strings.Replace(cpsBody, `"type": 1, "status": 20`, `"type": 1, "status": 7`, 1)
	if o, err = wechatmap.DecodeOrder(shop, []byte(odd)); err != nil || o.CPS.Settlement != "" || o.Lines[0].CPS.Settlement != "" || o.CPS.Commission != 2196 {
		t.Errorf("status 7: %+v %v", o.CPS, err)
	}
	for status, want := range map[int]domain.Settlement{20: domain.SettlementPending, 100: domain.SettlementSettled, 200: domain.SettlementCancelled, 7: ""} {
		if got := wechatmap.SettleStatus(status); got != want {
			t.Errorf("SettleStatus(%d) = %q, want %q", status, got, want)
		}
	}
}

// Two promoters of one SKU: one settled, one cancelled (a partial refund
// voided its share). The line is settled, the order too, and only the
// settled amount counts.
func TestDecodeOrderCPSTwoPromoters(t *testing.T) {
	body := strings.Replace(cpsBody, `"talent_id": "talent_7f3a9c"}]`, `"talent_id": "talent_7f3a9c"},
      {"sku_id": "1380997701", "nickname": "好物分享官", "type": 1, "status": 200, "amount": 549, "finder_id": "", "openfinderid": "", "talent_id": "talent_c01d"}]`, 1)
	body = strings.Replace(body, `"type": 1, "status": 20`, `"type": 1, "status": 100`, 1)
	o, err := wechatmap.DecodeOrder(shop, []byte(body))
	if err != nil {
		t.Fatal(err)
	}
	if l := o.Lines[0].CPS; l.Commission != 2196 || l.Settlement != domain.SettlementSettled || l.PromoterID != "talent_7f3a9c" {
		t.Errorf("line %+v", l)
	}
	if o.CPS.Settlement != domain.SettlementSettled || o.CPS.Commission != 2196 {
		t.Errorf("order %+v", o.CPS)
	}
}

func TestDecodeOrderCPSRefuses(t *testing.T) {
	cases := map[string]struct{ from, to, field string }{
		"foreign sku":     {`{"sku_id": "1380997701", "nickname"`, `{"sku_id": "99", "nickname"`, "commission_infos[0].sku_id"},
		"negative amount": {`"amount": 2196`, `"amount": -1`, "commission_infos[0].amount"},
		"no promoter":     {`"finder_id": "sphAbCdEf", "openfinderid": "", "talent_id": "talent_7f3a9c"`, `"finder_id": "", "talent_id": ""`, "commission_infos[0].talent_id"},
		"negative fee":    {`"predict_commission_fee": 2196`, `"predict_commission_fee": -5`, "settle_info.predict_commission_fee"},
	}
	for name, c := range cases {
		body := strings.Replace(cpsBody, c.from, c.to, 1)
		_, err := wechatmap.DecodeOrder(shop, []byte(body))
		if domain.ErrorCode(err) != domain.EInvalid || !strings.Contains(err.Error(), c.field) || !strings.Contains(err.Error(), "order 3704612354559743232") {
			t.Errorf("%s: %v", name, err)
		}
	}
}
