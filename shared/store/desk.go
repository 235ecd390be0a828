package store

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/switchboard-inbox/switchboard/shared/inbox"
)

// The state changes agents make. Each is one conditional write that fails
// with inbox.ErrConflict when it would change nothing (resolving a resolved
// conversation, assigning it to its assignee), so a retried Slack action
// or event does its work, and announces it, once.

var statusName = map[string]string{"#status": "status"}

// Assign makes an agent the conversation's owner.
func (s *Store) Assign(ctx context.Context, conversationID, agentID, agentName string) error {
	_, err := s.updateIf(ctx, "Assign", convPK(conversationID), skConv,
		"SET assigneeId = :a, assigneeName = :n",
		"attribute_exists(PK) AND (attribute_not_exists(assigneeId) OR assigneeId <> :a)", nil,
		map[string]types.AttributeValue{":a": str(agentID), ":n": str(agentName)},
		fmt.Sprintf("assign conversation %s to %s", conversationID, agentID))
	return err
}

// SetPriority is an agent's choice of priority, which later triage keeps.
func (s *Store) SetPriority(ctx context.Context, conversationID string, p inbox.Priority) error {
	_, err := s.updateIf(ctx, "SetPriority", convPK(conversationID), skConv,
		"SET priority = :p, priorityByAgent = :yes", "attribute_exists(PK) AND (attribute_not_exists(priorityByAgent) OR priority <> :p)", nil,
		map[string]types.AttributeValue{":p": str(string(p)), ":yes": &types.AttributeValueMemberBOOL{Value: true}},
		fmt.Sprintf("set priority of conversation %s to %s", conversationID, p))
	return err
}

// SetTriage stores triage's conclusions, and its priority unless an agent
// has chosen one. The triage counters follow the conversation's current
// category and priority on the day it opened, so a second opinion moves
// the count rather than adding one; a model's call adds its tokens.
func (s *Store) SetTriage(ctx context.Context, conversationID string, t inbox.Triage) error {
	av, err := attributevalue.Marshal(newTriageItem(t))
	if err != nil {
		return fmt.Errorf("encode triage of conversation %s: %w", conversationID, err)
	}
	what := fmt.Sprintf("set triage of conversation %s", conversationID)
	for range conversationRetries {
		var it conversationItem
		if err := s.get(ctx, convPK(conversationID), skConv, &it); err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		expr := "SET triage = :t"
		values := map[string]types.AttributeValue{":t": av}
		cond := "attribute_exists(PK) AND attribute_not_exists(triage)"
		if !it.PriorityByAgent {
			expr += ", priority = :p"
			values[":p"] = str(string(t.Priority))
			cond += " AND attribute_not_exists(priorityByAgent)"
		}
		if old := it.Triage; old != nil {
			cond = strings.Replace(cond, "attribute_not_exists(triage)", "triage.category = :oldCategory AND triage.priority = :oldPriority", 1)
			values[":oldCategory"], values[":oldPriority"] = str(old.Category), str(old.Priority)
		}
		items := append([]types.TransactWriteItem{s.update(convPK(conversationID), skConv, expr, cond, nil, values)},
			s.tallyItems(s.triageCounts(it, t))...)
		err := s.transact(ctx, "SetTriage", items)
		if _, ok := cancelled(err); ok {
			continue
		}
		if err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		return nil
	}
	return fmt.Errorf("%s: %w", what, inbox.ErrConflict)
}

func (s *Store) triageCounts(it conversationItem, t inbox.Triage) *tally {
	counts := newTally()
	opened := s.day(parseTime(it.OpenedAt))
	rows := func(category, priority string) []inbox.StatRow {
		return []inbox.StatRow{
			{Dimension: inbox.DimensionCategory, Value: category},
			{Dimension: inbox.DimensionPriority, Value: priority},
		}
	}
	if old := it.Triage; old == nil {
		counts.add(opened, []inbox.StatRow{{Dimension: inbox.DimensionAll}}, one(inbox.CounterTriaged))
	} else {
		counts.add(opened, rows(old.Category, old.Priority), inbox.Count{Name: inbox.CounterTriaged, N: -1})
	}
	counts.add(opened, rows(t.Category, string(t.Priority)), one(inbox.CounterTriaged))
	if t.Source == inbox.TriageByModel {
		counts.add(s.day(s.Now()), []inbox.StatRow{{Dimension: inbox.DimensionAll}},
			one(inbox.CounterTriageCalls),
			inbox.Count{Name: inbox.CounterPromptTokens, N: int64(t.PromptTokens)},
			inbox.Count{Name: inbox.CounterCompletionTokens, N: int64(t.CompletionTokens)})
	}
	return counts
}

// Snooze hides a conversation until the given time, when the waker opens
// it again. A resolved conversation cannot be snoozed.
func (s *Store) Snooze(ctx context.Context, conversationID string, until time.Time) error {
	_, err := s.updateIf(ctx, "Snooze", convPK(conversationID), skConv,
		"SET #status = :snoozed, snoozedUntil = :until, GSI3PK = :pk, GSI3SK = :sk",
		"attribute_exists(PK) AND #status <> :resolved AND (attribute_not_exists(snoozedUntil) OR snoozedUntil <> :until)", statusName,
		map[string]types.AttributeValue{
			":snoozed": str(string(inbox.StatusSnoozed)), ":resolved": str(string(inbox.StatusResolved)),
			":until": str(formatTime(until)), ":pk": str(snoozedPartition), ":sk": str(snoozedSK(until, conversationID)),
		},
		fmt.Sprintf("snooze conversation %s until %s", conversationID, until.Format(time.RFC3339)))
	return err
}

// Wake opens a snoozed conversation whose time has come.
func (s *Store) Wake(ctx context.Context, conversationID string, now time.Time) error {
	_, err := s.updateIf(ctx, "Wake", convPK(conversationID), skConv,
		"SET #status = :open REMOVE snoozedUntil, GSI3PK, GSI3SK",
		"#status = :snoozed AND snoozedUntil <= :now", statusName,
		map[string]types.AttributeValue{
			":open": str(string(inbox.StatusOpen)), ":snoozed": str(string(inbox.StatusSnoozed)),
			":now": str(formatTime(now)),
		},
		fmt.Sprintf("wake conversation %s", conversationID))
	return err
}

// DueSnoozes returns snoozed conversations that should be awake at now,
// soonest first.
func (s *Store) DueSnoozes(ctx context.Context, now time.Time, limit int) ([]inbox.Conversation, error) {
	convs, err := s.conversations(ctx, &dynamodb.QueryInput{
		TableName:              &s.table,
		IndexName:              aws.String("GSI3"),
		KeyConditionExpression: aws.String("GSI3PK = :pk AND GSI3SK < :due"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			// "~" sorts after every id, so the bound takes ids due at now.
			":pk": str(snoozedPartition), ":due": str(formatTime(now) + "#~"),
		},
	}, limit)
	if err != nil {
		return nil, fmt.Errorf("query snoozed conversations due at %s: %w", now.Format(time.RFC3339), err)
	}
	return convs, nil
}

// Reopen opens a resolved conversation again at an agent's request.
func (s *Store) Reopen(ctx context.Context, conversationID string, at time.Time) error {
	open := str(string(inbox.StatusOpen))
	return s.setResolution(ctx, "reopen", conversationID,
		update{
			expr: "SET #status = :open, lastActivityAt = :at, reopenedAt = :at, GSI2PK = :openPK, GSI2SK = :openSK REMOVE resolvedAt, waitingTimes ADD reopenCount :one",
			cond: "#status = :resolved",
			values: map[string]types.AttributeValue{
				":open": open, ":resolved": str(string(inbox.StatusResolved)), ":at": str(formatTime(at)),
				":openPK": str(openPartition), ":openSK": str(openSK(at, conversationID)), ":one": num(1),
			},
		},
		update{
			// A digit after a reopening answers nothing of the old interaction.
			expr:   "SET conversationStatus = :open REMOVE conversationResolvedAt, surveyConversationId, surveyInteraction, surveyUntil",
			values: map[string]types.AttributeValue{":open": open},
		},
		func(c inbox.Conversation) ([]types.TransactWriteItem, error) {
			if c.Status != inbox.StatusResolved {
				return nil, inbox.ErrConflict
			}
			counts := newTally()
			counts.add(s.day(at), channelRows(c.Channel), one(inbox.CounterReopened))
			counts.addTotals(channelRows(c.Channel), one(inbox.CounterOpen))
			return s.tallyItems(counts), nil
		})
}

// Resolve marks a conversation resolved at the given time and takes it off
// the open and snoozed queues; its identity remembers when, for reopening.
// The interaction it ends is written as an item of its own, with its
// counters, credited to the assignee or else to the agent who resolved.
func (s *Store) Resolve(ctx context.Context, conversationID string, at time.Time, by inbox.Agent) error {
	resolved, when := str(string(inbox.StatusResolved)), str(formatTime(at))
	return s.setResolution(ctx, "resolve", conversationID,
		update{
			// waitingTimes stay: a reply written before the resolution may
			// still be on its way, and answers them when it arrives.
			expr:   "SET #status = :resolved, resolvedAt = :at REMOVE GSI2PK, GSI2SK, GSI3PK, GSI3SK, snoozedUntil, waitingSince",
			cond:   "attribute_exists(PK) AND #status <> :resolved",
			values: map[string]types.AttributeValue{":resolved": resolved, ":at": when},
		},
		update{
			expr:   "SET conversationStatus = :resolved, conversationResolvedAt = :at",
			values: map[string]types.AttributeValue{":resolved": resolved, ":at": when},
		},
		func(c inbox.Conversation) ([]types.TransactWriteItem, error) {
			if c.Status == inbox.StatusResolved {
				return nil, inbox.ErrConflict
			}
			in := inbox.Interaction{
				ConversationID: c.ID, Number: c.ReopenCount, Start: c.InteractionStart(), ResolvedAt: at,
				Channel: c.Channel, Category: categoryOf(c), AgentID: c.AssigneeID, AgentName: c.AssigneeName,
			}
			if in.AgentID == "" {
				in.AgentID, in.AgentName = by.ID, by.Name
			}
			item, err := s.put(newInteractionItem(in), "attribute_not_exists(PK)", nil)
			if err != nil {
				return nil, err
			}
			counts := newTally()
			rows := conversationRows(c, in.AgentID, in.AgentName)
			counts.add(s.day(at), rows, one(inbox.CounterResolved))
			counts.add(s.day(at), rows, inbox.TimingCounts(inbox.TimingResolution, at.Sub(in.Start), s.Hours, in.Start, at)...)
			counts.addTotals(channelRows(c.Channel), inbox.Count{Name: inbox.CounterOpen, N: -1})
			return append([]types.TransactWriteItem{item}, s.tallyItems(counts)...), nil
		})
}

type update struct {
	expr, cond string
	values     map[string]types.AttributeValue
}

// setResolution changes a conversation's status together with the mirror
// of it on its identity and the change's counters (extra, built from the
// conversation as read, which fails with inbox.ErrConflict when the
// change would change nothing). The identity's condition names the
// conversation, so when the customer has started a newer one on the same
// address the identity keeps that one and only the conversation changes.
func (s *Store) setResolution(ctx context.Context, op, conversationID string, conv, ident update, extra func(inbox.Conversation) ([]types.TransactWriteItem, error)) error {
	what := fmt.Sprintf("%s conversation %s", op, conversationID)
	for range conversationRetries {
		c, err := s.Conversation(ctx, conversationID)
		if err != nil {
			return fmt.Errorf("%s: %w", op, err)
		}
		more, err := extra(c)
		if err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		// Conditioned on the interaction as read: the counters were built
		// from it.
		conv := conv
		conv.values = maps.Clone(conv.values)
		conv.values[":k"] = num(int64(c.ReopenCount))
		conv.cond += " AND " + reopenCountIs(c.ReopenCount)
		ident.values[":id"] = str(conversationID)
		items := append([]types.TransactWriteItem{
			s.update(convPK(conversationID), skConv, conv.expr, conv.cond, statusName, conv.values),
			s.update(identityPK(c.Channel, c.Address), skIdentity, ident.expr, "conversationId = :id", nil, ident.values),
		}, more...)
		err = s.transact(ctx, op, items)
		if failed, ok := cancelled(err); ok {
			if failedAt(failed, 0) || !failedAt(failed, 1) {
				continue
			}
			// Only the identity's condition failed: it names a newer conversation.
			items = append(items[:1], items[2:]...)
			err = s.transact(ctx, op, items)
			if _, ok := cancelled(err); ok {
				continue
			}
		}
		if err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		return nil
	}
	return fmt.Errorf("%s: %w", what, inbox.ErrConflict)
}

func reopenCountIs(k int) string {
	if k == 0 {
		return "(attribute_not_exists(reopenCount) OR reopenCount = :k)"
	}
	return "reopenCount = :k"
}

// Profile returns what is known of a customer across conversations: the
// customer item, read consistently (the router reads it moments after
// ingest wrote it), and the identities from GSI1, where a just-written
// one may be missing for a moment.
func (s *Store) Profile(ctx context.Context, customerID string) (inbox.Profile, error) {
	var it customerItem
	if err := s.get(ctx, customerPK(customerID), skCustomer, &it); err != nil {
		return inbox.Profile{}, fmt.Errorf("get customer %s: %w", customerID, err)
	}
	p := inbox.Profile{
		Customer:      inbox.Customer{ID: it.ID, Name: it.Name, Email: it.Email, CreatedAt: parseTime(it.CreatedAt)},
		Conversations: it.ConversationCount, PreviousOpenedAt: parseTime(it.PreviousOpenedAt), LastCSAT: it.LastCSAT,
	}
	err := s.query(ctx, &dynamodb.QueryInput{
		TableName:              &s.table,
		IndexName:              aws.String("GSI1"),
		KeyConditionExpression: aws.String("GSI1PK = :pk AND begins_with(GSI1SK, :ident)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pk": str(customerPK(customerID)), ":ident": str(identityPrefix),
		},
	}, func(item map[string]types.AttributeValue) error {
		var it identityItem
		if err := attributevalue.UnmarshalMap(item, &it); err != nil {
			return err
		}
		id, _ := it.identity()
		p.Identities = append(p.Identities, id)
		return nil
	})
	if err != nil {
		return inbox.Profile{}, fmt.Errorf("query identities of customer %s: %w", customerID, err)
	}
	return p, nil
}

// MessageBySlackTS finds the message of a conversation that was posted
// (or written) in Slack at ts.
func (s *Store) MessageBySlackTS(ctx context.Context, conversationID, ts string) (inbox.Message, error) {
	var found *inbox.Message
	err := s.query(ctx, &dynamodb.QueryInput{
		TableName:                 &s.table,
		KeyConditionExpression:    aws.String("PK = :pk AND begins_with(SK, :prefix)"),
		FilterExpression:          aws.String("slackTs = :ts"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(convPK(conversationID)), ":prefix": str(msgPrefix), ":ts": str(ts)},
		ConsistentRead:            aws.Bool(true),
	}, func(item map[string]types.AttributeValue) error {
		var msgs []inbox.Message
		if err := appendMessage(&msgs, item); err != nil {
			return err
		}
		found = &msgs[0]
		return errStop
	})
	if err != nil {
		return inbox.Message{}, fmt.Errorf("find message at slack ts %s in conversation %s: %w", ts, conversationID, err)
	}
	if found == nil {
		return inbox.Message{}, fmt.Errorf("find message at slack ts %s in conversation %s: %w", ts, conversationID, inbox.ErrNotFound)
	}
	return *found, nil
}

// EditQueued replaces the text of an outbound message that has not been
// claimed for sending. On inbox.ErrConflict it returns the message as it
// is, whose Delivery says why it was too late.
func (s *Store) EditQueued(ctx context.Context, conversationID, messageID, text string) (inbox.Message, error) {
	return s.updateMessage(ctx, "EditQueued", conversationID, messageID,
		"SET #text = :text", "delivery = :queued", map[string]string{"#text": "text"},
		map[string]types.AttributeValue{":text": str(text), ":queued": str(string(inbox.DeliveryQueued))},
		fmt.Sprintf("edit queued message %s of conversation %s", messageID, conversationID))
}

// CancelQueued withdraws an outbound message that has not been claimed for
// sending; on inbox.ErrConflict it returns the message as it is.
func (s *Store) CancelQueued(ctx context.Context, conversationID, messageID string) (inbox.Message, error) {
	return s.updateMessage(ctx, "CancelQueued", conversationID, messageID,
		"SET delivery = :cancelled", "delivery = :queued", nil,
		map[string]types.AttributeValue{
			":cancelled": str(string(inbox.DeliveryCancelled)), ":queued": str(string(inbox.DeliveryQueued)),
		},
		fmt.Sprintf("cancel queued message %s of conversation %s", messageID, conversationID))
}

// ClaimDelivery marks an outbound message as being sent and returns it as
// it now is, so the dispatcher sends the latest edit and an edit or a
// deletion after this point is refused. A message claimed before (a retry
// after a crash) can be claimed again; anything else is inbox.ErrConflict,
// returned with the message as it is.
func (s *Store) ClaimDelivery(ctx context.Context, conversationID, messageID string) (inbox.Message, error) {
	return s.updateMessage(ctx, "ClaimDelivery", conversationID, messageID,
		"SET delivery = :sending", "delivery IN (:queued, :sending)", nil,
		map[string]types.AttributeValue{
			":sending": str(string(inbox.DeliverySending)), ":queued": str(string(inbox.DeliveryQueued)),
		},
		fmt.Sprintf("claim message %s of conversation %s for delivery", messageID, conversationID))
}

// updateMessage is updateIf on a message item, decoded.
func (s *Store) updateMessage(ctx context.Context, op, conversationID, messageID, expr, cond string, names map[string]string, values map[string]types.AttributeValue, what string) (inbox.Message, error) {
	item, err := s.updateIf(ctx, op, convPK(conversationID), msgSK(messageID), expr, cond, names, values, what)
	if item == nil {
		return inbox.Message{}, err
	}
	var msgs []inbox.Message
	if decodeErr := appendMessage(&msgs, item); decodeErr != nil {
		return inbox.Message{}, fmt.Errorf("decode message %s: %w", messageID, decodeErr)
	}
	return msgs[0], err
}

// updateIf runs one conditional UpdateItem and returns the item after it.
// A failed condition is inbox.ErrNotFound when the item does not exist and
// inbox.ErrConflict when it does, returned with the item as it was.
func (s *Store) updateIf(ctx context.Context, op, pk, sk, expr, cond string, names map[string]string, values map[string]types.AttributeValue, what string) (map[string]types.AttributeValue, error) {
	in := &dynamodb.UpdateItemInput{
		TableName:                           &s.table,
		Key:                                 key(pk, sk),
		UpdateExpression:                    &expr,
		ConditionExpression:                 &cond,
		ExpressionAttributeValues:           values,
		ReturnValues:                        types.ReturnValueAllNew,
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
		ReturnConsumedCapacity:              types.ReturnConsumedCapacityTotal,
	}
	if len(names) > 0 {
		in.ExpressionAttributeNames = names
	}
	res, err := s.db.UpdateItem(ctx, in)
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		if len(ccf.Item) == 0 {
			return nil, fmt.Errorf("%s: %w", what, inbox.ErrNotFound)
		}
		return ccf.Item, fmt.Errorf("%s: %w", what, inbox.ErrConflict)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	if res.ConsumedCapacity != nil {
		s.observe(op, []types.ConsumedCapacity{*res.ConsumedCapacity})
	}
	return res.Attributes, nil
}
