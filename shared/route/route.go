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
	"time"

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
	Rating(ctx context.Context, conversationID string, interaction int) (inbox.Rating, error)
	MarkRatingAnnounced(ctx context.Context, r inbox.Rating) error
	// RecordActivity and RatingSegment keep the retention counters: a
	// customer message makes its customer active, an answer moves them
	// into its rating's segment. Both count once however often they run.
	RecordActivity(ctx context.Context, conversationID string, m inbox.Message) error
	RatingSegment(ctx context.Context, customerID string, score int, at time.Time) error
}

// Surveys requests the satisfaction rating of a resolved interaction.
type Surveys interface {
	Request(ctx context.Context, conversationID string) error
}

// Triager classifies a conversation from its messages and its customer.
type Triager interface {
	Triage(ctx context.Context, conv inbox.Conversation, history []inbox.Message, p inbox.Profile) (inbox.Triage, error)
}

// Slack posts into the support channel.
type Slack interface {
	PostConversation(ctx context.Context, channel string, conv inbox.Conversation, p inbox.Profile, mentions []string) (ts string, err error)
	UpdateCard(ctx context.Context, conv inbox.Conversation, p inbox.Profile, mentions []string) error
	PostCustomerMessage(ctx context.Context, conv inbox.Conversation, m inbox.Message) (ts string, err error)
	PostNotice(ctx context.Context, conv inbox.Conversation, text string) error
	PostRating(ctx context.Context, conv inbox.Conversation, r inbox.Rating) error
	AlertLowRating(ctx context.Context, channel string, conv inbox.Conversation, r inbox.Rating) error
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
	// Surveys, when set, asks customers to rate resolved interactions.
	Surveys Surveys
	// ManagersChannel receives an alert for every low rating (1 or 2);
	// empty sends none.
	ManagersChannel string
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
	// The request goes first: if it fails the job is retried, and nothing
	// visible has happened yet to be repeated.
	if j.Rate && s.Surveys != nil {
		if err := s.Surveys.Request(ctx, conv.ID); err != nil {
			return err
		}
	}
	profile := s.profileOnce(conv.CustomerID)
	card := j.Card
	if j.MessageID != "" {
		var waitStarted bool
		if conv, waitStarted, err = s.postMessage(ctx, conv, j, profile); err != nil {
			return err
		}
		card = card || waitStarted
	}
	if conv.SlackThreadTS == "" {
		// Nothing to redraw or annotate until the conversation has a thread.
		return nil
	}
	if j.Triage && s.Model != nil && (conv.Triage == nil || conv.Triage.Source != inbox.TriageByModel) {
		if conv, err = s.triage(ctx, s.Model, conv, profile); err != nil {
			return err
		}
		card = true
	}
	if card {
		p, err := profile(ctx)
		if err != nil {
			return err
		}
		if err := s.Slack.UpdateCard(ctx, conv, p, s.mentions(conv)); err != nil {
			return err
		}
	}
	if j.Notice != "" {
		if err := s.Slack.PostNotice(ctx, conv, j.Notice); err != nil {
			return err
		}
	}
	if j.Rated {
		return s.postRating(ctx, conv, j.Interaction)
	}
	return nil
}

// postRating shows the customer's latest answer in the thread, and alerts
// the managers to a low one, once per answer: a redelivered job finds the
// answer announced and posts nothing.
func (s *Service) postRating(ctx context.Context, conv inbox.Conversation, interaction int) error {
	r, err := s.Store.Rating(ctx, conv.ID, interaction)
	if err != nil {
		return fmt.Errorf("route: %w", err)
	}
	if r.Status != inbox.RatingRated {
		return nil
	}
	if err := s.Store.RatingSegment(ctx, r.CustomerID, r.Score, r.RatedAt); err != nil {
		return fmt.Errorf("route: %w", err)
	}
	if !r.AnnouncedAt.Before(r.RatedAt) {
		return nil
	}
	if err := s.Slack.PostRating(ctx, conv, r); err != nil {
		return err
	}
	if r.Low() && s.ManagersChannel != "" {
		if err := s.Slack.AlertLowRating(ctx, s.ManagersChannel, conv, r); err != nil {
			return err
		}
	}
	// A conflict means a newer answer was announced in between.
	if err := s.Store.MarkRatingAnnounced(ctx, r); err != nil && !errors.Is(err, inbox.ErrConflict) {
		return fmt.Errorf("route: %w", err)
	}
	return nil
}

// triage runs a triager over the conversation so far and stores the
// answer. Agents' notes stay out of it: they are not the customer's words.
func (s *Service) triage(ctx context.Context, t Triager, conv inbox.Conversation, profile profileFunc) (inbox.Conversation, error) {
	msgs, err := s.Store.Messages(ctx, conv.ID, "")
	if err != nil {
		return conv, fmt.Errorf("route: %w", err)
	}
	msgs = slices.DeleteFunc(msgs, func(m inbox.Message) bool { return m.Kind == inbox.KindNote })
	p, err := profile(ctx)
	if err != nil {
		return conv, err
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
func (s *Service) postMessage(ctx context.Context, conv inbox.Conversation, j queue.Job, profile profileFunc) (inbox.Conversation, bool, error) {
	m, err := s.Store.Message(ctx, conv.ID, j.MessageID)
	if err != nil {
		return conv, false, fmt.Errorf("route: %w", err)
	}
	if m.Direction != inbox.DirectionIn {
		return conv, false, nil
	}
	waitStarted := conv.WaitingSince.Equal(m.CreatedAt)
	if m.SlackTS != "" {
		// Posted by an earlier attempt, which may have failed to count.
		return conv, waitStarted, s.recordActivity(ctx, conv, m)
	}
	// A conversation is triaged before its card; a reopened one (it has a
	// thread) afresh. A retried new one keeps what an earlier attempt stored.
	if s.Quick != nil && (conv.Triage == nil || j.Triage && conv.SlackThreadTS != "") {
		if conv, err = s.triage(ctx, s.Quick, conv, profile); err != nil {
			return conv, false, err
		}
	}
	if conv.SlackThreadTS == "" {
		var opened bool
		if conv, opened, err = s.openThread(ctx, conv, profile); err != nil {
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
	return conv, waitStarted, s.recordActivity(ctx, conv, m)
}

// recordActivity counts the message towards retention once it is in
// Slack, so a counter that cannot be written never holds a customer's
// message back from the agents; the job's retry counts it.
func (s *Service) recordActivity(ctx context.Context, conv inbox.Conversation, m inbox.Message) error {
	if err := s.Store.RecordActivity(ctx, conv.ID, m); err != nil {
		return fmt.Errorf("route: %w", err)
	}
	return nil
}

// openThread posts the card in the channel the routing rules pick, with
// their mentions in it (so a ping cannot be lost apart from its card), and
// records the thread. A rule naming a channel the bot is not in falls back
// to the support channel rather than failing forever.
func (s *Service) openThread(ctx context.Context, conv inbox.Conversation, profile profileFunc) (inbox.Conversation, bool, error) {
	p, err := profile(ctx)
	if err != nil {
		return conv, false, err
	}
	channel, mentions := s.Rules.Match(conv, triageOf(conv), s.Channel)
	ts, err := s.Slack.PostConversation(ctx, channel, conv, p, mentions)
	if err != nil && channel != s.Channel && unreachableChannel(err) {
		channel = s.Channel
		ts, err = s.Slack.PostConversation(ctx, channel, conv, p, mentions)
	}
	if err != nil {
		return conv, false, err
	}
	err = s.Store.SetThread(ctx, conv.ID, channel, ts)
	if errors.Is(err, inbox.ErrConflict) {
		// Another run opened the thread in between: post into theirs.
		conv, err = s.Store.Conversation(ctx, conv.ID)
		return conv, false, err
	}
	if err != nil {
		return conv, false, fmt.Errorf("route: %w", err)
	}
	conv.SlackChannel, conv.SlackThreadTS = channel, ts
	return conv, true, nil
}

// profileFunc returns the customer's profile, read at most once per job:
// opening a thread, triaging twice and redrawing the card all need it.
type profileFunc func(ctx context.Context) (inbox.Profile, error)

func (s *Service) profileOnce(customerID string) profileFunc {
	var p *inbox.Profile
	return func(ctx context.Context) (inbox.Profile, error) {
		if p == nil {
			read, err := s.Store.Profile(ctx, customerID)
			if err != nil {
				return inbox.Profile{}, fmt.Errorf("route: %w", err)
			}
			p = &read
		}
		return *p, nil
	}
}

func triageOf(conv inbox.Conversation) inbox.Triage {
	if conv.Triage == nil {
		return inbox.Triage{}
	}
	return *conv.Triage
}

// mentions are the user groups the routing rules ping for a conversation,
// shown on its card.
func (s *Service) mentions(conv inbox.Conversation) []string {
	_, mentions := s.Rules.Match(conv, triageOf(conv), s.Channel)
	return mentions
}

// unreachableChannel tells Slack's answers for a channel the bot cannot
// post in.
func unreachableChannel(err error) bool {
	msg := err.Error()
	return strings.Contains(msg, "not_in_channel") || strings.Contains(msg, "channel_not_found") || strings.Contains(msg, "is_archived")
}
