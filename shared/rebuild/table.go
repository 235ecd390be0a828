package rebuild

import (
	"cmp"
	"maps"
	"slices"
	"time"

	"github.com/switchboard-inbox/switchboard/shared/inbox"
)

type rowKey struct{ day, dimension, value string }

// table holds counters by row; day is a day, a period, or "" for totals.
type table map[rowKey]map[string]int64

// add adds counts to each row. A breakdown row without a value (no
// category, no agent) is no row at all.
func (t table) add(day string, rows []inbox.StatRow, counts ...inbox.Count) {
	for _, row := range rows {
		if row.Dimension != inbox.DimensionAll && row.Value == "" {
			continue
		}
		key := rowKey{day: day, dimension: row.Dimension, value: row.Value}
		counters := t[key]
		if counters == nil {
			counters = map[string]int64{}
			t[key] = counters
		}
		for _, c := range counts {
			counters[c.Name] += c.N
		}
	}
}

// stats returns the rows sorted, without zero counters or empty rows,
// agent rows named.
func (t table) stats(agents agentNames) []inbox.Stat {
	out := make([]inbox.Stat, 0, len(t))
	for key, counters := range t {
		maps.DeleteFunc(counters, func(_ string, n int64) bool { return n == 0 })
		if len(counters) == 0 {
			continue
		}
		s := inbox.Stat{Day: key.day, Dimension: key.dimension, Value: key.value, Counters: counters}
		if key.dimension == inbox.DimensionAgent {
			s.Name = agents[key.value].name
		}
		out = append(out, s)
	}
	slices.SortFunc(out, func(a, b inbox.Stat) int {
		return cmp.Or(cmp.Compare(a.Day, b.Day), cmp.Compare(a.Dimension, b.Dimension), cmp.Compare(a.Value, b.Value))
	})
	return out
}

func one(name string) inbox.Count { return inbox.Count{Name: name, N: 1} }

// breakdown is the rows an event of a conversation counts in: all, its
// channel, and its category and agent when it has them.
func breakdown(ch inbox.Channel, category, agentID string) []inbox.StatRow {
	return []inbox.StatRow{
		{Dimension: inbox.DimensionAll},
		{Dimension: inbox.DimensionChannel, Value: string(ch)},
		{Dimension: inbox.DimensionCategory, Value: category},
		{Dimension: inbox.DimensionAgent, Value: agentID},
	}
}

// agentNames keeps each agent's latest display name: Slack names change,
// and every row of an agent shows the current one.
type agentNames map[string]seenName

type seenName struct {
	at   time.Time
	name string
}

func (a agentNames) see(id, name string, at time.Time) {
	if id == "" || name == "" {
		return
	}
	if old, ok := a[id]; ok && at.Before(old.at) {
		return
	}
	a[id] = seenName{at: at, name: name}
}
