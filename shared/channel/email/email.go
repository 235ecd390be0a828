// Package email is the email channel: mail customers send to the support
// address arrives through Amazon SES, which stores the raw MIME message in
// the media bucket and invokes Inbound; agents' replies go out through the
// SES v2 API from Sender. Replies thread by In-Reply-To and References,
// which SES keeps, and by a signed reply token in the Reply-To address,
// which survives clients that drop those headers.
//
// MIME parsing, charset conversion, RFC 2047 header decoding and the
// HTML-to-text conversion of HTML-only mail are enmime's; this package
// decides what the mail is (a customer's message, an auto-reply, a bounce),
// what the customer wrote, and which earlier messages it answers.
package email

import (
	"bytes"
	"fmt"
	"net/mail"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/jhillyerd/enmime/v2"
)

// Kind is what an inbound mail is.
type Kind string

// Kinds of inbound mail.
const (
	// KindCustomer is a person writing; it becomes a message.
	KindCustomer Kind = "customer"
	// KindAutoReply is written by a machine for a person (out of office,
	// "we got your ticket", a mailing list digest); answering it could
	// start a mail loop, so it is dropped.
	KindAutoReply Kind = "auto-reply"
	// KindBounce is a delivery status notification saying one of our
	// replies did not arrive.
	KindBounce Kind = "bounce"
)

// Email is an inbound mail, parsed.
type Email struct {
	// From is the sender's address, lower-cased; FromName their display
	// name, decoded.
	From     string
	FromName string
	// To, Cc and DeliveredTo are recipient addresses, lower-cased.
	To          []string
	Cc          []string
	DeliveredTo []string
	Subject     string
	// MessageID, InReplyTo and References are message ids without angle
	// brackets. References is newest first: In-Reply-To, then the
	// References header from its end, without repeats.
	MessageID  string
	InReplyTo  string
	References []string
	// Date is the sender's Date header; zero when missing or unreadable.
	Date time.Time
	// Text is what the customer wrote, without quoted earlier mail or
	// signature; FullText is the whole text body. Trimmed says Text left
	// something of FullText out.
	Text        string
	FullText    string
	Trimmed     bool
	Attachments []Part
	Kind        Kind
	// Bounce is set for KindBounce.
	Bounce *Bounce
}

// Part is a file that came with a mail.
type Part struct {
	Name        string
	ContentType string
	Content     []byte
	// Inline is true for a file shown inside the mail's HTML, such as a
	// pasted screenshot.
	Inline bool
}

// Bounce is what a delivery status notification says.
type Bounce struct {
	// OriginalMessageIDs are the ids the bounced mail went by.
	OriginalMessageIDs []string
	// Reason says why delivery failed, for the agent.
	Reason string
}

// Bounds on what a mail may make us keep.
const (
	maxReferences = 20
	maxRecipients = 50
	maxNameRunes  = 100
	maxSubject    = 500
)

// parser converts text with the charset the mail declares: guessing, which
// enmime otherwise does, turns correct ISO-8859-1 or Shift_JIS into the
// wrong characters often enough to matter. Mail that declares no charset
// is still guessed.
var parser = enmime.NewParser(
	enmime.DisableCharacterDetection(true),
	enmime.SkipMalformedParts(true),
	enmime.SetReadPartErrorPolicy(enmime.AllowCorruptTextPartErrorPolicy),
)

// Parse reads a raw MIME message.
func Parse(raw []byte) (*Email, error) {
	env, err := parser.ReadEnvelope(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("parse email: %w", err)
	}
	e := &Email{
		Subject:     oneLine(env.GetHeader("Subject"), maxSubject),
		MessageID:   firstID(env.GetHeader("Message-ID")),
		InReplyTo:   firstID(env.GetHeader("In-Reply-To")),
		To:          addresses(env, "To"),
		Cc:          addresses(env, "Cc"),
		DeliveredTo: addresses(env, "Delivered-To"),
	}
	if from := addressList(env, "From"); len(from) > 0 {
		e.From = strings.ToLower(strings.TrimSpace(from[0].Address))
		e.FromName = oneLine(strings.Trim(from[0].Name, `"' `), maxNameRunes)
	}
	e.References = references(env.GetHeader("In-Reply-To"), env.GetHeader("References"), e.MessageID)
	if d, err := env.Date(); err == nil {
		e.Date = d
	}
	e.FullText = cleanText(env.Text)
	if fromHTML(env) {
		e.FullText = dropHeadingRules(e.FullText)
	}
	e.Text, e.Trimmed = StripQuoted(e.FullText)
	e.Attachments = attachments(env)
	e.Kind, e.Bounce = classify(env, e)
	return e, nil
}

// addresses returns the lower-cased addresses of an address header, or
// nothing when it cannot be read. It reads the raw header: decoding the
// encoded words first would turn a name like "Lovelace, Ada" into two
// addresses.
func addresses(env *enmime.Envelope, header string) []string {
	var out []string
	for _, a := range addressList(env, header) {
		addr := strings.ToLower(strings.TrimSpace(a.Address))
		if addr != "" && len(out) < maxRecipients {
			out = append(out, addr)
		}
	}
	return out
}

func addressList(env *enmime.Envelope, header string) []*mail.Address {
	var out []*mail.Address
	for _, value := range env.Root.Header.Values(header) {
		list, err := enmime.ParseAddressList(value)
		if err == nil {
			out = append(out, list...)
		}
	}
	return out
}

// oneLine collapses whitespace, drops control characters and cuts s to
// limit runes, for header values shown on one line.
func oneLine(s string, limit int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.Join(strings.FieldsFunc(s, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }), " ")
	if utf8.RuneCountInString(s) > limit {
		s = string([]rune(s)[:limit])
	}
	return s
}

// cleanText makes a text body safe to store and show: valid UTF-8, Unix
// line ends, no control characters but tabs and newlines, no trailing
// spaces on lines.
func cleanText(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	s = strings.Map(func(r rune) rune {
		if r == '\n' || r == '\t' || !unicode.IsControl(r) {
			return r
		}
		return -1
	}, s)
	lines := strings.Split(s, "\n")
	for i, line := range lines {
		lines[i] = strings.TrimRightFunc(line, unicode.IsSpace)
	}
	return strings.Trim(strings.Join(lines, "\n"), "\n")
}

// fromHTML reports whether the text is enmime's conversion of an HTML-only
// mail.
func fromHTML(env *enmime.Envelope) bool {
	return env.HTML != "" && env.Root.DepthMatchFirst(func(p *enmime.Part) bool {
		return p.ContentType == "text/plain" && p.Disposition != "attachment"
	}) == nil
}

// dropHeadingRules removes the rows of asterisks and dashes the HTML
// conversion draws above and below headings; they are noise in a chat
// thread.
func dropHeadingRules(text string) string {
	lines := strings.Split(text, "\n")
	kept := lines[:0]
	for _, line := range lines {
		if len(line) >= 3 && (strings.Trim(line, "*") == "" || strings.Trim(line, "-") == "") {
			continue
		}
		kept = append(kept, line)
	}
	return strings.Trim(strings.Join(kept, "\n"), "\n")
}

// ids returns the message ids in a Message-ID, In-Reply-To or References
// header, without angle brackets. Ids are normally in brackets; some
// senders leave them out, and then the words that look like ids count.
func ids(header string) []string {
	var out []string
	rest := header
	for {
		open := strings.IndexByte(rest, '<')
		if open < 0 {
			break
		}
		end := strings.IndexByte(rest[open:], '>')
		if end < 0 {
			break
		}
		id := rest[open+1 : open+end]
		if i := strings.LastIndexByte(id, '<'); i >= 0 {
			id = id[i+1:]
		}
		if id = cleanID(id); id != "" {
			out = append(out, id)
		}
		rest = rest[open+end+1:]
	}
	if len(out) > 0 || strings.ContainsAny(header, "<>") {
		return out
	}
	for _, word := range strings.FieldsFunc(header, func(r rune) bool { return r == ',' || unicode.IsSpace(r) }) {
		if id := cleanID(word); strings.Contains(id, "@") {
			out = append(out, id)
		}
	}
	return out
}

// cleanID returns id if it can be a message id: printable ASCII without
// spaces, of a sane length.
func cleanID(id string) string {
	id = strings.TrimSpace(id)
	if id == "" || len(id) > 250 {
		return ""
	}
	for i := 0; i < len(id); i++ {
		if id[i] <= ' ' || id[i] > '~' || id[i] == '<' || id[i] == '>' {
			return ""
		}
	}
	return id
}

func firstID(header string) string {
	if list := ids(header); len(list) > 0 {
		return list[0]
	}
	return ""
}

// references lists the ids a mail replies to, newest first: In-Reply-To
// names the mail answered, and References lists the thread oldest first.
func references(inReplyTo, refs, own string) []string {
	var out []string
	seen := map[string]bool{own: true, "": true}
	add := func(id string) {
		if !seen[id] && len(out) < maxReferences {
			seen[id] = true
			out = append(out, id)
		}
	}
	for _, id := range ids(inReplyTo) {
		add(id)
	}
	list := ids(refs)
	for i := len(list) - 1; i >= 0; i-- {
		add(list[i])
	}
	return out
}

// attachments lists the files of a mail: its attachments and inline
// images, and the parts enmime could not place (an image without a
// Content-Disposition in a multipart/related), but not the text bodies or
// the machine-readable parts of reports.
func attachments(env *enmime.Envelope) []Part {
	var out []Part
	candidates := append(append(append([]*enmime.Part{}, env.Attachments...), env.Inlines...), env.OtherParts...)
	seen := map[*enmime.Part]bool{}
	for _, p := range candidates {
		if seen[p] || len(p.Content) == 0 || isBody(p) || reportParts[p.ContentType] {
			continue
		}
		seen[p] = true
		out = append(out, Part{
			Name:        fileName(p, len(out)+1),
			ContentType: contentType(p),
			Content:     p.Content,
			Inline:      p.Disposition == "inline" || p.Disposition == "" && p.ContentID != "",
		})
	}
	return out
}

// reportParts are the machine-readable parts of delivery and read reports.
var reportParts = map[string]bool{
	"message/delivery-status":          true,
	"message/global-delivery-status":   true,
	"message/disposition-notification": true,
	"text/rfc822-headers":              true,
	"application/pgp-signature":        true,
	"application/pkcs7-signature":      true,
	"application/x-pkcs7-signature":    true,
}

// isBody reports whether a part is a text body enmime put in Text or HTML,
// which it also lists among the inline parts.
func isBody(p *enmime.Part) bool {
	return (p.ContentType == "text/plain" || p.ContentType == "text/html" || p.ContentType == "") &&
		p.FileName == "" && p.Disposition != "attachment"
}

func contentType(p *enmime.Part) string {
	if p.ContentType == "" {
		return "application/octet-stream"
	}
	return p.ContentType
}

// fileName is a part's file name, made safe to show, or a name made from
// its position and type when it has none.
func fileName(p *enmime.Part, n int) string {
	name := oneLine(strings.Map(func(r rune) rune {
		if r == '/' || r == '\\' {
			return '_'
		}
		return r
	}, p.FileName), maxNameRunes)
	if name != "" && name != "." && name != ".." {
		return name
	}
	return "attachment-" + strconv.Itoa(n) + extensions[p.ContentType]
}

// extensions name the files that come without a name; a fixed table,
// because the system's MIME table differs between machines.
var extensions = map[string]string{
	"application/pdf": ".pdf",
	"image/png":       ".png",
	"image/jpeg":      ".jpg",
	"image/gif":       ".gif",
	"image/webp":      ".webp",
	"image/heic":      ".heic",
	"text/plain":      ".txt",
	"text/html":       ".html",
	"text/calendar":   ".ics",
	"text/csv":        ".csv",
	"message/rfc822":  ".eml",
}
