// Package catalog reads and writes master-catalog files, CSV and JSON, with
// row-level validation: a bad row is reported as "row N, field F: reason" and
// skipped, the good rows are kept. FORMAT.md says the same with examples.
//
// # Errors
//
// [Parse] fails only when the file as a whole cannot be read: an empty file,
// a CSV header that is missing (a first line naming no column), has an
// unknown, unnamed or repeated column or lacks a required one, or JSON that
// is not well-formed or not shaped as {"products":[…]} / […]. Every other
// problem is a [domain.FieldError] in [Result.Rejected], one per problem (a
// row may have several), in file order.
//
// # Streaming
//
// Both formats are read a record at a time (JSON by its own tokenizer, which
// reads strings from their raw bytes and keeps none longer than the longest
// field; CSV through a guard that keeps encoding/csv from holding a huge
// value). [Import] checks the rows against the store a batch at a time (a
// SKU code of another product is the row's problem) and hands the products
// to one store transaction in batches ([store.ProductImport]): memory holds
// a batch and, per product and SKU seen, a few numbers, never the file. Rows
// of one CSV product may be anywhere: a product the import handed on already
// is merged with its later rows.
//
// # CSV
//
// UTF-8 (a leading BOM is ignored; GBK is reported as not UTF-8), comma
// separated, RFC 4180 quoting (a value with a comma, quote or line break is
// quoted). The first line is the header; columns may come in any order:
//
//	spu_code,title,brand,category,description,images,sku_code,specs,barcode,weight_g,cost,list_price,stock
//
// spu_code, title, sku_code and list_price are required; the other columns
// may be left out of the header. Any other column name is an error. There is
// one row per SKU; the product columns (spu_code, title, brand, category,
// description, images) repeat on each row of the product, and the rows of a
// product may be anywhere in the file. Product columns must agree across a
// product's rows: the first row whose product columns are valid sets them, a
// later row that disagrees is rejected naming the field.
//
// Export puts an apostrophe before a text value that starts with = + - @
// (or a tab or CR, after any apostrophes), which a spreadsheet would run as a
// formula; reading takes one off again, so values round-trip (see
// neutralise). Number columns are never prefixed.
//
//   - images: URLs separated by '|'.
//   - specs: name:value pairs separated by ';' ("颜色:红色;尺码:M").
//   - cost, list_price: yuan with at most 2 decimals ("59.90", "129", "0.5").
//   - stock, weight_g: whole numbers; empty means 0. An empty cost is 0.
//
// Every value is trimmed of surrounding white space, and empty items in
// images and specs (a trailing '|' or ';') are ignored. Rows whose values
// are all empty are skipped. A row with more or fewer values than the header
// is rejected. Records are "row N", N the line on which the row starts (the
// header is row 1), as a spreadsheet numbers it; fields are column names.
//
// # JSON
//
// UTF-8. The file is {"products":[…]} or a bare array of products:
//
//	{"code":"YS-TS-001","title":"…","brand":"…","category":"服装/男装/T恤","description":"…",
//	 "images":["https://…"],
//	 "skus":[{"code":"YS-TS-001-WHT-M","specs":[{"name":"颜色","value":"白色"},{"name":"尺码","value":"M"}],
//	          "barcode":"6931400000021","weight_g":220,"cost":"18.50","list_price":"59.90","stock":85}]}
//
// Money is a yuan string ("59.90"); a JSON number is accepted only when its
// text has at most 2 decimals and no exponent (59.9), and is read from its
// text, never through float64. stock and weight_g are whole numbers (bare or
// quoted). Absent and null mean empty / 0. Unknown fields are rejected, at
// every level. Strings are trimmed like CSV values. Records are "row N", N
// the product's 1-based position in the array, with "(sku CODE)" added for
// a SKU's problems when its code is valid; fields are paths with 1-based
// indexes: "skus[2].list_price", "images[1]". A product code that appears
// twice is an error on the later product; a key given twice in one object is
// an error naming the key, like an unknown key.
//
// # Rules
//
// [Validate] holds the rules both formats share (limits.go has the
// bounds): codes are 1–64 bytes of [A-Za-z0-9_.-]; a SKU code appears once
// in the file and belongs to no other product; title is required and at
// most 60 characters (runes), brand 60, category 120, description 100 000
// bytes; 0 < list_price ≤ 100 000 000.00, 0 ≤ cost ≤ the same (cost above
// list price is allowed), 0 ≤ stock ≤ 100 000 000, 0 ≤ weight_g ≤
// 1 000 000; at most 20 images of 1 024 bytes, 10 specs per SKU (names 30
// characters, values 60) and 600 SKUs per product; no text holds a control
// character, except line breaks and tabs in a description; barcode, if present, is
// 8–14 digits and, with 13 digits, has a valid EAN-13 check digit; images
// are http(s) URLs without '|' or white space; spec names and values are
// non-empty and contain none of ';' ':' '|', a name appears once per SKU,
// every SKU of a product has the same spec names in the same order as its
// first accepted SKU, and no two SKUs of a product have the same spec
// values; every text field is valid UTF-8 (the field is named, nothing is
// replaced).
//
// # Partial products
//
// A rejected row takes only its SKU out. A product keeps its accepted SKUs
// and is imported with those; a product-level problem (bad spu_code, title,
// images, …) rejects every row that carries it, and a product with no
// accepted SKU is not imported. [Result.Incomplete] names the products that
// lost rows, so the import merges them with the stored product instead of
// replacing it: a typo never deletes a live SKU. Importing the file again
// after fixing the rejected rows completes the product.
package catalog
