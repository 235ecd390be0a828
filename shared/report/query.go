package report

import (
	"fmt"
	"net/url"
	"time"

	"github.com/switchboard-inbox/switchboard/shared/inbox"
)

// Window limits: the default window is 30 days ending today, and a report
// covers at most MaxDays, which bounds what one report reads.
const (
	DefaultDays = 30
	MaxDays     = 400
)

// Query is what a report covers: the days From to To (YYYY-MM-DD, both
// included, in the team's zone), an optional breakdown and the retention
// period.
type Query struct {
	From, To string
	// GroupBy is "" or one of inbox.DimensionChannel, DimensionAgent,
	// DimensionCategory.
	GroupBy string
	Period  inbox.PeriodKind
}

var groupings = map[string]bool{
	"":                      true,
	inbox.DimensionChannel:  true,
	inbox.DimensionAgent:    true,
	inbox.DimensionCategory: true,
}

// ParseQuery reads a report's query string (from, to, tz, group_by,
// period). Its errors are meant for the person who wrote the query. A `to`
// after today is cut to today: later days have no figures yet.
func ParseQuery(values url.Values, loc *time.Location, now time.Time) (Query, error) {
	if loc == nil {
		loc = time.UTC
	}
	today := inbox.Day(now, loc)
	q := Query{To: today, Period: inbox.PeriodMonth}
	if tz := values.Get("tz"); tz != "" && tz != loc.String() {
		return Query{}, fmt.Errorf("tz %q: the counters are kept by day in %s; ask in that zone or leave tz out", tz, loc)
	}
	if to := values.Get("to"); to != "" {
		if !validDay(to) {
			return Query{}, fmt.Errorf("to %q: want a date as YYYY-MM-DD", to)
		}
		q.To = min(to, today)
	}
	q.From = addDays(q.To, -(DefaultDays - 1))
	if from := values.Get("from"); from != "" {
		if !validDay(from) {
			return Query{}, fmt.Errorf("from %q: want a date as YYYY-MM-DD", from)
		}
		q.From = from
	}
	switch {
	case q.From > today:
		return Query{}, fmt.Errorf("from %s is after today (%s in %s)", q.From, today, loc)
	case q.From > q.To:
		return Query{}, fmt.Errorf("from %s is after to %s", q.From, q.To)
	case daysBetween(q.From, q.To)+1 > MaxDays:
		return Query{}, fmt.Errorf("from %s to %s is %d days; a report covers at most %d", q.From, q.To, daysBetween(q.From, q.To)+1, MaxDays)
	}
	q.GroupBy = values.Get("group_by")
	if !groupings[q.GroupBy] {
		return Query{}, fmt.Errorf("group_by %q: want channel, agent or category", q.GroupBy)
	}
	if p := values.Get("period"); p != "" {
		q.Period = inbox.PeriodKind(p)
		if q.Period != inbox.PeriodMonth && q.Period != inbox.PeriodQuarter {
			return Query{}, fmt.Errorf("period %q: want month or quarter", p)
		}
	}
	return q, nil
}

// validDay reports whether s is a calendar date written YYYY-MM-DD; the
// days sort and compare as strings from then on.
func validDay(s string) bool {
	t, err := time.Parse(time.DateOnly, s)
	return err == nil && t.Format(time.DateOnly) == s
}

// addDays moves a YYYY-MM-DD day by n calendar days.
func addDays(day string, n int) string {
	t, err := time.Parse(time.DateOnly, day)
	if err != nil {
		panic("report: bad day " + day)
	}
	return t.AddDate(0, 0, n).Format(time.DateOnly)
}

// daysBetween is the number of days from a to b (negative when b is first).
func daysBetween(a, b string) int {
	ta, errA := time.Parse(time.DateOnly, a)
	tb, errB := time.Parse(time.DateOnly, b)
	if errA != nil || errB != nil {
		panic("report: bad day " + a + " or " + b)
	}
	return int(tb.Sub(ta) / (24 * time.Hour))
}

// check validates a Query built in code rather than by ParseQuery (the
// Slack digest builds its own), so the day helpers below can trust it.
func (q Query) check() error {
	switch {
	case !validDay(q.From) || !validDay(q.To):
		return fmt.Errorf("report query %s..%s: want days as YYYY-MM-DD", q.From, q.To)
	case q.From > q.To:
		return fmt.Errorf("report query %s..%s: from is after to", q.From, q.To)
	case daysBetween(q.From, q.To)+1 > MaxDays:
		return fmt.Errorf("report query %s..%s: more than %d days", q.From, q.To, MaxDays)
	case !groupings[q.GroupBy]:
		return fmt.Errorf("report query: unknown group_by %q", q.GroupBy)
	case q.Period != inbox.PeriodMonth && q.Period != inbox.PeriodQuarter:
		return fmt.Errorf("report query: unknown period %q", q.Period)
	}
	return nil
}

// startOfDay is midnight (or the first instant) of day in loc.
func startOfDay(day string, loc *time.Location) time.Time {
	t, err := time.ParseInLocation(time.DateOnly, day, loc)
	if err != nil {
		panic("report: bad day " + day)
	}
	return t
}
