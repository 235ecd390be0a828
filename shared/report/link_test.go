package report

import (
	"errors"
	"strings"
	"testing"
	"time"
)

var testSecret = []byte("link secret for tests")

func TestLink(t *testing.T) {
	now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	valid := NewLink(testSecret, "U123|odd", now.Add(LinkTTL))
	payload, mac, _ := strings.Cut(valid, ".")
	other := NewLink(testSecret, "U999", now.Add(LinkTTL))
	otherPayload, _, _ := strings.Cut(other, ".")
	tests := []struct {
		name     string
		secret   []byte
		token    string
		at       time.Time
		wantUser string
		wantErr  error
	}{
		{"valid", testSecret, valid, now, "U123|odd", nil},
		{"just before expiry", testSecret, valid, now.Add(LinkTTL - time.Second), "U123|odd", nil},
		{"at expiry", testSecret, valid, now.Add(LinkTTL), "", ErrExpiredLink},
		{"other secret", []byte("another secret"), valid, now, "", ErrForgedLink},
		{"no secret", nil, valid, now, "", ErrForgedLink},
		{"payload swapped", testSecret, otherPayload + "." + mac, now, "", ErrForgedLink},
		{"signature cut", testSecret, payload + "." + mac[:len(mac)-1], now, "", ErrForgedLink},
		{"no signature", testSecret, payload, now, "", ErrForgedLink},
		{"padding added", testSecret, valid + "=", now, "", ErrForgedLink},
		{"line break inside", testSecret, payload + "." + mac[:5] + "\n" + mac[5:], now, "", ErrForgedLink},
		{"empty", testSecret, "", now, "", ErrForgedLink},
		{"too long", testSecret, valid + strings.Repeat("A", maxLinkLen), now, "", ErrForgedLink},
	}
	for _, tt := range tests {
		user, err := ParseLink(tt.secret, tt.token, tt.at)
		if user != tt.wantUser || !errors.Is(err, tt.wantErr) {
			t.Errorf("%s: ParseLink = %q, %v; want %q, %v", tt.name, user, err, tt.wantUser, tt.wantErr)
		}
	}
}

// A token's expiry must be written canonically: signing "U1|0100" is
// possible only with the secret, but the parser must not accept two
// spellings of one token.
func TestLinkRejectsNonCanonicalExpiry(t *testing.T) {
	now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	for _, expiry := range []string{"+1795431600", "01795431600", "1795431600.0", ""} {
		payload := []byte("U1|" + expiry)
		token := linkEncoding.EncodeToString(payload) + "." + linkEncoding.EncodeToString(linkMAC(testSecret, payload))
		if user, err := ParseLink(testSecret, token, now); !errors.Is(err, ErrForgedLink) {
			t.Errorf("ParseLink(expiry %q) = %q, %v; want ErrForgedLink", expiry, user, err)
		}
	}
}

func FuzzParseLink(f *testing.F) {
	now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	f.Add(NewLink(testSecret, "U123", now.Add(LinkTTL)))
	f.Add(NewLink(testSecret, "token", now.Add(SessionTTL)))
	f.Add(NewLink(testSecret, "", now.Add(-time.Hour)))
	f.Add("VTEyM3wxNzk1NDMxNjAw.AAAA")
	f.Add("..")
	f.Fuzz(func(t *testing.T, token string) {
		user, expires, err := parseLink(testSecret, token, now)
		if err != nil {
			if !errors.Is(err, ErrForgedLink) && !errors.Is(err, ErrExpiredLink) {
				t.Fatalf("parseLink(%q) error %v is neither forged nor expired", token, err)
			}
			return
		}
		// Only what NewLink makes is accepted, spelled exactly as it makes it.
		if again := NewLink(testSecret, user, expires); again != token {
			t.Fatalf("parseLink(%q) accepted a token NewLink writes as %q", token, again)
		}
		if !now.Before(expires) {
			t.Fatalf("parseLink(%q) accepted a token that expired at %v", token, expires)
		}
	})
}
