package wechat

import (
	"fmt"
)

// 优选联盟 as the sandbox keeps it: a pool of products promoters may pick,
// each with a commission ratio, and the 达人 who sell them.

// leagueRatioMax is the top of "推广佣金[0, 90]%". UNCONFIRMED: the ratio
// is taken as an integer percent (the field's own description and SKIT's
// model); the 机构/推客 APIs count millionths instead.
const leagueRatioMax = 90

// leagueMaxList is batchadd's "数量不超过20".
const leagueMaxList = 20

type leagueItem struct {
	ProductID string `json:"product_id"`
	Type      int    `json:"type"`
	Ratio     int    `json:"ratio"` // percent
	InfoID    string `json:"info_id,omitempty"`
	AddTime   int64  `json:"add_time"`
}

// Commission settlement statuses of commission_infos (UNCONFIRMED: the
// values of the talent commission-order callback: 20 未结算, 100 已结算,
// 200 取消结算).
const (
	settlePending   = 20
	settleCancelled = 200
)

// commissionTypeTalent is commission_infos[].type of a 达人. UNCONFIRMED:
// the enum (分账方类型) is not documented.
const commissionTypeTalent = 1

// promoter is the 达人 who sold a line and what the line owes them.
type promoter struct {
	TalentID string `json:"talent_id"`
	Nickname string `json:"nickname"`
	FinderID string `json:"finder_id"`
	Ratio    int    `json:"ratio"`
	Amount   int64  `json:"amount"` // 分
	Status   int    `json:"status"`
}

var talents = []struct{ id, nick, finder string }{
	{"talent_7f3a9c01", "穿搭小王", "sph7F3a9C01x"},
	{"talent_2b81de44", "居家好物分享官", "sph2B81dE44y"},
	{"talent_c05e1f7a", "每日测评君", "sphC05e1F7az"},
}

// promote draws the 达人 who sold paid 分 of a pool product.
func (s *Server) promote(it *leagueItem, paid int64) *promoter {
	t := talents[s.rnd.Intn(len(talents))]
	return &promoter{TalentID: t.id, Nickname: t.nick, FinderID: t.finder, Ratio: it.Ratio, Amount: paid * int64(it.Ratio) / 100, Status: settlePending}
}

// commission adds commission_infos and settle_info to order/get's
// order_detail when a 达人 sold a line of the order.
func (s *Server) commission(o *order, detail map[string]any) {
	infos := []map[string]any{}
	var predict int64
	for _, l := range o.Lines {
		p := l.Promoter
		if p == nil {
			continue
		}
		infos = append(infos, map[string]any{"sku_id": l.SKUID, "nickname": p.Nickname, "type": commissionTypeTalent, "status": p.Status,
			"amount": p.Amount, "finder_id": p.FinderID, "openfinderid": "", "talent_id": p.TalentID})
		if p.Status != settleCancelled {
			predict += p.Amount
		}
	}
	if len(infos) == 0 {
		return
	}
	detail["commission_infos"] = infos
	detail["settle_info"] = map[string]any{"predict_commission_fee": predict, "commission_fee": 0, "settle_time": 0}
}

type leagueKey struct {
	Type      int    `json:"type"`
	ProductID flexID `json:"product_id"`
	InfoID    flexID `json:"info_id"`
}

func (k leagueKey) check() *apiErr {
	switch {
	case k.Type < 1 || k.Type > 3:
		return errf(CodeLeagueType, "type类型错误 (%d)", k.Type)
	case k.ProductID == "":
		return errf(CodeLeagueArgs, "参数错误: product_id required")
	}
	return nil
}

// leagueAdd is league/item/batchadd: each product must exist and be listed
// (上架); the answer has one result per product. UNCONFIRMED: adding a
// product already in the pool sets its ratio again (the docs name no
// error for it).
func (s *Server) leagueAdd(body []byte) (map[string]any, *apiErr) {
	var in struct {
		Type int `json:"type"`
		List []struct {
			ProductID flexID `json:"product_id"`
			Ratio     *int   `json:"ratio"`
		} `json:"list"`
		FinderIDs   []string `json:"finder_ids"`
		PromoterIDs []string `json:"promoter_ids"`
	}
	if e := decode(body, &in); e != nil {
		return nil, e
	}
	switch {
	case in.Type < 1 || in.Type > 3:
		return nil, errf(CodeLeagueType, "type类型错误 (%d)", in.Type)
	case len(in.List) == 0:
		return nil, errf(CodeLeagueArgs, "参数错误: list is empty")
	case len(in.List) > leagueMaxList:
		return nil, errf(CodeLeagueTooMany, "操作数量超过限制 (%d > %d)", len(in.List), leagueMaxList)
	case in.Type > 1 && len(in.FinderIDs)+len(in.PromoterIDs) == 0:
		return nil, errf(CodeLeagueArgs, "参数错误: 定向/专属推广 need finder_ids or promoter_ids")
	}
	seen := map[flexID]bool{}
	for _, x := range in.List {
		if seen[x.ProductID] {
			return nil, errf(CodeLeagueDupProduct, "不允许相同product_id (%s)", x.ProductID)
		}
		seen[x.ProductID] = true
	}
	results := []map[string]any{}
	now := s.cfg.Now().Unix()
	for _, x := range in.List {
		id := string(x.ProductID)
		r := map[string]any{"errcode": 0, "errmsg": "ok", "product_id": id}
		p := s.products[id]
		switch {
		case p == nil:
			r["errcode"], r["errmsg"] = CodeLeagueNoProduct, "不存在该商品"
		case p.Status != statusListed:
			r["errcode"], r["errmsg"] = CodeLeagueNotListed, "该小店商品未上架"
		case x.Ratio == nil || *x.Ratio < 0 || *x.Ratio > leagueRatioMax:
			r["errcode"], r["errmsg"] = CodeLeagueArgs, fmt.Sprintf("参数错误: ratio must be 0 to %d", leagueRatioMax)
		default:
			it := s.pool[id]
			if it == nil {
				it = &leagueItem{ProductID: id, AddTime: now}
				s.pool[id] = it
			}
			it.Type, it.Ratio = in.Type, *x.Ratio
			if in.Type > 1 && it.InfoID == "" {
				it.InfoID = s.newID(8, 1e10)
			}
			if it.InfoID != "" {
				r["info_id"] = it.InfoID
			}
		}
		results = append(results, r)
	}
	return map[string]any{"result_info_list": results}, nil
}

func (s *Server) leagueItem(k leagueKey) (*leagueItem, *apiErr) {
	if e := k.check(); e != nil {
		return nil, e
	}
	it := s.pool[string(k.ProductID)]
	if it == nil || it.Type != k.Type {
		return nil, errf(CodeLeagueNoProduct, "不存在该商品")
	}
	return it, nil
}

func (s *Server) leagueGet(body []byte) (map[string]any, *apiErr) {
	var k leagueKey
	if e := decode(body, &k); e != nil {
		return nil, e
	}
	it, e := s.leagueItem(k)
	if e != nil {
		return nil, e
	}
	return map[string]any{"item": map[string]any{"type": it.Type, "product_id": it.ProductID, "ratio": it.Ratio, "status": 1}}, nil
}

// leagueUpdate is league/item/upd. UNCONFIRMED: operate_type 1 is 编辑
// (the enum was not in the docs seen); another value is a 参数错误.
func (s *Server) leagueUpdate(body []byte) (map[string]any, *apiErr) {
	var in struct {
		leagueKey
		OperateType int  `json:"operate_type"`
		Ratio       *int `json:"ratio"`
	}
	if e := decode(body, &in); e != nil {
		return nil, e
	}
	it, e := s.leagueItem(in.leagueKey)
	if e != nil {
		return nil, e
	}
	switch {
	case in.OperateType != 1:
		return nil, errf(CodeLeagueArgs, "参数错误: operate_type %d", in.OperateType)
	case in.Ratio == nil || *in.Ratio < 0 || *in.Ratio > leagueRatioMax:
		return nil, errf(CodeLeagueArgs, "参数错误: ratio must be 0 to %d", leagueRatioMax)
	}
	it.Ratio = *in.Ratio
	return map[string]any{"info_id": it.InfoID}, nil
}

func (s *Server) leagueDelete(body []byte) (map[string]any, *apiErr) {
	var k leagueKey
	if e := decode(body, &k); e != nil {
		return nil, e
	}
	if _, e := s.leagueItem(k); e != nil {
		return nil, e
	}
	delete(s.pool, string(k.ProductID))
	return nil, nil
}
