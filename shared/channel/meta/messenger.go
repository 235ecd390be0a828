package meta

import (
	"fmt"
	"net/url"
	"path"
	"time"

	"github.com/switchboard-inbox/switchboard/shared/inbox"
)

// messaging is one Messenger or Instagram event: a message, a postback,
// or a delivery, read or reaction notice.
type messaging struct {
	Sender struct {
		ID string `json:"id"`
	} `json:"sender"`
	Timestamp number      `json:"timestamp"`
	Message   *fbMessage  `json:"message"`
	Postback  *fbPostback `json:"postback"`
	Delivery  *struct {
		Mids      []string `json:"mids"`
		Watermark number   `json:"watermark"`
	} `json:"delivery"`
	Read     *struct{} `json:"read"`
	Reaction *struct{} `json:"reaction"`
}

type fbMessage struct {
	Mid         string         `json:"mid"`
	Text        string         `json:"text"`
	IsEcho      bool           `json:"is_echo"`
	IsDeleted   bool           `json:"is_deleted"`
	Attachments []fbAttachment `json:"attachments"`
	QuickReply  *struct {
		Payload string `json:"payload"`
	} `json:"quick_reply"`
	ReplyTo *struct {
		Story *struct {
			URL string `json:"url"`
		} `json:"story"`
	} `json:"reply_to"`
}

type fbAttachment struct {
	Type    string `json:"type"`
	Payload struct {
		URL         string `json:"url"`
		Title       string `json:"title"`
		StickerID   number `json:"sticker_id"`
		Coordinates *struct {
			Lat  number `json:"lat"`
			Long number `json:"long"`
		} `json:"coordinates"`
	} `json:"payload"`
}

type fbPostback struct {
	Mid     string `json:"mid"`
	Title   string `json:"title"`
	Payload string `json:"payload"`
}

// fbFileLabels name the file attachments Messenger and Instagram send.
var fbFileLabels = map[string]string{"image": "Photo", "video": "Video", "audio": "Audio", "file": "File"}

// parseMessaging reads one Messenger or Instagram event. The address is
// the sender's page-scoped id (PSID) or Instagram-scoped id (IGSID); the
// webhook carries no name, which would take a Graph call per sender.
//
// Read notices are skipped: they carry only a watermark (everything
// before this time was read), not message ids, and a receipt names one
// message. Deliveries name their messages and become receipts.
func parseMessaging(b *batch, ch inbox.Channel, pageID string, ev messaging, now time.Time) {
	sender, at := ev.Sender.ID, ev.Timestamp.time(now)
	switch {
	case ev.Message != nil && ev.Message.IsEcho, sender == pageID && sender != "":
		b.skipped = append(b.skipped, fmt.Sprintf("%s echo of our own message", ch))
	case ev.Message != nil && ev.Message.IsDeleted:
		// The customer unsent a message; the copy already in the thread
		// stays, as agents may have acted on it.
		b.skipped = append(b.skipped, fmt.Sprintf("%s message %.80q unsent", ch, ev.Message.Mid))
	case ev.Delivery != nil:
		for _, mid := range ev.Delivery.Mids {
			if mid == "" {
				continue
			}
			b.receipts = append(b.receipts, inbox.Receipt{Channel: ch, ExternalID: mid,
				Status: inbox.ReceiptDelivered, At: ev.Delivery.Watermark.time(at)})
		}
	case sender == "":
		b.skipped = append(b.skipped, fmt.Sprintf("%s event without a sender", ch))
	case ev.Message != nil:
		parts, body := messagingContent(ch, ev.Message)
		msg := messagingMessage(ch, sender, ev.Message.Mid, "", ev.Timestamp, at, parts, body)
		if ev.Message.QuickReply != nil {
			msg.in.Answer = surveyAnswer(ev.Message.QuickReply.Payload)
		}
		b.messages = append(b.messages, msg)
	case ev.Postback != nil:
		parts, body := tapped(ev.Postback.Title, ev.Postback.Payload)
		msg := messagingMessage(ch, sender, ev.Postback.Mid, "postback:", ev.Timestamp, at, parts, body)
		msg.in.Answer = surveyAnswer(ev.Postback.Payload)
		b.messages = append(b.messages, msg)
	case ev.Read != nil:
		b.skipped = append(b.skipped, fmt.Sprintf("%s read watermark", ch))
	case ev.Reaction != nil:
		// A reaction has no id of its own to dedupe a retry on, and
		// names a message by id only.
		b.skipped = append(b.skipped, fmt.Sprintf("%s reaction", ch))
	default:
		b.skipped = append(b.skipped, fmt.Sprintf("%s event of another kind (referral, opt-in, handover)", ch))
	}
}

// messagingMessage builds the inbound message. Postbacks before Graph
// v11 carry no mid; the sender and timestamp stand in.
func messagingMessage(ch inbox.Channel, sender, mid, kind string, ts number, at time.Time, parts []part, body string) message {
	if mid == "" {
		mid = fallbackID(kind, sender, ts)
	}
	return message{
		in:    inbox.Inbound{Channel: ch, Address: sender, Verified: true, ExternalID: mid, ReceivedAt: at},
		parts: parts, body: body,
	}
}

func messagingContent(ch inbox.Channel, m *fbMessage) ([]part, string) {
	var parts []part
	if m.ReplyTo != nil && m.ReplyTo.Story != nil {
		parts = append(parts, part{text: linked("Reply to your story", m.ReplyTo.Story.URL)})
	}
	for _, a := range m.Attachments {
		parts = append(parts, attachmentPart(ch, a))
	}
	body := m.Text
	if body == "" && m.QuickReply != nil {
		parts = append(parts, part{text: "[Quick reply: " + m.QuickReply.Payload + "]"})
	}
	return parts, body
}

// attachmentPart turns an attachment into a file to fetch (Messenger) or
// a link (Instagram, whose platform policy forbids keeping the media
// users send: only the CDN URL may be stored, and it expires with the
// content).
func attachmentPart(ch inbox.Channel, a fbAttachment) part {
	p := a.Payload
	if label, ok := fbFileLabels[a.Type]; ok {
		if a.Type == "image" && p.StickerID != "" {
			label = "Sticker"
		}
		if ch == inbox.ChannelInstagram || !isWebURL(p.URL) {
			return part{text: linked(label, p.URL)}
		}
		ref := &mediaRef{label: label, url: p.URL}
		if a.Type == "file" {
			ref.name = fileName(p.URL)
		}
		return part{media: ref}
	}
	switch a.Type {
	case "location":
		if p.Coordinates == nil {
			return part{text: "[Location]"}
		}
		return part{text: locationText(p.Coordinates.Lat, p.Coordinates.Long)}
	case "story_mention":
		return part{text: linked("Mentioned you in their story", p.URL)}
	case "like_heart":
		return part{text: "[Reaction: ❤️]"}
	case "share", "ig_post":
		return part{text: linked("Shared a post", p.URL)}
	case "reel", "ig_reel":
		return part{text: linked("Shared a reel", p.URL)}
	case "fallback":
		return part{text: linked(joinText("Link", p.Title), p.URL)}
	default:
		return part{text: unsupportedText("attachment", a.Type)}
	}
}

// linked is a placeholder with the address agents can open, when there
// is one.
func linked(label, link string) string {
	if link == "" {
		return "[" + label + "]"
	}
	return "[" + label + ": " + link + "]"
}

func isWebURL(raw string) bool {
	u, err := url.Parse(raw)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != ""
}

// fileName is the last path element of a file's URL, which Messenger
// sets to the name the customer's file had.
func fileName(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	name := path.Base(u.Path)
	if name == "/" || name == "." {
		return ""
	}
	return name
}
