package history

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/switchboard-inbox/switchboard/shared/inbox"
	"github.com/switchboard-inbox/switchboard/shared/report"
)

// checker compares a summary with the expected figures and reports every
// difference, each named by where it is.
type checker struct {
	t        *testing.T
	loc      *time.Location
	business bool
}

func (c *checker) errorf(where, format string, args ...any) {
	c.t.Helper()
	c.t.Errorf("%s: "+format, append([]any{where}, args...)...)
}

func (c *checker) count(where string, got int64, want int) {
	c.t.Helper()
	if got != int64(want) {
		c.errorf(where, "%d; want %d", got, want)
	}
}

func (c *checker) summary(got report.Summary, want Expected, period inbox.PeriodKind, today string) {
	c.t.Helper()
	v := got.Volume
	c.count("volume.opened", v.Opened, want.Total.Opened)
	c.count("volume.reopened", v.Reopened, want.Total.Reopened)
	c.count("volume.resolved", v.Resolved, want.Total.Resolved)
	c.count("volume.messages_in", v.MessagesIn, want.Total.MessagesIn)
	c.count("volume.messages_out", v.MessagesOut, want.Total.MessagesOut)
	c.count("volume.backlog", v.Backlog, want.Backlog)
	c.times("first_response_time", got.FirstResponseTime, want.Total.FirstResponse)
	c.times("reply_time", got.ReplyTime, want.Total.Reply)
	c.times("resolution_time", got.ResolutionTime, want.Total.Resolution)
	c.csat("csat", got.CSAT, want.Total.CSAT)
	c.retention(got, want.Retention[period], period, want.From, want.To, today)
	c.triage(got.Triage, want.Triage)
	c.daily(got.Daily, want.Daily)
	c.groups(got.GroupBy, got.Groups, want.Groups[got.GroupBy])
	c.dormant(got.Dormant, want.Dormant)
}

// times checks a timing: the count exactly, the means within a second,
// and each median and p90 against the true quantile (quantile).
func (c *checker) times(where string, got report.TimeStats, want Times) {
	c.t.Helper()
	c.count(where+".count", got.Count, len(want.Calendar))
	c.quantile(where+".median_seconds", got.MedianSeconds, want.Calendar, 0.5)
	c.quantile(where+".p90_seconds", got.P90Seconds, want.Calendar, 0.9)
	c.mean(where+".mean_seconds", got.MeanSeconds, want.Calendar)
	if got.Business == nil {
		if c.business {
			c.errorf(where+".business", "missing; want business-hours figures")
		}
		return
	}
	if !c.business {
		c.errorf(where+".business", "%+v; want none without business hours", *got.Business)
		return
	}
	c.quantile(where+".business.median_seconds", got.Business.MedianSeconds, want.Business, 0.5)
	c.quantile(where+".business.p90_seconds", got.Business.P90Seconds, want.Business, 0.9)
	c.mean(where+".business.mean_seconds", got.Business.MeanSeconds, want.Business)
}

// quantile holds a median or p90 read from the buckets to the exact
// samples. The true quantile is the sample of rank ⌈q·n⌉, in bucket i;
// the report gives the geometric middle of the bucket where that rank
// falls, so its estimate must lie in [low/(1+e), high·(1+e)] of bucket i
// (e = inbox.BucketRelativeError) and within e of the true value (5 s
// under 10 s): the stated bound. It must also be exactly
// inbox.BucketEstimate(i), to the millisecond the JSON keeps, or the
// report picked the wrong rank.
func (c *checker) quantile(where string, got *float64, samples []time.Duration, q float64) {
	c.t.Helper()
	truth, ok := Quantile(samples, q)
	if !ok || got == nil {
		if ok != (got != nil) {
			c.errorf(where, "%s; want %s", show(got), showDuration(truth, ok))
		}
		return
	}
	e := inbox.BucketRelativeError
	i := inbox.BucketOf(truth)
	low, high := inbox.BucketRange(i)
	lo, hi := low.Seconds()/(1+e), high.Seconds()*(1+e)
	if i == inbox.BucketCount-1 {
		hi = math.Inf(1)
	}
	bound := e * truth.Seconds()
	if truth < 10*time.Second {
		bound = 5
	}
	estimate := inbox.BucketEstimate(i).Seconds()
	switch {
	case *got < lo || *got > hi:
		c.errorf(where, "%.3f s; want within [%.3f, %.3f] s, around the true %v (bucket %d)", *got, lo, hi, truth, i)
	case math.Abs(*got-truth.Seconds()) > bound+1e-3:
		c.errorf(where, "%.3f s; want within %.3f s of the true %v", *got, bound, truth)
	case math.Abs(*got-estimate) > 1e-3:
		c.errorf(where, "%.3f s; want %.3f s, the middle of bucket %d, which holds the true %v", *got, estimate, i, truth)
	}
}

func (c *checker) mean(where string, got *float64, samples []time.Duration) {
	c.t.Helper()
	want, ok := Mean(samples)
	if !ok || got == nil {
		if ok != (got != nil) {
			c.errorf(where, "%s; want %s", show(got), showFloat(want, ok))
		}
		return
	}
	if math.Abs(*got-want) > 1 {
		c.errorf(where, "%.3f s; want %.3f s (within 1 s)", *got, want)
	}
}

// rate checks a fraction: null when the denominator is 0.
func (c *checker) rate(where string, got *float64, num, den int) {
	c.t.Helper()
	if den == 0 || got == nil {
		if (den == 0) != (got == nil) {
			c.errorf(where, "%s; want %d/%d", show(got), num, den)
		}
		return
	}
	if want := float64(num) / float64(den); math.Abs(*got-want) > 1e-9 {
		c.errorf(where, "%v; want %d/%d = %v", *got, num, den, want)
	}
}

func (c *checker) csat(where string, got report.CSAT, want CSAT) {
	c.t.Helper()
	c.count(where+".ratings", got.Ratings, want.Ratings)
	c.count(where+".requests", got.Requests, want.Requests)
	c.count(where+".skipped", got.Skipped, want.Skipped)
	c.count(where+".undelivered", got.Undelivered, want.Undelivered)
	c.rate(where+".score", got.Score, want.Scores[4]+want.Scores[5], want.Ratings)
	c.rate(where+".response_rate", got.ResponseRate, want.Ratings, want.Requests)
	for s := inbox.MinScore; s <= inbox.MaxScore; s++ {
		c.count(fmt.Sprintf("%s.distribution[%d]", where, s), got.Distribution[strconv.Itoa(s)], want.Scores[s])
	}
}

// retention checks the periods overlapping the window, each figure and
// by last rating, and the headline taken from the last of them.
func (c *checker) retention(got report.Summary, want []Period, kind inbox.PeriodKind, from, to, today string) {
	c.t.Helper()
	first := inbox.Period(kind, startOfDay(from, c.loc), c.loc)
	last := inbox.Period(kind, startOfDay(to, c.loc), c.loc)
	var names []string
	for _, p := range got.Retention {
		names = append(names, p.Period)
	}
	var wantNames []string
	byName := map[string]Period{}
	for _, p := range want {
		byName[p.Name] = p
		if p.Name >= first && p.Name <= last {
			wantNames = append(wantNames, p.Name)
		}
	}
	if !slices.Equal(names, wantNames) {
		c.errorf("retention", "periods %v; want %v", names, wantNames)
		return
	}
	current := inbox.Period(kind, startOfDay(today, c.loc), c.loc)
	for _, g := range got.Retention {
		w := byName[g.Period]
		where := "retention[" + g.Period + "]"
		c.count(where+".previous_active", g.PreviousActive, w.Previous)
		c.count(where+".active", g.Active, w.Active)
		c.count(where+".new", g.New, w.New)
		c.count(where+".returning", g.Returning, w.Returning())
		c.count(where+".retained", g.Retained, w.Retained)
		c.count(where+".churned", g.Churned, w.Churned())
		c.count(where+".repeat", g.Repeat, w.Repeat)
		c.rate(where+".retention_rate", g.RetentionRate, w.Returning(), w.Previous)
		c.rate(where+".repeat_contact_rate", g.RepeatContactRate, w.Repeat, w.Active)
		if g.Complete != (g.Period != current) {
			c.errorf(where+".complete", "%v; want %v (today is %s)", g.Complete, g.Period != current, today)
		}
		for _, seg := range inbox.Segments {
			gs, ws := g.ByLastRating[seg], w.ByLastRating[seg]
			c.count(where+".by_last_rating["+seg+"].previous", gs.Previous, ws.Previous)
			c.count(where+".by_last_rating["+seg+"].retained", gs.Retained, ws.Retained)
			c.rate(where+".by_last_rating["+seg+"].rate", gs.Rate, ws.Retained, ws.Previous)
		}
	}
	head := byName[last]
	c.rate("retention_rate", got.RetentionRate, head.Returning(), head.Previous)
	c.rate("repeat_contact_rate", got.RepeatContactRate, head.Repeat, head.Active)
	c.count("churned", got.Churned, head.Churned())
	c.count("new_customers", got.NewCustomers, head.New)
	c.count("returning_customers", got.ReturningCustomers, head.Returning())
}

func (c *checker) triage(got report.Triage, want Triage) {
	c.t.Helper()
	c.counts("triage.by_category", got.ByCategory, want.ByCategory)
	c.counts("triage.by_priority", got.ByPriority, want.ByPriority)
	tokens := map[string]Tokens{}
	for _, m := range got.TokensByMonth {
		if m.Calls != 0 || m.PromptTokens != 0 || m.CompletionTokens != 0 {
			tokens[m.Month] = Tokens{Calls: int(m.Calls), Prompt: int(m.PromptTokens), Completion: int(m.CompletionTokens)}
		}
	}
	if fmt.Sprint(tokens) != fmt.Sprint(want.Tokens) {
		c.errorf("triage.tokens_by_month", "%v; want %v", tokens, want.Tokens)
	}
}

// counts compares counts by key; a zero count may be there or not.
func (c *checker) counts(where string, got map[string]int64, want map[string]int) {
	c.t.Helper()
	for k, n := range got {
		c.count(where+"["+k+"]", n, want[k])
	}
	for k, n := range want {
		if _, ok := got[k]; !ok && n != 0 {
			c.errorf(where+"["+k+"]", "missing; want %d", n)
		}
	}
}

func (c *checker) daily(got []report.Day, want []Daily) {
	c.t.Helper()
	if len(got) != len(want) {
		c.errorf("daily", "%d days; want %d", len(got), len(want))
		return
	}
	for i, g := range got {
		w := want[i]
		where := "daily[" + w.Day + "]"
		if g.Day != w.Day {
			c.errorf(where, "day %s; want %s", g.Day, w.Day)
			continue
		}
		c.count(where+".opened", g.Opened, w.Opened)
		c.count(where+".reopened", g.Reopened, w.Reopened)
		c.count(where+".resolved", g.Resolved, w.Resolved)
		c.count(where+".messages_in", g.MessagesIn, w.MessagesIn)
		c.count(where+".messages_out", g.MessagesOut, w.MessagesOut)
		c.count(where+".backlog", g.Backlog, w.Backlog)
		c.count(where+".first_response_time.count", g.FirstResponseTime.Count, len(w.FirstResponse.Calendar))
		c.quantile(where+".first_response_time.median_seconds", g.FirstResponseTime.MedianSeconds, w.FirstResponse.Calendar, 0.5)
		c.quantile(where+".first_response_time.p90_seconds", g.FirstResponseTime.P90Seconds, w.FirstResponse.Calendar, 0.9)
		c.mean(where+".first_response_time.mean_seconds", g.FirstResponseTime.MeanSeconds, w.FirstResponse.Calendar)
		c.count(where+".csat.ratings", g.CSAT.Ratings, w.CSAT.Ratings)
		c.rate(where+".csat.score", g.CSAT.Score, w.CSAT.Scores[4]+w.CSAT.Scores[5], w.CSAT.Ratings)
		opened := map[string]int{}
		for ch, n := range w.OpenedByChannel {
			opened[string(ch)] = n
		}
		c.counts(where+".opened_by_channel", g.OpenedByChannel, opened)
	}
}

// groups checks the breakdown: every expected value there with its
// figures, nothing else but empty groups, sorted by opened.
func (c *checker) groups(dimension string, got []report.Group, want []Group) {
	c.t.Helper()
	if dimension == "" {
		if len(got) != 0 {
			c.errorf("groups", "%d groups; want none without group_by", len(got))
		}
		return
	}
	byValue := map[string]report.Group{}
	for i, g := range got {
		byValue[g.Value] = g
		if g.Dimension != dimension {
			c.errorf("groups["+g.Value+"]", "dimension %q; want %q", g.Dimension, dimension)
		}
		if i > 0 && g.Opened > got[i-1].Opened {
			c.errorf("groups", "%s (%d opened) after %s (%d opened); want opened descending", g.Value, g.Opened, got[i-1].Value, got[i-1].Opened)
		}
	}
	for _, w := range want {
		where := "groups[" + w.Value + "]"
		g, ok := byValue[w.Value]
		if !ok {
			c.errorf(where, "missing")
			continue
		}
		delete(byValue, w.Value)
		if dimension != inbox.DimensionCategory && g.Name != w.Name {
			c.errorf(where+".name", "%q; want %q", g.Name, w.Name)
		}
		c.count(where+".opened", g.Opened, w.Opened)
		c.count(where+".resolved", g.Resolved, w.Resolved)
		c.count(where+".messages_out", g.MessagesOut, w.MessagesOut)
		c.times(where+".first_response_time", g.FirstResponseTime, w.FirstResponse)
		c.times(where+".reply_time", g.ReplyTime, w.Reply)
		c.times(where+".resolution_time", g.ResolutionTime, w.Resolution)
		c.csat(where+".csat", g.CSAT, w.CSAT)
	}
	for v, g := range byValue {
		if g.Opened != 0 || g.Resolved != 0 || g.MessagesOut != 0 || g.CSAT.Requests != 0 || g.CSAT.Skipped != 0 {
			c.errorf("groups["+v+"]", "%+v; want no such group", g)
		}
	}
}

// dormant checks the contact calendar: the newest report.DormantLimit
// customers dormant at the end of the window, in order.
func (c *checker) dormant(got []report.Dormant, want []inbox.DormantCustomer) {
	c.t.Helper()
	want = want[:min(len(want), report.DormantLimit)]
	if len(got) != len(want) {
		c.errorf("dormant", "%d customers; want %d", len(got), len(want))
		return
	}
	for i, g := range got {
		w := want[i]
		where := fmt.Sprintf("dormant[%d]", i)
		if g.Name != w.Name || g.Channel != string(w.Channel) || g.LastContact != inbox.Day(w.LastContactAt, c.loc) ||
			g.DormantSince != inbox.Day(w.DormantSince, c.loc) {
			c.errorf(where, "%s on %s, last contact %s, dormant since %s; want %s on %s, %s, %s", g.Name, g.Channel, g.LastContact,
				g.DormantSince, w.Name, w.Channel, inbox.Day(w.LastContactAt, c.loc), inbox.Day(w.DormantSince, c.loc))
		}
		days := w.UsualInterval.Hours() / 24
		if (g.UsualIntervalDays == nil) != (w.UsualInterval == 0) || g.UsualIntervalDays != nil && math.Abs(*g.UsualIntervalDays-days) > 0.05+1e-9 {
			c.errorf(where+".usual_interval_days", "%s; want %.2f (0: none)", show(g.UsualIntervalDays), days)
		}
		if (g.LastCSAT == nil) != (w.LastCSAT == 0) || g.LastCSAT != nil && *g.LastCSAT != w.LastCSAT {
			c.errorf(where+".last_csat", "%v; want %d (0: none)", g.LastCSAT, w.LastCSAT)
		}
	}
}

func show(f *float64) string {
	if f == nil {
		return "null"
	}
	return strconv.FormatFloat(*f, 'f', 3, 64)
}

func showDuration(d time.Duration, ok bool) string {
	if !ok {
		return "null"
	}
	return d.String()
}

func showFloat(f float64, ok bool) string {
	if !ok {
		return "null"
	}
	return strconv.FormatFloat(f, 'f', 3, 64)
}
