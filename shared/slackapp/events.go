package slackapp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/slack-go/slack/slackevents"

	"github.com/switchboard-inbox/switchboard/shared/inbox"
)

func (h *Handler) serveEvent(w http.ResponseWriter, r *http.Request, body []byte) {
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

func (h *Handler) callback(ctx context.Context, eventID string, inner slackevents.EventsAPIInnerEvent) error {
	switch ev := inner.Data.(type) {
	case *slackevents.MessageEvent:
		switch {
		case isAgentReply(ev):
			return h.threadReply(ctx, eventID, ev)
		case ev.SubType == "message_changed" && ev.Message != nil && ev.Message.BotID == "" &&
			(ev.PreviousMessage == nil || ev.PreviousMessage.Text != ev.Message.Text):
			// Slack also sends message_changed when it unfurls a link;
			// only a changed text is an edit.
			m := ev.Message
			return h.changedReply(ctx, ev.Channel, m.ThreadTimestamp, m.Timestamp, m.User, m.Text, false)
		case ev.SubType == "message_deleted" && ev.PreviousMessage != nil && ev.PreviousMessage.BotID == "":
			m := ev.PreviousMessage
			return h.changedReply(ctx, ev.Channel, m.ThreadTimestamp, ev.DeletedTimeStamp, m.User, "", true)
		}
	case *slackevents.ReactionAddedEvent:
		if ev.Reaction == ReactionResolve && ev.Item.Type == "message" {
			return h.resolveByReaction(ctx, eventID, ev)
		}
	case *slackevents.AppHomeOpenedEvent:
		if ev.Tab == "home" {
			return h.publishHome(ctx, ev.User)
		}
	}
	return nil
}

// isAgentReply tells a person's reply inside a thread from everything else
// Slack sends on the same subscription: thread roots, bot posts (ours
// included), edits, deletions and other subtypes. A reply also sent to
// the channel (thread_broadcast) or with a file (file_share) is a reply.
func isAgentReply(m *slackevents.MessageEvent) bool {
	return (m.SubType == "" || m.SubType == "thread_broadcast" || m.SubType == "file_share") &&
		m.BotID == "" && m.User != "" && m.ThreadTimeStamp != "" && m.ThreadTimeStamp != m.TimeStamp
}

func (h *Handler) threadReply(ctx context.Context, eventID string, msg *slackevents.MessageEvent) error {
	conv, err := h.Store.ConversationByThread(ctx, msg.Channel, msg.ThreadTimeStamp)
	if errors.Is(err, inbox.ErrNotFound) {
		// A thread Switchboard did not start: not a conversation.
		return nil
	}
	if err != nil {
		return err
	}
	log := h.Log.With("conversation_id", conv.ID, "event_id", eventID)
	text := PlainText(msg.Text)
	if text == "" {
		return nil
	}
	agent, err := h.isAgent(ctx, msg.User)
	if err != nil {
		return err
	}
	if !agent {
		log.InfoContext(ctx, "ignored reply from non-agent", "user", msg.User)
		return h.Slack.Ephemeral(ctx, msg.Channel, msg.ThreadTimeStamp, msg.User, h.notAgentText())
	}
	m := h.reply(conv, msg.User, h.agentName(ctx, log, msg.User), text, msg.TimeStamp)
	if _, err := h.saveReply(ctx, log, m, "slack#"+eventID); err != nil {
		return fmt.Errorf("save reply of %s in conversation %s: %w", msg.User, conv.ID, err)
	}
	if msg.SubType == "file_share" && m.Kind == inbox.KindPublic {
		if err := h.Slack.Ephemeral(ctx, msg.Channel, msg.ThreadTimeStamp, msg.User,
			"Your text goes to the customer, but files are not sent on "+conv.Channel.Label()+" yet: paste a link instead."); err != nil {
			return err
		}
	}
	if m.Kind == inbox.KindNote {
		return h.Slack.React(ctx, msg.Channel, msg.TimeStamp, noteReaction)
	}
	return nil
}

// noteReaction marks a note in the thread as internal.
const noteReaction = "lock"

// changedReply applies an agent's edit or deletion of a thread reply to the
// outbound message, while it waits to be sent. After that, the customer has
// it, and the thread says so rather than pretending.
func (h *Handler) changedReply(ctx context.Context, channel, threadTS, ts, user, text string, deleted bool) error {
	if threadTS == "" || threadTS == ts {
		return nil
	}
	conv, err := h.Store.ConversationByThread(ctx, channel, threadTS)
	if errors.Is(err, inbox.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	m, err := h.Store.MessageBySlackTS(ctx, conv.ID, ts)
	if errors.Is(err, inbox.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if m.Direction != inbox.DirectionOut || m.Kind != inbox.KindPublic {
		return nil
	}
	log := h.Log.With("conversation_id", conv.ID, "message_id", m.ID)
	var now inbox.Message
	if deleted {
		now, err = h.Store.CancelQueued(ctx, conv.ID, m.ID)
	} else {
		body, note := inbox.SplitNote(PlainText(text), h.NotePrefix)
		if note || body == "" {
			// Turning a reply into a note is a withdrawal.
			now, err = h.Store.CancelQueued(ctx, conv.ID, m.ID)
			deleted = true
		} else {
			now, err = h.Store.EditQueued(ctx, conv.ID, m.ID, body)
		}
	}
	switch {
	case errors.Is(err, inbox.ErrConflict):
		if now.Delivery != inbox.DeliverySending && now.Delivery != inbox.DeliverySent {
			// Withdrawn before (a retried event) or never delivered:
			// nothing reached the customer, nothing to correct.
			return nil
		}
		log.InfoContext(ctx, "change after sending", "deleted", deleted)
		return h.Slack.PostNotice(ctx, conv, tooLate(conv, user, deleted))
	case err != nil:
		return err
	case deleted:
		log.InfoContext(ctx, "reply withdrawn before sending")
		return h.Slack.PostNotice(ctx, conv, fmt.Sprintf(":no_entry_sign: <@%s> withdrew a reply before it was sent; the customer will not get it.", user))
	}
	log.InfoContext(ctx, "reply edited before sending")
	return nil
}

func tooLate(conv inbox.Conversation, user string, deleted bool) string {
	if deleted {
		return fmt.Sprintf(":information_source: <@%s>, that reply was already sent to the customer on %s, which cannot recall it. "+
			"Deleting it here does not remove it for the customer; send a correction if needed.", user, conv.Channel.Label())
	}
	return fmt.Sprintf(":information_source: <@%s>, that reply was already sent to the customer on %s, so the edit does not reach them. "+
		"Send a new reply to correct it.", user, conv.Channel.Label())
}

func (h *Handler) resolveByReaction(ctx context.Context, eventID string, ev *slackevents.ReactionAddedEvent) error {
	conv, err := h.Store.ConversationByThread(ctx, ev.Item.Channel, ev.Item.Timestamp)
	if errors.Is(err, inbox.ErrNotFound) {
		// Not a card: a reaction on anything else means nothing to us.
		return nil
	}
	if err != nil {
		return err
	}
	if ok, err := h.isAgent(ctx, ev.User); err != nil || !ok {
		if err == nil {
			err = h.Slack.Ephemeral(ctx, ev.Item.Channel, ev.Item.Timestamp, ev.User, h.notAgentText())
		}
		return err
	}
	return h.Desk.Resolve(ctx, conv.ID, inbox.Agent{ID: ev.User}, "event#"+eventID)
}

func (h *Handler) publishHome(ctx context.Context, user string) error {
	mine, snoozed, unassigned, err := h.Desk.Lists(ctx, user)
	if err != nil {
		return err
	}
	return h.Slack.PublishHome(ctx, user, mine, snoozed, unassigned)
}
