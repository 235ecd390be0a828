package meta

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/switchboard-inbox/switchboard/shared/inbox"
	"github.com/switchboard-inbox/switchboard/shared/ingest"
)

const testSecret = "test_app_secret"

var testNow = time.Date(2026, 11, 5, 12, 0, 0, 0, time.UTC)

type fakeIngest struct {
	got []inbox.Inbound
	err error
}

func (f *fakeIngest) Ingest(_ context.Context, in inbox.Inbound) (ingest.Result, error) {
	if f.err != nil {
		return ingest.Result{}, f.err
	}
	f.got = append(f.got, in)
	return ingest.Result{ConversationID: "conv-1", MessageID: "msg-1"}, nil
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
	key, contentType, name string
	body                   []byte
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
	f.saved = append(f.saved, savedFile{key: key, contentType: contentType, name: name, body: b})
	return inbox.Attachment{Key: key, ContentType: contentType, Name: name, Size: int64(len(b))}, nil
}

// graphFake stands in for the Graph API and every CDN Meta links to: the
// client's transport sends all hosts to it, so fixture URLs such as
// https://image-url/foo.png reach it unchanged but for the host.
type graphFake struct {
	srv      *httptest.Server
	mu       sync.Mutex
	requests []recorded
	// handle answers a request; nil serves WhatsApp media and files.
	handle http.HandlerFunc
}

type recorded struct {
	method, host, path, query, auth string
	body                            []byte
}

func newGraphFake(t *testing.T, handle http.HandlerFunc) *graphFake {
	t.Helper()
	g := &graphFake{handle: handle}
	g.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		g.mu.Lock()
		g.requests = append(g.requests, recorded{method: r.Method, host: r.Host, path: r.URL.Path,
			query: r.URL.RawQuery, auth: r.Header.Get("Authorization"), body: body})
		g.mu.Unlock()
		r.Body = io.NopCloser(bytes.NewReader(body))
		if g.handle != nil {
			g.handle(w, r)
			return
		}
		serveMedia(w, r)
	}))
	t.Cleanup(g.srv.Close)
	return g
}

// client sends every request to the fake, whatever its host.
func (g *graphFake) client() *http.Client {
	target, _ := url.Parse(g.srv.URL)
	return &http.Client{Timeout: 5 * time.Second, Transport: roundTripper(func(r *http.Request) (*http.Response, error) {
		r = r.Clone(r.Context())
		r.Host = r.URL.Host
		r.URL.Scheme, r.URL.Host = target.Scheme, target.Host
		return http.DefaultTransport.RoundTrip(r)
	})}
}

func (g *graphFake) calls() []recorded {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]recorded(nil), g.requests...)
}

type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// serveMedia answers like the Graph API and its CDN: a media id resolves
// to a lookaside URL whose bytes need the same bearer token, and any
// other path is a Messenger file that needs none.
func serveMedia(w http.ResponseWriter, r *http.Request) {
	switch {
	case strings.HasPrefix(r.URL.Path, "/v21.0/"):
		id := strings.TrimPrefix(r.URL.Path, "/v21.0/")
		if r.Header.Get("Authorization") != "Bearer wa-token" {
			http.Error(w, `{"error":{"message":"Invalid OAuth access token","code":190}}`, http.StatusUnauthorized)
			return
		}
		// The documented answer, pointed at this id's file.
		var answer map[string]any
		raw, _ := os.ReadFile(filepath.Join("testdata", "graph_media.CONSTRUCTED.json"))
		_ = json.Unmarshal(raw, &answer)
		answer["id"], answer["file_size"] = id, strconv.Itoa(len("wa:"+id))
		answer["url"] = "https://lookaside.fbsbx.com/whatsapp_business/attachments/?mid=" + url.QueryEscape(id)
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(answer)
	case r.URL.Path == "/whatsapp_business/attachments/":
		if r.Header.Get("Authorization") != "Bearer wa-token" {
			http.Error(w, "no token", http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", "application/octet-stream")
		_, _ = io.WriteString(w, "wa:"+r.URL.Query().Get("mid"))
	default:
		if r.Header.Get("Authorization") != "" {
			http.Error(w, "a CDN file must not get our token", http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "image/png")
		_, _ = io.WriteString(w, "fb:"+r.URL.Path)
	}
}

type testEnv struct {
	h        *Handler
	ingest   *fakeIngest
	receipts *fakeReceipts
	media    *fakeMedia
	graph    *graphFake
}

func newTestEnv(t *testing.T) *testEnv {
	t.Helper()
	e := &testEnv{ingest: &fakeIngest{}, receipts: &fakeReceipts{}, media: &fakeMedia{}, graph: newGraphFake(t, nil)}
	e.h = &Handler{
		AppSecret: testSecret, VerifyToken: "meatyhamhock",
		Ingest: e.ingest, Receipts: e.receipts, Media: e.media,
		Fetcher: &Fetcher{AccessToken: "wa-token", HTTP: e.graph.client()},
		Log:     slog.New(slog.NewTextHandler(io.Discard, nil)),
		Now:     func() time.Time { return testNow },
	}
	return e
}

// post sends a body to the handler with the given signature header
// ("" sends none).
func (e *testEnv) post(body []byte, signature string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(http.MethodPost, "/webhooks/meta", bytes.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	if signature != "" {
		r.Header.Set("X-Hub-Signature-256", signature)
	}
	w := httptest.NewRecorder()
	e.h.ServeHTTP(w, r)
	return w
}

func (e *testEnv) postSigned(body []byte) *httptest.ResponseRecorder {
	return e.post(body, Signature(testSecret, body))
}

func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}
