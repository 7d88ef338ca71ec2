package store

import (
	"net/url"
	"regexp"
	"strings"
)

// redactedPassword stands for a password in a DSN shown to people.
const redactedPassword = "xxxxx"

// passwordKeys are the DSN settings that hold a secret (libpq's names).
var passwordKeys = map[string]bool{"password": true, "sslpassword": true}

// kvPassword matches a password in a key=value DSN ("host=db password=s3cret"
// or "password='s3 cret'").
var kvPassword = regexp.MustCompile(`(?i)\b(ssl)?password\s*=\s*('(?:[^'\\]|\\.)*'|\S*)`)

// RedactDSN is a DSN fit for errors and logs: a password in it (a URL's
// user:password@, a password= or sslpassword= setting) is replaced by
// xxxxx. A DSN without one (an SQLite path) comes back as it is.
func RedactDSN(dsn string) string {
	if strings.Contains(dsn, "://") {
		u, err := url.Parse(dsn)
		if err != nil {
			// Not a URL that parses: say only what kind it is.
			scheme, _, _ := strings.Cut(dsn, "://")
			return scheme + "://(a DSN that does not parse; not shown)"
		}
		if _, has := u.User.Password(); has {
			u.User = url.UserPassword(u.User.Username(), redactedPassword)
		}
		q := u.Query()
		changed := false
		for k := range q {
			if passwordKeys[strings.ToLower(k)] {
				q.Set(k, redactedPassword)
				changed = true
			}
		}
		if changed {
			u.RawQuery = q.Encode()
		}
		return u.String()
	}
	return kvPassword.ReplaceAllStringFunc(dsn, func(m string) string {
		key, _, _ := strings.Cut(m, "=")
		return strings.TrimSpace(key) + "=" + redactedPassword
	})
}

// DSNHasPassword reports whether a DSN carries a password (which then
// belongs in an environment variable, not in a file or on a command line).
func DSNHasPassword(dsn string) bool { return RedactDSN(dsn) != dsn }
