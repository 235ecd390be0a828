package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/switchboard-inbox/switchboard/shared/inbox"
)

// ReferenceTTL is how long the ids of a sent message are remembered: an
// email reply or a late bounce may name a message months after it left.
const ReferenceTTL = 400 * 24 * time.Hour

// optOutItem records that a phone number asked for no more messages on a
// channel. It is its own item, not an identity attribute, because a STOP
// may arrive before the number is anyone's identity.
type optOutItem struct {
	PK        string
	SK        string
	Type      string `dynamodbav:"type"`
	OptedOut  bool   `dynamodbav:"optedOut"`
	UpdatedAt string `dynamodbav:"updatedAt"`
}

const skOptOut = "OPTOUT"

func optOutPK(ch inbox.Channel, address string) string { return "OPTOUT#" + string(ch) + "#" + address }

// SetSent records that a channel accepted an outbound message, and
// remembers every id the provider may later name it by (receipts,
// bounces, email replies), in one transaction.
func (s *Store) SetSent(ctx context.Context, ch inbox.Channel, conversationID, messageID string, sent inbox.Sent) error {
	expr := "SET delivery = :d REMOVE deliveryError"
	values := map[string]types.AttributeValue{":d": str(string(inbox.DeliverySent))}
	if sent.ExternalID != "" {
		expr = "SET delivery = :d, externalId = :x REMOVE deliveryError"
		values[":x"] = str(sent.ExternalID)
	}
	items := []types.TransactWriteItem{
		s.update(convPK(conversationID), msgSK(messageID), expr, "attribute_exists(PK)", nil, values),
	}
	now := time.Now()
	m := inbox.Message{ID: messageID, ConversationID: conversationID}
	for _, id := range append([]string{sent.ExternalID}, sent.Aliases...) {
		if id == "" {
			continue
		}
		ref, err := s.put(dedupeItem{
			PK: dedupePK(inbox.DedupeKey(ch, id)), SK: skDedupe, Type: "reference",
			ConversationID: m.ConversationID, MessageID: m.ID, ExpiresAt: now.Add(ReferenceTTL).Unix(),
		}, "", nil)
		if err != nil {
			return fmt.Errorf("build reference %s: %w", id, err)
		}
		items = append(items, ref)
	}
	err := s.transact(ctx, "SetSent", items)
	if failed, ok := cancelled(err); ok && len(failed) > 0 && failed[0] {
		return fmt.Errorf("set message %s of conversation %s sent: %w", messageID, conversationID, inbox.ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("set message %s of conversation %s sent: %w", messageID, conversationID, err)
	}
	return nil
}

// FailSent marks a message failed that a provider reported undeliverable
// after it was sent. It returns inbox.ErrConflict when the failure was
// already shown in Slack (FailureShown), so it is announced once; a
// failure recorded but not yet shown can be recorded again and shown.
func (s *Store) FailSent(ctx context.Context, conversationID, messageID, reason string) (inbox.Message, error) {
	return s.updateMessage(ctx, "FailSent", conversationID, messageID,
		"SET delivery = :failed, deliveryError = :r",
		"attribute_exists(PK) AND (delivery <> :failed OR attribute_not_exists(failureShown))", nil,
		map[string]types.AttributeValue{":failed": str(string(inbox.DeliveryFailed)), ":r": str(reason)},
		"fail sent message")
}

// FailureShown records that the thread says the message failed.
func (s *Store) FailureShown(ctx context.Context, conversationID, messageID string) error {
	return s.updateOne(ctx, "FailureShown", convPK(conversationID), msgSK(messageID), "SET failureShown = :t",
		map[string]types.AttributeValue{":t": &types.AttributeValueMemberBOOL{Value: true}},
		fmt.Sprintf("record failure shown for message %s of conversation %s", messageID, conversationID))
}

// SetReceipt records how far a sent message got. Receipts arrive out of
// order, so a message never goes back from read to delivered; an older
// receipt is inbox.ErrConflict.
func (s *Store) SetReceipt(ctx context.Context, conversationID, messageID string, r inbox.ReceiptStatus) (inbox.Message, error) {
	cond := "attribute_exists(PK) AND attribute_not_exists(receipt)"
	values := map[string]types.AttributeValue{":r": str(string(r))}
	if r == inbox.ReceiptRead {
		cond = "attribute_exists(PK) AND (attribute_not_exists(receipt) OR receipt = :delivered)"
		values[":delivered"] = str(string(inbox.ReceiptDelivered))
	}
	return s.updateMessage(ctx, "SetReceipt", conversationID, messageID, "SET receipt = :r", cond, nil, values, "set receipt")
}

// MessageByExternalID finds a message by an id its provider knows it by.
func (s *Store) MessageByExternalID(ctx context.Context, ch inbox.Channel, externalID string) (inbox.Message, error) {
	convID, msgID, err := s.Deduped(ctx, inbox.DedupeKey(ch, externalID))
	if err != nil {
		return inbox.Message{}, err
	}
	return s.Message(ctx, convID, msgID)
}

// SetOptOut records a STOP (true) or START (false) from a phone number.
func (s *Store) SetOptOut(ctx context.Context, ch inbox.Channel, address string, optedOut bool) error {
	item, err := attributevalue.MarshalMap(optOutItem{
		PK: optOutPK(ch, address), SK: skOptOut, Type: "optout", OptedOut: optedOut, UpdatedAt: formatTime(time.Now()),
	})
	if err != nil {
		return fmt.Errorf("build opt-out of %s: %w", address, err)
	}
	if _, err := s.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: &s.table, Item: item}); err != nil {
		return fmt.Errorf("set opt-out of %s on %s: %w", address, ch, err)
	}
	return nil
}

// OptedOut reports whether a phone number asked for no more messages.
func (s *Store) OptedOut(ctx context.Context, ch inbox.Channel, address string) (bool, error) {
	var it optOutItem
	err := s.get(ctx, optOutPK(ch, address), skOptOut, &it)
	if errors.Is(err, inbox.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("get opt-out of %s on %s: %w", address, ch, err)
	}
	return it.OptedOut, nil
}
