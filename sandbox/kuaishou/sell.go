package kuaishou

import (
	"fmt"
	"strconv"

	"github.com/syncctl/syncctl/sandbox/kit"
)

// Mix is what share (percent) of sold orders the buyer cancels before
// paying, pays and asks a refund for, and — for an item in an open
// distribution plan — comes through a distributor.
type Mix struct {
	CancelledPct int
	RefundingPct int
	CPSPct       int
}

// DefaultMix is the sandbox's order mix until SetMix.
var DefaultMix = Mix{CancelledPct: 5, RefundingPct: 5, CPSPct: 60}

// distributors are the promoters (达人) that sell planned items.
var distributors = func() []cps {
	names := []string{"带货达人小王", "美妆阿琳", "穿搭日记", "宝妈好物", "老李说数码", "吃货小胖", "健身Coco", "家居控", "学生党省钱", "山里的妞",
		"东北大鹅", "川妹子辣辣", "潮男阿杰", "职场丽丽", "萌宠一家", "户外老张", "读书的猫", "茶叶哥", "海边渔夫", "手作小铺"}
	out := make([]cps, len(names))
	for i, n := range names {
		out[i] = cps{DistributorID: 3649418105 + int64(i)*7919, Name: n}
	}
	return out
}()

// Distributors is how many distinct promoters sell CPS orders.
func Distributors() int { return len(distributors) }

// oidBase puts order ids beyond float64's exact integers, as the platform's are.
const oidBase = 2118200000000000000

type candidate struct {
	it *item
	k  *sku
}

// SellOrders implements kit.Shop: n orders of one unit of a listed SKU with
// stock (of skuOuterID when set), in the sandbox's Mix: most paid (taking
// stock), some cancelled unpaid (taking none), some paid with a refund
// requested, and those of an item in an open plan partly sold by one of
// ~20 distributors with the plan's commission. A burst of thousands is one
// lock and one state write.
func (s *Server) SellOrders(n int, skuOuterID string) ([]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var cands []candidate
	for _, id := range s.sortedItemIDs() {
		it := s.items[id]
		for _, k := range it.SKUs {
			if it.Shelf == 1 && k.Stock > 0 && (skuOuterID == "" || k.RelSKUID == skuOuterID) {
				cands = append(cands, candidate{it, k})
			}
		}
	}
	out := make([]string, 0, n)
	now := s.cfg.Now().UnixMilli()
	for len(out) < n && len(cands) > 0 {
		i := s.rnd.Intn(len(cands))
		c := cands[i]
		o := &order{Oid: oidBase + s.newID(), Status: StatusPaid, Created: now, Updated: now, Paid: now, ItemID: c.it.ID, SKUID: c.k.ID,
			RelItemID: c.it.RelItemID, RelSKUID: c.k.RelSKUID, Nick: c.k.Nick, Title: c.it.Title, Num: 1, Price: c.k.SalePrice,
			Buyer: "f" + kit.RandHex(6)}
		roll := s.rnd.Intn(100)
		switch {
		case roll < s.mix.CancelledPct:
			o.Status, o.Paid = StatusClosed, 0 // closed unpaid: its stock was never taken
		default:
			c.k.Stock--
			if c.k.Stock == 0 {
				cands[i] = cands[len(cands)-1]
				cands = cands[:len(cands)-1]
			}
			if roll < s.mix.CancelledPct+s.mix.RefundingPct {
				s.startRefund(o)
			}
		}
		if pl := s.planOf(c.it.ID); pl != nil && pl.Status == PlanOpen && s.rnd.Intn(100) < s.mix.CPSPct {
			d := distributors[s.rnd.Intn(len(distributors))]
			paid := o.total() - o.ExpressFee
			d.RatePermille, d.Amount = pl.RatePct*10, paid*int64(pl.RatePct)/100 // the commission rounds down to the 分
			o.CPS = &d
		}
		s.orders[o.Oid] = o
		s.pushSold(o)
		out = append(out, strconv.FormatInt(o.Oid, 10))
	}
	if len(out) > 0 {
		s.Persist.Changed()
	}
	if len(out) < n {
		return out, fmt.Errorf("created %d of %d orders: no listed SKU with stock left to sell", len(out), n)
	}
	return out, nil
}

// SetMix sets the share of cancelled, refunding and CPS orders sold from now on.
func (s *Server) SetMix(m Mix) {
	s.mu.Lock()
	s.mix = m
	s.mu.Unlock()
}
