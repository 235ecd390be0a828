package store

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/switchboard-inbox/switchboard/shared/inbox"
	"github.com/switchboard-inbox/switchboard/shared/rebuild"
)

// The store is the rebuild's source and sink: it scans what is stored
// and replaces the counters with the recount. A scan reads the whole
// table, which is why nothing but the rebuild ever scans.

// Customers calls fn with every customer.
func (s *Store) Customers(ctx context.Context, fn func(inbox.Customer) error) error {
	return s.scanTypes(ctx, []string{"customer"}, func(item map[string]types.AttributeValue) error {
		var it customerItem
		if err := attributevalue.UnmarshalMap(item, &it); err != nil {
			return fmt.Errorf("decode customer: %w", err)
		}
		return fn(inbox.Customer{ID: it.ID, Name: it.Name, Email: it.Email, CreatedAt: parseTime(it.CreatedAt)})
	})
}

// Conversations calls fn with every conversation, its messages in order,
// its ratings and its resolved interactions. It gathers the table's items
// by conversation first, so it holds them all at once: about a kilobyte
// per message, which a 1 GB function fits some hundreds of thousands of.
func (s *Store) Conversations(ctx context.Context, fn func(rebuild.Conversation) error) error {
	byID := map[string]*rebuild.Conversation{}
	get := func(id string) *rebuild.Conversation {
		c, ok := byID[id]
		if !ok {
			c = &rebuild.Conversation{}
			byID[id] = c
		}
		return c
	}
	err := s.scanTypes(ctx, []string{"conversation", "message", "rating", "interaction"}, func(item map[string]types.AttributeValue) error {
		pk, _ := item["PK"].(*types.AttributeValueMemberS)
		kind, _ := item["type"].(*types.AttributeValueMemberS)
		if pk == nil || kind == nil {
			return nil
		}
		c := get(strings.TrimPrefix(pk.Value, "CONV#"))
		switch kind.Value {
		case "conversation":
			var it conversationItem
			if err := attributevalue.UnmarshalMap(item, &it); err != nil {
				return fmt.Errorf("decode conversation: %w", err)
			}
			c.Conversation = it.conversation()
		case "message":
			return appendMessage(&c.Messages, item)
		case "rating":
			var it ratingItem
			if err := attributevalue.UnmarshalMap(item, &it); err != nil {
				return fmt.Errorf("decode rating: %w", err)
			}
			c.Ratings = append(c.Ratings, it.rating())
		case "interaction":
			var it interactionItem
			if err := attributevalue.UnmarshalMap(item, &it); err != nil {
				return fmt.Errorf("decode interaction: %w", err)
			}
			c.Interactions = append(c.Interactions, it.interaction())
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, id := range slices.Sorted(maps.Keys(byID)) {
		c := byID[id]
		if c.Conversation.ID == "" {
			continue // parts of a conversation that is gone
		}
		slices.SortFunc(c.Messages, func(a, b inbox.Message) int { return strings.Compare(a.ID, b.ID) })
		slices.SortFunc(c.Interactions, func(a, b inbox.Interaction) int { return a.Number - b.Number })
		if err := fn(*c); err != nil {
			return err
		}
	}
	return nil
}

// TokenStats returns the day rows that hold token counters, with those
// counters only.
func (s *Store) TokenStats(ctx context.Context) ([]inbox.Stat, error) {
	var stats []inbox.Stat
	tokens := []string{inbox.CounterTriageCalls, inbox.CounterPromptTokens, inbox.CounterCompletionTokens}
	err := s.scanTypes(ctx, []string{"stat"}, func(item map[string]types.AttributeValue) error {
		st, err := decodeStat(item)
		if err != nil || st.Day == "" || !validDay(st.Day) {
			return err
		}
		kept := map[string]int64{}
		for _, name := range tokens {
			if n := st.Counters[name]; n != 0 {
				kept[name] = n
			}
		}
		if len(kept) > 0 {
			st.Counters = kept
			stats = append(stats, st)
		}
		return nil
	})
	return stats, err
}

// Replace puts the recount in place of every counter row, activity marker
// and customer contact kept so far: rows the recount does not have are
// deleted. Events counted while it runs may be lost or counted twice, so
// run it when the inbox is quiet, and again if in doubt.
func (s *Store) Replace(ctx context.Context, r rebuild.Result) error {
	keep := map[string]bool{}
	var puts []map[string]types.AttributeValue
	addRow := func(pk, sk string, st inbox.Stat) {
		keep[pk+"|"+sk] = true
		item := map[string]types.AttributeValue{
			"PK": str(pk), "SK": str(sk), "type": str("stat"), "day": str(st.Day),
			"dimension": str(st.Dimension), "value": str(st.Value),
		}
		if st.Name != "" {
			item["name"] = str(st.Name)
		}
		for name, n := range st.Counters {
			item[name] = num(n)
		}
		puts = append(puts, item)
	}
	for _, st := range r.Days {
		row := inbox.StatRow{Dimension: st.Dimension, Value: st.Value}
		addRow(statPK(st.Day), statSK(st.Day, row), st)
	}
	for _, st := range r.Totals {
		addRow(totalsPK, totalsSK(inbox.StatRow{Dimension: st.Dimension, Value: st.Value}), st)
	}
	for _, st := range r.Periods {
		addRow(periodPK(st.Day), periodSK(st.Day), st)
	}
	for _, m := range r.Markers {
		it := activityItem{
			PK: customerPK(m.CustomerID), SK: activitySK(m.Period), Type: "activity", CustomerID: m.CustomerID,
			Period: m.Period, Conversations: m.Conversations, Segment: m.Segment,
		}
		item, err := attributevalue.MarshalMap(it)
		if err != nil {
			return fmt.Errorf("replace counters: encode marker: %w", err)
		}
		keep[it.PK+"|"+it.SK] = true
		puts = append(puts, item)
	}
	var deletes []map[string]types.AttributeValue
	err := s.scanTypes(ctx, []string{"stat", "activity"}, func(item map[string]types.AttributeValue) error {
		pk, _ := item["PK"].(*types.AttributeValueMemberS)
		sk, _ := item["SK"].(*types.AttributeValueMemberS)
		if pk != nil && sk != nil && !keep[pk.Value+"|"+sk.Value] {
			deletes = append(deletes, key(pk.Value, sk.Value))
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("replace counters: %w", err)
	}
	if err := s.batchWrite(ctx, puts, deletes); err != nil {
		return fmt.Errorf("replace counters: %w", err)
	}
	for _, id := range slices.Sorted(maps.Keys(r.Contacts)) {
		if err := s.setContacts(ctx, id, r.Contacts[id]); err != nil {
			return fmt.Errorf("replace counters: %w", err)
		}
	}
	return nil
}

func (s *Store) setContacts(ctx context.Context, customerID string, c inbox.Contacts) error {
	expr := "REMOVE firstContactAt, lastContactAt, contacts, GSI3PK, GSI3SK"
	values := map[string]types.AttributeValue{}
	if c.Count > 0 {
		expr = "SET firstContactAt = :first, lastContactAt = :last, contacts = :n, GSI3PK = :pk, GSI3SK = :sk"
		values = map[string]types.AttributeValue{
			":first": str(formatTime(c.First)), ":last": str(formatTime(c.Last)), ":n": num(int64(c.Count)),
			":pk": str(dormantPartition), ":sk": str(formatTime(c.DormantAt(s.dormantAfter())) + "#" + customerID),
		}
	}
	in := &dynamodb.UpdateItemInput{
		TableName: &s.table, Key: key(customerPK(customerID), skCustomer),
		UpdateExpression: &expr, ConditionExpression: aws.String("attribute_exists(PK)"),
	}
	if len(values) > 0 {
		in.ExpressionAttributeValues = values
	}
	_, err := s.db.UpdateItem(ctx, in)
	var gone *types.ConditionalCheckFailedException
	if err != nil && !errors.As(err, &gone) { // a customer item gone: nothing to keep
		return fmt.Errorf("set contacts of customer %s: %w", customerID, err)
	}
	return nil
}

// batchWrite writes and deletes items 25 at a time, retrying what
// DynamoDB leaves unprocessed.
func (s *Store) batchWrite(ctx context.Context, puts, deletes []map[string]types.AttributeValue) error {
	var reqs []types.WriteRequest
	for _, item := range puts {
		reqs = append(reqs, types.WriteRequest{PutRequest: &types.PutRequest{Item: item}})
	}
	for _, k := range deletes {
		reqs = append(reqs, types.WriteRequest{DeleteRequest: &types.DeleteRequest{Key: k}})
	}
	for len(reqs) > 0 {
		n := min(len(reqs), 25)
		batch := reqs[:n]
		reqs = reqs[n:]
		for attempt := 0; len(batch) > 0; attempt++ {
			res, err := s.db.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{
				RequestItems: map[string][]types.WriteRequest{s.table: batch},
			})
			if err != nil {
				return fmt.Errorf("batch write: %w", err)
			}
			batch = res.UnprocessedItems[s.table]
			if len(batch) > 0 {
				if attempt > 8 {
					return fmt.Errorf("batch write: %d items still unprocessed", len(batch))
				}
				time.Sleep(time.Duration(50<<min(attempt, 5)) * time.Millisecond)
			}
		}
	}
	return nil
}

// scanTypes calls fn with every item whose type is one of kinds.
func (s *Store) scanTypes(ctx context.Context, kinds []string, fn func(map[string]types.AttributeValue) error) error {
	values := map[string]types.AttributeValue{}
	var names []string
	for i, k := range kinds {
		name := fmt.Sprintf(":k%d", i)
		values[name] = str(k)
		names = append(names, name)
	}
	in := &dynamodb.ScanInput{
		TableName:                 &s.table,
		FilterExpression:          aws.String("#type IN (" + strings.Join(names, ", ") + ")"),
		ExpressionAttributeNames:  map[string]string{"#type": "type"},
		ExpressionAttributeValues: values,
	}
	for {
		res, err := s.db.Scan(ctx, in)
		if err != nil {
			return fmt.Errorf("scan %s: %w", strings.Join(kinds, ", "), err)
		}
		for _, item := range res.Items {
			if err := fn(item); err != nil {
				return err
			}
		}
		if len(res.LastEvaluatedKey) == 0 {
			return nil
		}
		in.ExclusiveStartKey = res.LastEvaluatedKey
	}
}
