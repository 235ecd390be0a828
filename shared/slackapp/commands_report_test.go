package slackapp

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"
)

const testSecret = "8f742231b10e8888abcd99yyyzzz85a5"

// fakeReports records the reports asked of it.
type fakeReports struct {
	days  []int
	users []string
	link  string
	err   error
}

func (f *fakeReports) ReportBlocks(_ context.Context, days int, _, user string) ([]slack.Block, error) {
	f.days = append(f.days, days)
	f.users = append(f.users, user)
	if f.err != nil {
		return nil, f.err
	}
	return []slack.Block{slack.NewHeaderBlock(slack.NewTextBlockObject(slack.PlainTextType, "Report "+strconv.Itoa(days), false, false))}, nil
}

func (f *fakeReports) DashboardLink(base, user string) (string, time.Time) {
	if f.link == "" {
		return "", time.Time{}
	}
	return f.link + "?user=" + user, testNow.Add(15 * time.Minute)
}

// testNow is the handler's clock; the signatures use the real one.
var testNow = time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)

// groupSlack answers the agents group's members; the command never calls
// the rest of Slack.
type groupSlack struct {
	Slack
	members []string
}

func (g groupSlack) GroupMembers(context.Context, string) ([]string, error) { return g.members, nil }

// answer is the part of a command's JSON answer the tests read.
type answer struct {
	ResponseType string `json:"response_type"`
	Text         string `json:"text"`
	Blocks       []struct {
		Type      string                `json:"type"`
		Text      struct{ Text string } `json:"text"`
		Accessory struct {
			Type string `json:"type"`
			URL  string `json:"url"`
		} `json:"accessory"`
	} `json:"blocks"`
}

// runCommand sends text as user through the handler, signed as Slack signs.
func runCommand(t *testing.T, h *Handler, user, text string) answer {
	t.Helper()
	form := url.Values{"command": {"/switchboard"}, "text": {text}, "user_id": {user}, "channel_id": {"C0SUPPORT"}}
	body := form.Encode()
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	mac := hmac.New(sha256.New, []byte(testSecret))
	io.WriteString(mac, "v0:"+ts+":"+body)
	req := httptest.NewRequest(http.MethodPost, "/slack/commands", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Slack-Request-Timestamp", ts)
	req.Header.Set("X-Slack-Signature", "v0="+hex.EncodeToString(mac.Sum(nil)))
	rec := httptest.NewRecorder()
	h.Routes().ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		t.Fatalf("%q answered HTTP %d: %s", text, rec.Code, rec.Body)
	}
	var a answer
	if err := json.Unmarshal(rec.Body.Bytes(), &a); err != nil {
		t.Fatalf("%q answered %s: %v", text, rec.Body, err)
	}
	if a.ResponseType != "ephemeral" {
		t.Errorf("%q answered with response_type %q; want ephemeral", text, a.ResponseType)
	}
	return a
}

func reportHandler(r Reports) *Handler {
	return &Handler{
		SigningSecret: testSecret, Command: "/switchboard", NotePrefix: "!", Reports: r,
		AgentsGroup: "S0AGENTS", Slack: groupSlack{members: []string{"U0AGENT"}},
		Log: slog.New(slog.DiscardHandler), Now: func() time.Time { return testNow },
	}
}

func TestReportCommand(t *testing.T) {
	tests := []struct {
		text     string
		wantDays []int
		wantText string
	}{
		{"report", []int{7}, "Support report: the last 7 days"},
		{"report 7d", []int{7}, "Support report: the last 7 days"},
		{"report 30d", []int{30}, "Support report: the last 30 days"},
		{"REPORT 90D", []int{90}, "Support report: the last 90 days"},
		{"report   90d  ", []int{90}, "Support report: the last 90 days"},
		{"report 14d", nil, "Usage: `/switchboard report [7d|30d|90d]`"},
		{"report 7", nil, "Usage: `/switchboard report [7d|30d|90d]`"},
		{"report 7d 30d", nil, "Usage: `/switchboard report [7d|30d|90d]`"},
	}
	for _, tt := range tests {
		reports := &fakeReports{}
		got := runCommand(t, reportHandler(reports), "U0AGENT", tt.text)
		if !slices.Equal(reports.days, tt.wantDays) {
			t.Errorf("%q asked for reports of %v days; want %v", tt.text, reports.days, tt.wantDays)
		}
		if !strings.HasPrefix(got.Text, tt.wantText) {
			t.Errorf("%q answered %q; want it to start %q", tt.text, got.Text, tt.wantText)
		}
		if tt.wantDays == nil {
			continue
		}
		if len(got.Blocks) != 1 || got.Blocks[0].Text.Text != "Report "+strconv.Itoa(tt.wantDays[0]) {
			t.Errorf("%q answered blocks %+v; want the report's blocks", tt.text, got.Blocks)
		}
		if !slices.Equal(reports.users, []string{"U0AGENT"}) {
			t.Errorf("%q asked for the report of users %v; want [U0AGENT]", tt.text, reports.users)
		}
	}
}

func TestDashboardCommand(t *testing.T) {
	got := runCommand(t, reportHandler(&fakeReports{link: "https://inbox.example/dashboard"}), "U0AGENT", "dashboard")
	if len(got.Blocks) != 1 {
		t.Fatalf("dashboard answered %d blocks; want 1", len(got.Blocks))
	}
	b := got.Blocks[0]
	if b.Accessory.Type != "button" || b.Accessory.URL != "https://inbox.example/dashboard?user=U0AGENT" {
		t.Errorf("dashboard button = %+v; want a link signed for U0AGENT", b.Accessory)
	}
	wantText := "Your private link to the dashboard works for 15 minutes, until <!date^1795425300^{time}|09:15 UTC>. Please don't share it."
	if got.Text != wantText || b.Text.Text != wantText {
		t.Errorf("dashboard answer = %q, block %q; want %q", got.Text, b.Text.Text, wantText)
	}
}

func TestReportCommandRefusals(t *testing.T) {
	tests := []struct {
		name     string
		reports  Reports
		user     string
		text     string
		wantText string
	}{
		{"not an agent", &fakeReports{link: "https://x.example"}, "U0STRANGER", "report 30d", "Only members of the support agents group"},
		{"not an agent, dashboard", &fakeReports{link: "https://x.example"}, "U0STRANGER", "dashboard", "Only members of the support agents group"},
		{"no reports", nil, "U0AGENT", "report", "Reports are not set up in this deployment."},
		{"no reports, dashboard", nil, "U0AGENT", "dashboard", "Reports are not set up in this deployment."},
		{"no signed links", &fakeReports{}, "U0AGENT", "dashboard", "The dashboard is not set up in this deployment."},
		{"report fails", &fakeReports{err: errors.New("dynamodb: throttled")}, "U0AGENT", "report", ":warning: Switchboard could not answer"},
	}
	for _, tt := range tests {
		got := runCommand(t, reportHandler(tt.reports), tt.user, tt.text)
		if !strings.HasPrefix(got.Text, tt.wantText) || len(got.Blocks) != 0 {
			t.Errorf("%s: %q answered %q with %d blocks; want %q alone", tt.name, tt.text, got.Text, len(got.Blocks), tt.wantText)
		}
		if f, ok := tt.reports.(*fakeReports); ok && tt.user != "U0AGENT" && len(f.days) > 0 {
			t.Errorf("%s: a non-agent was given a report", tt.name)
		}
	}
}

func TestHelpListsReports(t *testing.T) {
	got := runCommand(t, reportHandler(nil), "U0STRANGER", "help")
	for _, want := range []string{"report [7d|30d|90d]", "dashboard`"} {
		if !strings.Contains(got.Text, want) {
			t.Errorf("help = %q; want it to mention %q", got.Text, want)
		}
	}
}
