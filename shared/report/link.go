package report

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strconv"
	"strings"
	"time"
)

// Link token errors: a forged or mangled token, and one past its expiry.
var (
	ErrForgedLink  = errors.New("dashboard link is not valid")
	ErrExpiredLink = errors.New("dashboard link has expired")
)

// LinkTTL is how long a link that /switchboard dashboard hands out may be
// opened; the session cookie it turns into lasts SessionTTL.
const (
	LinkTTL    = 15 * time.Minute
	SessionTTL = 12 * time.Hour
)

// maxLinkLen bounds what ParseLink looks at: a Slack user id and a time
// fit in a fraction of it.
const maxLinkLen = 512

var linkEncoding = base64.RawURLEncoding.Strict()

// outsideAlphabet reports a character no token holds: tokens are
// base64url and one dot.
func outsideAlphabet(r rune) bool {
	return !(r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.')
}

// NewLink returns a token that lets user in until expires:
// base64url("<user>|<unix seconds>") "." base64url(HMAC-SHA256), signed
// with secret. It works as a dashboard link (?t=) and as the session
// cookie, so the server keeps no session state.
func NewLink(secret []byte, user string, expires time.Time) string {
	payload := []byte(user + "|" + strconv.FormatInt(expires.Unix(), 10))
	return linkEncoding.EncodeToString(payload) + "." + linkEncoding.EncodeToString(linkMAC(secret, payload))
}

// ParseLink checks a token's signature, then its expiry at now, and
// returns the user it was made for.
func ParseLink(secret []byte, token string, now time.Time) (string, error) {
	user, _, err := parseLink(secret, token, now)
	return user, err
}

// parseLink is ParseLink that also returns the expiry, so a redeemed link
// can be told from a session token that lives longer.
func parseLink(secret []byte, token string, now time.Time) (string, time.Time, error) {
	// The decoder skips line breaks, so the alphabet is checked first:
	// one token has one spelling.
	if len(secret) == 0 || len(token) > maxLinkLen || strings.ContainsFunc(token, outsideAlphabet) {
		return "", time.Time{}, ErrForgedLink
	}
	encodedPayload, encodedMAC, found := strings.Cut(token, ".")
	if !found {
		return "", time.Time{}, ErrForgedLink
	}
	payload, err := linkEncoding.DecodeString(encodedPayload)
	if err != nil {
		return "", time.Time{}, ErrForgedLink
	}
	mac, err := linkEncoding.DecodeString(encodedMAC)
	if err != nil || !hmac.Equal(mac, linkMAC(secret, payload)) {
		return "", time.Time{}, ErrForgedLink
	}
	user, seconds, found := cutLast(string(payload), "|")
	if !found {
		return "", time.Time{}, ErrForgedLink
	}
	unix, err := strconv.ParseInt(seconds, 10, 64)
	if err != nil || strconv.FormatInt(unix, 10) != seconds {
		return "", time.Time{}, ErrForgedLink
	}
	expires := time.Unix(unix, 0)
	if !now.Before(expires) {
		return "", time.Time{}, ErrExpiredLink
	}
	return user, expires, nil
}

func linkMAC(secret, payload []byte) []byte {
	mac := hmac.New(sha256.New, secret)
	// The label keeps these signatures apart from any other use of the
	// same secret.
	mac.Write([]byte("reports-link\x00"))
	mac.Write(payload)
	return mac.Sum(nil)
}

func cutLast(s, sep string) (before, after string, found bool) {
	i := strings.LastIndex(s, sep)
	if i < 0 {
		return s, "", false
	}
	return s[:i], s[i+len(sep):], true
}
