package email

import (
	"strings"
	"testing"
)

const (
	testSecret = "test-secret"
	testConvID = "01HZY8K5N3M2Q7R4T6V9W0X1YZ"
	// testToken is ReplyToken(testSecret, testConvID), as in
	// testdata/gmail_reply.eml.
	testToken = "01hzy8k5n3m2q7r4t6v9w0x1yz-b3aee8b7ab151c313a9b"
)

func TestReplyToken(t *testing.T) {
	token := ReplyToken(testSecret, testConvID)
	if token != testToken {
		t.Fatalf("ReplyToken = %q; want %q", token, testToken)
	}
	if token != strings.ToLower(token) {
		t.Errorf("ReplyToken = %q; want it lower-case", token)
	}
	tampered := []byte(token)
	tampered[len(tampered)-1] = 'c'
	otherID := "01hzy8k5n3m2q7r4t6v9w0x1yy" + token[26:]
	tests := []struct {
		name   string
		secret string
		token  string
		wantID string
		wantOK bool
	}{
		{"round trip", testSecret, token, testConvID, true},
		{"upper case", testSecret, strings.ToUpper(token), testConvID, true},
		{"tampered mac", testSecret, string(tampered), "", false},
		{"another conversation's id", testSecret, otherID, "", false},
		{"other secret", "another-secret", token, "", false},
		{"empty secret", "", ReplyToken("", testConvID), "", false},
		{"no mac", testSecret, strings.ToLower(testConvID), "", false},
		{"short mac", testSecret, token[:len(token)-1], "", false},
		{"not crockford", testSecret, "01hzy8k5n3m2q7r4t6v9w0x1yu" + token[26:], "", false},
		{"empty", testSecret, "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id, ok := ParseReplyToken(tt.secret, tt.token)
			if id != tt.wantID || ok != tt.wantOK {
				t.Errorf("ParseReplyToken(%q, %q) = %q, %v; want %q, %v", tt.secret, tt.token, id, ok, tt.wantID, tt.wantOK)
			}
		})
	}
}

func TestReplyAddress(t *testing.T) {
	tests := []struct{ support, token, want string }{
		{"support@example.com", "tok", "support+tok@example.com"},
		{"Support@Example.com", "tok", "support+tok@example.com"},
		{"support+old@example.com", "tok", "support+tok@example.com"},
		{"Acme Support <support@example.com>", "tok", "support+tok@example.com"},
		{"not an address", "tok", "not an address"},
	}
	for _, tt := range tests {
		if got := ReplyAddress(tt.support, tt.token); got != tt.want {
			t.Errorf("ReplyAddress(%q, %q) = %q; want %q", tt.support, tt.token, got, tt.want)
		}
	}
}

func TestTokenFromAddress(t *testing.T) {
	tests := []struct{ addr, want string }{
		{"support+" + testToken + "@example.com", testToken},
		{"Tejaswini <SUPPORT+ABC@example.com>", "abc"},
		{"<support+a+b@example.com>", "a+b"},
		{"support@example.com", ""},
		{"nobody", ""},
		{"", ""},
	}
	for _, tt := range tests {
		if got := TokenFromAddress(tt.addr); got != tt.want {
			t.Errorf("TokenFromAddress(%q) = %q; want %q", tt.addr, got, tt.want)
		}
	}
}

func TestSameMailbox(t *testing.T) {
	tests := []struct {
		addr string
		want bool
	}{
		{"support@example.com", true},
		{"SUPPORT@example.com", true},
		{"support+anything@example.com", true},
		{"support@other.example", false},
		{"supportx@example.com", false},
		{"", false},
	}
	for _, tt := range tests {
		if got := sameMailbox(tt.addr, "support@example.com"); got != tt.want {
			t.Errorf("sameMailbox(%q, support@example.com) = %v; want %v", tt.addr, got, tt.want)
		}
	}
}
