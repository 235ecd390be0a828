package email

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/jhillyerd/enmime/v2"

	"github.com/switchboard-inbox/switchboard/shared/dispatch"
	"github.com/switchboard-inbox/switchboard/shared/inbox"
)

type fakeThread struct {
	msgs []inbox.Message
	err  error
}

func (f fakeThread) Messages(context.Context, string, string) ([]inbox.Message, error) {
	return f.msgs, f.err
}

// sesServer stands in for the SES v2 API: it records the mails sent and
// answers with status and errorType when status is not 200.
type sesServer struct {
	*httptest.Server
	status    int
	errorType string
	sent      []sendRequest
}

type sendRequest struct {
	FromEmailAddress     string
	ConfigurationSetName string
	Destination          struct{ ToAddresses []string }
	Content              struct{ Raw struct{ Data []byte } }
}

func newSESServer(t *testing.T) *sesServer {
	s := &sesServer{status: http.StatusOK}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != "/v2/email/outbound-emails" {
			http.Error(w, "unexpected "+r.Method+" "+r.URL.Path, http.StatusNotFound)
			return
		}
		if !strings.HasPrefix(r.Header.Get("Authorization"), "AWS4-HMAC-SHA256") {
			http.Error(w, "unsigned", http.StatusForbidden)
			return
		}
		var req sendRequest
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		s.sent = append(s.sent, req)
		w.Header().Set("Content-Type", "application/json")
		if s.status != http.StatusOK {
			w.Header().Set("X-Amzn-ErrorType", s.errorType)
			w.WriteHeader(s.status)
			fmt.Fprintf(w, `{"message":"%s happened"}`, s.errorType)
			return
		}
		fmt.Fprint(w, `{"MessageId":"010001900a1b2c3d-11111111-2222-3333-4444-555555555555-000000"}`)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *sesServer) client() *sesv2.Client {
	return sesv2.New(sesv2.Options{
		Region:           "us-east-1",
		BaseEndpoint:     aws.String(s.URL),
		Credentials:      credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", ""),
		HTTPClient:       s.Client(),
		RetryMaxAttempts: 1,
	})
}

const sesMessageIDFixture = "010001900a1b2c3d-11111111-2222-3333-4444-555555555555-000000"

var testConv = inbox.Conversation{
	ID: testConvID, Channel: inbox.ChannelEmail, Address: "ada@example.org",
	CustomerName: "Ada Lovelácé", Subject: "Invoice 1042 is wrong",
}

func testThread() []inbox.Message {
	return []inbox.Message{
		{ID: "01HZY8K5N3M2Q7R4T6V9W0X1A0", Direction: inbox.DirectionIn, ExternalID: "first@mail.gmail.com"},
		{ID: "01HZY8K5N3M2Q7R4T6V9W0X1A1", Direction: inbox.DirectionOut, Kind: inbox.KindNote},
		{ID: "01HZY8K5N3M2Q7R4T6V9W0X1A2", Direction: inbox.DirectionOut, ExternalID: "0100aaa-000000@email.amazonses.com"},
		{ID: "01HZY8K5N3M2Q7R4T6V9W0X1A3", Direction: inbox.DirectionIn, ExternalID: "second@mail.gmail.com"},
		{ID: "01HZY8K5N3M2Q7R4T6V9W0X1A4", Direction: inbox.DirectionIn, ExternalID: "inbound/no-message-id"},
		{ID: "01HZY8K5N3M2Q7R4T6V9W0X1A5", Direction: inbox.DirectionOut, Kind: inbox.KindPublic},
	}
}

var testReply = inbox.Message{
	ID: "01HZY8K5N3M2Q7R4T6V9W0X1A5", ConversationID: testConvID, Direction: inbox.DirectionOut,
	Author: inbox.AuthorAgent, Kind: inbox.KindPublic, AuthorName: "Jörg",
	Text: "Hola Ada,\n\nwe refunded the second charge — 42 €.\nIt shows in 3 days.\n\n<script>alert(1)</script> & co",
}

func TestSendComposes(t *testing.T) {
	srv := newSESServer(t)
	s := &Sender{
		SES: srv.client(), From: "support@example.com", FromName: "Acme Support", AgentNameInFrom: true,
		Secret: testSecret, Region: "us-east-1", Thread: fakeThread{msgs: testThread()}, ConfigurationSet: "replies",
		Now: func() time.Time { return testNow },
	}
	sent, err := s.Send(context.Background(), testConv, testReply)
	if err != nil {
		t.Fatalf("Send: %v", err)
	}
	if len(srv.sent) != 1 {
		t.Fatalf("SES got %d requests; want 1", len(srv.sent))
	}
	req := srv.sent[0]
	if req.FromEmailAddress != "support@example.com" || req.ConfigurationSetName != "replies" ||
		!slices.Equal(req.Destination.ToAddresses, []string{"ada@example.org"}) {
		t.Errorf("SendEmail input = %+v", req)
	}
	raw := req.Content.Raw.Data
	env, err := enmime.ReadEnvelope(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("read the sent mail back: %v", err)
	}
	ourID := firstID(env.GetHeader("Message-ID"))
	if !regexp.MustCompile(`^01hzy8k5n3m2q7r4t6v9w0x1a5\.[0-9a-f]{16}@example\.com$`).MatchString(ourID) {
		t.Errorf("Message-ID = %q; want <message id>.<random>@example.com", ourID)
	}
	wantSent := inbox.Sent{
		ExternalID: sesMessageIDFixture + "@email.amazonses.com",
		Aliases:    []string{ourID, sesMessageIDFixture},
	}
	if sent.ExternalID != wantSent.ExternalID || !slices.Equal(sent.Aliases, wantSent.Aliases) {
		t.Errorf("Send = %+v; want %+v", sent, wantSent)
	}
	headers := []struct{ name, want string }{
		{"From", "Jörg from Acme Support <support@example.com>"},
		{"To", "Ada Lovelácé <ada@example.org>"},
		{"Reply-To", "<support+" + testToken + "@example.com>"},
		{"Subject", "Re: Invoice 1042 is wrong"},
		{"In-Reply-To", "<second@mail.gmail.com>"},
		{"References", "<first@mail.gmail.com> <0100aaa-000000@email.amazonses.com> <second@mail.gmail.com>"},
	}
	for _, h := range headers {
		if got := env.GetHeader(h.name); got != h.want {
			t.Errorf("%s = %q; want %q", h.name, got, h.want)
		}
	}
	from, err := env.AddressList("From")
	if err != nil || from[0].Name != "Jörg from Acme Support" || from[0].Address != "support@example.com" {
		t.Errorf("From parsed = %v, %v; want Jörg from Acme Support <support@example.com>", from, err)
	}
	// Names are RFC 2047 encoded on the wire, not raw UTF-8.
	if !regexp.MustCompile(`(?m)^To: =\?utf-8\?q\?Ada_Lovel=C3=A1c=C3=A9\?= <ada@example.org>\r$`).Match(raw) {
		t.Errorf("raw To header is not RFC 2047 encoded:\n%s", headerOf(raw))
	}
	if bytes.ContainsFunc(headerOf(raw), func(r rune) bool { return r > 127 }) {
		t.Errorf("raw header has non-ASCII bytes:\n%s", headerOf(raw))
	}
	if got := strings.ReplaceAll(env.Text, "\r\n", "\n"); got != testReply.Text {
		t.Errorf("text part = %q; want %q", got, testReply.Text)
	}
	wantHTML := "<p>Hola Ada,</p>\r\n<p>we refunded the second charge — 42 €.<br>\r\nIt shows in 3 days.</p>\r\n<p>&lt;script&gt;alert(1)&lt;/script&gt; &amp; co</p>"
	if !strings.Contains(env.HTML, wantHTML) {
		t.Errorf("HTML part = %q; want it to contain %q", env.HTML, wantHTML)
	}
	if strings.Contains(env.HTML, "src=") || strings.Contains(env.HTML, "http") {
		t.Errorf("HTML part loads something: %q", env.HTML)
	}
}

func headerOf(raw []byte) []byte {
	head, _, _ := bytes.Cut(raw, []byte("\r\n\r\n"))
	return head
}

func TestSendDefaults(t *testing.T) {
	ses := &recordingSES{}
	s := &Sender{SES: ses, From: "support@example.com", Region: "eu-west-1", Thread: fakeThread{}}
	conv := inbox.Conversation{ID: testConvID, Address: "Ada <ada@example.org>"}
	sent, err := s.Send(context.Background(), conv, inbox.Message{ID: testReply.ID, Text: "Hi", AuthorName: "Jörg"})
	if err != nil {
		t.Fatal(err)
	}
	if want := "0100bbb-000000@eu-west-1.amazonses.com"; sent.ExternalID != want {
		t.Errorf("ExternalID = %q; want %q", sent.ExternalID, want)
	}
	env, err := enmime.ReadEnvelope(bytes.NewReader(ses.in.Content.Raw.Data))
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{
		"From": `"Support" <support@example.com>`, "Subject": "Re: Your message",
		"Reply-To": "", "In-Reply-To": "", "References": "",
	} {
		if got := env.GetHeader(name); got != want {
			t.Errorf("%s = %q; want %q", name, got, want)
		}
	}
	if ses.in.ConfigurationSetName != nil {
		t.Errorf("ConfigurationSetName = %q; want none", *ses.in.ConfigurationSetName)
	}
}

type recordingSES struct{ in *sesv2.SendEmailInput }

func (r *recordingSES) SendEmail(_ context.Context, in *sesv2.SendEmailInput, _ ...func(*sesv2.Options)) (*sesv2.SendEmailOutput, error) {
	r.in = in
	return &sesv2.SendEmailOutput{MessageId: aws.String("0100bbb-000000")}, nil
}

func TestSendErrors(t *testing.T) {
	tests := []struct {
		status    int
		errorType string
		permanent string
	}{
		{400, "MessageRejected", "SES rejected the email: MessageRejected happened"},
		{400, "MailFromDomainNotVerifiedException", "the support address's MAIL FROM domain is not verified in SES: MailFromDomainNotVerifiedException happened"},
		{400, "AccountSuspendedException", "the SES account is suspended and cannot send email"},
		{400, "SendingPausedException", "email sending is paused for this SES account or configuration set"},
		{400, "BadRequestException", "SES refused the request: BadRequestException happened"},
		{404, "NotFoundException", "SES could not find the sending configuration: NotFoundException happened"},
		{403, "AccessDeniedException", "SES refused the email (HTTP 403)"},
		{429, "TooManyRequestsException", ""},
		{400, "LimitExceededException", ""},
		{500, "InternalFailure", ""},
		{503, "ServiceUnavailable", ""},
	}
	for _, tt := range tests {
		t.Run(tt.errorType, func(t *testing.T) {
			srv := newSESServer(t)
			srv.status, srv.errorType = tt.status, tt.errorType
			s := &Sender{SES: srv.client(), From: "support@example.com", Thread: fakeThread{}}
			_, err := s.Send(context.Background(), testConv, testReply)
			var permanent *dispatch.PermanentError
			switch {
			case err == nil:
				t.Fatal("Send = nil error")
			case tt.permanent == "" && errors.As(err, &permanent):
				t.Errorf("Send = permanent %q; want a retryable error", err)
			case tt.permanent != "" && !errors.As(err, &permanent):
				t.Errorf("Send = %v; want a permanent error", err)
			case tt.permanent != "" && !strings.HasPrefix(permanent.Reason, tt.permanent):
				t.Errorf("Reason = %q; want it to start %q", permanent.Reason, tt.permanent)
			}
		})
	}
}

func TestSendFailsEarly(t *testing.T) {
	var permanent *dispatch.PermanentError
	s := &Sender{SES: &recordingSES{}, From: "support@example.com", Thread: fakeThread{}}
	if _, err := s.Send(context.Background(), inbox.Conversation{ID: testConvID, Address: "not an address"}, testReply); !errors.As(err, &permanent) {
		t.Errorf("Send to a bad address = %v; want a permanent error", err)
	}
	s.Thread = fakeThread{err: errors.New("table unavailable")}
	if _, err := s.Send(context.Background(), testConv, testReply); err == nil || errors.As(err, &permanent) {
		t.Errorf("Send with the thread unreadable = %v; want a retryable error", err)
	}
}

func TestThreadIDs(t *testing.T) {
	var thread []inbox.Message
	for i := range 15 {
		thread = append(thread, inbox.Message{
			ID: fmt.Sprintf("M%02d", i), Direction: []inbox.Direction{inbox.DirectionIn, inbox.DirectionOut}[i%2],
			ExternalID: fmt.Sprintf("m%02d@x", i),
		})
	}
	inReplyTo, refs := threadIDs(thread, "M14")
	if inReplyTo != "m12@x" {
		t.Errorf("inReplyTo = %q; want the newest inbound m12@x", inReplyTo)
	}
	want := []string{"m00@x", "m04@x", "m05@x", "m06@x", "m07@x", "m08@x", "m09@x", "m10@x", "m11@x", "m12@x", "m13@x"}
	if !slices.Equal(refs, want) {
		t.Errorf("refs = %q; want %q", refs, want)
	}
}

func TestReplySubject(t *testing.T) {
	tests := []struct{ subject, want string }{
		{"Invoice", "Re: Invoice"},
		{"Re: Invoice", "Re: Invoice"},
		{"RE: Invoice", "RE: Invoice"},
		{"  Invoice\r\n 1042 ", "Re: Invoice 1042"},
		{"", "Re: Your message"},
		{"Rechnung", "Re: Rechnung"},
	}
	for _, tt := range tests {
		if got := replySubject(tt.subject); got != tt.want {
			t.Errorf("replySubject(%q) = %q; want %q", tt.subject, got, tt.want)
		}
	}
}

func TestWrapLongLines(t *testing.T) {
	long := strings.Repeat("word ", 400)
	for _, line := range strings.Split(wrapLongLines(long), "\n") {
		if len(line) > maxLineBytes {
			t.Errorf("line of %d bytes; want at most %d", len(line), maxLineBytes)
		}
	}
	unbroken := strings.Repeat("é", 1000)
	if got := strings.ReplaceAll(wrapLongLines(unbroken), "\n", ""); got != unbroken {
		t.Error("wrapping a line without spaces lost or broke characters")
	}
	entities := strings.Repeat("x", maxLineBytes-3) + "&amp;" + strings.Repeat("y", 100)
	if first, _, _ := strings.Cut(wrapLongLines(entities), "\n"); strings.Contains(first, "&") {
		t.Errorf("wrapLongLines broke inside an entity: first line ends %q", first[len(first)-10:])
	}
	if got := wrapLongLines("short\nlines"); got != "short\nlines" {
		t.Errorf("wrapLongLines(short lines) = %q; want them unchanged", got)
	}
}
