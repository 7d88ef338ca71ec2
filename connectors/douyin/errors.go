package douyin

import (
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/syncctl/syncctl/domain"
)

// Envelope codes (channels.md §5.3).
const (
	codeOK             = 10000
	codePartial        = 10001
	codeUnavailable    = 20000
	codeTimeout        = 20001
	codeNoPermission   = 30001
	codeIPDenied       = 30002
	codeMissingParam   = 40001
	codeMissingBizArg  = 40002
	codeInvalidParam   = 40003
	codeInvalidBizArg  = 40004
	codePlatformFailed = 50001
	codeBizFailed      = 50002
	codeThrottled      = 60000
	codeAPIOffline     = 70000
	codeSecurity       = 80000
	codeOther          = 90000
)

// tokenSubCodes are the sub codes of a token the platform refuses: it is
// refreshed and the call retried once (channels.md §5.1).
var tokenSubCodes = map[string]bool{
	"isv.access-token-expired": true, "isv.access-token-no-existed": true, "isv.access-token-invalid": true, "isv.access-token-missing": true,
}

// throttleWait is the ban after code 60000: the platform announces no
// wait (UNCONFIRMED), so the shop pauses a second.
const throttleWait = time.Second

// tokenError marks a refused token until call decides (retry or EAuth).
const tokenError = "douyin_token"

// mapError turns an error answer into a coded domain error: 20000/20001
// (and 50001 outside token generation, 90000, 10001) are retryable; 60000
// is rate-limited; token sub codes are retried once by call; a bad
// signature, missing permission or IP whitelist is EAuth; a missing or
// invalid parameter EInvalid (the sub code names the field); 50002 is a
// business refusal: ENotFound for a sub code ending in "not-exist"
// (UNCONFIRMED naming, kept with sandbox/douyin), else EConflict.
func mapError(method string, code int, sub, msg string, _ time.Time) *domain.Error {
	e := &domain.Error{Platform: platformName, PlatformCode: strconv.Itoa(code), Message: method + ": " + msg}
	if sub != "" {
		e.PlatformCode += " " + sub
	}
	switch {
	case tokenSubCodes[sub]:
		e.Code = tokenError
	case code == codeThrottled:
		e.Code, e.RetryAfter = domain.ERateLimited, throttleWait
	case code == codeUnavailable || code == codeTimeout || code == codeOther || code == codePartial:
		e.Code = domain.EUnavailable
	case code == codePlatformFailed && strings.HasPrefix(sub, "dop.token-generate-failed"):
		e.Code = domain.EAuth
	case code == codePlatformFailed:
		e.Code = domain.EUnavailable
	case code == codeNoPermission || code == codeIPDenied || code == codeSecurity || sub == "isv.signature-invalid" || sub == "isv.app-key-invalid":
		e.Code = domain.EAuth
	case code == codeBizFailed && strings.HasSuffix(sub, "not-exist"):
		e.Code = domain.ENotFound
	case code == codeBizFailed:
		e.Code = domain.EConflict
	default: // 40001, 40002, 40003 (format, timestamp), 40004, 70000
		e.Code = domain.EInvalid
	}
	return e
}

// subCode is the sub code of a platform error ("" for others).
func subCode(err error) string {
	var de *domain.Error
	if !errors.As(err, &de) || de.Platform != platformName {
		return ""
	}
	_, sub, _ := strings.Cut(de.PlatformCode, " ")
	return sub
}

// tokenRefused reports whether err is the platform refusing the token.
func tokenRefused(err error) bool {
	var de *domain.Error
	return errors.As(err, &de) && de.Code == tokenError
}

// tokenGenerationFailed reports a token.create/refresh refusal (50001
// dop.token-generate-failed:*).
func tokenGenerationFailed(err error) bool {
	return strings.HasPrefix(subCode(err), "dop.token-generate-failed")
}
