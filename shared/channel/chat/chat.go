// Package chat is the web chat channel: the embeddable widget script and
// the visitor's HTTP API (docs/chat-api.md). A random visitor id kept in
// the browser is the visitor's only key to their conversation; a site that
// knows its user can vouch for them with an HMAC of the user id.
package chat

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/mail"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/switchboard-inbox/switchboard/shared/inbox"
	"github.com/switchboard-inbox/switchboard/shared/ingest"
)

//go:embed assets/widget.js
var widgetJS []byte

// Limits of what a visitor may send.
const (
	MaxBodyBytes = 16 << 10
	MaxTextRunes = 4000
	maxNameRunes = 100
)

// ids are base64url or similar tokens; visitor ids come from the widget's
// 16 random bytes. Requiring 16 characters keeps them unguessable.
var (
	visitorIDPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{16,64}$`)
	messageIDPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{8,64}$`)
	userIDPattern    = regexp.MustCompile(`^[^\x00-\x1f]{1,128}$`)
)

// Ingester stores an inbound message.
type Ingester interface {
	Ingest(ctx context.Context, in inbox.Inbound) (ingest.Result, error)
}

// Store reads a visitor's conversation.
type Store interface {
	Identity(ctx context.Context, ch inbox.Channel, address string) (inbox.Identity, *inbox.Latest, error)
	Messages(ctx context.Context, conversationID, afterID string) ([]inbox.Message, error)
}

// Handler serves /chat/widget.js, /chat/messages and /chat/rating.
type Handler struct {
	Ingest Ingester
	Store  Store
	// Ratings records the widget's ratings; nil leaves /chat/rating out.
	Ratings Ratings
	// IdentitySecret verifies user_hash; empty turns verification off.
	IdentitySecret string
	Log            *slog.Logger
	Now            func() time.Time
}

// ServeHTTP routes the chat API.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	// The widget runs on the customer's site, another origin; it sends no
	// cookies, so any origin may call. Preflights never reach the function:
	// API Gateway answers them from template.yaml's CorsConfiguration.
	w.Header().Set("Access-Control-Allow-Origin", "*")
	switch {
	case r.URL.Path == "/chat/widget.js" && r.Method == http.MethodGet:
		w.Header().Set("Content-Type", "application/javascript; charset=utf-8")
		w.Header().Set("Cache-Control", "public, max-age=300")
		_, _ = w.Write(widgetJS)
	case r.URL.Path == "/chat/messages" && r.Method == http.MethodPost:
		h.post(w, r)
	case r.URL.Path == "/chat/messages" && r.Method == http.MethodGet:
		h.list(w, r)
	case r.URL.Path == "/chat/rating" && r.Method == http.MethodPost && h.Ratings != nil:
		h.rate(w, r)
	default:
		writeError(w, http.StatusNotFound, "not found")
	}
}

// PostRequest is the body of POST /chat/messages.
type PostRequest struct {
	VisitorID string `json:"visitor_id"`
	MessageID string `json:"message_id,omitempty"`
	Name      string `json:"name,omitempty"`
	Email     string `json:"email,omitempty"`
	Text      string `json:"text"`
	UserID    string `json:"user_id,omitempty"`
	UserHash  string `json:"user_hash,omitempty"`
}

// MessageView is a message as the visitor sees it.
type MessageView struct {
	ID        string    `json:"id"`
	Direction string    `json:"direction"`
	Author    string    `json:"author"`
	Name      string    `json:"name,omitempty"`
	Text      string    `json:"text"`
	CreatedAt time.Time `json:"created_at"`
	// Survey makes the message a rating request the widget answers.
	Survey *SurveyView `json:"survey,omitempty"`
}

// PostResponse answers a stored message.
type PostResponse struct {
	ConversationID string      `json:"conversation_id"`
	Message        MessageView `json:"message"`
}

// ListResponse is the body of GET /chat/messages.
type ListResponse struct {
	ConversationID string        `json:"conversation_id"`
	Messages       []MessageView `json:"messages"`
	Cursor         string        `json:"cursor"`
}

// requestError is an error the visitor's request caused, with its status.
type requestError struct {
	status int
	reason string
}

func (e *requestError) Error() string { return e.reason }

func bad(status int, reason string) error { return &requestError{status: status, reason: reason} }

func (h *Handler) post(w http.ResponseWriter, r *http.Request) {
	body, err := readBody(w, r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	req, err := parsePost(body)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	address, verified, err := h.address(req.VisitorID, req.UserID, req.UserHash)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	in := inbox.Inbound{
		Channel: inbox.ChannelChat, Address: address, Verified: verified,
		Name: req.Name, Email: req.Email, Text: req.Text, ReceivedAt: h.Now(),
	}
	if req.MessageID != "" {
		// Scoped by address, so one visitor cannot make another's
		// message look like a retry.
		in.ExternalID = address + ":" + req.MessageID
	}
	res, err := h.Ingest.Ingest(r.Context(), in)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, PostResponse{
		ConversationID: res.ConversationID,
		Message: MessageView{ID: res.MessageID, Direction: string(inbox.DirectionIn), Author: string(inbox.AuthorCustomer),
			Name: req.Name, Text: req.Text, CreatedAt: in.ReceivedAt.UTC()},
	})
}

// readBody reads a POST body within the size limit.
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return nil, bad(http.StatusRequestEntityTooLarge, "request body over 16 KiB")
	}
	if err != nil {
		return nil, bad(http.StatusBadRequest, "could not read the request body")
	}
	return body, nil
}

// parsePost validates a visitor's JSON. Whatever a visitor sends, it
// returns a valid request or a requestError (FuzzParsePost holds it to that).
func parsePost(body []byte) (PostRequest, error) {
	var req PostRequest
	if err := json.Unmarshal(body, &req); err != nil {
		return PostRequest{}, bad(http.StatusBadRequest, "body is not valid JSON: "+err.Error())
	}
	req.Text = strings.TrimSpace(req.Text)
	req.Name = strings.TrimSpace(req.Name)
	req.Email = strings.ToLower(strings.TrimSpace(req.Email))
	switch {
	case !visitorIDPattern.MatchString(req.VisitorID):
		return PostRequest{}, bad(http.StatusBadRequest, "visitor_id must be 16 to 64 letters, digits, - or _")
	case req.MessageID != "" && !messageIDPattern.MatchString(req.MessageID):
		return PostRequest{}, bad(http.StatusBadRequest, "message_id must be 8 to 64 letters, digits, - or _")
	case req.Text == "":
		return PostRequest{}, bad(http.StatusBadRequest, "text is empty")
	case !utf8.ValidString(req.Text) || !utf8.ValidString(req.Name):
		return PostRequest{}, bad(http.StatusBadRequest, "text is not valid UTF-8")
	case utf8.RuneCountInString(req.Text) > MaxTextRunes:
		return PostRequest{}, bad(http.StatusRequestEntityTooLarge, "message too long (4000 characters at most)")
	case utf8.RuneCountInString(req.Name) > maxNameRunes || strings.ContainsAny(req.Name, "\r\n"):
		return PostRequest{}, bad(http.StatusBadRequest, "name must be one line of at most 100 characters")
	case req.UserID != "" && !userIDPattern.MatchString(req.UserID):
		return PostRequest{}, bad(http.StatusBadRequest, "user_id must be 1 to 128 printable characters")
	}
	if req.Email != "" {
		addr, err := mail.ParseAddress(req.Email)
		if err != nil || addr.Address != req.Email || len(req.Email) > 254 {
			return PostRequest{}, bad(http.StatusBadRequest, "email is not an email address")
		}
	}
	return req, nil
}

// address returns the identity address of a visitor: their verified user
// id when the site vouched for it, else their random visitor id.
func (h *Handler) address(visitorID, userID, userHash string) (string, bool, error) {
	if userID == "" && userHash == "" {
		return visitorID, false, nil
	}
	if h.IdentitySecret == "" {
		return "", false, bad(http.StatusBadRequest, "identity verification is not configured on this inbox")
	}
	if !userIDPattern.MatchString(userID) {
		return "", false, bad(http.StatusBadRequest, "user_id must be 1 to 128 printable characters")
	}
	if !VerifyUser(h.IdentitySecret, userID, userHash) {
		return "", false, bad(http.StatusUnauthorized, "user_hash does not match user_id")
	}
	return "user:" + userID, true, nil
}

// UserHash is what a site computes on its server to vouch for a user:
// hex(HMAC-SHA256(CHAT_IDENTITY_SECRET, user id)).
func UserHash(secret, userID string) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(userID))
	return hex.EncodeToString(mac.Sum(nil))
}

// VerifyUser checks a user hash in constant time.
func VerifyUser(secret, userID, userHash string) bool {
	got, err := hex.DecodeString(userHash)
	if err != nil {
		return false
	}
	want, _ := hex.DecodeString(UserHash(secret, userID))
	return hmac.Equal(got, want)
}

func (h *Handler) list(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	visitorID, after := q.Get("visitor_id"), q.Get("after")
	if !visitorIDPattern.MatchString(visitorID) {
		h.fail(w, r, bad(http.StatusBadRequest, "visitor_id must be 16 to 64 letters, digits, - or _"))
		return
	}
	if after != "" && !validID(after) {
		h.fail(w, r, bad(http.StatusBadRequest, "after is not a cursor this API returned"))
		return
	}
	address, _, err := h.address(visitorID, q.Get("user_id"), q.Get("user_hash"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	res := ListResponse{Messages: []MessageView{}, Cursor: after}
	_, latest, err := h.Store.Identity(r.Context(), inbox.ChannelChat, address)
	if errors.Is(err, inbox.ErrNotFound) || (err == nil && latest == nil) {
		writeJSON(w, http.StatusOK, res)
		return
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	msgs, err := h.Store.Messages(r.Context(), latest.ConversationID, after)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	res.ConversationID = latest.ConversationID
	res.Messages, res.Cursor = visible(msgs, after)
	writeJSON(w, http.StatusOK, res)
}

// visible picks what the visitor may see and the cursor for the next poll.
// The cursor never passes an outbound message that is still on its way: a
// reply stored before a later customer message but delivered after it
// would otherwise be skipped by every later poll. Messages seen twice are
// fine; the widget drops ids it has shown.
func visible(msgs []inbox.Message, after string) ([]MessageView, string) {
	views := []MessageView{}
	cursor, held := after, false
	for _, m := range msgs {
		if m.Direction == inbox.DirectionOut && m.Kind == inbox.KindPublic && !m.Delivery.Settled() {
			held = true
		}
		if !held {
			cursor = m.ID
		}
		if !m.VisibleToCustomer() {
			continue
		}
		views = append(views, MessageView{
			ID: m.ID, Direction: string(m.Direction), Author: string(m.Author),
			Name: m.AuthorName, Text: m.Text, CreatedAt: m.CreatedAt.UTC(), Survey: surveyView(m.Survey),
		})
	}
	return views, cursor
}

func validID(id string) bool {
	if len(id) != inbox.IDLen {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !('0' <= c && c <= '9' || 'A' <= c && c <= 'Z') {
			return false
		}
	}
	return true
}

// fail answers an error: the visitor's with its status, ours with a 500,
// logged with attrs such as the conversation id.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, err error, attrs ...any) {
	var re *requestError
	if errors.As(err, &re) {
		writeError(w, re.status, re.reason)
		return
	}
	attrs = append([]any{"method", r.Method, "path", r.URL.Path, "err", err}, attrs...)
	h.Log.ErrorContext(r.Context(), "chat request failed", attrs...)
	writeError(w, http.StatusInternalServerError, "internal error, please retry")
}

func writeError(w http.ResponseWriter, status int, reason string) {
	writeJSON(w, status, map[string]string{"error": reason})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// Sender delivers agent replies to the widget. The widget reads delivered
// messages from the store when it polls, so sending is recording the
// delivery, which the dispatcher does once Send returns.
type Sender struct{}

// Send accepts the message for the widget to pick up.
func (Sender) Send(context.Context, inbox.Conversation, inbox.Message) (inbox.Sent, error) {
	return inbox.Sent{}, nil
}
