package twilio

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"unicode"

	"github.com/switchboard-inbox/switchboard/shared/inbox"
)

// Twilio ids are two letters and 32 hex digits; anything short and plain
// is accepted, since the id ends up in media keys.
var sidPattern = regexp.MustCompile(`^[A-Za-z0-9]{2,64}$`)

// bsuidPattern matches a WhatsApp business-scoped user id (BSUID), such
// as US.13491208655302741918, which Twilio puts in From for WhatsApp users
// who hide their number behind a username.
var bsuidPattern = regexp.MustCompile(`^[A-Z]{2}\.(ENT\.)?[A-Za-z0-9]{1,128}$`)

const (
	maxNameRunes  = 100
	maxLabelRunes = 200
)

// update is what one verified webhook says: a customer message, a status
// of a message we sent, or neither (a status nobody needs, such as sent).
type update struct {
	message *message
	status  *status
}

// message is an inbound SMS, MMS or WhatsApp message.
type message struct {
	sid     string
	channel inbox.Channel
	address string
	name    string
	body    string
	media   []mediaRef
	// location is the placeholder line of a shared location.
	location string
	// kind is WhatsApp's MessageType when it is not plain text.
	kind   string
	optOut optChange
}

type mediaRef struct {
	url         string
	contentType string
}

// status is Twilio's word on a message we sent.
type status struct {
	receipt inbox.Receipt
	// optedOutAddress is the recipient when Twilio refused to deliver
	// because they texted STOP (error 21610).
	optedOutAddress string
}

// requestError is a webhook Twilio sent that this package cannot use.
type requestError struct {
	status int
	reason string
}

func (e *requestError) Error() string { return e.reason }

func bad(reason string) error { return &requestError{status: http.StatusBadRequest, reason: reason} }

// parse reads a verified webhook form. Whatever the form holds, it returns
// an update or a requestError (FuzzParse holds it to that).
func parse(form url.Values) (update, error) {
	sid := first(form, "MessageSid", "SmsMessageSid", "SmsSid")
	if !sidPattern.MatchString(sid) {
		return update{}, bad("MessageSid is missing or is not a Twilio id")
	}
	st := strings.ToLower(first(form, "MessageStatus", "SmsStatus"))
	if st != "" && st != "received" {
		s, err := parseStatus(sid, st, form)
		return update{status: s}, err
	}
	m, err := parseMessage(sid, form)
	return update{message: m}, err
}

// parseStatus maps the statuses that matter to a receipt; queued, sent and
// the others are steps on the way, and nil.
func parseStatus(sid, st string, form url.Values) (*status, error) {
	r := inbox.Receipt{Channel: inbox.ChannelSMS, ExternalID: sid}
	switch st {
	case "delivered":
		r.Status = inbox.ReceiptDelivered
	case "read":
		r.Status = inbox.ReceiptRead
	case "failed", "undelivered":
		r.Status = inbox.ReceiptFailed
	default:
		return nil, nil
	}
	to := strings.TrimSpace(form.Get("To"))
	if hasPrefix(to, "whatsapp:") {
		r.Channel = inbox.ChannelWhatsApp
	}
	s := &status{receipt: r}
	if r.Status != inbox.ReceiptFailed {
		return s, nil
	}
	code := strings.TrimSpace(form.Get("ErrorCode"))
	s.receipt.Reason = describe(code, form.Get("ErrorMessage"))
	if code == codeOptedOut {
		if _, address, err := customer(to); err == nil {
			s.optedOutAddress = address
		}
	}
	return s, nil
}

func parseMessage(sid string, form url.Values) (*message, error) {
	ch, address, err := customer(strings.TrimSpace(form.Get("From")))
	if err != nil {
		return nil, err
	}
	m := &message{
		sid: sid, channel: ch, address: address,
		name: oneLine(form.Get("ProfileName"), maxNameRunes),
		body: strings.TrimSpace(strings.ToValidUTF8(form.Get("Body"), "\uFFFD")),
	}
	if raw := strings.TrimSpace(form.Get("NumMedia")); raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil || n < 0 {
			return nil, bad("NumMedia is not a count")
		}
		for i := range min(n, maxMedia) {
			m.media = append(m.media, mediaRef{
				url:         strings.TrimSpace(form.Get(fmt.Sprintf("MediaUrl%d", i))),
				contentType: strings.TrimSpace(form.Get(fmt.Sprintf("MediaContentType%d", i))),
			})
		}
	}
	m.location = location(form)
	if kind := strings.ToLower(strings.TrimSpace(form.Get("MessageType"))); kind != "" && kind != "text" {
		m.kind = oneLine(kind, maxNameRunes)
	}
	m.optOut = classifyOptOut(ch, m.body, form.Get("OptOutType"))
	return m, nil
}

// customer reads a From or To address: a phone number for SMS, and for
// WhatsApp "whatsapp:" and a phone number or a business-scoped user id.
func customer(raw string) (inbox.Channel, string, error) {
	ch, rest := inbox.ChannelSMS, raw
	if prefix, after, found := strings.Cut(raw, ":"); found {
		if !strings.EqualFold(prefix, "whatsapp") {
			return "", "", bad(fmt.Sprintf("messages from %q addresses are not supported", oneLine(prefix, 20)))
		}
		ch, rest = inbox.ChannelWhatsApp, after
	}
	// Twilio writes numbers in E.164; without the plus a number would be
	// read as if it had a country code it may lack.
	if strings.HasPrefix(rest, "+") {
		if phone, err := inbox.NormalizePhone(rest); err == nil {
			return ch, phone, nil
		}
	}
	if ch == inbox.ChannelWhatsApp && bsuidPattern.MatchString(rest) {
		return ch, rest, nil
	}
	return "", "", bad("From is not a phone number with a country code")
}

// location is the placeholder for a WhatsApp location pin, or "".
func location(form url.Values) string {
	latRaw, lonRaw := strings.TrimSpace(form.Get("Latitude")), strings.TrimSpace(form.Get("Longitude"))
	if latRaw == "" && lonRaw == "" {
		return ""
	}
	lat, errLat := strconv.ParseFloat(latRaw, 64)
	lon, errLon := strconv.ParseFloat(lonRaw, 64)
	if errLat != nil || errLon != nil || lat < -90 || lat > 90 || lon < -180 || lon > 180 {
		return "[Location]"
	}
	line := fmt.Sprintf("[Location: %s, %s", strconv.FormatFloat(lat, 'f', -1, 64), strconv.FormatFloat(lon, 'f', -1, 64))
	var place []string
	for _, k := range []string{"Label", "Address"} {
		if v := oneLine(form.Get(k), maxLabelRunes); v != "" {
			place = append(place, v)
		}
	}
	if len(place) > 0 {
		line += " (" + strings.Join(place, ", ") + ")"
	}
	return line + "]"
}

func first(form url.Values, names ...string) string {
	for _, n := range names {
		if v := strings.TrimSpace(form.Get(n)); v != "" {
			return v
		}
	}
	return ""
}

func hasPrefix(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// oneLine makes customer-chosen text safe for a one-line field: control
// characters become spaces, and it is cut to max runes.
func oneLine(s string, max int) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == unicode.ReplacementChar {
			return ' '
		}
		return r
	}, strings.ToValidUTF8(s, " "))
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > max {
		s = strings.TrimSpace(string(r[:max]))
	}
	return s
}
