package telegram

import (
	"regexp"
	"strings"
	"testing"
)

// The deep-link fixture's payload is the test vector for the scheme sites
// implement: HMAC-SHA256(HMAC-SHA256("test_link_secret", "telegram-start"), "site_user_42").
func TestStartPayload(t *testing.T) {
	const want = "site_user_42-e19b7e0a4bd3e51e"
	if !strings.Contains(string(fixture(t, "start_deeplink.SELF_GENERATED.json")), "/start "+want) {
		t.Fatalf("fixture does not carry the payload %s", want)
	}
	if got := StartPayload(testLink, "site_user_42"); got != want {
		t.Errorf("StartPayload(%q, %q) = %q; want %q", testLink, "site_user_42", got, want)
	}
	deepLink := regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)
	tests := []struct {
		userID string
		valid  bool
	}{
		{"a", true},
		{strings.Repeat("Z9_", 13) + "x", true}, // 40 characters
		{strings.Repeat("a", 41), false},
		{"", false},
		{"has-dash", false},
		{"ada@example.com", false},
		{"ünï", false},
	}
	for _, tt := range tests {
		got := StartPayload(testLink, tt.userID)
		switch {
		case tt.valid && !deepLink.MatchString(got):
			t.Errorf("StartPayload(%q) = %q; want a deep-link parameter of at most 64 [A-Za-z0-9_-]", tt.userID, got)
		case !tt.valid && got != "":
			t.Errorf("StartPayload(%q) = %q; want \"\"", tt.userID, got)
		}
	}
}

func TestVerifyStart(t *testing.T) {
	valid := StartPayload(testLink, "site_user_42")
	tests := []struct {
		name    string
		secret  string
		payload string
		want    string
	}{
		{"valid", testLink, valid, "site_user_42"},
		{"wrong secret", "other", valid, ""},
		{"no secret", "", valid, ""},
		{"no secret, payload signed with none", "", StartPayload("", "site_user_42"), ""},
		{"tampered MAC", testLink, valid[:len(valid)-1] + "0", ""},
		{"upper-case MAC", testLink, "site_user_42-" + strings.ToUpper(valid[len("site_user_42-"):]), ""},
		{"other user", testLink, "site_user_43" + valid[len("site_user_42"):], ""},
		{"short MAC", testLink, valid[:len(valid)-2], ""},
		{"no dash", testLink, "site_user_42", ""},
		{"extra dash", testLink, "a-" + valid, ""},
		{"empty", testLink, "", ""},
	}
	for _, tt := range tests {
		got, ok := verifyStart(tt.secret, tt.payload)
		if got != tt.want || ok != (tt.want != "") {
			t.Errorf("%s: verifyStart(%q) = %q, %v; want %q", tt.name, tt.payload, got, ok, tt.want)
		}
	}
}
