package youzan

import (
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"

	"github.com/syncctl/syncctl/sandbox/kit"
)

// Push messages (channels.md §2.7), written from the platform's side: one
// message a request, a POSTed JSON body {client_id, id, kdt_id, kdt_name,
// mode, msg (URL-encoded UTF-8 JSON), msg_id, root_kdt_id, sendCount,
// sign, status, test, type, version} with the header Event-Sign =
// md5(client_id + raw body + client_secret), lowercase hex. The order of
// messages is not kept (the Pusher sends each in the background, and
// resends a refused one), as Youzan warns: version orders messages of one
// type only.

// Message types the sandbox sends, when an order changes.
const (
	MsgTradeCreate       = "trade_TradeCreate"
	MsgTradeBuyerPay     = "trade_TradeBuyerPay"
	MsgTradeSellerShip   = "trade_TradeSellerShip"
	MsgTradePartlyShip   = "trade_TradePartlySellerShip"
	MsgTradeClose        = "trade_TradeClose"
	MsgRefundBuyerCreate = "trade_refund_BuyerCreated"
	MsgRefundSuccess     = "trade_refund_RefundSuccess"
)

// PushShopName is kdt_name in the messages.
const PushShopName = "有赞沙箱店"

// pushAck is whether the receiver acknowledged a message: HTTP 200 with a
// JSON body whose code is 0. UNCONFIRMED (channels.md §2.7 gives the
// reply as commonly {"code":0,"msg":"success"}, not as documented): the
// sandbox asks for it rather than any 2xx so that a receiver answering
// something else is seen retried, and the connector answers the same.
func pushAck(status int, body []byte) bool {
	if status != http.StatusOK {
		return false
	}
	var r struct {
		Code json.RawMessage `json:"code"`
	}
	if json.Unmarshal(body, &r) != nil {
		return false
	}
	c := string(bytes.TrimSpace(r.Code))
	return c == "0" || c == `"0"`
}

// Pusher implements kit.PushShop.
func (s *Server) Pusher() *kit.Pusher { return s.pusher }

// Close stops the generator, writes the state file and stops pushing.
func (s *Server) Close() error {
	err := s.Base.Close()
	s.pusher.Close()
	return err
}

// eventSign is Event-Sign: md5(client_id + body + client_secret).
func eventSign(clientID string, body []byte, secret string) string {
	h := md5.New()
	h.Write([]byte(clientID))
	h.Write(body)
	h.Write([]byte(secret))
	return hex.EncodeToString(h.Sum(nil))
}

// pushTrade sends a trade_* message about o (under s.mu: Send builds the
// request at once, from the order as it is now). msg carries the tid,
// status and update time (its full content per type is UNCONFIRMED).
func (s *Server) pushTrade(o *order, typ, status string) {
	s.pusher.Send(func() kit.PushRequest {
		msg := map[string]any{"tid": o.Tid, "status": status, "update_time": ymd(o.Updated)}
		return s.pushRequest(typ, o.Tid, status, o.Updated.Unix(), msg)
	})
}

// pushRefund sends a trade_refund_* message about o's full refund. Its id
// is the refund's (UNCONFIRMED: the sources name it only 业务消息的标识);
// the order's tid is in msg, as the public SDK's refund message has it.
func (s *Server) pushRefund(o *order, typ string) {
	s.pusher.Send(func() kit.PushRequest {
		var oids []string
		var fee int64
		for _, l := range o.Lines {
			oids = append(oids, itoa(l.Oid))
			fee += l.Payment
		}
		refundID := refundID(o)
		msg := map[string]any{"tid": o.Tid, "oids": strings.Join(oids, ","), "refund_id": refundID, "refunded_fee": json.Number(yuan(fee)),
			"refund_reason": "11", "refund_reason_desc": "不想要了", "refund_type": "REFUND_ONLY", "update_time": ymd(o.Updated)}
		return s.pushRequest(typ, refundID, o.Status, o.Updated.Unix(), msg)
	})
}

// refundID is the id of an order's full refund: digits, like the
// platform's.
func refundID(o *order) string { return "2" + o.Tid[1:] }

// pushRequest builds one message: the body, its Event-Sign, and what
// counts as its acknowledgement.
func (s *Server) pushRequest(typ, id, status string, version int64, msg any) kit.PushRequest {
	m, _ := json.Marshal(msg)
	encoded := url.QueryEscape(string(m))
	kdt := any(s.cfg.KdtID)
	if s.cfg.KdtID != "" && strings.Trim(s.cfg.KdtID, "0123456789") == "" {
		kdt = json.Number(s.cfg.KdtID)
	}
	body, _ := json.Marshal(map[string]any{
		"client_id": s.cfg.ClientID, "id": id, "kdt_id": kdt, "kdt_name": PushShopName, "mode": 1, "msg": encoded,
		"msg_id":      kit.RandHex(4) + "-" + kit.RandHex(2) + "-" + kit.RandHex(2) + "-" + kit.RandHex(2) + "-" + kit.RandHex(6),
		"root_kdt_id": kdt, "sendCount": 0,
		// The deprecated body sign, md5(client_id + msg + client_secret),
		// taken over msg as sent (URL-encoded; UNCONFIRMED).
		"sign":   eventSign(s.cfg.ClientID, []byte(encoded), s.cfg.ClientSecret),
		"status": status, "test": false, "type": typ, "version": version,
	})
	h := http.Header{}
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Event-Sign", eventSign(s.cfg.ClientID, body, s.cfg.ClientSecret))
	return kit.PushRequest{Header: h, Body: body, Accepted: pushAck}
}

// pushSold sends what a sale makes: the order created (waiting for pay)
// and paid, in two messages as the platform does.
func (s *Server) pushSold(o *order) {
	s.pushTrade(o, MsgTradeCreate, StatusWaitPay)
	s.pushTrade(o, MsgTradeBuyerPay, o.Status)
}
