package outbox

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"image/jpeg"
	"net/http"
	"strings"
	"testing"
)

func TestMetaMessages(t *testing.T) {
	long := strings.Repeat("é", whatsAppTextLimit+1)
	tests := []struct {
		name        string
		path        string
		contentType string
		body        []byte
		header      http.Header
		wantStatus  int
		wantShape   string // a documented example the answer must match
		wantCode    int    // the Graph error code, on failure
		wantTo      string
		wantText    string
		wantIDPre   string
	}{
		{
			name: "whatsapp text", path: "/v21.0/106540352242922/messages", contentType: "application/json",
			body: fixture(t, "whatsapp_send_text.request.json"), header: bearer("EAAlocal"),
			wantStatus: 200, wantShape: "whatsapp_send.response.ADAPTED.json",
			wantTo: "+16505551234", wantText: "As requested, here's the link to our latest product: https://www.meta.com/quest/quest-3/", wantIDPre: "wamid.",
		},
		{
			name: "whatsapp image, version in the base URL", path: "/106540352242922/messages", contentType: "application/json",
			body:       []byte(`{"messaging_product":"whatsapp","to":"34600111222","type":"image","image":{"link":"https://example.com/a.jpg","caption":"Your receipt"}}`),
			header:     bearer("EAAlocal"),
			wantStatus: 200, wantShape: "whatsapp_send.response.ADAPTED.json", wantTo: "34600111222", wantText: "[Image] Your receipt", wantIDPre: "wamid.",
		},
		{
			name: "whatsapp template", path: "/v21.0/1065/messages", contentType: "application/json",
			body:       []byte(`{"messaging_product":"whatsapp","to":"34600111222","type":"template","template":{"name":"csat_request","language":{"code":"en"}}}`),
			header:     bearer("EAAlocal"),
			wantStatus: 200, wantTo: "34600111222", wantText: "[Template: csat_request]", wantIDPre: "wamid.",
		},
		{
			name: "whatsapp read receipt", path: "/v21.0/1065/messages", contentType: "application/json",
			body:       []byte(`{"messaging_product":"whatsapp","status":"read","message_id":"wamid.in1"}`),
			header:     bearer("EAAlocal"),
			wantStatus: 200, wantText: "[Read receipt for wamid.in1]",
		},
		{
			name: "messenger form, token in the form", path: "/v21.0/me/messages", contentType: "application/x-www-form-urlencoded",
			body:       bytes.TrimSpace(fixture(t, "messenger_send_text.request.ADAPTED.form.txt")),
			wantStatus: 200, wantShape: "messenger_send.response.json", wantTo: "PSID", wantText: "hello, world", wantIDPre: "m_",
		},
		{
			name: "instagram json to the page id", path: "/v21.0/17841400000000000/messages", contentType: "application/json",
			body:       []byte(`{"recipient":{"id":"1254459154682919"},"message":{"text":"Hola 👋"}}`),
			header:     bearer("IGlocal"),
			wantStatus: 200, wantShape: "messenger_send.response.json", wantTo: "1254459154682919", wantText: "Hola 👋", wantIDPre: "m_",
		},
		{
			name: "no token", path: "/v21.0/1065/messages", contentType: "application/json",
			body:       fixture(t, "whatsapp_send_text.request.json"),
			wantStatus: 401, wantCode: 190,
		},
		{
			name: "no recipient", path: "/v21.0/1065/messages", contentType: "application/json",
			body: []byte(`{"messaging_product":"whatsapp","type":"text","text":{"body":"hi"}}`), header: bearer("EAAlocal"),
			wantStatus: 400, wantCode: 100,
		},
		{
			name: "no messaging_product", path: "/v21.0/1065/messages", contentType: "application/json",
			body: []byte(`{"to":"1555","type":"text","text":{"body":"hi"}}`), header: bearer("EAAlocal"),
			wantStatus: 400, wantCode: 100,
		},
		{
			name: "empty text", path: "/v21.0/1065/messages", contentType: "application/json",
			body: []byte(`{"messaging_product":"whatsapp","to":"1555","type":"text","text":{"body":""}}`), header: bearer("EAAlocal"),
			wantStatus: 400, wantCode: 100,
		},
		{
			name: "text too long", path: "/v21.0/1065/messages", contentType: "application/json",
			body: []byte(`{"messaging_product":"whatsapp","to":"1555","text":{"body":"` + long + `"}}`), header: bearer("EAAlocal"),
			wantStatus: 400, wantCode: 100,
		},
		{
			name: "messenger without a message", path: "/v21.0/me/messages", contentType: "application/json",
			body: []byte(`{"recipient":{"id":"PSID"}}`), header: bearer("EAAlocal"),
			wantStatus: 400, wantCode: 100,
		},
		{
			name: "not JSON", path: "/v21.0/1065/messages", contentType: "application/json",
			body: []byte(`{"to":`), header: bearer("EAAlocal"),
			wantStatus: 400, wantCode: 100,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := New(Options{})
			ts := devStack(t, s)
			status, got := call(t, "POST", ts.URL+"/_fake/meta"+tt.path, tt.contentType, tt.body, tt.header)
			if status != tt.wantStatus {
				t.Fatalf("POST %s = %d %s; want %d", tt.path, status, got, tt.wantStatus)
			}
			if tt.wantShape != "" {
				sameShape(t, got, fixture(t, tt.wantShape))
			}
			if tt.wantCode != 0 {
				var e struct {
					Error struct {
						Code int    `json:"code"`
						Type string `json:"type"`
					} `json:"error"`
				}
				if err := json.Unmarshal(got, &e); err != nil || e.Error.Code != tt.wantCode || e.Error.Type != "OAuthException" {
					t.Errorf("error answer %s; want an OAuthException with code %d", got, tt.wantCode)
				}
			}
			sent := s.Sent(Meta)
			if len(sent) != 1 {
				t.Fatalf("Sent(meta) = %d requests; want 1", len(sent))
			}
			r := sent[0]
			if r.To != tt.wantTo || r.Text != tt.wantText || !strings.HasPrefix(r.ID, tt.wantIDPre) || (tt.wantIDPre == "") != (r.ID == "") {
				t.Errorf("recorded To=%q Text=%q ID=%q; want To=%q Text=%q ID starting %q", r.To, r.Text, r.ID, tt.wantTo, tt.wantText, tt.wantIDPre)
			}
			if r.ID != "" && !bytes.Contains(got, []byte(`"`+r.ID+`"`)) {
				t.Errorf("recorded ID %q is not the one answered: %s", r.ID, got)
			}
			if r.Path != tt.path || r.Status != tt.wantStatus || !bytes.Equal(r.Body, tt.body) || r.Auth != tt.header.Get("Authorization") {
				t.Errorf("recorded %s %d auth %q; want %s %d auth %q and the body sent", r.Path, r.Status, r.Auth, tt.path, tt.wantStatus, tt.header.Get("Authorization"))
			}
		})
	}
}

func TestWhatsAppContacts(t *testing.T) {
	ts := devStack(t, New(Options{}))
	_, got := call(t, "POST", ts.URL+"/_fake/meta/v21.0/1065/messages", "application/json", fixture(t, "whatsapp_send_text.request.json"), bearer("EAAlocal"))
	var answer struct {
		Contacts []struct {
			Input string `json:"input"`
			WaID  string `json:"wa_id"`
		} `json:"contacts"`
	}
	if err := json.Unmarshal(got, &answer); err != nil {
		t.Fatal(err)
	}
	if len(answer.Contacts) != 1 || answer.Contacts[0].Input != "+16505551234" || answer.Contacts[0].WaID != "16505551234" {
		t.Errorf("contacts = %+v; want input +16505551234, wa_id 16505551234", answer.Contacts)
	}
}

// TestMetaMedia follows an inbound WhatsApp image: the media id resolves to
// a URL on the stand-in, which serves an image when given the token.
func TestMetaMedia(t *testing.T) {
	s := New(Options{})
	ts := devStack(t, s)
	status, got := call(t, "GET", ts.URL+"/_fake/meta/v21.0/1234567890", "", nil, bearer("EAAlocal"))
	if status != 200 {
		t.Fatalf("GET media id = %d %s", status, got)
	}
	sameShape(t, got, fixture(t, "media_url.response.json"))
	var media struct {
		URL      string `json:"url"`
		MimeType string `json:"mime_type"`
		SHA256   string `json:"sha256"`
		FileSize int    `json:"file_size"`
		ID       string `json:"id"`
	}
	if err := json.Unmarshal(got, &media); err != nil {
		t.Fatal(err)
	}
	if want := ts.URL + "/_fake/meta/media/1234567890"; media.URL != want || media.ID != "1234567890" || media.MimeType != "image/jpeg" {
		t.Errorf("media = %+v; want url %s, id 1234567890, image/jpeg", media, want)
	}

	if status, _ := call(t, "GET", media.URL, "", nil, nil); status != http.StatusUnauthorized {
		t.Errorf("GET media URL without the token = %d; want 401", status)
	}
	status, img := call(t, "GET", media.URL, "", nil, bearer("EAAlocal"))
	sum := sha256.Sum256(img)
	if status != 200 || len(img) != media.FileSize || hex.EncodeToString(sum[:]) != media.SHA256 {
		t.Fatalf("GET media URL = %d, %d bytes; want 200 and the %d bytes the sha256 names", status, len(img), media.FileSize)
	}
	if _, err := jpeg.Decode(bytes.NewReader(img)); err != nil {
		t.Errorf("media is not a JPEG: %v", err)
	}
	ops := []string{}
	for _, r := range s.Sent(Meta) {
		ops = append(ops, r.Op)
	}
	if strings.Join(ops, ",") != "media-url,media,media" {
		t.Errorf("recorded ops %v; want media-url, media, media", ops)
	}
}
