package douyin_test

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/syncctl/syncctl/sandbox/douyin"
)

// pushed is one message as a test receiver decoded it.
type pushed struct {
	tag  string
	data map[string]any // numbers as json.Number
}

// TestPushedMessages: a sold order is pushed as Douyin does — one
// request, a JSON array of 100 and 101 whose data is a JSON string naming
// the order by p_id (a 19-digit number), with app-id and an event-sign
// computed here from the doc's formula; a review's end is a 400; a
// receiver answering {"code":1,"msg":"fail"} gets the request again.
func TestPushedMessages(t *testing.T) {
	var mu sync.Mutex
	var got []pushed
	fail := true
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		sum := md5.Sum([]byte(appKey + string(body) + appSecret))
		if r.Header.Get("app-id") != appKey || r.Header.Get("event-sign") != hex.EncodeToString(sum[:]) {
			t.Errorf("headers %v", r.Header)
		}
		var msgs []struct{ Tag, MsgID, Data string }
		if err := json.Unmarshal(body, &msgs); err != nil || len(msgs) == 0 {
			t.Errorf("body %s: %v", body, err)
		}
		mu.Lock()
		defer mu.Unlock()
		if fail {
			fail = false
			_, _ = io.WriteString(w, `{"code":1,"msg":"fail"}`)
			return
		}
		for _, m := range msgs {
			d := json.NewDecoder(bytes.NewReader([]byte(m.Data)))
			d.UseNumber()
			var data map[string]any
			if err := d.Decode(&data); err != nil {
				t.Errorf("data %q: %v", m.Data, err)
			}
			got = append(got, pushed{m.Tag, data})
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"code":0,"msg":"success"}`)
	}))
	defer recv.Close()
	sb, c := setup(t, douyin.Config{ReviewDelay: time.Nanosecond, PushURL: recv.URL})
	c.call("product.addV2", addParams())
	c.clk.Advance(time.Second)
	ids, err := sb.SellOrders(1, "")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := sb.Pusher().Drain(ctx); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	tags := map[string]map[string]any{}
	for _, m := range got {
		tags[m.tag] = m.data
	}
	for _, tag := range []string{"100", "101"} {
		d := tags[tag]
		if d == nil || d["p_id"] != json.Number(ids[0]) || len(ids[0]) != 19 || d["shop_id"] != json.Number(shopID) {
			t.Errorf("tag %s: %v (order %s)", tag, d, ids[0])
		}
	}
	if d := tags["400"]; d == nil || d["product_id"] == nil {
		t.Errorf("no 400 at the review's end: %v", got)
	}
	if st := sb.Pusher().Stats(); st.Refused != 1 || st.Sent != 2 || st.Dropped != 0 {
		t.Errorf("stats %+v: one refusal, then both requests", st)
	}
}
