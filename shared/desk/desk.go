// Package desk is what agents do to conversations: assign, resolve,
// reopen, snooze, prioritise, and the lists they work from. Each change is
// one conditional write followed by a job that redraws the Slack card and
// says in the thread who did what; a change that changes nothing (a
// retried click, a second reaction) announces nothing.
package desk

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/switchboard-inbox/switchboard/shared/inbox"
	"github.com/switchboard-inbox/switchboard/shared/queue"
)

// Store is what the desk needs of storage.
type Store interface {
	Assign(ctx context.Context, conversationID, agentID, agentName string) error
	Resolve(ctx context.Context, conversationID string, at time.Time, by inbox.Agent) error
	Reopen(ctx context.Context, conversationID string, at time.Time) error
	Snooze(ctx context.Context, conversationID string, until time.Time) error
	Wake(ctx context.Context, conversationID string, now time.Time) error
	SetPriority(ctx context.Context, conversationID string, p inbox.Priority) error
	DueSnoozes(ctx context.Context, now time.Time, limit int) ([]inbox.Conversation, error)
	OpenConversations(ctx context.Context, limit int) ([]inbox.Conversation, error)
	Identity(ctx context.Context, ch inbox.Channel, address string) (inbox.Identity, *inbox.Latest, error)
	CustomerConversations(ctx context.Context, customerID string, limit int) ([]inbox.Conversation, error)
}

// Publisher enqueues the card refresh that follows each change.
type Publisher interface {
	Publish(ctx context.Context, j queue.Job) error
}

// Service carries out agents' actions.
type Service struct {
	Store Store
	Route Publisher
	Now   func() time.Time
	// Location is the team's time zone, for "tomorrow morning".
	Location *time.Location
}

// ErrUnknownOption is returned for a snooze or priority choice the card
// never offers.
var ErrUnknownOption = errors.New("unknown option")

// Assign makes the agent the conversation's owner. ref identifies the
// Slack action or event, so a retried one is announced once.
func (s *Service) Assign(ctx context.Context, conversationID string, by inbox.Agent, ref string) error {
	err := s.Store.Assign(ctx, conversationID, by.ID, by.Name)
	return s.announce(ctx, conversationID, ref, err, fmt.Sprintf(":bust_in_silhouette: Assigned to <@%s>.", by.ID))
}

// Resolve closes the conversation, and has the customer asked to rate
// it. A repeated resolve asks again, which finds the request made: the
// first may have resolved and then failed to queue it.
func (s *Service) Resolve(ctx context.Context, conversationID string, by inbox.Agent, ref string) error {
	err := s.Store.Resolve(ctx, conversationID, s.Now(), by)
	return s.announceJob(ctx, queue.Job{ConversationID: conversationID, Rate: true}, ref, err,
		fmt.Sprintf(":white_check_mark: Resolved by <@%s>.", by.ID))
}

// Reopen opens a resolved conversation again.
func (s *Service) Reopen(ctx context.Context, conversationID string, by inbox.Agent, ref string) error {
	err := s.Store.Reopen(ctx, conversationID, s.Now())
	return s.announce(ctx, conversationID, ref, err, fmt.Sprintf(":arrows_counterclockwise: Reopened by <@%s>.", by.ID))
}

// Snooze hides the conversation until the chosen time; a customer message
// or the waker opens it again.
func (s *Service) Snooze(ctx context.Context, conversationID string, opt inbox.SnoozeOption, by inbox.Agent, ref string) error {
	until, ok := inbox.SnoozeUntil(opt, s.Now(), s.location())
	if !ok {
		return fmt.Errorf("snooze %q: %w", opt, ErrUnknownOption)
	}
	err := s.Store.Snooze(ctx, conversationID, until)
	return s.announce(ctx, conversationID, ref, err,
		fmt.Sprintf(":zzz: Snoozed by <@%s> until <!date^%d^{date_short_pretty} {time}|%s>.", by.ID, until.Unix(), until.UTC().Format(time.RFC1123)))
}

// SetPriority changes the conversation's priority.
func (s *Service) SetPriority(ctx context.Context, conversationID string, p inbox.Priority, by inbox.Agent, ref string) error {
	if !p.Valid() {
		return fmt.Errorf("priority %q: %w", p, ErrUnknownOption)
	}
	err := s.Store.SetPriority(ctx, conversationID, p)
	return s.announce(ctx, conversationID, ref, err, fmt.Sprintf(":label: Priority set to *%s* by <@%s>.", p, by.ID))
}

// WakeDue opens every snoozed conversation whose time has come and says so
// in its thread. It returns how many it woke.
func (s *Service) WakeDue(ctx context.Context) (int, error) {
	now := s.Now()
	due, err := s.Store.DueSnoozes(ctx, now, 100)
	if err != nil {
		return 0, fmt.Errorf("wake snoozed conversations: %w", err)
	}
	woken := 0
	var errs []error
	for _, conv := range due {
		err := s.Store.Wake(ctx, conv.ID, now)
		ref := "wake#" + conv.ID + "#" + conv.SnoozedUntil.UTC().Format("20060102T150405")
		if err := s.announce(ctx, conv.ID, ref, err, ":alarm_clock: Snooze is over: this conversation is open again."); err != nil {
			errs = append(errs, err)
			continue
		}
		woken++
	}
	return woken, errors.Join(errs...)
}

// announce queues the card redraw and notice of a change that happened. A
// change that did not happen (inbox.ErrConflict) is no error and says
// nothing, but still redraws the card: the action may be the retry of one
// whose write succeeded and whose redraw was never queued.
func (s *Service) announce(ctx context.Context, conversationID, ref string, err error, notice string) error {
	return s.announceJob(ctx, queue.Job{ConversationID: conversationID}, ref, err, notice)
}

// announceJob is announce with more for the router to do in the job.
func (s *Service) announceJob(ctx context.Context, j queue.Job, ref string, err error, notice string) error {
	conversationID := j.ConversationID
	j.Card, j.Notice, j.ID = true, notice, "desk#"+ref
	if errors.Is(err, inbox.ErrConflict) {
		j.Notice, j.ID = "", "desk-redraw#"+ref
	} else if err != nil {
		return err
	}
	if err := s.Route.Publish(ctx, j); err != nil {
		return fmt.Errorf("queue card refresh of conversation %s: %w", conversationID, err)
	}
	return nil
}

func (s *Service) location() *time.Location {
	if s.Location == nil {
		return time.UTC
	}
	return s.Location
}

// openLimit bounds the lists read from the open queue.
const openLimit = 500

// Lists returns the agent's open and snoozed conversations and the team's
// unassigned ones, each oldest activity first: the ones waiting longest
// lead.
func (s *Service) Lists(ctx context.Context, agentID string) (mine, snoozed, unassigned []inbox.Conversation, err error) {
	open, err := s.Store.OpenConversations(ctx, openLimit)
	if err != nil {
		return nil, nil, nil, err
	}
	for _, c := range open {
		switch {
		case c.AssigneeID == agentID && c.Status == inbox.StatusSnoozed:
			snoozed = append(snoozed, c)
		case c.AssigneeID == agentID:
			mine = append(mine, c)
		case c.AssigneeID == "" && c.Status != inbox.StatusSnoozed:
			unassigned = append(unassigned, c)
		}
	}
	return mine, snoozed, unassigned, nil
}

// Find looks conversations up by a customer's email address or phone
// number, or else by words in the customer's name or first message among
// open conversations.
func (s *Service) Find(ctx context.Context, query string) ([]inbox.Conversation, error) {
	query = strings.TrimSpace(query)
	if query == "" {
		return nil, nil
	}
	for _, id := range addressCandidates(query) {
		ident, _, err := s.Store.Identity(ctx, id.Channel, id.Address)
		if errors.Is(err, inbox.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		return s.Store.CustomerConversations(ctx, ident.CustomerID, 20)
	}
	open, err := s.Store.OpenConversations(ctx, openLimit)
	if err != nil {
		return nil, err
	}
	needle := strings.ToLower(query)
	var found []inbox.Conversation
	for _, c := range open {
		if strings.Contains(strings.ToLower(c.CustomerName), needle) || strings.Contains(strings.ToLower(c.FirstMessageText), needle) ||
			strings.Contains(strings.ToLower(c.Address), needle) {
			found = append(found, c)
		}
	}
	return found, nil
}

// addressCandidates are the identities a query could name: an email
// address, or a phone number on each channel that uses one.
func addressCandidates(query string) []inbox.Identity {
	if strings.Contains(query, "@") && !strings.ContainsAny(query, " \t") {
		return []inbox.Identity{{Channel: inbox.ChannelEmail, Address: strings.ToLower(query)}}
	}
	digits := strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		if r == '+' || r == ' ' || r == '-' || r == '(' || r == ')' || r == '.' {
			return -1
		}
		return 'x'
	}, query)
	if len(digits) < 7 || strings.Contains(digits, "x") {
		return nil
	}
	phone := "+" + digits
	return []inbox.Identity{
		{Channel: inbox.ChannelWhatsApp, Address: phone}, {Channel: inbox.ChannelSMS, Address: phone},
		{Channel: inbox.ChannelWhatsApp, Address: digits},
	}
}
