package store

// RemoveResult counts what RemoveProducts did.
type RemoveResult struct {
	Products int `json:"products"` // products removed from the catalog
	SKUs     int `json:"skus"`     // their SKUs
	// Listings counts the SKUs' listings on every shop that the next push
	// of each shop ends (delists the item).
	Listings int `json:"listings"`
}
