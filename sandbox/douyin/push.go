package douyin

import (
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/syncctl/syncctl/sandbox/kit"
)

// Push messages (channels.md §5.7), written from the platform's side: a
// POSTed JSON array of messages {"tag","msg_id","data"} where data is a
// JSON string, with the headers app-id (the app_key) and event-sign =
// md5(app_key + raw body + app_secret), lowercase hex. A change that the
// platform tells in several messages (an order sold: created, then paid)
// goes in one request; messages are sent in the background and resent
// when refused, so their order is not kept.

// Tags the sandbox sends (zsmhub/doudian-sdk message/*.go).
const (
	TagOrderCreated  = "100" // 订单创建
	TagOrderPaid     = "101" // 订单支付/确认
	TagOrderShipped  = "102" // 卖家发货
	TagOrderDone     = "103" // 交易完成
	TagOrderCanceled = "106" // 订单取消
	TagRefundAsked   = "200" // 买家发起售后申请
	TagRefundDone    = "206" // 退款成功
	TagProduct       = "400" // 商品变更
)

// pushAck is whether the receiver acknowledged a request: a JSON answer
// whose code is 0 ({"code":0,"msg":"success"}; {"code":1,"msg":"fail"}
// asks for it again). The HTTP status is not required to be 200: the
// sources only show the body (UNCONFIRMED), but it must be 2xx.
func pushAck(status int, body []byte) bool {
	if status/100 != 2 {
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

// eventSign is event-sign: md5(app_key + body + app_secret), lowercase hex.
func eventSign(appKey string, body []byte, secret string) string {
	h := md5.New()
	h.Write([]byte(appKey))
	h.Write(body)
	h.Write([]byte(secret))
	return hex.EncodeToString(h.Sum(nil))
}

// pushMsg is one message of a request: its tag and data.
type pushMsg struct {
	tag  string
	data map[string]any
}

// push sends msgs in one request. Call it under s.mu: Send builds the
// request at once (when a receiver is subscribed), from the state as it
// is now.
func (s *Server) push(msgs ...pushMsg) {
	s.pusher.Send(func() kit.PushRequest {
		arr := make([]map[string]string, 0, len(msgs))
		for _, m := range msgs {
			data, _ := json.Marshal(m.data)
			arr = append(arr, map[string]string{"tag": m.tag, "msg_id": digits(19), "data": string(data)})
		}
		body, _ := json.Marshal(arr)
		h := http.Header{}
		h.Set("Content-Type", "application/json")
		h.Set("app-id", s.cfg.AppKey)
		h.Set("event-sign", eventSign(s.cfg.AppKey, body, s.cfg.AppSecret))
		return kit.PushRequest{Header: h, Body: body, Accepted: pushAck}
	})
}

// number writes an id as the platform does in message data: a JSON number
// (19 digits for orders: beyond float64), a string if it is not digits.
func number(id string) any {
	if id != "" && strings.Trim(id, "0123456789") == "" {
		return json.Number(id)
	}
	return id
}

// orderMsg is a message about an order with the fields every order
// message of the SDK has (biz, order_status, order_type, p_id, s_ids,
// shop_id) and extra.
func (s *Server) orderMsg(tag string, o *order, extra map[string]any) pushMsg {
	sids := make([]any, 0, len(o.Lines))
	for _, l := range o.Lines {
		sids = append(sids, number(l.ID))
	}
	d := map[string]any{"biz": 2, "order_status": o.Status, "order_type": 0, "p_id": number(o.ID), "s_ids": sids,
		"shop_id": number(s.cfg.ShopID), "update_time": o.UpdateTime}
	for k, v := range extra {
		d[k] = v
	}
	return pushMsg{tag, d}
}

// refundMsgs are after-sales messages about every line of o: the SDK's
// RefundCreated / RefundSuccess fields (aftersale_type 1 = refund only,
// aftersale_status values UNCONFIRMED: 6 asked, 12 refunded).
func (s *Server) refundMsgs(tag string, o *order) []pushMsg {
	status := 6
	if tag == TagRefundDone {
		status = 12
	}
	var out []pushMsg
	for _, l := range o.Lines {
		d := map[string]any{"aftersale_id": number(digits(19)), "aftersale_status": status, "aftersale_type": 1, "p_id": number(o.ID),
			"s_id": number(l.ID), "shop_id": number(s.cfg.ShopID), "refund_amount": l.Pay, "refund_post_amount": 0, "reason_code": 1,
			"apply_time": o.UpdateTime}
		if tag == TagRefundDone {
			d["success_time"] = o.UpdateTime
		}
		out = append(out, pushMsg{tag, d})
	}
	return out
}

// pushSold tells a sale: the order created, then paid.
func (s *Server) pushSold(o *order) {
	var pay int64
	for _, l := range o.Lines {
		pay += l.Pay
	}
	s.push(s.orderMsg(TagOrderCreated, o, map[string]any{"create_time": o.CreateTime, "order_status": 1}),
		s.orderMsg(TagOrderPaid, o, map[string]any{"pay_amount": pay + o.Post, "pay_time": o.PayTime, "pay_type": 1}))
}

// pushProduct tells a review's end (商品变更; the SDK's event codes are
// not known, so none is sent).
func (s *Server) pushProduct(p *product, at int64, reason string) {
	s.push(pushMsg{TagProduct, map[string]any{"product_id": number(p.ID), "shop_id": number(s.cfg.ShopID), "update_time": at,
		"check_reject_reason": reason}})
}
