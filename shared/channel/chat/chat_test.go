package chat

import (
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-inbox/switchboard/shared/inbox"
)

func TestParsePost(t *testing.T) {
	tests := []struct {
		name   string
		body   string
		status int
	}{
		{"valid", `{"visitor_id":"abcdefghijklmnop","text":"hi"}`, 0},
		{"valid with everything", `{"visitor_id":"abcdefghijklmnop","message_id":"m-000001","name":"Ada","email":"Ada@Example.com","text":" hi "}`, 0},
		{"unknown fields are ignored", `{"visitor_id":"abcdefghijklmnop","text":"hi","extra":1}`, 0},
		{"not JSON", `visitor_id=abc`, 400},
		{"JSON array", `[]`, 400},
		{"wrong type", `{"visitor_id":12,"text":"hi"}`, 400},
		{"short visitor id", `{"visitor_id":"abc","text":"hi"}`, 400},
		{"visitor id with slash", `{"visitor_id":"abcdefghijklmnop/","text":"hi"}`, 400},
		{"bad message id", `{"visitor_id":"abcdefghijklmnop","message_id":"x","text":"hi"}`, 400},
		{"blank text", `{"visitor_id":"abcdefghijklmnop","text":"\n\t "}`, 400},
		{"text too long", `{"visitor_id":"abcdefghijklmnop","text":"` + strings.Repeat("é", MaxTextRunes+1) + `"}`, 413},
		{"two-line name", `{"visitor_id":"abcdefghijklmnop","name":"A\nB","text":"hi"}`, 400},
		{"display-name email", `{"visitor_id":"abcdefghijklmnop","email":"Ada <ada@example.com>","text":"hi"}`, 400},
	}
	for _, tt := range tests {
		req, err := parsePost([]byte(tt.body))
		var re *requestError
		switch {
		case tt.status == 0 && err != nil:
			t.Errorf("%s: parsePost = %v; want valid", tt.name, err)
		case tt.status != 0 && (!errors.As(err, &re) || re.status != tt.status):
			t.Errorf("%s: parsePost = %v; want status %d", tt.name, err, tt.status)
		case tt.status == 0 && (req.Text != strings.TrimSpace(req.Text) || req.Email != strings.ToLower(req.Email)):
			t.Errorf("%s: parsePost = %+v; want trimmed text and lower-cased email", tt.name, req)
		}
	}
}

func FuzzParsePost(f *testing.F) {
	f.Add([]byte(`{"visitor_id":"abcdefghijklmnop","text":"hi"}`))
	f.Add([]byte(`{"visitor_id":"abcdefghijklmnop","email":"a@b.c","name":"x","text":"\u0000"}`))
	f.Add([]byte(`{`))
	f.Fuzz(func(t *testing.T, body []byte) {
		req, err := parsePost(body)
		if err != nil {
			var re *requestError
			if !errors.As(err, &re) || re.status < 400 || re.status > 499 {
				t.Fatalf("parsePost(%q) = %v; want a 4xx requestError", body, err)
			}
			return
		}
		if !visitorIDPattern.MatchString(req.VisitorID) || req.Text == "" {
			t.Fatalf("parsePost(%q) accepted %+v", body, req)
		}
	})
}

// The vector is the team's fixture for the HMAC scheme the site computes.
func TestVerifyUser(t *testing.T) {
	raw, err := os.ReadFile("testdata/identifier_hash_vector.json")
	if err != nil {
		t.Fatal(err)
	}
	var v struct {
		Secret string `json:"hmac_token"`
		ID     string `json:"identifier"`
		Hash   string `json:"identifier_hash"`
	}
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatal(err)
	}
	if got := UserHash(v.Secret, v.ID); got != v.Hash {
		t.Errorf("UserHash = %s; want %s", got, v.Hash)
	}
	if !VerifyUser(v.Secret, v.ID, v.Hash) || !VerifyUser(v.Secret, v.ID, strings.ToUpper(v.Hash)) {
		t.Error("VerifyUser rejects the right hash")
	}
	for _, bad := range []string{"", "zz", v.Hash[:10], UserHash("other", v.ID)} {
		if VerifyUser(v.Secret, v.ID, bad) {
			t.Errorf("VerifyUser accepts %q", bad)
		}
	}
}

func TestVisibleHoldsCursorBehindUnsentReplies(t *testing.T) {
	at := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	in := func(id string) inbox.Message {
		return inbox.Message{ID: id, Direction: inbox.DirectionIn, Kind: inbox.KindPublic, CreatedAt: at}
	}
	out := func(id string, d inbox.Delivery, k inbox.Kind) inbox.Message {
		return inbox.Message{ID: id, Direction: inbox.DirectionOut, Author: inbox.AuthorAgent, Kind: k, Delivery: d, CreatedAt: at}
	}
	tests := []struct {
		name       string
		msgs       []inbox.Message
		wantIDs    string
		wantCursor string
	}{
		{"all settled", []inbox.Message{in("A"), out("B", inbox.DeliverySent, inbox.KindPublic), in("C")}, "A,B,C", "C"},
		{"reply on its way", []inbox.Message{in("A"), out("B", inbox.DeliveryQueued, inbox.KindPublic), in("C")}, "A,C", "A"},
		{"failed reply does not hold", []inbox.Message{in("A"), out("B", inbox.DeliveryFailed, inbox.KindPublic), in("C")}, "A,C", "C"},
		{"notes are never shown", []inbox.Message{in("A"), out("B", "", inbox.KindNote)}, "A", "B"},
		{"nothing new", nil, "", "prev"},
	}
	for _, tt := range tests {
		views, cursor := visible(tt.msgs, "prev")
		var ids []string
		for _, v := range views {
			ids = append(ids, v.ID)
		}
		if got := strings.Join(ids, ","); got != tt.wantIDs || cursor != tt.wantCursor {
			t.Errorf("%s: visible = %s, cursor %s; want %s, cursor %s", tt.name, got, cursor, tt.wantIDs, tt.wantCursor)
		}
	}
}
