package outbox

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"
)

// devStack mounts s as the dev stack does: each provider's base URL is a
// prefix stripped before s sees the request, and the page is at /dev/outbox.
func devStack(t *testing.T, s *Server) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	for _, provider := range []string{Meta, Telegram, Twilio, SES} {
		prefix := "/_fake/" + provider
		mux.Handle(prefix+"/", http.StripPrefix(prefix, s))
	}
	mux.Handle("/dev/outbox", s)
	mux.Handle("/dev/outbox/", s)
	ts := httptest.NewServer(mux)
	t.Cleanup(ts.Close)
	return ts
}

func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// call makes a request and returns the status and body of the answer.
func call(t *testing.T, method, url, contentType string, body []byte, header http.Header) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for name, values := range header {
		req.Header[name] = values
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	got, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, got
}

// placeholder matches the "<FILE_SIZE>" values documentation examples use
// where the type is not meant literally.
var placeholder = regexp.MustCompile(`^<[A-Z_]+>$`)

// sameShape fails unless got has the keys of the documented example want,
// recursively, and no others, with values of the same JSON types.
func sameShape(t *testing.T, got, want []byte) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("answer is not JSON: %v: %s", err, got)
	}
	if err := json.Unmarshal(want, &w); err != nil {
		t.Fatalf("example is not JSON: %v", err)
	}
	for _, diff := range shapeDiff("", g, w) {
		t.Errorf("answer differs from the documented shape: %s\nanswer: %s", diff, got)
	}
}

func shapeDiff(path string, got, want any) []string {
	if s, ok := want.(string); ok && placeholder.MatchString(s) || want == nil {
		return nil
	}
	if fmt.Sprintf("%T", got) != fmt.Sprintf("%T", want) {
		return []string{fmt.Sprintf("%s is %T; want %T", path, got, want)}
	}
	var diffs []string
	switch w := want.(type) {
	case map[string]any:
		g := got.(map[string]any)
		for k, v := range w {
			if _, ok := g[k]; !ok {
				diffs = append(diffs, path+"."+k+" is missing")
				continue
			}
			diffs = append(diffs, shapeDiff(path+"."+k, g[k], v)...)
		}
		for k := range g {
			if _, ok := w[k]; !ok {
				diffs = append(diffs, path+"."+k+" is not in the example")
			}
		}
	case []any:
		g := got.([]any)
		if len(g) == 0 || len(w) == 0 {
			return nil
		}
		diffs = append(diffs, shapeDiff(path+"[0]", g[0], w[0])...)
	}
	return diffs
}

func bearer(token string) http.Header {
	return http.Header{"Authorization": {"Bearer " + token}}
}

func TestWaitForAndReset(t *testing.T) {
	s := New(Options{})
	ts := devStack(t, s)
	send := func(text string) {
		body := `{"messaging_product":"whatsapp","to":"15551234567","type":"text","text":{"body":"` + text + `"}}`
		if status, got := call(t, "POST", ts.URL+"/_fake/meta/v21.0/1065/messages", "application/json", []byte(body), bearer("EAAlocal")); status != 200 {
			t.Fatalf("send = %d %s", status, got)
		}
	}

	done := make(chan struct{})
	go func() {
		defer close(done)
		time.Sleep(20 * time.Millisecond)
		send("first")
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	got, err := s.WaitFor(ctx, Meta, 1)
	<-done
	if err != nil || len(got) != 1 || got[0].Text != "first" || got[0].N != 1 {
		t.Fatalf("WaitFor(meta, 1) = %+v, %v; want the first message", got, err)
	}

	short, cancelShort := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancelShort()
	if got, err := s.WaitFor(short, Meta, 2); err == nil || len(got) != 1 {
		t.Errorf("WaitFor(meta, 2) with one sent = %d requests, %v; want 1 and an error", len(got), err)
	}
	if got := s.Sent(Telegram); len(got) != 0 {
		t.Errorf("Sent(telegram) = %d requests; want none", len(got))
	}

	s.Reset()
	if got := s.Sent(Meta); len(got) != 0 {
		t.Errorf("after Reset, Sent(meta) = %d requests; want none", len(got))
	}
	send("second")
	if got := s.Sent(Meta); len(got) != 1 || got[0].N != 2 {
		t.Errorf("after Reset and a send, Sent(meta) = %+v; want one request numbered 2", got)
	}
}

func TestKeepsTheLatestRecords(t *testing.T) {
	s := New(Options{})
	for i := range maxRecords + 5 {
		s.record(Request{Provider: Twilio, Text: fmt.Sprint(i)})
	}
	got := s.Sent(Twilio)
	if len(got) != maxRecords || got[0].Text != "5" || got[len(got)-1].N != maxRecords+5 {
		t.Errorf("kept %d records from %q to N=%d; want %d from \"5\" to N=%d", len(got), got[0].Text, got[len(got)-1].N, maxRecords, maxRecords+5)
	}
}

func TestUnknownRequests(t *testing.T) {
	s := New(Options{})
	ts := devStack(t, s)
	tests := []struct {
		method, path string
		wantStatus   int
	}{
		{"GET", "/_fake/twilio/2010-04-01/Accounts/AC1/Messages.json", http.StatusMethodNotAllowed},
		{"DELETE", "/_fake/meta/v21.0/1065/messages", http.StatusMethodNotAllowed},
		{"POST", "/_fake/ses/v2/email/outbound-emails/extra", http.StatusNotFound},
		{"POST", "/_fake/meta/", http.StatusNotFound},
		{"POST", "/dev/outbox", http.StatusMethodNotAllowed},
		{"GET", "/dev/outbox/1.eml", http.StatusNotFound},
		{"GET", "/dev/outbox/x.eml", http.StatusNotFound},
	}
	for _, tt := range tests {
		if status, got := call(t, tt.method, ts.URL+tt.path, "", nil, nil); status != tt.wantStatus {
			t.Errorf("%s %s = %d %s; want %d", tt.method, tt.path, status, got, tt.wantStatus)
		}
	}
	for _, p := range []string{Meta, Telegram, Twilio, SES} {
		if got := s.Sent(p); len(got) != 0 {
			t.Errorf("Sent(%s) = %d requests; want none recorded", p, len(got))
		}
	}
}
