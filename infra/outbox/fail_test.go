package outbox

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
)

func readAll(t *testing.T, r *http.Request) string {
	t.Helper()
	b, err := io.ReadAll(r.Body)
	if err != nil {
		t.Error(err)
	}
	return string(b)
}

// TestFail makes each provider fail the way the channels must handle, for
// one recipient only, and checks the answer and the record.
func TestFail(t *testing.T) {
	failures := map[string]struct {
		status int
		body   string
	}{
		Meta:     {400, `{"error":{"message":"(#131047) Re-engagement message","type":"OAuthException","code":131047,"error_data":{"messaging_product":"whatsapp","details":"Message failed to send because more than 24 hours have passed since the customer last replied to this number."},"fbtrace_id":"Az8or2yhqkZfEZ-_4Qn_Bam"}}`},
		Twilio:   {400, `{"code":21610,"message":"Attempt to send to unsubscribed recipient","more_info":"https://www.twilio.com/docs/errors/21610","status":400}`},
		Telegram: {429, `{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 5","parameters":{"retry_after":5}}`},
	}
	s := New(Options{Fail: func(provider string, r *http.Request) (int, string, bool) {
		f, ok := failures[provider]
		if !ok || !strings.Contains(readAll(t, r), "666") {
			return 0, "", false
		}
		return f.status, f.body, true
	}})
	ts := devStack(t, s)

	send := map[string]func(to string) (int, []byte){
		Meta: func(to string) (int, []byte) {
			body := `{"messaging_product":"whatsapp","to":"` + to + `","type":"text","text":{"body":"hello"}}`
			return call(t, "POST", ts.URL+"/_fake/meta/v21.0/1065/messages", "application/json", []byte(body), bearer("EAAlocal"))
		},
		Twilio: func(to string) (int, []byte) {
			return call(t, "POST", ts.URL+"/_fake/twilio/2010-04-01/Accounts/"+testAccount+"/Messages.json", "application/x-www-form-urlencoded",
				[]byte("To=%2B1"+to+"&From=%2B15557122661&Body=hello"), basicAuth(testAccount, "token"))
		},
		Telegram: func(to string) (int, []byte) {
			return call(t, "POST", ts.URL+"/_fake/telegram/bot"+testBotToken+"/sendMessage", "application/json", []byte(`{"chat_id":`+to+`,"text":"hello"}`), nil)
		},
	}
	for provider, f := range failures {
		t.Run(provider, func(t *testing.T) {
			status, got := send[provider]("666")
			if status != f.status || string(got) != f.body {
				t.Errorf("send to the failing recipient = %d %s; want %d %s", status, got, f.status, f.body)
			}
			if !json.Valid(got) {
				t.Errorf("answer is not JSON: %s", got)
			}
			if status, got := send[provider]("777"); status/100 != 2 {
				t.Errorf("send to another recipient = %d %s; want success", status, got)
			}
			sent := s.Sent(provider)
			if len(sent) != 2 {
				t.Fatalf("Sent(%s) = %d requests; want 2", provider, len(sent))
			}
			failed := sent[0]
			if failed.Status != f.status || string(failed.Response) != f.body || failed.ID != "" || !strings.Contains(failed.To, "666") || failed.Text != "hello" {
				t.Errorf("failed send recorded as %d %s ID=%q To=%q Text=%q; want the failure, no id, the recipient and text", failed.Status, failed.Response, failed.ID, failed.To, failed.Text)
			}
			if sent[1].ID == "" {
				t.Errorf("the successful send has no ID")
			}
		})
	}
}

func TestFailAnswerHeaders(t *testing.T) {
	tests := []struct {
		provider, body          string
		wantType, wantErrorType string
	}{
		{SES, `{"__type":"MessageRejected","message":"Email address is not verified."}`, "application/json", "MessageRejected"},
		{Meta, `{"error":{"code":2}}`, "application/json", ""},
		{Twilio, "upstream timeout", "text/plain; charset=utf-8", ""},
	}
	for _, tt := range tests {
		a := failure(tt.provider, 503, tt.body, answer{to: "x"})
		if a.contentType != tt.wantType || a.header.Get("X-Amzn-Errortype") != tt.wantErrorType || a.to != "x" || a.status != 503 {
			t.Errorf("failure(%s, %q) = type %q, errortype %q, to %q, status %d; want %q, %q, x, 503",
				tt.provider, tt.body, a.contentType, a.header.Get("X-Amzn-Errortype"), a.to, a.status, tt.wantType, tt.wantErrorType)
		}
	}
}
