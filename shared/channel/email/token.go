package email

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/mail"
	"strings"

	"github.com/switchboard-inbox/switchboard/shared/inbox"
)

// tokenMACLen is how many hex characters of the HMAC a reply token keeps:
// 80 bits, beyond guessing, short enough for a readable address.
const tokenMACLen = 20

// ReplyToken is the part after "+" in the Reply-To address of a reply in
// conversation conversationID. It names the conversation so a customer's
// answer finds its thread even when their client drops In-Reply-To and
// References, and the HMAC keeps anyone from writing into a conversation by
// guessing its id. It is all lower case because mail systems may lower-case
// local parts.
func ReplyToken(secret, conversationID string) string {
	return strings.ToLower(conversationID) + "-" + tokenMAC(secret, conversationID)
}

// ParseReplyToken returns the conversation id a token names, and whether
// the token is one ReplyToken made with secret. Case does not matter.
func ParseReplyToken(secret, token string) (conversationID string, ok bool) {
	token = strings.ToLower(token)
	id, mac, found := strings.Cut(token, "-")
	if !found || len(id) != inbox.IDLen || len(mac) != tokenMACLen || !isCrockford(id) || secret == "" {
		return "", false
	}
	conversationID = strings.ToUpper(id)
	if !hmac.Equal([]byte(mac), []byte(tokenMAC(secret, conversationID))) {
		return "", false
	}
	return conversationID, true
}

func tokenMAC(secret, conversationID string) string {
	h := hmac.New(sha256.New, []byte(secret))
	h.Write([]byte("email-reply:" + conversationID))
	return hex.EncodeToString(h.Sum(nil))[:tokenMACLen]
}

// isCrockford reports whether s is lower-case Crockford base32, the
// alphabet of inbox ids.
func isCrockford(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'z') || c == 'i' || c == 'l' || c == 'o' || c == 'u' {
			return false
		}
	}
	return true
}

// ReplyAddress is supportAddress with token as its "+" tag:
// support@example.com becomes support+<token>@example.com.
func ReplyAddress(supportAddress, token string) string {
	local, domain, ok := splitAddress(supportAddress)
	if !ok {
		return supportAddress
	}
	if base, _, tagged := strings.Cut(local, "+"); tagged {
		local = base
	}
	return local + "+" + token + "@" + domain
}

// TokenFromAddress returns the "+" tag of an address ("support+tag@x" gives
// "tag"), or "" when it has none. The address may carry a display name.
// Callers check the address is at the support domain.
func TokenFromAddress(addr string) string {
	local, _, ok := splitAddress(addr)
	if !ok {
		return ""
	}
	_, tag, _ := strings.Cut(local, "+")
	return tag
}

// splitAddress returns the lower-cased local part and domain of an address,
// with or without a display name and angle brackets.
func splitAddress(addr string) (local, domain string, ok bool) {
	addr = strings.TrimSpace(addr)
	if a, err := mail.ParseAddress(addr); err == nil {
		addr = a.Address
	}
	addr = strings.ToLower(strings.Trim(addr, "<>"))
	i := strings.LastIndexByte(addr, '@')
	if i <= 0 || i == len(addr)-1 {
		return "", "", false
	}
	return addr[:i], addr[i+1:], true
}

// sameMailbox reports whether addr is mailbox or one of its "+" variants,
// such as support+anything@example.com for support@example.com.
func sameMailbox(addr, mailbox string) bool {
	local, domain, ok := splitAddress(addr)
	want, wantDomain, wantOK := splitAddress(mailbox)
	if !ok || !wantOK || domain != wantDomain {
		return false
	}
	base, _, _ := strings.Cut(local, "+")
	wantBase, _, _ := strings.Cut(want, "+")
	return base == wantBase
}
