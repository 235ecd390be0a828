package store

import (
	"sort"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/switchboard-inbox/switchboard/shared/inbox"
)

// tally gathers the counter additions of one event, row by row, so each
// row is written once however many samples land on it: a transaction may
// not touch an item twice.
type tally struct {
	rows  map[string]*tallyRow
	order []string
}

type tallyRow struct {
	day, pk, sk string
	row         inbox.StatRow
	counts      map[string]int64
}

func newTally() *tally { return &tally{rows: map[string]*tallyRow{}} }

// add counts on a day's rows; a row whose value is empty (a conversation
// not triaged, a resolution nobody is credited with) is left out, except
// the row of all conversations.
func (t *tally) add(day string, rows []inbox.StatRow, counts ...inbox.Count) {
	for _, row := range rows {
		if row.Dimension != inbox.DimensionAll && row.Value == "" {
			continue
		}
		t.addAt(statPK(day), statSK(day, row), day, row, counts)
	}
}

// addTotals counts on the totals rows, which have no day.
func (t *tally) addTotals(rows []inbox.StatRow, counts ...inbox.Count) {
	for _, row := range rows {
		t.addAt(totalsPK, totalsSK(row), "", row, counts)
	}
}

// addPeriod counts on a retention period's row.
func (t *tally) addPeriod(period string, counts ...inbox.Count) {
	row := inbox.StatRow{Dimension: inbox.DimensionAll}
	t.addAt(periodPK(period), periodSK(period), period, row, counts)
}

func (t *tally) addAt(pk, sk, day string, row inbox.StatRow, counts []inbox.Count) {
	k := pk + "|" + sk
	r, ok := t.rows[k]
	if !ok {
		r = &tallyRow{day: day, pk: pk, sk: sk, row: row, counts: map[string]int64{}}
		t.rows[k] = r
		t.order = append(t.order, k)
	}
	if row.Name != "" {
		r.row.Name = row.Name
	}
	for _, c := range counts {
		r.counts[c.Name] += c.N
	}
}

// items are the rows' updates, in the order rows were first counted.
func (s *Store) tallyItems(t *tally) []types.TransactWriteItem {
	var items []types.TransactWriteItem
	for _, k := range t.order {
		r := t.rows[k]
		names := make([]string, 0, len(r.counts))
		for name, n := range r.counts {
			if n != 0 {
				names = append(names, name)
			}
		}
		if len(names) == 0 {
			continue
		}
		sort.Strings(names)
		counters := make([]counter, len(names))
		for i, name := range names {
			counters[i] = counter{name: name, n: r.counts[name]}
		}
		items = append(items, s.statUpdate(r.pk, r.sk, r.day, r.row, counters))
	}
	return items
}

// Totals and period rows live beside the day rows: the gauge of what is
// open now in one partition, and a year's retention periods in another.
const totalsPK = "STAT#TOTAL"

func totalsSK(row inbox.StatRow) string { return row.Dimension + "#" + row.Value }

func periodPK(period string) string { return "STATP#" + period[:min(len(period), 4)] }
func periodSK(period string) string { return period + "#" + inbox.DimensionAll + "#" }

// day is the team's calendar day of t, as counters name it.
func (s *Store) day(t time.Time) string { return inbox.Day(t, s.Location) }

// conversationRows are the rows an event of a conversation counts in.
func conversationRows(c inbox.Conversation, agentID, agentName string) []inbox.StatRow {
	return []inbox.StatRow{
		{Dimension: inbox.DimensionAll},
		{Dimension: inbox.DimensionChannel, Value: string(c.Channel)},
		{Dimension: inbox.DimensionCategory, Value: categoryOf(c)},
		{Dimension: inbox.DimensionAgent, Value: agentID, Name: agentName},
	}
}

func channelRows(ch inbox.Channel) []inbox.StatRow {
	return []inbox.StatRow{{Dimension: inbox.DimensionAll}, {Dimension: inbox.DimensionChannel, Value: string(ch)}}
}

func categoryOf(c inbox.Conversation) string {
	if c.Triage == nil {
		return ""
	}
	return c.Triage.Category
}

func one(name string) inbox.Count { return inbox.Count{Name: name, N: 1} }
