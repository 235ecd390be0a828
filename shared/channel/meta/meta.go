// Package meta is the channel for Meta's messaging products: WhatsApp
// (Cloud API), Messenger and Instagram. One webhook, /webhooks/meta,
// receives all three, signed with the app secret; one Sender replies on
// each through the Graph API, within the messaging windows Meta enforces.
package meta

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/switchboard-inbox/switchboard/shared/inbox"
	"github.com/switchboard-inbox/switchboard/shared/ingest"
)

// MaxBodyBytes bounds a webhook body. Meta batches up to 1,000 updates in
// one delivery, each well under a kilobyte.
const MaxBodyBytes = 1 << 20

// Ingester stores an inbound message.
type Ingester interface {
	Ingest(ctx context.Context, in inbox.Inbound) (ingest.Result, error)
}

// Receipts records what Meta later reports about an outbound message.
type Receipts interface {
	Receipt(ctx context.Context, r inbox.Receipt) error
}

// MediaStore keeps a file a customer sent and describes it.
type MediaStore interface {
	Save(ctx context.Context, key string, body io.Reader, contentType, name string) (inbox.Attachment, error)
}

// Handler serves /webhooks/meta: the subscription handshake (GET) and
// notifications (POST) for WhatsApp, Messenger and Instagram.
type Handler struct {
	// AppSecret signs every notification; empty rejects them all.
	AppSecret string
	// VerifyToken is the token typed into the app dashboard when
	// subscribing; empty refuses every handshake.
	VerifyToken string
	Ingest      Ingester
	// Receipts may be nil; delivery and read receipts are then dropped.
	Receipts Receipts
	// Media and Fetcher keep the files customers send; without either,
	// messages arrive with a placeholder saying the file was not kept.
	Media   MediaStore
	Fetcher *Fetcher
	Log     *slog.Logger
	Now     func() time.Time
}

// ServeHTTP answers the handshake and notifications.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet:
		h.handshake(w, r)
	case http.MethodPost:
		h.notify(w, r)
	default:
		w.Header().Set("Allow", "GET, POST")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	}
}

// handshake answers Meta's verification request when a webhook is
// subscribed: echoing the challenge proves we chose the callback URL.
func (h *Handler) handshake(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	token := []byte(q.Get("hub.verify_token"))
	if h.VerifyToken == "" || q.Get("hub.mode") != "subscribe" ||
		subtle.ConstantTimeCompare(token, []byte(h.VerifyToken)) != 1 {
		http.Error(w, "forbidden", http.StatusForbidden)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	_, _ = io.WriteString(w, q.Get("hub.challenge"))
}

// notify verifies a notification on its raw bytes, then ingests every
// customer message and receipt in it. Any store failure answers 500, so
// Meta sends the whole body again; ingest dedupes what already landed.
func (h *Handler) notify(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		http.Error(w, "body over 1 MiB", http.StatusRequestEntityTooLarge)
		return
	case err != nil:
		http.Error(w, "could not read the body", http.StatusBadRequest)
		return
	}
	if !ValidSignature(h.AppSecret, body, r.Header.Get("X-Hub-Signature-256")) {
		h.log().WarnContext(ctx, "meta webhook with a missing or wrong signature", "configured", h.AppSecret != "")
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	}
	b, err := parse(body, h.now())
	if err != nil {
		h.log().WarnContext(ctx, "malformed meta webhook", "err", err)
		http.Error(w, "malformed body", http.StatusBadRequest)
		return
	}
	for _, note := range b.skipped {
		h.log().DebugContext(ctx, "meta webhook event skipped", "event", note)
	}
	for _, problem := range b.problems {
		h.log().WarnContext(ctx, "meta webhook needs attention", "problem", problem)
	}
	if h.Receipts == nil {
		b.receipts = nil
	}
	for _, rc := range b.receipts {
		if err := h.Receipts.Receipt(ctx, rc); err != nil {
			h.fail(w, r, err, "record receipt", rc.Channel, rc.ExternalID)
			return
		}
	}
	for _, m := range b.messages {
		in, err := h.store(ctx, m)
		if err != nil {
			h.fail(w, r, err, "store media", in.Channel, in.ExternalID)
			return
		}
		res, err := h.Ingest.Ingest(ctx, in)
		if err != nil {
			h.fail(w, r, err, "ingest message", in.Channel, in.ExternalID)
			return
		}
		h.log().InfoContext(ctx, "meta message ingested", "channel", in.Channel, "external_id", in.ExternalID,
			"conversation_id", res.ConversationID, "duplicate", res.Duplicate, "attachments", len(in.Attachments))
	}
	w.WriteHeader(http.StatusOK)
}

func (h *Handler) fail(w http.ResponseWriter, r *http.Request, err error, doing string, ch inbox.Channel, externalID string) {
	h.log().ErrorContext(r.Context(), "meta webhook failed, Meta will retry", "doing", doing,
		"channel", ch, "external_id", externalID, "err", err)
	http.Error(w, "internal error, please retry", http.StatusInternalServerError)
}

// Signature is the X-Hub-Signature-256 header Meta sends with body.
func Signature(secret string, body []byte) string {
	return "sha256=" + hex.EncodeToString(mac(secret, body))
}

// ValidSignature checks an X-Hub-Signature-256 header in constant time.
// No secret validates nothing, so a missing setting cannot open the door.
func ValidSignature(secret string, body []byte, header string) bool {
	sig, ok := strings.CutPrefix(header, "sha256=")
	if secret == "" || !ok {
		return false
	}
	got, err := hex.DecodeString(sig)
	return err == nil && hmac.Equal(got, mac(secret, body))
}

func mac(secret string, body []byte) []byte {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return m.Sum(nil)
}

func (h *Handler) now() time.Time {
	if h.Now == nil {
		return time.Now()
	}
	return h.Now()
}

func (h *Handler) log() *slog.Logger {
	if h.Log == nil {
		return slog.Default()
	}
	return h.Log
}
