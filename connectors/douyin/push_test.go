package douyin_test

import (
	"crypto/md5"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/syncctl/syncctl/connectors"
	"github.com/syncctl/syncctl/connectors/douyin"
	"github.com/syncctl/syncctl/domain"
)

// A 订单创建 message as channels.md §5.7 and the SDK's TradeCreate show
// it; its event-sign, md5(app_key + body + app_secret), was computed
// outside Go. p_id has 19 digits: through float64 it would end in …880.
const (
	pushAppKey = "7001234567890123456"
	pushSecret = "2a6f1c3e-8b4d-4e2f-9a1b-3c5d7e9f0a12"
	pushBody   = `[{"tag":"100","msg_id":"7013874520127504942","data":"{\"biz\":2,\"create_time\":1700000000,\"order_status\":1,` +
		`\"order_type\":0,\"p_id\":6920371263492986882,\"s_ids\":[6920371263493052418],\"shop_id\":4463798}"}]`
	pushSign = "a8f5a431508fe2d9a7aa31b5783742fc"
)

func TestEventSignVectors(t *testing.T) {
	if got := douyin.EventSign("a", []byte("b"), "c"); got != "900150983cd24fb0d6963f7d28e17f72" {
		t.Errorf("md5(abc) = %s", got)
	}
	if got := douyin.EventSign(pushAppKey, []byte(pushBody), pushSecret); got != pushSign {
		t.Errorf("EventSign = %s, want %s", got, pushSign)
	}
}

func pushChannel(t testing.TB) connectors.PushReceiver {
	t.Helper()
	ch, err := douyin.New(connectors.ShopConfig{Channel: "douyin", Shop: "push", Gateway: "http://127.0.0.1:9",
		Credentials: map[string]connectors.Secret{"app_key": pushAppKey, "app_secret": pushSecret, "shop_id": "4463798"},
		Tokens:      &connectors.MemoryTokens{}})
	if err != nil {
		t.Fatal(err)
	}
	return ch.(connectors.PushReceiver)
}

// signed is a request as Douyin sends body: app-id and event-sign, the
// signature computed here from the doc's formula, apart from EventSign.
func signed(body string) connectors.PushRequest {
	sum := md5.Sum([]byte(pushAppKey + body + pushSecret))
	return connectors.PushRequest{Method: http.MethodPost, Body: []byte(body),
		Header: http.Header{"App-Id": {pushAppKey}, "Event-Sign": {hex.EncodeToString(sum[:])}}}
}

// msg is one message of a body; data is quoted as the JSON string it is.
func msg(tag, data string) string {
	return `{"tag":"` + tag + `","msg_id":"m` + tag + `","data":` + strconv.Quote(data) + `}`
}

func TestVerifyPush(t *testing.T) {
	ch := pushChannel(t)
	req := signed(pushBody)
	if got := req.Header.Get("Event-Sign"); got != pushSign {
		t.Fatalf("the test's own md5 %s, want %s", got, pushSign)
	}
	m, err := ch.VerifyPush(req)
	if err != nil {
		t.Fatal(err)
	}
	want := connectors.PushEvent{Kind: connectors.PushOrder, Topic: "100", MessageID: "7013874520127504942", PlatformOrderID: "6920371263492986882"}
	if len(m.Events) != 1 || m.Events[0] != want || string(m.Reply) != `{"code":0,"msg":"success"}` || m.ContentType != "application/json" {
		t.Fatalf("message %+v reply %s", m, m.Reply)
	}
	// Several messages in one request, ids as numbers or strings.
	body := "[" + strings.Join([]string{
		msg("101", `{"p_id":6920371263492986883,"s_ids":[1],"pay_amount":5990}`),
		msg("106", `{"p_id":"6920371263492986884","cancel_reason":"不想要了"}`),
		msg("206", `{"aftersale_id":7100000000000000001,"p_id":6920371263492986885,"s_id":6920371263492986886}`),
		msg("219", `{"p_id":6920371263492986887}`), // not in the table: after-sales by its family
		msg("103", `{"order_id":"6920371263492986888"}`),
		msg("102", `{"s_ids":[6920371263492986889]}`), // a sub-order id is not the order
		msg("400", `{"product_id":3472490447010721067,"shop_id":4463798}`),
		msg("0", `{}`),
		msg("999", `not json, not read`),
		`{"tag":105,"msg_id":8,"data":{"p_id":6920371263492986890}}`, // lenient: numbers, data as an object
	}, ",") + "]"
	m, err = ch.VerifyPush(signed(body))
	if err != nil {
		t.Fatal(err)
	}
	wantEvents := []connectors.PushEvent{
		{Kind: connectors.PushOrder, Topic: "101", MessageID: "m101", PlatformOrderID: "6920371263492986883"},
		{Kind: connectors.PushOrder, Topic: "106", MessageID: "m106", PlatformOrderID: "6920371263492986884"},
		{Kind: connectors.PushRefund, Topic: "206", MessageID: "m206", PlatformOrderID: "6920371263492986885"},
		{Kind: connectors.PushRefund, Topic: "219", MessageID: "m219", PlatformOrderID: "6920371263492986887"},
		{Kind: connectors.PushOrder, Topic: "103", MessageID: "m103", PlatformOrderID: "6920371263492986888"},
		{Kind: connectors.PushOrder, Topic: "102", MessageID: "m102"},
		{Kind: connectors.PushProduct, Topic: "400", MessageID: "m400"},
		{Kind: connectors.PushCheck, Topic: "0", MessageID: "m0"},
		{Kind: connectors.PushOther, Topic: "999", MessageID: "m999"},
		{Kind: connectors.PushOrder, Topic: "105", MessageID: "8", PlatformOrderID: "6920371263492986890"},
	}
	if len(m.Events) != len(wantEvents) {
		t.Fatalf("events %+v", m.Events)
	}
	for i, e := range m.Events {
		if e != wantEvents[i] {
			t.Errorf("event %d = %+v, want %+v", i, e, wantEvents[i])
		}
	}
}

func TestVerifyPushRefused(t *testing.T) {
	ch := pushChannel(t)
	with := func(mod func(*connectors.PushRequest)) connectors.PushRequest {
		r := signed(pushBody)
		r.Header = r.Header.Clone()
		mod(&r)
		return r
	}
	cases := map[string]struct {
		req  connectors.PushRequest
		code string
	}{
		"tampered body": {with(func(r *connectors.PushRequest) { r.Body = []byte(strings.Replace(pushBody, "2986882", "2986883", 1)) }), domain.EAuth},
		"tampered sign": {with(func(r *connectors.PushRequest) { r.Header.Set("Event-Sign", "0"+pushSign[1:]) }), domain.EAuth},
		"no sign":       {with(func(r *connectors.PushRequest) { r.Header.Del("Event-Sign") }), domain.EAuth},
		"no app-id":     {with(func(r *connectors.PushRequest) { r.Header.Del("App-Id") }), domain.EAuth},
		"other app":     {with(func(r *connectors.PushRequest) { r.Header.Set("App-Id", "7001234567890123457") }), domain.EAuth},
		"hmac method":   {with(func(r *connectors.PushRequest) { r.Header.Set("Sign-Method", "hmac-sha256") }), domain.EAuth},
		"GET":           {with(func(r *connectors.PushRequest) { r.Method = http.MethodGet }), domain.EInvalid},
		"not json":      {signed(`[{"tag":`), domain.EInvalid},
		"an object":     {signed(`{"tag":"100"}`), domain.EInvalid},
		"no message":    {signed(`[]`), domain.EInvalid},
		"empty":         {signed(``), domain.EInvalid},
		"no tag":        {signed(`[{"msg_id":"1","data":"{}"}]`), domain.EInvalid},
		"data array":    {signed("[" + msg("100", `[1]`) + "]"), domain.EInvalid},
		"data garbage":  {signed("[" + msg("200", `{"p_id":`) + "]"), domain.EInvalid},
		"data a number": {signed(`[{"tag":"100","data":5}]`), domain.EInvalid},
		"p_id a float":  {signed("[" + msg("100", `{"p_id":6.920371263492987e18}`) + "]"), domain.EInvalid},
		"p_id letters":  {signed("[" + msg("206", `{"p_id":"69x"}`) + "]"), domain.EInvalid},
		"p_id object":   {signed("[" + msg("101", `{"p_id":{}}`) + "]"), domain.EInvalid},
		"tag an object": {signed(`[{"tag":{},"data":"{}"}]`), domain.EInvalid},
	}
	for name, c := range cases {
		_, err := ch.VerifyPush(c.req)
		if domain.ErrorCode(err) != c.code {
			t.Errorf("%s: %v, want %s", name, err, c.code)
		}
		if err != nil && strings.Contains(err.Error(), pushSecret) {
			t.Errorf("%s: the secret leaks: %v", name, err)
		}
	}
	_, err := ch.VerifyPush(cases["p_id a float"].req)
	if !strings.Contains(err.Error(), "message 0 (tag 100), field data.p_id") {
		t.Errorf("the field is not named: %v", err)
	}
	// Header keys as a receiver may store them by hand, and an
	// upper-case signature with an explicit md5 method.
	r := signed(pushBody)
	r.Header = http.Header{"app-id": {pushAppKey}, "event-sign": {strings.ToUpper(pushSign)}, "sign-method": {"MD5"}}
	if _, err := ch.VerifyPush(r); err != nil {
		t.Errorf("lower-case header keys: %v", err)
	}
}

// FuzzVerifyPush: VerifyPush never panics; it answers a message or an
// EInvalid/EAuth error that keeps the secret; it accepts only a body its
// header signs, with an event a message and only digits as order ids.
func FuzzVerifyPush(f *testing.F) {
	f.Add([]byte(pushBody), true, "")
	f.Add([]byte(pushBody), false, pushSign)
	f.Add([]byte("["+msg("100", `{"p_id":1e400}`)+"]"), true, "")
	f.Add([]byte("["+msg("206", `{"p_id":"00","order_id":-1}`)+"]"), true, "")
	f.Add([]byte(`[{"tag":"0"},{"tag":null,"data":null}]`), true, "")
	f.Add([]byte(`[{"tag":"102","data":"\"{}\""}]`), true, "")
	f.Add([]byte{0xff, '[', ']'}, false, "00")
	ch := pushChannel(f)
	f.Fuzz(func(t *testing.T, body []byte, sign bool, got string) {
		req := connectors.PushRequest{Method: http.MethodPost, Header: http.Header{"App-Id": {pushAppKey}, "Event-Sign": {got}}, Body: body}
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
		if strings.ToLower(strings.TrimSpace(req.Header.Get("Event-Sign"))) != douyin.EventSign(pushAppKey, body, pushSecret) {
			t.Fatalf("accepted a body its header does not sign: %q", body)
		}
		if len(m.Events) == 0 || string(m.Reply) != douyin.PushReply {
			t.Fatalf("message %+v", m)
		}
		for _, e := range m.Events {
			if e.PlatformOrderID != "" && !domain.Digits(e.PlatformOrderID) {
				t.Fatalf("order id %q", e.PlatformOrderID)
			}
		}
	})
}
