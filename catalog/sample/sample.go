// Package sample embeds the demo catalog: made-up brands selling realistic
// Chinese retail goods (clothing, shoes, skincare, snacks, tea and coffee,
// home, phone accessories, baby goods) with one or two spec dimensions per
// product, EAN-13 barcodes, weights, costs and stock. The two files hold the
// same catalog in the two import formats (see catalog/FORMAT.md).
package sample

import _ "embed"

//go:generate go run ./gen .

//go:embed catalog.json
var catalogJSON []byte

//go:embed catalog.csv
var catalogCSV []byte

// JSON returns the sample catalog in the JSON import format.
func JSON() []byte { return catalogJSON }

// CSV returns the same catalog in the CSV import format.
func CSV() []byte { return catalogCSV }
