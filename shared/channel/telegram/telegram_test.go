package telegram

import (
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/switchboard-inbox/switchboard/shared/inbox"
)

func TestHandlerSecretToken(t *testing.T) {
	body := fixture(t, "text_message.json")
	tests := []struct {
		name       string
		configured string
		header     *string
		body       []byte
		want       int
	}{
		{"valid", testSecret, ptr(testSecret), body, http.StatusOK},
		{"forged", testSecret, ptr("webhook_secret-2"), body, http.StatusUnauthorized},
		{"prefix of the secret", testSecret, ptr(testSecret[:5]), body, http.StatusUnauthorized},
		{"missing", testSecret, nil, body, http.StatusUnauthorized},
		{"empty header", testSecret, ptr(""), body, http.StatusUnauthorized},
		{"none configured, none sent", "", nil, body, http.StatusUnauthorized},
		{"none configured, empty sent", "", ptr(""), body, http.StatusUnauthorized},
		{"checked before parsing", testSecret, ptr("wrong"), []byte("not json"), http.StatusUnauthorized},
	}
	for _, tt := range tests {
		api := newFakeBotAPI(t)
		h, ing, media := newHandler(api)
		h.SecretToken = tt.configured
		w := post(h, tt.body, tt.header)
		if w.Code != tt.want {
			t.Errorf("%s: status %d; want %d", tt.name, w.Code, tt.want)
		}
		wantIngested := 0
		if tt.want == http.StatusOK {
			wantIngested = 1
		}
		if len(ing.got) != wantIngested || (tt.want != http.StatusOK && (len(media.saved) > 0 || len(api.requested) > 0)) {
			t.Errorf("%s: ingested %d, saved %d, fetched %d; want %d ingested and nothing else", tt.name,
				len(ing.got), len(media.saved), len(api.requested), wantIngested)
		}
	}
}

func TestHandlerStatus(t *testing.T) {
	tests := []struct {
		name      string
		method    string
		body      string
		ingestErr error
		mediaErr  error
		want      int
		ingested  int
	}{
		{"text", http.MethodPost, string(fixture(t, "text_message.json")), nil, nil, 200, 1},
		{"not JSON", http.MethodPost, "foo", nil, nil, 400, 0},
		{"JSON array", http.MethodPost, "[]", nil, nil, 400, 0},
		{"null", http.MethodPost, "null", nil, nil, 400, 0},
		{"no update_id", http.MethodPost, `{"message":{"chat":{"id":1},"text":"hi"}}`, nil, nil, 400, 0},
		{"over 1 MB", http.MethodPost, `{"update_id":1,"message":{"text":"` + strings.Repeat("a", MaxBodyBytes) + `"}}`, nil, nil, 413, 0},
		{"GET", http.MethodGet, "", nil, nil, 405, 0},
		{"no message in update", http.MethodPost, string(fixture(t, "no_message.json")), nil, nil, 200, 0},
		{"inline query ignored", http.MethodPost, string(fixture(t, "inline_query.json")), nil, nil, 200, 0},
		{"my_chat_member ignored", http.MethodPost, `{"update_id":5,"my_chat_member":{"chat":{"id":1,"type":"private"}}}`, nil, nil, 200, 0},
		{"message without chat ignored", http.MethodPost, `{"update_id":5,"message":{"text":"hi"}}`, nil, nil, 200, 0},
		{"store down", http.MethodPost, string(fixture(t, "text_message.json")), errStoreDown, nil, 500, 0},
		{"media store down", http.MethodPost, string(fixture(t, "photo.json")), nil, errStoreDown, 500, 0},
	}
	for _, tt := range tests {
		h, ing, media := newHandler(newFakeBotAPI(t))
		ing.err, media.err = tt.ingestErr, tt.mediaErr
		r := strings.NewReader(tt.body)
		req, _ := http.NewRequest(tt.method, "/webhooks/telegram", r)
		req.Header.Set("X-Telegram-Bot-Api-Secret-Token", testSecret)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != tt.want || len(ing.got) != tt.ingested {
			t.Errorf("%s: status %d, ingested %d; want %d, %d", tt.name, w.Code, len(ing.got), tt.want, tt.ingested)
		}
		if w.Code == http.StatusOK && w.Body.Len() != 0 {
			t.Errorf("%s: body %q; want empty", tt.name, w.Body)
		}
	}
}

func TestHandlerKinds(t *testing.T) {
	tests := []struct {
		fixture    string
		text       string
		address    string
		name       string
		externalID string
		fetched    []string // file ids fetched with getFile
		saved      []savedFile
	}{
		{fixture: "text_message.json", text: "Hello World", address: "3527065", name: "Nic Pottier", externalID: "174114370"},
		{
			fixture: "photo.json", text: "[Photo]\nPhoto Caption", address: "3527065", name: "Nic Pottier", externalID: "900946525",
			fetched: []string{"AgADAQADtKcxG4LRUUQSQVUjfJIiiF8G6C8ABA9NJzFdXskaincBAAEC"},
			saved: []savedFile{{"telegram/900946525/0", "image/jpeg", "AgADAQADtKcxG4LRUUQSQVUjfJIiiF8G6C8ABA9NJzFdXskaincBAAEC.bin",
				"bytes of AgADAQADtKcxG4LRUUQSQVUjfJIiiF8G6C8ABA9NJzFdXskaincBAAEC.bin"}},
		},
		{
			fixture: "document.json", text: "[Document: TabFig2015prel.xls]", address: "3527065", name: "Nic Pottier", externalID: "900946532",
			fetched: []string{"BQADAQADCgADgtFRRPrv9GQ95f8eAg"},
			saved: []savedFile{{"telegram/900946532/0", "application/vnd.ms-excel", "TabFig2015prel.xls",
				"bytes of BQADAQADCgADgtFRRPrv9GQ95f8eAg.bin"}},
		},
		{
			fixture: "document_pdf.json", text: "[Document: Testfile.pdf]", address: "1111111", name: "Test Firstname Test Lastname", externalID: "10000",
			fetched: []string{"AwADBAADbXXXXXXXXXXXGBdhD2l6_XX"},
			saved:   []savedFile{{"telegram/10000/0", "application/pdf", "Testfile.pdf", "bytes of AwADBAADbXXXXXXXXXXXGBdhD2l6_XX.bin"}},
		},
		{
			fixture: "voice.json", text: "[Voice message]", address: "3527065", name: "Nic Pottier", externalID: "900946531",
			fetched: []string{"AwADAQADCQADgtFRRGn8KrC-0D_MAg"},
			saved: []savedFile{{"telegram/900946531/0", "audio/ogg", "AwADAQADCQADgtFRRGn8KrC-0D_MAg.bin",
				"bytes of AwADAQADCQADgtFRRGn8KrC-0D_MAg.bin"}},
		},
		{
			fixture: "audio.json", text: "[Audio: Test music file]", address: "1111111", name: "Test Firstname Test Lastname", externalID: "10000",
			fetched: []string{"AwADBAADbXXXXXXXXXXXGBdhD2l6_XX"},
			saved: []savedFile{{"telegram/10000/0", "audio/mpeg", "AwADBAADbXXXXXXXXXXXGBdhD2l6_XX.bin",
				"bytes of AwADBAADbXXXXXXXXXXXGBdhD2l6_XX.bin"}},
		},
		{
			fixture: "video.json", text: "[Video]", address: "3527065", name: "Nic Pottier", externalID: "900946526",
			fetched: []string{"BAADAQADBgADgtFRRPFTAAHxLVw76wI"},
			saved: []savedFile{{"telegram/900946526/0", "video/mp4", "BAADAQADBgADgtFRRPFTAAHxLVw76wI.bin",
				"bytes of BAADAQADBgADgtFRRPFTAAHxLVw76wI.bin"}},
		},
		{fixture: "sticker.json", text: "[Sticker]", address: "3527065", name: "Nic Pottier", externalID: "174114373"},
		{fixture: "sticker_emoji.ADAPTED.json", text: "[Sticker 👍]", address: "3527065", name: "Nic Pottier", externalID: "174114374"},
		{fixture: "location.json", text: "[Location: -2.890287, -79.004333]", address: "3527065", name: "Nic Pottier", externalID: "900946534"},
		{fixture: "venue.json", text: "[Location: Cuenca, Provincia del Azuay (-2.898944, -79.006835)]", address: "3527065", name: "Nic Pottier", externalID: "900946535"},
		{fixture: "contact.json", text: "[Contact: Adolf Taxi, 0788531373]", address: "3527065", name: "Nic Pottier", externalID: "900946536"},
		{fixture: "web_app_data.json", text: "[Unsupported message type: web_app_data]", address: "3527065", name: "Nic Pottier", externalID: "900946537"},
		{fixture: "dice.CONSTRUCTED.json", text: "[Unsupported message type: dice]", address: "1111111", name: "Test Firstname Test Lastname", externalID: "10001"},
		{fixture: "edited_message.json", text: "[Edited] Edited text", address: "1111111", name: "Test Firstname Test Lastname", externalID: "10000"},
		{fixture: "callback_query.json", text: "Data from button callback", address: "1111111", name: "Test Firstname Test Lastname", externalID: "10000"},
		{fixture: "group_message.CONSTRUCTED.json", text: "/help@TestSupportBot", address: "-1001234567890", name: "Test Firstname Test Lastname", externalID: "10002"},
		{fixture: "start.json", text: "[Started the conversation]", address: "1111111", name: "Test Firstname Test Lastname", externalID: "10000"},
	}
	for _, tt := range tests {
		api := newFakeBotAPI(t)
		h, ing, media := newHandler(api)
		if w := post(h, fixture(t, tt.fixture), ptr(testSecret)); w.Code != http.StatusOK {
			t.Errorf("%s: status %d; want 200", tt.fixture, w.Code)
			continue
		}
		if len(ing.got) != 1 {
			t.Errorf("%s: ingested %d messages; want 1", tt.fixture, len(ing.got))
			continue
		}
		in := ing.got[0]
		if in.Channel != inbox.ChannelTelegram || in.Text != tt.text || in.Address != tt.address || in.Name != tt.name ||
			in.ExternalID != tt.externalID || in.ReceivedAt.IsZero() || in.Verified || len(in.Links) > 0 {
			t.Errorf("%s: ingested %+v; want text %q, address %s, name %q, external id %s, unverified, no links",
				tt.fixture, in, tt.text, tt.address, tt.name, tt.externalID)
		}
		if !slices.Equal(api.requested, tt.fetched) || !reflect.DeepEqual(media.saved, tt.saved) {
			t.Errorf("%s: fetched %q, saved %+v; want %q, %+v", tt.fixture, api.requested, media.saved, tt.fetched, tt.saved)
		}
		if len(in.Attachments) != len(tt.saved) || len(tt.saved) == 1 && in.Attachments[0].Key != tt.saved[0].key {
			t.Errorf("%s: attachments %+v; want the saved files", tt.fixture, in.Attachments)
		}
	}
}

// Telegram redelivers an update until it gets a 2xx; both deliveries must
// carry the same dedupe key.
func TestHandlerRedelivery(t *testing.T) {
	h, ing, _ := newHandler(newFakeBotAPI(t))
	for range 2 {
		if w := post(h, fixture(t, "text_message.json"), ptr(testSecret)); w.Code != http.StatusOK {
			t.Fatalf("status %d; want 200", w.Code)
		}
	}
	if len(ing.got) != 2 || ing.got[0].ExternalID != "174114370" || ing.got[1].ExternalID != ing.got[0].ExternalID {
		t.Errorf("ingested %+v; want the same ExternalID 174114370 twice", ing.got)
	}
}

func TestHandlerLiveLocationEditIgnored(t *testing.T) {
	h, ing, _ := newHandler(newFakeBotAPI(t))
	body := `{"update_id":20,"edited_message":{"message_id":5,"chat":{"id":7,"type":"private"},"date":1,"edit_date":2,` +
		`"location":{"latitude":40.4168,"longitude":-3.7038,"live_period":900}}}`
	if w := post(h, []byte(body), ptr(testSecret)); w.Code != http.StatusOK || len(ing.got) != 0 {
		t.Errorf("live location edit: status %d, ingested %d; want 200 and nothing", w.Code, len(ing.got))
	}
}

func TestHandlerDeepLink(t *testing.T) {
	valid := fixture(t, "start_deeplink.SELF_GENERATED.json")
	withPayload := func(payload string) []byte {
		return []byte(strings.Replace(string(valid), "site_user_42-e19b7e0a4bd3e51e", payload, 1))
	}
	tests := []struct {
		name       string
		linkSecret string
		body       []byte
		wantUser   string // "" for no link
	}{
		{"valid", testLink, valid, "site_user_42"},
		{"forged MAC", testLink, withPayload("site_user_42-0000000000000000"), ""},
		{"MAC of another user", testLink, withPayload("site_user_43-e19b7e0a4bd3e51e"), ""},
		{"signed with another secret", "other_secret", valid, ""},
		{"no link secret configured", "", valid, ""},
		{"not a payload", testLink, withPayload("hello"), ""},
		{"group form", testLink, []byte(strings.Replace(string(valid), "/start ", "/start@TestSupportBot ", 1)), "site_user_42"},
	}
	for _, tt := range tests {
		h, ing, _ := newHandler(newFakeBotAPI(t))
		h.LinkSecret = tt.linkSecret
		if w := post(h, tt.body, ptr(testSecret)); w.Code != http.StatusOK || len(ing.got) != 1 {
			t.Errorf("%s: status %d, ingested %d; want 200 and one message", tt.name, w.Code, len(ing.got))
			continue
		}
		in := ing.got[0]
		if tt.wantUser == "" {
			if in.Verified || len(in.Links) != 0 || in.Text != "[Started the conversation]" {
				t.Errorf("%s: ingested %+v; want a plain /start with no link", tt.name, in)
			}
			continue
		}
		want := []inbox.Identity{{Channel: inbox.ChannelChat, Address: "user:" + tt.wantUser}}
		if !in.Verified || !reflect.DeepEqual(in.Links, want) || in.Text != "[Started the conversation from the website]" ||
			in.Address != "1111111" {
			t.Errorf("%s: ingested %+v; want verified, links %+v", tt.name, in, want)
		}
	}
}

func TestHandlerMediaNotSaved(t *testing.T) {
	bigDocument := `{"update_id":30,"message":{"message_id":1,"chat":{"id":7,"type":"private"},"date":1,` +
		`"document":{"file_id":"big","file_name":"video.mov","file_size":20971521}}}`
	tests := []struct {
		name     string
		body     string
		fail     map[string]string
		noMedia  bool
		wantText string
		fetched  int
	}{
		{"getFile fails", string(fixture(t, "photo.json")),
			map[string]string{"AgADAQADtKcxG4LRUUQSQVUjfJIiiF8G6C8ABA9NJzFdXskaincBAAEC": "Bad Request: invalid file_id"}, false,
			"[Photo (not saved: download failed)]\nPhoto Caption", 1},
		{"getFile says too big", string(fixture(t, "voice.json")),
			map[string]string{"AwADAQADCQADgtFRRGn8KrC-0D_MAg": "Bad Request: file is too big"}, false,
			"[Voice message (not saved: over 20 MB)]", 1},
		{"declared over 20 MB", bigDocument, nil, false, "[Document: video.mov (not saved: over 20 MB)]", 0},
		{"no media store", string(fixture(t, "photo.json")), nil, true,
			"[Photo (not saved: media storage is not set up)]\nPhoto Caption", 0},
	}
	for _, tt := range tests {
		api := newFakeBotAPI(t)
		api.fail = tt.fail
		h, ing, media := newHandler(api)
		if tt.noMedia {
			h.Media = nil
		}
		if w := post(h, []byte(tt.body), ptr(testSecret)); w.Code != http.StatusOK || len(ing.got) != 1 {
			t.Errorf("%s: status %d, ingested %d; want 200 and one message", tt.name, w.Code, len(ing.got))
			continue
		}
		in := ing.got[0]
		if in.Text != tt.wantText || len(in.Attachments) != 0 || len(media.saved) != 0 || len(api.requested) != tt.fetched {
			t.Errorf("%s: text %q, attachments %d, saved %d, fetched %d; want %q, none, none, %d", tt.name, in.Text,
				len(in.Attachments), len(media.saved), len(api.requested), tt.wantText, tt.fetched)
		}
	}
}
