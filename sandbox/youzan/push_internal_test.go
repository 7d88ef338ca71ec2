package youzan

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"
)

// TestEventSignVectors: md5("abc") split in three, and a push body whose
// md5 was computed outside Go (the connector's test keeps the same
// vector, written apart).
func TestEventSignVectors(t *testing.T) {
	if got := eventSign("a", []byte("b"), "c"); got != "900150983cd24fb0d6963f7d28e17f72" {
		t.Errorf("md5(abc) = %s", got)
	}
	body := `{"client_id":"9f2e4a1c7b3d5e60","id":"E20261201103000012345678","kdt_id":44001122,"kdt_name":"有赞沙箱店","mode":1,` +
		`"msg":"%7B%22tid%22%3A%22E20261201103000012345678%22%2C%22status%22%3A%22WAIT_SELLER_SEND_GOODS%22%7D","msg_id":"7d1c2e",` +
		`"root_kdt_id":44001122,"sendCount":0,"sign":"","status":"WAIT_SELLER_SEND_GOODS","test":false,"type":"trade_TradeBuyerPay","version":1764556260}`
	if got := eventSign("9f2e4a1c7b3d5e60", []byte(body), "4b1d0c9e8f7a6b5c4d3e2f1a0b9c8d7e"); got != "782bcb20c5f91b4ef8499df844989497" {
		t.Errorf("Event-Sign = %s", got)
	}
}

func TestPushAck(t *testing.T) {
	for body, want := range map[string]bool{`{"code":0,"msg":"success"}`: true, `{"code":"0"}`: true, `{"code":1,"msg":"fail"}`: false,
		`success`: false, `{}`: false, ``: false} {
		if pushAck(200, []byte(body)) != want {
			t.Errorf("%q: want %v", body, want)
		}
	}
	if pushAck(201, []byte(`{"code":0}`)) {
		t.Error("HTTP 201 acknowledges")
	}
}

// TestPushedMessages: a sale pushes trade_TradeCreate and
// trade_TradeBuyerPay, each signed by Event-Sign over the raw body, with
// msg URL-encoded JSON naming the tid.
func TestPushedMessages(t *testing.T) {
	var mu sync.Mutex
	got := map[string]map[string]any{}
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		sum := md5.Sum([]byte("cid" + string(body) + "csecret"))
		if r.Header.Get("Event-Sign") != hex.EncodeToString(sum[:]) || r.Method != http.MethodPost {
			t.Errorf("%s with Event-Sign %q", r.Method, r.Header.Get("Event-Sign"))
		}
		var m map[string]any
		d := json.NewDecoder(bytes.NewReader(body))
		d.UseNumber()
		if err := d.Decode(&m); err != nil {
			t.Error(err)
		}
		mu.Lock()
		got[m["type"].(string)] = m
		mu.Unlock()
		_, _ = io.WriteString(w, `{"code":0,"msg":"success"}`)
	}))
	defer recv.Close()
	s := New(Config{ClientID: "cid", ClientSecret: "csecret", KdtID: "44001122", Seed: 1, PushURL: recv.URL})
	defer s.Close()
	s.items[1] = &item{ID: 1, ItemNo: "P", Title: "T", Listed: true, SKUs: []*sku{{ID: 2, ItemNo: "P-1", Price: 1990, Quantity: 10}}}
	ids, err := s.SellOrders(1, "")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.Pusher().Drain(ctx); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	for typ, status := range map[string]string{MsgTradeCreate: StatusWaitPay, MsgTradeBuyerPay: StatusWaitSend} {
		m := got[typ]
		if m == nil || m["id"] != ids[0] || m["client_id"] != "cid" || m["status"] != status || m["kdt_id"] != json.Number("44001122") || m["test"] != false {
			t.Fatalf("%s: %v", typ, m)
		}
		msg, err := url.QueryUnescape(m["msg"].(string))
		var inner struct{ Tid string }
		if err != nil || json.Unmarshal([]byte(msg), &inner) != nil || inner.Tid != ids[0] {
			t.Fatalf("%s: msg %q", typ, m["msg"])
		}
	}
	if st := s.Pusher().Stats(); st.Sent != 2 || st.Refused != 0 {
		t.Fatalf("stats %+v", st)
	}
}
