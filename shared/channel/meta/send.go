package meta

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/switchboard-inbox/switchboard/shared/dispatch"
	"github.com/switchboard-inbox/switchboard/shared/inbox"
)

// Messaging windows Meta enforces, counted from the customer's last
// message: WhatsApp takes free-form replies for 24 hours, then only
// approved templates; Messenger and Instagram take any reply for 24
// hours and a human agent's reply, tagged HUMAN_AGENT, for 7 days.
const (
	ServiceWindow    = 24 * time.Hour
	HumanAgentWindow = 7 * 24 * time.Hour
)

// Text limits of one message. Longer replies are refused, not split: a
// retry after a partial send would repeat the parts already delivered.
const (
	maxWhatsAppRunes  = 4096
	maxMessengerRunes = 2000
	maxInstagramBytes = 1000
)

// DefaultTemplateLanguage is the language of Meta's sample template.
const DefaultTemplateLanguage = "en_US"

// maxAnswerBytes bounds what is read of a Graph API answer.
const maxAnswerBytes = 1 << 20

// Sender replies to customers on WhatsApp, Messenger and Instagram,
// picking the product by the conversation's channel.
type Sender struct {
	// GraphURL defaults to DefaultGraphURL, Version to DefaultVersion.
	GraphURL string
	Version  string
	// AccessToken and PhoneNumberID send WhatsApp messages from the
	// business number.
	AccessToken   string
	PhoneNumberID string
	// PageAccessToken sends Messenger and Instagram messages as the page.
	PageAccessToken string
	// Template is the approved WhatsApp template offered to agents once
	// the 24-hour window has closed; TemplateLanguage defaults to
	// DefaultTemplateLanguage.
	Template         string
	TemplateLanguage string
	HTTP             *http.Client
	Now              func() time.Time
}

// Send delivers an agent's reply and returns Meta's id for it. A rating
// request (m.Survey) offers its answers as a list on WhatsApp and as
// quick replies on Messenger and Instagram, best score first.
func (s *Sender) Send(ctx context.Context, conv inbox.Conversation, m inbox.Message) (inbox.Sent, error) {
	switch conv.Channel {
	case inbox.ChannelWhatsApp:
		return s.sendWhatsApp(ctx, conv, m)
	case inbox.ChannelMessenger, inbox.ChannelInstagram:
		return s.sendPage(ctx, conv, m)
	default:
		return inbox.Sent{}, &dispatch.PermanentError{Reason: "the Meta sender cannot reply on " + conv.Channel.Label()}
	}
}

type waRequest struct {
	MessagingProduct string             `json:"messaging_product"`
	RecipientType    string             `json:"recipient_type"`
	To               string             `json:"to,omitempty"`
	Recipient        string             `json:"recipient,omitempty"`
	Type             string             `json:"type"`
	Text             *waText            `json:"text,omitempty"`
	Template         *waTemplate        `json:"template,omitempty"`
	Interactive      *waInteractiveList `json:"interactive,omitempty"`
}

type waText struct {
	Body string `json:"body"`
}

type waTemplate struct {
	Name     string `json:"name"`
	Language struct {
		Code string `json:"code"`
	} `json:"language"`
}

func (s *Sender) sendWhatsApp(ctx context.Context, conv inbox.Conversation, m inbox.Message) (inbox.Sent, error) {
	if s.AccessToken == "" || s.PhoneNumberID == "" {
		return inbox.Sent{}, &dispatch.PermanentError{Reason: "WhatsApp replies are not set up (no access token or phone number id)"}
	}
	req := waRequest{MessagingProduct: "whatsapp", RecipientType: "individual"}
	// A business-scoped user id (a customer who hides their number)
	// goes in recipient; a phone number goes in to, digits only.
	if isBSUID(conv.Address) {
		req.Recipient = conv.Address
	} else {
		req.To = strings.TrimPrefix(conv.Address, "+")
	}
	if m.Template != "" {
		req.Type = "template"
		req.Template = &waTemplate{Name: m.Template}
		req.Template.Language.Code = s.TemplateLanguage
		if req.Template.Language.Code == "" {
			req.Template.Language.Code = DefaultTemplateLanguage
		}
	} else {
		since := s.now().Sub(conv.LastInboundAt)
		if conv.LastInboundAt.IsZero() || since > ServiceWindow {
			return inbox.Sent{}, &dispatch.PermanentError{Template: s.Template, Reason: s.windowClosed(conv.LastInboundAt, since)}
		}
		text, err := replyText(m, "WhatsApp", utf8.RuneCountInString, maxWhatsAppRunes, "characters")
		if err != nil {
			return inbox.Sent{}, err
		}
		if offersSurvey(m) {
			req.Type, req.Interactive = "interactive", whatsAppList(text, m.Survey)
		} else {
			req.Type, req.Text = "text", &waText{Body: text}
		}
	}
	var answer struct {
		Messages []struct {
			ID string `json:"id"`
		} `json:"messages"`
	}
	endpoint := graphEndpoint(s.GraphURL, s.Version, url.PathEscape(s.PhoneNumberID)+"/messages")
	if err := s.post(ctx, "WhatsApp", endpoint, s.AccessToken, req, &answer); err != nil {
		return inbox.Sent{}, err
	}
	if len(answer.Messages) == 0 {
		// Accepted without an id: sent, but receipts cannot find it.
		// Retrying would send it twice.
		return inbox.Sent{}, nil
	}
	return inbox.Sent{ExternalID: answer.Messages[0].ID}, nil
}

func (s *Sender) windowClosed(last time.Time, since time.Duration) string {
	reason := "WhatsApp only allows free-form replies within 24 hours of the customer's last message, "
	if last.IsZero() {
		reason += "and this customer has not written on WhatsApp yet."
	} else {
		reason += "and the customer last wrote " + ago(since) + "."
	}
	if s.Template == "" {
		return reason + " No approved template is set up to reach them; they have to write again first."
	}
	return reason + fmt.Sprintf(" Send the approved template %q to reopen the conversation.", s.Template)
}

type pageRequest struct {
	Recipient struct {
		ID string `json:"id"`
	} `json:"recipient"`
	MessagingType string `json:"messaging_type"`
	Tag           string `json:"tag,omitempty"`
	Message       struct {
		Text         string       `json:"text"`
		QuickReplies []quickReply `json:"quick_replies,omitempty"`
	} `json:"message"`
}

// sendPage replies on Messenger or Instagram: a plain response inside 24
// hours, a human agent's tagged reply up to 7 days, nothing after.
// HUMAN_AGENT needs the Human Agent feature approved for the app; if it
// is not, Meta's refusal reaches the agent as a permanent error.
func (s *Sender) sendPage(ctx context.Context, conv inbox.Conversation, m inbox.Message) (inbox.Sent, error) {
	product := conv.Channel.Label()
	if s.PageAccessToken == "" {
		return inbox.Sent{}, &dispatch.PermanentError{Reason: product + " replies are not set up (no page access token)"}
	}
	var req pageRequest
	req.Recipient.ID = conv.Address
	since := s.now().Sub(conv.LastInboundAt)
	switch {
	case conv.LastInboundAt.IsZero():
		return inbox.Sent{}, &dispatch.PermanentError{Reason: product + " only allows replies to a customer who wrote " +
			"in the last 7 days, and this customer has not written yet."}
	case since > HumanAgentWindow:
		return inbox.Sent{}, &dispatch.PermanentError{Reason: product + " only allows replies within 7 days of the " +
			"customer's last message, and the customer last wrote " + ago(since) + ". They have to write again first."}
	case since > ServiceWindow:
		req.MessagingType, req.Tag = "MESSAGE_TAG", "HUMAN_AGENT"
	default:
		req.MessagingType = "RESPONSE"
	}
	var err error
	if conv.Channel == inbox.ChannelInstagram {
		req.Message.Text, err = replyText(m, product, func(s string) int { return len(s) }, maxInstagramBytes, "bytes")
	} else {
		req.Message.Text, err = replyText(m, product, utf8.RuneCountInString, maxMessengerRunes, "characters")
	}
	if err != nil {
		return inbox.Sent{}, err
	}
	if offersSurvey(m) {
		req.Message.QuickReplies = quickReplies(m.Survey)
	}
	var answer struct {
		MessageID string `json:"message_id"`
	}
	// Meta documents the page token as the access_token parameter of
	// the Send API.
	endpoint := graphEndpoint(s.GraphURL, s.Version, "me/messages") + "?" + url.Values{"access_token": {s.PageAccessToken}}.Encode()
	if err := s.post(ctx, product, endpoint, "", req, &answer); err != nil {
		return inbox.Sent{}, err
	}
	return inbox.Sent{ExternalID: answer.MessageID}, nil
}

// replyText is what the customer reads: the agent's public name, as the
// business account shows no person, then the text, within the limit.
func replyText(m inbox.Message, product string, measure func(string) int, limit int, unit string) (string, error) {
	if strings.TrimSpace(m.Text) == "" {
		return "", &dispatch.PermanentError{Reason: "The reply is empty"}
	}
	text := m.Text
	if m.AuthorName != "" {
		text = m.AuthorName + ": " + text
	}
	if n := measure(text); n > limit {
		return "", &dispatch.PermanentError{Reason: fmt.Sprintf("The reply is %d %s long; %s takes at most %d in one "+
			"message. Shorten it or send it as several replies.", n, unit, product, limit)}
	}
	return text, nil
}

// post sends a JSON request to the Graph API and decodes the answer.
func (s *Sender) post(ctx context.Context, product, endpoint, bearer string, payload, answer any) error {
	body, err := json.Marshal(payload)
	if err != nil {
		return fmt.Errorf("encode %s request: %w", product, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, bytes.NewReader(body))
	if err != nil {
		return &dispatch.PermanentError{Reason: product + " replies are misconfigured: bad Graph API URL"}
	}
	req.Header.Set("Content-Type", "application/json")
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	res, err := httpClient(s.HTTP).Do(req)
	if err != nil {
		return fmt.Errorf("send to %s: %w", product, withoutURL(err))
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(res.Body, maxAnswerBytes))
	if err != nil {
		return fmt.Errorf("read %s answer: %w", product, withoutURL(err))
	}
	if res.StatusCode/100 != 2 {
		return failure(product, res.StatusCode, raw, s.Template)
	}
	// An answer that does not decode still means sent, since Meta said
	// 2xx; only the id is lost, and retrying would send it twice.
	_ = json.Unmarshal(raw, answer)
	return nil
}

func (s *Sender) now() time.Time {
	if s.Now == nil {
		return time.Now()
	}
	return s.Now()
}

// isBSUID tells a business-scoped user id ("US.13491208655302741918")
// from a phone number, which never has a dot.
func isBSUID(address string) bool {
	return strings.Contains(address, ".")
}

// ago says how long ago in the unit people use for it.
func ago(d time.Duration) string {
	switch h := int(d.Hours()); {
	case h >= 48:
		return fmt.Sprintf("%d days ago", h/24)
	case h == 1:
		return "1 hour ago"
	default:
		return fmt.Sprintf("%d hours ago", h)
	}
}
