package meta

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/switchboard-inbox/switchboard/shared/inbox"
)

// wantMessage is what one fixture message should ingest as.
type wantMessage struct {
	ch         inbox.Channel
	address    string
	name       string
	text       string
	externalID string
	at         time.Time
	// files are the media keys the message's attachments were saved as.
	files []string
	links []inbox.Identity
}

var (
	waAt   = time.Unix(1454119029, 0).UTC()
	fbAt   = time.UnixMilli(1459991487970).UTC()
	docsAt = time.Unix(1750090702, 0).UTC()
)

func kerry(text string, files ...string) wantMessage {
	return wantMessage{ch: inbox.ChannelWhatsApp, address: "+250788123123", name: "Kerry Fisher", text: text,
		externalID: "external_id", at: waAt, files: files}
}

func sheena(id, text string, at time.Time, files ...string) wantMessage {
	return wantMessage{ch: inbox.ChannelWhatsApp, address: "+16505551234", name: "Sheena Nelson", text: text,
		externalID: id, at: at, files: files}
}

func page(ch inbox.Channel, text string, files ...string) wantMessage {
	return wantMessage{ch: ch, address: "5678", text: text, externalID: "external_id", at: fbAt, files: files}
}

func TestInboundKinds(t *testing.T) {
	tests := []struct {
		fixture  string
		messages []wantMessage
	}{
		{"whatsapp_text_message.json", []wantMessage{kerry("Hello World")}},
		{"whatsapp_image.json", []wantMessage{kerry("[Photo] Check out my new phone!", "whatsapp/external_id/1")}},
		{"whatsapp_video.json", []wantMessage{kerry("[Video] Check out my new phone!", "whatsapp/external_id/1")}},
		{"whatsapp_audio.json", []wantMessage{kerry("[Audio] Check out my new phone!", "whatsapp/external_id/1")}},
		{"whatsapp_voice.json", []wantMessage{kerry("[Voice message]", "whatsapp/external_id/1")}},
		{"whatsapp_document.json", []wantMessage{kerry("[Document] 80skaraokesonglistartist", "whatsapp/external_id/1")}},
		{"whatsapp_document_filename.CONSTRUCTED.json", []wantMessage{sheena("wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQUU0QTQ5MEI0MjY0MTJGRTA0NgA=",
			"[Document: lucky-shrub-invoice.pdf] Lucky Shrub Invoice", docsAt,
			"whatsapp/wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQUU0QTQ5MEI0MjY0MTJGRTA0NgA=/1")}},
		// The courier fixture's wa_id "5678" is no phone number; it is
		// kept as WhatsApp wrote it.
		{"whatsapp_sticker.json", []wantMessage{{ch: inbox.ChannelWhatsApp, address: "5678", name: "Kerry Fisher",
			text: "[Sticker]", externalID: "external_id", at: waAt, files: []string{"whatsapp/external_id/1"}}}},
		{"whatsapp_location.json", []wantMessage{kerry("[Location: 0, 1] Main Street Beach, Main Street Beach, Santa Cruz, CA")}},
		{"whatsapp_contacts.CONSTRUCTED.json", []wantMessage{sheena("wamid.HBgLMTY1MDUwNzY1MjAVAgASGBQzQTNDQTVCM0Q0Q0Q2RTY3RTcA",
			"[Contact: Barbara J. Johnson, +1 (940) 555-1234, +1 (650) 555-1234]", time.Unix(1749854575, 0).UTC())}},
		{"whatsapp_button.json", []wantMessage{kerry("No")}},
		{"whatsapp_button_reply.json", []wantMessage{kerry("Yes")}},
		{"whatsapp_list_reply.json", []wantMessage{kerry("Yes")}},
		{"whatsapp_reaction.CONSTRUCTED.json", []wantMessage{sheena("wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQUFERjg0NDEzNDdFODU3MUMxMAA=",
			"[Reaction: 😀]", docsAt)}},
		{"whatsapp_unsupported.CONSTRUCTED.json", []wantMessage{sheena("wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTdCNTg5RjY1MEMyRjlGMjRGNgA=",
			"[Unsupported message type: edit]", docsAt)}},
		{"whatsapp_user_id_only.json", []wantMessage{{ch: inbox.ChannelWhatsApp, address: "US.13491208655302741918",
			name: "Sheena Nelson", text: "Hello World", externalID: "external_id", at: waAt}}},
		{"whatsapp_phone_and_user_id.ADAPTED.json", []wantMessage{{ch: inbox.ChannelWhatsApp, address: "+250788123123",
			name: "Kerry Fisher", text: "Hello World", externalID: "external_id", at: waAt,
			links: []inbox.Identity{{Channel: inbox.ChannelWhatsApp, Address: "US.1234"}}}}},
		{"whatsapp_status_sent.json", nil},
		{"whatsapp_errors.json", nil},
		{"messenger_text_message.json", []wantMessage{page(inbox.ChannelMessenger, "Hello World")}},
		{"messenger_attachment.json", []wantMessage{page(inbox.ChannelMessenger, "[Photo]", "messenger/external_id/1")}},
		{"messenger_thumbs_up.json", []wantMessage{page(inbox.ChannelMessenger, "[Sticker]", "messenger/external_id/1")}},
		{"messenger_location.json", []wantMessage{page(inbox.ChannelMessenger, "[Location: 1.2, -1.3]")}},
		{"messenger_reel.json", []wantMessage{page(inbox.ChannelMessenger, "[Shared a reel: /reel/123451234512345/]")}},
		{"messenger_postback.json", []wantMessage{{ch: inbox.ChannelMessenger, address: "5678", text: "postback title",
			externalID: "postback:5678:1459991487970", at: fbAt}}},
		{"messenger_quick_reply.CONSTRUCTED.json", []wantMessage{{ch: inbox.ChannelMessenger, address: "1254477777772919",
			text: "Red", externalID: "mid.1457764197618:41d102a3e1ae206a38", at: time.UnixMilli(1458692752478).UTC()}}},
		{"messenger_echo.json", nil},
		{"messenger_read.CONSTRUCTED.json", nil},
		{"instagram_text_message.json", []wantMessage{page(inbox.ChannelInstagram, "Hello World")}},
		{"instagram_attachment.json", []wantMessage{page(inbox.ChannelInstagram, "[Photo: https://image-url/foo.png]")}},
		{"instagram_story_mention.json", []wantMessage{page(inbox.ChannelInstagram, "[Mentioned you in their story: https://story-url]")}},
		{"instagram_story_reply.CONSTRUCTED.json", []wantMessage{{ch: inbox.ChannelInstagram, address: "1234567890123456",
			text:       "[Reply to your story: https://lookaside.fbsbx.com/ig_messaging_cdn/?asset_id=17877000000000000] Is this still available?",
			externalID: "aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlEOjE3ODQxNDA1ODIyMzA0OTE0", at: time.UnixMilli(1569262485349).UTC()}}},
		{"instagram_like_heart.json", []wantMessage{page(inbox.ChannelInstagram, "[Reaction: ❤️]")}},
		{"instagram_echo.json", nil},
		{"instagram_unsent.json", nil},
	}
	for _, tt := range tests {
		e := newTestEnv(t)
		if w := e.postSigned(fixture(t, tt.fixture)); w.Code != 200 {
			t.Errorf("%s: status = %d; want 200", tt.fixture, w.Code)
			continue
		}
		checkIngested(t, tt.fixture, e.ingest.got, tt.messages)
		if len(e.receipts.got) != 0 {
			t.Errorf("%s: receipts %+v; want none", tt.fixture, e.receipts.got)
		}
	}
}

func checkIngested(t *testing.T, name string, got []inbox.Inbound, want []wantMessage) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: ingested %d messages %+v; want %d", name, len(got), got, len(want))
		return
	}
	for i, w := range want {
		g := got[i]
		var files []string
		for _, a := range g.Attachments {
			files = append(files, a.Key)
		}
		if g.Channel != w.ch || g.Address != w.address || g.Name != w.name || g.Text != w.text ||
			g.ExternalID != w.externalID || !g.ReceivedAt.Equal(w.at) || !g.Verified {
			t.Errorf("%s #%d: ingested\n  %s %q %q %q id=%q at=%s verified=%v\nwant\n  %s %q %q %q id=%q at=%s verified=true",
				name, i, g.Channel, g.Address, g.Name, g.Text, g.ExternalID, g.ReceivedAt, g.Verified,
				w.ch, w.address, w.name, w.text, w.externalID, w.at)
		}
		if !reflect.DeepEqual(files, w.files) || !reflect.DeepEqual(g.Links, w.links) {
			t.Errorf("%s #%d: files %v, links %v; want %v, %v", name, i, files, g.Links, w.files, w.links)
		}
	}
}

func TestBatches(t *testing.T) {
	tests := []struct {
		fixture  string
		messages []wantMessage
		receipts []inbox.Receipt
	}{
		{"whatsapp_batch.CONSTRUCTED.json", []wantMessage{
			sheena("wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA=", "Does it come in another color?", time.Unix(1749416383, 0).UTC()),
			{ch: inbox.ChannelWhatsApp, address: "+34600112233", name: "Pablo Morales", text: "Hola, ¿tenéis envío a Madrid?",
				externalID: "wamid.HBgLMzQ2MDAxMTIyMzMVAgASGBQzQTk5OEQ3NjVBRDE2QjVGNkRFMQA=", at: time.Unix(1749416390, 0).UTC()},
			sheena("wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTg4QkE1QzAxRjQzNjYxNTdFNQA=", "The blue one, size M", time.Unix(1749416401, 0).UTC()),
		}, []inbox.Receipt{{Channel: inbox.ChannelWhatsApp, ExternalID: "wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBI3MTE5MjVBOTE3MDk5QUVFM0YA",
			Status: inbox.ReceiptRead, At: time.Unix(1749416402, 0).UTC()}}},
		{"messenger_batch.CONSTRUCTED.json", []wantMessage{
			{ch: inbox.ChannelMessenger, address: "1254477777772919", text: "hello, world!",
				externalID: "m_AG5Hz2Uq7tuwNEhXfYYKj8mJEM_QPpz5jdCK48PnKAjSdjfipqxqMvK8ma6AC8fplwlqLP_5cgXIbu7I3rBN0P", at: time.UnixMilli(1518479195308).UTC()},
			{ch: inbox.ChannelMessenger, address: "6789012345678901", text: "Is the shop open on Sunday?",
				externalID: "m_1fTq8oLumEyIp3Q2MR-aY7IfLZDamVrALniheU", at: time.UnixMilli(1518479196308).UTC()},
		}, nil},
	}
	for _, tt := range tests {
		e := newTestEnv(t)
		if w := e.postSigned(fixture(t, tt.fixture)); w.Code != 200 {
			t.Fatalf("%s: status = %d; want 200", tt.fixture, w.Code)
		}
		checkIngested(t, tt.fixture, e.ingest.got, tt.messages)
		if !reflect.DeepEqual(e.receipts.got, tt.receipts) {
			t.Errorf("%s: receipts %+v; want %+v", tt.fixture, e.receipts.got, tt.receipts)
		}
	}
}

func TestReceipts(t *testing.T) {
	const undeliverable = "wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBIyRjk4OEI2NDNBMjE3NjJEQ0YA"
	const delivered = "wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBI3MTE5MjVBOTE3MDk5QUVFM0YA"
	tests := []struct {
		fixture string
		want    []inbox.Receipt
	}{
		{"whatsapp_status_failed.json", []inbox.Receipt{{Channel: inbox.ChannelWhatsApp, ExternalID: "external_id",
			Status: inbox.ReceiptFailed, At: waAt,
			Reason: "WhatsApp could not deliver the message: Request for url https://URL.jpg failed with error: 404 (Not Found) (code 131014)"}}},
		{"whatsapp_statuses.CONSTRUCTED.json", []inbox.Receipt{
			{Channel: inbox.ChannelWhatsApp, ExternalID: delivered, Status: inbox.ReceiptDelivered, At: time.Unix(1750263773, 0).UTC()},
			{Channel: inbox.ChannelWhatsApp, ExternalID: delivered, Status: inbox.ReceiptRead, At: time.Unix(1750263810, 0).UTC()},
			{Channel: inbox.ChannelWhatsApp, ExternalID: undeliverable, Status: inbox.ReceiptFailed, At: time.Unix(1750263811, 0).UTC(),
				Reason: "WhatsApp could not deliver the message: Message undeliverable (code 131026): Message Undeliverable."},
		}},
		{"whatsapp_status_sent.json", nil},
		{"whatsapp_status_unknown.json", nil},
		{"messenger_delivery.json", []inbox.Receipt{{Channel: inbox.ChannelMessenger, ExternalID: "mid.1458668856218:ed81099e15d3f4f233",
			Status: inbox.ReceiptDelivered, At: time.UnixMilli(1458668856253).UTC()}}},
		{"messenger_read.CONSTRUCTED.json", nil},
	}
	for _, tt := range tests {
		e := newTestEnv(t)
		if w := e.postSigned(fixture(t, tt.fixture)); w.Code != 200 {
			t.Fatalf("%s: status = %d; want 200", tt.fixture, w.Code)
		}
		if !reflect.DeepEqual(e.receipts.got, tt.want) {
			t.Errorf("%s: receipts\n  %+v\nwant\n  %+v", tt.fixture, e.receipts.got, tt.want)
		}
		if len(e.ingest.got) != 0 {
			t.Errorf("%s: ingested %+v; want nothing", tt.fixture, e.ingest.got)
		}
	}
}

func TestTimestamps(t *testing.T) {
	fallback := testNow
	tests := []struct {
		in   number
		want time.Time
	}{
		{"1454119029", time.Unix(1454119029, 0).UTC()},
		{"1459991487970", time.UnixMilli(1459991487970).UTC()},
		{"", fallback},
		{"soon", fallback},
		{"-5", fallback},
		{"99999999999999999999999", fallback},
	}
	for _, tt := range tests {
		if got := tt.in.time(fallback); !got.Equal(tt.want) {
			t.Errorf("number(%q).time = %s; want %s", tt.in, got, tt.want)
		}
	}
}

// FuzzParse holds the webhook decoder to never panicking, and to turning
// whatever it accepts into messages the inbox can store: a channel, an
// address, a provider id, a non-empty text, and any rating answer on the
// scale.
func FuzzParse(f *testing.F) {
	paths, err := filepath.Glob(filepath.Join("testdata", "*.json"))
	if err != nil || len(paths) == 0 {
		f.Fatalf("no fixtures: %v", err)
	}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	h := &Handler{}
	f.Fuzz(func(t *testing.T, body []byte) {
		b, err := parse(body, testNow)
		if err != nil {
			return
		}
		for _, m := range b.messages {
			in, err := h.store(context.Background(), m)
			if err != nil {
				t.Fatalf("store without media: %v", err)
			}
			switch {
			case in.Channel != inbox.ChannelWhatsApp && in.Channel != inbox.ChannelMessenger && in.Channel != inbox.ChannelInstagram:
				t.Fatalf("channel %q", in.Channel)
			case in.Address == "" || in.ExternalID == "":
				t.Fatalf("message without address or id: %+v", in)
			case strings.TrimSpace(in.Text) == "" || !utf8.ValidString(in.Text):
				t.Fatalf("text %q", in.Text)
			case in.ReceivedAt.IsZero():
				t.Fatalf("no time: %+v", in)
			case in.Answer != nil && (in.Answer.ConversationID == "" || !inbox.ValidScore(in.Answer.Score)):
				t.Fatalf("answer %+v", in.Answer)
			}
		}
		for _, r := range b.receipts {
			if r.ExternalID == "" || r.At.IsZero() ||
				(r.Status != inbox.ReceiptDelivered && r.Status != inbox.ReceiptRead && r.Status != inbox.ReceiptFailed) {
				t.Fatalf("receipt %+v", r)
			}
		}
	})
}
