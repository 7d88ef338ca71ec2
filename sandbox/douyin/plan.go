package douyin

import (
	"encoding/json"
	"strconv"
	"strings"
)

// 精选联盟 普通计划 (/buyin/simplePlan): status 1 opens the plan of the
// listed products at cos_ratio (percent, 0 to 100, at most 2 decimals),
// status 0 closes it. is_create true adds a product to the plan, false
// changes one already there. Each product answers on its own in result[]
// with is_success and error_code. UNCONFIRMED: the status values and the
// per-product error codes were not seen in a source (channels.md §5.8);
// the connector keeps the same.
const (
	PlanClosed = 0
	PlanOpen   = 1

	PlanErrExists   = 1001 // is_create for a product already in the plan
	PlanErrNotFound = 1002 // an update of a product never in the plan
	PlanErrProduct  = 1003 // no such product, or not approved yet
	PlanErrRatio    = 1004 // cos_ratio outside 0 to 100
)

// DefaultCommissionBP is the commission of CPS orders of a product that
// never joined a plan: the shop's 通用计划, 10 %.
const DefaultCommissionBP = 1000

func (s *Server) simplePlan(body []byte) (any, *apiErr) {
	var in struct {
		IsCreate bool `json:"is_create"`
		Status   *int `json:"status"`
		Products []struct {
			ProductID flexID      `json:"product_id"`
			CosRatio  json.Number `json:"cos_ratio"`
		} `json:"products"`
	}
	if e := decode(body, &in); e != nil {
		return nil, e
	}
	switch {
	case len(in.Products) == 0:
		return nil, missing("products")
	case in.Status == nil:
		return nil, missing("status")
	case *in.Status != PlanOpen && *in.Status != PlanClosed:
		return nil, invalid("status", "must be %d or %d", PlanClosed, PlanOpen)
	}
	results := []map[string]any{}
	for _, it := range in.Products {
		res := map[string]any{"product_id": json.Number(it.ProductID), "is_success": true, "error_code": 0, "error_msg": ""}
		failed := func(code int, msg string) { res["is_success"], res["error_code"], res["error_msg"] = false, code, msg }
		p := s.products[string(it.ProductID)]
		if p != nil {
			s.review(p)
		}
		bp, ok := percentBP(it.CosRatio.String())
		switch {
		case p == nil || (p.Online == nil && *in.Status == PlanOpen):
			failed(PlanErrProduct, "商品不存在或未审核通过")
		case *in.Status == PlanOpen && (!ok || bp > 10000):
			failed(PlanErrRatio, "cos_ratio 须为 0~100")
		case in.IsCreate && p.PlanBP > 0:
			failed(PlanErrExists, "商品已在普通计划中")
		case !in.IsCreate && p.PlanBP == 0:
			failed(PlanErrNotFound, "商品不在普通计划中")
		case *in.Status == PlanOpen:
			p.PlanBP, p.PlanOpen = bp, true
		default:
			p.PlanOpen = false
		}
		results = append(results, res)
	}
	return map[string]any{"result": results, "total": len(results)}, nil
}

// percentBP parses a percent with at most 2 decimals ("12.5") into basis
// points (1250) without going through float64.
func percentBP(s string) (int, bool) {
	whole, frac, _ := strings.Cut(s, ".")
	if whole == "" || len(frac) > 2 {
		return 0, false
	}
	for len(frac) < 2 {
		frac += "0"
	}
	w, err1 := strconv.Atoi(whole)
	f, err2 := strconv.Atoi(frac)
	if err1 != nil || err2 != nil || w < 0 || f < 0 || w > 1000 {
		return 0, false
	}
	return w*100 + f, true
}
