package erp

import (
	"regexp"
	"strings"
)

var (
	deliveryPrefix = regexp.MustCompile(`^.*?delivery dlv_[0-9a-zA-Z]+: `)
	statusSuffix   = regexp.MustCompile(` \[\d{3}\]$`)
)

// Answer is the ERP's last answer to a delivery in a few words, from the
// error text a delivery attempt recorded (Client.Deliver's): "ERP
// unreachable: dial tcp 127.0.0.1:9: connection refused", "HTTP 503: erp
// maintenance". Text of another shape comes back as it is.
func Answer(lastError string) string {
	s := strings.TrimSpace(lastError)
	if s == "" {
		return ""
	}
	s = deliveryPrefix.ReplaceAllString(s, "")
	s = statusSuffix.ReplaceAllString(s, "")
	switch {
	case strings.HasPrefix(s, "erp unreachable"):
		s = "ERP unreachable" + strings.TrimPrefix(s, "erp unreachable")
		s = strings.Replace(s, ": connect: ", ": ", 1)
	case strings.HasPrefix(s, "erp answered "):
		s = strings.TrimPrefix(s, "erp answered ")
		// "HTTP 503: " with nothing after it: the ERP gave no reason.
		s = strings.TrimSuffix(s, ": ")
	}
	return s
}
