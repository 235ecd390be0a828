package store

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/switchboard-inbox/switchboard/shared/inbox"
)

// Totals returns the rows with no day: the gauge of conversations open
// now, for all and by channel. One Query.
func (s *Store) Totals(ctx context.Context) ([]inbox.Stat, error) {
	return s.statQuery(ctx, "query totals", &dynamodb.QueryInput{
		TableName:                 &s.table,
		KeyConditionExpression:    aws.String("PK = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(totalsPK)},
	})
}

// PeriodStats returns the retention rows of the periods from to to, both
// included and of one kind ("2026-01" to "2026-11", or "2025-Q4" to
// "2026-Q3"); Stat.Day holds the period. One Query per year.
func (s *Store) PeriodStats(ctx context.Context, from, to string) ([]inbox.Stat, error) {
	what := fmt.Sprintf("query periods from %s to %s", from, to)
	first, kindFrom, err := inbox.PeriodStart(from, time.UTC)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	last, kindTo, err := inbox.PeriodStart(to, time.UTC)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	if kindFrom != kindTo || last.Before(first) || last.Year()-first.Year() > 10 {
		return nil, fmt.Errorf("%s: want periods of one kind, in order, within ten years", what)
	}
	var stats []inbox.Stat
	for year := first.Year(); year <= last.Year(); year++ {
		rows, err := s.statQuery(ctx, what, &dynamodb.QueryInput{
			TableName:              &s.table,
			KeyConditionExpression: aws.String("PK = :pk AND SK BETWEEN :from AND :to"),
			ExpressionAttributeValues: map[string]types.AttributeValue{
				":pk": str(periodPK(strconv.Itoa(year))), ":from": str(from), ":to": str(to + "$"),
			},
		})
		if err != nil {
			return nil, err
		}
		stats = append(stats, rows...)
	}
	return stats, nil
}

func (s *Store) statQuery(ctx context.Context, what string, in *dynamodb.QueryInput) ([]inbox.Stat, error) {
	var stats []inbox.Stat
	err := s.query(ctx, in, func(item map[string]types.AttributeValue) error {
		st, err := decodeStat(item)
		if err != nil {
			return err
		}
		stats = append(stats, st)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return stats, nil
}

// Dormant returns up to limit customers who became dormant at a time in
// [since, until), the most recent first: one Query of GSI3's DORMANT
// partition, whose size does not depend on how many customers there are.
func (s *Store) Dormant(ctx context.Context, since, until time.Time, limit int) ([]inbox.DormantCustomer, error) {
	what := fmt.Sprintf("query customers dormant before %s", until.Format(time.RFC3339))
	from := formatTime(since)
	if from == "" {
		from = "0" // before every time
	}
	in := &dynamodb.QueryInput{
		TableName:              &s.table,
		IndexName:              aws.String("GSI3"),
		KeyConditionExpression: aws.String("GSI3PK = :pk AND GSI3SK BETWEEN :from AND :to"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pk": str(dormantPartition), ":from": str(from), ":to": str(formatTime(until)),
		},
		ScanIndexForward: aws.Bool(false),
		Limit:            aws.Int32(int32(max(limit, 1))),
	}
	var list []inbox.DormantCustomer
	res, err := s.db.Query(ctx, in)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	for _, item := range res.Items {
		var it customerItem
		if err := attributevalue.UnmarshalMap(item, &it); err != nil {
			return nil, fmt.Errorf("%s: decode customer: %w", what, err)
		}
		contacts := inbox.Contacts{First: parseTime(it.FirstContactAt), Last: parseTime(it.LastContactAt), Count: it.Contacts}
		list = append(list, inbox.DormantCustomer{
			CustomerID: it.ID, Name: it.Name, Channel: inbox.Channel(it.LastContactChannel),
			LastContactAt: contacts.Last, UsualInterval: contacts.UsualInterval(),
			DormantSince: contacts.DormantAt(s.dormantAfter()), LastCSAT: it.LastCSAT,
		})
	}
	return list, nil
}

// OpenedConversations calls fn with each conversation opened in [from,
// to), oldest first, reading GSI4 a month partition at a time: the export
// streams them rather than holding them.
func (s *Store) OpenedConversations(ctx context.Context, from, to time.Time, fn func(inbox.Conversation) error) error {
	what := fmt.Sprintf("query conversations opened from %s to %s", from.Format(time.RFC3339), to.Format(time.RFC3339))
	first := time.Date(from.UTC().Year(), from.UTC().Month(), 1, 0, 0, 0, 0, time.UTC)
	for month := first; month.Before(to); month = month.AddDate(0, 1, 0) {
		err := s.query(ctx, &dynamodb.QueryInput{
			TableName:              &s.table,
			IndexName:              aws.String("GSI4"),
			KeyConditionExpression: aws.String("GSI4PK = :pk AND GSI4SK BETWEEN :from AND :to"),
			ExpressionAttributeValues: map[string]types.AttributeValue{
				":pk": str(openedPK(month)), ":from": str(formatTime(from)), ":to": str(formatTime(to.Add(-time.Millisecond)) + "$"),
			},
		}, func(item map[string]types.AttributeValue) error {
			var it conversationItem
			if err := attributevalue.UnmarshalMap(item, &it); err != nil {
				return fmt.Errorf("decode conversation: %w", err)
			}
			return fn(it.conversation())
		})
		if err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
	}
	return nil
}
