package youzan_test

import (
	"crypto/md5"
	"encoding/hex"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/syncctl/syncctl/connectors"
	"github.com/syncctl/syncctl/connectors/youzan"
	"github.com/syncctl/syncctl/domain"
)

// Vectors computed from the doc's formula md5(client_id + body +
// client_secret): the RFC 1321 suite's md5("abc") split in three, and a
// trade_TradeBuyerPay body (its md5 computed outside Go).
const (
	pushClientID = "9f2e4a1c7b3d5e60"
	pushSecret   = "4b1d0c9e8f7a6b5c4d3e2f1a0b9c8d7e"
	pushBody     = `{"client_id":"9f2e4a1c7b3d5e60","id":"E20261201103000012345678","kdt_id":44001122,"kdt_name":"有赞沙箱店","mode":1,` +
		`"msg":"%7B%22tid%22%3A%22E20261201103000012345678%22%2C%22status%22%3A%22WAIT_SELLER_SEND_GOODS%22%7D","msg_id":"7d1c2e",` +
		`"root_kdt_id":44001122,"sendCount":0,"sign":"","status":"WAIT_SELLER_SEND_GOODS","test":false,"type":"trade_TradeBuyerPay","version":1764556260}`
	pushSign = "782bcb20c5f91b4ef8499df844989497"
)

func TestEventSignVectors(t *testing.T) {
	if got := youzan.EventSign("a", []byte("b"), "c"); got != "900150983cd24fb0d6963f7d28e17f72" {
		t.Errorf("md5(abc) = %s", got)
	}
	if got := youzan.EventSign(pushClientID, []byte(pushBody), pushSecret); got != pushSign {
		t.Errorf("EventSign = %s, want %s", got, pushSign)
	}
	if !youzan.VerifyEventSign(strings.ToUpper(pushSign), pushClientID, []byte(pushBody), pushSecret) {
		t.Error("an upper-case signature is refused")
	}
	if youzan.VerifyEventSign(pushSign, pushClientID, []byte(pushBody+" "), pushSecret) {
		t.Error("a changed body verifies")
	}
}

func TestParsePush(t *testing.T) {
	p, err := youzan.ParsePush(pushClientID, pushSecret, pushSign, []byte(pushBody))
	if err != nil {
		t.Fatal(err)
	}
	if p.Type != "trade_TradeBuyerPay" || p.ID != "E20261201103000012345678" || p.KdtID != "44001122" || p.Version != "1764556260" ||
		p.MsgID != "7d1c2e" || string(p.Msg) != `{"tid":"E20261201103000012345678","status":"WAIT_SELLER_SEND_GOODS"}` {
		t.Fatalf("push = %+v (msg %s)", p, p.Msg)
	}
	for name, c := range map[string]struct{ id, secret, sign, body, code string }{
		"wrong secret": {pushClientID, "x", pushSign, pushBody, domain.EAuth},
		"wrong sign":   {pushClientID, pushSecret, "00" + pushSign[2:], pushBody, domain.EAuth},
		"no sign":      {pushClientID, pushSecret, "", pushBody, domain.EAuth},
		"other app":    {"other", pushSecret, youzan.EventSign("other", []byte(pushBody), pushSecret), pushBody, domain.EAuth},
		"not json":     {pushClientID, pushSecret, youzan.EventSign(pushClientID, []byte("x"), pushSecret), "x", domain.EInvalid},
	} {
		_, err := youzan.ParsePush(c.id, c.secret, c.sign, []byte(c.body))
		if domain.ErrorCode(err) != c.code || strings.Contains(err.Error(), c.secret) && c.secret != "x" {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// pushChannel is a shop of app pushClientID; VerifyPush makes no call.
func pushChannel(t testing.TB) connectors.PushReceiver {
	t.Helper()
	ch, err := youzan.New(connectors.ShopConfig{Channel: "youzan", Shop: "push", Gateway: "http://127.0.0.1:9",
		Credentials: map[string]connectors.Secret{"client_id": pushClientID, "client_secret": pushSecret, "grant_id": "44001122"},
		Tokens:      &connectors.MemoryTokens{}})
	if err != nil {
		t.Fatal(err)
	}
	return ch.(connectors.PushReceiver)
}

// signed is a request as Youzan sends body, its Event-Sign computed here
// from the doc's formula, apart from the package's EventSign.
func signed(body string) connectors.PushRequest {
	sum := md5.Sum([]byte(pushClientID + body + pushSecret))
	return connectors.PushRequest{Method: http.MethodPost, Header: http.Header{"Event-Sign": {hex.EncodeToString(sum[:])}}, Body: []byte(body)}
}

// message is a push body of one type: msg is the URL-encoded JSON.
func message(typ, id, msg string, test bool) string {
	t := "false"
	if test {
		t = "true"
	}
	return `{"client_id":"` + pushClientID + `","id":"` + id + `","kdt_id":44001122,"kdt_name":"店","mode":1,"msg":"` +
		url.QueryEscape(msg) + `","msg_id":"m-` + typ + `","root_kdt_id":44001122,"sendCount":2,"sign":"","status":"",` +
		`"test":` + t + `,"type":"` + typ + `","version":1764556261}`
}

func TestVerifyPush(t *testing.T) {
	ch := pushChannel(t)
	m, err := ch.VerifyPush(signed(pushBody))
	if err != nil {
		t.Fatal(err)
	}
	want := connectors.PushEvent{Kind: connectors.PushOrder, Topic: "trade_TradeBuyerPay", MessageID: "7d1c2e", PlatformOrderID: "E20261201103000012345678"}
	if len(m.Events) != 1 || m.Events[0] != want || string(m.Reply) != `{"code":0,"msg":"success"}` || m.ContentType != "application/json" {
		t.Fatalf("message %+v reply %s", m, m.Reply)
	}
	const tid = "E20261201103000099999999"
	for _, c := range []struct {
		body string
		want connectors.PushEvent
	}{
		{message("trade_TradeCreate", tid, `{"tid":"`+tid+`"}`, false), connectors.PushEvent{Kind: connectors.PushOrder, PlatformOrderID: tid}},
		{message("trade_TradeClose", tid, "", false), connectors.PushEvent{Kind: connectors.PushOrder, PlatformOrderID: tid}},
		// A refund's id is not the order: the tid comes from msg.
		{message("trade_refund_RefundSuccess", "201812281432", `{"tid":"`+tid+`","refund_id":"201812281432","oids":"1"}`, false),
			connectors.PushEvent{Kind: connectors.PushRefund, PlatformOrderID: tid}},
		{message("trade_refund_BuyerCreated", tid, "not json", false), connectors.PushEvent{Kind: connectors.PushRefund, PlatformOrderID: tid}},
		{message("trade_refund_BuyerCreated", "77", "", false), connectors.PushEvent{Kind: connectors.PushRefund}},
		{message("item_ItemUpdate", "123", `{"item_id":123}`, false), connectors.PushEvent{Kind: connectors.PushProduct}},
		{message("trade_TradeCreate", tid, "", true), connectors.PushEvent{Kind: connectors.PushCheck}},
		{message("salesman_order_settle_state_update", "1", "{}", false), connectors.PushEvent{Kind: connectors.PushOther}},
	} {
		m, err := ch.VerifyPush(signed(c.body))
		if err != nil {
			t.Fatalf("%s: %v", c.body, err)
		}
		got := m.Events[0]
		if got.Kind != c.want.Kind || got.PlatformOrderID != c.want.PlatformOrderID || got.Topic == "" || got.MessageID != "m-"+got.Topic {
			t.Errorf("%s: event %+v, want %+v", c.body, got, c.want)
		}
	}
}

func TestVerifyPushRefused(t *testing.T) {
	ch := pushChannel(t)
	good := signed(pushBody)
	tampered := good
	tampered.Body = []byte(strings.Replace(pushBody, "E20261201103000012345678", "E20261201103000012345679", 1))
	badSign := good
	badSign.Header = http.Header{"Event-Sign": {"0" + pushSign[1:]}}
	noSign := good
	noSign.Header = http.Header{}
	otherApp := signed(strings.Replace(pushBody, pushClientID, "0000000000000000", 1))
	get := good
	get.Method = http.MethodGet
	for name, c := range map[string]struct {
		req  connectors.PushRequest
		code string
	}{
		"tampered body": {tampered, domain.EAuth},
		"tampered sign": {badSign, domain.EAuth},
		"no sign":       {noSign, domain.EAuth},
		"other app":     {otherApp, domain.EAuth},
		"GET":           {get, domain.EInvalid},
		"not json":      {signed(`{"client_id":`), domain.EInvalid},
		"json array":    {signed(`[]`), domain.EInvalid},
		"bad msg":       {signed(strings.Replace(pushBody, `"msg":"%7B`, `"msg":"%zz`, 1)), domain.EInvalid},
		"no type":       {signed(strings.Replace(pushBody, `"type":"trade_TradeBuyerPay"`, `"type":""`, 1)), domain.EInvalid},
		"id an object":  {signed(strings.Replace(pushBody, `"id":"E20261201103000012345678"`, `"id":{}`, 1)), domain.EInvalid},
		"empty":         {signed(""), domain.EInvalid},
	} {
		_, err := ch.VerifyPush(c.req)
		if domain.ErrorCode(err) != c.code {
			t.Errorf("%s: %v, want %s", name, err, c.code)
		}
		if err != nil && strings.Contains(err.Error(), pushSecret) {
			t.Errorf("%s: the secret leaks: %v", name, err)
		}
	}
	// A header map built by hand, lower-case.
	lower := good
	lower.Header = http.Header{"event-sign": good.Header["Event-Sign"]}
	if _, err := ch.VerifyPush(lower); err != nil {
		t.Errorf("a lower-case header key: %v", err)
	}
}

// FuzzVerifyPush: VerifyPush never panics; it answers a message or an
// EInvalid/EAuth error that keeps the secret; it accepts only a body its
// header signs, with one event and the acknowledgement.
func FuzzVerifyPush(f *testing.F) {
	f.Add([]byte(pushBody), true, "")
	f.Add([]byte(pushBody), false, pushSign)
	f.Add([]byte(message("trade_refund_RefundSuccess", "1", `{"tid":1e400}`, false)), true, "")
	f.Add([]byte(message("item_x", "1", "%", true)), true, "")
	f.Add([]byte(`{"client_id":"9f2e4a1c7b3d5e60","id":null,"kdt_id":"x","sendCount":1e99,"test":"yes"}`), true, "")
	f.Add([]byte(`[{"client_id":"9f2e4a1c7b3d5e60"}]`), true, "")
	f.Add([]byte{0xff, 0xfe}, false, "zz")
	ch := pushChannel(f)
	f.Fuzz(func(t *testing.T, body []byte, sign bool, got string) {
		req := connectors.PushRequest{Method: http.MethodPost, Header: http.Header{"Event-Sign": {got}}, Body: body}
		if sign {
			req = signed(string(body))
		}
		m, err := ch.VerifyPush(req)
		if err != nil {
			if c := domain.ErrorCode(err); c != domain.EInvalid && c != domain.EAuth || strings.Contains(err.Error(), pushSecret) {
				t.Fatalf("err = %v", err)
			}
			return
		}
		if !youzan.VerifyEventSign(req.Header.Get("Event-Sign"), pushClientID, body, pushSecret) {
			t.Fatalf("accepted a body its header does not sign: %q", body)
		}
		if len(m.Events) != 1 || string(m.Reply) != youzan.PushReply {
			t.Fatalf("message %+v", m)
		}
	})
}
