package wechat

import "testing"

// The URL-check example of the platform's doc (channels.md §1.7): the
// sandbox signs with the same sha1 of the sorted parts.
func TestSignatureDocVector(t *testing.T) {
	if got := sha1Sorted("AAAAA", "1714036504", "1514711492"); got != "f464b24fc39322e44b38aa78f5edd27bd1441696" {
		t.Errorf("signature %s", got)
	}
}
