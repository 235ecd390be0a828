package history

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/switchboard-inbox/switchboard/shared/inbox"
	"github.com/switchboard-inbox/switchboard/shared/rebuild"
	"github.com/switchboard-inbox/switchboard/shared/store"
)

// load fills a table with a history the fast way, for tests that need
// many conversations: the customer and conversation items written in
// batches, plain (no messages: the reports never read them), and every
// counter, marker and contact from rebuild.Recount over the history's
// facts, written by the store's Replace as the rebuild job would.
func load(ctx context.Context, tb testing.TB, db store.DB, table string, st *store.Store, h History, hours inbox.BusinessHours) {
	tb.Helper()
	loc := h.Options.Location
	facts := NewFacts(h, loc)
	var items []map[string]types.AttributeValue
	lastChannel := map[string]inbox.Channel{}
	for _, c := range facts.conversations {
		lastChannel[c.CustomerID] = c.Channel
		items = append(items, conversationItem(c))
	}
	for _, c := range facts.customers {
		if c.ID != "" {
			items = append(items, customerItem(c, lastChannel[c.ID]))
		}
	}
	if err := batchWrite(ctx, db, table, items); err != nil {
		tb.Fatalf("load %d items: %v", len(items), err)
	}
	result, err := rebuild.Recount(ctx, facts, rebuild.Options{Location: loc, Hours: hours})
	if err != nil {
		tb.Fatalf("recount: %v", err)
	}
	if err := st.Replace(ctx, result); err != nil {
		tb.Fatalf("replace counters: %v", err)
	}
}

// The items as the store writes them, reduced to what the reports and
// the rebuild read.
func customerItem(c inbox.Customer, last inbox.Channel) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		"PK": s("CUST#" + c.ID), "SK": s("CUSTOMER"), "type": s("customer"),
		"GSI1PK": s("CUST#" + c.ID), "GSI1SK": s("CUSTOMER"),
		"id": s(c.ID), "name": s(c.Name), "createdAt": s(stamp(c.CreatedAt)), "lastContactChannel": s(string(last)),
	}
}

func conversationItem(c inbox.Conversation) map[string]types.AttributeValue {
	item := map[string]types.AttributeValue{
		"PK": s("CONV#" + c.ID), "SK": s("CONV"), "type": s("conversation"),
		"id": s(c.ID), "customerId": s(c.CustomerID), "customerName": s(c.CustomerName),
		"channel": s(string(c.Channel)), "address": s(c.Address), "status": s(string(c.Status)),
		"openedAt": s(stamp(c.OpenedAt)), "lastActivityAt": s(stamp(c.LastActivityAt)),
	}
	if !c.ResolvedAt.IsZero() {
		item["resolvedAt"] = s(stamp(c.ResolvedAt))
	}
	return item
}

func s(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }

func stamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// batchWrite puts items 25 at a time from a few writers at once.
func batchWrite(ctx context.Context, db store.DB, table string, items []map[string]types.AttributeValue) error {
	batches := make(chan []types.WriteRequest)
	errs := make(chan error, 8)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for batch := range batches {
				for len(batch) > 0 {
					res, err := db.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{
						RequestItems: map[string][]types.WriteRequest{table: batch},
					})
					if err != nil {
						errs <- err
						return
					}
					batch = res.UnprocessedItems[table]
				}
			}
		})
	}
	for len(items) > 0 {
		n := min(len(items), 25)
		batch := make([]types.WriteRequest, n)
		for i, item := range items[:n] {
			batch[i] = types.WriteRequest{PutRequest: &types.PutRequest{Item: item}}
		}
		items = items[n:]
		select {
		case batches <- batch:
		case err := <-errs:
			close(batches)
			wg.Wait()
			return err
		}
	}
	close(batches)
	wg.Wait()
	select {
	case err := <-errs:
		return err
	default:
		return nil
	}
}
