package slackui

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/switchboard-inbox/switchboard/shared/inbox"
	"github.com/switchboard-inbox/switchboard/shared/report"
)

// maxDormantLines is how many dormant customers a post lists; the rest are
// counted, and the dashboard lists them all.
const maxDormantLines = 20

// ReportBlocks is a report's headline figures, each with its change
// against prev (the window before), the window and zone, and a button to
// the dashboard when dashboardURL is set. Every figure is Switchboard's
// own number; nothing here is customer text.
func ReportBlocks(title string, cur, prev report.Summary, dashboardURL string) []slack.Block {
	blocks := []slack.Block{
		slack.NewHeaderBlock(plain(Truncate(title, 150))),
		slack.NewSectionBlock(md("*Volume and speed*"), []*slack.TextBlockObject{
			md(countField("Opened", cur.Volume.Opened, prev.Volume.Opened)),
			md(countField("Resolved", cur.Volume.Resolved, prev.Volume.Resolved)),
			md(countField("Backlog at the end", cur.Volume.Backlog, prev.Volume.Backlog)),
			md(timeField("First response", cur.FirstResponseTime, prev.FirstResponseTime, true)),
			md(timeField("Reply time", cur.ReplyTime, prev.ReplyTime, false)),
			md(timeField("Resolution time", cur.ResolutionTime, prev.ResolutionTime, false)),
		}, nil),
		slack.NewSectionBlock(md("*Satisfaction*"), []*slack.TextBlockObject{md(csatField(cur.CSAT, prev.CSAT))}, nil),
		customersSection(cur, prev),
		slack.NewContextBlock("", md(windowLine(cur, prev))),
	}
	if dashboardURL != "" {
		button := slack.NewButtonBlockElement("", "", plain("Open the dashboard")).WithURL(dashboardURL)
		blocks = append(blocks, slack.NewActionBlock("", button))
	}
	return blocks
}

func countField(label string, cur, prev int64) string {
	return fmt.Sprintf("*%s*\n%d  %s", label, cur, countChange(cur, prev))
}

// timeField shows a timing's median (and its p90 when withP90), each with
// its change, and the median in business hours when they are configured.
func timeField(label string, cur, prev report.TimeStats, withP90 bool) string {
	text := fmt.Sprintf("*%s*\nmedian %s  %s", label, timeOrDash(cur.MedianSeconds), timeChange(cur.MedianSeconds, prev.MedianSeconds))
	if withP90 {
		text += fmt.Sprintf("\np90 %s  %s", timeOrDash(cur.P90Seconds), timeChange(cur.P90Seconds, prev.P90Seconds))
	}
	if cur.Business != nil && cur.Business.MedianSeconds != nil {
		text += "\nin business hours: median " + timeOrDash(cur.Business.MedianSeconds)
	}
	return text
}

func csatField(cur, prev report.CSAT) string {
	if cur.Score == nil {
		return fmt.Sprintf("*CSAT*\nno ratings (%d requests)", cur.Requests)
	}
	return fmt.Sprintf("*CSAT*\n%s satisfied  %s\n%d %s, response rate %s",
		ratePercent(cur.Score), rateChange(cur.Score, prev.Score), cur.Ratings, plural(cur.Ratings, "rating", "ratings"), ratePercent(cur.ResponseRate))
}

// customersSection shows the retention headline: the last period the
// window overlaps. The previous window often falls in the same period,
// whose figures are then the same ones, so they are compared only when
// the periods differ.
func customersSection(cur, prev report.Summary) slack.Block {
	period, complete := headlinePeriod(cur)
	prevPeriod, _ := headlinePeriod(prev)
	heading := "*Customers*"
	if period != "" {
		heading += " in " + period
		if !complete {
			heading += " (so far)"
		}
	}
	compare := period != "" && prevPeriod != "" && prevPeriod != period
	change := func(text string) string {
		if !compare {
			return ""
		}
		return "  " + text
	}
	if compare {
		heading += ", compared with " + prevPeriod
	}
	return slack.NewSectionBlock(md(heading), []*slack.TextBlockObject{
		md("*Retention rate*\n" + ratePercent(cur.RetentionRate) + change(rateChange(cur.RetentionRate, prev.RetentionRate))),
		md("*Repeat contact rate*\n" + ratePercent(cur.RepeatContactRate) + change(rateChange(cur.RepeatContactRate, prev.RepeatContactRate))),
		md(fmt.Sprintf("*Churned*\n%d%s", cur.Churned, change(countChange(cur.Churned, prev.Churned)))),
		md(fmt.Sprintf("*New vs returning*\n%d new%s · %d returning%s", cur.NewCustomers, change(countChange(cur.NewCustomers, prev.NewCustomers)),
			cur.ReturningCustomers, change(countChange(cur.ReturningCustomers, prev.ReturningCustomers)))),
	}, nil)
}

// headlinePeriod is the period of a summary's headline retention figures.
func headlinePeriod(s report.Summary) (period string, complete bool) {
	if len(s.Retention) == 0 {
		return "", false
	}
	last := s.Retention[len(s.Retention)-1]
	return last.Period, last.Complete
}

func windowLine(cur, prev report.Summary) string {
	return fmt.Sprintf("%s to %s (%s), compared with %s to %s · medians and p90 from time buckets, within %s",
		cur.From, cur.To, Escape(cur.TZ), prev.From, prev.To, ratePercent(&cur.TimeBucketError))
}

// countChange is the relative change of a count: "▲ 12%", "▼ 3%".
func countChange(cur, prev int64) string {
	switch {
	case cur == prev:
		return "no change"
	case prev == 0:
		return "n/a"
	}
	pct := math.Abs(float64(cur-prev)) / float64(prev) * 100
	amount := strconv.FormatFloat(math.Round(pct), 'f', 0, 64) + "%"
	if pct < 0.5 {
		amount = "<1%"
	}
	return changeArrow(cur > prev) + amount
}

// timeChange is the change of a time: "▼ 3 min".
func timeChange(cur, prev *float64) string {
	if cur == nil || prev == nil {
		return "n/a"
	}
	diff := *cur - *prev
	if math.Abs(diff) < 0.5 {
		return "no change"
	}
	return changeArrow(diff > 0) + spokenDuration(math.Abs(diff))
}

// rateChange is the change of a rate, in percentage points: "▲ 4 pts".
func rateChange(cur, prev *float64) string {
	if cur == nil || prev == nil {
		return "n/a"
	}
	diff := (*cur - *prev) * 100
	points := math.Round(math.Abs(diff))
	switch {
	case diff == 0:
		return "no change"
	case points == 0:
		return changeArrow(diff > 0) + "<1 pt"
	}
	return changeArrow(diff > 0) + strconv.FormatFloat(points, 'f', 0, 64) + " " + plural(int64(points), "pt", "pts")
}

func changeArrow(up bool) string {
	if up {
		return "▲ "
	}
	return "▼ "
}

// timeOrDash shows a time, or a dash when there were no samples.
func timeOrDash(s *float64) string {
	if s == nil {
		return "–"
	}
	return spokenDuration(*s)
}

// spokenDuration writes seconds the way people say them: 45 s, 12 min,
// 3.5 h, 2.1 d.
func spokenDuration(s float64) string {
	switch {
	case s < 59.5:
		return strconv.FormatFloat(math.Round(s), 'f', 0, 64) + " s"
	case s < 3570:
		return strconv.FormatFloat(math.Round(s/60), 'f', 0, 64) + " min"
	case s < 48*3600:
		return tenths(s/3600) + " h"
	}
	return tenths(s/86400) + " d"
}

func tenths(v float64) string {
	return strconv.FormatFloat(math.Round(v*10)/10, 'f', -1, 64)
}

// ratePercent shows a rate as a whole percentage, or "n/a" when undefined.
func ratePercent(rate *float64) string {
	if rate == nil {
		return "n/a"
	}
	return strconv.FormatFloat(math.Round(*rate*100), 'f', 0, 64) + "%"
}

func plural(n int64, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// DormantBlocks is the contact calendar: customers whose usual time
// between contacts has passed, at most maxDormantLines of them and a
// count of the rest. A name is the customer's own text, so it goes in a
// plain_text field, which Slack never formats: no mention, link or bold
// can come out of it.
func DormantBlocks(list []inbox.DormantCustomer) []slack.Block {
	blocks := []slack.Block{
		slack.NewHeaderBlock(plain("Customers to reach out to")),
		slack.NewContextBlock("", md(fmt.Sprintf("%d %s gone longer than usual without contacting you.",
			len(list), plural(int64(len(list)), "customer has", "customers have")))),
	}
	for i, c := range list {
		if i == maxDormantLines {
			blocks = append(blocks, slack.NewContextBlock("", md(fmt.Sprintf("…and %d more on the dashboard.", len(list)-maxDormantLines))))
			break
		}
		blocks = append(blocks, slack.NewSectionBlock(nil, []*slack.TextBlockObject{
			plain(dormantName(c)),
			md(dormantDetails(c)),
		}, nil))
	}
	return blocks
}

// dormantName is a customer's name on one line, or their id when they
// gave none.
func dormantName(c inbox.DormantCustomer) string {
	if name := strings.Join(strings.Fields(c.Name), " "); name != "" {
		return Truncate(name, 60)
	}
	return "Customer " + c.CustomerID
}

func dormantDetails(c inbox.DormantCustomer) string {
	parts := []string{c.Channel.Label(), "last contact " + slackDay(c.LastContactAt.Unix(), inbox.Day(c.LastContactAt, time.UTC))}
	if c.UsualInterval > 0 {
		parts = append(parts, "usually every "+tenths(c.UsualInterval.Hours()/24)+" days")
	} else {
		parts = append(parts, "one contact so far")
	}
	if inbox.ValidScore(c.LastCSAT) {
		parts = append(parts, fmt.Sprintf("last rating %d/5", c.LastCSAT))
	} else {
		parts = append(parts, "never rated")
	}
	return strings.Join(parts, " · ")
}

// slackDay shows a date in each reader's zone, with a UTC fallback.
func slackDay(unix int64, fallback string) string {
	return fmt.Sprintf("<!date^%d^{date_short_pretty}|%s>", unix, fallback)
}

// PostBlocks posts blocks to a channel; text is the notification and the
// fallback for clients without blocks.
func (c *Client) PostBlocks(ctx context.Context, channel, text string, blocks []slack.Block) error {
	_, _, err := c.api.PostMessageContext(ctx, channel,
		slack.MsgOptionText(text, false),
		slack.MsgOptionBlocks(blocks...),
		slack.MsgOptionDisableLinkUnfurl(),
	)
	if err != nil {
		return fmt.Errorf("post %q to slack channel %s: %w", text, channel, check("chat.postMessage", err))
	}
	return nil
}

// PostReport posts a report to a channel (report.DigestPoster).
func (c *Client) PostReport(ctx context.Context, channel, title string, cur, prev report.Summary, dashboardURL string) error {
	text := fmt.Sprintf("%s: %s to %s", title, cur.From, cur.To)
	return c.PostBlocks(ctx, channel, text, ReportBlocks(title, cur, prev, dashboardURL))
}

// PostDormant posts the contact calendar to a channel
// (report.DigestPoster). The notification text names no customer.
func (c *Client) PostDormant(ctx context.Context, channel string, list []inbox.DormantCustomer) error {
	text := fmt.Sprintf("%d %s to reach out to", len(list), plural(int64(len(list)), "customer", "customers"))
	return c.PostBlocks(ctx, channel, text, DormantBlocks(list))
}
