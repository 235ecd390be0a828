// Package report turns the per-day, totals and per-period counter rows
// that every event keeps up to date into the reports managers read: the
// summary JSON (which the dashboard and the Slack digest share), the CSV
// export, and the HTTP API that serves them behind REPORTS_TOKEN or a
// signed link. It reads a fixed number of counter items per report and
// never scans conversations, except for the export's per-conversation
// section, which streams. docs/metrics.md defines every figure.
package report

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/switchboard-inbox/switchboard/shared/inbox"
)

// Reader is what the reports read from the store.
type Reader interface {
	// Stats returns the per-day rows of the days from..to (YYYY-MM-DD, at
	// most MaxDays), every dimension.
	Stats(ctx context.Context, from, to string) ([]inbox.Stat, error)
	// Totals returns the rows kept without a day (the open gauge).
	Totals(ctx context.Context) ([]inbox.Stat, error)
	// PeriodStats returns the retention rows of the periods from..to, of
	// one kind; Stat.Day holds the period.
	PeriodStats(ctx context.Context, from, to string) ([]inbox.Stat, error)
	// Dormant returns customers who became dormant in [since, until),
	// newest first.
	Dormant(ctx context.Context, since, until time.Time, limit int) ([]inbox.DormantCustomer, error)
	// OpenedConversations calls fn for each conversation opened in
	// [from, to), oldest first.
	OpenedConversations(ctx context.Context, from, to time.Time, fn func(inbox.Conversation) error) error
}

// DormantLimit is how many dormant customers a summary lists.
const DormantLimit = 50

// Service computes reports from the counters.
type Service struct {
	Store Reader
	// Location is the team's zone (SUPPORT_TIME_ZONE), whose days the
	// counters are kept by.
	Location *time.Location
	// Hours are the business hours (BUSINESS_HOURS); the zero value adds
	// no business-hours figures.
	Hours inbox.BusinessHours
	Now   func() time.Time
	// DormantAfter is DORMANT_AFTER, the interval shown for customers with
	// a single contact; zero means inbox.DefaultDormantAfter.
	DormantAfter time.Duration
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Service) dormantAfter() time.Duration {
	if s.DormantAfter > 0 {
		return s.DormantAfter
	}
	return inbox.DefaultDormantAfter
}

func (s *Service) location() *time.Location {
	if s.Location != nil {
		return s.Location
	}
	return time.UTC
}

// Summary computes the report of q. It reads the day rows of the window
// and of the days since (for the backlog), the totals, the period rows of
// the periods the window overlaps and the one before, and one page of the
// dormant index: the same items at any number of conversations.
func (s *Service) Summary(ctx context.Context, q Query) (Summary, error) {
	if err := q.check(); err != nil {
		return Summary{}, err
	}
	loc, now := s.location(), s.now()
	win, err := s.readDays(ctx, q, now)
	if err != nil {
		return Summary{}, err
	}
	retention, err := s.retention(ctx, q, now)
	if err != nil {
		return Summary{}, err
	}
	customers, err := s.Store.Dormant(ctx, time.Time{}, startOfDay(addDays(q.To, 1), loc), DormantLimit)
	if err != nil {
		return Summary{}, fmt.Errorf("read dormant customers until the end of %s: %w", q.To, err)
	}
	business := s.Hours.Configured()
	all := win.sum(inbox.DimensionAll, "")
	sum := Summary{
		From:              q.From,
		To:                q.To,
		TZ:                loc.String(),
		GroupBy:           q.GroupBy,
		Period:            q.Period,
		GeneratedAt:       now.UTC().Truncate(time.Second),
		TimeBucketError:   inbox.BucketRelativeError,
		Volume:            volume(all, win.backlog(q.To)),
		FirstResponseTime: timeStats(all, inbox.TimingFirstResponse, business),
		ReplyTime:         timeStats(all, inbox.TimingReply, business),
		ResolutionTime:    timeStats(all, inbox.TimingResolution, business),
		CSAT:              csat(all),
		Retention:         retention,
		Triage:            win.triage(),
		Daily:             win.daily(),
		Groups:            win.groups(q.GroupBy, business),
		Dormant:           dormant(customers, loc),
		DormantAfterDays:  *inDays(s.dormantAfter()),
	}
	if business {
		sum.BusinessHours = describeHours(s.Hours)
	}
	if n := len(retention); n > 0 {
		last := retention[n-1]
		sum.RetentionRate = last.RetentionRate
		sum.RepeatContactRate = last.RepeatContactRate
		sum.Churned = last.Churned
		sum.NewCustomers = last.New
		sum.ReturningCustomers = last.Returning
	}
	return sum, nil
}

func volume(c map[string]int64, backlog int64) Volume {
	return Volume{
		Opened:      c[inbox.CounterOpened],
		Reopened:    c[inbox.CounterReopened],
		Resolved:    c[inbox.CounterResolved],
		MessagesIn:  c[inbox.CounterMessagesIn],
		MessagesOut: c[inbox.CounterMessagesOut],
		Backlog:     backlog,
	}
}

func csat(c map[string]int64) CSAT {
	ratings := c[inbox.CounterCSATRatings]
	out := CSAT{
		Score:        satisfied(c, ratings),
		Ratings:      ratings,
		Requests:     c[inbox.CounterCSATRequests],
		ResponseRate: ratio(ratings, c[inbox.CounterCSATRequests]),
		Skipped:      c[inbox.CounterCSATSkipped],
		Undelivered:  c[inbox.CounterCSATUndelivered],
		Distribution: map[string]int64{},
	}
	for score := inbox.MinScore; score <= inbox.MaxScore; score++ {
		out.Distribution[strconv.Itoa(score)] = c[inbox.CounterCSATScore(score)]
	}
	return out
}

// satisfied is the CSAT score: ratings of 4 or 5 among all ratings.
func satisfied(c map[string]int64, ratings int64) *float64 {
	return ratio(c[inbox.CounterCSATScore(4)]+c[inbox.CounterCSATScore(5)], ratings)
}

func dormant(customers []inbox.DormantCustomer, loc *time.Location) []Dormant {
	out := make([]Dormant, 0, len(customers))
	for _, c := range customers {
		d := Dormant{
			CustomerID:   c.CustomerID,
			Name:         c.Name,
			Channel:      string(c.Channel),
			LastContact:  inbox.Day(c.LastContactAt, loc),
			DormantSince: inbox.Day(c.DormantSince, loc),
		}
		if c.UsualInterval > 0 {
			d.UsualIntervalDays = inDays(c.UsualInterval)
		}
		if inbox.ValidScore(c.LastCSAT) {
			score := c.LastCSAT
			d.LastCSAT = &score
		}
		out = append(out, d)
	}
	return out
}

// inDays is a duration in days, to a tenth.
func inDays(d time.Duration) *float64 {
	v := math.Round(d.Hours()/24*10) / 10
	return &v
}
