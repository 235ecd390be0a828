package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/switchboard-inbox/switchboard/shared/inbox"
)

// SaveInbound writes an inbound message, its conversation change, any new
// customer and identities, and the dedupe record in one transaction. It
// returns inbox.ErrDuplicate when the dedupe key was seen before, and
// inbox.ErrConflict when the identity's conversations changed since they
// were read (read again, decide again, retry).
func (s *Store) SaveInbound(ctx context.Context, in inbox.InboundWrite) error {
	items, err := s.inboundItems(in, true)
	if err != nil {
		return fmt.Errorf("build inbound write for message %s: %w", in.Message.ID, err)
	}
	err = s.transact(ctx, "SaveInbound", items)
	if failed, ok := cancelled(err); ok && in.Placement == inbox.Join && !failedAt(failed, 0) && failedAt(failed, 2) {
		// Perhaps the conversation holds maxWaitingTimes unanswered
		// messages already: store this one without its reply-time sample.
		if items, err = s.inboundItems(in, false); err != nil {
			return fmt.Errorf("build inbound write for message %s: %w", in.Message.ID, err)
		}
		err = s.transact(ctx, "SaveInbound", items)
	}
	if failed, ok := cancelled(err); ok {
		// Item 0 is the dedupe record: a duplicate wins over a conflict,
		// because retrying a duplicate would only find it again.
		if len(failed) > 0 && failed[0] {
			return fmt.Errorf("save inbound message %s: %w", in.DedupeKey, inbox.ErrDuplicate)
		}
		return fmt.Errorf("save inbound message %s: %w", in.DedupeKey, inbox.ErrConflict)
	}
	var tce *types.TransactionCanceledException
	if errors.As(err, &tce) {
		// Cancelled by a concurrent write to the same items: read again,
		// decide again.
		return fmt.Errorf("save inbound message %s: %v: %w", in.DedupeKey, err, inbox.ErrConflict)
	}
	if err != nil {
		return fmt.Errorf("save inbound message %s in conversation %s: %w", in.Message.ID, in.Message.ConversationID, err)
	}
	return nil
}

// maxWaitingTimes bounds the unanswered messages a conversation keeps the
// times of, so a flood of messages cannot grow its item without end; the
// messages beyond it get no reply-time sample.
const maxWaitingTimes = 25

func (s *Store) inboundItems(in inbox.InboundWrite, sampleWait bool) ([]types.TransactWriteItem, error) {
	now := in.Message.CreatedAt
	m := in.Message
	dedupe, err := s.dedupePut(in.DedupeKey, m, now)
	if err != nil {
		return nil, err
	}
	msg, err := s.put(newMessageItem(m), "attribute_not_exists(PK)", nil)
	if err != nil {
		return nil, err
	}
	items := []types.TransactWriteItem{dedupe, msg}

	convID := m.ConversationID
	counts := newTally()
	counts.add(s.day(now), channelRows(in.Identity.Channel), one(inbox.CounterMessagesIn))
	switch in.Placement {
	case inbox.Open:
		ci := newConversationItem(in.Conversation)
		ci.WaitingTimes = []string{formatTime(now)}
		conv, err := s.put(ci, "attribute_not_exists(PK)", nil)
		if err != nil {
			return nil, err
		}
		items = append(items, conv)
		counts.add(s.day(now), channelRows(in.Identity.Channel), one(inbox.CounterOpened))
		counts.addTotals(channelRows(in.Identity.Channel), one(inbox.CounterOpen))
	case inbox.Join:
		// A customer writing into a snoozed or pending conversation wakes
		// it; only a resolution in between makes this a conflict.
		expr := "SET lastActivityAt = :t, lastInboundAt = :t, GSI2SK = :open, #status = :openStatus, waitingSince = if_not_exists(waitingSince, :t) "
		cond := "attribute_exists(PK) AND #status <> :resolved"
		values := map[string]types.AttributeValue{
			":t": str(formatTime(now)), ":open": str(openSK(now, convID)), ":one": num(1),
			":openStatus": str(string(inbox.StatusOpen)), ":resolved": str(string(inbox.StatusResolved)),
		}
		if sampleWait {
			expr = strings.Replace(expr, "SET ", "SET waitingTimes = list_append(if_not_exists(waitingTimes, :none), :times), ", 1)
			cond += " AND (attribute_not_exists(waitingTimes) OR size(waitingTimes) < :most)"
			values[":none"], values[":times"], values[":most"] = emptyList(), timeList(now), num(maxWaitingTimes)
		}
		items = append(items, s.update(convPK(convID), skConv, expr+"REMOVE snoozedUntil, GSI3PK, GSI3SK ADD messageCount :one",
			cond, map[string]string{"#status": "status"}, values))
	case inbox.Reopen:
		target := in.Target
		if target == nil {
			target = in.Latest
		}
		items = append(items, s.update(convPK(convID), skConv,
			"SET #status = :open, lastActivityAt = :t, lastInboundAt = :t, waitingSince = :t, waitingTimes = :times, reopenedAt = :t, GSI2PK = :openPK, GSI2SK = :openSK ADD messageCount :one, reopenCount :one",
			"#status = :resolved AND resolvedAt = :resolvedAt",
			map[string]string{"#status": "status"},
			map[string]types.AttributeValue{
				":open": str(string(inbox.StatusOpen)), ":resolved": str(string(inbox.StatusResolved)),
				":t": str(formatTime(now)), ":openPK": str(openPartition), ":openSK": str(openSK(now, convID)),
				":one": num(1), ":resolvedAt": str(formatTime(target.ResolvedAt)), ":times": timeList(now),
			}))
		counts.add(s.day(now), channelRows(in.Identity.Channel), one(inbox.CounterReopened))
		counts.addTotals(channelRows(in.Identity.Channel), one(inbox.CounterOpen))
	}
	if in.Placement == inbox.Open && in.NewCustomer == nil {
		items = append(items, s.update(customerPK(in.Identity.CustomerID), skCustomer,
			"SET previousOpenedAt = if_not_exists(lastOpenedAt, :none), lastOpenedAt = :t ADD conversationCount :one",
			"attribute_exists(PK)", nil,
			map[string]types.AttributeValue{":t": str(formatTime(now)), ":none": str(""), ":one": num(1)}))
	}

	if in.IdentityIsNew {
		latest := &inbox.Latest{ConversationID: convID, Status: inbox.StatusOpen}
		ident, err := s.put(newIdentityItem(in.Identity, latest), "attribute_not_exists(PK)", nil)
		if err != nil {
			return nil, err
		}
		items = append(items, ident)
	} else if in.Placement == inbox.Open || (in.Placement == inbox.Reopen && !reopensOlder(in)) {
		// The identity mirrors its newest conversation's state; the
		// condition makes two racing writers of a new conversation conflict.
		cond := "conversationId = :previous"
		values := map[string]types.AttributeValue{
			":id": str(convID), ":open": str(string(inbox.StatusOpen)),
		}
		if in.Latest == nil {
			cond = "attribute_exists(PK) AND attribute_not_exists(conversationId)"
		} else {
			values[":previous"] = str(in.Latest.ConversationID)
		}
		items = append(items, s.update(identityPK(in.Identity.Channel, in.Identity.Address), skIdentity,
			"SET conversationId = :id, conversationStatus = :open REMOVE conversationResolvedAt, surveyConversationId, surveyInteraction, surveyUntil",
			cond, nil, values))
	}

	if in.NewCustomer != nil {
		cust, err := s.put(newCustomerItem(*in.NewCustomer, now), "attribute_not_exists(PK)", nil)
		if err != nil {
			return nil, err
		}
		items = append(items, cust)
	}
	for _, linked := range in.LinkedIdentities {
		ident, err := s.put(newIdentityItem(linked, nil), "attribute_not_exists(PK)", nil)
		if err != nil {
			return nil, err
		}
		items = append(items, ident)
	}
	// The counters go last: the callers read cancellation reasons by the
	// positions of the items above.
	return append(items, s.tallyItems(counts)...), nil
}

func emptyList() types.AttributeValue {
	return &types.AttributeValueMemberL{Value: []types.AttributeValue{}}
}

func timeList(times ...time.Time) types.AttributeValue {
	l := make([]types.AttributeValue, len(times))
	for i, t := range times {
		l[i] = str(formatTime(t))
	}
	return &types.AttributeValueMemberL{Value: l}
}

// reopensOlder says a threaded message reopens a conversation older than
// the identity's newest; the identity keeps mirroring the newest.
func reopensOlder(in inbox.InboundWrite) bool {
	return in.Target != nil && in.Latest != nil && in.Target.ConversationID != in.Latest.ConversationID
}

func (s *Store) update(pk, sk, expr, cond string, names map[string]string, values map[string]types.AttributeValue) types.TransactWriteItem {
	u := &types.Update{
		TableName:                 &s.table,
		Key:                       key(pk, sk),
		UpdateExpression:          aws.String(expr),
		ExpressionAttributeValues: values,
	}
	if len(names) > 0 {
		u.ExpressionAttributeNames = names
	}
	if cond != "" {
		u.ConditionExpression = aws.String(cond)
	}
	return types.TransactWriteItem{Update: u}
}

// SaveOutbound writes an agent's message in its conversation together with
// its dedupe record (the Slack event id). It returns inbox.ErrDuplicate for a seen dedupe key and
// inbox.ErrNotFound when the conversation does not exist.
func (s *Store) SaveOutbound(ctx context.Context, m inbox.Message, dedupeKey string) error {
	dedupe, err := s.dedupePut(dedupeKey, m, m.CreatedAt)
	if err != nil {
		return fmt.Errorf("build dedupe record %s: %w", dedupeKey, err)
	}
	msg, err := s.put(newMessageItem(m), "attribute_not_exists(PK)", nil)
	if err != nil {
		return fmt.Errorf("build message %s: %w", m.ID, err)
	}
	// The first response and the end of the customer's wait are recorded
	// when the reply is delivered (Answered): a withdrawn reply is none.
	conv := s.update(convPK(m.ConversationID), skConv, "SET lastActivityAt = :t", "attribute_exists(PK)", nil,
		map[string]types.AttributeValue{":t": str(formatTime(m.CreatedAt))})

	err = s.transact(ctx, "SaveOutbound", []types.TransactWriteItem{dedupe, msg, conv})
	if failed, ok := cancelled(err); ok {
		switch {
		case len(failed) > 0 && failed[0]:
			return fmt.Errorf("save outbound message %s: %w", dedupeKey, inbox.ErrDuplicate)
		case len(failed) > 2 && failed[2]:
			return fmt.Errorf("save outbound message in conversation %s: %w", m.ConversationID, inbox.ErrNotFound)
		}
		return fmt.Errorf("save outbound message %s: %w", m.ID, inbox.ErrConflict)
	}
	if err != nil {
		return fmt.Errorf("save outbound message %s in conversation %s: %w", m.ID, m.ConversationID, err)
	}
	return nil
}

// SetDelivery records the delivery state of an outbound message.
func (s *Store) SetDelivery(ctx context.Context, conversationID, messageID string, d inbox.Delivery, externalID, reason string) error {
	expr := "SET delivery = :d"
	values := map[string]types.AttributeValue{":d": str(string(d))}
	if externalID != "" {
		expr += ", externalId = :x"
		values[":x"] = str(externalID)
	}
	if reason != "" {
		expr += ", deliveryError = :r"
		values[":r"] = str(reason)
	} else {
		expr += " REMOVE deliveryError"
	}
	return s.updateOne(ctx, "SetDelivery", convPK(conversationID), msgSK(messageID), expr, values,
		fmt.Sprintf("set delivery of message %s in conversation %s to %s", messageID, conversationID, d))
}

// SetMessageSlackTS records where a message was posted in its Slack thread.
func (s *Store) SetMessageSlackTS(ctx context.Context, conversationID, messageID, ts string) error {
	return s.updateOne(ctx, "SetMessageSlackTS", convPK(conversationID), msgSK(messageID), "SET slackTs = :ts",
		map[string]types.AttributeValue{":ts": str(ts)},
		fmt.Sprintf("set slack ts of message %s in conversation %s", messageID, conversationID))
}

func (s *Store) updateOne(ctx context.Context, op, pk, sk, expr string, values map[string]types.AttributeValue, what string) error {
	res, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 &s.table,
		Key:                       key(pk, sk),
		UpdateExpression:          &expr,
		ConditionExpression:       aws.String("attribute_exists(PK)"),
		ExpressionAttributeValues: values,
		ReturnConsumedCapacity:    types.ReturnConsumedCapacityTotal,
	})
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		return fmt.Errorf("%s: %w", what, inbox.ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	if res.ConsumedCapacity != nil {
		s.observe(op, []types.ConsumedCapacity{*res.ConsumedCapacity})
	}
	return nil
}

// SetThread records the Slack thread of a conversation, once: a second
// thread for the same conversation fails with inbox.ErrConflict.
func (s *Store) SetThread(ctx context.Context, conversationID, channel, ts string) error {
	mapping, err := s.put(threadItem{PK: threadPK(channel, ts), SK: skThread, Type: "thread", ConversationID: conversationID}, "", nil)
	if err != nil {
		return fmt.Errorf("build thread mapping %s: %w", ts, err)
	}
	conv := s.update(convPK(conversationID), skConv, "SET slackChannel = :c, slackThreadTs = :ts",
		"attribute_exists(PK) AND attribute_not_exists(slackThreadTs)", nil,
		map[string]types.AttributeValue{":c": str(channel), ":ts": str(ts)})
	err = s.transact(ctx, "SetThread", []types.TransactWriteItem{conv, mapping})
	if _, ok := cancelled(err); ok {
		return fmt.Errorf("set slack thread of conversation %s: %w", conversationID, inbox.ErrConflict)
	}
	if err != nil {
		return fmt.Errorf("set slack thread of conversation %s: %w", conversationID, err)
	}
	return nil
}
