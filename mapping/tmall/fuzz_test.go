package tmallmap_test

import (
	"encoding/json"
	"os"
	"testing"

	"github.com/syncctl/syncctl/domain"
	"github.com/syncctl/syncctl/mapping/internal/fuzzcheck"
	tmallmap "github.com/syncctl/syncctl/mapping/tmall"
)

// FuzzOrder: whatever TOP sends as a trade, DecodeTrade never panics and
// either names the order and the field or maps an order that holds.
func FuzzOrder(f *testing.F) {
	var trades []string
	for _, name := range []string{"trade_fullinfo.json", "trade_refunded.json"} {
		b, err := os.ReadFile("testdata/" + name)
		if err != nil {
			f.Fatal(err)
		}
		var env struct {
			R struct {
				Trade json.RawMessage `json:"trade"`
			} `json:"trade_fullinfo_get_response"`
		}
		if err := json.Unmarshal(b, &env); err != nil {
			f.Fatal(err)
		}
		trades = append(trades, string(env.R.Trade))
	}
	head := `"status":"WAIT_SELLER_SEND_GOODS","created":"2026-11-24 10:00:00","modified":"2026-11-24 10:00:00","payment":"1.00",`
	seeds := []string{
		trades[0], trades[1],
		`{"tid":"3504329923814120473",` + head + `"orders":{"order":[{"oid":"3504329923814120474","num_iid":"600000000001","sku_id":9007199254740995,"num":1,"price":"1.00","outer_sku_id":"A"}]}}`,
		`{"tid":"3504329923814120473",` + head + `"orders":{"order":[{"oid":"3504329923814120474","num":1,"price":"1.00","refund_status":"WAIT_SELLER_AGREE","refund_id":230000000001234567}]}}`,
		`{"tid":3504329923814120475,` + head + `"orders":{"order":[{"oid":1,"num":"x"}]}}`,
		`{"tid":3504329923814120477,"orders":[1,2]}`,
		`{"tid":"3.5e18",` + head + `"orders":{"order":[{"oid":1,"num":1,"price":"9999999999999.99","total_fee":"-1"}]}}`,
	}
	for _, s := range seeds {
		for _, v := range fuzzcheck.Variants(s) {
			f.Add([]byte(v))
		}
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		fuzzcheck.Order(t, func() (domain.SalesOrder, error) { return tmallmap.DecodeTrade(shop, raw) })
	})
}
