package inbox

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Counter names of volume, triage and backlog, on the per-day stat rows.
// docs/metrics.md defines each; the rebuild and the incremental writers
// both count through these names.
const (
	CounterOpened      = "opened"
	CounterReopened    = "reopened"
	CounterResolved    = "resolved"
	CounterMessagesIn  = "messagesIn"
	CounterMessagesOut = "messagesOut"
	// CounterOpen is the gauge of conversations open now, kept on the
	// totals rows (not per day): a day's backlog is the gauge minus what
	// opened and resolved since.
	CounterOpen = "open"
	// CounterTriaged counts conversations by their current category and
	// priority, on the day they opened: a re-triage moves the count.
	CounterTriaged          = "triaged"
	CounterTriageCalls      = "triageCalls"
	CounterPromptTokens     = "promptTokens"
	CounterCompletionTokens = "completionTokens"
)

// DimensionPriority breaks the triage counters down by priority.
const DimensionPriority = "priority"

// Count is an amount to add to one counter.
type Count struct {
	Name string
	N    int64
}

// Timing is a measured duration: first response, reply, resolution.
type Timing string

// The timings the reports measure.
const (
	TimingFirstResponse Timing = "frt"
	TimingReply         Timing = "rt"
	TimingResolution    Timing = "res"
)

// Timings lists every timing.
var Timings = []Timing{TimingFirstResponse, TimingReply, TimingResolution}

// CountName is the number of samples; SumName their total in seconds,
// in calendar time, and BusinessSumName in business hours.
func (t Timing) CountName() string       { return string(t) + "N" }
func (t Timing) SumName() string         { return string(t) + "Sum" }
func (t Timing) BusinessSumName() string { return string(t) + "BhSum" }

// BucketName names the counter of samples in calendar-time bucket i, and
// BusinessBucketName in business-hours bucket i.
func (t Timing) BucketName(i int) string { return string(t) + "B" + strconv.Itoa(i) }
func (t Timing) BusinessBucketName(i int) string {
	return string(t) + "BhB" + strconv.Itoa(i)
}

// Time buckets: bucket 0 holds [0, 10s); bucket i ≥ 1 holds
// [10s·1.25^(i−1), 10s·1.25^i); the last bucket also holds everything
// longer (from about 118 days). A quantile read from the buckets is
// the geometric middle of its bucket, so it is within BucketRelativeError
// of a true sample value of that bucket (5 s for times under 10 s).
const (
	BucketCount  = 64
	bucketBase   = 10 * time.Second
	bucketGrowth = 1.25
)

// BucketRelativeError is the largest relative error of a time estimated
// from its bucket: √1.25 − 1.
var BucketRelativeError = math.Sqrt(bucketGrowth) - 1

// BucketOf returns the bucket of a duration; negative durations count as 0.
func BucketOf(d time.Duration) int {
	if d < bucketBase {
		return 0
	}
	i := 1 + int(math.Floor(math.Log(float64(d)/float64(bucketBase))/math.Log(bucketGrowth)))
	// Floating point can land a boundary value one bucket low or high.
	for i > 1 && d < bucketLow(i) {
		i--
	}
	for i < BucketCount-1 && d >= bucketLow(i+1) {
		i++
	}
	return min(i, BucketCount-1)
}

func bucketLow(i int) time.Duration {
	if i <= 0 {
		return 0
	}
	return time.Duration(float64(bucketBase) * math.Pow(bucketGrowth, float64(i-1)))
}

// BucketRange returns the bounds [low, high) of bucket i; the last bucket's
// high is where it would end, though it holds longer times too.
func BucketRange(i int) (low, high time.Duration) {
	return bucketLow(i), bucketLow(i + 1)
}

// BucketEstimate is the value a quantile falling in bucket i is reported
// as: the geometric middle of the bucket (5 s for bucket 0).
func BucketEstimate(i int) time.Duration {
	if i <= 0 {
		return bucketBase / 2
	}
	low, high := BucketRange(i)
	return time.Duration(math.Sqrt(float64(low) * float64(high)))
}

// TimingCounts are the counter additions of one sample: its count, sum and
// bucket, in calendar time and, when business hours are configured, in
// business hours too.
func TimingCounts(t Timing, calendar time.Duration, hours BusinessHours, from, to time.Time) []Count {
	calendar = max(calendar, 0)
	counts := []Count{
		{Name: t.CountName(), N: 1},
		{Name: t.SumName(), N: int64(calendar / time.Second)},
		{Name: t.BucketName(BucketOf(calendar)), N: 1},
	}
	if hours.Configured() {
		business := hours.Between(from, to)
		counts = append(counts,
			Count{Name: t.BusinessSumName(), N: int64(business / time.Second)},
			Count{Name: t.BusinessBucketName(BucketOf(business)), N: 1})
	}
	return counts
}

// BusinessHours are the hours the team works, in its time zone: the same
// opening and closing time on each working day. The zero value means none
// are configured, and reports show calendar time only.
type BusinessHours struct {
	Location *time.Location
	Days     [7]bool // indexed by time.Weekday
	// Open and Close are offsets from midnight; Close after Open.
	Open, Close time.Duration
}

// Configured reports whether any working time is set.
func (h BusinessHours) Configured() bool {
	if h.Location == nil || h.Close <= h.Open {
		return false
	}
	for _, d := range h.Days {
		if d {
			return true
		}
	}
	return false
}

var weekdays = map[string]time.Weekday{
	"sun": time.Sunday, "mon": time.Monday, "tue": time.Tuesday, "wed": time.Wednesday,
	"thu": time.Thursday, "fri": time.Friday, "sat": time.Saturday,
}

// ParseBusinessHours reads hours such as "Mon-Fri 09:00-17:00" or
// "Mon,Wed,Fri 08:30-12:00" in loc. An empty spec is no business hours.
func ParseBusinessHours(spec string, loc *time.Location) (BusinessHours, error) {
	spec = strings.TrimSpace(spec)
	if spec == "" {
		return BusinessHours{}, nil
	}
	bad := func(why string) (BusinessHours, error) {
		return BusinessHours{}, fmt.Errorf("business hours %q: %s (want e.g. \"Mon-Fri 09:00-17:00\")", spec, why)
	}
	days, hours, ok := strings.Cut(spec, " ")
	if !ok {
		return bad("no hours")
	}
	h := BusinessHours{Location: loc}
	if h.Location == nil {
		h.Location = time.UTC
	}
	for _, part := range strings.Split(strings.ToLower(days), ",") {
		first, last, isRange := strings.Cut(part, "-")
		a, okA := weekdays[first]
		if !isRange {
			last = first
		}
		b, okB := weekdays[last]
		if !okA || !okB {
			return bad("unknown day " + part)
		}
		for d := a; ; d = (d + 1) % 7 {
			h.Days[d] = true
			if d == b {
				break
			}
		}
	}
	open, closing, ok := strings.Cut(strings.TrimSpace(hours), "-")
	if !ok {
		return bad("hours need a start and an end")
	}
	var err error
	if h.Open, err = clock(open); err != nil {
		return bad(err.Error())
	}
	if h.Close, err = clock(closing); err != nil {
		return bad(err.Error())
	}
	if h.Close <= h.Open {
		return bad("the end must come after the start")
	}
	return h, nil
}

func clock(s string) (time.Duration, error) {
	t, err := time.Parse("15:04", strings.TrimSpace(s))
	if err != nil {
		if strings.TrimSpace(s) == "24:00" {
			return 24 * time.Hour, nil
		}
		return 0, fmt.Errorf("bad time %q", s)
	}
	return time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute, nil
}

// Between is the working time from a to b: the part of [a, b) that falls
// in business hours. Days are walked in the team's zone, so daylight
// saving changes are counted as the wall clock shows them.
func (h BusinessHours) Between(a, b time.Time) time.Duration {
	if !h.Configured() || !b.After(a) {
		return 0
	}
	var total time.Duration
	a, b = a.In(h.Location), b.In(h.Location)
	day := time.Date(a.Year(), a.Month(), a.Day(), 0, 0, 0, 0, h.Location)
	for !day.After(b) {
		if h.Days[day.Weekday()] {
			// Wall-clock times: on a day the clocks change, 09:00 is
			// still 09:00.
			open := wallClock(day, h.Open, h.Location)
			closing := wallClock(day, h.Close, h.Location)
			start, end := laterOf(open, a), earlierOf(closing, b)
			if end.After(start) {
				total += end.Sub(start)
			}
		}
		day = time.Date(day.Year(), day.Month(), day.Day()+1, 0, 0, 0, 0, h.Location)
	}
	return total
}

func wallClock(day time.Time, offset time.Duration, loc *time.Location) time.Time {
	return time.Date(day.Year(), day.Month(), day.Day(), int(offset/time.Hour), int(offset%time.Hour/time.Minute), 0, 0, loc)
}

func laterOf(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func earlierOf(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// PeriodKind is the length of a retention period.
type PeriodKind string

// Retention periods.
const (
	PeriodMonth   PeriodKind = "month"
	PeriodQuarter PeriodKind = "quarter"
)

// PeriodKinds lists the periods retention is kept for.
var PeriodKinds = []PeriodKind{PeriodMonth, PeriodQuarter}

// Period names the period of kind k that t falls in, in loc: "2026-11"
// for a month, "2026-Q4" for a quarter.
func Period(k PeriodKind, t time.Time, loc *time.Location) string {
	if loc == nil {
		loc = time.UTC
	}
	t = t.In(loc)
	if k == PeriodQuarter {
		return fmt.Sprintf("%04d-Q%d", t.Year(), (int(t.Month())+2)/3)
	}
	return t.Format("2006-01")
}

// PeriodStart returns when a period ("2026-11", "2026-Q4") begins in loc,
// and its kind.
func PeriodStart(period string, loc *time.Location) (time.Time, PeriodKind, error) {
	if loc == nil {
		loc = time.UTC
	}
	if year, q, ok := strings.Cut(period, "-Q"); ok {
		y, errY := strconv.Atoi(year)
		n, errQ := strconv.Atoi(q)
		if errY != nil || errQ != nil || n < 1 || n > 4 || len(year) != 4 {
			return time.Time{}, "", fmt.Errorf("bad quarter %q", period)
		}
		return time.Date(y, time.Month(3*n-2), 1, 0, 0, 0, 0, loc), PeriodQuarter, nil
	}
	t, err := time.ParseInLocation("2006-01", period, loc)
	if err != nil {
		return time.Time{}, "", fmt.Errorf("bad month %q", period)
	}
	return t, PeriodMonth, nil
}

// ShiftPeriod returns the period n periods after p (before, for n < 0).
func ShiftPeriod(p string, n int) (string, error) {
	start, k, err := PeriodStart(p, time.UTC)
	if err != nil {
		return "", err
	}
	months := n
	if k == PeriodQuarter {
		months = 3 * n
	}
	return Period(k, start.AddDate(0, months, 0), time.UTC), nil
}

// Retention counters, on the per-period rows (all customers).
const (
	// CounterActive is E: customers who wrote in the period.
	CounterActive = "active"
	// CounterNew is N: customers whose first message ever is in the period.
	CounterNew = "new"
	// CounterRepeat counts customers active in two or more conversations
	// in the period.
	CounterRepeat = "repeat"
	// CounterRetained counts customers active in this period and the one
	// before; churned = active before − retained.
	CounterRetained = "retained"
)

// Rating segments: a customer's last rating, as CSAT and retention are
// read together.
const (
	SegmentSatisfied   = "45"
	SegmentNeutral     = "3"
	SegmentUnsatisfied = "12"
	SegmentUnrated     = "none"
)

// Segments lists every rating segment.
var Segments = []string{SegmentSatisfied, SegmentNeutral, SegmentUnsatisfied, SegmentUnrated}

// SegmentOf is the segment of a last rating (0 when never rated).
func SegmentOf(score int) string {
	switch {
	case score >= 4:
		return SegmentSatisfied
	case score == 3:
		return SegmentNeutral
	case score >= 1:
		return SegmentUnsatisfied
	}
	return SegmentUnrated
}

// CounterPreviousBySegment, on a period's row, counts the customers active
// in the period before whose last rating at its end was in the segment;
// CounterRetainedBySegment counts those of them active in this period.
func CounterPreviousBySegment(segment string) string { return "prevRated" + segment }
func CounterRetainedBySegment(segment string) string { return "retainedRated" + segment }

// DefaultDormantAfter is how long a customer with a single contact may be
// silent before the dormant list names them.
const DefaultDormantAfter = 90 * 24 * time.Hour

// Contacts is what the dormant list knows of a customer: when they first
// and last started an interaction, and how many they started.
type Contacts struct {
	First, Last time.Time
	Count       int
}

// UsualInterval is the customer's mean time between the starts of their
// interactions; zero with fewer than two.
func (c Contacts) UsualInterval() time.Duration {
	if c.Count < 2 || !c.Last.After(c.First) {
		return 0
	}
	return c.Last.Sub(c.First) / time.Duration(c.Count-1)
}

// DormantAt is when the customer becomes dormant: their last contact plus
// their usual interval, or plus fallback when they have none.
func (c Contacts) DormantAt(fallback time.Duration) time.Time {
	interval := c.UsualInterval()
	if interval == 0 {
		interval = fallback
	}
	return c.Last.Add(interval)
}

// DormantCustomer is one line of the contact calendar.
type DormantCustomer struct {
	CustomerID    string
	Name          string
	Channel       Channel
	LastContactAt time.Time
	// UsualInterval is zero when the customer had one contact and the
	// default applies.
	UsualInterval time.Duration
	DormantSince  time.Time
	LastCSAT      int
}

// Interaction is one resolved interaction of a conversation: from its
// opening or reopening to its resolution. Resolving writes it, so the
// reports can be rebuilt after the conversation moved on.
type Interaction struct {
	ConversationID string
	// Number is the conversation's reopen count at the resolution.
	Number     int
	Start      time.Time
	ResolvedAt time.Time
	Channel    Channel
	Category   string
	// AgentID and AgentName are whom the resolution is credited to: the
	// assignee, or the agent who resolved an unassigned conversation.
	AgentID   string
	AgentName string
}

// ActivityMarker records that a customer was active in a period: the
// conversations they wrote in, and the segment of their last rating as
// the period went on (final once it is over).
type ActivityMarker struct {
	CustomerID    string
	Period        string
	Conversations []string
	Segment       string
}
