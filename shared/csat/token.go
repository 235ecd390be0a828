package csat

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strconv"
	"strings"
	"time"
)

// Token errors, which the rating page tells apart: a forged or mangled
// link is the sender's mistake (400), an expired one only late (410).
var (
	ErrForged  = errors.New("rating link is not valid")
	ErrExpired = errors.New("rating link has expired")
)

// sigLen is the signature's length in base64url characters: 128 bits,
// beyond guessing, in a link short enough for any mail client.
const sigLen = 22

// maxTokenLen bounds what ParseToken looks at.
const maxTokenLen = 128

// Token is the reference a rating link carries to one interaction, valid
// until `until`: "<conversation>.<interaction>.<until, base 36 seconds>.<signature>".
// The signature is an HMAC-SHA256 under CSAT_SECRET, so a link can be
// neither forged nor moved to another conversation or interaction.
func Token(secret, conversationID string, interaction int, until time.Time) string {
	payload := conversationID + "." + strconv.Itoa(interaction) + "." + strconv.FormatInt(until.Unix(), 36)
	return payload + "." + sign(secret, payload)
}

// ParseToken checks a token's signature, then its expiry at now, and
// returns the interaction it names.
func ParseToken(secret, token string, now time.Time) (conversationID string, interaction int, err error) {
	if secret == "" || len(token) > maxTokenLen {
		return "", 0, ErrForged
	}
	payload, sig, found := cutLast(token, ".")
	if !found || !hmac.Equal([]byte(sig), []byte(sign(secret, payload))) {
		return "", 0, ErrForged
	}
	parts := strings.Split(payload, ".")
	if len(parts) != 3 {
		return "", 0, ErrForged
	}
	interaction, err = strconv.Atoi(parts[1])
	if err != nil || interaction < 0 {
		return "", 0, ErrForged
	}
	until, err := strconv.ParseInt(parts[2], 36, 64)
	if err != nil {
		return "", 0, ErrForged
	}
	if !now.Before(time.Unix(until, 0)) {
		return "", 0, ErrExpired
	}
	return parts[0], interaction, nil
}

func sign(secret, payload string) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte("csat-link\x00"))
	mac.Write([]byte(payload))
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil))[:sigLen]
}

func cutLast(s, sep string) (before, after string, found bool) {
	i := strings.LastIndex(s, sep)
	if i < 0 {
		return s, "", false
	}
	return s[:i], s[i+len(sep):], true
}
