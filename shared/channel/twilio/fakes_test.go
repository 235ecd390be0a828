package twilio

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/switchboard-inbox/switchboard/shared/inbox"
	"github.com/switchboard-inbox/switchboard/shared/ingest"
)

const (
	testToken      = "test-auth-token"
	testAccountSID = "AC00000000000000000000000000000000"
	webhookURL     = "https://hooks.example.com/webhooks/twilio"
)

var testNow = time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)

// fakeIngest dedupes on the channel and external id, as ingest does.
type fakeIngest struct {
	mu   sync.Mutex
	got  []inbox.Inbound
	seen map[string]bool
	err  error
}

func (f *fakeIngest) Ingest(_ context.Context, in inbox.Inbound) (ingest.Result, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return ingest.Result{}, f.err
	}
	if f.seen == nil {
		f.seen = map[string]bool{}
	}
	key := inbox.DedupeKey(in.Channel, in.ExternalID)
	dup := f.seen[key]
	f.seen[key] = true
	f.got = append(f.got, in)
	return ingest.Result{ConversationID: "C1", MessageID: "M1", Duplicate: dup}, nil
}

type fakeReceipts struct {
	got []inbox.Receipt
	err error
}

func (f *fakeReceipts) Receipt(_ context.Context, r inbox.Receipt) error {
	if f.err != nil {
		return f.err
	}
	f.got = append(f.got, r)
	return nil
}

type savedFile struct {
	body, contentType, name string
}

type fakeMedia struct {
	mu    sync.Mutex
	saved map[string]savedFile
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
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.saved == nil {
		f.saved = map[string]savedFile{}
	}
	f.saved[key] = savedFile{body: string(b), contentType: contentType, name: name}
	return inbox.Attachment{Name: name, ContentType: contentType, Size: int64(len(b)), Key: key}, nil
}

type fakeOptOuts struct {
	optedOut map[string]bool
	sets     int
	err      error
}

func (f *fakeOptOuts) SetOptOut(_ context.Context, ch inbox.Channel, address string, optedOut bool) error {
	if f.err != nil {
		return f.err
	}
	if f.optedOut == nil {
		f.optedOut = map[string]bool{}
	}
	f.sets++
	f.optedOut[string(ch)+"#"+address] = optedOut
	return nil
}

func (f *fakeOptOuts) OptedOut(_ context.Context, ch inbox.Channel, address string) (bool, error) {
	if f.err != nil {
		return false, f.err
	}
	return f.optedOut[string(ch)+"#"+address], nil
}

// env is a Handler with fakes behind it.
type env struct {
	h        *Handler
	ingest   *fakeIngest
	receipts *fakeReceipts
	media    *fakeMedia
	optOuts  *fakeOptOuts
}

func newEnv() *env {
	e := &env{ingest: &fakeIngest{}, receipts: &fakeReceipts{}, media: &fakeMedia{}, optOuts: &fakeOptOuts{}}
	e.h = &Handler{
		AuthToken: testToken, AccountSID: testAccountSID,
		Ingest: e.ingest, Receipts: e.receipts, Media: e.media, OptOuts: e.optOuts,
		Log: slog.New(slog.DiscardHandler), Now: func() time.Time { return testNow },
	}
	return e
}

// stored counts everything the handler wrote.
func (e *env) stored() int {
	return len(e.ingest.got) + len(e.receipts.got) + len(e.media.saved) + e.optOuts.sets
}

// post sends body to target signed as Twilio signs it for signedURL.
func (e *env) post(t *testing.T, target, signedURL, body string) *httptest.ResponseRecorder {
	t.Helper()
	form, err := url.ParseQuery(body)
	if err != nil {
		t.Fatalf("fixture %q is not a form: %v", body, err)
	}
	return e.postWithSignature(target, body, Sign(testToken, signedURL, form))
}

func (e *env) postWithSignature(target, body, signature string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(http.MethodPost, target, strings.NewReader(body))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if signature != "" {
		r.Header.Set("X-Twilio-Signature", signature)
	}
	w := httptest.NewRecorder()
	e.h.ServeHTTP(w, r)
	return w
}

func fixture(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// withFields returns a form body with some fields replaced.
func withFields(t testing.TB, body string, fields map[string]string) string {
	t.Helper()
	form, err := url.ParseQuery(body)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range fields {
		form.Set(k, v)
	}
	return form.Encode()
}

func wantTwiML(t *testing.T, w *httptest.ResponseRecorder) {
	t.Helper()
	if w.Code != http.StatusOK {
		t.Fatalf("status = %d (%s); want 200", w.Code, w.Body)
	}
	if ct := w.Header().Get("Content-Type"); ct != "text/xml" {
		t.Errorf("Content-Type = %q; want text/xml", ct)
	}
	if got := w.Body.String(); got != emptyTwiML {
		t.Errorf("body = %q; want %q", got, emptyTwiML)
	}
}
