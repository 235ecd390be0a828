package email

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"
	"github.com/jhillyerd/enmime/v2"

	"github.com/switchboard-inbox/switchboard/shared/inbox"
	"github.com/switchboard-inbox/switchboard/shared/ingest"
)

type fakeIngest struct {
	got []inbox.Inbound
	err error
}

func (f *fakeIngest) Ingest(_ context.Context, in inbox.Inbound) (ingest.Result, error) {
	if f.err != nil {
		return ingest.Result{}, f.err
	}
	f.got = append(f.got, in)
	return ingest.Result{ConversationID: testConvID, MessageID: "01HZY8K5N3M2Q7R4T6V9W0X1Z0"}, nil
}

type fakeReceipts struct {
	got []inbox.Receipt
	err error
}

func (f *fakeReceipts) Receipt(_ context.Context, r inbox.Receipt) error {
	f.got = append(f.got, r)
	return f.err
}

type fakeMedia struct {
	saved map[string][]byte
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
	if f.saved == nil {
		f.saved = map[string][]byte{}
	}
	f.saved[key] = b
	return inbox.Attachment{Name: name, ContentType: contentType, Size: int64(len(b)), Key: key}, nil
}

type fakeRaw struct {
	objects map[string][]byte
	opened  []string
}

func (f *fakeRaw) Open(_ context.Context, key string) (io.ReadCloser, int64, error) {
	f.opened = append(f.opened, key)
	b, ok := f.objects[key]
	if !ok {
		return nil, 0, fmt.Errorf("get %s: %w", key, inbox.ErrNotFound)
	}
	return io.NopCloser(bytes.NewReader(b)), int64(len(b)), nil
}

var testNow = time.Date(2024, 6, 3, 10, 0, 0, 0, time.UTC)

type inboundTest struct {
	h        *Inbound
	ingest   *fakeIngest
	receipts *fakeReceipts
	media    *fakeMedia
	raw      *fakeRaw
	logs     *bytes.Buffer
}

func newInbound() *inboundTest {
	it := &inboundTest{
		ingest: &fakeIngest{}, receipts: &fakeReceipts{}, media: &fakeMedia{},
		raw: &fakeRaw{objects: map[string][]byte{}}, logs: &bytes.Buffer{},
	}
	it.h = &Inbound{
		Ingest: it.ingest, Receipts: it.receipts, Media: it.media, Raw: it.raw,
		SupportAddress: "support@example.com", Secret: testSecret,
		Log: slog.New(slog.NewTextHandler(it.logs, nil)),
		Now: func() time.Time { return testNow },
	}
	return it
}

func (it *inboundTest) handle(t *testing.T, key string, raw []byte) {
	t.Helper()
	if err := it.h.HandleRaw(context.Background(), key, bytes.NewReader(raw), int64(len(raw))); err != nil {
		t.Fatalf("HandleRaw(%s): %v", key, err)
	}
}

func TestHandleRawCustomerReply(t *testing.T) {
	it := newInbound()
	raw := readFixture(t, "gmail_reply.eml")
	it.handle(t, "inbound/abc", raw)
	if len(it.ingest.got) != 1 {
		t.Fatalf("Ingest called %d times; want 1", len(it.ingest.got))
	}
	got := it.ingest.got[0]
	want := inbox.Inbound{
		Channel: inbox.ChannelEmail, Address: "sony@chatwoot.com", Name: "Sony Mathew", Email: "sony@chatwoot.com",
		Text:       "Yes, I am providing you step how to reproduce this issue",
		ExternalID: "CAFkiBVwJjO_k_e-LpiKi7MAQAKbHX5nkEPcf0y1R=bjcEHogMg@mail.gmail.com",
		ReceivedAt: testNow,
		// The mail was trimmed, so agents get the whole of it.
		Attachments:    []inbox.Attachment{{Name: "original.eml", ContentType: "message/rfc822", Size: int64(len(raw)), Key: "inbound/abc"}},
		Threaded:       true,
		ConversationID: testConvID,
		References: []string{
			"0100017b5d8efc70-c7f18809-aa55-48f6-91fd-b626092ed8b3-000000@email.amazonses.com",
			"CAFkiBVxGoURoqdkY-O_25F-8b41kb-GWBc6hh4Djd5ynwOikXA@mail.gmail.com",
		},
		Subject: "Re: Checking mail forwarding to cw inbox",
	}
	if diff := diffInbound(got, want); diff != "" {
		t.Errorf("Ingest got %s", diff)
	}
}

func diffInbound(got, want inbox.Inbound) string {
	g, _ := json.MarshalIndent(got, "", " ")
	w, _ := json.MarshalIndent(want, "", " ")
	if string(g) == string(w) {
		return ""
	}
	return fmt.Sprintf("\n%s\nwant\n%s", g, w)
}

func TestHandleRawReplyToken(t *testing.T) {
	base := string(readFixture(t, "gmail_short.eml"))
	tests := []struct {
		name, header string
		want         string
	}{
		{"token in To", "To: support+" + testToken + "@example.com", testConvID},
		{"token in Cc, upper-cased", "To: bob@example.com\r\nCc: SUPPORT+" + strings.ToUpper(testToken) + "@EXAMPLE.COM", testConvID},
		{"token in Delivered-To", "Delivered-To: support+" + testToken + "@example.com", testConvID},
		{"token of another secret", "To: support+" + ReplyToken("other", testConvID) + "@example.com", ""},
		{"token at another domain", "To: support+" + testToken + "@elsewhere.example", ""},
		{"no token", "To: support@example.com", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			it := newInbound()
			it.handle(t, "inbound/k", []byte(tt.header+"\r\n"+base))
			if len(it.ingest.got) != 1 {
				t.Fatalf("Ingest called %d times; want 1", len(it.ingest.got))
			}
			if got := it.ingest.got[0].ConversationID; got != tt.want {
				t.Errorf("ConversationID = %q; want %q", got, tt.want)
			}
		})
	}
}

func TestHandleRawAttachments(t *testing.T) {
	it := newInbound()
	raw := readFixture(t, "attachments.eml")
	it.handle(t, "inbound/att", raw)
	it.handle(t, "inbound/att", raw)
	sum := sha256.Sum256([]byte("inbound/att"))
	prefix := "email/" + hex.EncodeToString(sum[:8]) + "/"
	want := []inbox.Attachment{
		{Name: "invoice-1042.pdf", ContentType: "application/pdf", Size: 389, Key: prefix + "1-invoice-1042.pdf"},
		{Name: "screenshot.png", ContentType: "image/png", Size: 69, Key: prefix + "2-screenshot.png"},
	}
	for i, in := range it.ingest.got {
		if !slices.Equal(in.Attachments, want) {
			t.Errorf("delivery %d: Attachments = %+v; want %+v", i+1, in.Attachments, want)
		}
	}
	if len(it.media.saved) != 2 {
		t.Errorf("saved %d objects for two deliveries of two files; want 2 (the same keys)", len(it.media.saved))
	}
	if pdf := it.media.saved[prefix+"1-invoice-1042.pdf"]; !bytes.HasPrefix(pdf, []byte("%PDF-1.4")) {
		t.Errorf("saved PDF starts %q; want %%PDF-1.4", pdf[:min(len(pdf), 8)])
	}

	// Another mail reusing the Message-ID (someone who saw the thread)
	// cannot overwrite these files.
	it.handle(t, "inbound/other", raw)
	if len(it.media.saved) != 4 {
		t.Errorf("a second mail with the same Message-ID saved over the first's files: %d objects; want 4", len(it.media.saved))
	}
}

func TestHandleRawDrops(t *testing.T) {
	tests := []struct {
		name string
		raw  []byte
	}{
		{"out-of-office auto-reply", readFixture(t, "auto_reply.eml")},
		{"mail from the support address", []byte("From: Support <support@example.com>\r\nTo: ada@example.org\r\nSubject: Re: hi\r\n\r\nA reply\r\n")},
		{"mail from a reply address", []byte("From: support+" + testToken + "@example.com\r\nSubject: loop\r\n\r\nA reply\r\n")},
		{"mail without a sender", []byte("To: support@example.com\r\nSubject: who\r\n\r\nHello\r\n")},
		{"unreadable headers", []byte("\x00\x01 not mail")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			it := newInbound()
			it.handle(t, "inbound/drop", tt.raw)
			if len(it.ingest.got) != 0 || len(it.receipts.got) != 0 {
				t.Errorf("ingested %d, receipts %d; want nothing", len(it.ingest.got), len(it.receipts.got))
			}
		})
	}
}

func TestHandleRawBounce(t *testing.T) {
	it := newInbound()
	it.handle(t, "inbound/bounce", readFixture(t, "ses_bounce.eml"))
	if len(it.ingest.got) != 0 {
		t.Errorf("a bounce was ingested as a message")
	}
	want := []inbox.Receipt{{
		Channel: inbox.ChannelEmail, ExternalID: "010001770cc8cfa3-793a9c12-1945-4a17-a44a-4191cf0c1a90-000000@email.amazonses.com",
		Status: inbox.ReceiptFailed, At: testNow,
		Reason: mustParse(t, "ses_bounce.eml").Bounce.Reason,
	}}
	if !slices.Equal(it.receipts.got, want) {
		t.Errorf("Receipts = %+v; want %+v", it.receipts.got, want)
	}

	it = newInbound()
	it.receipts.err = errors.New("table unavailable")
	err := it.h.HandleRaw(context.Background(), "inbound/bounce", bytes.NewReader(readFixture(t, "ses_bounce.eml")), -1)
	if err == nil {
		t.Error("HandleRaw with the receipt store down = nil; want an error so the event is retried")
	}
}

func TestHandleRawOversize(t *testing.T) {
	raw := readFixture(t, "gmail_reply.eml")
	it := newInbound()
	if err := it.h.HandleRaw(context.Background(), "inbound/big", bytes.NewReader(raw), 42<<20); err != nil {
		t.Fatal(err)
	}
	if len(it.ingest.got) != 1 {
		t.Fatalf("Ingest called %d times; want 1", len(it.ingest.got))
	}
	got := it.ingest.got[0]
	if want := "[This email is 42 MB, over the 30 MB Switchboard reads. The original: see the attachment.]"; got.Text != want {
		t.Errorf("Text = %q; want %q", got.Text, want)
	}
	wantFiles := []inbox.Attachment{{Name: "original.eml", ContentType: "message/rfc822", Size: 42 << 20, Key: "inbound/big"}}
	if !slices.Equal(got.Attachments, wantFiles) {
		t.Errorf("Attachments = %+v; want %+v", got.Attachments, wantFiles)
	}
	if got.Address != "sony@chatwoot.com" || got.ConversationID != testConvID || len(got.References) != 2 ||
		got.ExternalID != "CAFkiBVwJjO_k_e-LpiKi7MAQAKbHX5nkEPcf0y1R=bjcEHogMg@mail.gmail.com" {
		t.Errorf("oversize mail lost its headers: %+v", got)
	}

	// A store that does not know the size: the limit is found by reading.
	it = newInbound()
	it.h.MaxRawBytes = 1 << 20
	big := append(bytes.Clone(raw), bytes.Repeat([]byte("padding line\r\n"), 100_000)...)
	if err := it.h.HandleRaw(context.Background(), "inbound/big2", bytes.NewReader(big), -1); err != nil {
		t.Fatal(err)
	}
	if len(it.ingest.got) != 1 || it.ingest.got[0].Text != "[This email is over the 1 MB Switchboard reads. The original: see the attachment.]" {
		t.Errorf("Ingest got %+v; want the over-the-limit note", it.ingest.got)
	}
}

func TestHandleRawUnparseable(t *testing.T) {
	it := newInbound()
	raw := []byte("From: Ada <ada@example.org>\r\nSubject: broken\r\nMessage-ID: <broken@example.org>\r\nContent-Type: multipart/mixed\r\n\r\nno boundary\r\n")
	it.handle(t, "inbound/broken", raw)
	if len(it.ingest.got) != 1 {
		t.Fatalf("Ingest called %d times; want 1", len(it.ingest.got))
	}
	got := it.ingest.got[0]
	if got.Text != "[This email could not be read. The original: see the attachment.]" || got.ExternalID != "broken@example.org" ||
		len(got.Attachments) != 1 || got.Attachments[0].Key != "inbound/broken" {
		t.Errorf("Ingest got %+v; want a note with the original attached", got)
	}
}

// TestHandleRawLargeAttachment sends a 10 MB file through, which must
// arrive whole.
func TestHandleRawLargeAttachment(t *testing.T) {
	file := make([]byte, 10<<20)
	if _, err := rand.Read(file); err != nil {
		t.Fatal(err)
	}
	part, err := enmime.Builder().From("Ada", "ada@example.org").To("", "support@example.com").
		Subject("Logs").Text([]byte("The logs you asked for.")).
		AddAttachment(file, "application/zip", "logs.zip").Header("Message-ID", "<logs@example.org>").Build()
	if err != nil {
		t.Fatal(err)
	}
	var raw bytes.Buffer
	if err := part.Encode(&raw); err != nil {
		t.Fatal(err)
	}
	it := newInbound()
	it.handle(t, "inbound/logs", raw.Bytes())
	if len(it.ingest.got) != 1 {
		t.Fatalf("Ingest called %d times; want 1", len(it.ingest.got))
	}
	got := it.ingest.got[0]
	if got.Text != "The logs you asked for." || len(got.Attachments) != 1 || got.Attachments[0].Size != 10<<20 {
		t.Fatalf("Ingest got %+v; want the text and the 10 MB file", got)
	}
	if saved := it.media.saved[got.Attachments[0].Key]; !bytes.Equal(saved, file) {
		t.Errorf("saved %d bytes that differ from the 10 MB sent", len(saved))
	}
}

func TestHandleRawLongText(t *testing.T) {
	long := strings.Repeat("ñ", MaxTextRunes+10)
	raw := "From: ada@example.org\r\nMessage-ID: <long@example.org>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + long + "\r\n"
	it := newInbound()
	it.handle(t, "inbound/long", []byte(raw))
	got := it.ingest.got[0]
	if !strings.HasSuffix(got.Text, "\n\n[… truncated]") || utf8.RuneCountInString(got.Text) != MaxTextRunes+len([]rune("\n\n[… truncated]")) {
		t.Errorf("Text has %d runes, ends %q; want %d runes and the truncation note", utf8.RuneCountInString(got.Text), got.Text[len(got.Text)-20:], MaxTextRunes)
	}
	if len(got.Attachments) != 1 || got.Attachments[0].Name != "original.eml" {
		t.Errorf("Attachments = %+v; want the original", got.Attachments)
	}
}

func TestHandleRawEmptyText(t *testing.T) {
	it := newInbound()
	it.handle(t, "inbound/empty", []byte("From: ada@example.org\r\nSubject: call me\r\n\r\n"))
	if got := it.ingest.got[0].Text; got != "[Empty email]" {
		t.Errorf("Text = %q; want [Empty email]", got)
	}
}

func TestHandleRawStoreErrors(t *testing.T) {
	it := newInbound()
	it.ingest.err = errors.New("throttled")
	if err := it.h.HandleRaw(context.Background(), "k", bytes.NewReader(readFixture(t, "gmail_short.eml")), -1); err == nil {
		t.Error("HandleRaw with Ingest failing = nil; want an error so the event is retried")
	}
	it = newInbound()
	it.media.err = errors.New("bucket unavailable")
	if err := it.h.HandleRaw(context.Background(), "k", bytes.NewReader(readFixture(t, "attachments.eml")), -1); err == nil {
		t.Error("HandleRaw with Media failing = nil; want an error")
	}
}

func sesEvent(t *testing.T, spam, virus string) events.SimpleEmailEvent {
	t.Helper()
	return sesEventFrom(t, "ses_lambda_event.json", spam, virus)
}

func sesEventFrom(t *testing.T, fixture, spam, virus string) events.SimpleEmailEvent {
	t.Helper()
	var ev events.SimpleEmailEvent
	if err := json.Unmarshal(readFixture(t, fixture), &ev); err != nil {
		t.Fatal(err)
	}
	ev.Records[0].SES.Receipt.SpamVerdict.Status = spam
	ev.Records[0].SES.Receipt.VirusVerdict.Status = virus
	return ev
}

const sesKey = "inbound/6n4thuhcbhpfiuf25gshf70rss364fuejrvmqko1"

func TestHandleSES(t *testing.T) {
	it := newInbound()
	it.raw.objects[sesKey] = readFixture(t, "gmail_short.eml")
	ev := sesEvent(t, "PASS", "PASS")
	for range 2 {
		if err := it.h.HandleSES(context.Background(), ev); err != nil {
			t.Fatalf("HandleSES: %v", err)
		}
	}
	if len(it.ingest.got) != 2 {
		t.Fatalf("Ingest called %d times; want 2", len(it.ingest.got))
	}
	if a, b := it.ingest.got[0].ExternalID, it.ingest.got[1].ExternalID; a != b || a == "" {
		t.Errorf("the same event twice gave ExternalIDs %q and %q; want one", a, b)
	}

	// A mail without a Message-ID is known by its object key.
	it = newInbound()
	it.raw.objects[sesKey] = readFixture(t, "outlook_from_sent.eml")
	for range 2 {
		if err := it.h.HandleSES(context.Background(), ev); err != nil {
			t.Fatal(err)
		}
	}
	for _, in := range it.ingest.got {
		if in.ExternalID != sesKey {
			t.Errorf("ExternalID = %q; want the object key %q", in.ExternalID, sesKey)
		}
	}
}

// TestHandleSESWithS3Action reads the event of a rule whose S3 action ran
// before the Lambda action: the object is found by the SES message id.
func TestHandleSESWithS3Action(t *testing.T) {
	it := newInbound()
	it.raw.objects["inbound/d6iitobk75ur44p8kdnnp7g2n800"] = readFixture(t, "apple_mail_reply.eml")
	if err := it.h.HandleSES(context.Background(), sesEventFrom(t, "ses_s3_event.json", "PASS", "PASS")); err != nil {
		t.Fatalf("HandleSES: %v", err)
	}
	if len(it.ingest.got) != 1 || it.ingest.got[0].Text != "Hello" {
		t.Errorf("Ingest got %+v; want the Apple Mail reply", it.ingest.got)
	}
}

func TestHandleSESVerdicts(t *testing.T) {
	tests := []struct{ spam, virus string }{{"FAIL", "PASS"}, {"PASS", "FAIL"}, {"FAIL", "FAIL"}}
	for _, tt := range tests {
		t.Run(tt.spam+"/"+tt.virus, func(t *testing.T) {
			it := newInbound()
			it.raw.objects[sesKey] = readFixture(t, "gmail_short.eml")
			if err := it.h.HandleSES(context.Background(), sesEvent(t, tt.spam, tt.virus)); err != nil {
				t.Fatalf("HandleSES: %v", err)
			}
			if len(it.ingest.got) != 0 || len(it.raw.opened) != 0 {
				t.Errorf("ingested %d, opened %q; want nothing", len(it.ingest.got), it.raw.opened)
			}
			if logs := it.logs.String(); !strings.Contains(logs, "level=WARN") || !strings.Contains(logs, sesKey) {
				t.Errorf("logs = %q; want a warning naming %s", logs, sesKey)
			}
		})
	}
}

func TestHandleSESForgedSender(t *testing.T) {
	tests := []struct {
		verdict, policy string
		ingested        bool
	}{
		{"FAIL", "REJECT", false},
		{"FAIL", "QUARANTINE", false},
		{"FAIL", "NONE", true},
		{"PASS", "REJECT", true},
	}
	for _, tt := range tests {
		it := newInbound()
		it.raw.objects[sesKey] = readFixture(t, "gmail_short.eml")
		ev := sesEvent(t, "PASS", "PASS")
		ev.Records[0].SES.Receipt.DMARCVerdict.Status, ev.Records[0].SES.Receipt.DMARCPolicy = tt.verdict, tt.policy
		if err := it.h.HandleSES(context.Background(), ev); err != nil {
			t.Fatalf("HandleSES: %v", err)
		}
		if got := len(it.ingest.got) == 1; got != tt.ingested {
			t.Errorf("DMARC %s with policy %s: ingested %v; want %v", tt.verdict, tt.policy, got, tt.ingested)
		}
	}
}

func TestHandleSESUnauthenticatedSenderStartsItsOwnThread(t *testing.T) {
	for _, auth := range []struct{ spf, dkim string }{{"FAIL", "FAIL"}, {"PASS", "FAIL"}, {"GRAY", "PASS"}} {
		it := newInbound()
		it.raw.objects[sesKey] = readFixture(t, "gmail_reply.eml")
		ev := sesEvent(t, "PASS", "PASS")
		ev.Records[0].SES.Receipt.SPFVerdict.Status, ev.Records[0].SES.Receipt.DKIMVerdict.Status = auth.spf, auth.dkim
		if err := it.h.HandleSES(context.Background(), ev); err != nil {
			t.Fatalf("HandleSES: %v", err)
		}
		if len(it.ingest.got) != 1 {
			t.Fatalf("SPF %s DKIM %s: ingested %d; want the mail", auth.spf, auth.dkim, len(it.ingest.got))
		}
		threaded := it.ingest.got[0].ConversationID != "" || len(it.ingest.got[0].References) > 0
		if want := auth.spf == "PASS" || auth.dkim == "PASS"; threaded != want {
			t.Errorf("SPF %s DKIM %s: threaded %v; want %v", auth.spf, auth.dkim, threaded, want)
		}
	}
}

func TestHandleSESErrors(t *testing.T) {
	it := newInbound()
	if err := it.h.HandleSES(context.Background(), sesEvent(t, "PASS", "PASS")); err == nil {
		t.Error("HandleSES with the raw mail missing = nil; want an error so SES retries")
	}
	ev := sesEvent(t, "PASS", "PASS")
	ev.Records[0].SES.Mail.MessageID = "../../etc/passwd"
	it = newInbound()
	if err := it.h.HandleSES(context.Background(), ev); err != nil || len(it.raw.opened) != 0 {
		t.Errorf("HandleSES with a bad message id = %v, opened %q; want nil and nothing opened", err, it.raw.opened)
	}
}

func TestKeyName(t *testing.T) {
	tests := []struct{ name, want string }{
		{"invoice-1042.pdf", "invoice-1042.pdf"},
		{"poster (8).jpg", "poster_8_.jpg"},
		{"../../etc/passwd", "etc_passwd"},
		{"发票.pdf", "pdf"},
		{"", "file"},
		{strings.Repeat("a", 200), strings.Repeat("a", 80)},
	}
	for _, tt := range tests {
		if got := keyName(tt.name); got != tt.want {
			t.Errorf("keyName(%q) = %q; want %q", tt.name, got, tt.want)
		}
	}
}
