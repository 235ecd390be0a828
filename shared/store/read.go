package store

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/switchboard-inbox/switchboard/shared/inbox"
)

// ConversationByThread returns the conversation whose Slack thread root is
// ts in channel, or inbox.ErrNotFound.
func (s *Store) ConversationByThread(ctx context.Context, channel, ts string) (inbox.Conversation, error) {
	var it threadItem
	if err := s.get(ctx, threadPK(channel, ts), skThread, &it); err != nil {
		return inbox.Conversation{}, fmt.Errorf("get conversation of slack thread %s: %w", ts, err)
	}
	return s.Conversation(ctx, it.ConversationID)
}

// Thread returns a conversation and all its messages in order, in one
// Query of the conversation's partition, which also holds its ratings.
func (s *Store) Thread(ctx context.Context, conversationID string) (inbox.Conversation, []inbox.Message, error) {
	var conv inbox.Conversation
	var msgs []inbox.Message
	found := false
	err := s.query(ctx, &dynamodb.QueryInput{
		TableName:                 &s.table,
		KeyConditionExpression:    aws.String("PK = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(convPK(conversationID))},
		ConsistentRead:            aws.Bool(true),
	}, func(item map[string]types.AttributeValue) error {
		sk, _ := item["SK"].(*types.AttributeValueMemberS)
		switch {
		case sk == nil:
			return nil
		case sk.Value == skConv:
			var it conversationItem
			if err := attributevalue.UnmarshalMap(item, &it); err != nil {
				return err
			}
			conv, found = it.conversation(), true
			return nil
		case strings.HasPrefix(sk.Value, msgPrefix):
			return appendMessage(&msgs, item)
		}
		return nil
	})
	if err != nil {
		return inbox.Conversation{}, nil, fmt.Errorf("query conversation %s: %w", conversationID, err)
	}
	if !found {
		return inbox.Conversation{}, nil, fmt.Errorf("query conversation %s: %w", conversationID, inbox.ErrNotFound)
	}
	return conv, msgs, nil
}

// Messages returns the messages of a conversation whose ids sort after
// afterID (all of them when afterID is empty), in order.
func (s *Store) Messages(ctx context.Context, conversationID, afterID string) ([]inbox.Message, error) {
	cond := "PK = :pk AND begins_with(SK, :prefix)"
	values := map[string]types.AttributeValue{":pk": str(convPK(conversationID)), ":prefix": str(msgPrefix)}
	if afterID != "" {
		// "~" sorts after every id character, so the range ends past the
		// last message and before nothing else in the partition.
		cond = "PK = :pk AND SK BETWEEN :after AND :end"
		values = map[string]types.AttributeValue{
			":pk": str(convPK(conversationID)), ":after": str(msgSK(afterID) + "!"), ":end": str(msgPrefix + "~"),
		}
	}
	var msgs []inbox.Message
	err := s.query(ctx, &dynamodb.QueryInput{
		TableName:                 &s.table,
		KeyConditionExpression:    &cond,
		ExpressionAttributeValues: values,
		ConsistentRead:            aws.Bool(true),
	}, func(item map[string]types.AttributeValue) error {
		return appendMessage(&msgs, item)
	})
	if err != nil {
		return nil, fmt.Errorf("query messages of conversation %s after %q: %w", conversationID, afterID, err)
	}
	return msgs, nil
}

func appendMessage(msgs *[]inbox.Message, item map[string]types.AttributeValue) error {
	var it messageItem
	if err := attributevalue.UnmarshalMap(item, &it); err != nil {
		return err
	}
	*msgs = append(*msgs, it.message())
	return nil
}

// CustomerConversations returns a customer's conversations, newest first.
func (s *Store) CustomerConversations(ctx context.Context, customerID string, limit int) ([]inbox.Conversation, error) {
	convs, err := s.conversationsByIndex(ctx, "GSI1", "GSI1PK", customerPK(customerID), "GSI1SK", limit, false)
	if err != nil {
		return nil, fmt.Errorf("query conversations of customer %s: %w", customerID, err)
	}
	return convs, nil
}

// OpenConversations returns conversations that are not resolved, the
// longest inactive first: the ones waiting longest lead every list.
func (s *Store) OpenConversations(ctx context.Context, limit int) ([]inbox.Conversation, error) {
	convs, err := s.conversationsByIndex(ctx, "GSI2", "GSI2PK", openPartition, "", limit, true)
	if err != nil {
		return nil, fmt.Errorf("query open conversations: %w", err)
	}
	return convs, nil
}

// conversationsByIndex queries conversations in sort-key order, or its
// reverse; skName, when set, names the index's sort key, which other item
// types share.
func (s *Store) conversationsByIndex(ctx context.Context, index, pkName, pk, skName string, limit int, ascending bool) ([]inbox.Conversation, error) {
	in := &dynamodb.QueryInput{
		TableName:                 &s.table,
		IndexName:                 &index,
		KeyConditionExpression:    aws.String("#pk = :pk"),
		ExpressionAttributeNames:  map[string]string{"#pk": pkName},
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(pk)},
		ScanIndexForward:          aws.Bool(ascending),
	}
	if skName != "" {
		in.KeyConditionExpression = aws.String("#pk = :pk AND begins_with(#sk, :conv)")
		in.ExpressionAttributeNames["#sk"] = skName
		in.ExpressionAttributeValues[":conv"] = str(convPrefix)
	}
	return s.conversations(ctx, in, limit)
}

// conversations runs a Query of conversation items and decodes up to
// limit of them (all when limit is 0).
func (s *Store) conversations(ctx context.Context, in *dynamodb.QueryInput, limit int) ([]inbox.Conversation, error) {
	var convs []inbox.Conversation
	if limit > 0 {
		in.Limit = aws.Int32(int32(limit))
	}
	err := s.query(ctx, in, func(item map[string]types.AttributeValue) error {
		if limit > 0 && len(convs) >= limit {
			return errStop
		}
		var it conversationItem
		if err := attributevalue.UnmarshalMap(item, &it); err != nil {
			return err
		}
		convs = append(convs, it.conversation())
		return nil
	})
	return convs, err
}

// errStop ends a query early without an error.
var errStop = errors.New("stop")

// query runs a Query through all its pages, handing each item to fn until
// fn returns errStop or an error.
func (s *Store) query(ctx context.Context, in *dynamodb.QueryInput, fn func(map[string]types.AttributeValue) error) error {
	for {
		res, err := s.db.Query(ctx, in)
		if err != nil {
			return err
		}
		for _, item := range res.Items {
			if err := fn(item); errors.Is(err, errStop) {
				return nil
			} else if err != nil {
				return err
			}
		}
		if len(res.LastEvaluatedKey) == 0 {
			return nil
		}
		in.ExclusiveStartKey = res.LastEvaluatedKey
	}
}
