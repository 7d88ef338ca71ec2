package tmall_test

import (
	"bytes"
	"strconv"
	"strings"
	"testing"

	"github.com/syncctl/syncctl/catalog"
	"github.com/syncctl/syncctl/catalog/sample"
	sbtmall "github.com/syncctl/syncctl/sandbox/tmall"
)

// The TOP connector needs a sale-property id for every spec name: the
// sandbox shop's options name one for each spec in the sample catalog,
// all distinct, and the sign method explicitly.
func TestSandboxShopHasAPIDForEverySampleSpec(t *testing.T) {
	res, err := catalog.Parse(bytes.NewReader(sample.JSON()), catalog.FormatJSON)
	if err != nil {
		t.Fatal(err)
	}
	opts := sbtmall.Platform.Shop("http://127.0.0.1:1").Options
	if opts["sign_method"] == "" {
		t.Fatal("sign_method is not set")
	}
	byPID := map[string]string{}
	for k, v := range opts {
		if name, ok := strings.CutPrefix(k, "pid:"); ok {
			if _, err := strconv.ParseUint(v, 10, 64); err != nil {
				t.Errorf("pid of %s = %q, not numeric", name, v)
			}
			if other, dup := byPID[v]; dup {
				t.Errorf("pid %s is used for both %s and %s", v, other, name)
			}
			byPID[v] = name
		}
	}
	for _, p := range res.Products {
		for _, k := range p.SKUs {
			for _, sp := range k.Specs {
				if opts["pid:"+sp.Name] == "" {
					t.Fatalf("spec %q (sku %s) has no pid option", sp.Name, k.Code)
				}
			}
		}
	}
}
