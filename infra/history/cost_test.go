package history

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/switchboard-inbox/switchboard/infra/ddbtest"
	"github.com/switchboard-inbox/switchboard/shared/inbox"
	"github.com/switchboard-inbox/switchboard/shared/report"
	"github.com/switchboard-inbox/switchboard/shared/store"
)

// costRun is a loaded table and the 90-day summary whose reads it meters.
type costRun struct {
	m     *meter
	h     History
	query report.Query
	read  func() error
}

// summaryCost loads a history of the given size and prepares one 90-day
// summary of it.
func summaryCost(tb testing.TB, customers int) costRun {
	tb.Helper()
	ctx := context.Background()
	loc := paris(tb)
	hours := businessHours(tb, loc)
	h := Generate(Options{Seed: 8, Customers: customers, Location: loc})
	db, table := ddbtest.Table(tb)
	m := newMeter(db)
	st := store.New(m, table)
	st.Location, st.Hours = loc, hours
	start := time.Now()
	load(ctx, tb, db, table, st, h, hours)
	tb.Logf("loaded %d conversations of %d customers in %v", h.Conversations, customers, time.Since(start).Round(time.Millisecond))
	svc := &report.Service{Store: st, Location: loc, Hours: hours, Now: func() time.Time { return h.End }}
	today := inbox.Day(h.End, loc)
	q := report.Query{From: addDays(today, -89), To: today, Period: inbox.PeriodMonth}
	m.reset()
	return costRun{m: m, h: h, query: q, read: func() error {
		_, err := svc.Summary(ctx, q)
		return err
	}}
}

// ceiling is the most items a summary of the run's query can read,
// whatever the number of conversations: a row per day for all
// conversations and for each channel, agent, category and priority;
// the open gauge, all and by channel; the period rows the window
// overlaps and the one before; one page of the dormant index.
func (r costRun) ceiling() int {
	o := r.h.Options
	days := daysBetween(r.query.From, r.query.To) + 1
	periods := 1
	for p := inbox.Period(r.query.Period, startOfDay(r.query.From, o.Location), o.Location); p <= inbox.Period(r.query.Period, startOfDay(r.query.To, o.Location), o.Location); p = shift(p, 1) {
		periods++
	}
	rowsPerDay := 1 + len(o.Channels) + len(r.h.Agents) + len(categories) + len(inbox.Priorities)
	return days*rowsPerDay + 1 + len(o.Channels) + periods + report.DormantLimit
}

func daysBetween(from, to string) int {
	return int(startOfDay(to, time.UTC).Sub(startOfDay(from, time.UTC)).Hours() / 24)
}

// TestSummaryReadCostIsBounded reads a 90-day summary at about 1,000 and
// about 5,000 conversations. The requests are the same: a Query per month
// of day rows, one of the totals, one of the period rows, one page of
// the dormant index. The items and read units are not equal: a day has a
// row for each channel, agent, category and priority seen that day, and
// a row a counter for each histogram bucket used, so both grow with a
// day's traffic until every row and bucket is in use (at some 100,000
// conversations a year; see BenchmarkSummaryReadCost), and never with the
// conversations stored. The items are held to that ceiling.
func TestSummaryReadCostIsBounded(t *testing.T) {
	var requests []int
	for _, customers := range []int{330, 1650} {
		r := summaryCost(t, customers)
		if err := r.read(); err != nil {
			t.Fatalf("Summary = %v", err)
		}
		m := r.m
		t.Logf("%d conversations: %v read units, %d requests, %d items (ceiling %d): %v", r.h.Conversations, m.units, m.requests, m.itemsRead, r.ceiling(), m.operations)
		if m.units == 0 {
			t.Fatal("a summary read no capacity; the meter sees nothing")
		}
		if m.itemsRead > r.ceiling() {
			t.Errorf("a 90-day summary at %d conversations reads %d items; want at most %d", r.h.Conversations, m.itemsRead, r.ceiling())
		}
		requests = append(requests, m.requests)
	}
	if requests[0] != requests[1] {
		t.Errorf("a 90-day summary takes %d requests at about 1,000 conversations and %d at about 5,000; want the same", requests[0], requests[1])
	}
}

// BenchmarkSummaryReadCost prices a 90-day summary in DynamoDB read units
// (ReturnConsumedCapacity, as DynamoDB Local computes them) at 1,000 and
// at 100,000 conversations. Loading the larger table takes minutes, so it
// runs only when -bench selects it.
func BenchmarkSummaryReadCost(b *testing.B) {
	for _, size := range []struct {
		name      string
		customers int
	}{{"conversations=1000", 330}, {"conversations=100000", 33000}} {
		b.Run(size.name, func(b *testing.B) {
			r := summaryCost(b, size.customers)
			for b.Loop() {
				if err := r.read(); err != nil {
					b.Fatal(err)
				}
			}
			n := float64(b.N)
			b.ReportMetric(r.m.units/n, "RCU/op")
			b.ReportMetric(float64(r.m.requests)/n, "requests/op")
			b.ReportMetric(float64(r.m.itemsRead)/n, "items/op")
			b.ReportMetric(float64(r.ceiling()), "item-ceiling")
			b.ReportMetric(float64(r.h.Conversations), "conversations")
		})
	}
}

// meter counts what a store reads: requests, items and the read capacity
// DynamoDB reports for them (ReturnConsumedCapacity), asked for on every
// read whatever the store asks.
type meter struct {
	store.DB
	mu                  sync.Mutex
	units               float64
	requests, itemsRead int
	operations          map[string]int
}

func newMeter(db store.DB) *meter { return &meter{DB: db, operations: map[string]int{}} }

func (m *meter) reset() {
	m.mu.Lock()
	m.units, m.requests, m.itemsRead, m.operations = 0, 0, 0, map[string]int{}
	m.mu.Unlock()
}

func (m *meter) add(op string, items int, cc *types.ConsumedCapacity) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.requests++
	m.operations[op]++
	m.itemsRead += items
	if cc != nil {
		m.units += aws.ToFloat64(cc.CapacityUnits)
	}
}

func (m *meter) Query(ctx context.Context, in *dynamodb.QueryInput, o ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	q := *in
	q.ReturnConsumedCapacity = types.ReturnConsumedCapacityTotal
	out, err := m.DB.Query(ctx, &q, o...)
	if err == nil {
		op := "Query"
		if index := aws.ToString(q.IndexName); index != "" {
			op += " " + index
		}
		m.add(op+partition(q.ExpressionAttributeValues), len(out.Items), out.ConsumedCapacity)
	}
	return out, err
}

func (m *meter) GetItem(ctx context.Context, in *dynamodb.GetItemInput, o ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	g := *in
	g.ReturnConsumedCapacity = types.ReturnConsumedCapacityTotal
	out, err := m.DB.GetItem(ctx, &g, o...)
	if err == nil {
		items := 0
		if out.Item != nil {
			items = 1
		}
		m.add("GetItem", items, out.ConsumedCapacity)
	}
	return out, err
}

func (m *meter) Scan(ctx context.Context, in *dynamodb.ScanInput, o ...func(*dynamodb.Options)) (*dynamodb.ScanOutput, error) {
	sc := *in
	sc.ReturnConsumedCapacity = types.ReturnConsumedCapacityTotal
	out, err := m.DB.Scan(ctx, &sc, o...)
	if err == nil {
		m.add("Scan", len(out.Items), out.ConsumedCapacity)
	}
	return out, err
}

// partition names what a Query read, for the log: its partition key.
func partition(values map[string]types.AttributeValue) string {
	if v, ok := values[":pk"].(*types.AttributeValueMemberS); ok {
		return " " + v.Value
	}
	return ""
}
