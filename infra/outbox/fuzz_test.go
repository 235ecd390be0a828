package outbox

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
)

// fuzzRoutes are the provider requests that carry a body the server parses.
var fuzzRoutes = []struct {
	provider, path string
	auth           http.Header
}{
	{Meta, "/v21.0/1065/messages", bearer("EAAlocal")},
	{Telegram, "/bot" + testBotToken + "/sendMessage", nil},
	{Telegram, "/bot" + testBotToken + "/getFile", nil},
	{Telegram, "/bot" + testBotToken + "/setWebhook", nil},
	{Telegram, "/bot" + testBotToken + "/answerCallbackQuery", nil},
	{Twilio, "/2010-04-01/Accounts/" + testAccount + "/Messages.json", basicAuth(testAccount, "token")},
	{SES, "/v2/email/outbound-emails", http.Header{"Authorization": {"AWS4-HMAC-SHA256 Credential=AKIDLOCAL/20260101/us-east-1/ses/aws4_request"}}},
}

// FuzzProviderRequest sends arbitrary bodies to every route that parses
// one: the server must answer a 2xx or 4xx in the provider's JSON, record
// the request, and still render its page.
func FuzzProviderRequest(f *testing.F) {
	f.Add(uint8(0), "application/json", fixture(f, "whatsapp_send_text.request.json"))
	f.Add(uint8(0), "application/x-www-form-urlencoded", fixture(f, "messenger_send_text.request.ADAPTED.form.txt"))
	f.Add(uint8(0), "application/json", fixture(f, "whatsapp_send_list.request.CONSTRUCTED.json"))
	f.Add(uint8(0), "application/json", fixture(f, "messenger_send_quick_replies.request.json"))
	f.Add(uint8(1), "application/json", fixture(f, "telegram_send_message.request.CONSTRUCTED.json"))
	f.Add(uint8(1), "application/json", fixture(f, "telegram_send_message_keyboard.request.CONSTRUCTED.json"))
	f.Add(uint8(1), "application/x-www-form-urlencoded", []byte(`chat_id=42&text=t&reply_markup=%7B%22inline_keyboard%22%3A%5B%5B%7B%22text%22%3A%22a%22%2C%22callback_data%22%3A%22b%22%7D%5D%5D%7D`))
	f.Add(uint8(1), "multipart/form-data; boundary=x", []byte("--x\r\nContent-Disposition: form-data; name=\"chat_id\"\r\n\r\n42\r\n--x--\r\n"))
	f.Add(uint8(2), "application/x-www-form-urlencoded", []byte("file_id=AgAC"))
	f.Add(uint8(3), "application/json", []byte(`{"url":"https://example.com/hook"}`))
	f.Add(uint8(4), "application/json", []byte(`{"callback_query_id":"4776120138471254417"}`))
	f.Add(uint8(5), "application/x-www-form-urlencoded", fixture(f, "twilio_create_message.request.ADAPTED.form.txt"))
	raw, _ := json.Marshal(map[string]any{"Content": map[string]any{"Raw": map[string]any{"Data": fixture(f, "reply_with_references.eml")}}})
	f.Add(uint8(6), "application/x-amz-json-1.1", raw)
	f.Add(uint8(6), "application/json", []byte(`{"FromEmailAddress":"a@b.c","Destination":{"ToAddresses":["d@e.f"]},"Content":{"Simple":{"Subject":{"Data":"s"},"Body":{"Text":{"Data":"t"}},"Headers":[{"Name":"In-Reply-To","Value":"<x@y>"}]}}}`))
	f.Fuzz(func(t *testing.T, route uint8, contentType string, body []byte) {
		rt := fuzzRoutes[int(route)%len(fuzzRoutes)]
		s := New(Options{})
		req := httptest.NewRequest(http.MethodPost, rt.path, bytes.NewReader(body))
		for name, values := range rt.auth {
			req.Header[name] = values
		}
		req.Header.Set("Content-Type", contentType)
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, req)
		if rec.Code >= 500 || rec.Code < 200 {
			t.Fatalf("POST %s = %d %s", rt.path, rec.Code, rec.Body)
		}
		if !json.Valid(rec.Body.Bytes()) {
			t.Errorf("POST %s answered non-JSON %q", rt.path, rec.Body)
		}
		if sent := s.Sent(rt.provider); len(sent) != 1 || sent[0].Status != rec.Code {
			t.Errorf("Sent(%s) = %+v; want the one request, status %d", rt.provider, sent, rec.Code)
		}
		page := httptest.NewRecorder()
		s.ServeHTTP(page, httptest.NewRequest(http.MethodGet, pagePath, nil))
		if page.Code != http.StatusOK {
			t.Errorf("GET %s = %d %s", pagePath, page.Code, page.Body)
		}
	})
}

func FuzzParseEmail(f *testing.F) {
	f.Add(fixture(f, "reply_with_references.eml"))
	f.Add([]byte("From: a@b.c\r\nSubject: =?utf-8?q?caf=C3=A9?=\r\nContent-Type: text/html\r\n\r\n<p>hi</p>\r\n"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		email, err := parseEmail(raw)
		if err != nil {
			return
		}
		if !bytes.Equal(email.Raw, raw) {
			t.Errorf("Email.Raw is not the message parsed")
		}
	})
}
