package telegram

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/switchboard-inbox/switchboard/shared/inbox"
	"github.com/switchboard-inbox/switchboard/shared/ingest"
)

const (
	testBotToken = "123456:ABC-test_token"
	testSecret   = "webhook_secret-1"
	testLink     = "test_link_secret"
)

func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

type fakeIngester struct {
	got []inbox.Inbound
	err error
}

func (f *fakeIngester) Ingest(_ context.Context, in inbox.Inbound) (ingest.Result, error) {
	if f.err != nil {
		return ingest.Result{}, f.err
	}
	f.got = append(f.got, in)
	return ingest.Result{ConversationID: "C1", MessageID: "M1"}, nil
}

type savedFile struct {
	key, contentType, name, body string
}

type fakeMedia struct {
	saved []savedFile
	err   error
}

func (f *fakeMedia) Save(_ context.Context, key string, body io.Reader, contentType, name string) (inbox.Attachment, error) {
	if f.err != nil {
		return inbox.Attachment{}, f.err
	}
	b, err := io.ReadAll(body)
	if err != nil {
		return inbox.Attachment{}, err
	}
	f.saved = append(f.saved, savedFile{key, contentType, name, string(b)})
	return inbox.Attachment{Key: key, Name: name, ContentType: contentType, Size: int64(len(b))}, nil
}

// fakeBotAPI answers getFile with files/<file_id>.bin and serves that
// file's bytes; getFile for ids in fail answers with that error instead.
// It answers answerCallbackQuery as the Bot API does, or with
// answerError when set.
type fakeBotAPI struct {
	*httptest.Server
	mu          sync.Mutex
	requested   []string // file ids asked for
	fail        map[string]string
	answered    []string // callback query ids acknowledged
	answerError string
}

func newFakeBotAPI(t *testing.T) *fakeBotAPI {
	api := &fakeBotAPI{fail: map[string]string{}}
	api.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.Method == http.MethodPost && r.URL.Path == "/bot"+testBotToken+"/getFile":
			var p struct {
				FileID string `json:"file_id"`
			}
			if err := json.NewDecoder(r.Body).Decode(&p); err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			api.mu.Lock()
			api.requested = append(api.requested, p.FileID)
			api.mu.Unlock()
			if desc, ok := api.fail[p.FileID]; ok {
				w.WriteHeader(http.StatusBadRequest)
				_, _ = io.WriteString(w, `{"ok":false,"error_code":400,"description":"`+desc+`"}`)
				return
			}
			_, _ = io.WriteString(w, `{"ok":true,"result":{"file_id":"`+p.FileID+`","file_path":"files/`+p.FileID+`.bin"}}`)
		case r.Method == http.MethodPost && r.URL.Path == "/bot"+testBotToken+"/answerCallbackQuery":
			var p struct {
				CallbackQueryID string `json:"callback_query_id"`
			}
			if err := json.NewDecoder(r.Body).Decode(&p); err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			api.mu.Lock()
			api.answered = append(api.answered, p.CallbackQueryID)
			api.mu.Unlock()
			if api.answerError != "" {
				w.WriteHeader(http.StatusBadRequest)
				_, _ = io.WriteString(w, `{"ok":false,"error_code":400,"description":"`+api.answerError+`"}`)
				return
			}
			_, _ = io.WriteString(w, `{"ok":true,"result":true}`)
		case r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, "/file/bot"+testBotToken+"/files/"):
			_, _ = io.WriteString(w, "bytes of "+strings.TrimPrefix(r.URL.Path, "/file/bot"+testBotToken+"/files/"))
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(api.Close)
	return api
}

func newHandler(api *fakeBotAPI) (*Handler, *fakeIngester, *fakeMedia) {
	ing, media := &fakeIngester{}, &fakeMedia{}
	h := &Handler{
		SecretToken: testSecret, BotToken: testBotToken, APIURL: api.URL, LinkSecret: testLink,
		Ingest: ing, Media: media, HTTP: api.Client(),
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Now: func() time.Time { return time.Date(2026, 11, 3, 10, 0, 0, 0, time.UTC) },
	}
	return h, ing, media
}

func post(h http.Handler, body []byte, secret *string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(http.MethodPost, "/webhooks/telegram", strings.NewReader(string(body)))
	r.Header.Set("Content-Type", "application/json")
	if secret != nil {
		r.Header.Set("X-Telegram-Bot-Api-Secret-Token", *secret)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func ptr(s string) *string { return &s }

var errStoreDown = errors.New("store is down")
