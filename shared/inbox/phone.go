package inbox

import (
	"fmt"
	"strings"
)

// NormalizePhone returns a phone number in E.164 form (+ and 8 to 15
// digits), as providers write it in many ways: "whatsapp:+34 600-11-22-33",
// "34600112233" (WhatsApp's wa_id has no plus), "+1 (415) 555-0100". A
// number without a country code cannot be made E.164 and is an error,
// because guessing the country would merge the wrong people.
func NormalizePhone(s string) (string, error) {
	raw := s
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, ':'); i >= 0 {
		s = s[i+1:]
	}
	s = strings.TrimPrefix(s, "00")
	var b strings.Builder
	b.WriteByte('+')
	for i, r := range s {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == '+' && i == 0, r == ' ', r == '-', r == '.', r == '(', r == ')':
		default:
			return "", fmt.Errorf("phone number %q: unexpected %q", raw, r)
		}
	}
	digits := b.Len() - 1
	if digits < 8 || digits > 15 || strings.HasPrefix(b.String(), "+0") {
		return "", fmt.Errorf("phone number %q: want a country code and 8 to 15 digits", raw)
	}
	return b.String(), nil
}

// PhoneChannels are the channels whose address is a phone number; with
// merging by phone on, the same number on two of them is one customer.
var PhoneChannels = []Channel{ChannelSMS, ChannelWhatsApp}
