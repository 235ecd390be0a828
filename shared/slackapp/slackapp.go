// Package slackapp answers Slack's requests to Switchboard: it verifies
// each request's signature, and turns an agent's reply in a conversation's
// thread into an outbound message for the customer.
package slackapp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"

	"github.com/switchboard-inbox/switchboard/shared/inbox"
	"github.com/switchboard-inbox/switchboard/shared/queue"
)

// Store is what the Slack app needs of storage.
type Store interface {
	ConversationByThread(ctx context.Context, channel, ts string) (inbox.Conversation, error)
	SaveOutbound(ctx context.Context, m inbox.Message, dedupeKey string) error
	Deduped(ctx context.Context, dedupeKey string) (conversationID, messageID string, err error)
}

// Publisher enqueues a reply for the dispatcher.
type Publisher interface {
	Publish(ctx context.Context, j queue.Job) error
}

// Users names Slack users.
type Users interface {
	UserName(ctx context.Context, userID string) (string, error)
}

// maxBody bounds what is read of a request; Slack's events are far smaller.
const maxBody = 1 << 20

// Handler serves /slack/events.
type Handler struct {
	SigningSecret string
	Store         Store
	Deliver       Publisher
	Users         Users
	Log           *slog.Logger
	Now           func() time.Time
}

// ServeHTTP verifies and handles one Events API request. It answers within
// Slack's three seconds: the reply is stored and queued, not sent, here.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		http.Error(w, "request body too large", http.StatusRequestEntityTooLarge)
		return
	}
	if err := verify(r.Header, body, h.SigningSecret); err != nil {
		h.Log.WarnContext(r.Context(), "rejected slack request", "err", err)
		http.Error(w, "invalid signature", http.StatusUnauthorized)
		return
	}
	ev, err := slackevents.ParseEvent(body, slackevents.OptionNoVerifyToken())
	if err != nil {
		http.Error(w, "malformed event: "+err.Error(), http.StatusBadRequest)
		return
	}
	switch ev.Type {
	case slackevents.URLVerification:
		var challenge slackevents.ChallengeResponse
		if err := json.Unmarshal(body, &challenge); err != nil || challenge.Challenge == "" {
			http.Error(w, "malformed url_verification", http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "text/plain")
		_, _ = io.WriteString(w, challenge.Challenge)
	case slackevents.CallbackEvent:
		var envelope struct {
			EventID string `json:"event_id"`
		}
		if err := json.Unmarshal(body, &envelope); err != nil || envelope.EventID == "" {
			http.Error(w, "event_callback without event_id", http.StatusBadRequest)
			return
		}
		if err := h.callback(r.Context(), envelope.EventID, ev.InnerEvent); err != nil {
			h.Log.ErrorContext(r.Context(), "slack event failed", "event_id", envelope.EventID, "err", err)
			http.Error(w, "internal error", http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusOK)
	default:
		w.WriteHeader(http.StatusOK)
	}
}

// verify checks Slack's v0 signature over the raw body, and that the
// request is no older than five minutes, so a captured one cannot be
// replayed later.
func verify(header http.Header, body []byte, secret string) error {
	if secret == "" {
		return errors.New("SLACK_SIGNING_SECRET is not set")
	}
	sv, err := slack.NewSecretsVerifier(header, secret)
	if err != nil {
		return err
	}
	if _, err := sv.Write(body); err != nil {
		return err
	}
	return sv.Ensure()
}

func (h *Handler) callback(ctx context.Context, eventID string, inner slackevents.EventsAPIInnerEvent) error {
	msg, ok := inner.Data.(*slackevents.MessageEvent)
	if !ok || !isAgentReply(msg) {
		return nil
	}
	conv, err := h.Store.ConversationByThread(ctx, msg.Channel, msg.ThreadTimeStamp)
	if errors.Is(err, inbox.ErrNotFound) {
		// A thread Switchboard did not start: not a conversation.
		return nil
	}
	if err != nil {
		return err
	}
	log := h.Log.With("conversation_id", conv.ID, "event_id", eventID)
	now := h.Now()
	reply := inbox.Message{
		ID: inbox.NewID(now), ConversationID: conv.ID, Direction: inbox.DirectionOut,
		Author: inbox.AuthorAgent, Kind: inbox.KindPublic, Text: PlainText(msg.Text),
		AgentID: msg.User, CreatedAt: now, Delivery: inbox.DeliveryQueued, SlackTS: msg.TimeStamp,
	}
	if reply.Text == "" {
		return nil
	}
	if name, err := h.Users.UserName(ctx, msg.User); err != nil {
		// The reply matters more than the name on it.
		log.WarnContext(ctx, "no name for slack user", "user", msg.User, "err", err)
	} else {
		reply.AuthorName = name
	}

	dedupeKey := "slack#" + eventID
	job := queue.Job{ConversationID: conv.ID, MessageID: reply.ID}
	err = h.Store.SaveOutbound(ctx, reply, dedupeKey)
	if errors.Is(err, inbox.ErrDuplicate) {
		// Slack retried: the first delivery stored it, and may have failed
		// before queueing it, so queue it again; the dispatcher sends once.
		if job.ConversationID, job.MessageID, err = h.Store.Deduped(ctx, dedupeKey); err != nil {
			return err
		}
	} else if err != nil {
		return err
	}
	if err := h.Deliver.Publish(ctx, job); err != nil {
		return fmt.Errorf("queue reply %s for delivery: %w", job.MessageID, err)
	}
	log.InfoContext(ctx, "agent reply queued", "message_id", job.MessageID)
	return nil
}

// isAgentReply tells a person's reply inside a thread from everything else
// Slack sends on the same subscription: thread roots, bot posts (ours
// included), edits, deletions and other subtypes.
func isAgentReply(m *slackevents.MessageEvent) bool {
	return m.SubType == "" && m.BotID == "" && m.User != "" &&
		m.ThreadTimeStamp != "" && m.ThreadTimeStamp != m.TimeStamp
}
