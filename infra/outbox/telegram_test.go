package outbox

import (
	"bytes"
	"encoding/json"
	"image/jpeg"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

const testBotToken = "123456:ABC-DEF1234ghIkl-zyx57W2v1u123ew11"

func multipartBody(t *testing.T, fields map[string]string) (string, []byte) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, v := range fields {
		if err := mw.WriteField(k, v); err != nil {
			t.Fatal(err)
		}
	}
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	return mw.FormDataContentType(), buf.Bytes()
}

func TestTelegramSendMessage(t *testing.T) {
	formType, formBody := multipartBody(t, map[string]string{"chat_id": "-100200", "text": "to the group"})
	tests := []struct {
		name        string
		method      string
		path        string // after /bot<token>
		contentType string
		body        []byte
		wantStatus  int
		wantDesc    string // the error description, on failure
		wantTo      string
		wantText    string
	}{
		{name: "json", method: "POST", path: "/sendMessage", contentType: "application/json", body: fixture(t, "telegram_send_message.request.CONSTRUCTED.json"),
			wantStatus: 200, wantTo: "123456789", wantText: "Hi Ana, your order shipped today."},
		{name: "form", method: "POST", path: "/sendMessage", contentType: "application/x-www-form-urlencoded", body: []byte("chat_id=42&text=caf%C3%A9+%3Cb%3E"),
			wantStatus: 200, wantTo: "42", wantText: "café <b>"},
		{name: "query", method: "GET", path: "/sendMessage?chat_id=42&text=hi", wantStatus: 200, wantTo: "42", wantText: "hi"},
		{name: "multipart", method: "POST", path: "/sendMessage", contentType: formType, body: formBody, wantStatus: 200, wantTo: "-100200", wantText: "to the group"},
		{name: "empty text", method: "POST", path: "/sendMessage", contentType: "application/json", body: []byte(`{"chat_id":42,"text":"  "}`),
			wantStatus: 400, wantDesc: "Bad Request: message text is empty"},
		{name: "no chat", method: "POST", path: "/sendMessage", contentType: "application/json", body: []byte(`{"text":"hi"}`),
			wantStatus: 400, wantDesc: "Bad Request: chat_id is empty"},
		{name: "unknown username", method: "POST", path: "/sendMessage", contentType: "application/json", body: []byte(`{"chat_id":"@someone","text":"hi"}`),
			wantStatus: 400, wantDesc: "Bad Request: chat not found"},
		{name: "too long", method: "POST", path: "/sendMessage", contentType: "application/json", body: []byte(`{"chat_id":42,"text":"` + strings.Repeat("😀", 2049) + `"}`),
			wantStatus: 400, wantDesc: "Bad Request: message is too long"},
		{name: "bad JSON", method: "POST", path: "/sendMessage", contentType: "application/json", body: []byte(`{"chat_id":`),
			wantStatus: 400},
		{name: "unknown method", method: "POST", path: "/sendTelepathy", contentType: "application/json", body: []byte(`{}`),
			wantStatus: 404, wantDesc: "Not Found: method not found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := New(Options{})
			ts := devStack(t, s)
			status, got := call(t, tt.method, ts.URL+"/_fake/telegram/bot"+testBotToken+tt.path, tt.contentType, tt.body, nil)
			if status != tt.wantStatus {
				t.Fatalf("%s = %d %s; want %d", tt.path, status, got, tt.wantStatus)
			}
			var answer struct {
				OK          bool   `json:"ok"`
				ErrorCode   int    `json:"error_code"`
				Description string `json:"description"`
				Result      struct {
					MessageID int `json:"message_id"`
					From      struct {
						ID int64 `json:"id"`
					} `json:"from"`
					Chat struct {
						ID int64 `json:"id"`
					} `json:"chat"`
					Text string `json:"text"`
				} `json:"result"`
			}
			if err := json.Unmarshal(got, &answer); err != nil {
				t.Fatal(err)
			}
			if status != 200 {
				if answer.OK || answer.ErrorCode != status || tt.wantDesc != "" && answer.Description != tt.wantDesc {
					t.Errorf("error answer %s; want ok false, error_code %d, description %q", got, status, tt.wantDesc)
				}
				return
			}
			sameShape(t, got, fixture(t, "telegram_send_message.response.CONSTRUCTED.json"))
			if answer.Result.From.ID != 123456 || answer.Result.Text != tt.wantText || answer.Result.MessageID != 1 {
				t.Errorf("result = %+v; want from 123456, message_id 1, text %q", answer.Result, tt.wantText)
			}
			r := s.Sent(Telegram)[0]
			if r.To != tt.wantTo || r.Text != tt.wantText || r.ID != "1" || r.Op != "sendMessage" {
				t.Errorf("recorded To=%q Text=%q ID=%q Op=%q; want %q, %q, 1, sendMessage", r.To, r.Text, r.ID, r.Op, tt.wantTo, tt.wantText)
			}
		})
	}
}

func TestTelegramMalformedToken(t *testing.T) {
	ts := devStack(t, New(Options{}))
	for _, path := range []string{"/botnotatoken/sendMessage", "/file/botnotatoken/photos/file_1.jpg"} {
		status, got := call(t, "GET", ts.URL+"/_fake/telegram"+path, "", nil, nil)
		if status != 404 || !strings.Contains(string(got), `"error_code":404`) {
			t.Errorf("GET %s = %d %s; want the Bot API's 404", path, status, got)
		}
	}
}

// TestTelegramFile follows an inbound photo: getFile gives a path, which
// the file endpoint serves.
func TestTelegramFile(t *testing.T) {
	s := New(Options{})
	ts := devStack(t, s)
	base := ts.URL + "/_fake/telegram"
	status, got := call(t, "POST", base+"/bot"+testBotToken+"/getFile", "application/json", []byte(`{"file_id":"AgACAgQAAxkBAAIBZ2X"}`), nil)
	if status != 200 {
		t.Fatalf("getFile = %d %s", status, got)
	}
	sameShape(t, got, fixture(t, "telegram_get_file.response.CONSTRUCTED.json"))
	var answer struct {
		Result struct {
			FileID   string `json:"file_id"`
			FileSize int    `json:"file_size"`
			FilePath string `json:"file_path"`
		} `json:"result"`
	}
	if err := json.Unmarshal(got, &answer); err != nil {
		t.Fatal(err)
	}
	if answer.Result.FileID != "AgACAgQAAxkBAAIBZ2X" || answer.Result.FilePath != "photos/file_1.jpg" {
		t.Errorf("getFile result = %+v; want the file_id back and photos/file_1.jpg", answer.Result)
	}
	status, img := call(t, "GET", base+"/file/bot"+testBotToken+"/"+answer.Result.FilePath, "", nil, nil)
	if status != 200 || len(img) != answer.Result.FileSize {
		t.Fatalf("GET file = %d, %d bytes; want 200 and %d bytes", status, len(img), answer.Result.FileSize)
	}
	if _, err := jpeg.Decode(bytes.NewReader(img)); err != nil {
		t.Errorf("file is not a JPEG: %v", err)
	}
	if status, got := call(t, "GET", base+"/bot"+testBotToken+"/getFile", "", nil, nil); status != 400 {
		t.Errorf("getFile without file_id = %d %s; want 400", status, got)
	}
}

func TestTelegramSetWebhook(t *testing.T) {
	s := New(Options{})
	ts := devStack(t, s)
	form := url.Values{"url": {"https://example.com/webhooks/telegram"}, "secret_token": {"s3cret"}}
	status, got := call(t, "POST", ts.URL+"/_fake/telegram/bot"+testBotToken+"/setWebhook", "application/x-www-form-urlencoded", []byte(form.Encode()), nil)
	if status != 200 {
		t.Fatalf("setWebhook = %d %s", status, got)
	}
	sameShape(t, got, fixture(t, "telegram_set_webhook.response.CONSTRUCTED.json"))
	if !strings.Contains(string(got), `"description":"Webhook was set"`) {
		t.Errorf("setWebhook answered %s; want Webhook was set", got)
	}
	if r := s.Sent(Telegram)[0]; r.Op != "setWebhook" || r.ContentType != "application/x-www-form-urlencoded" || r.Status != http.StatusOK {
		t.Errorf("recorded %+v", r)
	}
}
