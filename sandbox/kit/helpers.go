package kit

import (
	"cmp"
	"crypto/subtle"
	"slices"
	"time"
)

// Must returns v and panics on err: a sandbox's New(cfg), for tests, is
// Must(Open(cfg)).
func Must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// Equal compares a credential in constant time.
func Equal(a, b string) bool { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }

// ExpireAll makes every token of an access token → expiry map expired a
// second before now, as if its lifetime had run out (TokenExpirer).
func ExpireAll(tokens map[string]time.Time, now time.Time) {
	past := now.Add(-time.Second)
	for t := range tokens {
		tokens[t] = past
	}
}

// Index puts each record a state file lists into m under its key. A nil
// record, or one whose key is refused (ok false), is the file's Invalid
// error: format takes the record's position from 1 ("order %d has no
// order_id").
func Index[K comparable, V any](p *StateFile, list []*V, m map[K]*V, key func(*V) (k K, ok bool), format string) error {
	for i, v := range list {
		var k K
		ok := v != nil
		if ok {
			k, ok = key(v)
		}
		if !ok {
			return p.Invalid(format, i+1)
		}
		m[k] = v
	}
	return nil
}

// SortedValues lists a map's values by key, never nil (a state file
// writes [] for none).
func SortedValues[K cmp.Ordered, V any](m map[K]V) []V {
	out := make([]V, 0, len(m))
	for _, k := range SortedKeys(m) {
		out = append(out, m[k])
	}
	return out
}

// SortedKeys lists a map's keys in order, never nil.
func SortedKeys[K cmp.Ordered, V any](m map[K]V) []K {
	keys := make([]K, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
