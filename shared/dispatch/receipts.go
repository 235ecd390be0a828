package dispatch

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/switchboard-inbox/switchboard/shared/inbox"
)

// ReceiptStore is what applying receipts needs of storage.
type ReceiptStore interface {
	MessageByExternalID(ctx context.Context, ch inbox.Channel, externalID string) (inbox.Message, error)
	Conversation(ctx context.Context, id string) (inbox.Conversation, error)
	FailSent(ctx context.Context, conversationID, messageID, reason string) (inbox.Message, error)
	FailureShown(ctx context.Context, conversationID, messageID string) error
	SetReceipt(ctx context.Context, conversationID, messageID string, r inbox.ReceiptStatus) (inbox.Message, error)
}

// ReceiptNotifier shows receipts in the conversation's Slack thread.
type ReceiptNotifier interface {
	PostDeliveryFailure(ctx context.Context, conv inbox.Conversation, m inbox.Message, reason string) error
	MarkRead(ctx context.Context, conv inbox.Conversation, m inbox.Message) error
}

// Receipts applies what providers report about messages after sending
// them: a bounce or an undeliverable number fails the message and says so
// in the thread; a read receipt marks it read there.
type Receipts struct {
	Store  ReceiptStore
	Notify ReceiptNotifier
	Log    *slog.Logger
}

// Receipt applies one receipt. A receipt for a message Switchboard did not
// send (another tool on the same number, a bounce of an old mail) is
// logged and ignored; so is one older than what is already recorded.
func (r *Receipts) Receipt(ctx context.Context, rc inbox.Receipt) error {
	m, err := r.Store.MessageByExternalID(ctx, rc.Channel, rc.ExternalID)
	if errors.Is(err, inbox.ErrNotFound) {
		r.Log.InfoContext(ctx, "receipt for an unknown message", "channel", rc.Channel, "external_id", rc.ExternalID, "status", rc.Status)
		return nil
	}
	if err != nil {
		return fmt.Errorf("apply %s receipt: %w", rc.Status, err)
	}
	if m.Direction != inbox.DirectionOut {
		return nil
	}
	switch rc.Status {
	case inbox.ReceiptFailed:
		m, err = r.Store.FailSent(ctx, m.ConversationID, m.ID, rc.Reason)
	case inbox.ReceiptDelivered, inbox.ReceiptRead:
		m, err = r.Store.SetReceipt(ctx, m.ConversationID, m.ID, rc.Status)
	default:
		return fmt.Errorf("apply receipt for message %s: unknown status %q", m.ID, rc.Status)
	}
	// A read receipt seen before is shown again: the reaction may not have
	// made it, and reacting twice changes nothing.
	if errors.Is(err, inbox.ErrConflict) && !(rc.Status == inbox.ReceiptRead && m.Receipt == inbox.ReceiptRead) {
		return nil
	}
	if errors.Is(err, inbox.ErrConflict) {
		err = nil
	}
	if err != nil {
		return fmt.Errorf("apply %s receipt: %w", rc.Status, err)
	}
	if rc.Status == inbox.ReceiptDelivered {
		return nil
	}
	conv, err := r.Store.Conversation(ctx, m.ConversationID)
	if err != nil {
		return fmt.Errorf("apply %s receipt: %w", rc.Status, err)
	}
	if conv.SlackThreadTS == "" {
		return nil
	}
	if rc.Status == inbox.ReceiptRead {
		err = r.Notify.MarkRead(ctx, conv, m)
	} else if err = r.Notify.PostDeliveryFailure(ctx, conv, m, rc.Reason); err == nil {
		err = r.Store.FailureShown(ctx, conv.ID, m.ID)
	}
	if err != nil {
		// The provider retries; the failure, recorded but not shown, is
		// shown then.
		return fmt.Errorf("show %s receipt of message %s: %w", rc.Status, m.ID, err)
	}
	return nil
}
