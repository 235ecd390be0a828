// Package route mirrors conversations into Slack: the first message of a
// conversation roots a thread with a card, every later one is a reply in
// that thread, and the card is redrawn whenever the conversation changes.
// New and reopened conversations are triaged here: quickly (rules) before
// the card is posted, so routing rules can pick its channel, then by the
// model, whose answer redraws the card when it arrives.
package route

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/switchboard-inbox/switchboard/shared/inbox"
	"github.com/switchboard-inbox/switchboard/shared/queue"
)

// Store is what routing needs of storage.
type Store interface {
	Conversation(ctx context.Context, id string) (inbox.Conversation, error)
	Message(ctx context.Context, conversationID, messageID string) (inbox.Message, error)
	Profile(ctx context.Context, customerID string) (inbox.Profile, error)
	SetThread(ctx context.Context, conversationID, channel, ts string) error
	SetMessageSlackTS(ctx context.Context, conversationID, messageID, ts string) error
	Messages(ctx context.Context, conversationID, afterID string) ([]inbox.Message, error)
	SetTriage(ctx context.Context, conversationID string, t inbox.Triage) error
}

// Triager classifies a conversation from its messages and its customer.
type Triager interface {
	Triage(ctx context.Context, conv inbox.Conversation, history []inbox.Message, p inbox.Profile) (inbox.Triage, error)
}

// Slack posts into the support channel.
type Slack interface {
	PostConversation(ctx context.Context, channel string, conv inbox.Conversation, p inbox.Profile) (ts string, err error)
	UpdateCard(ctx context.Context, conv inbox.Conversation, p inbox.Profile) error
	PostCustomerMessage(ctx context.Context, conv inbox.Conversation, m inbox.Message) (ts string, err error)
	PostNotice(ctx context.Context, conv inbox.Conversation, text string) error
}

// Service routes conversations to Slack.
type Service struct {
	Store Store
	Slack Slack
	// Channel is the support channel, where conversations go unless a
	// rule sends them elsewhere.
	Channel string
	Rules   Rules
	// Quick triages at once (the rules); Model, when set, may take
	// seconds and refines Quick's answer. Either may be nil.
	Quick Triager
	Model Triager
}

// Route carries out one job: post its message into the conversation's
// thread (opening the thread first when there is none), redraw the card,
// post a notice. Each step is idempotent or ordered so that a redelivered
// job repeats nothing visible, except in the one-write window between a
// Slack post and its record (Slack has no idempotency key).
func (s *Service) Route(ctx context.Context, j queue.Job, _ queue.Attempt) error {
	conv, err := s.Store.Conversation(ctx, j.ConversationID)
	if err != nil {
		return fmt.Errorf("route: %w", err)
	}
	card := j.Card
	if j.MessageID != "" {
		var waitStarted bool
		if conv, waitStarted, err = s.postMessage(ctx, conv, j); err != nil {
			return err
		}
		card = card || waitStarted
	}
	if conv.SlackThreadTS == "" {
		// Nothing to redraw or annotate until the conversation has a thread.
		return nil
	}
	if j.Triage && s.Model != nil && (conv.Triage == nil || conv.Triage.Source != inbox.TriageByModel) {
		if conv, err = s.triage(ctx, s.Model, conv); err != nil {
			return err
		}
		card = true
	}
	if card {
		p, err := s.Store.Profile(ctx, conv.CustomerID)
		if err != nil {
			return fmt.Errorf("route: %w", err)
		}
		if err := s.Slack.UpdateCard(ctx, conv, p); err != nil {
			return err
		}
	}
	if j.Notice != "" {
		return s.Slack.PostNotice(ctx, conv, j.Notice)
	}
	return nil
}

// triage runs a triager over the conversation so far and stores the
// answer. Agents' notes stay out of it: they are not the customer's words.
func (s *Service) triage(ctx context.Context, t Triager, conv inbox.Conversation) (inbox.Conversation, error) {
	msgs, err := s.Store.Messages(ctx, conv.ID, "")
	if err != nil {
		return conv, fmt.Errorf("route: %w", err)
	}
	msgs = slices.DeleteFunc(msgs, func(m inbox.Message) bool { return m.Kind == inbox.KindNote })
	p, err := s.Store.Profile(ctx, conv.CustomerID)
	if err != nil {
		return conv, fmt.Errorf("route: %w", err)
	}
	result, err := t.Triage(ctx, conv, msgs, p)
	if err != nil {
		return conv, fmt.Errorf("triage conversation %s: %w", conv.ID, err)
	}
	if err := s.Store.SetTriage(ctx, conv.ID, result); err != nil {
		return conv, fmt.Errorf("route: %w", err)
	}
	conv.Triage = &result
	if conv.Priority == "" {
		conv.Priority = result.Priority
	}
	return conv, nil
}

// postMessage posts a customer message once. It reports whether the
// message started a wait (the first since an agent's reply, or one that
// reopened the conversation), which changes the card's "waiting" field; a
// card just posted is already current.
func (s *Service) postMessage(ctx context.Context, conv inbox.Conversation, j queue.Job) (inbox.Conversation, bool, error) {
	m, err := s.Store.Message(ctx, conv.ID, j.MessageID)
	if err != nil {
		return conv, false, fmt.Errorf("route: %w", err)
	}
	if m.Direction != inbox.DirectionIn {
		return conv, false, nil
	}
	waitStarted := conv.WaitingSince.Equal(m.CreatedAt)
	if m.SlackTS != "" {
		return conv, waitStarted, nil
	}
	// A reopened conversation (one with a thread) is triaged afresh; a new
	// one keeps the triage a failed earlier attempt stored.
	if j.Triage && s.Quick != nil && (conv.Triage == nil || conv.SlackThreadTS != "") {
		if conv, err = s.triage(ctx, s.Quick, conv); err != nil {
			return conv, false, err
		}
	}
	var mentions []string
	if conv.SlackThreadTS == "" {
		var opened bool
		if conv, mentions, opened, err = s.openThread(ctx, conv); err != nil {
			return conv, false, err
		}
		waitStarted = waitStarted && !opened
	}
	ts, err := s.Slack.PostCustomerMessage(ctx, conv, m)
	if err != nil {
		return conv, false, err
	}
	if err := s.Store.SetMessageSlackTS(ctx, conv.ID, m.ID, ts); err != nil {
		return conv, false, fmt.Errorf("route: %w", err)
	}
	if len(mentions) > 0 {
		if err := s.Slack.PostNotice(ctx, conv, mentionText(mentions, conv)); err != nil {
			return conv, false, err
		}
	}
	return conv, waitStarted, nil
}

func mentionText(groups []string, conv inbox.Conversation) string {
	var b strings.Builder
	for _, g := range groups {
		b.WriteString("<!subteam^" + g + "> ")
	}
	b.WriteString(":rotating_light: a new ")
	if conv.Priority != "" {
		b.WriteString(string(conv.Priority) + " ")
	}
	b.WriteString("conversation matches your routing rule.")
	return b.String()
}

// openThread posts the card in the channel the routing rules pick and
// records the thread, returning the user groups to mention in it.
func (s *Service) openThread(ctx context.Context, conv inbox.Conversation) (inbox.Conversation, []string, bool, error) {
	p, err := s.Store.Profile(ctx, conv.CustomerID)
	if err != nil {
		return conv, nil, false, fmt.Errorf("route: %w", err)
	}
	var t inbox.Triage
	if conv.Triage != nil {
		t = *conv.Triage
	}
	channel, mentions := s.Rules.Match(conv, t, s.Channel)
	ts, err := s.Slack.PostConversation(ctx, channel, conv, p)
	if err != nil {
		return conv, nil, false, err
	}
	err = s.Store.SetThread(ctx, conv.ID, channel, ts)
	if errors.Is(err, inbox.ErrConflict) {
		// Another run opened the thread in between: post into theirs.
		conv, err = s.Store.Conversation(ctx, conv.ID)
		return conv, nil, false, err
	}
	if err != nil {
		return conv, nil, false, fmt.Errorf("route: %w", err)
	}
	conv.SlackChannel, conv.SlackThreadTS = channel, ts
	return conv, mentions, true, nil
}
