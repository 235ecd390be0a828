// Package route mirrors customer messages into Slack: the first message of
// a conversation roots a thread with a card, every later one is a reply in
// that thread.
package route

import (
	"context"
	"errors"
	"fmt"

	"github.com/switchboard-inbox/switchboard/shared/inbox"
	"github.com/switchboard-inbox/switchboard/shared/queue"
)

// Store is what routing needs of storage.
type Store interface {
	Conversation(ctx context.Context, id string) (inbox.Conversation, error)
	Message(ctx context.Context, conversationID, messageID string) (inbox.Message, error)
	SetThread(ctx context.Context, conversationID, channel, ts string) error
	SetMessageSlackTS(ctx context.Context, conversationID, messageID, ts string) error
}

// Slack posts into the support channel.
type Slack interface {
	PostConversation(ctx context.Context, channel string, conv inbox.Conversation, first inbox.Message) (ts string, err error)
	PostCustomerMessage(ctx context.Context, conv inbox.Conversation, m inbox.Message) (ts string, err error)
}

// Service routes conversations to one Slack channel.
type Service struct {
	Store   Store
	Slack   Slack
	Channel string
}

// Route posts one inbound message into its conversation's thread, opening
// the thread first when the conversation has none. It is idempotent: a
// message already posted is skipped, so a redelivered job does nothing.
// (Slack has no idempotency key, so a crash between posting and recording
// the ts can still post twice; the window is one DynamoDB write wide.)
func (s *Service) Route(ctx context.Context, j queue.Job, _ queue.Attempt) error {
	m, err := s.Store.Message(ctx, j.ConversationID, j.MessageID)
	if err != nil {
		return fmt.Errorf("route: %w", err)
	}
	if m.SlackTS != "" || m.Direction != inbox.DirectionIn {
		return nil
	}
	conv, err := s.Store.Conversation(ctx, j.ConversationID)
	if err != nil {
		return fmt.Errorf("route: %w", err)
	}
	if conv.SlackThreadTS == "" {
		if conv, err = s.openThread(ctx, conv, m); err != nil {
			return err
		}
	}
	ts, err := s.Slack.PostCustomerMessage(ctx, conv, m)
	if err != nil {
		return err
	}
	if err := s.Store.SetMessageSlackTS(ctx, conv.ID, m.ID, ts); err != nil {
		return fmt.Errorf("route: %w", err)
	}
	return nil
}

func (s *Service) openThread(ctx context.Context, conv inbox.Conversation, first inbox.Message) (inbox.Conversation, error) {
	ts, err := s.Slack.PostConversation(ctx, s.Channel, conv, first)
	if err != nil {
		return conv, err
	}
	err = s.Store.SetThread(ctx, conv.ID, s.Channel, ts)
	if errors.Is(err, inbox.ErrConflict) {
		// Another run opened the thread in between: post into theirs.
		return s.Store.Conversation(ctx, conv.ID)
	}
	if err != nil {
		return conv, fmt.Errorf("route: %w", err)
	}
	conv.SlackChannel, conv.SlackThreadTS = s.Channel, ts
	return conv, nil
}
