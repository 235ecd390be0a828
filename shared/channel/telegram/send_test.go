package telegram

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"unicode/utf16"

	"github.com/switchboard-inbox/switchboard/shared/dispatch"
	"github.com/switchboard-inbox/switchboard/shared/inbox"
)

type apiCall struct {
	path string
	body map[string]any
}

// fakeSendAPI answers each call with the next of its answers (the last
// one repeats) and records what it was sent.
type fakeSendAPI struct {
	*httptest.Server
	mu      sync.Mutex
	calls   []apiCall
	answers []answer
}

type answer struct {
	status int
	body   string
}

func newFakeSendAPI(t *testing.T, answers ...answer) *fakeSendAPI {
	api := &fakeSendAPI{answers: answers}
	api.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw, _ := io.ReadAll(r.Body)
		var body map[string]any
		if err := json.Unmarshal(raw, &body); err != nil || r.Header.Get("Content-Type") != "application/json" {
			http.Error(w, "want a JSON body", http.StatusBadRequest)
			return
		}
		api.mu.Lock()
		a := api.answers[min(len(api.calls), len(api.answers)-1)]
		api.calls = append(api.calls, apiCall{r.URL.Path, body})
		api.mu.Unlock()
		w.WriteHeader(a.status)
		_, _ = io.WriteString(w, a.body)
	}))
	t.Cleanup(api.Close)
	return api
}

func TestSend(t *testing.T) {
	ok := answer{200, string(fixture(t, "send_ok.json"))}
	tests := []struct {
		name      string
		answer    answer
		wantID    string
		permanent bool // else retryable, when wantID is ""
	}{
		{"sent", ok, "12345:133", false},
		{"blocked by the user", answer{403, string(fixture(t, "send_blocked.json"))}, "", true},
		{"chat not found", answer{400, string(fixture(t, "send_chat_not_found.CONSTRUCTED.json"))}, "", true},
		{"error code in the body wins", answer{403, string(fixture(t, "send_bad_request.json"))}, "", true},
		{"rate limited", answer{429, string(fixture(t, "send_throttled.json"))}, "", false},
		{"Telegram down", answer{500, `{"ok":false,"error_code":500,"description":"Internal Server Error"}`}, "", false},
		{"proxy error page", answer{502, "<html>Bad Gateway</html>"}, "", false},
		{"no message_id", answer{200, `{"ok":true,"result":{}}`}, "", false},
	}
	for _, tt := range tests {
		api := newFakeSendAPI(t, tt.answer)
		s := &Sender{BotToken: testBotToken, APIURL: api.URL, HTTP: api.Client()}
		sent, err := s.Send(context.Background(), inbox.Conversation{Address: "12345"},
			inbox.Message{Text: "Hi <b>Ada</b> *not bold*", AuthorName: "Sam"})
		want := []apiCall{{"/bot" + testBotToken + "/sendMessage", map[string]any{"chat_id": 12345.0, "text": "Hi <b>Ada</b> *not bold*"}}}
		if !reflect.DeepEqual(api.calls, want) {
			t.Errorf("%s: calls %+v; want %+v", tt.name, api.calls, want)
		}
		var permanent *dispatch.PermanentError
		switch {
		case tt.wantID != "" && (err != nil || sent.ExternalID != tt.wantID):
			t.Errorf("%s: Send = %+v, %v; want ExternalID %s", tt.name, sent, err, tt.wantID)
		case tt.wantID == "" && err == nil:
			t.Errorf("%s: Send = %+v; want an error", tt.name, sent)
		case tt.wantID == "" && errors.As(err, &permanent) != tt.permanent:
			t.Errorf("%s: Send error %v (%T); want permanent %v", tt.name, err, err, tt.permanent)
		case err != nil && strings.Contains(err.Error(), testBotToken):
			t.Errorf("%s: error %q shows the bot token", tt.name, err)
		}
	}
}

func TestSendRejectsBadInput(t *testing.T) {
	tests := []struct {
		name    string
		address string
		text    string
	}{
		{"username address", "@somebody", "hi"},
		{"empty address", "", "hi"},
		{"empty text", "12345", ""},
		{"blank text", "12345", " \n\t "},
	}
	for _, tt := range tests {
		api := newFakeSendAPI(t, answer{200, `{"ok":true,"result":{"message_id":1}}`})
		s := &Sender{BotToken: testBotToken, APIURL: api.URL, HTTP: api.Client()}
		_, err := s.Send(context.Background(), inbox.Conversation{Address: tt.address}, inbox.Message{Text: tt.text})
		var permanent *dispatch.PermanentError
		if !errors.As(err, &permanent) || len(api.calls) != 0 {
			t.Errorf("%s: Send = %v after %d calls; want a permanent error and no call", tt.name, err, len(api.calls))
		}
	}
}

func TestSendNetworkErrorHidesToken(t *testing.T) {
	api := newFakeSendAPI(t, answer{200, "{}"})
	api.Close()
	s := &Sender{BotToken: testBotToken, APIURL: api.URL}
	_, err := s.Send(context.Background(), inbox.Conversation{Address: "1"}, inbox.Message{Text: "hi"})
	var permanent *dispatch.PermanentError
	if err == nil || errors.As(err, &permanent) || strings.Contains(err.Error(), testBotToken) {
		t.Errorf("Send to a closed server = %v; want a retryable error without the token", err)
	}
}

func TestSendLongText(t *testing.T) {
	var b strings.Builder
	for i := range 90 { // 9000 units: three parts
		b.WriteString(fmt.Sprintf("%02d", i) + strings.Repeat("x", 97) + "\n")
	}
	text := b.String()
	tests := []struct {
		name      string
		answers   []answer
		wantSent  inbox.Sent
		wantCalls int
		permanent bool
	}{
		{"all parts", []answer{
			{200, `{"ok":true,"result":{"message_id":1}}`},
			{200, `{"ok":true,"result":{"message_id":2}}`},
			{200, `{"ok":true,"result":{"message_id":3}}`},
		}, inbox.Sent{ExternalID: "7:1", Aliases: []string{"7:2", "7:3"}}, 3, false},
		{"short rate limit on a later part is waited out", []answer{
			{200, `{"ok":true,"result":{"message_id":1}}`},
			{429, `{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 1","parameters":{"retry_after":1}}`},
			{200, `{"ok":true,"result":{"message_id":2}}`},
			{200, `{"ok":true,"result":{"message_id":3}}`},
		}, inbox.Sent{ExternalID: "7:1", Aliases: []string{"7:2", "7:3"}}, 4, false},
		{"first part fails: retry it all", []answer{
			{500, `{"ok":false,"error_code":500,"description":"Internal Server Error"}`},
		}, inbox.Sent{}, 1, false},
		{"later part fails: never resend the first", []answer{
			{200, `{"ok":true,"result":{"message_id":1}}`},
			{403, string(fixture(t, "send_blocked.json"))},
		}, inbox.Sent{}, 2, true},
	}
	for _, tt := range tests {
		api := newFakeSendAPI(t, tt.answers...)
		s := &Sender{BotToken: testBotToken, APIURL: api.URL, HTTP: api.Client()}
		sent, err := s.Send(context.Background(), inbox.Conversation{Address: "7"}, inbox.Message{Text: text})
		var permanent *dispatch.PermanentError
		failed := tt.wantSent.ExternalID == ""
		if !reflect.DeepEqual(sent, tt.wantSent) || (err != nil) != failed || failed && errors.As(err, &permanent) != tt.permanent ||
			len(api.calls) != tt.wantCalls {
			t.Errorf("%s: Send = %+v, %v after %d calls; want %+v, failed %v (permanent %v) after %d", tt.name, sent, err,
				len(api.calls), tt.wantSent, failed, tt.permanent, tt.wantCalls)
			continue
		}
		if failed {
			continue
		}
		var joined []string
		for i, c := range api.calls {
			part, _ := c.body["text"].(string)
			if n := len(utf16.Encode([]rune(part))); n > MaxTextUnits {
				t.Errorf("%s: part %d is %d units", tt.name, i, n)
			}
			if i > 0 && part == joined[len(joined)-1] {
				continue // the retried part
			}
			joined = append(joined, part)
		}
		if strings.Join(joined, "\n") != strings.TrimSpace(text) {
			t.Errorf("%s: parts do not add up to the text in order", tt.name)
		}
	}
}

func TestSplitText(t *testing.T) {
	tests := []struct {
		name  string
		text  string
		limit int
		want  []string
	}{
		{"fits", "hello", 10, []string{"hello"}},
		{"exactly the limit", "0123456789", 10, []string{"0123456789"}},
		{"at a line break", "first line\nsecond", 12, []string{"first line", "second"}},
		{"at a space", "one two three four", 10, []string{"one two", "three four"}},
		{"no break in the second half", "a bcdefghijklmnop", 10, []string{"a bcdefghi", "jklmnop"}},
		{"emoji are two units", "😀😀😀😀😀😀", 4, []string{"😀😀", "😀😀", "😀😀"}},
		{"never splits a character", "ab😀", 3, []string{"ab", "😀"}},
		{"blank", " \n ", 10, nil},
		{"trimmed", "  hi  ", 10, []string{"hi"}},
	}
	for _, tt := range tests {
		if got := splitText(tt.text, tt.limit); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: splitText(%q, %d) = %q; want %q", tt.name, tt.text, tt.limit, got, tt.want)
		}
	}
}

func TestSetWebhook(t *testing.T) {
	tests := []struct {
		name    string
		secret  string
		answer  answer
		wantErr string // "" for success
		calls   int
	}{
		{"set", testSecret, answer{200, string(fixture(t, "setwebhook_ok.CONSTRUCTED.json"))}, "", 1},
		{"refused", testSecret, answer{400, `{"ok":false,"error_code":400,"description":"Bad Request: bad webhook: HTTPS url must be provided for webhook"}`},
			"HTTPS url must be provided for webhook", 1},
		{"no secret", "", answer{200, "{}"}, "secret token", 0},
		{"secret Telegram would refuse", "has space", answer{200, "{}"}, "secret token", 0},
	}
	for _, tt := range tests {
		api := newFakeSendAPI(t, tt.answer)
		c := &Client{BotToken: testBotToken, APIURL: api.URL + "/", SecretToken: tt.secret, HTTP: api.Client()}
		err := c.SetWebhook(context.Background(), "https://inbox.example.com/webhooks/telegram")
		if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
			t.Errorf("%s: SetWebhook = %v; want error containing %q", tt.name, err, tt.wantErr)
		}
		if len(api.calls) != tt.calls {
			t.Errorf("%s: %d calls; want %d", tt.name, len(api.calls), tt.calls)
			continue
		}
		if tt.calls == 0 {
			continue
		}
		want := apiCall{"/bot" + testBotToken + "/setWebhook", map[string]any{
			"url":                  "https://inbox.example.com/webhooks/telegram",
			"secret_token":         testSecret,
			"allowed_updates":      []any{"message", "edited_message", "callback_query"},
			"drop_pending_updates": false,
		}}
		if !reflect.DeepEqual(api.calls[0], want) {
			t.Errorf("%s: call %+v; want %+v", tt.name, api.calls[0], want)
		}
	}
}

func TestDownloadLimit(t *testing.T) {
	api := newFakeBotAPI(t)
	c := &Client{BotToken: testBotToken, APIURL: api.URL, HTTP: api.Client()}
	data, _, err := c.download(context.Background(), "abc", 100)
	if err != nil || string(data) != "bytes of abc.bin" {
		t.Fatalf("download = %q, %v; want the file", data, err)
	}
	limit := int64(len("bytes of abc.bin") - 1)
	if _, _, err := c.download(context.Background(), "abc", limit); !errors.Is(err, errTooLarge) {
		t.Errorf("download with limit %d = %v; want errTooLarge", limit, err)
	}
}

func TestSafeFilePath(t *testing.T) {
	for p, want := range map[string]bool{
		"photos/file_0.jpg": true, "voice/file_1.oga": true, "documents/Testfile-2.pdf": true,
		"": false, "/etc/passwd": false, "../bot1/getMe": false, "a/../../b": false,
		"a?b": false, "a#b": false, "a%2e%2e/b": false, "a b": false, "a\nb": false, `a\b`: false,
	} {
		if got := safeFilePath(p); got != want {
			t.Errorf("safeFilePath(%q) = %v; want %v", p, got, want)
		}
	}
}

func TestAPIErrorRetryable(t *testing.T) {
	for code, want := range map[int]bool{400: false, 401: false, 403: false, 404: false, 408: true, 429: true, 500: true, 502: true} {
		if got := (&apiError{code: code}).retryable(); got != want {
			t.Errorf("apiError{code: %s}.retryable() = %v; want %v", strconv.Itoa(code), got, want)
		}
	}
}
