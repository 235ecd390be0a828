package csat

import (
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-inbox/switchboard/shared/inbox"
)

const (
	secret = "csat-test-secret"
	conv   = "01JCSAT0000000000000000000"
)

func TestToken(t *testing.T) {
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	until := now.Add(inbox.DefaultRatingWindow)
	token := Token(secret, conv, 2, until)
	other := Token(secret, "01JOTHER000000000000000000", 2, until)
	sig := token[strings.LastIndex(token, ".")+1:]
	tests := []struct {
		name  string
		token string
		at    time.Time
		err   error
	}{
		{"valid", token, now, nil},
		{"last second", token, until.Add(-time.Second), nil},
		{"expired", token, until, ErrExpired},
		{"another secret", Token("another", conv, 2, until), now, ErrForged},
		{"moved to another conversation", strings.Replace(token, conv, "01JOTHER000000000000000000", 1), now, ErrForged},
		{"moved to another interaction", strings.Replace(token, conv+".2.", conv+".1.", 1), now, ErrForged},
		{"extended", strings.Replace(token, "."+strings.Split(token, ".")[2]+".", ".zzzzzz.", 1), now, ErrForged},
		{"another conversation's signature", token[:strings.LastIndex(token, ".")+1] + other[strings.LastIndex(other, ".")+1:], now, ErrForged},
		{"no signature", strings.TrimSuffix(token, "."+sig), now, ErrForged},
		{"empty", "", now, ErrForged},
		{"too long", token + strings.Repeat("a", 200), now, ErrForged},
	}
	for _, tt := range tests {
		gotConv, n, err := ParseToken(secret, tt.token, tt.at)
		if !errors.Is(err, tt.err) {
			t.Errorf("%s: err = %v; want %v", tt.name, err, tt.err)
			continue
		}
		if err == nil && (gotConv != conv || n != 2) {
			t.Errorf("%s: = %s, %d", tt.name, gotConv, n)
		}
	}
	if _, _, err := ParseToken("", Token("", conv, 2, until), now); !errors.Is(err, ErrForged) {
		t.Errorf("a token under an empty secret = %v; want forged", err)
	}
}

func FuzzParseToken(f *testing.F) {
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	f.Add(Token(secret, conv, 0, now.Add(time.Hour)))
	f.Add(conv + ".0.zzzz.AAAAAAAAAAAAAAAAAAAAAA")
	f.Add("...")
	f.Fuzz(func(t *testing.T, token string) {
		// Only a token Token made passes, and it names what it carries.
		c, n, err := ParseToken(secret, token, now)
		if err == nil && !strings.HasPrefix(token, c+"."+strconv.Itoa(n)+".") {
			t.Fatalf("ParseToken(%q) = %s, %d", token, c, n)
		}
	})
}
