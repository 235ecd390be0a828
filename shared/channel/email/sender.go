package email

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/aws-sdk-go-v2/service/sesv2/types"
	"github.com/jhillyerd/enmime/v2"

	"github.com/switchboard-inbox/switchboard/shared/dispatch"
	"github.com/switchboard-inbox/switchboard/shared/inbox"
)

// SendAPI is the part of the SES v2 client Sender uses.
type SendAPI interface {
	SendEmail(ctx context.Context, in *sesv2.SendEmailInput, opts ...func(*sesv2.Options)) (*sesv2.SendEmailOutput, error)
}

// ThreadReader reads a conversation's messages in order.
type ThreadReader interface {
	Messages(ctx context.Context, conversationID, afterID string) ([]inbox.Message, error)
}

// DefaultFromName is the display name of the support address when
// FromName is not set.
const DefaultFromName = "Support"

// maxThreadRefs bounds References to the thread's first id and its last
// ones, as mail clients do for long threads.
const maxThreadRefs = 10

// Sender sends agents' replies as email through SES v2, threaded under
// the customer's mail.
type Sender struct {
	SES SendAPI
	// From is the support address replies come from.
	From string
	// FromName is its display name; empty means DefaultFromName.
	FromName string
	// AgentNameInFrom shows the agent: "Ada from Support" instead of
	// "Support", when the message has an AuthorName.
	AgentNameInFrom bool
	// Secret signs the reply token in Reply-To (ReplyToken); empty leaves
	// Reply-To out, and replies then thread by References alone.
	Secret string
	// Region is the SES region, which names the Message-ID SES gives the
	// mail; empty means us-east-1.
	Region string
	Thread ThreadReader
	// ConfigurationSet is the SES configuration set to send with, if any.
	ConfigurationSet string
	Now              func() time.Time
}

// Send sends m to the customer of conv. SES replaces the Message-ID we
// write with its own, <SES message id>@<region>.amazonses.com; that is
// what the customer's client answers to, so it is the ExternalID, and our
// own id and SES's bare id are aliases.
func (s *Sender) Send(ctx context.Context, conv inbox.Conversation, m inbox.Message) (inbox.Sent, error) {
	to, err := mail.ParseAddress(conv.Address)
	if err != nil {
		return inbox.Sent{}, &dispatch.PermanentError{Reason: fmt.Sprintf("%q is not an email address", conv.Address)}
	}
	_, domain, ok := splitAddress(s.From)
	if !ok {
		return inbox.Sent{}, &dispatch.PermanentError{Reason: "the support email address is not set up"}
	}
	thread, err := s.Thread.Messages(ctx, conv.ID, "")
	if err != nil {
		return inbox.Sent{}, fmt.Errorf("read thread of conversation %s: %w", conv.ID, err)
	}
	messageID := newMessageID(m.ID, domain)
	raw, err := s.compose(conv, m, to.Address, messageID, thread)
	if err != nil {
		return inbox.Sent{}, &dispatch.PermanentError{Reason: "could not build the email: " + err.Error()}
	}
	in := &sesv2.SendEmailInput{
		FromEmailAddress: aws.String(s.From),
		Destination:      &types.Destination{ToAddresses: []string{to.Address}},
		Content:          &types.EmailContent{Raw: &types.RawMessage{Data: raw}},
	}
	if s.ConfigurationSet != "" {
		in.ConfigurationSetName = aws.String(s.ConfigurationSet)
	}
	out, err := s.SES.SendEmail(ctx, in)
	if err != nil {
		return inbox.Sent{}, sendError(err)
	}
	sesID := aws.ToString(out.MessageId)
	if sesID == "" {
		// Accepted without an id: retrying would send it twice.
		return inbox.Sent{ExternalID: messageID}, nil
	}
	return inbox.Sent{ExternalID: sesID + "@" + sesDomain(s.Region), Aliases: []string{messageID, sesID}}, nil
}

// compose builds the MIME message.
func (s *Sender) compose(conv inbox.Conversation, m inbox.Message, to, messageID string, thread []inbox.Message) ([]byte, error) {
	text, htmlPart := bodies(m)
	b := enmime.Builder().
		From(s.fromName(m), s.From).
		To(oneLine(conv.CustomerName, maxNameRunes), to).
		Subject(replySubject(conv.Subject)).
		Date(s.now()).
		Header("Message-ID", "<"+messageID+">").
		Text([]byte(text)).
		HTML([]byte(htmlPart))
	if s.Secret != "" {
		b = b.ReplyTo("", ReplyAddress(s.From, ReplyToken(s.Secret, conv.ID)))
	}
	inReplyTo, refs := threadIDs(thread, m.ID)
	if inReplyTo != "" {
		b = b.Header("In-Reply-To", "<"+inReplyTo+">")
	}
	if len(refs) > 0 {
		b = b.Header("References", "<"+strings.Join(refs, "> <")+">")
	}
	root, err := b.Build()
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := root.Encode(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// bodies are the text and HTML parts of m, with CRLF line ends and no
// line too long for SMTP.
func bodies(m inbox.Message) (text, html string) {
	if m.Survey == nil {
		text, html = m.Text, htmlBody(m.Text)
	} else {
		text, html = surveyBodies(m.Text, m.Survey)
	}
	crlf := func(s string) string {
		return strings.ReplaceAll(wrapLongLines(strings.ReplaceAll(s, "\r\n", "\n")), "\n", "\r\n")
	}
	return crlf(text), crlf(html)
}

// threadIDs returns the id to reply to, the customer's newest mail, and
// the References of a reply: the ids of the thread's mails in order,
// without the message being sent, bounded to the first and the last ones.
// Only ids that are Message-IDs count; a mail received without one is
// known by its object key.
func threadIDs(thread []inbox.Message, sendingID string) (inReplyTo string, refs []string) {
	seen := map[string]bool{}
	for _, msg := range thread {
		id := msg.ExternalID
		if msg.ID == sendingID || !strings.Contains(id, "@") || cleanID(id) != id || seen[id] {
			continue
		}
		seen[id] = true
		refs = append(refs, id)
		if msg.Direction == inbox.DirectionIn {
			inReplyTo = id
		}
	}
	if len(refs) > maxThreadRefs+1 {
		refs = append(refs[:1], refs[len(refs)-maxThreadRefs:]...)
	}
	return inReplyTo, refs
}

// fromName is the display name replies come from.
func (s *Sender) fromName(m inbox.Message) string {
	name := s.FromName
	if name == "" {
		name = DefaultFromName
	}
	if s.AgentNameInFrom && strings.TrimSpace(m.AuthorName) != "" {
		name = strings.TrimSpace(m.AuthorName) + " from " + name
	}
	return oneLine(name, maxNameRunes)
}

// replySubject is "Re: " and the conversation's subject, once.
func replySubject(subject string) string {
	subject = oneLine(subject, maxSubject)
	switch {
	case subject == "":
		return "Re: Your message"
	case len(subject) >= 3 && strings.EqualFold(subject[:3], "re:"):
		return subject
	default:
		return "Re: " + subject
	}
}

// newMessageID makes the Message-ID we write; SES replaces it, but it
// names the message until then and in our logs.
func newMessageID(messageID, domain string) string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return strings.ToLower(messageID) + "." + hex.EncodeToString(b[:]) + "@" + domain
}

// sesDomain is the domain of the Message-IDs SES assigns in a region.
func sesDomain(region string) string {
	if region == "" || region == "us-east-1" {
		return "email.amazonses.com"
	}
	return region + ".amazonses.com"
}

// sendError tells failures retrying cannot fix from those it may.
func sendError(err error) error {
	var (
		rejected  *types.MessageRejected
		mailFrom  *types.MailFromDomainNotVerifiedException
		suspended *types.AccountSuspendedException
		paused    *types.SendingPausedException
		bad       *types.BadRequestException
		notFound  *types.NotFoundException
		throttled *types.TooManyRequestsException
		limit     *types.LimitExceededException
	)
	switch {
	case errors.As(err, &throttled), errors.As(err, &limit):
		// A sending rate or quota that frees up with time.
		return fmt.Errorf("send email through SES: %w", err)
	case errors.As(err, &rejected):
		return &dispatch.PermanentError{Reason: "SES rejected the email: " + rejected.ErrorMessage()}
	case errors.As(err, &mailFrom):
		return &dispatch.PermanentError{Reason: "the support address's MAIL FROM domain is not verified in SES: " + mailFrom.ErrorMessage()}
	case errors.As(err, &suspended):
		return &dispatch.PermanentError{Reason: "the SES account is suspended and cannot send email"}
	case errors.As(err, &paused):
		return &dispatch.PermanentError{Reason: "email sending is paused for this SES account or configuration set"}
	case errors.As(err, &bad):
		return &dispatch.PermanentError{Reason: "SES refused the request: " + bad.ErrorMessage()}
	case errors.As(err, &notFound):
		return &dispatch.PermanentError{Reason: "SES could not find the sending configuration: " + notFound.ErrorMessage()}
	}
	var resp *awshttp.ResponseError
	if errors.As(err, &resp) {
		code := resp.HTTPStatusCode()
		if code >= 400 && code < 500 && code != 408 && code != 429 {
			return &dispatch.PermanentError{Reason: fmt.Sprintf("SES refused the email (HTTP %d): %v", code, err)}
		}
	}
	return fmt.Errorf("send email through SES: %w", err)
}

func (s *Sender) now() time.Time {
	if s.Now == nil {
		return time.Now()
	}
	return s.Now()
}
