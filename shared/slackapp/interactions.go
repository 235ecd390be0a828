package slackapp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/slack-go/slack"

	"github.com/switchboard-inbox/switchboard/shared/inbox"
)

func (h *Handler) serveInteraction(w http.ResponseWriter, r *http.Request, _ []byte) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, "malformed form", http.StatusBadRequest)
		return
	}
	var cb slack.InteractionCallback
	if err := json.Unmarshal([]byte(r.PostForm.Get("payload")), &cb); err != nil {
		http.Error(w, "malformed interaction payload", http.StatusBadRequest)
		return
	}
	ctx := r.Context()
	switch cb.Type {
	case slack.InteractionTypeBlockActions:
		if err := h.blockActions(ctx, &cb); err != nil {
			h.Log.ErrorContext(ctx, "slack action failed", "user", cb.User.ID, "err", err)
			http.Error(w, "internal error", http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusOK)
	case slack.InteractionTypeViewSubmission:
		if cb.View.CallbackID != CallbackReply {
			w.WriteHeader(http.StatusOK)
			return
		}
		answer, err := h.submitReply(ctx, &cb)
		if err != nil {
			h.Log.ErrorContext(ctx, "suggested reply failed", "user", cb.User.ID, "conversation_id", cb.View.PrivateMetadata, "err", err)
			answer = fieldError("Switchboard could not send this reply; try again in a moment.")
		}
		if answer == nil {
			// An empty 200 closes the modal.
			w.WriteHeader(http.StatusOK)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(answer)
	default:
		w.WriteHeader(http.StatusOK)
	}
}

func fieldError(text string) *slack.ViewSubmissionResponse {
	return slack.NewErrorsViewSubmissionResponse(map[string]string{ReplyBlock: text})
}

func (h *Handler) blockActions(ctx context.Context, cb *slack.InteractionCallback) error {
	for _, a := range cb.ActionCallback.BlockActions {
		convID, ok := conversationOfBlock(a.BlockID)
		if !ok {
			continue
		}
		if agent, err := h.isAgent(ctx, cb.User.ID); err != nil || !agent {
			if err == nil {
				err = h.Slack.Ephemeral(ctx, cb.Channel.ID, cb.Container.MessageTs, cb.User.ID, h.notAgentText())
			}
			return err
		}
		by := inbox.Agent{ID: cb.User.ID, Name: cb.User.Name}
		// action_ts is unique per click: the card refresh and notice of
		// one click are queued once.
		ref := "action#" + cb.User.ID + "#" + a.ActionTs
		var err error
		switch a.ActionID {
		case ActionAssign:
			err = h.Desk.Assign(ctx, convID, by, ref)
		case ActionResolve:
			err = h.Desk.Resolve(ctx, convID, by, ref)
		case ActionReopen:
			err = h.Desk.Reopen(ctx, convID, by, ref)
		case ActionSnooze:
			err = h.Desk.Snooze(ctx, convID, inbox.SnoozeOption(a.SelectedOption.Value), by, ref)
		case ActionPriority:
			err = h.Desk.SetPriority(ctx, convID, inbox.Priority(a.SelectedOption.Value), by, ref)
		case ActionSuggestedReply:
			err = h.openReplyModal(ctx, convID, cb.TriggerID)
		case ActionSendTemplate:
			err = h.sendTemplate(ctx, convID, by, a.Value, ref)
		}
		if err != nil {
			return fmt.Errorf("%s on conversation %s: %w", a.ActionID, convID, err)
		}
	}
	return nil
}

// sendTemplate queues the approved template as a reply of its own and
// shows it in the thread; ref makes a repeated click send it once.
func (h *Handler) sendTemplate(ctx context.Context, convID string, by inbox.Agent, template, ref string) error {
	conv, err := h.Store.Conversation(ctx, convID)
	if err != nil {
		return err
	}
	log := h.Log.With("conversation_id", conv.ID)
	m := h.reply(conv, by.ID, h.agentName(ctx, log, by.ID), "Approved template: "+template, "")
	m.Template = template
	id, err := h.saveReply(ctx, log, m, "template#"+ref)
	if err != nil {
		return fmt.Errorf("queue template %s: %w", template, err)
	}
	m.ID = id
	ts, err := h.Slack.PostAgentReply(ctx, conv, m)
	if err != nil {
		log.WarnContext(ctx, "template not shown in thread", "message_id", id, "err", err)
		return nil
	}
	if err := h.Store.SetMessageSlackTS(ctx, conv.ID, id, ts); err != nil {
		log.WarnContext(ctx, "template's thread copy not recorded", "message_id", id, "err", err)
	}
	return nil
}

// openReplyModal must finish within the trigger's three seconds, so it
// runs before the ack rather than after.
func (h *Handler) openReplyModal(ctx context.Context, convID, triggerID string) error {
	conv, err := h.Store.Conversation(ctx, convID)
	if err != nil {
		return err
	}
	return h.Slack.OpenReplyModal(ctx, triggerID, conv)
}

// submitReply sends the edited suggested reply like an agent's thread
// reply, and shows it in the thread, where the agents' record is. A nil
// answer closes the modal.
func (h *Handler) submitReply(ctx context.Context, cb *slack.InteractionCallback) (*slack.ViewSubmissionResponse, error) {
	if agent, err := h.isAgent(ctx, cb.User.ID); err != nil || !agent {
		if err != nil {
			return nil, err
		}
		return fieldError(h.notAgentText()), nil
	}
	text := strings.TrimSpace(cb.View.State.Values[ReplyBlock][ReplyAction].Value)
	if text == "" {
		return fieldError("Write a reply first."), nil
	}
	conv, err := h.Store.Conversation(ctx, cb.View.PrivateMetadata)
	if errors.Is(err, inbox.ErrNotFound) {
		return fieldError("This conversation no longer exists."), nil
	}
	if err != nil {
		return nil, err
	}
	log := h.Log.With("conversation_id", conv.ID, "view_id", cb.View.ID)
	m := h.reply(conv, cb.User.ID, h.agentName(ctx, log, cb.User.ID), text, "")
	// Saved before it is shown in the thread: a resubmitted modal (same
	// view) finds the first save and updates its text instead of posting
	// a second reply.
	id, err := h.saveReply(ctx, log, m, "slack-view#"+cb.View.ID)
	if err != nil {
		return nil, fmt.Errorf("save suggested reply in conversation %s: %w", conv.ID, err)
	}
	m.ID = id
	ts, err := h.Slack.PostAgentReply(ctx, conv, m)
	if err != nil {
		// The reply is on its way to the customer; only the thread's copy
		// is missing, which is no reason to send it again.
		log.WarnContext(ctx, "suggested reply not shown in thread", "message_id", id, "err", err)
		return nil, nil
	}
	if err := h.Store.SetMessageSlackTS(ctx, conv.ID, id, ts); err != nil {
		log.WarnContext(ctx, "suggested reply's thread copy not recorded", "message_id", id, "err", err)
	}
	return nil, nil
}
