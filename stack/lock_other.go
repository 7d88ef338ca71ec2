//go:build !unix

package stack

import "os"

// tryLock is a no-op where flock(2) does not exist: two stacks on one state
// dir are then not prevented.
func tryLock(*os.File) (bool, error) { return false, nil }

func unlock(*os.File) error { return nil }
