package meta

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-inbox/switchboard/shared/dispatch"
	"github.com/switchboard-inbox/switchboard/shared/inbox"
)

const surveyConversation = "01JC8Z5S7Q8W3M2N4P6R8T0V2X"

// surveyMessage is a rating request as csat queues it: options lowest
// score first, with labels in the customer's language.
func surveyMessage(labels ...string) inbox.Message {
	s := &inbox.Survey{Choose: "Valorar", ReplyHint: "Responde con un número del 1 al 5."}
	for i, label := range labels {
		score := i + 1
		s.Options = append(s.Options, inbox.SurveyOption{Score: score, Label: label,
			Payload: inbox.SurveyPayload(surveyConversation, 0, score), URL: "https://inbox.example.com/csat/t" + label})
	}
	return inbox.Message{Author: inbox.AuthorBot, Text: "¿Qué tal te atendimos?", Survey: s}
}

func TestSendSurvey(t *testing.T) {
	plain := surveyMessage("Muy mal", "Mal", "Regular", "Bien", "Excelente")
	// A label of 28 characters and a Choose of 25, some of two bytes: cut
	// by characters to 24 in list rows and 20 on buttons, never inside one.
	long := surveyMessage("Muy mal", "Mal", "Regular", "Bien", "Excelente, ¡muchas graciñas!")
	long.Survey.Choose = "Elige una valoración aquí"
	tests := []struct {
		name string
		conv inbox.Conversation
		msg  inbox.Message
		body string
	}{
		{"whatsapp list", conversation(inbox.ChannelWhatsApp, "+34600112233", time.Hour), plain,
			`{"messaging_product":"whatsapp","recipient_type":"individual","to":"34600112233","type":"interactive",
			  "interactive":{"type":"list","body":{"text":"¿Qué tal te atendimos?"},
			  "action":{"button":"Valorar","sections":[{"title":"Valorar","rows":[
			    {"id":"csat:01JC8Z5S7Q8W3M2N4P6R8T0V2X:0:5","title":"Excelente"},
			    {"id":"csat:01JC8Z5S7Q8W3M2N4P6R8T0V2X:0:4","title":"Bien"},
			    {"id":"csat:01JC8Z5S7Q8W3M2N4P6R8T0V2X:0:3","title":"Regular"},
			    {"id":"csat:01JC8Z5S7Q8W3M2N4P6R8T0V2X:0:2","title":"Mal"},
			    {"id":"csat:01JC8Z5S7Q8W3M2N4P6R8T0V2X:0:1","title":"Muy mal"}]}]}}}`},
		{"whatsapp list, labels cut", conversation(inbox.ChannelWhatsApp, "+34600112233", time.Hour), long,
			`{"messaging_product":"whatsapp","recipient_type":"individual","to":"34600112233","type":"interactive",
			  "interactive":{"type":"list","body":{"text":"¿Qué tal te atendimos?"},
			  "action":{"button":"Elige una valoración","sections":[{"title":"Elige una valoración","rows":[
			    {"id":"csat:01JC8Z5S7Q8W3M2N4P6R8T0V2X:0:5","title":"Excelente, ¡muchas graci"},
			    {"id":"csat:01JC8Z5S7Q8W3M2N4P6R8T0V2X:0:4","title":"Bien"},
			    {"id":"csat:01JC8Z5S7Q8W3M2N4P6R8T0V2X:0:3","title":"Regular"},
			    {"id":"csat:01JC8Z5S7Q8W3M2N4P6R8T0V2X:0:2","title":"Mal"},
			    {"id":"csat:01JC8Z5S7Q8W3M2N4P6R8T0V2X:0:1","title":"Muy mal"}]}]}}}`},
		{"messenger quick replies", conversation(inbox.ChannelMessenger, "1254477777772919", time.Hour), long,
			`{"recipient":{"id":"1254477777772919"},"messaging_type":"RESPONSE","message":{"text":"¿Qué tal te atendimos?",
			  "quick_replies":[
			    {"content_type":"text","title":"Excelente, ¡muchas g","payload":"csat:01JC8Z5S7Q8W3M2N4P6R8T0V2X:0:5"},
			    {"content_type":"text","title":"Bien","payload":"csat:01JC8Z5S7Q8W3M2N4P6R8T0V2X:0:4"},
			    {"content_type":"text","title":"Regular","payload":"csat:01JC8Z5S7Q8W3M2N4P6R8T0V2X:0:3"},
			    {"content_type":"text","title":"Mal","payload":"csat:01JC8Z5S7Q8W3M2N4P6R8T0V2X:0:2"},
			    {"content_type":"text","title":"Muy mal","payload":"csat:01JC8Z5S7Q8W3M2N4P6R8T0V2X:0:1"}]}}`},
		{"messenger after 24 hours is a human agent's", conversation(inbox.ChannelMessenger, "1254477777772919", 30*time.Hour), plain,
			`{"recipient":{"id":"1254477777772919"},"messaging_type":"MESSAGE_TAG","tag":"HUMAN_AGENT","message":{"text":"¿Qué tal te atendimos?",
			  "quick_replies":[
			    {"content_type":"text","title":"Excelente","payload":"csat:01JC8Z5S7Q8W3M2N4P6R8T0V2X:0:5"},
			    {"content_type":"text","title":"Bien","payload":"csat:01JC8Z5S7Q8W3M2N4P6R8T0V2X:0:4"},
			    {"content_type":"text","title":"Regular","payload":"csat:01JC8Z5S7Q8W3M2N4P6R8T0V2X:0:3"},
			    {"content_type":"text","title":"Mal","payload":"csat:01JC8Z5S7Q8W3M2N4P6R8T0V2X:0:2"},
			    {"content_type":"text","title":"Muy mal","payload":"csat:01JC8Z5S7Q8W3M2N4P6R8T0V2X:0:1"}]}}`},
		{"instagram quick replies", conversation(inbox.ChannelInstagram, "1234567890123456", time.Minute), plain,
			`{"recipient":{"id":"1234567890123456"},"messaging_type":"RESPONSE","message":{"text":"¿Qué tal te atendimos?",
			  "quick_replies":[
			    {"content_type":"text","title":"Excelente","payload":"csat:01JC8Z5S7Q8W3M2N4P6R8T0V2X:0:5"},
			    {"content_type":"text","title":"Bien","payload":"csat:01JC8Z5S7Q8W3M2N4P6R8T0V2X:0:4"},
			    {"content_type":"text","title":"Regular","payload":"csat:01JC8Z5S7Q8W3M2N4P6R8T0V2X:0:3"},
			    {"content_type":"text","title":"Mal","payload":"csat:01JC8Z5S7Q8W3M2N4P6R8T0V2X:0:2"},
			    {"content_type":"text","title":"Muy mal","payload":"csat:01JC8Z5S7Q8W3M2N4P6R8T0V2X:0:1"}]}}`},
		{"a survey without options is plain text", conversation(inbox.ChannelWhatsApp, "+34600112233", time.Hour), surveyMessage(),
			`{"messaging_product":"whatsapp","recipient_type":"individual","to":"34600112233","type":"text",
			  "text":{"body":"¿Qué tal te atendimos?"}}`},
	}
	for _, tt := range tests {
		g := answering(t, 200, "whatsapp_send_response.CONSTRUCTED.json")
		if tt.conv.Channel != inbox.ChannelWhatsApp {
			g = answering(t, 200, "messenger_send_response.CONSTRUCTED.json")
		}
		sent, err := newSender(g).Send(t.Context(), tt.conv, tt.msg)
		if err != nil || sent.ExternalID == "" {
			t.Errorf("%s: Send = %+v, %v; want Meta's id", tt.name, sent, err)
			continue
		}
		calls := g.calls()
		if len(calls) != 1 {
			t.Errorf("%s: %d requests; want 1", tt.name, len(calls))
			continue
		}
		if got, want := decoded(t, calls[0].body), decoded(t, []byte(tt.body)); !reflect.DeepEqual(got, want) {
			t.Errorf("%s: body\n  %s\nwant\n  %s", tt.name, calls[0].body, tt.body)
		}
	}
}

// A rating request keeps every rule a reply has: past a window, it is
// refused before Meta is called.
func TestSendSurveyOutsideTheWindow(t *testing.T) {
	tests := []struct {
		name     string
		conv     inbox.Conversation
		reason   string
		template string
	}{
		{"whatsapp after 24 hours", conversation(inbox.ChannelWhatsApp, "+34600112233", 25*time.Hour),
			"WhatsApp only allows free-form replies within 24 hours", "order_update"},
		{"messenger after 7 days", conversation(inbox.ChannelMessenger, "1254477777772919", 8*24*time.Hour),
			"Messenger only allows replies within 7 days", ""},
	}
	for _, tt := range tests {
		g := answering(t, 200, "whatsapp_send_response.CONSTRUCTED.json")
		_, err := newSender(g).Send(t.Context(), tt.conv, surveyMessage("Muy mal", "Mal", "Regular", "Bien", "Excelente"))
		var perm *dispatch.PermanentError
		if !errors.As(err, &perm) || !strings.Contains(perm.Reason, tt.reason) || perm.Template != tt.template {
			t.Errorf("%s: Send error %#v; want a PermanentError containing %q with template %q", tt.name, err, tt.reason, tt.template)
		}
		if n := len(g.calls()); n != 0 {
			t.Errorf("%s: %d requests to Meta; want none", tt.name, n)
		}
	}
}

func TestInboundSurveyAnswers(t *testing.T) {
	answer := func(interaction, score int) *inbox.SurveyAnswer {
		return &inbox.SurveyAnswer{ConversationID: surveyConversation, Interaction: interaction, Score: score}
	}
	tests := []struct {
		fixture string
		text    string
		want    *inbox.SurveyAnswer
	}{
		{"whatsapp_list_reply_survey.CONSTRUCTED.json", "Excellent", answer(0, 5)},
		{"messenger_quick_reply_survey.CONSTRUCTED.json", "Good", answer(1, 4)},
		{"messenger_postback_survey.CONSTRUCTED.json", "Okay", answer(0, 3)},
		{"instagram_quick_reply_survey.CONSTRUCTED.json", "Very bad", answer(0, 1)},
		// Buttons of anything else are ordinary messages.
		{"whatsapp_list_reply.json", "Yes", nil},
		{"whatsapp_button_reply.json", "Yes", nil},
		{"whatsapp_button.json", "No", nil},
		{"messenger_quick_reply.CONSTRUCTED.json", "Red", nil},
		{"messenger_postback.json", "postback title", nil},
		{"whatsapp_text_message.json", "Hello World", nil},
	}
	for _, tt := range tests {
		e := newTestEnv(t)
		if w := e.postSigned(fixture(t, tt.fixture)); w.Code != 200 || len(e.ingest.got) != 1 {
			t.Errorf("%s: status %d, ingested %d; want 200 and one message", tt.fixture, w.Code, len(e.ingest.got))
			continue
		}
		in := e.ingest.got[0]
		if in.Text != tt.text || !reflect.DeepEqual(in.Answer, tt.want) {
			t.Errorf("%s: ingested text %q, answer %+v; want %q, %+v", tt.fixture, in.Text, in.Answer, tt.text, tt.want)
		}
	}
}

// A retried webhook carries the same ids, so ingest dedupes an answer as
// it does any message.
func TestInboundSurveyAnswerRedelivered(t *testing.T) {
	for _, name := range []string{"whatsapp_list_reply_survey.CONSTRUCTED.json", "messenger_quick_reply_survey.CONSTRUCTED.json",
		"messenger_postback_survey.CONSTRUCTED.json"} {
		e := newTestEnv(t)
		for range 2 {
			e.postSigned(fixture(t, name))
		}
		if got := e.ingest.got; len(got) != 2 || got[0].ExternalID == "" || got[0].ExternalID != got[1].ExternalID {
			t.Errorf("%s: ingested %+v; want the same ExternalID twice", name, got)
		}
	}
}

func TestCut(t *testing.T) {
	tests := []struct {
		in   string
		n    int
		want string
	}{
		{"Excelente", 24, "Excelente"},
		{"Excelente", 9, "Excelente"},
		{"Excelente", 5, "Excel"},
		{"¡Muy bien!", 4, "¡Muy"},
		{"😀😀😀", 2, "😀😀"},
		{"", 3, ""},
		{"abc", 0, ""},
	}
	for _, tt := range tests {
		if got := cut(tt.in, tt.n); got != tt.want {
			t.Errorf("cut(%q, %d) = %q; want %q", tt.in, tt.n, got, tt.want)
		}
	}
}
