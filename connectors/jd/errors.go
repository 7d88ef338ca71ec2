package jd

import (
	"fmt"
	"strings"
	"time"

	"github.com/syncctl/syncctl/domain"
)

// codes classifies JOS error codes (error_response.code, a non-"0" code in
// a _responce, and the numberCode/errorCode of a business result) into the
// domain codes: the one table of the connector, so a meaning found wrong is
// changed here. sandbox/jd answers the same codes from its own table.
//
// The gateway codes 1–73 and their texts are JD's published system error
// list as integrators reproduce it (channels.md §4 has none); what each
// means for a retry is our reading of the text:
//
//   - 2 "限制时间内调用失败次数 / App Call Limited" is the only throttle code
//     known: ERateLimited. UNCONFIRMED whether JD's per-second throttle
//     answers it too (its text speaks of a daily quota) and how long a wait
//     it means: JD announces none (throttleWait).
//   - 18 missing / 19 invalid access_token: the token is refreshed once and
//     the call retried; a second refusal is EAuth. JD has no distinct
//     "expired" code in the list (channels.md: 19 for expired, seen in test
//     fixtures only).
//   - signature, app key, permission and merchant-type codes are EAuth: an
//     operator must fix the app or its authorization; retrying cannot.
//   - 65–67 (the gateway could not reach the service) and 1, 43, 69 are
//     transient: EUnavailable. Integrators retry 66/67.
//   - 70 "该订单正在出库中" is a conflict with the order's state; 71 "当前的ID
//     不属于此商家" is what an unknown ware, SKU or order id gets: ENotFound.
//
// Business codes (≥ 1000) seen in integrators' code, UNCONFIRMED:
// 11200025 SKU deleted, 11201056 jdPrice above marketPrice, 11100010 the
// category has no commission set.
var codes = map[string]string{
	"1": domain.EUnavailable,                                         // 服务不可用
	"2": domain.ERateLimited,                                         // 限制时间内调用失败次数 App Call Limited
	"3": domain.EAuth,                                                // 请求被禁止 Forbidden Request (IP allowlist, blocked app)
	"4": domain.EInvalid, "5": domain.EInvalid, "6": domain.EInvalid, // version missing / unsupported / invalid
	"7": domain.EInvalid,                     // 缺少时间戳参数
	"8": domain.EInvalid,                     // 非法的时间戳参数: ±6 min; our clock is off, a retry fails alike
	"9": domain.EInvalid, "10": domain.EAuth, // vender id missing / invalid
	"11": domain.EInvalid,                                               // 缺少签名参数: a bug here
	"12": domain.EAuth,                                                  // 无效签名: the app secret is wrong
	"13": domain.EInvalid, "14": domain.EInvalid, "15": domain.EInvalid, // format, method missing / unknown
	"16": domain.EInvalid, "17": domain.EConflict, // trade no missing / already used
	"18": tokenError, "19": tokenError, // access_token missing / invalid (or expired)
	"20": domain.EInvalid, "21": domain.EAuth, // app_key missing / invalid
	"22": domain.EAuth, "24": domain.EAuth, "25": domain.EAuth, // not a merchant, no API permission, app not online
	"23": domain.EUnavailable,                    // 该API已经停用 (during upgrades)
	"26": domain.EInvalid, "27": domain.EInvalid, // mobile
	"43": domain.EUnavailable,                                                                  // 系统处理错误
	"50": domain.EInvalid,                                                                      // 无效调用
	"60": domain.EInvalid, "61": domain.EInvalid, "62": domain.EInvalid, "63": domain.EInvalid, // parameter / JSON invalid
	"64": domain.EAuth,                                                              // this merchant type may not call it
	"65": domain.EUnavailable, "66": domain.EUnavailable, "67": domain.EUnavailable, // backend timeout / down / unknown failure
	"68": domain.EInvalid,                  // optional field invalid
	"69": domain.EUnavailable,              // 获取数据失败
	"70": domain.EConflict,                 // 该订单正在出库中
	"71": domain.ENotFound,                 // 当前的ID不属于此商家
	"72": domain.EAuth, "73": domain.EAuth, // wrong merchant type; value-added API (云鼎)
	"11200025": domain.ENotFound, // SKU已经删除
	"11201056": domain.EInvalid,  // 京东价不能大于市场价
	"11100010": domain.EInvalid,  // 商家类目没有设置扣点
}

// tokenError marks a token rejection until call decides (refresh once).
const tokenError = "jd_token"

// CodeThrottled is JOS's throttle code (see codes).
const CodeThrottled = "2"

// throttleWait is the ban after a throttle answer: JD announces no wait.
const throttleWait = time.Second

// Classify returns the domain code of a JOS code; an unknown code is
// EUnavailable (a later attempt, or an operator reading the error,
// decides), as TOP's connector does.
func Classify(code string) string {
	if c, ok := codes[code]; ok {
		return c
	}
	return domain.EUnavailable
}

// mapError turns a JOS error into a coded domain error. Its text carries
// the method, the code and JD's descriptions, never a parameter (they hold
// the token).
func mapError(method, code, zh, en string) *domain.Error {
	msg := strings.TrimSpace(zh)
	if en = strings.TrimSpace(en); en != "" && en != msg {
		msg = strings.TrimSpace(msg + " / " + en)
	}
	e := &domain.Error{Platform: "jd", PlatformCode: code, Code: Classify(code), Message: fmt.Sprintf("%s: %s", method, msg)}
	switch code {
	case CodeThrottled:
		e.RetryAfter = throttleWait
	case "8":
		e.Message += " (JD allows ±6 minutes: check this host's clock, e.g. NTP)"
	}
	return e
}

// unavailable is an answer the connector cannot use: retryable.
func unavailable(err error, msg string) *domain.Error {
	return &domain.Error{Code: domain.EUnavailable, Platform: "jd", Message: msg, Err: err}
}
