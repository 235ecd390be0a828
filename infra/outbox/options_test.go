package outbox

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
)

// listRequest is a WhatsApp list message with the given button and rows
// (id and title alternating), in one section.
func listRequest(button string, rows ...string) []byte {
	var rs []map[string]string
	for i := 0; i+1 < len(rows); i += 2 {
		rs = append(rs, map[string]string{"id": rows[i], "title": rows[i+1]})
	}
	body, _ := json.Marshal(map[string]any{
		"messaging_product": "whatsapp", "recipient_type": "individual", "to": "34600112233", "type": "interactive",
		"interactive": map[string]any{"type": "list", "body": map[string]string{"text": "¿Qué tal te atendimos?"},
			"action": map[string]any{"button": button, "sections": []any{map[string]any{"title": button, "rows": rs}}}},
	})
	return body
}

func TestWhatsAppList(t *testing.T) {
	var eleven []string
	for i := range 11 {
		eleven = append(eleven, fmt.Sprint("row", i), "Row")
	}
	tests := []struct {
		name        string
		body        []byte
		wantStatus  int
		wantText    string
		wantOptions []string
		wantDetails string
	}{
		{"documented list", fixture(t, "whatsapp_send_list.request.CONSTRUCTED.json"), 200, "Which shipping option do you prefer?",
			[]string{"Priority Mail Express", "Priority Mail", "USPS Ground Advantage", "Media Mail"}, ""},
		{"limits are characters, not bytes", listRequest("Elige una valoración", "csat:1", "Excelente, ¡muchas graci"), 200,
			"¿Qué tal te atendimos?", []string{"Excelente, ¡muchas graci"}, ""},
		{"button over 20 characters", listRequest("Elige una valoración!", "a", "A"), 400, "", nil, "Button text"},
		{"no button", listRequest("", "a", "A"), 400, "", nil, "Button text"},
		{"row title over 24 characters", listRequest("Valorar", "a", "Excelente, ¡muchas gracia"), 400, "", nil, "Row title"},
		{"row without an id", listRequest("Valorar", "", "A"), 400, "", nil, "Row id"},
		{"no rows", listRequest("Valorar"), 400, "", nil, "rows"},
		{"eleven rows", listRequest("Valorar", eleven...), 400, "", nil, "rows"},
		{"no body", []byte(`{"messaging_product":"whatsapp","to":"1555","type":"interactive","interactive":{"type":"list",` +
			`"action":{"button":"B","sections":[{"rows":[{"id":"a","title":"A"}]}]}}}`), 400, "", nil, "Body text"},
		{"untitled section among two", []byte(`{"messaging_product":"whatsapp","to":"1555","type":"interactive","interactive":{"type":"list",` +
			`"body":{"text":"b"},"action":{"button":"B","sections":[{"title":"S","rows":[{"id":"a","title":"A"}]},{"rows":[{"id":"b","title":"B"}]}]}}}`),
			400, "", nil, "Section title"},
		{"reply buttons are shown as before", []byte(`{"messaging_product":"whatsapp","to":"1555","type":"interactive","interactive":{"type":"button",` +
			`"body":{"text":"Ready?"},"action":{"buttons":[{"type":"reply","reply":{"id":"y","title":"Yes"}}]}}}`), 200, "[Interactive] Ready?", nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := New(Options{})
			ts := devStack(t, s)
			status, got := call(t, "POST", ts.URL+"/_fake/meta/v21.0/1065/messages", "application/json", tt.body, bearer("EAAlocal"))
			if status != tt.wantStatus {
				t.Fatalf("POST = %d %s; want %d", status, got, tt.wantStatus)
			}
			if status == 200 {
				sameShape(t, got, fixture(t, "whatsapp_send.response.ADAPTED.json"))
			} else {
				var e struct {
					Error struct {
						Code      int `json:"code"`
						ErrorData struct {
							Details string `json:"details"`
						} `json:"error_data"`
					} `json:"error"`
				}
				if err := json.Unmarshal(got, &e); err != nil || e.Error.Code != 131009 || !strings.Contains(e.Error.ErrorData.Details, tt.wantDetails) {
					t.Errorf("error %s; want code 131009 with details about %q", got, tt.wantDetails)
				}
			}
			r := s.Sent(Meta)[0]
			if r.Text != tt.wantText || !slices.Equal(r.Options, tt.wantOptions) {
				t.Errorf("recorded text %q, options %q; want %q, %q", r.Text, r.Options, tt.wantText, tt.wantOptions)
			}
		})
	}
}

func TestMessengerQuickReplies(t *testing.T) {
	replies := func(titles ...string) []byte {
		var qr []map[string]string
		for _, title := range titles {
			qr = append(qr, map[string]string{"content_type": "text", "title": title, "payload": "p:" + title})
		}
		body, _ := json.Marshal(map[string]any{"recipient": map[string]string{"id": "1254477777772919"}, "messaging_type": "RESPONSE",
			"message": map[string]any{"text": "¿Qué tal te atendimos?", "quick_replies": qr}})
		return body
	}
	var fourteen []string
	for i := range 14 {
		fourteen = append(fourteen, fmt.Sprint(i))
	}
	tests := []struct {
		name        string
		body        []byte
		wantStatus  int
		wantText    string
		wantOptions []string
	}{
		{"documented quick replies", fixture(t, "messenger_send_quick_replies.request.json"), 200, "Pick a color:", []string{"Red", "Green"}},
		{"long titles show cut", replies("Excelente, ¡muchas graciñas!", "Bien"), 200, "¿Qué tal te atendimos?",
			[]string{"Excelente, ¡muchas g", "Bien"}},
		{"fourteen", replies(fourteen...), 400, "", nil},
		{"no title", replies(""), 400, "", nil},
		{"no payload", []byte(`{"recipient":{"id":"1"},"message":{"text":"t","quick_replies":[{"content_type":"text","title":"A"}]}}`), 400, "", nil},
		{"a number payload", []byte(`{"recipient":{"id":"1"},"message":{"text":"t","quick_replies":[{"content_type":"text","title":"A","payload":5}]}}`),
			200, "t", []string{"A"}},
		{"a phone number quick reply", []byte(`{"recipient":{"id":"1"},"message":{"text":"t","quick_replies":[{"content_type":"user_phone_number"}]}}`),
			200, "t", []string{"[User_phone_number]"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := New(Options{})
			ts := devStack(t, s)
			status, got := call(t, "POST", ts.URL+"/_fake/meta/v21.0/me/messages?access_token=page", "application/json", tt.body, nil)
			if status != tt.wantStatus {
				t.Fatalf("POST = %d %s; want %d", status, got, tt.wantStatus)
			}
			if status == 200 {
				sameShape(t, got, fixture(t, "messenger_send.response.json"))
			}
			r := s.Sent(Meta)[0]
			if status == 200 && (r.Text != tt.wantText || !slices.Equal(r.Options, tt.wantOptions)) {
				t.Errorf("recorded text %q, options %q; want %q, %q", r.Text, r.Options, tt.wantText, tt.wantOptions)
			}
		})
	}
}

func TestTelegramInlineKeyboard(t *testing.T) {
	keyboard := `{"inline_keyboard":[[{"text":"5 · Excelente","callback_data":"csat:1"}]]}`
	tests := []struct {
		name        string
		contentType string
		body        []byte
		wantStatus  int
		wantDesc    string
		wantOptions []string
	}{
		{"json", "application/json", fixture(t, "telegram_send_message_keyboard.request.CONSTRUCTED.json"), 200, "",
			[]string{"5 · Excellent", "4 · Good", "3 · Okay", "2 · Bad", "1 · Very bad"}},
		{"form, markup as a JSON string", "application/x-www-form-urlencoded",
			[]byte(url.Values{"chat_id": {"42"}, "text": {"¿Qué tal?"}, "reply_markup": {keyboard}}.Encode()), 200, "", []string{"5 · Excelente"}},
		{"callback data over 64 bytes", "application/json",
			[]byte(`{"chat_id":42,"text":"t","reply_markup":{"inline_keyboard":[[{"text":"a","callback_data":"` + strings.Repeat("x", 65) + `"}]]}}`),
			400, "Bad Request: BUTTON_DATA_INVALID", nil},
		{"empty callback data", "application/json",
			[]byte(`{"chat_id":42,"text":"t","reply_markup":{"inline_keyboard":[[{"text":"a","callback_data":""}]]}}`),
			400, "Bad Request: BUTTON_DATA_INVALID", nil},
		{"markup not an object", "application/json", []byte(`{"chat_id":42,"text":"t","reply_markup":[1]}`),
			400, "Bad Request: can't parse reply keyboard markup JSON object", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := New(Options{})
			ts := devStack(t, s)
			status, got := call(t, "POST", ts.URL+"/_fake/telegram/bot"+testBotToken+"/sendMessage", tt.contentType, tt.body, nil)
			if status != tt.wantStatus {
				t.Fatalf("sendMessage = %d %s; want %d", status, got, tt.wantStatus)
			}
			if status != 200 {
				if !strings.Contains(string(got), `"description":"`+tt.wantDesc+`"`) {
					t.Errorf("answer %s; want description %q", got, tt.wantDesc)
				}
				return
			}
			sameShape(t, got, fixture(t, "telegram_send_message_keyboard.response.CONSTRUCTED.json"))
			var answer struct {
				Result struct {
					ReplyMarkup struct {
						InlineKeyboard [][]struct {
							Text string `json:"text"`
						} `json:"inline_keyboard"`
					} `json:"reply_markup"`
				} `json:"result"`
			}
			if err := json.Unmarshal(got, &answer); err != nil || len(answer.Result.ReplyMarkup.InlineKeyboard) != len(tt.wantOptions) {
				t.Errorf("result %s; want the keyboard sent back", got)
			}
			if r := s.Sent(Telegram)[0]; !slices.Equal(r.Options, tt.wantOptions) {
				t.Errorf("recorded options %q; want %q", r.Options, tt.wantOptions)
			}
		})
	}
}

func TestTelegramAnswerCallbackQuery(t *testing.T) {
	tests := []struct {
		name       string
		body       string
		wantStatus int
		wantText   string
	}{
		{"acknowledged", `{"callback_query_id":"4776120138471254417"}`, 200, ""},
		{"with a notification", `{"callback_query_id":"4776120138471254417","text":"¡Gracias!"}`, 200, "[Notification] ¡Gracias!"},
		{"no id", `{}`, 400, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := New(Options{})
			ts := devStack(t, s)
			status, got := call(t, "POST", ts.URL+"/_fake/telegram/bot"+testBotToken+"/answerCallbackQuery", "application/json", []byte(tt.body), nil)
			if status != tt.wantStatus {
				t.Fatalf("answerCallbackQuery = %d %s; want %d", status, got, tt.wantStatus)
			}
			if status == 200 {
				sameShape(t, got, fixture(t, "telegram_answer_callback_query.response.CONSTRUCTED.json"))
			}
			r := s.Sent(Telegram)[0]
			if r.Op != "answerCallbackQuery" || r.Status != status || string(r.Body) != tt.body || r.Text != tt.wantText {
				t.Errorf("recorded %s %d %s text %q; want answerCallbackQuery %d with the body sent, text %q",
					r.Op, r.Status, r.Body, r.Text, status, tt.wantText)
			}
		})
	}
}

func TestPageShowsOptions(t *testing.T) {
	s := New(Options{})
	ts := devStack(t, s)
	if status, got := call(t, "POST", ts.URL+"/_fake/meta/v21.0/1065/messages", "application/json",
		listRequest("Valorar", "csat:5", "<b>Excelente</b>", "csat:4", "Bien & más"), bearer("EAAlocal")); status != 200 {
		t.Fatalf("send = %d %s", status, got)
	}
	if status, got := call(t, "POST", ts.URL+"/_fake/telegram/bot"+testBotToken+"/sendMessage", "application/json",
		fixture(t, "telegram_send_message_keyboard.request.CONSTRUCTED.json"), nil); status != 200 {
		t.Fatalf("sendMessage = %d %s", status, got)
	}
	status, page := call(t, "GET", ts.URL+"/dev/outbox", "", nil, nil)
	if status != 200 {
		t.Fatalf("GET /dev/outbox = %d", status)
	}
	for _, want := range []string{
		`<ul class="options" aria-label="Options offered"><li>&lt;b&gt;Excelente&lt;/b&gt;</li><li>Bien &amp; más</li></ul>`,
		`<li>5 · Excellent</li><li>4 · Good</li><li>3 · Okay</li><li>2 · Bad</li><li>1 · Very bad</li>`,
	} {
		if !strings.Contains(string(page), want) {
			t.Errorf("page lacks %s", want)
		}
	}
	if strings.Contains(string(page), "<b>Excelente") {
		t.Error("page shows an option unescaped")
	}
}

// The page bounds what it shows of a message's options however many a
// request carried.
func TestPageBoundsOptions(t *testing.T) {
	s := New(Options{})
	options := make([]string, 100)
	for i := range options {
		options[i] = strings.Repeat("é", 1000)
	}
	s.record(Request{Provider: Telegram, Op: "sendMessage", To: "1", Text: "t", Status: http.StatusOK, Options: options})
	status, page := call(t, "GET", devStack(t, s).URL+"/dev/outbox", "", nil, nil)
	if n := strings.Count(string(page), "<li>"); status != 200 || n != maxChoices || len(page) > 20*maxChoiceShown+10_000 {
		t.Errorf("page = %d with %d options in %d bytes; want %d options, each bounded", status, n, len(page), maxChoices)
	}
}
