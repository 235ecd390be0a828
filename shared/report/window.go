package report

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/switchboard-inbox/switchboard/shared/inbox"
)

// window holds the day rows of a report's window and what the backlog needs
// of the days after it.
type window struct {
	from, to string
	rows     []inbox.Stat
	// backlogs is the backlog at the end of each day of the window.
	backlogs map[string]int64
}

// readDays reads the window's day rows, the totals, and the day rows from
// the day after the window up to today: a day's backlog is the open gauge
// minus what opened, reopened and resolved since.
func (s *Service) readDays(ctx context.Context, q Query, now time.Time) (window, error) {
	rows, err := s.Store.Stats(ctx, q.From, q.To)
	if err != nil {
		return window{}, fmt.Errorf("read day stats %s..%s: %w", q.From, q.To, err)
	}
	totals, err := s.Store.Totals(ctx)
	if err != nil {
		return window{}, fmt.Errorf("read total stats: %w", err)
	}
	var open int64
	for _, t := range totals {
		if t.Dimension == inbox.DimensionAll {
			open += t.Counters[inbox.CounterOpen]
		}
	}
	// Later days are read MaxDays at a time: a window long past costs a
	// few more reads, still none per conversation.
	today := inbox.Day(now, s.location())
	var netAfter int64
	for from := addDays(q.To, 1); from <= today; from = addDays(from, MaxDays) {
		to := min(addDays(from, MaxDays-1), today)
		after, err := s.Store.Stats(ctx, from, to)
		if err != nil {
			return window{}, fmt.Errorf("read day stats %s..%s for the backlog: %w", from, to, err)
		}
		for _, r := range after {
			if r.Dimension == inbox.DimensionAll && r.Day >= from && r.Day <= to {
				netAfter += net(r.Counters)
			}
		}
	}
	d := window{from: q.From, to: q.To, backlogs: map[string]int64{}}
	for _, r := range rows {
		if r.Day >= q.From && r.Day <= q.To && validDay(r.Day) {
			d.rows = append(d.rows, r)
		}
	}
	byDay := d.byDay()
	backlog := open - netAfter
	for day := q.To; day >= q.From; day = addDays(day, -1) {
		d.backlogs[day] = backlog
		backlog -= net(byDay[day])
	}
	return d, nil
}

// net is how much a day's events grew the backlog.
func net(c map[string]int64) int64 {
	return c[inbox.CounterOpened] + c[inbox.CounterReopened] - c[inbox.CounterResolved]
}

func (d window) backlog(day string) int64 { return d.backlogs[day] }

// sum adds up the counters of one dimension value over the window.
func (d window) sum(dimension, value string) map[string]int64 {
	total := map[string]int64{}
	for _, r := range d.rows {
		if r.Dimension == dimension && r.Value == value {
			add(total, r.Counters)
		}
	}
	return total
}

// byDay is the all row of each day that has one.
func (d window) byDay() map[string]map[string]int64 {
	out := map[string]map[string]int64{}
	for _, r := range d.rows {
		if r.Dimension == inbox.DimensionAll {
			if out[r.Day] == nil {
				out[r.Day] = map[string]int64{}
			}
			add(out[r.Day], r.Counters)
		}
	}
	return out
}

func add(total, counters map[string]int64) {
	for name, n := range counters {
		total[name] += n
	}
}

// daily lists every day of the window, days without events included.
func (d window) daily() []Day {
	all := d.byDay()
	channels := map[string]map[string]int64{}
	for _, r := range d.rows {
		if r.Dimension != inbox.DimensionChannel {
			continue
		}
		if channels[r.Value] == nil {
			channels[r.Value] = map[string]int64{}
		}
		channels[r.Value][r.Day] += r.Counters[inbox.CounterOpened]
	}
	var out []Day
	for day := d.from; day <= d.to; day = addDays(day, 1) {
		c := all[day]
		v := volume(c, d.backlogs[day])
		row := Day{
			Day:               day,
			Opened:            v.Opened,
			Reopened:          v.Reopened,
			Resolved:          v.Resolved,
			MessagesIn:        v.MessagesIn,
			MessagesOut:       v.MessagesOut,
			Backlog:           v.Backlog,
			FirstResponseTime: timeStats(c, inbox.TimingFirstResponse, false),
			CSAT:              DayCSAT{Score: satisfied(c, c[inbox.CounterCSATRatings]), Ratings: c[inbox.CounterCSATRatings]},
			OpenedByChannel:   map[string]int64{},
		}
		for channel, opened := range channels {
			row.OpenedByChannel[channel] = opened[day]
		}
		out = append(out, row)
	}
	return out
}

// triage counts conversations by category and priority, and the model's
// usage by month over the window's days.
func (d window) triage() Triage {
	t := Triage{ByCategory: map[string]int64{}, ByPriority: map[string]int64{}}
	months := map[string]int{} // index in TokensByMonth
	for day := d.from; day <= d.to; day = addDays(day, 1) {
		month := day[:len("2006-01")]
		if _, ok := months[month]; !ok {
			months[month] = len(t.TokensByMonth)
			t.TokensByMonth = append(t.TokensByMonth, MonthTokens{Month: month})
		}
	}
	for _, r := range d.rows {
		switch r.Dimension {
		case inbox.DimensionCategory:
			addNonZero(t.ByCategory, r.Value, r.Counters[inbox.CounterTriaged])
		case inbox.DimensionPriority:
			addNonZero(t.ByPriority, r.Value, r.Counters[inbox.CounterTriaged])
		case inbox.DimensionAll:
			m := &t.TokensByMonth[months[r.Day[:len("2006-01")]]]
			m.Calls += r.Counters[inbox.CounterTriageCalls]
			m.PromptTokens += r.Counters[inbox.CounterPromptTokens]
			m.CompletionTokens += r.Counters[inbox.CounterCompletionTokens]
		}
	}
	return t
}

// addNonZero adds n to m[key], and leaves out keys whose count is zero: a
// re-triage moves a conversation's count to its new category.
func addNonZero(m map[string]int64, key string, n int64) {
	m[key] += n
	if m[key] == 0 {
		delete(m, key)
	}
}

// groups sums each value of dimension over the window, most opened first.
func (d window) groups(dimension string, business bool) []Group {
	if dimension == "" {
		return nil
	}
	type acc struct {
		counters map[string]int64
		name     string
		nameDay  string
	}
	byValue := map[string]*acc{}
	for _, r := range d.rows {
		if r.Dimension != dimension {
			continue
		}
		a := byValue[r.Value]
		if a == nil {
			a = &acc{counters: map[string]int64{}}
			byValue[r.Value] = a
		}
		add(a.counters, r.Counters)
		// An agent's newest display name wins.
		if r.Name != "" && r.Day >= a.nameDay {
			a.name, a.nameDay = r.Name, r.Day
		}
	}
	out := make([]Group, 0, len(byValue))
	for value, a := range byValue {
		c := a.counters
		g := Group{
			Dimension:         dimension,
			Value:             value,
			Name:              groupName(dimension, value, a.name),
			Opened:            c[inbox.CounterOpened],
			Resolved:          c[inbox.CounterResolved],
			MessagesOut:       c[inbox.CounterMessagesOut],
			FirstResponseTime: timeStats(c, inbox.TimingFirstResponse, business),
			ReplyTime:         timeStats(c, inbox.TimingReply, business),
			ResolutionTime:    timeStats(c, inbox.TimingResolution, business),
			CSAT:              csat(c),
		}
		out = append(out, g)
	}
	slices.SortFunc(out, func(a, b Group) int {
		return cmp.Or(cmp.Compare(b.Opened, a.Opened), cmp.Compare(b.Resolved, a.Resolved), cmp.Compare(a.Value, b.Value))
	})
	return out
}

func groupName(dimension, value, name string) string {
	switch {
	case name != "":
		return name
	case dimension == inbox.DimensionChannel:
		return inbox.Channel(value).Label()
	}
	return value
}
