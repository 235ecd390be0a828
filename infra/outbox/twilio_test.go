package outbox

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

const testAccount = "ACc4c268517530bb5fec0b659e3f88c6be"

func basicAuth(user, password string) http.Header {
	r, _ := http.NewRequest("GET", "/", nil)
	r.SetBasicAuth(user, password)
	return r.Header
}

var twilioSid = regexp.MustCompile(`^SM[0-9a-f]{32}$`)

func TestTwilioMessages(t *testing.T) {
	tests := []struct {
		name       string
		body       string
		auth       http.Header
		wantStatus int
		wantCode   int
		wantTo     string
		wantText   string
	}{
		{name: "sms", body: string(fixture(t, "twilio_create_message.request.ADAPTED.form.txt")), auth: basicAuth(testAccount, "token"),
			wantStatus: 201, wantTo: "+15558675310", wantText: "Hi there"},
		{name: "whatsapp through a messaging service, with media", auth: basicAuth("SK0123456789abcdef0123456789abcdef", "secret"),
			body:       url.Values{"To": {"whatsapp:+34600111222"}, "MessagingServiceSid": {"MG00000000000000000000000000000000"}, "Body": {"Your invoice"}, "MediaUrl": {"https://example.com/i.pdf"}}.Encode(),
			wantStatus: 201, wantTo: "whatsapp:+34600111222", wantText: "Your invoice\n[Media: https://example.com/i.pdf]"},
		{name: "no credentials", body: "To=%2B1555&From=%2B1556&Body=hi", wantStatus: 401, wantCode: 20003},
		{name: "another account's credentials", body: "To=%2B1555&From=%2B1556&Body=hi", auth: basicAuth("ACffffffffffffffffffffffffffffffff", "token"), wantStatus: 401, wantCode: 20003},
		{name: "no To", body: "From=%2B1556&Body=hi", auth: basicAuth(testAccount, "token"), wantStatus: 400, wantCode: 21604},
		{name: "no From", body: "To=%2B1555&Body=hi", auth: basicAuth(testAccount, "token"), wantStatus: 400, wantCode: 21603},
		{name: "no Body", body: "To=%2B1555&From=%2B1556", auth: basicAuth(testAccount, "token"), wantStatus: 400, wantCode: 21602},
		{name: "too long", body: url.Values{"To": {"+1555"}, "From": {"+1556"}, "Body": {strings.Repeat("ñ", 1601)}}.Encode(), auth: basicAuth(testAccount, "token"), wantStatus: 400, wantCode: 21617},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := New(Options{})
			ts := devStack(t, s)
			status, got := call(t, "POST", ts.URL+"/_fake/twilio/2010-04-01/Accounts/"+testAccount+"/Messages.json", "application/x-www-form-urlencoded", []byte(tt.body), tt.auth)
			if status != tt.wantStatus {
				t.Fatalf("POST Messages.json = %d %s; want %d", status, got, tt.wantStatus)
			}
			if tt.wantCode != 0 {
				var e struct {
					Code     int    `json:"code"`
					Status   int    `json:"status"`
					MoreInfo string `json:"more_info"`
				}
				if err := json.Unmarshal(got, &e); err != nil || e.Code != tt.wantCode || e.Status != status || !strings.HasSuffix(e.MoreInfo, fmt.Sprintf("/errors/%d", tt.wantCode)) {
					t.Errorf("error answer %s; want code %d", got, tt.wantCode)
				}
				return
			}
			sameShape(t, got, fixture(t, "twilio_message_created.response.json"))
			var msg struct {
				Sid, Status string
			}
			if err := json.Unmarshal(got, &msg); err != nil {
				t.Fatal(err)
			}
			r := s.Sent(Twilio)[0]
			if !twilioSid.MatchString(msg.Sid) || msg.Status != "queued" || msg.Sid != r.ID {
				t.Errorf("answer sid %q status %q, recorded ID %q; want SM+32 hex, queued, the same sid", msg.Sid, msg.Status, r.ID)
			}
			if r.To != tt.wantTo || r.Text != tt.wantText || !bytes.Equal(r.Body, []byte(tt.body)) || !strings.HasPrefix(r.Auth, "Basic ") {
				t.Errorf("recorded To=%q Text=%q Auth=%q; want %q, %q, basic auth, and the form sent", r.To, r.Text, r.Auth, tt.wantTo, tt.wantText)
			}
		})
	}
}
