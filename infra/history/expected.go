package history

import (
	"cmp"
	"math"
	"slices"
	"time"

	"github.com/switchboard-inbox/switchboard/shared/inbox"
)

// Expected is what the reports must show for a window of days, worked out
// from the events and the metric definitions (docs/metrics.md) alone:
// exact samples where the reports keep buckets, sets of customers where
// they keep counters.
type Expected struct {
	From, To string
	// Total is every conversation's figures over the window.
	Total Figures
	// Backlog is how many conversations were open at the end of To.
	Backlog int
	Daily   []Daily
	// Groups are the window's figures by dimension (channel, agent,
	// category), sorted by value.
	Groups map[string][]Group
	// Retention lists every period of each kind from the history's first
	// to the one it ends in.
	Retention map[inbox.PeriodKind][]Period
	Triage    Triage
	// Dormant lists every customer dormant at the end of To, newest first:
	// contacts are counted over the whole history, as the store knows
	// them, with inbox.DefaultDormantAfter for a single contact. Their
	// CustomerID is empty (the history names customers by Name).
	Dormant []inbox.DormantCustomer
}

// Figures are counts and exact timing samples, sorted.
type Figures struct {
	Opened, Reopened, Resolved, MessagesIn, MessagesOut int
	FirstResponse, Reply, Resolution                    Times
	CSAT                                                CSAT
}

// Times are the samples of one timing, in calendar time and in business
// hours (empty when none are configured), each sorted.
type Times struct {
	Calendar, Business []time.Duration
}

// CSAT counts rating items; Scores is indexed by score (0 unused).
type CSAT struct {
	Requests, Skipped, Undelivered, Ratings int
	Scores                                  [inbox.MaxScore + 1]int
}

// Score is the share of ratings of 4 or 5; ok is false without ratings.
func (c CSAT) Score() (score float64, ok bool) {
	if c.Ratings == 0 {
		return 0, false
	}
	return float64(c.Scores[4]+c.Scores[5]) / float64(c.Ratings), true
}

// Daily is one day's figures.
type Daily struct {
	Day string
	Figures
	Backlog         int
	OpenedByChannel map[inbox.Channel]int
}

// Group is one dimension value's figures over the window.
type Group struct {
	Dimension, Value string
	// Name is the channel's label or the agent's name; the category
	// itself for a category.
	Name string
	Figures
}

// Period is one retention period. S is Previous, E Active, N New.
type Period struct {
	Name                                    string
	Previous, Active, New, Repeat, Retained int
	// ByLastRating holds, per rating segment, the customers active in the
	// period before whose last rating by its end was in the segment, and
	// those of them active in this period.
	ByLastRating map[string]Segment
}

// Segment is one rating segment's retention.
type Segment struct{ Previous, Retained int }

// Churned is how many customers of the period before did not come back.
func (p Period) Churned() int { return p.Previous - p.Retained }

// Returning is how many active customers were seen before the period.
func (p Period) Returning() int { return p.Active - p.New }

// Triage counts the window's conversations by their current category and
// priority (on the day they opened), and the model's tokens by month.
type Triage struct {
	ByCategory, ByPriority map[string]int
	// Tokens sums the window's days by month (YYYY-MM).
	Tokens map[string]Tokens
}

// Tokens is a month's use of the triage model.
type Tokens struct{ Calls, Prompt, Completion int }

// Quantile returns the sample of rank ⌈q·n⌉ (1-based) of sorted samples,
// the one the reports' buckets estimate; ok is false without samples.
func Quantile(sorted []time.Duration, q float64) (d time.Duration, ok bool) {
	if len(sorted) == 0 {
		return 0, false
	}
	rank := int(math.Ceil(q * float64(len(sorted))))
	return sorted[min(max(rank, 1), len(sorted))-1], true
}

// Mean returns the samples' mean in seconds; ok is false without samples.
func Mean(samples []time.Duration) (seconds float64, ok bool) {
	if len(samples) == 0 {
		return 0, false
	}
	var total time.Duration
	for _, d := range samples {
		total += d
	}
	return total.Seconds() / float64(len(samples)), true
}

// Expect computes what the reports must show for the days from..to
// (YYYY-MM-DD, both included) of h, with days in loc and business times
// in hours.
func Expect(h History, from, to string, loc *time.Location, hours inbox.BusinessHours) Expected {
	if loc == nil {
		loc = time.UTC
	}
	w := replay(h)
	rows, names := w.tally(loc, hours)
	e := Expected{
		From: from, To: to, Groups: map[string][]Group{},
		Backlog:   w.backlog(to, loc),
		Retention: map[inbox.PeriodKind][]Period{},
		Triage:    w.triageFigures(from, to, loc),
		Dormant:   w.dormant(startOfDay(nextDay(to), loc), loc),
	}
	groups := map[rowKey]*Group{}
	for d := from; d <= to; d = nextDay(d) {
		daily := Daily{Day: d, Backlog: w.backlog(d, loc), OpenedByChannel: map[inbox.Channel]int{}}
		if f := rows[rowKey{d, inbox.DimensionAll, ""}]; f != nil {
			daily.Figures = f.clone()
		}
		for k, f := range rows {
			if k.day != d || k.dimension == inbox.DimensionAll {
				continue
			}
			if k.dimension == inbox.DimensionChannel && f.Opened > 0 {
				daily.OpenedByChannel[inbox.Channel(k.value)] = f.Opened
			}
			gk := rowKey{dimension: k.dimension, value: k.value}
			if groups[gk] == nil {
				groups[gk] = &Group{Dimension: k.dimension, Value: k.value, Name: names[gk]}
			}
			groups[gk].merge(f)
		}
		e.Total.merge(&daily.Figures)
		e.Daily = append(e.Daily, daily)
	}
	e.Total.sort()
	for _, g := range groups {
		g.sort()
		e.Groups[g.Dimension] = append(e.Groups[g.Dimension], *g)
	}
	for dim := range e.Groups {
		slices.SortFunc(e.Groups[dim], func(a, b Group) int { return cmp.Compare(a.Value, b.Value) })
	}
	for i := range e.Daily {
		e.Daily[i].sort()
	}
	for _, k := range inbox.PeriodKinds {
		e.Retention[k] = w.retention(k, loc)
	}
	return e
}

type rowKey struct{ day, dimension, value string }

// tallies are figures by day and row, as the counters keep them but with
// exact samples.
type tallies map[rowKey]*Figures

func (t tallies) add(day string, rows []inbox.StatRow, f func(*Figures)) {
	for _, r := range rows {
		if r.Dimension != inbox.DimensionAll && r.Value == "" {
			continue
		}
		k := rowKey{day, r.Dimension, r.Value}
		if t[k] == nil {
			t[k] = &Figures{}
		}
		f(t[k])
	}
}

// tally works out every figure of every day and row: volume where it
// happened, times on the day of the reply or resolution that ends them,
// ratings on the day their interaction was resolved.
func (w *world) tally(loc *time.Location, hours inbox.BusinessHours) (tallies, map[rowKey]string) {
	t := tallies{}
	names := map[rowKey]string{}
	for _, ch := range w.h.Options.Channels {
		names[rowKey{dimension: inbox.DimensionChannel, value: string(ch)}] = ch.Label()
	}
	for _, a := range w.h.Agents {
		names[rowKey{dimension: inbox.DimensionAgent, value: a.ID}] = a.Name
	}
	for _, c := range categories {
		names[rowKey{dimension: inbox.DimensionCategory, value: c}] = c
	}
	day := func(at time.Time) string { return inbox.Day(at, loc) }
	sample := func(from, to time.Time) (time.Duration, time.Duration, bool) {
		return to.Sub(from), hours.Between(from, to), hours.Configured()
	}
	for _, c := range w.conversations {
		if c == nil {
			continue
		}
		channel := []inbox.StatRow{{Dimension: inbox.DimensionAll}, {Dimension: inbox.DimensionChannel, Value: string(c.channel)}}
		t.add(day(c.openedAt()), channel, func(f *Figures) { f.Opened++ })
		for _, in := range c.interactions {
			if in.number > 0 {
				t.add(day(in.start), channel, func(f *Figures) { f.Reopened++ })
			}
			for _, m := range in.inbound {
				t.add(day(m), channel, func(f *Figures) { f.MessagesIn++ })
			}
			replyRows := func(r *reply) []inbox.StatRow {
				return append(slices.Clone(channel), inbox.StatRow{Dimension: inbox.DimensionCategory, Value: r.category},
					inbox.StatRow{Dimension: inbox.DimensionAgent, Value: w.h.Agents[r.agent].ID})
			}
			for _, r := range in.replies {
				if r.delivered {
					t.add(day(r.at), replyRows(r), func(f *Figures) { f.MessagesOut++ })
				}
			}
			for i, m := range in.inbound {
				r := in.answer(m)
				if r == nil {
					continue
				}
				calendar, business, ok := sample(m, r.at)
				t.add(day(r.at), replyRows(r), func(f *Figures) { f.Reply.add(calendar, business, ok) })
				if i == 0 {
					t.add(day(r.at), replyRows(r), func(f *Figures) { f.FirstResponse.add(calendar, business, ok) })
				}
			}
			if !in.resolved() {
				continue
			}
			rows := append(slices.Clone(channel), inbox.StatRow{Dimension: inbox.DimensionCategory, Value: in.category},
				inbox.StatRow{Dimension: inbox.DimensionAgent, Value: w.h.Agents[in.resolver].ID})
			calendar, business, ok := sample(in.start, in.resolvedAt)
			t.add(day(in.resolvedAt), rows, func(f *Figures) {
				f.Resolved++
				f.Resolution.add(calendar, business, ok)
			})
			if r := in.rating; r != nil {
				rows := append(slices.Clone(channel), inbox.StatRow{Dimension: inbox.DimensionCategory, Value: r.category})
				for _, a := range r.agents {
					rows = append(rows, inbox.StatRow{Dimension: inbox.DimensionAgent, Value: w.h.Agents[a].ID})
				}
				t.add(day(in.resolvedAt), rows, func(f *Figures) { f.CSAT.count(r) })
			}
		}
	}
	return t, names
}

// answer is the first delivered reply of the interaction written at or
// after a customer message at m; nil when none came before the
// resolution.
func (in *interaction) answer(m time.Time) *reply {
	for _, r := range in.replies {
		if r.delivered && !r.at.Before(m) {
			return r
		}
	}
	return nil
}

func (c *CSAT) count(r *rating) {
	if r.skipped {
		c.Skipped++
		return
	}
	c.Requests++
	if r.score > 0 {
		c.Ratings++
		c.Scores[r.score]++
	}
}

func (t *Times) add(calendar, business time.Duration, withBusiness bool) {
	t.Calendar = append(t.Calendar, calendar)
	if withBusiness {
		t.Business = append(t.Business, business)
	}
}

func (t *Times) merge(o Times) {
	t.Calendar = append(t.Calendar, o.Calendar...)
	t.Business = append(t.Business, o.Business...)
}

func (t *Times) sort() {
	slices.Sort(t.Calendar)
	slices.Sort(t.Business)
}

func (f *Figures) merge(o *Figures) {
	f.Opened += o.Opened
	f.Reopened += o.Reopened
	f.Resolved += o.Resolved
	f.MessagesIn += o.MessagesIn
	f.MessagesOut += o.MessagesOut
	f.FirstResponse.merge(o.FirstResponse)
	f.Reply.merge(o.Reply)
	f.Resolution.merge(o.Resolution)
	f.CSAT.Requests += o.CSAT.Requests
	f.CSAT.Skipped += o.CSAT.Skipped
	f.CSAT.Undelivered += o.CSAT.Undelivered
	f.CSAT.Ratings += o.CSAT.Ratings
	for s := range f.CSAT.Scores {
		f.CSAT.Scores[s] += o.CSAT.Scores[s]
	}
}

func (f *Figures) clone() Figures {
	var c Figures
	c.merge(f)
	return c
}

func (f *Figures) sort() {
	f.FirstResponse.sort()
	f.Reply.sort()
	f.Resolution.sort()
}

// backlog counts the conversations open at the end of day d: an
// interaction begun by then and not resolved by then.
func (w *world) backlog(d string, loc *time.Location) int {
	n := 0
	for _, c := range w.conversations {
		if c == nil {
			continue
		}
		for _, in := range c.interactions {
			if inbox.Day(in.start, loc) <= d && (!in.resolved() || inbox.Day(in.resolvedAt, loc) > d) {
				n++
			}
		}
	}
	return n
}

// triageFigures counts the conversations opened in the window by their
// final triage, and the model calls of the window's days.
func (w *world) triageFigures(from, to string, loc *time.Location) Triage {
	t := Triage{ByCategory: map[string]int{}, ByPriority: map[string]int{}, Tokens: map[string]Tokens{}}
	for _, c := range w.conversations {
		if c == nil || c.triage == nil {
			continue
		}
		if d := inbox.Day(c.openedAt(), loc); d >= from && d <= to {
			t.ByCategory[c.triage.Category]++
			t.ByPriority[string(c.triage.Priority)]++
		}
	}
	for _, call := range w.tokens {
		if d := inbox.Day(call.at, loc); d >= from && d <= to {
			month := d[:len("2006-01")]
			m := t.Tokens[month]
			m.Calls++
			m.Prompt += call.prompt
			m.Completion += call.completion
			t.Tokens[month] = m
		}
	}
	return t
}

// retention works out every period of kind k from the history's start to
// its end, from who wrote when and how they last rated.
func (w *world) retention(k inbox.PeriodKind, loc *time.Location) []Period {
	first := inbox.Period(k, w.h.Options.Start, loc)
	last := inbox.Period(k, w.h.End.Add(-time.Second), loc)
	var periods []Period
	before := map[int]bool{}
	for p := first; p <= last; p = shift(p, 1) {
		start, _, _ := inbox.PeriodStart(p, loc)
		active := map[int]map[int]bool{} // customer → conversations
		isNew := map[int]bool{}
		for i, c := range w.customers {
			for j, a := range c.inbound {
				if inbox.Period(k, a.at, loc) != p {
					continue
				}
				if active[i] == nil {
					active[i] = map[int]bool{}
				}
				active[i][a.conversation] = true
				if j == 0 {
					isNew[i] = true
				}
			}
		}
		period := Period{Name: p, Previous: len(before), Active: len(active), New: len(isNew), ByLastRating: map[string]Segment{}}
		for _, convs := range active {
			if len(convs) >= 2 {
				period.Repeat++
			}
		}
		for i := range before {
			seg := inbox.SegmentOf(w.customers[i].scoreBefore(start))
			s := period.ByLastRating[seg]
			s.Previous++
			if active[i] != nil {
				s.Retained++
				period.Retained++
			}
			period.ByLastRating[seg] = s
		}
		periods = append(periods, period)
		before = map[int]bool{}
		for i := range active {
			before[i] = true
		}
	}
	return periods
}

func shift(p string, n int) string {
	next, err := inbox.ShiftPeriod(p, n)
	if err != nil {
		panic("history: " + err.Error())
	}
	return next
}

// scoreBefore is the customer's last answer before t; 0 when none.
func (c *customer) scoreBefore(t time.Time) int {
	score := 0
	for _, a := range c.answers {
		if a.at.Before(t) {
			score = a.score
		}
	}
	return score
}

// dormant lists the customers dormant before until, newest first.
func (w *world) dormant(until time.Time, loc *time.Location) []inbox.DormantCustomer {
	var list []inbox.DormantCustomer
	for i, c := range w.customers {
		if len(c.contacts) == 0 {
			continue
		}
		contacts := inbox.Contacts{First: c.contacts[0], Last: c.contacts[len(c.contacts)-1], Count: len(c.contacts)}
		at := contacts.DormantAt(inbox.DefaultDormantAfter)
		if !at.Before(until) {
			continue
		}
		last := 0
		if len(c.answers) > 0 {
			last = c.answers[len(c.answers)-1].score
		}
		cust := w.h.Customers[i]
		list = append(list, inbox.DormantCustomer{
			Name: cust.Name, Channel: cust.Channel, LastContactAt: contacts.Last,
			UsualInterval: contacts.UsualInterval(), DormantSince: at, LastCSAT: last,
		})
	}
	slices.SortFunc(list, func(a, b inbox.DormantCustomer) int { return b.DormantSince.Compare(a.DormantSince) })
	return list
}

func nextDay(d string) string {
	t, err := time.Parse(time.DateOnly, d)
	if err != nil {
		panic("history: bad day " + d)
	}
	return t.AddDate(0, 0, 1).Format(time.DateOnly)
}

func startOfDay(d string, loc *time.Location) time.Time {
	t, err := time.ParseInLocation(time.DateOnly, d, loc)
	if err != nil {
		panic("history: bad day " + d)
	}
	return t
}
