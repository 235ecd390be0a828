package outbox

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/mail"
	"strings"
	"time"

	"github.com/jhillyerd/enmime/v2"
)

// sesSendEmail is the body of SES v2's SendEmail, the fields the stand-in reads.
type sesSendEmail struct {
	FromEmailAddress string
	Destination      *struct {
		ToAddresses, CcAddresses, BccAddresses []string
	}
	ReplyToAddresses []string
	Content          struct {
		Simple *struct {
			Subject struct{ Data string }
			Body    struct {
				Text, Html *struct{ Data string }
			}
			Headers     []struct{ Name, Value string }
			Attachments []struct {
				RawContent            []byte
				FileName, ContentType string
			}
		}
		Raw *struct {
			Data []byte
		}
		Template *struct {
			TemplateName, TemplateArn, TemplateData string
		}
	}
}

// sesError is an AWS JSON error, as the SDK decodes it.
func sesError(status int, errorType, message string) answer {
	a := jsonAnswer(status, map[string]string{"__type": errorType, "message": message})
	a.header = http.Header{"X-Amzn-Errortype": {errorType}}
	return a
}

// serveSESSendEmail answers POST /v2/email/outbound-emails with a new
// MessageId, and records the email: Raw content as sent, Simple content
// as the MIME message SES would build.
func serveSESSendEmail(s *Server, _ *http.Request, body []byte) answer {
	var in sesSendEmail
	if err := json.Unmarshal(body, &in); err != nil {
		return sesError(http.StatusBadRequest, "BadRequestException", "Invalid request body: "+err.Error())
	}
	var email *Email
	var err error
	switch c := in.Content; {
	case c.Raw != nil && c.Simple == nil && c.Template == nil:
		email, err = parseEmail(c.Raw.Data)
	case c.Simple != nil && c.Raw == nil && c.Template == nil:
		email, err = buildSimple(in, s.opts.Now())
	case c.Template != nil && c.Simple == nil && c.Raw == nil:
		email = &Email{
			From:    in.FromEmailAddress,
			Subject: "[Template: " + c.Template.TemplateName + c.Template.TemplateArn + "]",
			Text:    c.Template.TemplateData,
		}
	default:
		err = fmt.Errorf("content must have exactly one of Simple, Raw and Template")
	}
	if err != nil {
		return sesError(http.StatusBadRequest, "BadRequestException", err.Error())
	}
	if email.From == "" && in.FromEmailAddress == "" {
		return sesError(http.StatusBadRequest, "BadRequestException", "Missing required parameter FromEmailAddress")
	}
	// The envelope recipients are the Destination's when it has any; a raw
	// message without one goes to the addresses in its headers.
	to, hasRecipient := email.To, email.To != "" || email.Cc != ""
	if d := in.Destination; d != nil && len(d.ToAddresses)+len(d.CcAddresses)+len(d.BccAddresses) > 0 {
		to, hasRecipient = strings.Join(d.ToAddresses, ", "), true
	}
	if !hasRecipient {
		return sesError(http.StatusBadRequest, "BadRequestException", "Missing required parameter Destination")
	}
	id := fmt.Sprintf("0100%s-%s-%s-%s-%s-%s-000000", randomHex(6), randomHex(4), randomHex(2), randomHex(2), randomHex(2), randomHex(6))
	a := jsonAnswer(http.StatusOK, map[string]string{"MessageId": id})
	a.to, a.text, a.id, a.email = to, email.Text, id, email
	return a
}

// parseEmail reads what the page shows of a MIME message.
func parseEmail(raw []byte) (*Email, error) {
	env, err := enmime.ReadEnvelope(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("raw message is not a MIME message: %w", err)
	}
	return &Email{
		From:       env.GetHeader("From"),
		To:         env.GetHeader("To"),
		Cc:         env.GetHeader("Cc"),
		ReplyTo:    env.GetHeader("Reply-To"),
		Subject:    env.GetHeader("Subject"),
		InReplyTo:  env.GetHeader("In-Reply-To"),
		References: env.GetHeader("References"),
		Text:       strings.TrimRight(strings.ReplaceAll(env.Text, "\r\n", "\n"), " \n"),
		HTML:       env.HTML,
		Raw:        raw,
	}, nil
}

// addressList is one of SendEmail's address lists and the builder method
// that puts it in the message.
type addressList struct {
	field string
	list  []string
	set   func(enmime.MailBuilder, []mail.Address) enmime.MailBuilder
}

// buildSimple builds the MIME message SES sends for Simple content.
func buildSimple(in sesSendEmail, now time.Time) (*Email, error) {
	simple := in.Content.Simple
	b := enmime.Builder().Date(now).Subject(simple.Subject.Data)
	from, err := mail.ParseAddress(in.FromEmailAddress)
	if err != nil {
		return nil, fmt.Errorf("FromEmailAddress %q: %w", in.FromEmailAddress, err)
	}
	b = b.From(from.Name, from.Address)
	lists := []addressList{{"ReplyToAddresses", in.ReplyToAddresses, enmime.MailBuilder.ReplyToAddrs}}
	if d := in.Destination; d != nil {
		lists = append(lists,
			addressList{"ToAddresses", d.ToAddresses, enmime.MailBuilder.ToAddrs},
			addressList{"CcAddresses", d.CcAddresses, enmime.MailBuilder.CCAddrs},
			addressList{"BccAddresses", d.BccAddresses, enmime.MailBuilder.BCCAddrs},
		)
	}
	for _, l := range lists {
		addrs := make([]mail.Address, 0, len(l.list))
		for _, s := range l.list {
			a, err := mail.ParseAddress(s)
			if err != nil {
				return nil, fmt.Errorf("%s %q: %w", l.field, s, err)
			}
			addrs = append(addrs, *a)
		}
		if len(addrs) > 0 {
			b = l.set(b, addrs)
		}
	}
	for _, h := range simple.Headers {
		b = b.Header(h.Name, h.Value)
	}
	if t := simple.Body.Text; t != nil {
		b = b.Text([]byte(t.Data))
	}
	if h := simple.Body.Html; h != nil {
		b = b.HTML([]byte(h.Data))
	}
	for _, att := range simple.Attachments {
		b = b.AddAttachment(att.RawContent, att.ContentType, att.FileName)
	}
	root, err := b.Build()
	if err != nil {
		return nil, fmt.Errorf("building the message: %w", err)
	}
	var raw bytes.Buffer
	if err := root.Encode(&raw); err != nil {
		return nil, fmt.Errorf("encoding the message: %w", err)
	}
	return parseEmail(raw.Bytes())
}
