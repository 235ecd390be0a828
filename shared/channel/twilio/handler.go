package twilio

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/switchboard-inbox/switchboard/shared/httpx"
	"github.com/switchboard-inbox/switchboard/shared/inbox"
)

// emptyTwiML answers a webhook without an automatic reply: agents answer
// from Slack, through the Sender.
const emptyTwiML = `<?xml version="1.0" encoding="UTF-8"?><Response></Response>`

// Handler serves Twilio's webhooks for incoming messages and status
// callbacks, both on POST /webhooks/twilio.
type Handler struct {
	// AuthToken verifies X-Twilio-Signature; empty refuses every request.
	AuthToken string
	// PublicBaseURL is the scheme and host Twilio calls, which it signs;
	// empty derives it from the request.
	PublicBaseURL string
	Ingest        Ingester
	Receipts      Receipts
	Media         MediaStore
	// OptOuts may be nil: Twilio's own STOP filtering still applies.
	OptOuts OptOuts
	// AccountSID with AuthToken authenticates media downloads from
	// APIURL's host (default DefaultAPIURL), and only from there.
	AccountSID string
	APIURL     string
	HTTP       *http.Client
	Log        *slog.Logger
	Now        func() time.Time
}

// ServeHTTP verifies a webhook and hands what it says to ingest, the
// opt-out list or the receipts.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	form, err := h.verified(w, r)
	if err != nil {
		h.fail(w, r, "", err)
		return
	}
	u, err := parse(form)
	if err != nil {
		h.fail(w, r, form.Get("MessageSid"), err)
		return
	}
	switch {
	case u.message != nil:
		err = h.receive(r.Context(), u.message)
	case u.status != nil:
		err = h.record(r.Context(), u.status)
	}
	if err != nil {
		h.fail(w, r, form.Get("MessageSid"), err)
		return
	}
	w.Header().Set("Content-Type", "text/xml")
	w.WriteHeader(http.StatusOK)
	_, _ = io.WriteString(w, emptyTwiML)
}

// verified reads the form and checks Twilio's signature of it, before any
// field is used.
func (h *Handler) verified(w http.ResponseWriter, r *http.Request) (url.Values, error) {
	signature := r.Header.Get("X-Twilio-Signature")
	if h.AuthToken == "" || signature == "" {
		return nil, &requestError{status: http.StatusUnauthorized, reason: "missing Twilio signature"}
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return nil, &requestError{status: http.StatusRequestEntityTooLarge, reason: "request body over 64 KiB"}
	}
	if err != nil {
		return nil, bad("could not read the request body")
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return nil, bad("body is not a form")
	}
	if !Verify(h.AuthToken, h.publicURL(r), form, signature) {
		return nil, &requestError{status: http.StatusUnauthorized, reason: "invalid Twilio signature"}
	}
	return form, nil
}

// publicURL is the URL exactly as Twilio called it: API Gateway and the
// local stack pass the path and query through unchanged.
func (h *Handler) publicURL(r *http.Request) string {
	return strings.TrimSuffix(httpx.BaseURL(h.PublicBaseURL, r), "/") + r.URL.RequestURI()
}

func (h *Handler) receive(ctx context.Context, m *message) error {
	in := inbox.Inbound{
		Channel: m.channel, Address: m.address, Name: m.name,
		// WhatsApp proved the number when the customer registered it.
		Verified:   m.channel == inbox.ChannelWhatsApp,
		ExternalID: m.sid, ReceivedAt: h.now(),
	}
	lines := []string{}
	if m.body != "" {
		lines = append(lines, m.body)
	}
	for _, f := range h.fetchMedia(ctx, m) {
		if f.storeErr != nil {
			return f.storeErr
		}
		if f.downloadErr != nil {
			h.log().WarnContext(ctx, "twilio media not downloaded", "message_sid", m.sid, "err", f.downloadErr)
		}
		if f.attachment != nil {
			in.Attachments = append(in.Attachments, *f.attachment)
		}
		lines = append(lines, f.line)
	}
	if m.location != "" {
		lines = append(lines, m.location)
	}
	if len(lines) == 0 && m.kind != "" {
		lines = append(lines, "[Unsupported message type: "+m.kind+"]")
	}
	if len(lines) == 0 {
		lines = append(lines, "[Empty message]")
	}
	note, err := h.applyOptOut(ctx, m)
	if err != nil {
		return err
	}
	if note != "" {
		lines = append(lines, note)
	}
	in.Text = strings.Join(lines, "\n")
	res, err := h.Ingest.Ingest(ctx, in)
	if err != nil {
		return fmt.Errorf("ingest twilio message %s: %w", m.sid, err)
	}
	if note != "" {
		h.log().InfoContext(ctx, "twilio opt-out changed", "conversation_id", res.ConversationID,
			"channel", m.channel, "opted_out", m.optOut == optOut)
	}
	return nil
}

// applyOptOut records a STOP or START and returns the line that tells the
// agent. A START from someone who never opted out (an ordinary "yes")
// changes nothing and says nothing.
func (h *Handler) applyOptOut(ctx context.Context, m *message) (string, error) {
	if m.optOut == optNone || h.OptOuts == nil {
		return "", nil
	}
	if m.optOut == optIn {
		was, err := h.OptOuts.OptedOut(ctx, m.channel, m.address)
		if err != nil {
			return "", fmt.Errorf("read opt-out for twilio message %s: %w", m.sid, err)
		}
		if !was {
			return "", nil
		}
	}
	if err := h.OptOuts.SetOptOut(ctx, m.channel, m.address, m.optOut == optOut); err != nil {
		return "", fmt.Errorf("record opt-out of twilio message %s: %w", m.sid, err)
	}
	if m.optOut == optOut {
		return optOutNote(m.channel), nil
	}
	return optInNote(m.channel), nil
}

func (h *Handler) record(ctx context.Context, s *status) error {
	if s.optedOutAddress != "" && h.OptOuts != nil {
		if err := h.OptOuts.SetOptOut(ctx, s.receipt.Channel, s.optedOutAddress, true); err != nil {
			return fmt.Errorf("record opt-out reported for %s: %w", s.receipt.ExternalID, err)
		}
	}
	s.receipt.At = h.now()
	if err := h.Receipts.Receipt(ctx, s.receipt); err != nil {
		return fmt.Errorf("record %s receipt of %s: %w", s.receipt.Status, s.receipt.ExternalID, err)
	}
	return nil
}

func (h *Handler) fail(w http.ResponseWriter, r *http.Request, sid string, err error) {
	var re *requestError
	if errors.As(err, &re) {
		// A 4xx loses what Twilio sent, so say so, unless the request
		// was never shown to come from Twilio.
		if re.status != http.StatusUnauthorized {
			h.log().WarnContext(r.Context(), "twilio webhook refused", "message_sid", oneLine(sid, 64), "status", re.status, "reason", re.reason)
		}
		http.Error(w, re.reason, re.status)
		return
	}
	h.log().ErrorContext(r.Context(), "twilio webhook failed", "message_sid", oneLine(sid, 64), "err", err)
	http.Error(w, "internal error, please retry", http.StatusInternalServerError)
}

func (h *Handler) now() time.Time {
	if h.Now != nil {
		return h.Now()
	}
	return time.Now()
}

func (h *Handler) log() *slog.Logger {
	if h.Log != nil {
		return h.Log
	}
	return slog.Default()
}
