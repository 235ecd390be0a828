package app

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/slack-go/slack"

	"github.com/switchboard-inbox/switchboard/shared/inbox"
	"github.com/switchboard-inbox/switchboard/shared/rebuild"
	"github.com/switchboard-inbox/switchboard/shared/report"
	"github.com/switchboard-inbox/switchboard/shared/slackui"
)

// reportService computes reports from the counters the store keeps.
func (a *App) reportService() *report.Service {
	return &report.Service{
		Store: a.Store, Location: a.Config.TimeZone, Hours: a.Config.BusinessHours,
		Now: a.Now, DormantAfter: a.Config.DormantAfter,
	}
}

// reportsHandler is nil when REPORTS_TOKEN is not set: without it there is
// no way in, and nothing to sign dashboard links with.
func (a *App) reportsHandler() *report.Handler {
	if a.Config.ReportsToken == "" {
		return nil
	}
	return &report.Handler{
		Service: a.reportService(), Token: a.Config.ReportsToken,
		LinkSecret: []byte("dashboard-links\x00" + a.Config.ReportsToken), Log: a.Log, Now: a.Now,
	}
}

// Reports serves /reports/summary, /reports/export.csv and /dashboard.
func (a *App) Reports() http.Handler {
	h := a.reportsHandler()
	if h == nil {
		return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			http.Error(w, "Reports are not set up: the operator has to set REPORTS_TOKEN.", http.StatusNotFound)
		})
	}
	return h.Routes()
}

// Digest posts the weekly report and the daily dormant list to the
// managers' channel, as the schedules in template.yaml ask.
func (a *App) Digest() func(context.Context, json.RawMessage) error {
	d := &report.Digest{
		Reports: a.reportService(), Slack: a.Slack, Channel: a.Config.ManagersChannelID,
		Location: a.Config.TimeZone, Now: a.Now, Log: a.Log,
	}
	// Slack refuses a post whose button has a relative link.
	if base := a.Config.PublicBaseURL; base != "" && a.reportsHandler() != nil {
		d.DashboardURL = func(string) string { return base + "/dashboard" }
	}
	return d.Handle
}

// RebuildStats recounts every report counter from the stored
// conversations ('make rebuild-stats', the rebuild-stats function).
func (a *App) RebuildStats(ctx context.Context) (rebuild.Summary, error) {
	job := rebuild.Job{Source: a.Store, Sink: a.Store, Log: a.Log,
		Options: rebuild.Options{Location: a.Config.TimeZone, Hours: a.Config.BusinessHours}}
	return job.Run(ctx)
}

// slackReports answers /switchboard report and /switchboard dashboard.
type slackReports struct {
	reports *report.Service
	handler *report.Handler
	now     func() time.Time
}

func (r slackReports) ReportBlocks(ctx context.Context, days int, base, user string) ([]slack.Block, error) {
	today := inbox.Day(r.now(), r.reports.Location)
	cur, prev, err := r.reports.Compare(ctx, today, days)
	if err != nil {
		return nil, err
	}
	link, _ := r.DashboardLink(base, user)
	return slackui.ReportBlocks(fmt.Sprintf("Support report: the last %d days", days), cur, prev, link), nil
}

func (r slackReports) DashboardLink(base, user string) (string, time.Time) {
	return r.handler.DashboardURL(base, user), r.now().Add(report.LinkTTL)
}
