package email

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"

	"github.com/switchboard-inbox/switchboard/shared/inbox"
	"github.com/switchboard-inbox/switchboard/shared/ingest"
)

// Limits of what Inbound reads.
const (
	// DefaultMaxRawBytes is how much of a raw message Inbound reads when
	// MaxRawBytes is not set. SES receives mail up to 40 MB.
	DefaultMaxRawBytes = 30 << 20
	// MaxTextRunes bounds the text of a message; the original mail is
	// attached when it is cut.
	MaxTextRunes = 20000
	// RawKeyPrefix is where the SES receipt rule's S3 action stores raw
	// messages in the media bucket: inbound/<SES message id>.
	RawKeyPrefix = "inbound/"

	maxAttachments = 50
	// maxHeaderBytes is how much of an oversize mail is read to find its
	// headers.
	maxHeaderBytes = 256 << 10
)

// Ingester stores an inbound message.
type Ingester interface {
	Ingest(ctx context.Context, in inbox.Inbound) (ingest.Result, error)
}

// Receipts records what happened to an outbound message after it was
// sent, such as a bounce.
type Receipts interface {
	Receipt(ctx context.Context, r inbox.Receipt) error
}

// MediaStore keeps a message's files in the media bucket.
type MediaStore interface {
	Save(ctx context.Context, key string, body io.Reader, contentType, name string) (inbox.Attachment, error)
}

// RawStore reads the raw messages SES stored in the media bucket.
type RawStore interface {
	Open(ctx context.Context, key string) (io.ReadCloser, int64, error)
}

// Inbound receives the mail SES accepted for the support address.
type Inbound struct {
	Ingest   Ingester
	Receipts Receipts
	Media    MediaStore
	Raw      RawStore
	// SupportAddress is the address customers write to. Mail from it (or
	// from any of its "+" variants) is dropped, so Switchboard never
	// answers itself.
	SupportAddress string
	// Secret signs reply tokens (ReplyToken).
	Secret string
	// MaxRawBytes bounds the raw message read; 0 means DefaultMaxRawBytes.
	MaxRawBytes int64
	Log         *slog.Logger
	Now         func() time.Time
}

// sesMessageID is the shape of the ids SES gives received mail, which are
// also the names of their S3 objects.
var sesMessageID = regexp.MustCompile(`^[A-Za-z0-9._-]{1,128}$`)

// HandleSES handles the event the SES receipt rule's Lambda action sends
// after its S3 action stored the mail. Mail SES found to be spam or to
// carry a virus is not ingested; it stays in the bucket for review.
func (h *Inbound) HandleSES(ctx context.Context, ev events.SimpleEmailEvent) error {
	var errs []error
	for _, rec := range ev.Records {
		if err := h.handleRecord(ctx, rec.SES); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func (h *Inbound) handleRecord(ctx context.Context, ses events.SimpleEmailService) error {
	id := ses.Mail.MessageID
	if !sesMessageID.MatchString(id) {
		h.log().ErrorContext(ctx, "SES event without a usable message id; nothing ingested", "ses_message_id", id)
		return nil
	}
	key := RawKeyPrefix + id
	spam, virus := ses.Receipt.SpamVerdict.Status, ses.Receipt.VirusVerdict.Status
	// A DMARC failure on a domain that asks receivers to reject or
	// quarantine such mail is a forged From: routing it would let anyone
	// write as that customer.
	dmarc, policy := ses.Receipt.DMARCVerdict.Status, ses.Receipt.DMARCPolicy
	forged := strings.EqualFold(dmarc, "FAIL") && (strings.EqualFold(policy, "REJECT") || strings.EqualFold(policy, "QUARANTINE"))
	if strings.EqualFold(spam, "FAIL") || strings.EqualFold(virus, "FAIL") || forged {
		h.log().WarnContext(ctx, "email failed SES checks; not ingested, kept for review",
			"key", key, "spam_verdict", spam, "virus_verdict", virus, "dmarc_verdict", dmarc, "dmarc_policy", policy,
			"source", ses.Mail.Source)
		return nil
	}
	body, size, err := h.Raw.Open(ctx, key)
	if err != nil {
		return fmt.Errorf("open raw email %s: %w", key, err)
	}
	defer body.Close()
	// Only mail whose sender SES authenticated (SPF or DKIM) may join an
	// existing thread or fail a reply: a forged From with a known
	// Message-ID must not slip into a customer's conversation.
	authenticated := strings.EqualFold(ses.Receipt.SPFVerdict.Status, "PASS") || strings.EqualFold(ses.Receipt.DKIMVerdict.Status, "PASS")
	return h.read(ctx, key, body, size, authenticated)
}

// HandleRaw handles one raw message stored in the media bucket under key;
// size is its length, or -1 when unknown. A message too large to read is
// still ingested, as a note with the original attached; a message that
// cannot be parsed likewise.
// The local stack's mail counts as authenticated.
func (h *Inbound) HandleRaw(ctx context.Context, key string, raw io.Reader, size int64) error {
	return h.read(ctx, key, raw, size, true)
}

func (h *Inbound) read(ctx context.Context, key string, raw io.Reader, size int64, authenticated bool) error {
	limit := h.maxRawBytes()
	if size > limit {
		head, err := io.ReadAll(io.LimitReader(raw, maxHeaderBytes))
		if err != nil {
			return fmt.Errorf("read raw email %s: %w", key, err)
		}
		return h.fallback(ctx, key, head, size, oversizeNote(size, limit), authenticated)
	}
	data, err := io.ReadAll(io.LimitReader(raw, limit+1))
	if err != nil {
		return fmt.Errorf("read raw email %s: %w", key, err)
	}
	if int64(len(data)) > limit {
		// Size unknown: the original is listed without one.
		return h.fallback(ctx, key, data, 0, oversizeNote(-1, limit), authenticated)
	}
	e, err := Parse(data)
	if err != nil {
		h.log().WarnContext(ctx, "email could not be parsed; ingesting it as an attachment", "key", key, "err", err)
		return h.fallback(ctx, key, data, int64(len(data)), "[This email could not be read. The original: see the attachment.]", authenticated)
	}
	return h.handle(ctx, key, e, int64(len(data)), "", authenticated)
}

// fallback ingests a mail Inbound does not read whole, from its headers,
// with note as its text and the original attached.
func (h *Inbound) fallback(ctx context.Context, key string, data []byte, size int64, note string, authenticated bool) error {
	e, err := Parse(headerSection(data))
	if err != nil {
		h.log().ErrorContext(ctx, "email headers could not be parsed; nothing ingested, the raw email stays in the bucket", "key", key, "err", err)
		return nil
	}
	if e.Kind == KindBounce {
		// Without its body a bounce names no message; it is only noise.
		e.Kind = KindAutoReply
	}
	e.Text, e.Trimmed, e.Attachments = "", false, nil
	return h.handle(ctx, key, e, size, note, authenticated)
}

// headerSection returns the header section of a raw message, so a message
// can be classified and threaded without its body. Its Content-Type goes:
// the body it describes is not there.
func headerSection(data []byte) []byte {
	end := len(data)
	for _, sep := range []string{"\r\n\r\n", "\n\n"} {
		if i := bytes.Index(data, []byte(sep)); i >= 0 && i < end {
			end = i
		}
	}
	head := data[:end]
	if end == len(data) {
		// The cut may fall inside a header line; drop the partial line.
		if i := bytes.LastIndexByte(head, '\n'); i >= 0 {
			head = head[:i]
		}
	}
	var out bytes.Buffer
	skip := false
	for _, line := range bytes.Split(head, []byte("\n")) {
		if len(line) > 0 && line[0] != ' ' && line[0] != '\t' {
			name, _, _ := bytes.Cut(line, []byte(":"))
			name = bytes.ToLower(bytes.TrimSpace(name))
			skip = bytes.Equal(name, []byte("content-type")) || bytes.Equal(name, []byte("content-transfer-encoding"))
		}
		if !skip {
			out.Write(bytes.TrimRight(line, "\r"))
			out.WriteString("\r\n")
		}
	}
	out.WriteString("\r\n")
	return out.Bytes()
}

func oversizeNote(size, limit int64) string {
	if size < 0 {
		return fmt.Sprintf("[This email is over the %s Switchboard reads. The original: see the attachment.]", megabytes(limit))
	}
	return fmt.Sprintf("[This email is %s, over the %s Switchboard reads. The original: see the attachment.]", megabytes(size), megabytes(limit))
}

func megabytes(n int64) string {
	return strconv.FormatInt((n+(1<<20)-1)>>20, 10) + " MB"
}

// handle routes a parsed mail: a customer's becomes a message, a bounce a
// failed receipt, and anything automatic is dropped. note, when set,
// replaces the text and attaches the original. Mail whose sender was not
// authenticated opens a conversation of its own and fails no reply.
func (h *Inbound) handle(ctx context.Context, key string, e *Email, size int64, note string, authenticated bool) error {
	switch {
	case e.From == "":
		h.log().WarnContext(ctx, "email without a sender; not ingested", "key", key)
		return nil
	case sameMailbox(e.From, h.SupportAddress):
		h.log().InfoContext(ctx, "email from the support address itself; dropped", "key", key)
		return nil
	case e.Kind == KindAutoReply:
		h.log().InfoContext(ctx, "automatic email dropped", "key", key, "from", e.From)
		return nil
	case e.Kind == KindBounce && !authenticated:
		h.log().WarnContext(ctx, "bounce from an unauthenticated sender dropped", "key", key, "from", e.From)
		return nil
	case e.Kind == KindBounce:
		return h.bounce(ctx, key, e)
	}
	in := inbox.Inbound{
		Channel: inbox.ChannelEmail, Address: e.From, Name: e.FromName, Email: e.From,
		ExternalID: e.MessageID, ReceivedAt: h.now(),
		Threaded: true, ConversationID: h.conversationID(e), References: e.References, Subject: e.Subject,
	}
	if !authenticated {
		in.ConversationID, in.References = "", nil
	}
	if in.ExternalID == "" {
		// The object key is as stable as a Message-ID: a retried
		// event names the same object.
		in.ExternalID = key
	}
	files := e.Attachments
	var notes []string
	if len(files) > maxAttachments {
		notes = append(notes, fmt.Sprintf("[%d more attachments are in the original email.]", len(files)-maxAttachments))
		files = files[:maxAttachments]
	}
	saved, err := h.saveAttachments(ctx, key, files)
	if err != nil {
		return err
	}
	text, truncated := capText(e.Text)
	switch {
	case note != "":
		text = note
	case text == "":
		text = emptyText(files)
	}
	in.Text = strings.Join(append([]string{text}, notes...), "\n\n")
	in.Attachments = saved
	if note != "" || e.Trimmed || truncated || len(notes) > 0 {
		// Agents can read what was cut in the original.
		in.Attachments = append(in.Attachments, inbox.Attachment{
			Name: "original.eml", ContentType: "message/rfc822", Size: size, Key: key,
		})
	}
	res, err := h.Ingest.Ingest(ctx, in)
	if err != nil {
		return fmt.Errorf("ingest email %s: %w", key, err)
	}
	h.log().InfoContext(ctx, "email ingested", "conversation_id", res.ConversationID, "message_id", res.MessageID,
		"key", key, "duplicate", res.Duplicate, "by_reply_token", in.ConversationID != "")
	return nil
}

// bounce marks the messages a bounce names as failed.
func (h *Inbound) bounce(ctx context.Context, key string, e *Email) error {
	if len(e.Bounce.OriginalMessageIDs) == 0 {
		h.log().WarnContext(ctx, "bounce names no message; dropped", "key", key, "reason", e.Bounce.Reason)
		return nil
	}
	for _, id := range e.Bounce.OriginalMessageIDs {
		r := inbox.Receipt{
			Channel: inbox.ChannelEmail, ExternalID: id, Status: inbox.ReceiptFailed,
			Reason: e.Bounce.Reason, At: h.now(),
		}
		if err := h.Receipts.Receipt(ctx, r); err != nil {
			return fmt.Errorf("record bounce of %s: %w", id, err)
		}
	}
	h.log().InfoContext(ctx, "bounce recorded", "key", key, "original_message_ids", e.Bounce.OriginalMessageIDs)
	return nil
}

// conversationID is the conversation a valid reply token among the
// recipients names, or "".
func (h *Inbound) conversationID(e *Email) string {
	for _, list := range [][]string{e.To, e.Cc, e.DeliveredTo} {
		for _, addr := range list {
			if !sameMailbox(addr, h.SupportAddress) {
				continue
			}
			if id, ok := ParseReplyToken(h.Secret, TokenFromAddress(addr)); ok {
				return id
			}
		}
	}
	return ""
}

// saveAttachments stores a mail's files under keys made from the key SES
// stored it under, so a retried event overwrites them; never from its
// Message-ID, which the sender chooses and could reuse to replace another
// customer's files.
func (h *Inbound) saveAttachments(ctx context.Context, rawKey string, files []Part) ([]inbox.Attachment, error) {
	if len(files) == 0 {
		return nil, nil
	}
	sum := sha256.Sum256([]byte(rawKey))
	prefix := "email/" + hex.EncodeToString(sum[:8]) + "/"
	out := make([]inbox.Attachment, 0, len(files))
	for i, f := range files {
		key := prefix + strconv.Itoa(i+1) + "-" + keyName(f.Name)
		a, err := h.Media.Save(ctx, key, bytes.NewReader(f.Content), f.ContentType, f.Name)
		if err != nil {
			return nil, fmt.Errorf("save attachment %s: %w", key, err)
		}
		out = append(out, a)
	}
	return out, nil
}

// keyName makes a file name safe for an object key.
func keyName(name string) string {
	b := make([]byte, 0, len(name))
	for i := 0; i < len(name) && len(b) < 80; i++ {
		c := name[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '-' || c == '_' {
			b = append(b, c)
		} else if len(b) > 0 && b[len(b)-1] != '_' {
			b = append(b, '_')
		}
	}
	if s := strings.Trim(string(b), "._"); s != "" {
		return s
	}
	return "file"
}

// capText cuts text to MaxTextRunes.
func capText(text string) (string, bool) {
	if utf8.RuneCountInString(text) <= MaxTextRunes {
		return text, false
	}
	return string([]rune(text)[:MaxTextRunes]) + "\n\n[… truncated]", true
}

// emptyText stands for a mail with no text.
func emptyText(files []Part) string {
	switch len(files) {
	case 0:
		return "[Empty email]"
	case 1:
		return "[Attachment: " + files[0].Name + "]"
	default:
		return "[" + strconv.Itoa(len(files)) + " attachments]"
	}
}

func (h *Inbound) maxRawBytes() int64 {
	if h.MaxRawBytes > 0 {
		return h.MaxRawBytes
	}
	return DefaultMaxRawBytes
}

func (h *Inbound) now() time.Time {
	if h.Now == nil {
		return time.Now()
	}
	return h.Now()
}

func (h *Inbound) log() *slog.Logger {
	if h.Log == nil {
		return slog.Default()
	}
	return h.Log
}
