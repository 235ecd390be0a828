package report

import (
	"context"
	"testing"
	"time"

	"github.com/switchboard-inbox/switchboard/shared/inbox"
)

// BenchmarkSummary prices the computation of a 90-day summary grouped by
// agent from saturated counter rows (22 rows a day, every time bucket in
// use): the CPU a reports request spends besides its reads.
func BenchmarkSummary(b *testing.B) {
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	f := &fakeStore{}
	rows := []inbox.StatRow{{Dimension: inbox.DimensionAll}}
	for _, ch := range []string{"chat", "email", "whatsapp", "messenger", "instagram", "telegram", "sms"} {
		rows = append(rows, inbox.StatRow{Dimension: inbox.DimensionChannel, Value: ch})
	}
	for _, v := range []string{"U1", "U2", "U3", "U4", "U5", "U6"} {
		rows = append(rows, inbox.StatRow{Dimension: inbox.DimensionAgent, Value: v, Name: v})
	}
	for _, v := range []string{"billing", "refund", "shipping", "bug", "other"} {
		rows = append(rows, inbox.StatRow{Dimension: inbox.DimensionCategory, Value: v})
	}
	for _, p := range inbox.Priorities {
		rows = append(rows, inbox.StatRow{Dimension: inbox.DimensionPriority, Value: string(p)})
	}
	for d := 0; d < 90; d++ {
		day := inbox.Day(now.AddDate(0, 0, -d), time.UTC)
		for _, row := range rows {
			counters := map[string]int64{inbox.CounterOpened: 40, inbox.CounterResolved: 38, inbox.CounterMessagesIn: 120,
				inbox.CounterMessagesOut: 90, inbox.CounterCSATRatings: 12, inbox.CounterCSATRequests: 30, inbox.CounterCSATScore(5): 12}
			for _, t := range inbox.Timings {
				counters[t.CountName()], counters[t.SumName()] = 64, 64*3600
				for i := range inbox.BucketCount {
					counters[t.BucketName(i)] = 1
				}
			}
			f.days = append(f.days, inbox.Stat{Day: day, Dimension: row.Dimension, Value: row.Value, Name: row.Name, Counters: counters})
		}
	}
	svc := &Service{Store: f, Location: time.UTC, Now: func() time.Time { return now }}
	q := Query{From: inbox.Day(now.AddDate(0, 0, -89), time.UTC), To: inbox.Day(now, time.UTC), GroupBy: inbox.DimensionAgent, Period: inbox.PeriodMonth}
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if _, err := svc.Summary(ctx, q); err != nil {
			b.Fatal(err)
		}
	}
}
