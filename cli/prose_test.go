package cli_test

import (
	"go/ast"
	"go/types"
	"testing"

	"golang.org/x/tools/go/packages"
)

// No user-facing message prints a list as a Go slice ("[a b c]"): every
// fmt call (and domain.Errorf) in the packages that talk to operators is
// checked for an argument that is a slice or an array; lists go through
// domain.List (prose: "a, b and c").
func TestNoMessagePrintsAGoSlice(t *testing.T) {
	if testing.Short() {
		t.Skip("type-checks five packages")
	}
	cfg := &packages.Config{Mode: packages.NeedName | packages.NeedFiles | packages.NeedSyntax | packages.NeedTypes | packages.NeedTypesInfo, Dir: ".."}
	pkgs, err := packages.Load(cfg, "./cli", "./config", "./app", "./platforms", "./stack")
	if err != nil {
		t.Fatal(err)
	}
	printing := map[string]bool{"Errorf": true, "Sprintf": true, "Printf": true, "Fprintf": true, "Sprint": true,
		"Sprintln": true, "Print": true, "Println": true, "Fprint": true, "Fprintln": true}
	for _, p := range pkgs {
		for _, e := range p.Errors {
			t.Fatalf("%s: %v", p.PkgPath, e)
		}
		for _, f := range p.Syntax {
			ast.Inspect(f, func(n ast.Node) bool {
				call, ok := n.(*ast.CallExpr)
				if !ok {
					return true
				}
				sel, ok := call.Fun.(*ast.SelectorExpr)
				if !ok || !printing[sel.Sel.Name] {
					return true
				}
				fn, ok := p.TypesInfo.Uses[sel.Sel].(*types.Func)
				if !ok || fn.Pkg() == nil || (fn.Pkg().Path() != "fmt" && fn.Pkg().Path() != "github.com/syncctl/syncctl/domain") {
					return true
				}
				for i, a := range call.Args {
					if call.Ellipsis.IsValid() && i == len(call.Args)-1 {
						continue // args... passed on: checked where they are built
					}
					typ := p.TypesInfo.TypeOf(a)
					if typ == nil {
						continue
					}
					switch u := typ.Underlying().(type) {
					case *types.Slice:
						if b, ok := u.Elem().Underlying().(*types.Basic); ok && b.Kind() == types.Byte {
							continue // bytes print as text
						}
						t.Errorf("%s: %s.%s prints a slice as a Go slice; use domain.List", p.Fset.Position(a.Pos()), fn.Pkg().Name(), fn.Name())
					case *types.Array:
						t.Errorf("%s: %s.%s prints an array as a Go array", p.Fset.Position(a.Pos()), fn.Pkg().Name(), fn.Name())
					}
				}
				return true
			})
		}
	}
}
