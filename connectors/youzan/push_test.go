package youzan_test

import (
	"strings"
	"testing"

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
		string(p.Msg) != `{"tid":"E20261201103000012345678","status":"WAIT_SELLER_SEND_GOODS"}` {
		t.Fatalf("push = %+v (msg %s)", p, p.Msg)
	}
	for name, c := range map[string]struct{ id, secret, sign, body string }{
		"wrong secret": {pushClientID, "x", pushSign, pushBody},
		"wrong sign":   {pushClientID, pushSecret, "00" + pushSign[2:], pushBody},
		"other app":    {"other", pushSecret, youzan.EventSign("other", []byte(pushBody), pushSecret), pushBody},
		"not json":     {pushClientID, pushSecret, youzan.EventSign(pushClientID, []byte("x"), pushSecret), "x"},
	} {
		if _, err := youzan.ParsePush(c.id, c.secret, c.sign, []byte(c.body)); domain.ErrorCode(err) != domain.EInvalid || strings.Contains(err.Error(), c.secret) && c.secret != "x" {
			t.Errorf("%s: %v", name, err)
		}
	}
}
