package domain

import "time"

// ReservationStatus is where a live-stream reservation stands.
type ReservationStatus string

// Reservation statuses.
const (
	ReservationOpen     ReservationStatus = "open"     // holds its units from From until Until
	ReservationReleased ReservationStatus = "released" // over: its remaining units went back to every shop
)

// StockReservation dedicates units of a SKU to one shop for a window (a
// live stream): from From until Until the other shops see that much less,
// and the shop's own orders consume it first. At Until (or an early
// release) what is left goes back.
type StockReservation struct {
	ID         int64             `json:"id"`
	Shop       ShopRef           `json:"shop"`
	SKUCode    string            `json:"sku_code"`
	Units      int               `json:"units"`
	Consumed   int               `json:"consumed"` // units the shop's orders in the window took
	From       time.Time         `json:"from"`
	Until      time.Time         `json:"until"`
	Status     ReservationStatus `json:"status"`
	By         string            `json:"by,omitempty"`
	CreatedAt  time.Time         `json:"created_at"`
	ReleasedAt time.Time         `json:"released_at,omitzero"`
}

// Remaining is what the reservation still holds back for its shop.
func (r StockReservation) Remaining() int { return max(r.Units-r.Consumed, 0) }
