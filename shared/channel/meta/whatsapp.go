package meta

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/switchboard-inbox/switchboard/shared/inbox"
)

// change is one WhatsApp update: messages from customers, statuses of
// ours, or errors, all under the "messages" field.
type change struct {
	Field string  `json:"field"`
	Value waValue `json:"value"`
}

type waValue struct {
	Contacts []waContact `json:"contacts"`
	Messages []waMessage `json:"messages"`
	Statuses []waStatus  `json:"statuses"`
	Errors   []waError   `json:"errors"`
}

// waContact is the sender's profile. A user who adopted a WhatsApp
// username may come with only a business-scoped user id (BSUID), no
// wa_id.
type waContact struct {
	Profile struct {
		Name string `json:"name"`
	} `json:"profile"`
	WaID   string `json:"wa_id"`
	UserID string `json:"user_id"`
}

type waMessage struct {
	ID         string `json:"id"`
	From       string `json:"from"`
	FromUserID string `json:"from_user_id"`
	Timestamp  number `json:"timestamp"`
	Type       string `json:"type"`
	Text       struct {
		Body string `json:"body"`
	} `json:"text"`
	Image       *waMedia          `json:"image"`
	Audio       *waMedia          `json:"audio"`
	Voice       *waMedia          `json:"voice"`
	Video       *waMedia          `json:"video"`
	Document    *waMedia          `json:"document"`
	Sticker     *waMedia          `json:"sticker"`
	Location    *waLocation       `json:"location"`
	Contacts    []waSharedContact `json:"contacts"`
	Interactive *waInteractive    `json:"interactive"`
	Button      *struct {
		Text    string `json:"text"`
		Payload string `json:"payload"`
	} `json:"button"`
	Reaction *struct {
		Emoji string `json:"emoji"`
	} `json:"reaction"`
	System *struct {
		Body string `json:"body"`
	} `json:"system"`
	Unsupported *struct {
		Type string `json:"type"`
	} `json:"unsupported"`
}

type waMedia struct {
	ID       string `json:"id"`
	MIMEType string `json:"mime_type"`
	Caption  string `json:"caption"`
	Filename string `json:"filename"`
}

type waLocation struct {
	Latitude  number `json:"latitude"`
	Longitude number `json:"longitude"`
	Name      string `json:"name"`
	Address   string `json:"address"`
}

type waSharedContact struct {
	Name struct {
		FormattedName string `json:"formatted_name"`
	} `json:"name"`
	Phones []struct {
		Phone string `json:"phone"`
	} `json:"phones"`
}

type waInteractive struct {
	Type        string   `json:"type"`
	ButtonReply *waReply `json:"button_reply"`
	ListReply   *waReply `json:"list_reply"`
	NFMReply    *struct {
		Name string `json:"name"`
		Body string `json:"body"`
	} `json:"nfm_reply"`
}

type waReply struct {
	ID          string `json:"id"`
	Title       string `json:"title"`
	Description string `json:"description"`
}

type waStatus struct {
	ID        string    `json:"id"`
	Status    string    `json:"status"`
	Timestamp number    `json:"timestamp"`
	Errors    []waError `json:"errors"`
}

type waError struct {
	Code      number `json:"code"`
	Title     string `json:"title"`
	Message   string `json:"message"`
	ErrorData struct {
		Details string `json:"details"`
	} `json:"error_data"`
}

// String reads like "Message undeliverable (code 131026): Message
// Undeliverable.", for agents and logs.
func (e waError) String() string {
	title := e.Title
	if title == "" {
		title = e.Message
	}
	s := title
	if e.Code != "" {
		s += " (code " + string(e.Code) + ")"
	}
	if d := e.ErrorData.Details; d != "" && !strings.EqualFold(d, title) {
		s += ": " + d
	}
	return s
}

// waMediaLabels name each media type in placeholders.
var waMediaLabels = map[string]string{
	"image": "Photo", "video": "Video", "audio": "Audio", "voice": "Voice message",
	"document": "Document", "sticker": "Sticker",
}

func parseWhatsApp(b *batch, c change, now time.Time) {
	if c.Field != "" && c.Field != "messages" {
		b.skipped = append(b.skipped, fmt.Sprintf("whatsapp field %.40q", c.Field))
		return
	}
	for _, e := range c.Value.Errors {
		b.problems = append(b.problems, "whatsapp error: "+e.String())
	}
	for _, m := range c.Value.Messages {
		msg, ok := whatsAppMessage(m, c.Value.Contacts, now)
		if !ok {
			b.skipped = append(b.skipped, fmt.Sprintf("whatsapp message %.80q without a sender", m.ID))
			continue
		}
		b.messages = append(b.messages, msg)
	}
	for _, s := range c.Value.Statuses {
		r, ok := whatsAppReceipt(s, now)
		if !ok {
			b.skipped = append(b.skipped, fmt.Sprintf("whatsapp status %.20q of %.80q", s.Status, s.ID))
			continue
		}
		b.receipts = append(b.receipts, r)
	}
}

func whatsAppMessage(m waMessage, contacts []waContact, now time.Time) (message, bool) {
	address, links, ok := whatsAppAddress(m)
	if !ok {
		return message{}, false
	}
	parts, body := whatsAppContent(m)
	id := m.ID
	if id == "" {
		id = fallbackID("", address, m.Timestamp)
	}
	return message{
		in: inbox.Inbound{
			Channel: inbox.ChannelWhatsApp, Address: address, Name: whatsAppName(m, contacts),
			// Meta signs who wrote: the number or user id is WhatsApp's
			// own, not something the customer typed.
			Verified: true, ExternalID: id, ReceivedAt: m.Timestamp.time(now), Links: links,
			Answer: surveyAnswer(whatsAppPayload(m)),
		},
		parts: parts, body: body,
	}, true
}

// whatsAppAddress keys a WhatsApp customer on their phone number in E.164
// form when the webhook has it, so replies, SMS and phone merging all
// work. A user who hides their number behind a username comes with only
// a business-scoped user id (BSUID, "US.13491208655302741918"), which is
// then the address as it is: it is not a phone number and replies go to
// it as a BSUID. When both come, the BSUID is a link, so a customer first
// known by BSUID joins the same customer once their number shows. A wa_id
// that is not a valid number is kept as WhatsApp wrote it rather than
// dropping the message.
func whatsAppAddress(m waMessage) (string, []inbox.Identity, bool) {
	phone, err := inbox.NormalizePhone(m.From)
	switch {
	case m.From != "" && err == nil && m.FromUserID != "":
		return phone, []inbox.Identity{{Channel: inbox.ChannelWhatsApp, Address: m.FromUserID}}, true
	case m.From != "" && err == nil:
		return phone, nil, true
	case m.FromUserID != "":
		return m.FromUserID, nil, true
	case m.From != "":
		return m.From, nil, true
	default:
		return "", nil, false
	}
}

// whatsAppName finds the sender's profile name among the contacts.
func whatsAppName(m waMessage, contacts []waContact) string {
	for _, c := range contacts {
		if (c.WaID != "" && c.WaID == m.From) || (c.UserID != "" && c.UserID == m.FromUserID) {
			return strings.TrimSpace(c.Profile.Name)
		}
	}
	if len(contacts) == 1 {
		return strings.TrimSpace(contacts[0].Profile.Name)
	}
	return ""
}

// whatsAppContent turns each message type into placeholders and the
// customer's words. Types WhatsApp adds later land as unsupported, never
// dropped.
func whatsAppContent(m waMessage) ([]part, string) {
	if label, ok := waMediaLabels[m.Type]; ok {
		media := m.media()
		if media == nil || media.ID == "" {
			return []part{{text: "[" + label + ", not downloaded: WhatsApp sent no media id]"}}, ""
		}
		ref := &mediaRef{label: label, id: media.ID, name: media.Filename, mimeType: media.MIMEType}
		return []part{{media: ref}}, media.Caption
	}
	switch {
	case m.Type == "text":
		return nil, m.Text.Body
	case m.Type == "location" && m.Location != nil:
		return []part{{text: locationText(m.Location.Latitude, m.Location.Longitude)}},
			strings.Join(nonEmpty([]string{m.Location.Name, m.Location.Address}), ", ")
	case m.Type == "contacts":
		parts := make([]part, 0, len(m.Contacts))
		for _, c := range m.Contacts {
			fields := []string{c.Name.FormattedName}
			for _, p := range c.Phones {
				fields = append(fields, p.Phone)
			}
			parts = append(parts, part{text: "[Contact: " + strings.Join(nonEmpty(fields), ", ") + "]"})
		}
		return parts, ""
	case m.Type == "interactive" && m.Interactive != nil:
		return interactiveContent(m.Interactive)
	case m.Type == "button" && m.Button != nil:
		return tapped(m.Button.Text, m.Button.Payload)
	case m.Type == "reaction" && m.Reaction != nil:
		if m.Reaction.Emoji == "" {
			return []part{{text: "[Reaction removed]"}}, ""
		}
		return []part{{text: "[Reaction: " + m.Reaction.Emoji + "]"}}, ""
	case m.Type == "system" && m.System != nil:
		return []part{{text: "[WhatsApp notice]"}}, m.System.Body
	}
	kind := m.Type
	if m.Unsupported != nil && m.Unsupported.Type != "" {
		kind = m.Unsupported.Type
	}
	return []part{{text: unsupportedText("message type", kind)}}, ""
}

func (m waMessage) media() *waMedia {
	switch m.Type {
	case "image":
		return m.Image
	case "video":
		return m.Video
	case "audio":
		return m.Audio
	case "voice":
		return m.Voice
	case "document":
		return m.Document
	default:
		return m.Sticker
	}
}

// interactiveContent is the reply a customer tapped in one of our
// interactive messages: its title is what they said.
func interactiveContent(in *waInteractive) ([]part, string) {
	switch {
	case in.Type == "button_reply" && in.ButtonReply != nil:
		return tapped(in.ButtonReply.Title, in.ButtonReply.ID)
	case in.Type == "list_reply" && in.ListReply != nil:
		return tapped(in.ListReply.Title, in.ListReply.ID)
	case in.Type == "nfm_reply" && in.NFMReply != nil:
		return []part{{text: "[Form reply]"}}, in.NFMReply.Body
	default:
		return []part{{text: unsupportedText("interactive reply", in.Type)}}, ""
	}
}

// whatsAppPayload is the id of the button or list row a customer tapped,
// which is ours: a quick-reply button of a template carries it as payload.
func whatsAppPayload(m waMessage) string {
	in := m.Interactive
	switch {
	case m.Type == "interactive" && in != nil && in.Type == "button_reply" && in.ButtonReply != nil:
		return in.ButtonReply.ID
	case m.Type == "interactive" && in != nil && in.Type == "list_reply" && in.ListReply != nil:
		return in.ListReply.ID
	case m.Type == "button" && m.Button != nil:
		return m.Button.Payload
	default:
		return ""
	}
}

// tapped is a button the customer pressed: the title shown on it is
// their words; the payload, our own machine data, shows only when the
// button had no title.
func tapped(title, payload string) ([]part, string) {
	if strings.TrimSpace(title) != "" {
		return nil, title
	}
	return []part{{text: "[Button: " + payload + "]"}}, ""
}

func whatsAppReceipt(s waStatus, now time.Time) (inbox.Receipt, bool) {
	r := inbox.Receipt{Channel: inbox.ChannelWhatsApp, ExternalID: s.ID, At: s.Timestamp.time(now)}
	switch s.Status {
	case "delivered":
		r.Status = inbox.ReceiptDelivered
	case "read":
		r.Status = inbox.ReceiptRead
	case "failed":
		r.Status = inbox.ReceiptFailed
		r.Reason = "WhatsApp could not deliver the message"
		if len(s.Errors) > 0 {
			r.Reason += ": " + s.Errors[0].String()
		}
	default:
		// "sent" only says Meta accepted it, which Send already knew.
		return inbox.Receipt{}, false
	}
	return r, s.ID != ""
}

func locationText(lat, long number) string {
	la, okLat := lat.float()
	lo, okLong := long.float()
	if !okLat || !okLong {
		return "[Location]"
	}
	return "[Location: " + strconv.FormatFloat(la, 'f', -1, 64) + ", " + strconv.FormatFloat(lo, 'f', -1, 64) + "]"
}

func unsupportedText(what, kind string) string {
	if kind == "" {
		return "[Unsupported " + what + "]"
	}
	return fmt.Sprintf("[Unsupported %s: %.40s]", what, kind)
}

func nonEmpty(ss []string) []string {
	kept := make([]string, 0, len(ss))
	for _, s := range ss {
		if s = strings.TrimSpace(s); s != "" {
			kept = append(kept, s)
		}
	}
	return kept
}
