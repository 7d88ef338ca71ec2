package kuaishou_test

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/syncctl/syncctl/sandbox/kuaishou"
)

const pushKey = "MDEyMzQ1Njc4OWFiY2RlZg==" // "0123456789abcdef"

// ksReceiver decrypts what it gets as the doc's sample receiver does (its
// own code) and answers answer.
type ksReceiver struct {
	answer string
	srv    *httptest.Server
	mu     sync.Mutex
	msgs   []map[string]any
	bad    []string
}

func newKSReceiver(t *testing.T, answer string) *ksReceiver {
	r := &ksReceiver{answer: answer}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		msg, why := decryptKS(body)
		if !strings.HasPrefix(req.Header.Get("Content-Type"), "text/plain") || req.Method != http.MethodPost {
			why = "not a text/plain POST"
		}
		r.mu.Lock()
		if why != "" {
			r.bad = append(r.bad, why)
		} else {
			r.msgs = append(r.msgs, msg)
		}
		r.mu.Unlock()
		_, _ = io.WriteString(w, r.answer)
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func decryptKS(body []byte) (map[string]any, string) {
	key, _ := base64.StdEncoding.DecodeString(pushKey)
	ct, err := base64.StdEncoding.DecodeString(string(body))
	if err != nil || len(ct) == 0 || len(ct)%16 != 0 {
		return nil, "body " + string(body)
	}
	block, _ := aes.NewCipher(key)
	cipher.NewCBCDecrypter(block, make([]byte, 16)).CryptBlocks(ct, ct)
	n := int(ct[len(ct)-1])
	if n < 1 || n > 16 || !bytes.Equal(ct[len(ct)-n:], bytes.Repeat([]byte{byte(n)}, n)) {
		return nil, "padding"
	}
	var m map[string]any
	d := json.NewDecoder(bytes.NewReader(ct[:len(ct)-n]))
	d.UseNumber()
	if err := d.Decode(&m); err != nil {
		return nil, "JSON"
	}
	return m, ""
}

func (r *ksReceiver) snapshot() ([]map[string]any, []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]map[string]any(nil), r.msgs...), append([]string(nil), r.bad...)
}

// The sandbox pushes a heartbeat to Config.PushURL, then every order change
// encrypted with the message key; an answer other than {"result":1} makes
// it resend.
func TestPushOrderChanges(t *testing.T) {
	r := newKSReceiver(t, `{"result":1}`)
	e := setup(t, func(c *kuaishou.Config) { c.MessagePrivateKey, c.PushURL = pushKey, r.srv.URL })
	stocked(e)
	e.sb.SetMix(kuaishou.Mix{})
	ids, err := e.sb.SellOrders(2, "")
	if err != nil {
		t.Fatal(err)
	}
	oid, _ := json.Number(ids[0]).Int64()
	e.ok("open.seller.order.goods.deliver", map[string]any{"orderId": oid, "expressNo": "SF1234567890", "expressCode": 4})
	if err := e.sb.RefundOrder(ids[1]); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := e.sb.Pusher().Drain(ctx); err != nil {
		t.Fatal(err)
	}
	msgs, bad := r.snapshot()
	if len(bad) > 0 {
		t.Fatalf("undecryptable: %v", bad)
	}
	got := map[string]bool{}
	for _, m := range msgs {
		if m["test"] == true {
			got["test"] = true
			continue
		}
		if m["appKey"] != "ks123" || m["eventId"] == "" {
			t.Errorf("message %v", m)
		}
		var info map[string]any
		d := json.NewDecoder(strings.NewReader(m["info"].(string)))
		d.UseNumber()
		if err := d.Decode(&info); err != nil {
			t.Fatalf("info %v: %v", m["info"], err)
		}
		order := info["oid"]
		if strings.HasPrefix(m["event"].(string), "kwaishop_aftersales_") {
			order = info["orderId"]
		}
		got[m["event"].(string)+" "+order.(json.Number).String()] = true
	}
	for _, want := range []string{"test", "kwaishop_order_addOrder " + ids[0], "kwaishop_order_paySuccess " + ids[0], "kwaishop_order_delivering " + ids[0],
		"kwaishop_order_paySuccess " + ids[1], "kwaishop_aftersales_addRefund " + ids[1], "kwaishop_order_orderFail " + ids[1]} {
		if !got[want] {
			t.Errorf("no %s in %v", want, got)
		}
	}
	if st := e.sb.Pusher().Stats(); st.Sent != len(msgs) || st.Refused != 0 {
		t.Errorf("stats %+v for %d messages", st, len(msgs))
	}

	wrong := newKSReceiver(t, `{"result":0}`)
	e.sb.Pusher().SetURL(wrong.srv.URL)
	e.sb.Heartbeat()
	deadline := time.Now().Add(5 * time.Second)
	for e.sb.Pusher().Stats().Refused < 2 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if st := e.sb.Pusher().Stats(); st.Refused < 2 {
		t.Errorf("a refused message was not resent: %+v", st)
	}
}

func TestPushKeyChecked(t *testing.T) {
	if _, err := kuaishou.Open(kuaishou.Config{AppKey: "ks1", MessagePrivateKey: "c2hvcnQ="}); err == nil || strings.Contains(err.Error(), "c2hvcnQ=") {
		t.Errorf("bad key: %v", err)
	}
	creds := kuaishou.Platform.NewCredentials()
	if k, err := base64.StdEncoding.DecodeString(creds["message_private_key"]); err != nil || len(k) != 16 {
		t.Errorf("message_private_key %q", creds["message_private_key"])
	}
}
