package telegram

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"regexp"
	"strings"

	"github.com/switchboard-inbox/switchboard/shared/inbox"
)

// startUserIDPattern keeps a payload within Telegram's deep-link limit:
// 40 + "-" + 16 hex digits is 57 of the 64 characters allowed.
var startUserIDPattern = regexp.MustCompile(`^[A-Za-z0-9_]{1,40}$`)

// startMACHexLen is how much of the HMAC a payload carries: 64 bits,
// which Telegram's rate limits make impossible to guess online.
const startMACHexLen = 16

// StartPayload is the deep-link payload a site puts in
// https://t.me/<bot>?start=<payload> for its user userID, signed with the
// inbox's CHAT_IDENTITY_SECRET. It returns "" when userID is not 1 to 40
// characters of [A-Za-z0-9_].
func StartPayload(secret, userID string) string {
	if !startUserIDPattern.MatchString(userID) {
		return ""
	}
	return userID + "-" + startMAC(secret, userID)
}

// startMAC keys its HMAC with one derived from the secret, not with the
// secret itself: the web chat's user_hash is HMAC(secret, user id), and a
// site user whose id were "telegram-start:42" would otherwise hold the
// payload for user 42.
func startMAC(secret, userID string) string {
	derive := hmac.New(sha256.New, []byte(secret))
	derive.Write([]byte("telegram-start"))
	mac := hmac.New(sha256.New, derive.Sum(nil))
	mac.Write([]byte(userID))
	return hex.EncodeToString(mac.Sum(nil))[:startMACHexLen]
}

// verifyStart returns the user id a payload vouches for. With no secret
// configured nothing is vouched for.
func verifyStart(secret, payload string) (string, bool) {
	if secret == "" {
		return "", false
	}
	userID, mac, ok := strings.Cut(payload, "-")
	if !ok || !startUserIDPattern.MatchString(userID) || len(mac) != startMACHexLen {
		return "", false
	}
	if !hmac.Equal([]byte(mac), []byte(startMAC(secret, userID))) {
		return "", false
	}
	return userID, true
}

// startLink turns a /start command into its placeholder and, for a valid
// deep-link payload, links the chat to the site's verified user.
func (h *Handler) startLink(ctx context.Context, n *note, in *inbox.Inbound) {
	n.label = "Started the conversation"
	if n.payload == "" {
		return
	}
	userID, ok := verifyStart(h.LinkSecret, n.payload)
	if !ok {
		h.logger().WarnContext(ctx, "telegram /start payload is not valid; ingested without a link",
			"update_id", n.updateID, "chat_id", n.chatID)
		return
	}
	n.label = "Started the conversation from the website"
	in.Verified = true
	in.Links = []inbox.Identity{{Channel: inbox.ChannelChat, Address: "user:" + userID}}
}
