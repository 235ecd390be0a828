package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/switchboard-inbox/switchboard/shared/inbox"
)

// activityItem marks a customer active in a period: the conversations
// they wrote in, and the segment of their last rating as it stood during
// the period (final once the period is over).
type activityItem struct {
	PK            string
	SK            string
	Type          string   `dynamodbav:"type"`
	CustomerID    string   `dynamodbav:"customerId"`
	Period        string   `dynamodbav:"period"`
	Conversations []string `dynamodbav:"convs,stringset,omitempty"`
	Segment       string   `dynamodbav:"segment"`
	SegmentAt     string   `dynamodbav:"segmentAt,omitempty"`
}

const activityPrefix = "ACTIVE#"

func activitySK(period string) string { return activityPrefix + period }

// dormantPartition is GSI3's partition of customers by when they become
// dormant (snoozed conversations have their own).
const dormantPartition = "DORMANT"

// RecordActivity counts a customer message towards retention and the
// dormant list: the customer active in the message's month and quarter
// (once per conversation and period), and, when the message started an
// interaction, a contact. Each count is tied to an item it changes under
// a condition (the period's marker, the customer's last contact), so a
// redelivered job counts nothing.
func (s *Store) RecordActivity(ctx context.Context, conversationID string, m inbox.Message) error {
	if m.Direction != inbox.DirectionIn {
		return nil
	}
	what := fmt.Sprintf("record activity of message %s in conversation %s", m.ID, conversationID)
	for range conversationRetries {
		var conv conversationItem
		if err := s.get(ctx, convPK(conversationID), skConv, &conv); err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		c := conv.conversation()
		at := m.CreatedAt
		contact := at.Equal(c.OpenedAt) || c.ReopenCount > 0 && at.Equal(c.ReopenedAt)
		periods := map[inbox.PeriodKind]string{}
		for _, k := range inbox.PeriodKinds {
			periods[k] = inbox.Period(k, at, s.Location)
		}
		if !contact && conv.ActiveMonth == periods[inbox.PeriodMonth] && conv.ActiveQuarter == periods[inbox.PeriodQuarter] {
			return nil
		}
		items, err := s.activityItems(ctx, c, at, contact, periods)
		if err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		items = append(items, s.update(convPK(conversationID), skConv, "SET activeMonth = :m, activeQuarter = :q", "attribute_exists(PK)", nil,
			map[string]types.AttributeValue{":m": str(periods[inbox.PeriodMonth]), ":q": str(periods[inbox.PeriodQuarter])}))
		err = s.transact(ctx, "RecordActivity", items)
		if _, ok := cancelled(err); ok {
			continue // a marker or the customer changed since they were read
		}
		if err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		return nil
	}
	return fmt.Errorf("%s: %w", what, inbox.ErrConflict)
}

func (s *Store) activityItems(ctx context.Context, c inbox.Conversation, at time.Time, contact bool, periods map[inbox.PeriodKind]string) ([]types.TransactWriteItem, error) {
	var cust customerItem
	if err := s.get(ctx, customerPK(c.CustomerID), skCustomer, &cust); err != nil {
		return nil, fmt.Errorf("read customer %s: %w", c.CustomerID, err)
	}
	counts := newTally()
	var items []types.TransactWriteItem
	for _, k := range inbox.PeriodKinds {
		period := periods[k]
		cur, err := s.activity(ctx, c.CustomerID, period)
		if err != nil {
			return nil, err
		}
		if cur != nil && contains(cur.Conversations, c.ID) {
			continue
		}
		prevPeriod, _ := inbox.ShiftPeriod(period, -1)
		nextPeriod, _ := inbox.ShiftPeriod(period, 1)
		n := 0
		if cur != nil {
			n = len(cur.Conversations)
		}
		segment := inbox.SegmentOf(cust.LastCSAT)
		values := map[string]types.AttributeValue{
			":id": &types.AttributeValueMemberSS{Value: []string{c.ID}}, ":type": str("activity"),
			":customer": str(c.CustomerID), ":period": str(period), ":segment": str(segment),
			":segmentAt": str(cust.LastCSATAt),
		}
		cond := "attribute_not_exists(PK)"
		if n > 0 {
			cond = "size(convs) = :n"
			values[":n"] = num(int64(n))
		}
		items = append(items, s.update(customerPK(c.CustomerID), activitySK(period),
			"SET #type = :type, customerId = :customer, #period = :period, #segment = if_not_exists(#segment, :segment), segmentAt = if_not_exists(segmentAt, :segmentAt) ADD convs :id",
			cond, map[string]string{"#type": "type", "#period": "period", "#segment": "segment"}, values))
		switch n {
		case 0:
			counts.addPeriod(period, one(inbox.CounterActive))
			if inbox.Period(k, parseTime(cust.CreatedAt), s.Location) == period {
				counts.addPeriod(period, one(inbox.CounterNew))
			}
			counts.addPeriod(nextPeriod, one(inbox.CounterPreviousBySegment(segment)))
			prev, err := s.activity(ctx, c.CustomerID, prevPeriod)
			if err != nil {
				return nil, err
			}
			if prev != nil {
				counts.addPeriod(period, one(inbox.CounterRetained), one(inbox.CounterRetainedBySegment(prev.Segment)))
			}
		case 1:
			counts.addPeriod(period, one(inbox.CounterRepeat))
		}
	}
	if last := parseTime(cust.LastContactAt); contact && at.After(last) {
		items = append(items, s.contactUpdate(cust, c.Channel, at))
	}
	return append(items, s.tallyItems(counts)...), nil
}

// contactUpdate records an interaction's start on the customer, and when
// they will become dormant if they do not write again.
func (s *Store) contactUpdate(cust customerItem, ch inbox.Channel, at time.Time) types.TransactWriteItem {
	first := parseTime(cust.FirstContactAt)
	if first.IsZero() {
		first = at
	}
	contacts := inbox.Contacts{First: first, Last: at, Count: cust.Contacts + 1}
	dormantAt := contacts.DormantAt(s.dormantAfter())
	values := map[string]types.AttributeValue{
		":t": str(formatTime(at)), ":first": str(formatTime(first)), ":n": num(int64(contacts.Count)),
		":ch": str(string(ch)), ":pk": str(dormantPartition), ":sk": str(formatTime(dormantAt) + "#" + cust.ID),
	}
	cond := "attribute_exists(PK) AND attribute_not_exists(lastContactAt)"
	if cust.LastContactAt != "" {
		cond = "lastContactAt = :last"
		values[":last"] = str(cust.LastContactAt)
	}
	return s.update(customerPK(cust.ID), skCustomer,
		"SET firstContactAt = :first, lastContactAt = :t, contacts = :n, lastContactChannel = :ch, GSI3PK = :pk, GSI3SK = :sk",
		cond, nil, values)
}

func (s *Store) dormantAfter() time.Duration {
	if s.DormantAfter > 0 {
		return s.DormantAfter
	}
	return inbox.DefaultDormantAfter
}

func (s *Store) activity(ctx context.Context, customerID, period string) (*activityItem, error) {
	var it activityItem
	err := s.get(ctx, customerPK(customerID), activitySK(period), &it)
	if errors.Is(err, inbox.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read activity of customer %s in %s: %w", customerID, period, err)
	}
	return &it, nil
}

func contains(ss []string, s string) bool {
	for _, v := range ss {
		if v == s {
			return true
		}
	}
	return false
}

// RatingSegment moves a customer who rated at `at` into the segment of
// that score for the periods the rating falls in, when they are active in
// them: retention by last rating reads the segment a period ended with.
// A newer answer already recorded wins, so jobs may run in any order.
func (s *Store) RatingSegment(ctx context.Context, customerID string, score int, at time.Time) error {
	segment := inbox.SegmentOf(score)
	for _, k := range inbox.PeriodKinds {
		period := inbox.Period(k, at, s.Location)
		what := fmt.Sprintf("move customer %s to rating segment %s in %s", customerID, segment, period)
		for attempt := 0; ; attempt++ {
			cur, err := s.activity(ctx, customerID, period)
			if err != nil {
				return fmt.Errorf("%s: %w", what, err)
			}
			if cur == nil || cur.Segment == segment || !parseTime(cur.SegmentAt).Before(at) {
				break
			}
			next, _ := inbox.ShiftPeriod(period, 1)
			counts := newTally()
			counts.addPeriod(next, inbox.Count{Name: inbox.CounterPreviousBySegment(cur.Segment), N: -1},
				one(inbox.CounterPreviousBySegment(segment)))
			// Markers the rebuild wrote have no segmentAt.
			cond := "#segment = :old AND (attribute_not_exists(segmentAt) OR segmentAt = :oldAt)"
			if cur.SegmentAt != "" {
				cond = "#segment = :old AND segmentAt = :oldAt"
			}
			items := append([]types.TransactWriteItem{s.update(customerPK(customerID), activitySK(period),
				"SET #segment = :new, segmentAt = :at", cond, map[string]string{"#segment": "segment"},
				map[string]types.AttributeValue{
					":new": str(segment), ":at": str(formatTime(at)), ":old": str(cur.Segment), ":oldAt": str(cur.SegmentAt),
				})}, s.tallyItems(counts)...)
			err = s.transact(ctx, "RatingSegment", items)
			if _, ok := cancelled(err); ok && attempt < conversationRetries {
				continue
			}
			if err != nil {
				return fmt.Errorf("%s: %w", what, err)
			}
			break
		}
	}
	return nil
}
