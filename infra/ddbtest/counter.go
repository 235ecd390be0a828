package ddbtest

import (
	"context"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/switchboard-inbox/switchboard/shared/store"
)

// Counter counts a store's DynamoDB requests by operation, so benchmarks
// can price what they measure in requests as well as in time.
type Counter struct {
	store.DB
	mu    sync.Mutex
	calls map[string]int
}

// NewCounter wraps db.
func NewCounter(db store.DB) *Counter { return &Counter{DB: db, calls: map[string]int{}} }

// Reset forgets the requests counted so far (a benchmark's setup).
func (c *Counter) Reset() {
	c.mu.Lock()
	c.calls = map[string]int{}
	c.mu.Unlock()
}

// Report reports the requests per operation of b, by kind and in total,
// and units, the write capacity the store's OnCapacity summed.
func (c *Counter) Report(b *testing.B, units float64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := float64(b.N)
	total := 0
	for op, k := range c.calls {
		b.ReportMetric(float64(k)/n, op+"/op")
		total += k
	}
	b.ReportMetric(float64(total)/n, "ddb-requests/op")
	b.ReportMetric(units/n, "local-WCU/op")
}

func (c *Counter) count(op string) {
	c.mu.Lock()
	c.calls[op]++
	c.mu.Unlock()
}

// GetItem counts and forwards.
func (c *Counter) GetItem(ctx context.Context, in *dynamodb.GetItemInput, o ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	c.count("GetItem")
	return c.DB.GetItem(ctx, in, o...)
}

// TransactWriteItems counts and forwards.
func (c *Counter) TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, o ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	c.count("TransactWriteItems")
	return c.DB.TransactWriteItems(ctx, in, o...)
}

// Query counts and forwards.
func (c *Counter) Query(ctx context.Context, in *dynamodb.QueryInput, o ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	c.count("Query")
	return c.DB.Query(ctx, in, o...)
}

// UpdateItem counts and forwards.
func (c *Counter) UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, o ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	c.count("UpdateItem")
	return c.DB.UpdateItem(ctx, in, o...)
}

// PutItem counts and forwards.
func (c *Counter) PutItem(ctx context.Context, in *dynamodb.PutItemInput, o ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	c.count("PutItem")
	return c.DB.PutItem(ctx, in, o...)
}
