package store

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/switchboard-inbox/switchboard/shared/inbox"
)

// maxStatDays bounds the days one Stats call reads: a year and a bit,
// fourteen month partitions at most.
const maxStatDays = 400

// counter is an amount to add to one counter of a stat row.
type counter struct {
	name string
	n    int64
}

// statAdds adds the counters to each of a day's rows, once per row: a
// transaction may not write an item twice, and an agent listed twice is
// still one agent.
func (s *Store) statAdds(day string, rows []inbox.StatRow, counters ...counter) []types.TransactWriteItem {
	seen := make(map[string]bool, len(rows))
	var items []types.TransactWriteItem
	for _, row := range rows {
		sk := statSK(day, row)
		if seen[sk] {
			continue
		}
		seen[sk] = true
		items = append(items, s.statAdd(day, row, counters))
	}
	return items
}

// statAdd is one day row's update.
func (s *Store) statAdd(day string, row inbox.StatRow, counters []counter) types.TransactWriteItem {
	return s.statUpdate(statPK(day), statSK(day, row), day, row, counters)
}

// statUpdate adds to a counter row. Counters only ever change by ADD,
// which creates the row and the counter at zero when missing, so writers
// of different counters never overwrite each other; the row's other
// attributes are set every time, the same each time but the name, which
// follows the latest (an agent renamed in Slack).
func (s *Store) statUpdate(pk, sk, day string, row inbox.StatRow, counters []counter) types.TransactWriteItem {
	expr := "SET #type = :stat, #day = :day, #dimension = :dimension, #value = :value"
	names := map[string]string{"#type": "type", "#day": "day", "#dimension": "dimension", "#value": "value"}
	values := map[string]types.AttributeValue{
		":stat": str("stat"), ":day": str(day), ":dimension": str(row.Dimension), ":value": str(row.Value),
	}
	if row.Name != "" {
		expr += ", #name = :name"
		names["#name"] = "name"
		values[":name"] = str(row.Name)
	}
	for i, c := range counters {
		sep := ", "
		if i == 0 {
			sep = " ADD "
		}
		n, v := "#c"+strconv.Itoa(i), ":c"+strconv.Itoa(i)
		expr += sep + n + " " + v
		names[n] = c.name
		values[v] = num(c.n)
	}
	return s.update(pk, sk, expr, "", names, values)
}

// Stats returns the stat rows of the days from to to, both included
// (YYYY-MM-DD), ordered by day and then by dimension and value: one
// Query per month. The reads are eventually consistent: a report may miss
// a count written a moment before.
func (s *Store) Stats(ctx context.Context, from, to string) ([]inbox.Stat, error) {
	what := fmt.Sprintf("query stats from %s to %s", from, to)
	first, err := time.Parse(time.DateOnly, from)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	last, err := time.Parse(time.DateOnly, to)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	if last.Before(first) || last.Sub(first) > maxStatDays*24*time.Hour {
		return nil, fmt.Errorf("%s: want a span of 1 to %d days", what, maxStatDays+1)
	}
	var stats []inbox.Stat
	for month := time.Date(first.Year(), first.Month(), 1, 0, 0, 0, 0, time.UTC); !month.After(last); month = month.AddDate(0, 1, 0) {
		rows, err := s.statQuery(ctx, what, &dynamodb.QueryInput{
			TableName:              &s.table,
			KeyConditionExpression: aws.String("PK = :pk AND SK BETWEEN :from AND :to"),
			ExpressionAttributeValues: map[string]types.AttributeValue{
				// A day's rows start "<day>#", and "$" is the byte after "#".
				":pk": str(statPK(month.Format(time.DateOnly))), ":from": str(from), ":to": str(to + "$"),
			},
		})
		if err != nil {
			return nil, err
		}
		stats = append(stats, rows...)
	}
	return stats, nil
}

// decodeStat reads a stat row; every number on it is a counter, so
// counters added later need no change here.
func decodeStat(item map[string]types.AttributeValue) (inbox.Stat, error) {
	st := inbox.Stat{Counters: map[string]int64{}}
	for name, av := range item {
		switch v := av.(type) {
		case *types.AttributeValueMemberS:
			switch name {
			case "day":
				st.Day = v.Value
			case "dimension":
				st.Dimension = v.Value
			case "value":
				st.Value = v.Value
			case "name":
				st.Name = v.Value
			}
		case *types.AttributeValueMemberN:
			n, err := strconv.ParseInt(v.Value, 10, 64)
			if err != nil {
				return inbox.Stat{}, fmt.Errorf("counter %s: %w", name, err)
			}
			st.Counters[name] = n
		}
	}
	return st, nil
}

func validDay(day string) bool {
	_, err := time.Parse(time.DateOnly, day)
	return err == nil
}
