// Package slackapp answers Slack's requests to Switchboard: Events API
// events (agents' thread replies and notes, their edits and deletions,
// the resolve reaction, the App Home tab), interactive actions on cards and
// modals, and the slash command. Every request's signature is checked on
// the raw body before anything is parsed, and every answer fits in Slack's
// three seconds: replies are stored and queued, cards are redrawn by the
// router after the ack.
package slackapp

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/slack-go/slack"

	"github.com/switchboard-inbox/switchboard/shared/inbox"
	"github.com/switchboard-inbox/switchboard/shared/queue"
)

// Store is what the Slack app needs of storage.
type Store interface {
	Conversation(ctx context.Context, id string) (inbox.Conversation, error)
	ConversationByThread(ctx context.Context, channel, ts string) (inbox.Conversation, error)
	SaveOutbound(ctx context.Context, m inbox.Message, dedupeKey string) error
	Deduped(ctx context.Context, dedupeKey string) (conversationID, messageID string, err error)
	MessageBySlackTS(ctx context.Context, conversationID, ts string) (inbox.Message, error)
	EditQueued(ctx context.Context, conversationID, messageID, text string) (inbox.Message, error)
	CancelQueued(ctx context.Context, conversationID, messageID string) (inbox.Message, error)
	SetMessageSlackTS(ctx context.Context, conversationID, messageID, ts string) error
}

// Publisher enqueues a reply for the dispatcher.
type Publisher interface {
	Publish(ctx context.Context, j queue.Job) error
}

// Desk carries out agents' actions on conversations.
type Desk interface {
	Assign(ctx context.Context, conversationID string, by inbox.Agent, ref string) error
	Resolve(ctx context.Context, conversationID string, by inbox.Agent, ref string) error
	Reopen(ctx context.Context, conversationID string, by inbox.Agent, ref string) error
	Snooze(ctx context.Context, conversationID string, opt inbox.SnoozeOption, by inbox.Agent, ref string) error
	SetPriority(ctx context.Context, conversationID string, p inbox.Priority, by inbox.Agent, ref string) error
	Lists(ctx context.Context, agentID string) (mine, snoozed, unassigned []inbox.Conversation, err error)
	Find(ctx context.Context, query string) ([]inbox.Conversation, error)
}

// Slack is what the app says back to Slack.
type Slack interface {
	UserName(ctx context.Context, userID string) (string, error)
	GroupMembers(ctx context.Context, groupID string) ([]string, error)
	Ephemeral(ctx context.Context, channel, threadTS, user, text string) error
	React(ctx context.Context, channel, ts, name string) error
	PostNotice(ctx context.Context, conv inbox.Conversation, text string) error
	PostAgentReply(ctx context.Context, conv inbox.Conversation, m inbox.Message) (ts string, err error)
	OpenReplyModal(ctx context.Context, triggerID string, conv inbox.Conversation) error
	PublishHome(ctx context.Context, userID string, mine, snoozed, unassigned []inbox.Conversation) error
	ConversationList(ctx context.Context, title string, convs []inbox.Conversation) []slack.Block
}

// maxBody bounds what is read of a request; Slack's are far smaller.
const maxBody = 1 << 20

// agentsTTL is how long the agents group's members are trusted before
// they are asked again; a Lambda container lives for minutes to hours.
const agentsTTL = 5 * time.Minute

// Handler serves /slack/events, /slack/interactions and /slack/commands.
type Handler struct {
	SigningSecret string
	Store         Store
	Deliver       Publisher
	Desk          Desk
	Slack         Slack
	// NotePrefix starts an internal note (inbox.DefaultNotePrefix).
	NotePrefix string
	// AgentsGroup, when set, is the Slack user group whose members may
	// answer customers; by default everyone in the channel may.
	AgentsGroup string
	// AgentNames and TeamName say how agents are named to customers.
	AgentNames inbox.AgentNameStyle
	TeamName   string
	// Command is the slash command's name, such as "/switchboard".
	Command string
	// PublicBaseURL is where the API is reached, for the links commands
	// hand out; empty means the host the request came to.
	PublicBaseURL string
	// Reports answers "report" and "dashboard"; nil when the deployment
	// has no reports.
	Reports Reports
	Log     *slog.Logger
	Now     func() time.Time

	agentsMu      sync.Mutex
	agents        []string
	agentsFetched time.Time
}

// Routes returns the three endpoints on one mux, as the slack function
// serves them.
func (h *Handler) Routes() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("POST /slack/events", h.verified(h.serveEvent))
	mux.Handle("POST /slack/interactions", h.verified(h.serveInteraction))
	mux.Handle("POST /slack/commands", h.verified(h.serveCommand))
	return mux
}

// verified reads the raw body, checks Slack's signature over it, and
// hands the body on; the request's body is restored for form parsing.
func (h *Handler) verified(next func(http.ResponseWriter, *http.Request, []byte)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
		if err != nil {
			http.Error(w, "request body too large", http.StatusRequestEntityTooLarge)
			return
		}
		if err := verify(r.Header, body, h.SigningSecret); err != nil {
			h.Log.WarnContext(r.Context(), "rejected slack request", "path", r.URL.Path, "err", err)
			http.Error(w, "invalid signature", http.StatusUnauthorized)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		next(w, r, body)
	})
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

// isAgent reports whether a Slack user may act for the team: anyone when
// no agents group is configured, else the group's members.
func (h *Handler) isAgent(ctx context.Context, userID string) (bool, error) {
	if h.AgentsGroup == "" {
		return true, nil
	}
	h.agentsMu.Lock()
	defer h.agentsMu.Unlock()
	if h.agents == nil || h.Now().Sub(h.agentsFetched) > agentsTTL {
		members, err := h.Slack.GroupMembers(ctx, h.AgentsGroup)
		if err != nil {
			return false, err
		}
		h.agents, h.agentsFetched = members, h.Now()
	}
	return slices.Contains(h.agents, userID), nil
}

func (h *Handler) notAgentText() string {
	return "Only members of the support agents group (<!subteam^" + h.AgentsGroup + ">) can answer customers or change conversations, " +
		"so Switchboard ignored this. Ask an admin to add you to the group."
}

// agentName is how a Slack user is named in stored messages; the reply
// matters more than the name on it, so a lookup failure is only logged.
func (h *Handler) agentName(ctx context.Context, log *slog.Logger, userID string) string {
	name, err := h.Slack.UserName(ctx, userID)
	if err != nil {
		log.WarnContext(ctx, "no name for slack user", "user", userID, "err", err)
		return ""
	}
	return name
}

// saveReply stores an agent's reply or note and queues a reply for
// delivery, returning the stored message's id. dedupeKey makes a retried
// request store it once; a retry with new text (a resubmitted modal)
// changes the text while the reply waits to be sent.
func (h *Handler) saveReply(ctx context.Context, log *slog.Logger, m inbox.Message, dedupeKey string) (string, error) {
	job := queue.Job{ConversationID: m.ConversationID, MessageID: m.ID}
	err := h.Store.SaveOutbound(ctx, m, dedupeKey)
	if errors.Is(err, inbox.ErrDuplicate) {
		// Slack retried: the first delivery stored it, and may have failed
		// before queueing it, so queue it again; the dispatcher sends once.
		if job.ConversationID, job.MessageID, err = h.Store.Deduped(ctx, dedupeKey); err != nil {
			return "", err
		}
		if m.Kind == inbox.KindPublic {
			if _, err := h.Store.EditQueued(ctx, job.ConversationID, job.MessageID, m.Text); err != nil && !errors.Is(err, inbox.ErrConflict) {
				return "", err
			}
		}
	} else if err != nil {
		return "", err
	}
	if m.Kind == inbox.KindNote {
		log.InfoContext(ctx, "agent note stored", "message_id", job.MessageID)
		return job.MessageID, nil
	}
	if err := h.Deliver.Publish(ctx, job); err != nil {
		return "", err
	}
	log.InfoContext(ctx, "agent reply queued", "message_id", job.MessageID)
	return job.MessageID, nil
}

// reply builds an agent's message in a conversation.
func (h *Handler) reply(conv inbox.Conversation, agentID, agentName, text, slackTS string) inbox.Message {
	now := h.Now()
	m := inbox.Message{
		ID: inbox.NewID(now), ConversationID: conv.ID, Direction: inbox.DirectionOut, Author: inbox.AuthorAgent,
		Kind: inbox.KindPublic, Text: text, AgentID: agentID, AgentName: agentName, CreatedAt: now,
		Delivery: inbox.DeliveryQueued, SlackTS: slackTS,
	}
	if body, note := inbox.SplitNote(text, h.NotePrefix); note {
		m.Kind, m.Text, m.Delivery = inbox.KindNote, body, ""
		m.AuthorName = agentName
		return m
	}
	m.AuthorName = inbox.PublicAgentName(agentName, h.AgentNames, h.TeamName)
	return m
}
