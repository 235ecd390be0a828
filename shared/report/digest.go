package report

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	"github.com/switchboard-inbox/switchboard/shared/inbox"
)

// DigestPoster posts the digests into Slack (slackui.Client).
type DigestPoster interface {
	PostReport(ctx context.Context, channel, title string, cur, prev Summary, dashboardURL string) error
	PostDormant(ctx context.Context, channel string, list []inbox.DormantCustomer) error
}

// DormantDigestLimit bounds the customers one daily list reads; the post
// shows the first few and counts the rest.
const DormantDigestLimit = 500

// Digest posts the scheduled reports to the managers' channel: the
// weekly report and the daily list of customers who went dormant.
type Digest struct {
	Reports *Service
	Slack   DigestPoster
	// Channel is SLACK_MANAGERS_CHANNEL_ID; empty turns the digests off.
	Channel string
	// DashboardURL links the dashboard from a post; it is asked for user
	// "" because a channel post is read by many, so it should return the
	// dashboard's plain address, which asks each reader to sign in. Nil
	// posts no link.
	DashboardURL func(user string) string
	// Location is the team's zone, whose days the digests cover; nil
	// means the Service's.
	Location *time.Location
	Now      func() time.Time
	Log      *slog.Logger
}

// Digest kinds, as the scheduled events name them.
const (
	DigestWeekly  = "weekly"
	DigestDormant = "dormant"
)

// digestEvent is the input of a scheduled digest:
// {"digest":"weekly"} or {"digest":"dormant"}.
type digestEvent struct {
	Digest string `json:"digest"`
}

// Handle runs the digest a schedule asks for.
func (d *Digest) Handle(ctx context.Context, in json.RawMessage) error {
	var e digestEvent
	if err := json.Unmarshal(in, &e); err != nil {
		return fmt.Errorf("read digest event %.200s: %w", in, err)
	}
	switch e.Digest {
	case DigestWeekly:
		return d.Weekly(ctx)
	case DigestDormant:
		return d.Dormant(ctx)
	}
	return fmt.Errorf("digest event %.200s: want {\"digest\":%q} or {\"digest\":%q}", in, DigestWeekly, DigestDormant)
}

// Weekly posts the report of the last seven full days, against the seven
// days before.
func (d *Digest) Weekly(ctx context.Context) error {
	if !d.configured(ctx, DigestWeekly) {
		return nil
	}
	yesterday := addDays(inbox.Day(d.now(), d.location()), -1)
	cur, prev, err := d.Reports.Compare(ctx, yesterday, 7)
	if err != nil {
		return fmt.Errorf("weekly digest: %w", err)
	}
	var link string
	if d.DashboardURL != nil {
		link = d.DashboardURL("")
	}
	if err := d.Slack.PostReport(ctx, d.Channel, "Weekly support report", cur, prev, link); err != nil {
		return fmt.Errorf("post weekly digest of %s..%s to %s: %w", cur.From, cur.To, d.Channel, err)
	}
	d.log().InfoContext(ctx, "posted weekly digest", "from", cur.From, "to", cur.To, "channel", d.Channel)
	return nil
}

// Dormant posts the customers who became dormant yesterday, in the team's
// zone; nothing when there are none.
func (d *Digest) Dormant(ctx context.Context) error {
	if !d.configured(ctx, DigestDormant) {
		return nil
	}
	loc := d.location()
	today := startOfDay(inbox.Day(d.now(), loc), loc)
	yesterday := startOfDay(addDays(inbox.Day(d.now(), loc), -1), loc)
	list, err := d.Reports.Store.Dormant(ctx, yesterday, today, DormantDigestLimit)
	if err != nil {
		return fmt.Errorf("dormant digest: read customers dormant since %s: %w", yesterday.Format(time.DateOnly), err)
	}
	if len(list) == 0 {
		d.log().InfoContext(ctx, "no customers became dormant", "day", yesterday.Format(time.DateOnly))
		return nil
	}
	if err := d.Slack.PostDormant(ctx, d.Channel, list); err != nil {
		return fmt.Errorf("post %d dormant customers to %s: %w", len(list), d.Channel, err)
	}
	d.log().InfoContext(ctx, "posted dormant customers", "day", yesterday.Format(time.DateOnly), "count", len(list), "channel", d.Channel)
	return nil
}

// Compare returns the summary of the days days ending with last
// (YYYY-MM-DD, included) and that of the days days before, so a report
// can show each figure's change. The retention figures are by month.
func (s *Service) Compare(ctx context.Context, last string, days int) (cur, prev Summary, err error) {
	if !validDay(last) || days < 1 || days > MaxDays {
		return Summary{}, Summary{}, fmt.Errorf("compare %d days ending %s: want a day as YYYY-MM-DD and 1 to %d days", days, last, MaxDays)
	}
	q := Query{From: addDays(last, 1-days), To: last, Period: inbox.PeriodMonth}
	if cur, err = s.Summary(ctx, q); err != nil {
		return Summary{}, Summary{}, fmt.Errorf("report of %s..%s: %w", q.From, q.To, err)
	}
	q.From, q.To = addDays(q.From, -days), addDays(q.From, -1)
	if prev, err = s.Summary(ctx, q); err != nil {
		return Summary{}, Summary{}, fmt.Errorf("report of %s..%s: %w", q.From, q.To, err)
	}
	return cur, prev, nil
}

// configured reports whether the managers' channel is set, and warns
// when it is not: the schedule runs, but the deployment chose no channel.
func (d *Digest) configured(ctx context.Context, kind string) bool {
	if d.Channel != "" {
		return true
	}
	d.log().WarnContext(ctx, "digest not posted: SLACK_MANAGERS_CHANNEL_ID is not set", "digest", kind)
	return false
}

func (d *Digest) now() time.Time {
	if d.Now != nil {
		return d.Now()
	}
	return d.Reports.now()
}

func (d *Digest) location() *time.Location {
	if d.Location != nil {
		return d.Location
	}
	return d.Reports.location()
}

func (d *Digest) log() *slog.Logger {
	if d.Log != nil {
		return d.Log
	}
	return slog.Default()
}
