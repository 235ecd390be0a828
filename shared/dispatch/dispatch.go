// Package dispatch sends agents' replies to customers on the channel each
// conversation came from, and makes every failure visible: retried while it
// may pass, then reported in the Slack thread and left in the dead-letter
// queue.
package dispatch

import (
	"context"
	"errors"
	"fmt"

	"github.com/switchboard-inbox/switchboard/shared/inbox"
	"github.com/switchboard-inbox/switchboard/shared/queue"
)

// Store is what dispatching needs of storage.
type Store interface {
	Conversation(ctx context.Context, id string) (inbox.Conversation, error)
	ClaimDelivery(ctx context.Context, conversationID, messageID string) (inbox.Message, error)
	SetDelivery(ctx context.Context, conversationID, messageID string, d inbox.Delivery, externalID, reason string) error
	SetSent(ctx context.Context, ch inbox.Channel, conversationID, messageID string, sent inbox.Sent) error
	Answered(ctx context.Context, conversationID string, reply inbox.Message) error
	SurveyUndelivered(ctx context.Context, conversationID string, interaction int) error
}

// Publisher queues the card redraw that shows the customer is answered.
type Publisher interface {
	Publish(ctx context.Context, j queue.Job) error
}

// Sender delivers a message on one channel and returns the provider's ids
// for it.
type Sender interface {
	Send(ctx context.Context, conv inbox.Conversation, m inbox.Message) (inbox.Sent, error)
}

// Notifier shows agents in a conversation's Slack thread whether a reply
// reached the customer.
type Notifier interface {
	MarkDelivered(ctx context.Context, conv inbox.Conversation, m inbox.Message) error
	PostDeliveryFailure(ctx context.Context, conv inbox.Conversation, m inbox.Message, reason string) error
	OfferTemplate(ctx context.Context, conv inbox.Conversation, m inbox.Message, template string) error
}

// PermanentError is a send failure that retrying cannot fix, such as a
// closed messaging window or an address that does not exist.
type PermanentError struct {
	Reason string
	// Template is an approved message template the channel would still
	// take, offered to the agent instead (WhatsApp outside 24 hours).
	Template string
}

func (e *PermanentError) Error() string { return e.Reason }

// Service delivers outbound messages.
type Service struct {
	Store   Store
	Senders map[inbox.Channel]Sender
	Notify  Notifier
	Route   Publisher
	// MaxAttempts equals the queue's maxReceiveCount: the last attempt
	// reports the failure before the message moves to the dead-letter queue.
	MaxAttempts int
}

// Deliver sends one outbound message. It first claims the message, which
// stops later edits and deletions in Slack and returns its latest text; a
// message that is not waiting to be sent (delivered, given up on,
// cancelled, a note) is skipped, so a redelivered job sends nothing twice.
func (s *Service) Deliver(ctx context.Context, j queue.Job, attempt queue.Attempt) error {
	m, err := s.Store.ClaimDelivery(ctx, j.ConversationID, j.MessageID)
	claimed := err == nil
	if err != nil && !errors.Is(err, inbox.ErrConflict) {
		return fmt.Errorf("deliver: %w", err)
	}
	if !claimed && m.Delivery != inbox.DeliverySent && m.Delivery != inbox.DeliveryFailed {
		return nil
	}
	conv, err := s.Store.Conversation(ctx, j.ConversationID)
	if err != nil {
		return fmt.Errorf("deliver: %w", err)
	}
	if !claimed {
		// Settled before, but this job came back: the Slack side of it
		// may have failed (a rate limit), so show it again; both are
		// harmless to repeat.
		if m.Delivery == inbox.DeliverySent {
			return s.announceSent(ctx, conv, m)
		}
		return s.Notify.PostDeliveryFailure(ctx, conv, m, m.DeliveryError)
	}
	sender, ok := s.Senders[conv.Channel]
	if !ok {
		return s.giveUp(ctx, conv, m, &PermanentError{Reason: "replies on " + conv.Channel.Label() + " are not set up"})
	}
	sent, sendErr := sender.Send(ctx, conv, m)
	if sendErr == nil {
		if err := s.Store.SetSent(ctx, conv.Channel, conv.ID, m.ID, sent); err != nil {
			return fmt.Errorf("deliver: %w", err)
		}
		return s.announceSent(ctx, conv, m)
	}
	sendErr = fmt.Errorf("send message %s to %s: %w", m.ID, conv.Channel, sendErr)
	var permanent *PermanentError
	if errors.As(sendErr, &permanent) {
		return s.giveUp(ctx, conv, m, permanent)
	}
	if int(attempt) >= s.MaxAttempts {
		if err := s.giveUp(ctx, conv, m, sendErr); err != nil {
			return errors.Join(sendErr, err)
		}
		// Still a failure, so the job lands in the dead-letter queue.
		return sendErr
	}
	return sendErr
}

// announceSent records that the customer is answered, marks the reply
// delivered in the thread, and has the card redrawn if the customer was
// waiting for it.
func (s *Service) announceSent(ctx context.Context, conv inbox.Conversation, m inbox.Message) error {
	if m.Author == inbox.AuthorAgent {
		if err := s.Store.Answered(ctx, conv.ID, m); err != nil {
			return fmt.Errorf("deliver: %w", err)
		}
	}
	if err := s.Notify.MarkDelivered(ctx, conv, m); err != nil {
		return fmt.Errorf("deliver: message %s sent, but: %w", m.ID, err)
	}
	if conv.WaitingSince.IsZero() || conv.WaitingSince.After(m.CreatedAt) || s.Route == nil {
		return nil
	}
	j := queue.Job{ConversationID: conv.ID, Card: true, ID: "answered#" + m.ID}
	if err := s.Route.Publish(ctx, j); err != nil {
		return fmt.Errorf("deliver: queue card redraw: %w", err)
	}
	return nil
}

// giveUp marks the message failed and says so in the thread, where the
// agent who wrote it will see it. It returns nil once both are done.
func (s *Service) giveUp(ctx context.Context, conv inbox.Conversation, m inbox.Message, reason error) error {
	if err := s.Store.SetDelivery(ctx, conv.ID, m.ID, inbox.DeliveryFailed, "", reason.Error()); err != nil {
		return fmt.Errorf("record failed delivery: %w", err)
	}
	// A request that never reached the customer is no request.
	if m.Survey != nil {
		err := s.Store.SurveyUndelivered(ctx, conv.ID, m.Survey.Interaction)
		if err != nil && !errors.Is(err, inbox.ErrConflict) && !errors.Is(err, inbox.ErrNotFound) {
			return fmt.Errorf("record undelivered rating request: %w", err)
		}
	}
	if conv.SlackThreadTS == "" {
		return nil
	}
	if err := s.Notify.PostDeliveryFailure(ctx, conv, m, reason.Error()); err != nil {
		return fmt.Errorf("report failed delivery of message %s: %w", m.ID, err)
	}
	// A rating request is not worth a template: it would ask the customer
	// to write first, only to be asked for a rating.
	var permanent *PermanentError
	if errors.As(reason, &permanent) && permanent.Template != "" && m.Template == "" && m.Survey == nil {
		if err := s.Notify.OfferTemplate(ctx, conv, m, permanent.Template); err != nil {
			return fmt.Errorf("offer template after failed message %s: %w", m.ID, err)
		}
	}
	return nil
}
