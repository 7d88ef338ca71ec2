// Package sample embeds the demo catalog: realistic Chinese retail goods
// (clothing, shoes, skincare, food, home, phone accessories, baby goods)
// with several spec dimensions, EAN-13 barcodes, costs and stock.
// Regenerate with `go run ./catalog/sample/gen`.
package sample

import _ "embed"

//go:embed catalog.json
var catalogJSON []byte

//go:embed catalog.csv
var catalogCSV []byte

// JSON returns the sample catalog in the JSON import format.
func JSON() []byte { return catalogJSON }

// CSV returns the same catalog in the CSV import format.
func CSV() []byte { return catalogCSV }
