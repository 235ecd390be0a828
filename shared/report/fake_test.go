package report

import (
	"context"
	"fmt"
	"time"

	"github.com/switchboard-inbox/switchboard/shared/inbox"
)

// fakeStore serves hand-made counter rows and records every read, so a
// test can tell what a report cost.
type fakeStore struct {
	days          []inbox.Stat
	totals        []inbox.Stat
	periods       []inbox.Stat
	dormant       []inbox.DormantCustomer
	conversations []inbox.Conversation
	err           error
	reads         []string
}

func (f *fakeStore) Stats(_ context.Context, from, to string) ([]inbox.Stat, error) {
	f.reads = append(f.reads, "Stats "+from+".."+to)
	var out []inbox.Stat
	for _, s := range f.days {
		if s.Day >= from && s.Day <= to {
			out = append(out, s)
		}
	}
	return out, f.err
}

func (f *fakeStore) Totals(context.Context) ([]inbox.Stat, error) {
	f.reads = append(f.reads, "Totals")
	return f.totals, f.err
}

func (f *fakeStore) PeriodStats(_ context.Context, from, to string) ([]inbox.Stat, error) {
	f.reads = append(f.reads, "PeriodStats "+from+".."+to)
	var out []inbox.Stat
	for _, s := range f.periods {
		if s.Day >= from && s.Day <= to {
			out = append(out, s)
		}
	}
	return out, f.err
}

func (f *fakeStore) Dormant(_ context.Context, since, until time.Time, limit int) ([]inbox.DormantCustomer, error) {
	f.reads = append(f.reads, fmt.Sprintf("Dormant %s..%s %d", since.Format(time.RFC3339), until.Format(time.RFC3339), limit))
	return f.dormant, f.err
}

func (f *fakeStore) OpenedConversations(_ context.Context, from, to time.Time, fn func(inbox.Conversation) error) error {
	f.reads = append(f.reads, "OpenedConversations "+from.Format(time.RFC3339)+".."+to.Format(time.RFC3339))
	if f.err != nil {
		return f.err
	}
	for _, c := range f.conversations {
		if !c.OpenedAt.Before(from) && c.OpenedAt.Before(to) {
			if err := fn(c); err != nil {
				return err
			}
		}
	}
	return nil
}

// row is a day (or period) row of one dimension value.
func row(day, dimension, value string, counters map[string]int64) inbox.Stat {
	return inbox.Stat{Day: day, Dimension: dimension, Value: value, Counters: counters}
}

// sample is one measured time: from its start to its end.
type sample struct{ from, to time.Time }

// timed adds the counters of samples of timing t to counters, through
// inbox.TimingCounts as the store's writers do.
func timed(counters map[string]int64, t inbox.Timing, hours inbox.BusinessHours, samples ...sample) map[string]int64 {
	for _, s := range samples {
		for _, c := range inbox.TimingCounts(t, s.to.Sub(s.from), hours, s.from, s.to) {
			counters[c.Name] += c.N
		}
	}
	return counters
}

func mustLocation(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

func ptr[T any](v T) *T { return &v }
