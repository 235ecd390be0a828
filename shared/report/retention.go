package report

import (
	"context"
	"fmt"
	"time"

	"github.com/switchboard-inbox/switchboard/shared/inbox"
)

// retention reads the period rows of the periods the window overlaps and
// of the one before the first (whose active count is the first's S), and
// derives each period's retention.
func (s *Service) retention(ctx context.Context, q Query, now time.Time) ([]PeriodRetention, error) {
	loc := s.location()
	first := inbox.Period(q.Period, startOfDay(q.From, loc), loc)
	last := inbox.Period(q.Period, startOfDay(q.To, loc), loc)
	before, err := inbox.ShiftPeriod(first, -1)
	if err != nil {
		return nil, fmt.Errorf("period before %s: %w", first, err)
	}
	rows, err := s.Store.PeriodStats(ctx, before, last)
	if err != nil {
		return nil, fmt.Errorf("read period stats %s..%s: %w", before, last, err)
	}
	byPeriod := map[string]map[string]int64{}
	for _, r := range rows {
		if r.Dimension != inbox.DimensionAll {
			continue
		}
		if byPeriod[r.Day] == nil {
			byPeriod[r.Day] = map[string]int64{}
		}
		add(byPeriod[r.Day], r.Counters)
	}
	var out []PeriodRetention
	previous := byPeriod[before]
	for p := first; ; {
		next, err := inbox.ShiftPeriod(p, 1)
		if err != nil {
			return nil, fmt.Errorf("period after %s: %w", p, err)
		}
		end, _, err := inbox.PeriodStart(next, loc)
		if err != nil {
			return nil, fmt.Errorf("start of %s: %w", next, err)
		}
		out = append(out, periodRetention(p, byPeriod[p], previous, !now.Before(end)))
		if p == last {
			return out, nil
		}
		previous, p = byPeriod[p], next
	}
}

// periodRetention derives a period's figures from its counters and the
// previous period's: S is the customers active then, the retention rate
// (E − N) / S, churned S − retained.
func periodRetention(period string, c, previous map[string]int64, complete bool) PeriodRetention {
	s := previous[inbox.CounterActive]
	e, n := c[inbox.CounterActive], c[inbox.CounterNew]
	retained := c[inbox.CounterRetained]
	r := PeriodRetention{
		Period:            period,
		PreviousActive:    s,
		Active:            e,
		New:               n,
		Returning:         e - n,
		Retained:          retained,
		Churned:           s - retained,
		RetentionRate:     ratio(e-n, s),
		Repeat:            c[inbox.CounterRepeat],
		RepeatContactRate: ratio(c[inbox.CounterRepeat], e),
		Complete:          complete,
		ByLastRating:      map[string]SegmentRetention{},
	}
	for _, seg := range inbox.Segments {
		before := c[inbox.CounterPreviousBySegment(seg)]
		kept := c[inbox.CounterRetainedBySegment(seg)]
		r.ByLastRating[seg] = SegmentRetention{Previous: before, Retained: kept, Rate: ratio(kept, before)}
	}
	return r
}
