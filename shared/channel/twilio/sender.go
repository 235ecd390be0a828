package twilio

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/switchboard-inbox/switchboard/shared/dispatch"
	"github.com/switchboard-inbox/switchboard/shared/inbox"
)

// DefaultAPIURL is Twilio's REST API.
const DefaultAPIURL = "https://api.twilio.com"

// WhatsAppWindow is how long after the customer's last message WhatsApp
// takes free-form replies; after it only approved templates.
const WhatsAppWindow = 24 * time.Hour

// Sender sends agents' replies by SMS or WhatsApp through Twilio's
// Messages API.
type Sender struct {
	// APIURL replaces DefaultAPIURL, for tests and the local stack.
	APIURL     string
	AccountSID string
	AuthToken  string
	// SMSFrom is the E.164 number SMS replies come from; a
	// MessagingServiceSID is used instead when set.
	SMSFrom             string
	MessagingServiceSID string
	// WhatsAppFrom is the E.164 number of the WhatsApp sender.
	WhatsAppFrom string
	// WhatsAppTemplateSID is the Content SID of the approved template
	// offered to agents once the 24-hour window has closed.
	WhatsAppTemplateSID string
	// StatusCallbackURL is where Twilio reports delivery: the public URL
	// of POST /webhooks/twilio.
	StatusCallbackURL string
	// OptOuts may be nil: Twilio still refuses numbers that texted STOP.
	OptOuts OptOuts
	HTTP    *http.Client
	Now     func() time.Time
}

// apiError is the Messages API's error body.
type apiError struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

// Send sends one message to the conversation's customer.
func (s *Sender) Send(ctx context.Context, conv inbox.Conversation, m inbox.Message) (inbox.Sent, error) {
	form, err := s.form(ctx, conv, m)
	if err != nil {
		return inbox.Sent{}, err
	}
	endpoint := strings.TrimSuffix(s.apiURL(), "/") + "/2010-04-01/Accounts/" + url.PathEscape(s.AccountSID) + "/Messages.json"
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, strings.NewReader(form.Encode()))
	if err != nil {
		return inbox.Sent{}, fmt.Errorf("build twilio request: %w", err)
	}
	req.SetBasicAuth(s.AccountSID, s.AuthToken)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	res, err := client(s.HTTP).Do(req)
	if err != nil {
		return inbox.Sent{}, fmt.Errorf("send %s via twilio: %w", conv.Channel, err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(io.LimitReader(res.Body, maxResponseBytes))
	if res.StatusCode/100 == 2 {
		// Twilio took the message: sending again would deliver it twice,
		// so an unreadable answer still counts as sent, only without an
		// id for receipts.
		var created struct {
			SID string `json:"sid"`
		}
		_ = json.Unmarshal(body, &created)
		return inbox.Sent{ExternalID: created.SID}, nil
	}
	if err != nil {
		return inbox.Sent{}, fmt.Errorf("send %s via twilio: HTTP %d: read answer: %w", conv.Channel, res.StatusCode, err)
	}
	var e apiError
	_ = json.Unmarshal(body, &e)
	code := ""
	if e.Code != 0 {
		code = strconv.Itoa(e.Code)
	}
	reason := describe(code, e.Message)
	switch {
	case res.StatusCode == http.StatusTooManyRequests || res.StatusCode == http.StatusRequestTimeout || res.StatusCode >= 500:
		return inbox.Sent{}, fmt.Errorf("send %s via twilio: HTTP %d: %s", conv.Channel, res.StatusCode, reason)
	case code == "" && e.Message == "":
		reason = fmt.Sprintf("Twilio refused the message (HTTP %d)", res.StatusCode)
	}
	return inbox.Sent{}, &dispatch.PermanentError{Reason: reason}
}

// form checks that the message may be sent and builds the API request.
func (s *Sender) form(ctx context.Context, conv inbox.Conversation, m inbox.Message) (url.Values, error) {
	form := url.Values{}
	switch conv.Channel {
	case inbox.ChannelSMS:
		form.Set("To", conv.Address)
		switch {
		case s.MessagingServiceSID != "":
			form.Set("MessagingServiceSid", s.MessagingServiceSID)
		case s.SMSFrom != "":
			form.Set("From", s.SMSFrom)
		default:
			return nil, &dispatch.PermanentError{Reason: "SMS replies through Twilio are not set up (no sending number)"}
		}
	case inbox.ChannelWhatsApp:
		form.Set("To", "whatsapp:"+conv.Address)
		switch {
		case s.WhatsAppFrom != "":
			form.Set("From", "whatsapp:"+strings.TrimPrefix(s.WhatsAppFrom, "whatsapp:"))
		case s.MessagingServiceSID != "":
			form.Set("MessagingServiceSid", s.MessagingServiceSID)
		default:
			return nil, &dispatch.PermanentError{Reason: "WhatsApp replies through Twilio are not set up (no WhatsApp sender)"}
		}
	default:
		return nil, &dispatch.PermanentError{Reason: "Twilio does not send " + conv.Channel.Label() + " messages"}
	}
	if s.OptOuts != nil {
		optedOut, err := s.OptOuts.OptedOut(ctx, conv.Channel, conv.Address)
		if err != nil {
			return nil, fmt.Errorf("check %s opt-out: %w", conv.Channel, err)
		}
		if optedOut {
			return nil, &dispatch.PermanentError{Reason: "The customer texted STOP on " + conv.Channel.Label() +
				", so Twilio will not deliver replies; they must text START before we can message them"}
		}
	}
	switch {
	case m.Template != "":
		form.Set("ContentSid", m.Template)
	case conv.Channel == inbox.ChannelWhatsApp && s.now().Sub(conv.LastInboundAt) > WhatsAppWindow:
		return nil, &dispatch.PermanentError{
			Reason:   "The customer last wrote on WhatsApp more than 24 hours ago; WhatsApp only takes an approved template until they write again",
			Template: s.WhatsAppTemplateSID,
		}
	case strings.TrimSpace(m.Text) == "":
		return nil, &dispatch.PermanentError{Reason: "The reply is empty"}
	default:
		form.Set("Body", body(m))
	}
	if s.StatusCallbackURL != "" {
		form.Set("StatusCallback", s.StatusCallbackURL)
	}
	return form, nil
}

// body signs the text with the agent's public name: SMS and WhatsApp show
// only the business number, so the name is how the customer knows who
// answered. A rating request goes unsigned, with a line asking for a
// digit: through Twilio it carries no buttons (an in-session WhatsApp
// quick reply takes three, not five), and ingest reads the digit.
func body(m inbox.Message) string {
	if m.Survey != nil {
		if m.Survey.ReplyHint == "" {
			return m.Text
		}
		return m.Text + "\n" + m.Survey.ReplyHint
	}
	if m.AuthorName == "" {
		return m.Text
	}
	return m.AuthorName + ": " + m.Text
}

func (s *Sender) apiURL() string {
	if s.APIURL != "" {
		return s.APIURL
	}
	return DefaultAPIURL
}

func (s *Sender) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}
