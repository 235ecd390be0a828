package twilio

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// fakeTwilioMedia serves media as Twilio does: the API URL wants the
// account's basic auth and redirects to the CDN, which serves the file.
func fakeTwilioMedia(t *testing.T, files map[string]string, tooLarge map[string]bool) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("/2010-04-01/Accounts/{account}/Messages/{message}/Media/{media}", func(w http.ResponseWriter, r *http.Request) {
		user, pass, ok := r.BasicAuth()
		if !ok || user != testAccountSID || pass != testToken || r.PathValue("account") != testAccountSID {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		http.Redirect(w, r, "/cdn/"+r.PathValue("media"), http.StatusTemporaryRedirect)
	})
	mux.HandleFunc("/cdn/{media}", func(w http.ResponseWriter, r *http.Request) {
		id := r.PathValue("media")
		if tooLarge[id] {
			w.Header().Set("Content-Length", fmt.Sprint(MaxMediaBytes+1))
			w.WriteHeader(http.StatusOK)
			return
		}
		body, ok := files[id]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/octet-stream")
		_, _ = w.Write([]byte(body))
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

// mmsFixture is the MMS fixture with its media on the fake Twilio at base.
func mmsFixture(t *testing.T, base string) string {
	t.Helper()
	return strings.ReplaceAll(fixture(t, "mms_inbound.CONSTRUCTED.form-urlencoded.txt"), "https%3A%2F%2Fapi.twilio.com", url.QueryEscape(base))
}

const (
	media1 = "ME00000000000000000000000000000001"
	media2 = "ME00000000000000000000000000000002"
	mmsSID = "MMe287d7109a5a925f182f0e07fe5b223b"
)

func TestHandlerMMS(t *testing.T) {
	files := map[string]string{media1: "jpeg bytes", media2: "png bytes"}
	tests := []struct {
		name      string
		files     map[string]string
		tooLarge  map[string]bool
		token     string
		wantText  string
		wantSaved map[string]savedFile
	}{
		{
			name: "two photos", files: files, token: testToken,
			wantText: "Msg\n[Photo]\n[Photo]",
			wantSaved: map[string]savedFile{
				"sms/" + mmsSID + "/0": {body: "jpeg bytes", contentType: "image/jpeg", name: "photo-1.jpg"},
				"sms/" + mmsSID + "/1": {body: "png bytes", contentType: "image/png", name: "photo-2.png"},
			},
		},
		{
			name: "one gone", files: map[string]string{media1: "jpeg bytes"}, token: testToken,
			wantText: "Msg\n[Photo]\n[Photo could not be downloaded]",
			wantSaved: map[string]savedFile{
				"sms/" + mmsSID + "/0": {body: "jpeg bytes", contentType: "image/jpeg", name: "photo-1.jpg"},
			},
		},
		{
			name: "one too large", files: files, tooLarge: map[string]bool{media2: true}, token: testToken,
			wantText: "Msg\n[Photo]\n[Photo over 25 MB, not downloaded]",
			wantSaved: map[string]savedFile{
				"sms/" + mmsSID + "/0": {body: "jpeg bytes", contentType: "image/jpeg", name: "photo-1.jpg"},
			},
		},
	}
	for _, tt := range tests {
		srv := fakeTwilioMedia(t, tt.files, tt.tooLarge)
		e := newEnv()
		e.h.APIURL = srv.URL
		wantTwiML(t, e.post(t, webhookURL, webhookURL, mmsFixture(t, srv.URL)))
		if len(e.ingest.got) != 1 {
			t.Fatalf("%s: ingested %d messages; want 1", tt.name, len(e.ingest.got))
		}
		in := e.ingest.got[0]
		if in.Text != tt.wantText {
			t.Errorf("%s: Text = %q; want %q", tt.name, in.Text, tt.wantText)
		}
		if len(e.media.saved) != len(tt.wantSaved) || len(in.Attachments) != len(tt.wantSaved) {
			t.Errorf("%s: saved %d files, attached %d; want %d", tt.name, len(e.media.saved), len(in.Attachments), len(tt.wantSaved))
		}
		for key, want := range tt.wantSaved {
			if got := e.media.saved[key]; got != want {
				t.Errorf("%s: saved %s = %+v; want %+v", tt.name, key, got, want)
			}
		}
		for _, a := range in.Attachments {
			if _, ok := tt.wantSaved[a.Key]; !ok || a.Size == 0 {
				t.Errorf("%s: attachment %+v is not a saved file", tt.name, a)
			}
		}
	}
}

func TestHandlerMMSWrongCredentials(t *testing.T) {
	srv := fakeTwilioMedia(t, map[string]string{media1: "x", media2: "y"}, nil)
	e := newEnv()
	e.h.AccountSID = "ACwrong"
	e.h.APIURL = srv.URL
	body := mmsFixture(t, srv.URL)
	wantTwiML(t, e.post(t, webhookURL, webhookURL, body))
	if got := e.ingest.got[0].Text; got != "Msg\n[Photo could not be downloaded]\n[Photo could not be downloaded]" {
		t.Errorf("Text = %q; want two placeholders", got)
	}
}

func TestHandlerMMSCredentialsOnlyToTwilio(t *testing.T) {
	srv := fakeTwilioMedia(t, map[string]string{media1: "x", media2: "y"}, nil)
	e := newEnv()
	e.h.APIURL = "https://api.twilio.com"
	wantTwiML(t, e.post(t, webhookURL, webhookURL, mmsFixture(t, srv.URL)))
	if got := e.ingest.got[0].Text; got != "Msg\n[Photo could not be downloaded]\n[Photo could not be downloaded]" {
		t.Errorf("Text = %q; want the media on a host that is not Twilio's fetched without the account's credentials (and refused)", got)
	}
}

func TestHandlerMMSStoreDown(t *testing.T) {
	srv := fakeTwilioMedia(t, map[string]string{media1: "x", media2: "y"}, nil)
	e := newEnv()
	e.media.err = errors.New("s3 unavailable")
	e.h.APIURL = srv.URL
	body := mmsFixture(t, srv.URL)
	if w := e.post(t, webhookURL, webhookURL, body); w.Code != http.StatusInternalServerError {
		t.Errorf("status = %d; want 500", w.Code)
	}
	if len(e.ingest.got) != 0 {
		t.Errorf("ingested %d messages; want none until the media is stored", len(e.ingest.got))
	}
}

func TestMediaKindAndName(t *testing.T) {
	tests := []struct {
		formType, headerType string
		wantType, wantKind   string
	}{
		{"image/jpeg", "", "image/jpeg", "Photo"},
		{"", "video/mp4; codecs=avc1", "video/mp4", "Video"},
		{"audio/ogg", "application/octet-stream", "audio/ogg", "Audio"},
		{"text/vcard", "", "text/vcard", "Contact"},
		{"nonsense", "", "application/octet-stream", "File"},
	}
	for _, tt := range tests {
		gotType := mediaType(tt.formType, tt.headerType)
		if gotType != tt.wantType || mediaKind(gotType) != tt.wantKind {
			t.Errorf("mediaType(%q, %q) = %q (%s); want %q (%s)", tt.formType, tt.headerType, gotType, mediaKind(gotType), tt.wantType, tt.wantKind)
		}
	}
}

func TestDownloadRefusesOtherSchemes(t *testing.T) {
	h := &Handler{}
	for _, raw := range []string{"file:///etc/passwd", "cat.jpg", "", "http://"} {
		if _, _, err := h.download(t.Context(), raw); err == nil {
			t.Errorf("download(%q) succeeded; want an error", raw)
		}
	}
}
