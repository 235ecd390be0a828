package report

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/switchboard-inbox/switchboard/shared/inbox"
)

var (
	dailyHeader = []string{
		"day", "opened", "reopened", "resolved", "messages_in", "messages_out", "backlog",
		"first_response_count", "first_response_median_seconds", "first_response_p90_seconds", "first_response_mean_seconds",
		"reply_median_seconds", "resolution_median_seconds", "csat_ratings", "csat_score",
	}
	conversationHeader = []string{
		"conversation_id", "channel", "customer_id", "customer_name", "opened_at", "status", "resolved_at",
		"reopen_count", "category", "priority", "assignee", "first_response_seconds", "resolution_seconds",
	}
)

// Export writes the CSV of q: a section of one row per day, a blank line,
// and a section of one row per conversation opened in the window. The
// conversations stream from the store to w, one at a time.
func (s *Service) Export(ctx context.Context, q Query, w io.Writer) error {
	if err := q.check(); err != nil {
		return err
	}
	loc := s.location()
	win, err := s.readDays(ctx, q, s.now())
	if err != nil {
		return err
	}
	out := csv.NewWriter(w)
	if err := out.Write(dailyHeader); err != nil {
		return fmt.Errorf("write daily rows: %w", err)
	}
	byDay := win.byDay()
	for day := q.From; day <= q.To; day = addDays(day, 1) {
		if err := out.Write(dailyRecord(day, byDay[day], win.backlog(day))); err != nil {
			return fmt.Errorf("write daily row %s: %w", day, err)
		}
	}
	// An empty record is the blank line between the sections.
	if err := out.Write(nil); err != nil {
		return fmt.Errorf("write conversation rows: %w", err)
	}
	if err := out.Write(conversationHeader); err != nil {
		return fmt.Errorf("write conversation rows: %w", err)
	}
	from, to := startOfDay(q.From, loc), startOfDay(addDays(q.To, 1), loc)
	err = s.Store.OpenedConversations(ctx, from, to, func(c inbox.Conversation) error {
		return out.Write(conversationRecord(c, loc))
	})
	if err != nil {
		return fmt.Errorf("export conversations opened %s..%s: %w", q.From, q.To, err)
	}
	out.Flush()
	if err := out.Error(); err != nil {
		return fmt.Errorf("write export: %w", err)
	}
	return nil
}

func dailyRecord(day string, c map[string]int64, backlog int64) []string {
	v := volume(c, backlog)
	frt := timeStats(c, inbox.TimingFirstResponse, false)
	reply := timeStats(c, inbox.TimingReply, false)
	resolution := timeStats(c, inbox.TimingResolution, false)
	ratings := c[inbox.CounterCSATRatings]
	return []string{
		day, integer(v.Opened), integer(v.Reopened), integer(v.Resolved), integer(v.MessagesIn),
		integer(v.MessagesOut), integer(v.Backlog),
		integer(frt.Count), number(frt.MedianSeconds), number(frt.P90Seconds), number(frt.MeanSeconds),
		number(reply.MedianSeconds), number(resolution.MedianSeconds),
		integer(ratings), number(satisfied(c, ratings)),
	}
}

func conversationRecord(c inbox.Conversation, loc *time.Location) []string {
	resolved := c.Status == inbox.StatusResolved && !c.ResolvedAt.IsZero()
	var resolvedAt, category, firstResponse, resolution string
	if resolved {
		resolvedAt = c.ResolvedAt.In(loc).Format(time.RFC3339)
		resolution = duration(c.ResolvedAt.Sub(c.InteractionStart()))
	}
	if c.Triage != nil {
		category = c.Triage.Category
	}
	if !c.FirstResponseAt.IsZero() {
		firstResponse = duration(c.FirstResponseAt.Sub(c.OpenedAt))
	}
	assignee := c.AssigneeName
	if assignee == "" {
		assignee = c.AssigneeID
	}
	return []string{
		text(c.ID), text(string(c.Channel)), text(c.CustomerID), text(c.CustomerName),
		c.OpenedAt.In(loc).Format(time.RFC3339), text(string(c.Status)), resolvedAt,
		strconv.Itoa(c.ReopenCount), text(category), text(string(c.Priority)), text(assignee),
		firstResponse, resolution,
	}
}

// text makes a cell safe to open in a spreadsheet: one that starts with
// = + - @ (or a tab or carriage return) would be read as a formula, so it
// gets a leading apostrophe, which spreadsheets show as text.
func text(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

func integer(n int64) string { return strconv.FormatInt(n, 10) }

// number writes a nullable figure; null is an empty cell.
func number(v *float64) string {
	if v == nil {
		return ""
	}
	return strconv.FormatFloat(*v, 'f', -1, 64)
}

func duration(d time.Duration) string {
	return number(seconds(d.Seconds()))
}
