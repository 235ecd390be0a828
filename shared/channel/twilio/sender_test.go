package twilio

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-inbox/switchboard/shared/dispatch"
	"github.com/switchboard-inbox/switchboard/shared/inbox"
)

// fakeMessagesAPI answers POST .../Messages.json with a fixed answer and
// records what it was sent.
type fakeMessagesAPI struct {
	srv    *httptest.Server
	status int
	body   string
	calls  int
	path   string
	user   string
	pass   string
	form   url.Values
}

func newFakeMessagesAPI(t *testing.T, status int, body string) *fakeMessagesAPI {
	t.Helper()
	f := &fakeMessagesAPI{status: status, body: body}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.calls++
		f.path = r.Method + " " + r.URL.Path
		f.user, f.pass, _ = r.BasicAuth()
		if r.Header.Get("Content-Type") != "application/x-www-form-urlencoded" {
			t.Errorf("Content-Type = %q; want a form", r.Header.Get("Content-Type"))
		}
		_ = r.ParseForm()
		f.form = r.PostForm
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(f.status)
		_, _ = w.Write([]byte(f.body))
	}))
	t.Cleanup(f.srv.Close)
	return f
}

func newSender(apiURL string, optOuts *fakeOptOuts) *Sender {
	s := &Sender{
		APIURL: apiURL, AccountSID: testAccountSID, AuthToken: testToken,
		SMSFrom: "+14155552345", WhatsAppFrom: "+14155238886", WhatsAppTemplateSID: "HX0000000000000000000000000000000a",
		StatusCallbackURL: webhookURL,
		Now:               func() time.Time { return testNow },
	}
	if optOuts != nil {
		s.OptOuts = optOuts
	}
	return s
}

func TestSenderSends(t *testing.T) {
	created := fixture(t, "message_created.CONSTRUCTED.json")
	sms := inbox.Conversation{Channel: inbox.ChannelSMS, Address: "+14133881111", LastInboundAt: testNow.Add(-72 * time.Hour)}
	wa := inbox.Conversation{Channel: inbox.ChannelWhatsApp, Address: "+34600112233", LastInboundAt: testNow.Add(-23 * time.Hour)}
	stale := wa
	stale.LastInboundAt = testNow.Add(-25 * time.Hour)
	reply := inbox.Message{Text: "Your order shipped today.", AuthorName: "Ana"}
	rating := inbox.Message{Author: inbox.AuthorBot, AuthorName: "Acme", Text: "How did we do?", Survey: &inbox.Survey{
		Options:   []inbox.SurveyOption{{Score: 1, Label: "Very bad", Payload: "csat:x", URL: "https://x.example/1"}},
		ReplyHint: "Reply with a number from 1 (very bad) to 5 (excellent).",
	}}
	tests := []struct {
		name     string
		service  string
		conv     inbox.Conversation
		m        inbox.Message
		wantForm url.Values
	}{
		{"SMS", "", sms, reply, url.Values{
			"To": {"+14133881111"}, "From": {"+14155552345"}, "Body": {"Ana: Your order shipped today."}, "StatusCallback": {webhookURL}}},
		{"SMS without an agent name", "", sms, inbox.Message{Text: "Hi"}, url.Values{
			"To": {"+14133881111"}, "From": {"+14155552345"}, "Body": {"Hi"}, "StatusCallback": {webhookURL}}},
		{"SMS through a Messaging Service", "MG00000000000000000000000000000000", sms, reply, url.Values{
			"To": {"+14133881111"}, "MessagingServiceSid": {"MG00000000000000000000000000000000"},
			"Body": {"Ana: Your order shipped today."}, "StatusCallback": {webhookURL}}},
		{"WhatsApp in the window", "", wa, reply, url.Values{
			"To": {"whatsapp:+34600112233"}, "From": {"whatsapp:+14155238886"},
			"Body": {"Ana: Your order shipped today."}, "StatusCallback": {webhookURL}}},
		{"WhatsApp template after the window", "", stale, inbox.Message{Template: "HX0000000000000000000000000000000a"}, url.Values{
			"To": {"whatsapp:+34600112233"}, "From": {"whatsapp:+14155238886"},
			"ContentSid": {"HX0000000000000000000000000000000a"}, "StatusCallback": {webhookURL}}},
		{"SMS rating request", "", sms, rating, url.Values{
			"To": {"+14133881111"}, "From": {"+14155552345"}, "StatusCallback": {webhookURL},
			"Body": {"How did we do?\nReply with a number from 1 (very bad) to 5 (excellent)."}}},
		{"WhatsApp rating request", "", wa, rating, url.Values{
			"To": {"whatsapp:+34600112233"}, "From": {"whatsapp:+14155238886"}, "StatusCallback": {webhookURL},
			"Body": {"How did we do?\nReply with a number from 1 (very bad) to 5 (excellent)."}}},
		{"rating request without a hint", "", sms, inbox.Message{Text: "How did we do?", Survey: &inbox.Survey{}}, url.Values{
			"To": {"+14133881111"}, "From": {"+14155552345"}, "Body": {"How did we do?"}, "StatusCallback": {webhookURL}}},
	}
	for _, tt := range tests {
		api := newFakeMessagesAPI(t, http.StatusCreated, created)
		s := newSender(api.srv.URL+"/", &fakeOptOuts{})
		s.MessagingServiceSID = tt.service
		sent, err := s.Send(context.Background(), tt.conv, tt.m)
		if err != nil {
			t.Errorf("%s: Send = %v", tt.name, err)
			continue
		}
		if sent.ExternalID != "SM1d4a3e7c5b2f4e0a9c8b7d6e5f4a3b2c" {
			t.Errorf("%s: ExternalID = %q; want the sid", tt.name, sent.ExternalID)
		}
		if want := "POST /2010-04-01/Accounts/" + testAccountSID + "/Messages.json"; api.path != want {
			t.Errorf("%s: request = %q; want %q", tt.name, api.path, want)
		}
		if api.user != testAccountSID || api.pass != testToken {
			t.Errorf("%s: basic auth = %q:%q; want the account's", tt.name, api.user, api.pass)
		}
		if got, want := api.form.Encode(), tt.wantForm.Encode(); got != want {
			t.Errorf("%s: form = %s; want %s", tt.name, got, want)
		}
	}
}

func TestSenderRefusesWithoutCalling(t *testing.T) {
	sms := inbox.Conversation{Channel: inbox.ChannelSMS, Address: "+14133881111", LastInboundAt: testNow}
	wa := inbox.Conversation{Channel: inbox.ChannelWhatsApp, Address: "+34600112233", LastInboundAt: testNow.Add(-25 * time.Hour)}
	reply := inbox.Message{Text: "Hello"}
	tests := []struct {
		name         string
		conv         inbox.Conversation
		m            inbox.Message
		optedOut     map[string]bool
		configure    func(*Sender)
		wantReason   string
		wantTemplate string
	}{
		{name: "opted out", conv: sms, m: reply, optedOut: map[string]bool{"sms#+14133881111": true},
			wantReason: "The customer texted STOP on SMS, so Twilio will not deliver replies; they must text START before we can message them"},
		{name: "WhatsApp at 25 hours", conv: wa, m: reply,
			wantReason:   "The customer last wrote on WhatsApp more than 24 hours ago; WhatsApp only takes an approved template until they write again",
			wantTemplate: "HX0000000000000000000000000000000a"},
		{name: "empty reply", conv: sms, m: inbox.Message{Text: " \n"}, wantReason: "The reply is empty"},
		{name: "email", conv: inbox.Conversation{Channel: inbox.ChannelEmail, Address: "a@example.com"}, m: reply,
			wantReason: "Twilio does not send Email messages"},
		{name: "no SMS number", conv: sms, m: reply, configure: func(s *Sender) { s.SMSFrom = "" },
			wantReason: "SMS replies through Twilio are not set up (no sending number)"},
		{name: "no WhatsApp sender", conv: wa, m: reply, configure: func(s *Sender) { s.WhatsAppFrom = "" },
			wantReason: "WhatsApp replies through Twilio are not set up (no WhatsApp sender)"},
	}
	for _, tt := range tests {
		api := newFakeMessagesAPI(t, http.StatusCreated, "{}")
		s := newSender(api.srv.URL, &fakeOptOuts{optedOut: tt.optedOut})
		if tt.configure != nil {
			tt.configure(s)
		}
		_, err := s.Send(context.Background(), tt.conv, tt.m)
		var permanent *dispatch.PermanentError
		if !errors.As(err, &permanent) {
			t.Errorf("%s: Send = %v; want a PermanentError", tt.name, err)
			continue
		}
		if permanent.Reason != tt.wantReason || permanent.Template != tt.wantTemplate {
			t.Errorf("%s: PermanentError = %+v; want reason %q, template %q", tt.name, permanent, tt.wantReason, tt.wantTemplate)
		}
		if api.calls != 0 {
			t.Errorf("%s: called Twilio %d times; want none", tt.name, api.calls)
		}
	}
}

func TestSenderErrors(t *testing.T) {
	conv := inbox.Conversation{Channel: inbox.ChannelSMS, Address: "+14133881111", LastInboundAt: testNow}
	tests := []struct {
		name       string
		status     int
		body       string
		wantReason string // "" means retryable
	}{
		{"opted out at Twilio", 400, fixture(t, "error_21610.CONSTRUCTED.json"),
			"Twilio error 21610: The customer texted STOP; they must text START before we can message them"},
		{"invalid number", 400, fixture(t, "error_21211.CONSTRUCTED.json"), "Twilio error 21211: The customer's phone number is not valid"},
		{"WhatsApp window", 400, `{"code":63016,"message":"Failed to send freeform message because you are outside the allowed window.","status":400}`,
			"Twilio error 63016: Outside WhatsApp's 24-hour window: only an approved template can be sent until the customer writes again"},
		{"bad credentials", 401, `{"code":20003,"message":"Authenticate","status":401}`, "Twilio error 20003: Twilio rejected the account credentials"},
		{"other code", 400, `{"code":21606,"message":"The From phone number is not a valid, SMS-capable inbound phone number.","status":400}`,
			"Twilio error 21606: The From phone number is not a valid, SMS-capable inbound phone number"},
		{"not JSON", 403, `<html>Forbidden</html>`, "Twilio refused the message (HTTP 403)"},
		{"rate limited", 429, `{"code":20429,"message":"Too Many Requests","status":429}`, ""},
		{"server error", 500, `{"code":20500,"message":"Internal Server Error","status":500}`, ""},
		{"bad gateway", 502, `<html>Bad Gateway</html>`, ""},
	}
	for _, tt := range tests {
		api := newFakeMessagesAPI(t, tt.status, tt.body)
		_, err := newSender(api.srv.URL, nil).Send(context.Background(), conv, inbox.Message{Text: "Hello"})
		var permanent *dispatch.PermanentError
		switch {
		case err == nil:
			t.Errorf("%s: Send succeeded; want an error", tt.name)
		case tt.wantReason == "" && errors.As(err, &permanent):
			t.Errorf("%s: Send = permanent %v; want retryable", tt.name, err)
		case tt.wantReason != "" && !errors.As(err, &permanent):
			t.Errorf("%s: Send = %v; want permanent", tt.name, err)
		case tt.wantReason != "" && permanent.Reason != tt.wantReason:
			t.Errorf("%s: reason = %q; want %q", tt.name, permanent.Reason, tt.wantReason)
		}
	}
}

func TestSenderRetryableWithoutTwilio(t *testing.T) {
	conv := inbox.Conversation{Channel: inbox.ChannelSMS, Address: "+14133881111", LastInboundAt: testNow}
	api := newFakeMessagesAPI(t, http.StatusCreated, "{}")
	tests := []struct {
		name    string
		apiURL  string
		optOuts *fakeOptOuts
	}{
		{"network down", "http://127.0.0.1:1", nil},
		{"opt-out store down", api.srv.URL, &fakeOptOuts{err: errors.New("dynamodb unavailable")}},
	}
	for _, tt := range tests {
		s := newSender(tt.apiURL, tt.optOuts)
		_, err := s.Send(context.Background(), conv, inbox.Message{Text: "Hello"})
		var permanent *dispatch.PermanentError
		if err == nil || errors.As(err, &permanent) {
			t.Errorf("%s: Send = %v; want a retryable error", tt.name, err)
		}
	}
	if api.calls != 0 {
		t.Errorf("called Twilio %d times; want none while opt-outs are unknown", api.calls)
	}
}

func TestSenderAcceptedWithoutID(t *testing.T) {
	api := newFakeMessagesAPI(t, http.StatusCreated, "not json")
	conv := inbox.Conversation{Channel: inbox.ChannelSMS, Address: "+14133881111"}
	sent, err := newSender(api.srv.URL, nil).Send(context.Background(), conv, inbox.Message{Text: "Hello"})
	if err != nil || sent.ExternalID != "" {
		t.Errorf("Send = %+v, %v; want sent without an id", sent, err)
	}
	if !strings.HasPrefix(api.path, "POST ") {
		t.Errorf("request = %q; want a POST", api.path)
	}
}
