// Package telegram is the Telegram channel: the Bot API webhook that turns
// updates into inbound messages, and the sender that delivers agents'
// replies with sendMessage.
//
// Telegram signs nothing; a webhook registered with setWebhook's
// secret_token (see Client.SetWebhook) carries it back in the
// X-Telegram-Bot-Api-Secret-Token header, and that header is the only
// proof an update came from Telegram.
//
// What the handler ingests:
//   - message and edited_message updates, from any chat the bot is in. A
//     customer's address is the chat id, so replies go back to that chat.
//     Updates from group chats are ingested too (with a log line): the bot
//     only sees them when someone added it to the group, and dropping
//     them would lose what a customer wrote.
//   - an edit becomes a new message "[Edited] <new text>", except a live
//     location's position updates, which Telegram sends as edits every few
//     seconds and are dropped.
//   - callback_query updates (an inline keyboard button press) become a
//     message whose text is the button's callback data; a rating
//     request's button becomes its answer (Inbound.Answer), with the
//     button's own words as text. Every press is acknowledged with
//     answerCallbackQuery once handled, so the customer's app stops
//     showing a spinner on the button.
//   - every other update type (my_chat_member, inline_query, ...) is
//     answered 200 and ignored.
//
// The dedupe key is the update_id: Telegram retries an update until the
// webhook answers 2xx, always with the same update_id.
//
// # Deep links
//
// A site that knows its logged-in user links to the bot as
// https://t.me/<bot>?start=<payload>, with the payload from StartPayload:
//
//	<userID>-<first 16 hex digits of HMAC-SHA256(HMAC-SHA256(LinkSecret, "telegram-start"), userID)>
//
// userID is 1 to 40 characters of [A-Za-z0-9_], which keeps the payload
// within Telegram's limit of 64 characters of [A-Za-z0-9_-]. When the
// customer presses Start, Telegram sends "/start <payload>"; a valid
// payload links the Telegram chat to the web chat's verified user
// "user:<userID>", so both are one customer.
package telegram

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/switchboard-inbox/switchboard/shared/inbox"
	"github.com/switchboard-inbox/switchboard/shared/ingest"
)

// MaxBodyBytes bounds an update. Real ones are a few KB; a message's text
// is at most 4096 characters.
const MaxBodyBytes = 1 << 20

// DefaultAPIURL is the Bot API's base URL.
const DefaultAPIURL = "https://api.telegram.org"

// Ingester stores an inbound message.
type Ingester interface {
	Ingest(ctx context.Context, in inbox.Inbound) (ingest.Result, error)
}

// MediaStore keeps a file a customer sent in the media bucket.
type MediaStore interface {
	Save(ctx context.Context, key string, body io.Reader, contentType, name string) (inbox.Attachment, error)
}

// Handler serves POST /webhooks/telegram.
type Handler struct {
	// SecretToken is the secret_token the webhook was registered with;
	// empty rejects every update.
	SecretToken string
	BotToken    string
	// APIURL replaces DefaultAPIURL (TELEGRAM_API_URL).
	APIURL string
	// LinkSecret verifies deep-link payloads; empty ignores them.
	LinkSecret string
	Ingest     Ingester
	// Media keeps the files customers send; nil leaves them with
	// Telegram, and the message says its file was not saved.
	Media MediaStore
	// HTTP calls the Bot API; nil means a client with a 10 s timeout.
	HTTP *http.Client
	Log  *slog.Logger
	Now  func() time.Time
}

// ServeHTTP verifies and ingests one update. It answers 200 with an empty
// body, never a Bot API method: replies go out through the dispatcher.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	if !h.authorized(r) {
		http.Error(w, "missing or wrong secret token", http.StatusUnauthorized)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		http.Error(w, "update over 1 MB", http.StatusRequestEntityTooLarge)
		return
	case err != nil:
		http.Error(w, "could not read the update", http.StatusBadRequest)
		return
	}
	u, err := parseUpdate(body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	ctx := r.Context()
	n, ignored := incoming(u)
	if ignored != "" {
		h.logger().InfoContext(ctx, "telegram update ignored", "update_id", u.UpdateID, "reason", ignored)
		h.answerCallback(ctx, u, "")
		return
	}
	if n.chatType != "private" {
		h.logger().InfoContext(ctx, "telegram message from a group chat; replies go to the whole group",
			"update_id", u.UpdateID, "chat_id", n.chatID, "chat_type", n.chatType)
	}
	in, err := h.inbound(ctx, n)
	if err != nil {
		h.fail(w, r, u.UpdateID, err)
		return
	}
	res, err := h.Ingest.Ingest(ctx, in)
	if err != nil {
		h.fail(w, r, u.UpdateID, err)
		return
	}
	h.logger().InfoContext(ctx, "telegram message ingested", "update_id", u.UpdateID,
		"conversation_id", res.ConversationID, "message_id", res.MessageID, "duplicate", res.Duplicate)
	h.answerCallback(ctx, u, res.ConversationID)
}

// fail answers 500, so Telegram delivers the update again; ingest
// dedupes on the update_id, so the retry stores one message.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, updateID int64, err error) {
	h.logger().ErrorContext(r.Context(), "telegram update failed", "update_id", updateID, "err", err)
	http.Error(w, "internal error, please retry", http.StatusInternalServerError)
}

// authorized compares the secret token in constant time. Hashing both
// sides first keeps the comparison from revealing the token's length.
func (h *Handler) authorized(r *http.Request) bool {
	if h.SecretToken == "" {
		return false
	}
	got := sha256.Sum256([]byte(r.Header.Get("X-Telegram-Bot-Api-Secret-Token")))
	want := sha256.Sum256([]byte(h.SecretToken))
	return subtle.ConstantTimeCompare(got[:], want[:]) == 1
}

// inbound builds the message to ingest: it stores the update's file and
// resolves a deep link. Only a failure to store the file is an error.
func (h *Handler) inbound(ctx context.Context, n note) (inbox.Inbound, error) {
	in := inbox.Inbound{
		Channel:    inbox.ChannelTelegram,
		Address:    strconv.FormatInt(n.chatID, 10),
		Name:       n.name,
		ExternalID: strconv.FormatInt(n.updateID, 10),
		ReceivedAt: h.now(),
		Answer:     n.answer,
	}
	if n.start {
		h.startLink(ctx, &n, &in)
	}
	if n.file != nil {
		att, notSaved, err := h.attach(ctx, n.updateID, n.file)
		switch {
		case err != nil:
			return inbox.Inbound{}, err
		case notSaved != "":
			n.label += " (not saved: " + notSaved + ")"
		default:
			in.Attachments = []inbox.Attachment{*att}
		}
	}
	in.Text = n.render()
	return in, nil
}

func (h *Handler) client() *Client {
	return &Client{BotToken: h.BotToken, APIURL: h.APIURL, HTTP: h.HTTP}
}

func (h *Handler) now() time.Time {
	if h.Now == nil {
		return time.Now()
	}
	return h.Now()
}

func (h *Handler) logger() *slog.Logger {
	if h.Log == nil {
		return slog.Default()
	}
	return h.Log
}
