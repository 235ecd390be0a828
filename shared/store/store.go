// Package store keeps Switchboard's data in one DynamoDB table. It is the
// only package that knows key shapes; it translates DynamoDB's conditional
// failures into inbox.ErrDuplicate, inbox.ErrConflict and inbox.ErrNotFound.
package store

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/switchboard-inbox/switchboard/shared/inbox"
)

// DB is the part of the DynamoDB API the store uses.
type DB interface {
	GetItem(context.Context, *dynamodb.GetItemInput, ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
	PutItem(context.Context, *dynamodb.PutItemInput, ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
	UpdateItem(context.Context, *dynamodb.UpdateItemInput, ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error)
	Query(context.Context, *dynamodb.QueryInput, ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error)
	TransactWriteItems(context.Context, *dynamodb.TransactWriteItemsInput, ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error)
	// Scan and BatchWriteItem serve the rebuild of the counters only.
	Scan(context.Context, *dynamodb.ScanInput, ...func(*dynamodb.Options)) (*dynamodb.ScanOutput, error)
	BatchWriteItem(context.Context, *dynamodb.BatchWriteItemInput, ...func(*dynamodb.Options)) (*dynamodb.BatchWriteItemOutput, error)
}

// DedupeTTL is how long a provider's message id is remembered. Providers
// retry for hours (Meta) to days (email), so it is far longer than
// TransactWriteItems' own ten-minute ClientRequestToken.
const DedupeTTL = 14 * 24 * time.Hour

// Store reads and writes the Switchboard table.
type Store struct {
	db    DB
	table string
	// OnCapacity, when set, receives the write capacity DynamoDB reports
	// for each write; benchmarks use it to price an inbound message.
	OnCapacity func(operation string, units float64)
	// Location is the team's time zone: counters are kept per day in it.
	Location *time.Location
	// Hours, when configured, adds business-hours times to the counters.
	Hours inbox.BusinessHours
	// DormantAfter is how long a customer with one contact may be silent
	// before they are dormant (inbox.DefaultDormantAfter when zero).
	DormantAfter time.Duration
	// Now is the clock of events that carry no time of their own (a
	// model's triage call).
	Now func() time.Time
}

// New returns a Store on the named table.
func New(db DB, table string) *Store {
	return &Store{db: db, table: table, Location: time.UTC, Now: time.Now}
}

func key(pk, sk string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		"PK": &types.AttributeValueMemberS{Value: pk},
		"SK": &types.AttributeValueMemberS{Value: sk},
	}
}

func str(s string) types.AttributeValue { return &types.AttributeValueMemberS{Value: s} }
func num(n int64) types.AttributeValue {
	return &types.AttributeValueMemberN{Value: strconv.FormatInt(n, 10)}
}

func (s *Store) observe(op string, cc []types.ConsumedCapacity) {
	if s.OnCapacity == nil {
		return
	}
	for _, c := range cc {
		s.OnCapacity(op, aws.ToFloat64(c.CapacityUnits))
	}
}

func (s *Store) get(ctx context.Context, pk, sk string, out any) error {
	res, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:      &s.table,
		Key:            key(pk, sk),
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return err
	}
	if res.Item == nil {
		return inbox.ErrNotFound
	}
	return attributevalue.UnmarshalMap(res.Item, out)
}

// transact writes the items in one transaction. Counter rows are shared
// by every event of a day, so two transactions touching the same row
// cancel each other (TransactionConflict) without either condition being
// wrong: such a cancellation is retried here, after a short jittered
// wait, before the caller ever sees it.
func (s *Store) transact(ctx context.Context, op string, items []types.TransactWriteItem) error {
	for attempt := 0; ; attempt++ {
		res, err := s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{
			TransactItems:          items,
			ReturnConsumedCapacity: types.ReturnConsumedCapacityTotal,
		})
		if err == nil {
			s.observe(op, res.ConsumedCapacity)
			return nil
		}
		if attempt >= conflictRetries || !onlyConflicts(err) {
			return err
		}
		wait := time.Duration(5<<attempt)*time.Millisecond + time.Duration(rand.Int64N(int64(10*time.Millisecond)))
		select {
		case <-ctx.Done():
			return err
		case <-time.After(wait):
		}
	}
}

// conflictRetries bounds the retries of a transaction cancelled by
// concurrent ones: about a third of a second in all.
const conflictRetries = 5

// onlyConflicts reports whether a transaction was cancelled by concurrent
// transactions alone, with no condition failing.
func onlyConflicts(err error) bool {
	var tce *types.TransactionCanceledException
	if !errors.As(err, &tce) {
		return false
	}
	conflict := false
	for _, r := range tce.CancellationReasons {
		switch aws.ToString(r.Code) {
		case "", "None":
		case "TransactionConflict":
			conflict = true
		default:
			return false
		}
	}
	return conflict
}

// cancelled tells which items of a cancelled transaction failed their
// condition; ok is false when err is not a cancellation caused by
// conditions alone. A transaction cancelled for another reason (a
// concurrent transaction on the same item, throttling) says nothing about
// the conditions, so it stays an error for the caller to retry.
func cancelled(err error) (failed []bool, ok bool) {
	var tce *types.TransactionCanceledException
	if !errors.As(err, &tce) {
		return nil, false
	}
	failed = make([]bool, len(tce.CancellationReasons))
	for i, r := range tce.CancellationReasons {
		switch code := aws.ToString(r.Code); code {
		case "", "None":
		case "ConditionalCheckFailed":
			failed[i] = true
		default:
			return nil, false
		}
	}
	return failed, true
}

// transactErr translates a transaction's error: a cancellation by failed
// conditions into what byCondition makes of them, and one by a
// concurrent transaction into inbox.ErrConflict, which callers answer by
// reading again.
func transactErr(err error, what string, byCondition func(failed []bool) error) error {
	if failed, ok := cancelled(err); ok {
		return fmt.Errorf("%s: %w", what, byCondition(failed))
	}
	var tce *types.TransactionCanceledException
	if errors.As(err, &tce) {
		return fmt.Errorf("%s: %v: %w", what, err, inbox.ErrConflict)
	}
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}

func failedAt(failed []bool, i int) bool { return i < len(failed) && failed[i] }

// withOldItem asks a transaction's update to return the item as it was
// when its condition fails, which tells a missing item (nil) from one in
// another state.
func withOldItem(item types.TransactWriteItem) types.TransactWriteItem {
	item.Update.ReturnValuesOnConditionCheckFailure = types.ReturnValuesOnConditionCheckFailureAllOld
	return item
}

// cancelledItem returns the i-th item of a cancelled transaction as it
// was, for a write made withOldItem; nil when it did not exist.
func cancelledItem(err error, i int) map[string]types.AttributeValue {
	var tce *types.TransactionCanceledException
	if !errors.As(err, &tce) || i >= len(tce.CancellationReasons) {
		return nil
	}
	if item := tce.CancellationReasons[i].Item; len(item) > 0 {
		return item
	}
	return nil
}

func (s *Store) put(v any, cond string, values map[string]types.AttributeValue) (types.TransactWriteItem, error) {
	av, err := attributevalue.MarshalMap(v)
	if err != nil {
		return types.TransactWriteItem{}, err
	}
	p := &types.Put{TableName: &s.table, Item: av}
	if cond != "" {
		p.ConditionExpression = &cond
		p.ExpressionAttributeValues = values
	}
	return types.TransactWriteItem{Put: p}, nil
}

func (s *Store) dedupePut(key string, m inbox.Message, now time.Time) (types.TransactWriteItem, error) {
	return s.put(dedupeItem{
		PK: dedupePK(key), SK: skDedupe, Type: "dedupe",
		ConversationID: m.ConversationID, MessageID: m.ID,
		ExpiresAt: now.Add(DedupeTTL).Unix(),
	},
		// TTL deletes up to two days late and DynamoDB Local never deletes,
		// so an expired record must not block a new message by itself.
		"attribute_not_exists(PK) OR expiresAt < :now",
		map[string]types.AttributeValue{":now": num(now.Unix())})
}

// Deduped returns the conversation and message ids stored the first time
// the dedupe key was seen.
func (s *Store) Deduped(ctx context.Context, dedupeKey string) (conversationID, messageID string, err error) {
	var it dedupeItem
	if err := s.get(ctx, dedupePK(dedupeKey), skDedupe, &it); err != nil {
		return "", "", fmt.Errorf("get dedupe record %s: %w", dedupeKey, err)
	}
	return it.ConversationID, it.MessageID, nil
}

// Identity returns the identity of a channel address and the state of its
// newest conversation (nil when it has none), or inbox.ErrNotFound.
func (s *Store) Identity(ctx context.Context, ch inbox.Channel, address string) (inbox.Identity, *inbox.Latest, error) {
	var it identityItem
	if err := s.get(ctx, identityPK(ch, address), skIdentity, &it); err != nil {
		return inbox.Identity{}, nil, fmt.Errorf("get identity %s %s: %w", ch, address, err)
	}
	id, latest := it.identity()
	return id, latest, nil
}

// Conversation returns a conversation without its messages.
func (s *Store) Conversation(ctx context.Context, id string) (inbox.Conversation, error) {
	var it conversationItem
	if err := s.get(ctx, convPK(id), skConv, &it); err != nil {
		return inbox.Conversation{}, fmt.Errorf("get conversation %s: %w", id, err)
	}
	return it.conversation(), nil
}

// Message returns one message of a conversation.
func (s *Store) Message(ctx context.Context, conversationID, messageID string) (inbox.Message, error) {
	var it messageItem
	if err := s.get(ctx, convPK(conversationID), msgSK(messageID), &it); err != nil {
		return inbox.Message{}, fmt.Errorf("get message %s of conversation %s: %w", messageID, conversationID, err)
	}
	return it.message(), nil
}
