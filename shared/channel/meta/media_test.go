package meta

import (
	"io"
	"net/http"
	"reflect"
	"strings"
	"testing"
)

func TestWhatsAppMediaFetchedWithToken(t *testing.T) {
	e := newTestEnv(t)
	if w := e.postSigned(fixture(t, "whatsapp_image.json")); w.Code != 200 {
		t.Fatalf("status = %d; want 200", w.Code)
	}
	calls := e.graph.calls()
	if len(calls) != 2 {
		t.Fatalf("requests = %+v; want the media lookup and the download", calls)
	}
	lookup, download := calls[0], calls[1]
	if lookup.method != "GET" || lookup.host != "graph.facebook.com" || lookup.path != "/v21.0/id_image" || lookup.auth != "Bearer wa-token" {
		t.Errorf("lookup = %s %s%s auth %q; want GET graph.facebook.com/v21.0/id_image with the bearer token",
			lookup.method, lookup.host, lookup.path, lookup.auth)
	}
	if download.host != "lookaside.fbsbx.com" || download.query != "mid=id_image" || download.auth != "Bearer wa-token" {
		t.Errorf("download = %s%s?%s auth %q; want the lookaside URL with the bearer token",
			download.host, download.path, download.query, download.auth)
	}
	want := []savedFile{{key: "whatsapp/external_id/1", contentType: "image/jpeg", body: []byte("wa:id_image")}}
	if !reflect.DeepEqual(e.media.saved, want) {
		t.Errorf("saved %+v; want %+v", e.media.saved, want)
	}
	att := e.ingest.got[0].Attachments
	if len(att) != 1 || att[0].Key != "whatsapp/external_id/1" || att[0].Size != int64(len("wa:id_image")) {
		t.Errorf("attachments = %+v; want the saved file", att)
	}
}

func TestMessengerMediaFetchedWithoutToken(t *testing.T) {
	e := newTestEnv(t)
	if w := e.postSigned(fixture(t, "messenger_attachment.json")); w.Code != 200 {
		t.Fatalf("status = %d; want 200", w.Code)
	}
	calls := e.graph.calls()
	if len(calls) != 1 || calls[0].host != "image-url" || calls[0].path != "/foo.png" || calls[0].auth != "" {
		t.Errorf("requests = %+v; want one GET of https://image-url/foo.png without a token", calls)
	}
	want := []savedFile{{key: "messenger/external_id/1", contentType: "image/png", body: []byte("fb:/foo.png")}}
	if !reflect.DeepEqual(e.media.saved, want) {
		t.Errorf("saved %+v; want %+v", e.media.saved, want)
	}
}

func TestInstagramMediaNeverDownloaded(t *testing.T) {
	for _, name := range []string{"instagram_attachment.json", "instagram_story_mention.json", "instagram_story_reply.CONSTRUCTED.json"} {
		e := newTestEnv(t)
		if w := e.postSigned(fixture(t, name)); w.Code != 200 {
			t.Fatalf("%s: status = %d; want 200", name, w.Code)
		}
		if calls := e.graph.calls(); len(calls) != 0 || len(e.media.saved) != 0 {
			t.Errorf("%s: requests %+v, saved %d files; want none", name, calls, len(e.media.saved))
		}
	}
}

func TestMediaNotKept(t *testing.T) {
	tests := []struct {
		name    string
		fixture string
		setup   func(*testEnv)
		text    string
		calls   int
	}{
		{"whatsapp file over the limit by its announced size", "whatsapp_image.json",
			func(e *testEnv) { e.h.Fetcher.MaxBytes = 10 },
			"[Photo, not downloaded: larger than 10 bytes] Check out my new phone!", 1},
		{"messenger file over the limit", "messenger_attachment.json",
			func(e *testEnv) { e.h.Fetcher.MaxBytes = 4 },
			"[Photo, not downloaded: larger than 4 bytes]", 1},
		{"graph lookup fails", "whatsapp_image.json",
			func(e *testEnv) { e.h.Fetcher.AccessToken = "expired" },
			"[Photo, not downloaded: download failed] Check out my new phone!", 1},
		{"CDN fails", "messenger_attachment.json",
			func(e *testEnv) {
				e.graph.handle = func(w http.ResponseWriter, _ *http.Request) { http.Error(w, "gone", http.StatusNotFound) }
			},
			"[Photo, not downloaded: download failed]", 1},
		{"no fetcher", "whatsapp_document_filename.CONSTRUCTED.json",
			func(e *testEnv) { e.h.Fetcher = nil },
			"[Document, not downloaded: file storage is not set up] Lucky Shrub Invoice", 0},
		{"no media store", "messenger_attachment.json",
			func(e *testEnv) { e.h.Media = nil },
			"[Photo, not downloaded: file storage is not set up]", 0},
	}
	for _, tt := range tests {
		e := newTestEnv(t)
		tt.setup(e)
		if w := e.postSigned(fixture(t, tt.fixture)); w.Code != 200 {
			t.Fatalf("%s: status = %d; want 200", tt.name, w.Code)
		}
		if len(e.ingest.got) != 1 || e.ingest.got[0].Text != tt.text || len(e.ingest.got[0].Attachments) != 0 {
			t.Errorf("%s: ingested %+v; want one message %q without attachments", tt.name, e.ingest.got, tt.text)
		}
		if n := len(e.graph.calls()); n != tt.calls || len(e.media.saved) != 0 {
			t.Errorf("%s: %d requests, %d saved; want %d requests, nothing saved", tt.name, n, len(e.media.saved), tt.calls)
		}
	}
}

func TestFetchErrorsHideURL(t *testing.T) {
	f := &Fetcher{AccessToken: "wa-token", HTTP: &http.Client{Transport: roundTripper(func(*http.Request) (*http.Response, error) {
		return nil, io.ErrUnexpectedEOF
	})}}
	_, err := f.get(t.Context(), "https://lookaside.fbsbx.com/whatsapp_business/attachments/?mid=1&hash=secret", true)
	if err == nil || strings.Contains(err.Error(), "secret") {
		t.Errorf("get error = %v; want an error without the URL", err)
	}
}
