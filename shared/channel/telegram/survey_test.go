package telegram

import (
	"context"
	"errors"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/switchboard-inbox/switchboard/shared/dispatch"
	"github.com/switchboard-inbox/switchboard/shared/inbox"
)

const surveyConversation = "01JC8Z5S7Q8W3M2N4P6R8T0V2X"

// surveyMessage is a rating request as csat queues it: options lowest
// score first.
func surveyMessage(text string, labels ...string) inbox.Message {
	s := &inbox.Survey{Choose: "Valorar"}
	for i, label := range labels {
		score := i + 1
		s.Options = append(s.Options, inbox.SurveyOption{Score: score, Label: label,
			Payload: inbox.SurveyPayload(surveyConversation, 0, score)})
	}
	return inbox.Message{Author: inbox.AuthorBot, Text: text, Survey: s}
}

// keyboardJSON is an inline keyboard as it decodes from a request body.
func keyboardJSON(buttons ...[2]string) map[string]any {
	rows := []any{}
	for _, b := range buttons {
		rows = append(rows, []any{map[string]any{"text": b[0], "callback_data": b[1]}})
	}
	return map[string]any{"inline_keyboard": rows}
}

func payload(score string) string { return "csat:" + surveyConversation + ":0:" + score }

func TestSendSurvey(t *testing.T) {
	api := newFakeSendAPI(t, answer{200, string(fixture(t, "send_ok.json"))})
	s := &Sender{BotToken: testBotToken, APIURL: api.URL, HTTP: api.Client()}
	sent, err := s.Send(context.Background(), inbox.Conversation{Address: "12345"},
		surveyMessage("¿Qué tal te atendimos?", "Muy mal", "Mal", "Regular", "Bien", ""))
	if err != nil || sent.ExternalID != "12345:133" {
		t.Fatalf("Send = %+v, %v; want ExternalID 12345:133", sent, err)
	}
	want := []apiCall{{"/bot" + testBotToken + "/sendMessage", map[string]any{
		"chat_id": 12345.0, "text": "¿Qué tal te atendimos?",
		"reply_markup": keyboardJSON(
			[2]string{"5", payload("5")},
			[2]string{"4 · Bien", payload("4")},
			[2]string{"3 · Regular", payload("3")},
			[2]string{"2 · Mal", payload("2")},
			[2]string{"1 · Muy mal", payload("1")},
		),
	}}}
	if !reflect.DeepEqual(api.calls, want) {
		t.Errorf("calls\n  %+v\nwant\n  %+v", api.calls, want)
	}
}

// A rating request too long for one message keeps its buttons under the
// last part, where the customer finishes reading.
func TestSendSurveyLongText(t *testing.T) {
	api := newFakeSendAPI(t, answer{200, `{"ok":true,"result":{"message_id":1}}`}, answer{200, `{"ok":true,"result":{"message_id":2}}`})
	s := &Sender{BotToken: testBotToken, APIURL: api.URL, HTTP: api.Client()}
	sent, err := s.Send(context.Background(), inbox.Conversation{Address: "7"},
		surveyMessage(strings.Repeat("palabra ", 600), "Muy mal", "Mal", "Regular", "Bien", "Excelente"))
	if err != nil || sent.ExternalID != "7:1" || !slices.Equal(sent.Aliases, []string{"7:2"}) {
		t.Fatalf("Send = %+v, %v; want 7:1 and alias 7:2", sent, err)
	}
	if len(api.calls) != 2 {
		t.Fatalf("%d calls; want 2", len(api.calls))
	}
	if _, ok := api.calls[0].body["reply_markup"]; ok {
		t.Errorf("first part carries a keyboard: %+v", api.calls[0].body)
	}
	if _, ok := api.calls[1].body["reply_markup"]; !ok {
		t.Errorf("last part carries no keyboard: %+v", api.calls[1].body)
	}
}

func TestSendSurveyPayloadOverTelegramsLimit(t *testing.T) {
	api := newFakeSendAPI(t, answer{200, string(fixture(t, "send_ok.json"))})
	s := &Sender{BotToken: testBotToken, APIURL: api.URL, HTTP: api.Client()}
	m := surveyMessage("¿Qué tal?", "Muy mal", "Mal")
	m.Survey.Options[1].Payload = strings.Repeat("x", 65)
	_, err := s.Send(context.Background(), inbox.Conversation{Address: "12345"}, m)
	var permanent *dispatch.PermanentError
	if !errors.As(err, &permanent) || len(api.calls) != 0 {
		t.Errorf("Send = %v after %d calls; want a permanent error and no call", err, len(api.calls))
	}
}

func TestHandlerSurveyAnswer(t *testing.T) {
	api := newFakeBotAPI(t)
	h, ing, _ := newHandler(api)
	if w := post(h, fixture(t, "callback_query_survey.CONSTRUCTED.json"), ptr(testSecret)); w.Code != http.StatusOK || len(ing.got) != 1 {
		t.Fatalf("status %d, ingested %d; want 200 and one message", w.Code, len(ing.got))
	}
	in := ing.got[0]
	want := &inbox.SurveyAnswer{ConversationID: surveyConversation, Interaction: 0, Score: 4}
	if !reflect.DeepEqual(in.Answer, want) || in.Text != "4 · Bien" || in.Address != "1111111" || in.ExternalID != "10003" {
		t.Errorf("ingested %+v, answer %+v; want answer %+v, text %q, address 1111111, external id 10003", in, in.Answer, want, "4 · Bien")
	}
	if !slices.Equal(api.answered, []string{"4776120138471254417"}) {
		t.Errorf("answered callback queries %q; want the pressed one", api.answered)
	}
}

func TestHandlerAnswersButtonPresses(t *testing.T) {
	surveyPress := fixture(t, "callback_query_survey.CONSTRUCTED.json")
	tests := []struct {
		name        string
		body        []byte
		ingestErr   error
		answerError string
		status      int
		answered    []string
	}{
		{"inline-mode button", fixture(t, "callback_query.json"), nil, "", 200, []string{"4382bfdwdsb323b2d9"}},
		{"acknowledgement refused: the press is still taken", surveyPress, nil,
			"Bad Request: query is too old and response timeout expired or query ID is invalid", 200, []string{"4776120138471254417"}},
		{"store down: left for Telegram's retry", surveyPress, errStoreDown, "", 500, nil},
		{"ignored press is acknowledged too", []byte(`{"update_id":9,"callback_query":{"id":"77","data":"x"}}`), nil, "", 200, []string{"77"}},
		{"a message is not a press", fixture(t, "text_message.json"), nil, "", 200, nil},
	}
	for _, tt := range tests {
		api := newFakeBotAPI(t)
		api.answerError = tt.answerError
		h, ing, _ := newHandler(api)
		ing.err = tt.ingestErr
		if w := post(h, tt.body, ptr(testSecret)); w.Code != tt.status {
			t.Errorf("%s: status %d; want %d", tt.name, w.Code, tt.status)
		}
		if !slices.Equal(api.answered, tt.answered) {
			t.Errorf("%s: answered %q; want %q", tt.name, api.answered, tt.answered)
		}
	}
}

func TestIncomingSurveyPress(t *testing.T) {
	withMarkup := func(data string) string {
		return `{"update_id":1,"callback_query":{"id":"1","from":{"id":3},"message":{"chat":{"id":4,"type":"private"},` +
			`"reply_markup":{"inline_keyboard":[[{"text":"5 · Excelente","callback_data":"` + payload("5") + `"}],` +
			`[{"text":"Order status","callback_data":"status"}]]}},"data":"` + data + `"}}`
	}
	tests := []struct {
		name   string
		body   string
		text   string
		answer *inbox.SurveyAnswer
	}{
		{"survey button on its message", withMarkup(payload("5")), "5 · Excelente",
			&inbox.SurveyAnswer{ConversationID: surveyConversation, Score: 5}},
		{"survey data the keyboard lacks", withMarkup(payload("2")), payload("2"),
			&inbox.SurveyAnswer{ConversationID: surveyConversation, Score: 2}},
		{"message too old to be shown", `{"update_id":1,"callback_query":{"id":"1","from":{"id":3},` +
			`"message":{"chat":{"id":4,"type":"private"},"message_id":9,"date":0},"data":"` + payload("3") + `"}}`, payload("3"),
			&inbox.SurveyAnswer{ConversationID: surveyConversation, Score: 3}},
		{"another button keeps its data", withMarkup("status"), "status", nil},
		{"forged score", withMarkup("csat:" + surveyConversation + ":0:9"), "csat:" + surveyConversation + ":0:9", nil},
	}
	for _, tt := range tests {
		u, err := parseUpdate([]byte(tt.body))
		if err != nil {
			t.Errorf("%s: parseUpdate = %v", tt.name, err)
			continue
		}
		n, ignored := incoming(u)
		if ignored != "" || n.render() != tt.text || !reflect.DeepEqual(n.answer, tt.answer) {
			t.Errorf("%s: incoming = %q, answer %+v, ignored %q; want %q, %+v", tt.name, n.render(), n.answer, ignored, tt.text, tt.answer)
		}
	}
}
