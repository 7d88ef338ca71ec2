package erp

import _ "embed"

// Schema is the JSON Schema (draft 2020-12) of the webhook body, the
// contract ERP engineers code against. A test checks that every field
// syncctl sends is in it and that what it requires is always sent.
//
//go:embed webhook.schema.json
var Schema []byte
