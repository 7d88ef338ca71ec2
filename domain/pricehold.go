package domain

import (
	"fmt"
	"strings"
	"time"
)

// PriceGuard names a channel protection check a price write passes before
// it leaves syncctl (mapping/pricing implements them).
type PriceGuard string

// The price guards.
const (
	GuardFloor      PriceGuard = "floor"       // below cost margin or minimum advertised price
	GuardParity     PriceGuard = "parity"      // outside its band against a reference shop
	GuardChangeSize PriceGuard = "change_size" // a bigger step than configured in one write
)

// GuardAction is what a violation does to the write: held for approval or
// blocked. An approval lets a NeedsApproval write through, never a Block.
type GuardAction string

// Actions, weakest first.
const (
	GuardPass          GuardAction = ""
	GuardNeedsApproval GuardAction = "needs_approval"
	GuardBlock         GuardAction = "block"
)

// PriceViolation is one guard a price write fails, with what it is
// measured against, for the hold record and `syncctl prices explain`.
type PriceViolation struct {
	Guard  PriceGuard  `json:"guard"`
	Action GuardAction `json:"action"`
	SKU    string      `json:"sku"`
	Shop   ShopRef     `json:"shop"`  // the shop whose price is out of bounds
	Price  Money       `json:"price"` // that price
	Limit  Money       `json:"limit"` // the bound it crosses
	// Reference is the shop compared against (parity); ReferencePrice its
	// price (parity) or the price before the write (change size).
	Reference      ShopRef `json:"reference,omitzero"`
	ReferencePrice Money   `json:"reference_price,omitempty"`
	// Reason says which rule and why, in words: "floor.margin: 24.90 is
	// below 25.30 = cost 22.00 +15%".
	Reason string `json:"reason"`
}

// Error makes a violation usable as the reason a write failed.
func (v PriceViolation) Error() string {
	return fmt.Sprintf("%s %s on %s (%s): %s", v.Guard, v.Action, v.Shop, v.SKU, v.Reason)
}

// Verdict is the strongest action of the violations: Block if any blocks,
// else NeedsApproval if any, else Pass.
func Verdict(vs []PriceViolation) GuardAction {
	out := GuardPass
	for _, v := range vs {
		if v.Action == GuardBlock {
			return GuardBlock
		}
		if v.Action == GuardNeedsApproval {
			out = GuardNeedsApproval
		}
	}
	return out
}

// HoldStatus is where a held price write stands.
type HoldStatus string

// Hold statuses. Pending waits for an operator (its PriceApproval
// workflow's SyncStatus is awaiting-approval); the others are final.
const (
	HoldPending    HoldStatus = "awaiting-approval"
	HoldBlocked    HoldStatus = "blocked"    // a floor violation no approval may override: never sent
	HoldApproved   HoldStatus = "approved"   // approved and sent (or sent by the push it released)
	HoldRejected   HoldStatus = "rejected"   // an operator rejected it: never sent
	HoldExpired    HoldStatus = "expired"    // nobody answered in time: never sent
	HoldSuperseded HoldStatus = "superseded" // the catalog or the rules moved on: another price is due instead
)

// Final reports whether the hold is decided.
func (s HoldStatus) Final() bool { return s != HoldPending }

// PriceHold is a price write the guards held: recorded with its reasons
// before anything reaches the channel. One hold per shop, SKU and price:
// the same write held again is the same hold.
type PriceHold struct {
	ID          int64            `json:"id"`
	Shop        ShopRef          `json:"shop"`
	SKUCode     string           `json:"sku_code"`
	ProductCode string           `json:"product_code"`
	Old         Money            `json:"old"`   // what the shop shows now (0: never listed)
	Price       Money            `json:"price"` // the price held
	Violations  []PriceViolation `json:"violations"`
	Status      HoldStatus       `json:"status"`
	CreatedAt   time.Time        `json:"created_at"`
	ExpiresAt   time.Time        `json:"expires_at,omitzero"` // pending holds: when an unanswered one is decided by the configuration
	DecidedBy   string           `json:"decided_by,omitempty"`
	DecidedAt   time.Time        `json:"decided_at,omitzero"`
	Note        string           `json:"note,omitempty"` // the approver's reason, or why it was decided without one
}

// Action is the strongest action of the hold's violations.
func (h PriceHold) Action() GuardAction { return Verdict(h.Violations) }

// Reason is the hold's violations in one line, for a listing's last error.
func (h PriceHold) Reason() string {
	parts := make([]string, len(h.Violations))
	for i, v := range h.Violations {
		parts[i] = string(v.Guard) + ": " + v.Reason
	}
	return strings.Join(parts, "; ")
}

// Summary is what a listing shows while its price is held: "price 39.90
// held (approval #12): parity: …".
func (h PriceHold) Summary() string {
	what := fmt.Sprintf("approval #%d", h.ID)
	switch h.Status {
	case HoldBlocked:
		what = "blocked"
	case HoldPending:
	default:
		what = fmt.Sprintf("#%d %s", h.ID, h.Status)
	}
	return fmt.Sprintf("price %s held (%s): %s", h.Price.Yuan(), what, h.Reason())
}

// HoldDecision is an operator's answer to a pending hold.
type HoldDecision struct {
	Approve bool   `json:"approve"`
	By      string `json:"by"`
	Reason  string `json:"reason,omitempty"` // required to reject
}
