package tmall

import "strings"

// selectFields keeps the top-level keys of v that fields asks for, as TOP
// answers only what was asked: a client that forgets "orders" gets no lines
// here, as on the real gateway. rename maps a field name to its key in the
// answer ("sku" → "skus"). "a.b" asks for key a, keeping only the b of each
// element of a's list, unless a itself is asked for.
func selectFields(v map[string]any, fields string, rename map[string]string) map[string]any {
	top := map[string]bool{}
	sub := map[string]map[string]bool{}
	for _, f := range strings.Split(fields, ",") {
		f = strings.TrimSpace(f)
		if r, ok := rename[f]; ok {
			f = r
		}
		if a, b, ok := strings.Cut(f, "."); ok {
			if sub[a] == nil {
				sub[a] = map[string]bool{}
			}
			sub[a][b] = true
			continue
		}
		top[f] = true
	}
	out := map[string]any{}
	for k, x := range v {
		switch {
		case top[k]:
			out[k] = x
		case sub[k] != nil:
			out[k] = selectInner(x, sub[k])
		}
	}
	return out
}

// selectInner filters the elements of a TOP list wrapper ({"order":[…]}).
func selectInner(x any, keep map[string]bool) any {
	wrap, ok := x.(map[string]any)
	if !ok {
		return x
	}
	out := map[string]any{}
	for name, list := range wrap {
		elems, ok := list.([]map[string]any)
		if !ok {
			out[name] = list
			continue
		}
		var kept []map[string]any
		for _, e := range elems {
			m := map[string]any{}
			for k, v := range e {
				if keep[k] {
					m[k] = v
				}
			}
			kept = append(kept, m)
		}
		out[name] = kept
	}
	return out
}
