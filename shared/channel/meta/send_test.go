package meta

import (
	"encoding/json"
	"errors"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-inbox/switchboard/shared/dispatch"
	"github.com/switchboard-inbox/switchboard/shared/inbox"
)

// answering is a Graph API fake that answers every request with status
// and the fixture's body.
func answering(t *testing.T, status int, fixtureName string) *graphFake {
	body := fixture(t, fixtureName)
	return newGraphFake(t, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = w.Write(body)
	})
}

func newSender(g *graphFake) *Sender {
	return &Sender{
		AccessToken: "wa-token", PhoneNumberID: "106540352242922", PageAccessToken: "page-token",
		Template: "order_update", TemplateLanguage: "es", HTTP: g.client(), Now: func() time.Time { return testNow },
	}
}

func conversation(ch inbox.Channel, address string, lastInbound time.Duration) inbox.Conversation {
	return inbox.Conversation{ID: "conv-1", Channel: ch, Address: address, LastInboundAt: testNow.Add(-lastInbound)}
}

func decoded(t *testing.T, b []byte) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("request body %s: %v", b, err)
	}
	return m
}

func TestSendRequests(t *testing.T) {
	hello := inbox.Message{Text: "Hello, it ships tomorrow", AuthorName: "Ana"}
	tests := []struct {
		name     string
		conv     inbox.Conversation
		msg      inbox.Message
		response string
		path     string
		query    string
		auth     string
		body     string
		id       string
	}{
		{"whatsapp text", conversation(inbox.ChannelWhatsApp, "+16505551234", time.Hour), hello,
			"whatsapp_send_response.CONSTRUCTED.json", "/v21.0/106540352242922/messages", "", "Bearer wa-token",
			`{"messaging_product":"whatsapp","recipient_type":"individual","to":"16505551234","type":"text",
			  "text":{"body":"Ana: Hello, it ships tomorrow"}}`,
			"wamid.HBgLMTY1MDUwNzY1MjAVAgARGBI5QTNDQTVCM0Q0Q0Q2RTY3RTcA"},
		{"whatsapp to a business-scoped user id", conversation(inbox.ChannelWhatsApp, "US.13491208655302741918", time.Hour),
			inbox.Message{Text: "Hi"}, "whatsapp_send_response.CONSTRUCTED.json", "/v21.0/106540352242922/messages", "", "Bearer wa-token",
			`{"messaging_product":"whatsapp","recipient_type":"individual","recipient":"US.13491208655302741918","type":"text",
			  "text":{"body":"Hi"}}`,
			"wamid.HBgLMTY1MDUwNzY1MjAVAgARGBI5QTNDQTVCM0Q0Q0Q2RTY3RTcA"},
		{"whatsapp template after the window", conversation(inbox.ChannelWhatsApp, "+16505551234", 30*24*time.Hour),
			inbox.Message{Template: "order_update"}, "whatsapp_send_response.CONSTRUCTED.json", "/v21.0/106540352242922/messages", "", "Bearer wa-token",
			`{"messaging_product":"whatsapp","recipient_type":"individual","to":"16505551234","type":"template",
			  "template":{"name":"order_update","language":{"code":"es"}}}`,
			"wamid.HBgLMTY1MDUwNzY1MjAVAgARGBI5QTNDQTVCM0Q0Q0Q2RTY3RTcA"},
		{"messenger within 24 hours", conversation(inbox.ChannelMessenger, "1254477777772919", 2*time.Hour), hello,
			"messenger_send_response.CONSTRUCTED.json", "/v21.0/me/messages", "access_token=page-token", "",
			`{"recipient":{"id":"1254477777772919"},"messaging_type":"RESPONSE","message":{"text":"Ana: Hello, it ships tomorrow"}}`,
			"AG5Hz2Uq7tuwNEhXfYYKj8mJEM_QPpz5jdCK48PnKAjSdjfipqxqMvK8ma6AC8fplwlqLP_5cgXIbu7I3rBN0P"},
		{"messenger at 30 hours", conversation(inbox.ChannelMessenger, "1254477777772919", 30*time.Hour), hello,
			"messenger_send_response.CONSTRUCTED.json", "/v21.0/me/messages", "access_token=page-token", "",
			`{"recipient":{"id":"1254477777772919"},"messaging_type":"MESSAGE_TAG","tag":"HUMAN_AGENT",
			  "message":{"text":"Ana: Hello, it ships tomorrow"}}`,
			"AG5Hz2Uq7tuwNEhXfYYKj8mJEM_QPpz5jdCK48PnKAjSdjfipqxqMvK8ma6AC8fplwlqLP_5cgXIbu7I3rBN0P"},
		{"instagram within 24 hours", conversation(inbox.ChannelInstagram, "1234567890123456", time.Minute), hello,
			"messenger_send_response.CONSTRUCTED.json", "/v21.0/me/messages", "access_token=page-token", "",
			`{"recipient":{"id":"1234567890123456"},"messaging_type":"RESPONSE","message":{"text":"Ana: Hello, it ships tomorrow"}}`,
			"AG5Hz2Uq7tuwNEhXfYYKj8mJEM_QPpz5jdCK48PnKAjSdjfipqxqMvK8ma6AC8fplwlqLP_5cgXIbu7I3rBN0P"},
		{"instagram at 6 days", conversation(inbox.ChannelInstagram, "1234567890123456", 6*24*time.Hour), hello,
			"messenger_send_response.CONSTRUCTED.json", "/v21.0/me/messages", "access_token=page-token", "",
			`{"recipient":{"id":"1234567890123456"},"messaging_type":"MESSAGE_TAG","tag":"HUMAN_AGENT",
			  "message":{"text":"Ana: Hello, it ships tomorrow"}}`,
			"AG5Hz2Uq7tuwNEhXfYYKj8mJEM_QPpz5jdCK48PnKAjSdjfipqxqMvK8ma6AC8fplwlqLP_5cgXIbu7I3rBN0P"},
	}
	for _, tt := range tests {
		g := answering(t, 200, tt.response)
		sent, err := newSender(g).Send(t.Context(), tt.conv, tt.msg)
		if err != nil {
			t.Errorf("%s: Send error %v", tt.name, err)
			continue
		}
		if sent.ExternalID != tt.id {
			t.Errorf("%s: ExternalID = %q; want %q", tt.name, sent.ExternalID, tt.id)
		}
		calls := g.calls()
		if len(calls) != 1 {
			t.Errorf("%s: %d requests; want 1", tt.name, len(calls))
			continue
		}
		c := calls[0]
		if c.method != "POST" || c.host != "graph.facebook.com" || c.path != tt.path || c.query != tt.query || c.auth != tt.auth {
			t.Errorf("%s: request %s %s%s?%s auth %q; want POST graph.facebook.com%s?%s auth %q",
				tt.name, c.method, c.host, c.path, c.query, c.auth, tt.path, tt.query, tt.auth)
		}
		if got, want := decoded(t, c.body), decoded(t, []byte(tt.body)); !reflect.DeepEqual(got, want) {
			t.Errorf("%s: body\n  %s\nwant\n  %s", tt.name, c.body, tt.body)
		}
	}
}

func TestSendRefusedWithoutCallingMeta(t *testing.T) {
	tests := []struct {
		name     string
		conv     inbox.Conversation
		msg      inbox.Message
		reason   string
		template string
	}{
		{"whatsapp 25 hours after the customer wrote", conversation(inbox.ChannelWhatsApp, "+16505551234", 25*time.Hour),
			inbox.Message{Text: "Sorry for the wait"},
			"the customer last wrote 25 hours ago. Send the approved template \"order_update\"", "order_update"},
		{"whatsapp customer never wrote", inbox.Conversation{Channel: inbox.ChannelWhatsApp, Address: "+16505551234"},
			inbox.Message{Text: "Hi"}, "this customer has not written on WhatsApp yet", "order_update"},
		{"whatsapp too long", conversation(inbox.ChannelWhatsApp, "+16505551234", time.Hour),
			inbox.Message{Text: strings.Repeat("é", 4097)}, "The reply is 4097 characters long; WhatsApp takes at most 4096", ""},
		{"whatsapp empty", conversation(inbox.ChannelWhatsApp, "+16505551234", time.Hour),
			inbox.Message{Text: " \n"}, "The reply is empty", ""},
		{"messenger after 7 days", conversation(inbox.ChannelMessenger, "1254477777772919", 8*24*time.Hour),
			inbox.Message{Text: "Still there?"}, "the customer last wrote 8 days ago", ""},
		{"messenger customer never wrote", inbox.Conversation{Channel: inbox.ChannelMessenger, Address: "1254477777772919"},
			inbox.Message{Text: "Hi"}, "has not written yet", ""},
		{"messenger too long", conversation(inbox.ChannelMessenger, "1254477777772919", time.Hour),
			inbox.Message{Text: strings.Repeat("a", 2001)}, "The reply is 2001 characters long; Messenger takes at most 2000", ""},
		{"instagram over 1000 bytes", conversation(inbox.ChannelInstagram, "1234567890123456", time.Hour),
			inbox.Message{Text: strings.Repeat("é", 501)}, "The reply is 1002 bytes long; Instagram takes at most 1000", ""},
		{"another channel", conversation(inbox.ChannelTelegram, "42", time.Hour),
			inbox.Message{Text: "Hi"}, "cannot reply on Telegram", ""},
	}
	for _, tt := range tests {
		g := answering(t, 200, "whatsapp_send_response.CONSTRUCTED.json")
		_, err := newSender(g).Send(t.Context(), tt.conv, tt.msg)
		var perm *dispatch.PermanentError
		if !errors.As(err, &perm) || !strings.Contains(perm.Reason, tt.reason) || perm.Template != tt.template {
			t.Errorf("%s: Send error %#v; want a PermanentError containing %q with template %q", tt.name, err, tt.reason, tt.template)
		}
		if n := len(g.calls()); n != 0 {
			t.Errorf("%s: %d requests to Meta; want none", tt.name, n)
		}
	}
}

func TestSendNotConfigured(t *testing.T) {
	s := &Sender{Now: func() time.Time { return testNow }}
	for _, ch := range []inbox.Channel{inbox.ChannelWhatsApp, inbox.ChannelMessenger, inbox.ChannelInstagram} {
		_, err := s.Send(t.Context(), conversation(ch, "+16505551234", time.Hour), inbox.Message{Text: "Hi"})
		var perm *dispatch.PermanentError
		if !errors.As(err, &perm) || !strings.Contains(perm.Reason, "not set up") {
			t.Errorf("%s: Send error %v; want a PermanentError saying replies are not set up", ch, err)
		}
	}
}

func TestSendErrorMapping(t *testing.T) {
	tests := []struct {
		name      string
		ch        inbox.Channel
		status    int
		fixture   string
		permanent bool
		reason    string
		template  string
	}{
		{"re-engagement", inbox.ChannelWhatsApp, 400, "graph_error_131047.CONSTRUCTED.json", true,
			"more than 24 hours have passed since the customer last wrote", "order_update"},
		{"throughput limit", inbox.ChannelWhatsApp, 400, "graph_error_130429.CONSTRUCTED.json", false, "", ""},
		{"invalid parameter", inbox.ChannelWhatsApp, 400, "graph_error_100.CONSTRUCTED.json", true,
			"WhatsApp refused the message: (#100) Invalid parameter: Parameter 'to' is invalid (code 100, fbtrace_id AbCdEfGhIjK)", ""},
		{"transient", inbox.ChannelMessenger, 400, "graph_error_transient.CONSTRUCTED.json", false, "", ""},
		{"messenger window", inbox.ChannelMessenger, 400, "graph_error_2018278.CONSTRUCTED.json", true,
			"Messenger refused the reply because it is outside the window", ""},
		{"server error without a body we know", inbox.ChannelWhatsApp, 503, "verification_request.txt", false, "", ""},
		{"429 without a body we know", inbox.ChannelInstagram, 429, "verification_request.txt", false, "", ""},
		{"403 without a body we know", inbox.ChannelInstagram, 403, "verification_request.txt", true,
			"Instagram refused the message (HTTP 403)", ""},
	}
	for _, tt := range tests {
		g := answering(t, tt.status, tt.fixture)
		_, err := newSender(g).Send(t.Context(), conversation(tt.ch, "+16505551234", time.Hour), inbox.Message{Text: "Hi"})
		var perm *dispatch.PermanentError
		switch {
		case err == nil:
			t.Errorf("%s: Send succeeded; want an error", tt.name)
		case tt.permanent && (!errors.As(err, &perm) || !strings.Contains(perm.Reason, tt.reason) || perm.Template != tt.template):
			t.Errorf("%s: Send error %#v; want a PermanentError containing %q with template %q", tt.name, err, tt.reason, tt.template)
		case !tt.permanent && errors.As(err, &perm):
			t.Errorf("%s: Send error %v is permanent; want retryable", tt.name, err)
		}
	}
}

func TestSendNetworkErrorHidesToken(t *testing.T) {
	s := newSender(newGraphFake(t, nil))
	s.HTTP = &http.Client{Transport: roundTripper(func(*http.Request) (*http.Response, error) {
		return nil, errors.New("connection reset")
	})}
	_, err := s.Send(t.Context(), conversation(inbox.ChannelMessenger, "1254477777772919", time.Hour), inbox.Message{Text: "Hi"})
	var perm *dispatch.PermanentError
	if err == nil || errors.As(err, &perm) || strings.Contains(err.Error(), "page-token") {
		t.Errorf("Send error = %v; want a retryable error that does not show the page token", err)
	}
}
