package meta

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/switchboard-inbox/switchboard/shared/inbox"
)

// The webhook objects Meta sends, one per product.
const (
	objectWhatsApp  = "whatsapp_business_account"
	objectMessenger = "page"
	objectInstagram = "instagram"
)

// webhook is a notification body: entries of one product, each holding
// WhatsApp changes or Messenger and Instagram messaging events.
type webhook struct {
	Object string  `json:"object"`
	Entry  []entry `json:"entry"`
}

type entry struct {
	ID        string      `json:"id"`
	Changes   []change    `json:"changes"`
	Messaging []messaging `json:"messaging"`
}

// number is a JSON number Meta sometimes sends as a string (WhatsApp
// timestamps are strings, Messenger's are numbers), kept as its text.
type number string

func (n *number) UnmarshalJSON(b []byte) error {
	switch {
	case bytes.Equal(b, []byte("null")):
		*n = ""
	case len(b) > 0 && b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*n = number(s)
	default:
		var f json.Number
		if err := json.Unmarshal(b, &f); err != nil {
			return fmt.Errorf("want a number or a string, got %.20s", b)
		}
		*n = number(f)
	}
	return nil
}

func (n number) float() (float64, bool) {
	f, err := strconv.ParseFloat(strings.TrimSpace(string(n)), 64)
	return f, err == nil
}

// time reads a Unix timestamp in seconds or, when it is too large for
// that, in milliseconds: Messenger uses milliseconds, WhatsApp seconds
// (and sometimes milliseconds). Anything unreadable is fallback.
func (n number) time(fallback time.Time) time.Time {
	v, err := strconv.ParseInt(strings.TrimSpace(string(n)), 10, 64)
	switch {
	case err != nil || v <= 0:
		return fallback
	case v >= 1e12:
		return time.UnixMilli(v).UTC()
	default:
		return time.Unix(v, 0).UTC()
	}
}

// batch is what one notification asks of us.
type batch struct {
	messages []message
	receipts []inbox.Receipt
	// skipped describes events that are not customer messages or
	// receipts (echoes of our own sends, read watermarks, referrals), for
	// the debug log.
	skipped []string
	// problems are errors Meta reports about our app or account, for
	// the warning log.
	problems []string
}

// message is a customer message before its files are fetched: in is
// complete but for Text and Attachments, which compose fills in.
type message struct {
	in    inbox.Inbound
	parts []part
	// body is what the customer wrote (or a caption), after the parts.
	body string
}

// part is one placeholder in a message's text: ready-made, such as
// "[Location: 1.2, -1.3]", or a file still to fetch.
type part struct {
	text  string
	media *mediaRef
}

// mediaRef says where a file is and what to call it.
type mediaRef struct {
	// label names the kind of file in the placeholder: "Photo", "Video".
	label string
	// id is a WhatsApp media id, fetched through the Graph API.
	id string
	// url is a Messenger file, fetched as it is.
	url      string
	name     string
	mimeType string
}

// parse decodes a notification into messages and receipts. It does no
// I/O, so the fuzz test can hold it to never panicking on any input, and
// now stands in for timestamps a payload lacks.
func parse(body []byte, now time.Time) (batch, error) {
	var w webhook
	if err := json.Unmarshal(body, &w); err != nil {
		return batch{}, fmt.Errorf("decode meta webhook: %w", err)
	}
	var b batch
	switch w.Object {
	case objectWhatsApp:
		for _, e := range w.Entry {
			for _, c := range e.Changes {
				parseWhatsApp(&b, c, now)
			}
		}
	case objectMessenger, objectInstagram:
		ch := inbox.ChannelMessenger
		if w.Object == objectInstagram {
			ch = inbox.ChannelInstagram
		}
		for _, e := range w.Entry {
			for _, ev := range e.Messaging {
				parseMessaging(&b, ch, e.ID, ev, now)
			}
		}
	default:
		b.problems = append(b.problems, fmt.Sprintf("the app is subscribed to %.40q webhooks, which the inbox ignores", w.Object))
	}
	return b, nil
}

// fallbackID stands in for a message id the payload lacks, made of what
// a retry of the same event repeats, so the retry still dedupes.
func fallbackID(kind, sender string, ts number) string {
	return kind + sender + ":" + string(ts)
}

// joinText puts placeholders and the customer's words on one line.
func joinText(pieces ...string) string {
	return strings.Join(nonEmpty(pieces), " ")
}
