package twilio

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/switchboard-inbox/switchboard/shared/inbox"
)

func TestHandlerSignature(t *testing.T) {
	sms := fixture(t, "sms_inbound.form-urlencoded.txt")
	tests := []struct {
		name      string
		baseURL   string
		token     string
		target    string
		signedURL string
		body      string
		// signature overrides the computed one; "-" sends none.
		signature string
		status    int
	}{
		{name: "valid", target: webhookURL, signedURL: webhookURL, body: sms, status: 200},
		{name: "signed with the default port", target: webhookURL, signedURL: "https://hooks.example.com:443/webhooks/twilio", body: sms, status: 200},
		{name: "query is part of the URL", target: webhookURL + "?src=status", signedURL: webhookURL + "?src=status", body: sms, status: 200},
		{name: "configured public URL", baseURL: "https://api.example.org/", target: "http://10.0.0.5:3000/webhooks/twilio",
			signedURL: "https://api.example.org/webhooks/twilio", body: sms, status: 200},
		{name: "local stack over http", target: "http://localhost:8080/webhooks/twilio", signedURL: "http://localhost:8080/webhooks/twilio", body: sms, status: 200},
		{name: "forged", target: webhookURL, signedURL: webhookURL, body: sms, signature: "vOEb5UThFn24KEfnOFLQY2AE5FY=", status: 401},
		{name: "missing", target: webhookURL, signedURL: webhookURL, body: sms, signature: "-", status: 401},
		{name: "mutated body", target: webhookURL, signedURL: webhookURL, body: sms, signature: Sign(testToken, webhookURL,
			mustForm(t, strings.Replace(sms, "Body=Msg", "Body=Hello", 1))), status: 401},
		{name: "wrong URL", target: webhookURL, signedURL: "https://hooks.example.com/webhooks/other", body: sms, status: 401},
		{name: "query dropped", target: webhookURL + "?src=status", signedURL: webhookURL, body: sms, status: 401},
		{name: "other token", target: webhookURL, signedURL: webhookURL, body: sms, signature: Sign("other", webhookURL, mustForm(t, sms)), status: 401},
		{name: "no auth token configured", token: "-", target: webhookURL, signedURL: webhookURL, body: sms, status: 401},
		{name: "malformed form", target: webhookURL, signedURL: webhookURL, body: "Body=%zz", signature: "c2lnbmF0dXJl", status: 400},
		{name: "too large", target: webhookURL, signedURL: webhookURL, body: "Body=" + strings.Repeat("a", MaxBodyBytes), status: 413},
	}
	for _, tt := range tests {
		e := newEnv()
		e.h.PublicBaseURL = tt.baseURL
		if tt.token == "-" {
			e.h.AuthToken = ""
		}
		sig := tt.signature
		switch sig {
		case "":
			sig = Sign(testToken, tt.signedURL, mustForm(t, tt.body))
		case "-":
			sig = ""
		}
		w := e.postWithSignature(tt.target, tt.body, sig)
		if w.Code != tt.status {
			t.Errorf("%s: status = %d (%s); want %d", tt.name, w.Code, strings.TrimSpace(w.Body.String()), tt.status)
		}
		switch {
		case tt.status == 200 && len(e.ingest.got) != 1:
			t.Errorf("%s: ingested %d messages; want 1", tt.name, len(e.ingest.got))
		case tt.status != 200 && e.stored() != 0:
			t.Errorf("%s: stored %d things; want nothing", tt.name, e.stored())
		}
	}
}

func mustForm(t *testing.T, body string) url.Values {
	t.Helper()
	form, err := url.ParseQuery(body)
	if err != nil {
		t.Fatalf("%q is not a form: %v", body, err)
	}
	return form
}

func TestHandlerInbound(t *testing.T) {
	bsuid := withFields(t, fixture(t, "whatsapp_inbound.ADAPTED.form-urlencoded.txt"), map[string]string{"From": "whatsapp:US.13491208655302741918"})
	tests := []struct {
		name string
		body string
		want inbox.Inbound
	}{
		{"SMS", fixture(t, "sms_inbound.form-urlencoded.txt"), inbox.Inbound{
			Channel: inbox.ChannelSMS, Address: "+14133881111", Text: "Msg",
			ExternalID: "SMe287d7109a5a925f182f0e07fe5b223b", ReceivedAt: testNow,
		}},
		{"WhatsApp", fixture(t, "whatsapp_inbound.ADAPTED.form-urlencoded.txt"), inbox.Inbound{
			Channel: inbox.ChannelWhatsApp, Address: "+14133881111", Name: "Ada Lovelace", Verified: true, Text: "Msg",
			ExternalID: "SMe287d7109a5a925f182f0e07fe5b223b", ReceivedAt: testNow,
		}},
		{"WhatsApp user without a phone number", bsuid, inbox.Inbound{
			Channel: inbox.ChannelWhatsApp, Address: "US.13491208655302741918", Name: "Ada Lovelace", Verified: true, Text: "Msg",
			ExternalID: "SMe287d7109a5a925f182f0e07fe5b223b", ReceivedAt: testNow,
		}},
		{"WhatsApp location", fixture(t, "whatsapp_location.CONSTRUCTED.form-urlencoded.txt"), inbox.Inbound{
			Channel: inbox.ChannelWhatsApp, Address: "+34600112233", Name: "Ada", Verified: true,
			Text:       "[Location: 40.4168, -3.7038 (Madrid, Puerta del Sol)]",
			ExternalID: "SM6f2b2f4bb2a4e5a1a1a4c4c0b4e3c9d1", ReceivedAt: testNow,
		}},
		{"WhatsApp sticker-like message with nothing in it",
			withFields(t, fixture(t, "whatsapp_inbound.ADAPTED.form-urlencoded.txt"), map[string]string{"Body": "", "MessageType": "unsupported"}),
			inbox.Inbound{
				Channel: inbox.ChannelWhatsApp, Address: "+14133881111", Name: "Ada Lovelace", Verified: true,
				Text: "[Unsupported message type: unsupported]", ExternalID: "SMe287d7109a5a925f182f0e07fe5b223b", ReceivedAt: testNow,
			}},
		{"empty SMS", withFields(t, fixture(t, "sms_inbound.form-urlencoded.txt"), map[string]string{"Body": " "}), inbox.Inbound{
			Channel: inbox.ChannelSMS, Address: "+14133881111", Text: "[Empty message]",
			ExternalID: "SMe287d7109a5a925f182f0e07fe5b223b", ReceivedAt: testNow,
		}},
	}
	for _, tt := range tests {
		e := newEnv()
		w := e.post(t, webhookURL, webhookURL, tt.body)
		wantTwiML(t, w)
		if len(e.ingest.got) != 1 {
			t.Errorf("%s: ingested %d messages; want 1", tt.name, len(e.ingest.got))
			continue
		}
		if got := e.ingest.got[0]; !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: ingested\n %+v\nwant\n %+v", tt.name, got, tt.want)
		}
	}
}

func TestHandlerRefusesUnusableMessages(t *testing.T) {
	sms := fixture(t, "sms_inbound.form-urlencoded.txt")
	tests := []struct {
		name string
		body string
	}{
		// The shared fixture's numbers were redacted to "whatsapp:+".
		{"WhatsApp without a number", fixture(t, "whatsapp_inbound.form-urlencoded.txt")},
		{"no message id", "Body=hi&From=%2B14133881111"},
		{"no sender", withFields(t, sms, map[string]string{"From": ""})},
		{"national number", withFields(t, sms, map[string]string{"From": "4133881111"})},
		{"Messenger", withFields(t, sms, map[string]string{"From": "messenger:1234567890"})},
		{"bad media count", withFields(t, sms, map[string]string{"NumMedia": "two"})},
	}
	for _, tt := range tests {
		e := newEnv()
		w := e.post(t, webhookURL, webhookURL, tt.body)
		if w.Code != http.StatusBadRequest {
			t.Errorf("%s: status = %d; want 400", tt.name, w.Code)
		}
		if e.stored() != 0 {
			t.Errorf("%s: stored %d things; want nothing", tt.name, e.stored())
		}
	}
}

func TestHandlerMethod(t *testing.T) {
	e := newEnv()
	w := httptest.NewRecorder()
	e.h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, webhookURL, nil))
	if w.Code != http.StatusMethodNotAllowed {
		t.Errorf("GET status = %d; want 405", w.Code)
	}
}

func TestHandlerSameMessageTwice(t *testing.T) {
	e := newEnv()
	body := fixture(t, "sms_inbound.form-urlencoded.txt")
	for range 2 {
		wantTwiML(t, e.post(t, webhookURL, webhookURL, body))
	}
	if len(e.ingest.got) != 2 {
		t.Fatalf("ingested %d times; want 2 (ingest dedupes)", len(e.ingest.got))
	}
	if a, b := e.ingest.got[0].ExternalID, e.ingest.got[1].ExternalID; a != b || a != "SMe287d7109a5a925f182f0e07fe5b223b" {
		t.Errorf("ExternalIDs = %q, %q; want the MessageSid both times", a, b)
	}
}

func TestHandlerStoreDown(t *testing.T) {
	down := errors.New("dynamodb unavailable")
	tests := []struct {
		name       string
		body       string
		breakStore func(*env)
	}{
		{"ingest", fixture(t, "sms_inbound.form-urlencoded.txt"), func(e *env) { e.ingest.err = down }},
		{"opt-outs", withFields(t, fixture(t, "sms_inbound.form-urlencoded.txt"), map[string]string{"Body": "STOP"}), func(e *env) { e.optOuts.err = down }},
		{"receipts", fixture(t, "status_delivered.form-urlencoded.txt"), func(e *env) { e.receipts.err = down }},
	}
	for _, tt := range tests {
		e := newEnv()
		tt.breakStore(e)
		if w := e.post(t, webhookURL, webhookURL, tt.body); w.Code != http.StatusInternalServerError {
			t.Errorf("%s down: status = %d; want 500", tt.name, w.Code)
		}
	}
}
