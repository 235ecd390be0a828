package outbox

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/aws-sdk-go-v2/service/sesv2/types"
)

// newSES builds the SES v2 client as the wiring does, aimed at the stand-in.
func newSES(endpoint string) *sesv2.Client {
	return sesv2.New(sesv2.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(endpoint),
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDLOCAL", "local-secret", ""),
	})
}

func TestSESSendEmail(t *testing.T) {
	raw := fixture(t, "reply_with_references.eml")
	tests := []struct {
		name      string
		in        *sesv2.SendEmailInput
		wantTo    string
		wantEmail Email
		wantRaw   []byte // nil: only check the .eml parses back to wantEmail
		wantInRaw string
	}{
		{
			name: "raw",
			in: &sesv2.SendEmailInput{
				Destination: &types.Destination{ToAddresses: []string{"care@example.com"}},
				Content:     &types.EmailContent{Raw: &types.RawMessage{Data: raw}},
			},
			wantTo: "care@example.com",
			wantEmail: Email{
				From:       "Sony Mathew <sony@chatwoot.com>",
				To:         "care@example.com",
				Subject:    "Discussion: Let's debate these attachments",
				InReplyTo:  "<4e6e35f5a38b4_479f13bb90078178@small-app-01.mail>",
				References: "<4e6e35f5a38b4_479f13bb90078178@small-app-01.mail> <test-reference-id>",
				Text:       "Email with references header",
			},
			wantRaw: raw,
		},
		{
			name:   "raw, recipients from its headers",
			in:     &sesv2.SendEmailInput{Content: &types.EmailContent{Raw: &types.RawMessage{Data: raw}}},
			wantTo: "care@example.com",
			wantEmail: Email{
				From:       "Sony Mathew <sony@chatwoot.com>",
				To:         "care@example.com",
				Subject:    "Discussion: Let's debate these attachments",
				InReplyTo:  "<4e6e35f5a38b4_479f13bb90078178@small-app-01.mail>",
				References: "<4e6e35f5a38b4_479f13bb90078178@small-app-01.mail> <test-reference-id>",
				Text:       "Email with references header",
			},
			wantRaw: raw,
		},
		{
			name: "simple with threading headers",
			in: &sesv2.SendEmailInput{
				FromEmailAddress: aws.String("Acme Support <support@acme.example>"),
				Destination:      &types.Destination{ToAddresses: []string{"Ana Pérez <ana@example.com>"}},
				ReplyToAddresses: []string{"reply+c123@acme.example"},
				Content: &types.EmailContent{Simple: &types.Message{
					Subject: &types.Content{Data: aws.String("Re: Order 1042 — where is it?")},
					Body: &types.Body{
						Text: &types.Content{Data: aws.String("Hi Ana,\nit ships today.\n— Sam")},
						Html: &types.Content{Data: aws.String("<p>Hi Ana,<br>it ships today.</p>")},
					},
					Headers: []types.MessageHeader{
						{Name: aws.String("In-Reply-To"), Value: aws.String("<CAF=abc@mail.example.com>")},
						{Name: aws.String("References"), Value: aws.String("<CAF=abc@mail.example.com>")},
					},
					Attachments: []types.Attachment{{FileName: aws.String("label.pdf"), ContentType: aws.String("application/pdf"), RawContent: []byte("%PDF-1.7")}},
				}},
			},
			wantTo: "Ana Pérez <ana@example.com>",
			wantEmail: Email{
				From:       `"Acme Support" <support@acme.example>`,
				To:         "Ana Pérez <ana@example.com>",
				ReplyTo:    "<reply+c123@acme.example>",
				Subject:    "Re: Order 1042 — where is it?",
				InReplyTo:  "<CAF=abc@mail.example.com>",
				References: "<CAF=abc@mail.example.com>",
				Text:       "Hi Ana,\nit ships today.\n— Sam",
				HTML:       "<p>Hi Ana,<br>it ships today.</p>",
			},
			wantInRaw: `filename=label.pdf`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := New(Options{})
			ts := devStack(t, s)
			out, err := newSES(ts.URL+"/_fake/ses").SendEmail(context.Background(), tt.in)
			if err != nil {
				t.Fatalf("SendEmail: %v", err)
			}
			sent := s.Sent(SES)
			if len(sent) != 1 {
				t.Fatalf("Sent(ses) = %d requests; want 1", len(sent))
			}
			r := sent[0]
			if id := aws.ToString(out.MessageId); id == "" || id != r.ID {
				t.Errorf("MessageId = %q, recorded ID %q; want the same, non-empty", id, r.ID)
			}
			if r.To != tt.wantTo || r.Text != tt.wantEmail.Text || !strings.HasPrefix(r.Auth, "AWS4-HMAC-SHA256 ") {
				t.Errorf("recorded To=%q Text=%q Auth=%.20q; want %q, %q, a SigV4 header", r.To, r.Text, r.Auth, tt.wantTo, tt.wantEmail.Text)
			}
			checkEmail(t, r.Email, tt.wantEmail)
			if tt.wantRaw != nil && !bytes.Equal(r.Email.Raw, tt.wantRaw) {
				t.Errorf("Email.Raw is not the raw message sent")
			}
			if !bytes.Contains(r.Email.Raw, []byte(tt.wantInRaw)) {
				t.Errorf("Email.Raw lacks %q:\n%s", tt.wantInRaw, r.Email.Raw)
			}

			status, eml := call(t, "GET", ts.URL+"/dev/outbox/"+strconv.Itoa(r.N)+".eml", "", nil, nil)
			if status != http.StatusOK || !bytes.Equal(eml, r.Email.Raw) {
				t.Fatalf("GET %d.eml = %d, %d bytes; want 200 and Email.Raw", r.N, status, len(eml))
			}
			parsed, err := parseEmail(eml)
			if err != nil {
				t.Fatalf("the .eml does not parse: %v", err)
			}
			checkEmail(t, parsed, tt.wantEmail)
		})
	}
}

func checkEmail(t *testing.T, got *Email, want Email) {
	t.Helper()
	if got == nil {
		t.Fatal("no email recorded")
	}
	g := *got
	g.Raw = nil
	g.HTML = strings.TrimSpace(g.HTML)
	if want.HTML == "" {
		g.HTML = ""
	}
	if !reflect.DeepEqual(g, want) {
		t.Errorf("email =\n%+v\nwant\n%+v", g, want)
	}
}

func TestSESRefusals(t *testing.T) {
	ctx := context.Background()
	s := New(Options{Fail: func(provider string, r *http.Request) (int, string, bool) {
		if provider == SES && strings.Contains(readAll(t, r), "blocked@example.com") {
			return http.StatusBadRequest, `{"__type":"MessageRejected","message":"Email address is on the suppression list."}`, true
		}
		return 0, "", false
	}})
	ts := devStack(t, s)
	client := newSES(ts.URL + "/_fake/ses")
	simple := func(to string) *sesv2.SendEmailInput {
		return &sesv2.SendEmailInput{
			FromEmailAddress: aws.String("support@acme.example"),
			Destination:      &types.Destination{ToAddresses: []string{to}},
			Content: &types.EmailContent{Simple: &types.Message{
				Subject: &types.Content{Data: aws.String("Hello")},
				Body:    &types.Body{Text: &types.Content{Data: aws.String("Hi")}},
			}},
		}
	}

	_, err := client.SendEmail(ctx, simple("blocked@example.com"))
	var rejected *types.MessageRejected
	if !errors.As(err, &rejected) || !strings.Contains(aws.ToString(rejected.Message), "suppression list") {
		t.Errorf("SendEmail to a blocked address: err = %v; want *types.MessageRejected", err)
	}

	_, err = client.SendEmail(ctx, &sesv2.SendEmailInput{Content: &types.EmailContent{}})
	var bad *types.BadRequestException
	if !errors.As(err, &bad) {
		t.Errorf("SendEmail with empty content: err = %v; want *types.BadRequestException", err)
	}

	_, err = client.SendEmail(ctx, &sesv2.SendEmailInput{
		FromEmailAddress: aws.String("not an address"),
		Destination:      &types.Destination{ToAddresses: []string{"ana@example.com"}},
		Content:          &types.EmailContent{Simple: simple("x").Content.Simple},
	})
	if !errors.As(err, &bad) {
		t.Errorf("SendEmail from a malformed address: err = %v; want *types.BadRequestException", err)
	}

	if _, err := client.SendEmail(ctx, simple("ana@example.com")); err != nil {
		t.Errorf("SendEmail to another address: %v", err)
	}

	sent := s.Sent(SES)
	if len(sent) != 4 {
		t.Fatalf("Sent(ses) = %d requests; want 4", len(sent))
	}
	first := sent[0]
	if first.Status != 400 || first.ID != "" || first.To != "blocked@example.com" || first.Email == nil || first.Email.Subject != "Hello" {
		t.Errorf("the rejected email was recorded as %d ID=%q To=%q Email=%v; want 400, no id, its recipient and email", first.Status, first.ID, first.To, first.Email)
	}
	if last := sent[3]; last.Status != 200 || last.ID == "" {
		t.Errorf("the accepted email was recorded as %d ID=%q", last.Status, last.ID)
	}
}
