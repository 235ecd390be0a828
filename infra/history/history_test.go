package history

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/switchboard-inbox/switchboard/infra/ddbtest"
	"github.com/switchboard-inbox/switchboard/shared/inbox"
	"github.com/switchboard-inbox/switchboard/shared/rebuild"
	"github.com/switchboard-inbox/switchboard/shared/report"
	"github.com/switchboard-inbox/switchboard/shared/store"
)

// The store must take every event the history plays.
var _ Driver = (*store.Store)(nil)

// testCustomers gives some 550 conversations (6,000 events): every shape
// the generator makes, and few enough to apply one by one in under a
// minute (about 9 ms an event on DynamoDB Local).
const testCustomers = 180

func businessHours(t testing.TB, loc *time.Location) inbox.BusinessHours {
	t.Helper()
	hours, err := inbox.ParseBusinessHours("Mon-Fri 09:00-17:00", loc)
	if err != nil {
		t.Fatal(err)
	}
	return hours
}

// applied is a generated history played into a fresh table through the
// real code.
type applied struct {
	h     History
	st    *store.Store
	loc   *time.Location
	hours inbox.BusinessHours
}

func apply(t *testing.T) applied {
	t.Helper()
	loc := paris(t)
	a := applied{h: Generate(Options{Seed: 8, Customers: testCustomers, Location: loc}), loc: loc, hours: businessHours(t, loc)}
	db, table := ddbtest.Table(t)
	a.st = store.New(db, table)
	a.st.Location, a.st.Hours, a.st.Now = loc, a.hours, a.h.Clock.Now
	start := time.Now()
	if err := Apply(context.Background(), a.st, a.h); err != nil {
		t.Fatalf("Apply: %v", err)
	}
	t.Logf("applied %d events of %d conversations in %v", len(a.h.Events), a.h.Conversations, time.Since(start).Round(time.Millisecond))
	return a
}

func (a applied) today() string { return inbox.Day(a.h.End, a.loc) }

func addDays(d string, n int) string {
	t, err := time.Parse(time.DateOnly, d)
	if err != nil {
		panic(err)
	}
	return t.AddDate(0, 0, n).Format(time.DateOnly)
}

// TestHistory plays a generated year through the real code once (which
// takes most of a minute) and checks what the counters make of it.
// Apply runs alone: ids carry their time, and making ids for two
// histories at once would misdate them (see Apply).
func TestHistory(t *testing.T) {
	a := apply(t)
	t.Run("ReportsMatchTheHistory", func(t *testing.T) { reportsMatchTheHistory(t, a) })
	// Last: the rebuild rewrites every counter.
	t.Run("RebuildEqualsIncremental", func(t *testing.T) { rebuildEqualsIncremental(t, a) })
}

// reportsMatchTheHistory holds every figure of the summary, for three
// windows, every breakdown and both retention periods, to what Expect
// works out from the events.
func reportsMatchTheHistory(t *testing.T, a applied) {
	svc := &report.Service{Store: a.st, Location: a.loc, Hours: a.hours, Now: func() time.Time { return a.h.End }}
	windows := []struct{ name, from, to string }{
		{"last 90 days", addDays(a.today(), -89), a.today()},
		{"whole year", inbox.Day(a.h.Options.Start, a.loc), a.today()},
		{"March, across the change to summer time", "2026-03-01", "2026-03-31"},
	}
	for _, w := range windows {
		want := Expect(a.h, w.from, w.to, a.loc, a.hours)
		for _, groupBy := range []string{"", inbox.DimensionChannel, inbox.DimensionAgent, inbox.DimensionCategory} {
			for _, period := range inbox.PeriodKinds {
				name := fmt.Sprintf("%s/group_by=%s/period=%s", w.name, groupBy, period)
				t.Run(name, func(t *testing.T) {
					got, err := svc.Summary(context.Background(), report.Query{From: w.from, To: w.to, GroupBy: groupBy, Period: period})
					if err != nil {
						t.Fatalf("Summary = %v", err)
					}
					c := &checker{t: t, loc: a.loc, business: a.hours.Configured()}
					c.summary(got, want, period, a.today())
				})
			}
		}
	}
}

// rebuildEqualsIncremental recounts every counter from the stored facts
// after the history was played event by event, and requires the very
// same rows, periods and dormant list.
func rebuildEqualsIncremental(t *testing.T, a applied) {
	incremental := a.counters(t)
	job := rebuild.Job{Source: a.st, Sink: a.st, Options: rebuild.Options{Location: a.loc, Hours: a.hours}, Log: slog.New(slog.DiscardHandler)}
	summary, err := job.Run(context.Background())
	if err != nil {
		t.Fatalf("rebuild: %v", err)
	}
	t.Logf("rebuilt %+v", summary)
	rebuilt := a.counters(t)
	diff(t, "rebuilt", rebuilt.rows, incremental.rows)
	if len(incremental.rows) < 1000 {
		t.Errorf("only %d counter rows after %d conversations; the comparison would prove little", len(incremental.rows), a.h.Conversations)
	}
	if !slices.Equal(rebuilt.dormant, incremental.dormant) {
		t.Errorf("rebuilt dormant list differs:\n got %v\nwant %v", rebuilt.dormant, incremental.dormant)
	}
}

// counters is everything the counters hold: day, totals and period rows
// by key, and the whole dormant list.
type counters struct {
	rows    map[string]inbox.Stat
	dormant []inbox.DormantCustomer
}

func (a applied) counters(t *testing.T) counters {
	t.Helper()
	ctx := context.Background()
	c := counters{rows: map[string]inbox.Stat{}}
	add := func(kind string, stats []inbox.Stat, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("read %s: %v", kind, err)
		}
		for _, st := range stats {
			c.rows[kind+" "+st.Day+"#"+st.Dimension+"#"+st.Value] = st
		}
	}
	stats, err := a.st.Stats(ctx, inbox.Day(a.h.Options.Start, a.loc), a.today())
	add("day", stats, err)
	stats, err = a.st.Totals(ctx)
	add("total", stats, err)
	for _, k := range inbox.PeriodKinds {
		first := inbox.Period(k, a.h.Options.Start, a.loc)
		after := shift(inbox.Period(k, a.h.End, a.loc), 1)
		stats, err := a.st.PeriodStats(ctx, first, after)
		add("period", stats, err)
	}
	c.dormant, err = a.st.Dormant(ctx, time.Time{}, a.h.End.AddDate(10, 0, 0), 100000)
	if err != nil {
		t.Fatalf("read dormant customers: %v", err)
	}
	return c
}

// diff reports rows that differ, counter by counter, a few of them.
func diff(t *testing.T, what string, got, want map[string]inbox.Stat) {
	t.Helper()
	var problems []string
	for _, k := range slices.Sorted(mapKeys(got, want)) {
		g, w := got[k], want[k]
		if g.Name != w.Name {
			problems = append(problems, fmt.Sprintf("%s name %q; want %q", k, g.Name, w.Name))
		}
		for _, name := range slices.Sorted(mapKeys(g.Counters, w.Counters)) {
			if g.Counters[name] != w.Counters[name] {
				problems = append(problems, fmt.Sprintf("%s %s = %d; want %d", k, name, g.Counters[name], w.Counters[name]))
			}
		}
	}
	for i, p := range problems {
		if i == 40 {
			t.Errorf("... and %d more", len(problems)-i)
			break
		}
		t.Errorf("%s: %s", what, p)
	}
}

// mapKeys iterates the keys of both maps, once each.
func mapKeys[V any](a, b map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range a {
			if !yield(k) {
				return
			}
		}
		for k := range b {
			if _, ok := a[k]; !ok && !yield(k) {
				return
			}
		}
	}
}
