package store

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/switchboard-inbox/switchboard/shared/inbox"
)

// conversationRetries bounds how often an event re-reads a conversation
// that changed under it before giving up with inbox.ErrConflict.
const conversationRetries = 5

// Answered records that a public reply reached the customer: the first
// response, if none came before, the end of the customer's wait, unless
// they wrote again after the reply was written, and the reply's counters
// (messages out, the interaction's first response time, and a reply time
// for every customer message the reply answers). The reply's message item
// is marked in the same transaction, so a redelivered job counts nothing.
func (s *Store) Answered(ctx context.Context, conversationID string, reply inbox.Message) error {
	what := fmt.Sprintf("record answer %s in conversation %s", reply.ID, conversationID)
	for range conversationRetries {
		var it conversationItem
		if err := s.get(ctx, convPK(conversationID), skConv, &it); err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		items := s.answeredItems(it, reply)
		err := s.transact(ctx, "Answered", items)
		if failed, ok := cancelled(err); ok {
			if failedAt(failed, 0) {
				return nil // counted before: a redelivery
			}
			continue // the conversation changed since it was read
		}
		if err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		return nil
	}
	return fmt.Errorf("%s: %w", what, inbox.ErrConflict)
}

func (s *Store) answeredItems(it conversationItem, reply inbox.Message) []types.TransactWriteItem {
	at := reply.CreatedAt
	conv := it.conversation()
	waiting := it.WaitingTimes
	if len(waiting) == 0 && it.WaitingSince != "" {
		// Written before waiting times were kept: one wait, from its start.
		waiting = []string{it.WaitingSince}
	}
	var answered []time.Time
	var still []string
	if conv.Status == inbox.StatusResolved && at.After(conv.ResolvedAt) {
		// Written after the interaction ended: what it left unanswered
		// stays so, as the definition says.
		waiting = nil
	}
	for _, w := range waiting {
		if t := parseTime(w); !t.After(at) {
			answered = append(answered, t)
		} else {
			still = append(still, w)
		}
	}
	slices.SortFunc(answered, func(a, b time.Time) int { return a.Compare(b) })

	mark := s.update(convPK(conv.ID), msgSK(reply.ID), "SET countedAt = :t",
		"attribute_exists(PK) AND attribute_not_exists(countedAt)", nil,
		map[string]types.AttributeValue{":t": str(formatTime(at))})

	expr := "SET firstResponseAt = if_not_exists(firstResponseAt, :t)"
	values := map[string]types.AttributeValue{":t": str(formatTime(at)), ":k": num(int64(conv.ReopenCount))}
	if len(still) > 0 {
		expr += ", waitingSince = :since, waitingTimes = :still"
		values[":since"] = str(slices.Min(still))
		values[":still"] = strList(still)
	}
	counts := newTally()
	day, rows := s.day(at), conversationRows(conv, reply.AgentID, reply.AgentName)
	counts.add(day, rows, one(inbox.CounterMessagesOut))
	first := len(answered) > 0 && it.Responded <= conv.ReopenCount
	if first {
		expr += ", responded = :responded"
		values[":responded"] = num(int64(conv.ReopenCount + 1))
		counts.add(day, rows, inbox.TimingCounts(inbox.TimingFirstResponse, at.Sub(answered[0]), s.Hours, answered[0], at)...)
	}
	for _, t := range answered {
		counts.add(day, rows, inbox.TimingCounts(inbox.TimingReply, at.Sub(t), s.Hours, t, at)...)
	}
	if len(still) == 0 {
		expr += " REMOVE waitingSince, waitingTimes"
	}
	// Conditioned on the conversation as read: a customer message or a
	// resolution in between changes which messages this reply answers.
	cond := "attribute_exists(PK) AND reopenCount = :k"
	if conv.ReopenCount == 0 {
		cond = "attribute_exists(PK) AND (attribute_not_exists(reopenCount) OR reopenCount = :k)"
	}
	if len(it.WaitingTimes) == 0 {
		cond += " AND attribute_not_exists(waitingTimes)"
	} else {
		cond += " AND waitingTimes = :waiting"
		values[":waiting"] = strList(it.WaitingTimes)
	}
	update := s.update(convPK(conv.ID), skConv, expr, cond, nil, values)
	return append([]types.TransactWriteItem{mark, update}, s.tallyItems(counts)...)
}

func strList(ss []string) types.AttributeValue {
	l := make([]types.AttributeValue, len(ss))
	for i, v := range ss {
		l[i] = str(v)
	}
	return &types.AttributeValueMemberL{Value: l}
}
