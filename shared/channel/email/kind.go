package email

import (
	"bufio"
	"bytes"
	"regexp"
	"strings"

	"github.com/jhillyerd/enmime/v2"
	"github.com/jhillyerd/enmime/v2/mediatype"
)

// maxReasonRunes bounds the bounce reason shown to agents.
const maxReasonRunes = 500

// classify tells a customer's mail from an auto-reply or a bounce.
//
// Auto-replies are recognised by the headers RFC 3834 and the big mail
// systems set: Auto-Submitted other than "no", X-Autoreply, X-Autorespond,
// and Precedence bulk, junk, list or auto_reply. Two common signals are
// deliberately not used: List-Id alone, because customers write from
// group addresses (Google Groups) that add it to every mail, and
// X-Auto-Response-Suppress, which Outlook sets on ordinary mail too.
// Mail from mailer-daemon or postmaster is never a customer.
func classify(env *enmime.Envelope, e *Email) (Kind, *Bounce) {
	root := env.Root
	reportType, isReport := "", false
	if mt, params, _, err := mediatype.Parse(root.Header.Get("Content-Type")); err == nil && mt == "multipart/report" {
		isReport, reportType = true, strings.ToLower(params["report-type"])
	}
	status := root.DepthMatchFirst(func(p *enmime.Part) bool {
		return p.ContentType == "message/delivery-status" || p.ContentType == "message/global-delivery-status"
	})
	originals := root.DepthMatchAll(func(p *enmime.Part) bool { return originalParts[p.ContentType] })
	daemon := isDaemon(e.From)
	otherReport := isReport && reportType != "" && reportType != "delivery-status"
	if !otherReport && (reportType == "delivery-status" || status != nil || daemon && len(originals) > 0) {
		if b, failed := readBounce(env, e, status, originals); failed {
			return KindBounce, b
		}
		return KindAutoReply, nil
	}
	if isReport || daemon || autoSubmitted(env) {
		return KindAutoReply, nil
	}
	return KindCustomer, nil
}

// originalParts hold a bounced mail or its headers.
var originalParts = map[string]bool{
	"message/rfc822":         true,
	"message/global":         true,
	"text/rfc822-headers":    true,
	"message/global-headers": true,
}

func isDaemon(addr string) bool {
	local, _, ok := splitAddress(addr)
	return ok && (local == "mailer-daemon" || local == "postmaster" || local == "mail-daemon")
}

func autoSubmitted(env *enmime.Envelope) bool {
	value := func(name string) string {
		v, _, _ := strings.Cut(env.GetHeader(name), ";")
		return strings.ToLower(strings.TrimSpace(v))
	}
	if v := value("Auto-Submitted"); v != "" && v != "no" {
		return true
	}
	for _, name := range []string{"X-Autoreply", "X-Autorespond"} {
		if v := value(name); v != "" && v != "no" {
			return true
		}
	}
	switch value("Precedence") {
	case "bulk", "junk", "list", "auto_reply":
		return true
	}
	return false
}

// readBounce reads which of our mails bounced and why, and whether the
// report says delivery failed: a DSN may also report a delay or a success.
func readBounce(env *enmime.Envelope, e *Email, status *enmime.Part, originals []*enmime.Part) (*Bounce, bool) {
	b := &Bounce{}
	seen := map[string]bool{"": true}
	add := func(id string) {
		if !seen[id] && len(b.OriginalMessageIDs) < maxReferences {
			seen[id] = true
			b.OriginalMessageIDs = append(b.OriginalMessageIDs, id)
		}
	}
	for _, p := range originals {
		h, err := enmime.ReadHeader(bufio.NewReader(bytes.NewReader(p.Content)), discardErrors{})
		if err == nil {
			add(firstID(h.Get("Message-ID")))
		}
	}
	for _, id := range e.References {
		add(id)
	}
	var recipients []statusFields
	if status != nil {
		recipients = recipientFields(status.Content)
	}
	if len(recipients) == 0 {
		b.Reason = explanation(e.FullText, env.GetHeader("X-Failed-Recipients"))
		return b, true
	}
	var reasons []string
	for _, r := range recipients {
		if r.failed() && len(reasons) < 3 {
			reasons = append(reasons, r.reason())
		}
	}
	b.Reason = oneLine(strings.Join(reasons, "; "), maxReasonRunes)
	return b, len(reasons) > 0
}

type discardErrors struct{}

func (discardErrors) AddError(string, string, ...any)   {}
func (discardErrors) AddWarning(string, string, ...any) {}

// statusFields are the per-recipient fields of a message/delivery-status
// body (RFC 3464).
type statusFields struct {
	recipient, action, status, diagnostic string
}

// recipientFields reads the per-recipient blocks of a delivery-status
// body: header-like fields in blocks separated by blank lines, the first
// block about the message, the rest one per recipient.
func recipientFields(body []byte) []statusFields {
	body = bytes.ReplaceAll(body, []byte("\r\n"), []byte("\n"))
	var out []statusFields
	for _, block := range bytes.Split(body, []byte("\n\n")) {
		if len(bytes.TrimSpace(block)) == 0 || len(out) >= maxRecipients {
			continue
		}
		h, err := enmime.ReadHeader(bufio.NewReader(bytes.NewReader(append(block, "\n\n"...))), discardErrors{})
		if err != nil {
			continue
		}
		f := statusFields{
			recipient:  afterType(h.Get("Final-Recipient")),
			action:     strings.ToLower(strings.TrimSpace(h.Get("Action"))),
			status:     firstWord(h.Get("Status")),
			diagnostic: afterType(h.Get("Diagnostic-Code")),
		}
		if f.recipient == "" {
			f.recipient = afterType(h.Get("Original-Recipient"))
		}
		if f.action != "" || f.status != "" || f.recipient != "" {
			out = append(out, f)
		}
	}
	return out
}

func (f statusFields) failed() bool {
	return f.action == "failed" || f.action == "" && strings.HasPrefix(f.status, "5.")
}

// reason says in one line what went wrong for one recipient:
// "Delivery to a@b.c failed (5.1.1, the address does not exist): 550 ...".
func (f statusFields) reason() string {
	var b strings.Builder
	b.WriteString("Delivery")
	if f.recipient != "" {
		b.WriteString(" to " + f.recipient)
	}
	b.WriteString(" failed")
	if f.status != "" {
		b.WriteString(" (" + f.status)
		if meaning := statusMeanings[f.status]; meaning != "" {
			b.WriteString(", " + meaning)
		}
		b.WriteString(")")
	}
	if f.diagnostic != "" {
		b.WriteString(": " + f.diagnostic)
	}
	return b.String()
}

// statusMeanings explain the enhanced status codes (RFC 3463) agents meet
// most.
var statusMeanings = map[string]string{
	"5.1.1":  "the address does not exist",
	"5.1.2":  "the domain does not exist",
	"5.1.10": "the domain accepts no mail",
	"5.2.1":  "the mailbox is disabled",
	"5.2.2":  "the mailbox is full",
	"4.2.2":  "the mailbox is full",
	"5.4.4":  "the domain could not be reached",
	"4.4.7":  "the message expired before it could be delivered",
	"5.4.7":  "the message expired before it could be delivered",
	"5.7.1":  "the receiving server refused the message",
}

// afterType drops the type of a DSN field ("rfc822; a@b.c", "smtp; 550 ...").
func afterType(v string) string {
	if typ, rest, ok := strings.Cut(v, ";"); ok && !strings.ContainsAny(typ, " @") {
		v = rest
	}
	return oneLine(v, maxReasonRunes)
}

func firstWord(v string) string {
	if f := strings.Fields(v); len(f) > 0 {
		return f[0]
	}
	return ""
}

var enhancedStatus = regexp.MustCompile(`\b[245]\.\d{1,3}\.\d{1,3}\b`)

// explanation is the reason a bounce gives in words when it carries no
// machine-readable status: the paragraph with the server's answer, or
// else the start of the text.
func explanation(text, failedRecipients string) string {
	prefix := "Delivery failed"
	if to := strings.TrimSpace(failedRecipients); to != "" {
		prefix = "Delivery to " + oneLine(to, maxNameRunes) + " failed"
	}
	for _, paragraph := range strings.Split(text, "\n\n") {
		if enhancedStatus.MatchString(paragraph) {
			return oneLine(prefix+": "+paragraph, maxReasonRunes)
		}
	}
	if text = oneLine(text, maxReasonRunes); text != "" {
		return oneLine(prefix+": "+text, maxReasonRunes)
	}
	return prefix
}
