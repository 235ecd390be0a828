package slackui

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/switchboard-inbox/switchboard/shared/inbox"
	"github.com/switchboard-inbox/switchboard/shared/report"
)

func ptr[T any](v T) *T { return &v }

// sectionTexts is a section block's text and its fields' texts.
func sectionTexts(t *testing.T, b slack.Block) (string, []string) {
	t.Helper()
	s, ok := b.(*slack.SectionBlock)
	if !ok {
		t.Fatalf("block %T; want a section", b)
	}
	var text string
	if s.Text != nil {
		text = s.Text.Text
	}
	var fields []string
	for _, f := range s.Fields {
		fields = append(fields, f.Text)
	}
	return text, fields
}

func weekSummaries() (cur, prev report.Summary) {
	cur = report.Summary{
		From: "2026-11-16", To: "2026-11-22", TZ: "Europe/Paris", TimeBucketError: inbox.BucketRelativeError,
		Volume: report.Volume{Opened: 112, Resolved: 95, Backlog: 14},
		FirstResponseTime: report.TimeStats{Count: 80, MedianSeconds: ptr(240.0), P90Seconds: ptr(7560.0),
			Business: &report.BusinessTimeStats{MedianSeconds: ptr(120.0)}},
		ReplyTime:      report.TimeStats{Count: 200, MedianSeconds: ptr(600.0), P90Seconds: ptr(3000.0)},
		ResolutionTime: report.TimeStats{Count: 95, MedianSeconds: ptr(129600.0)},
		CSAT:           report.CSAT{Score: ptr(0.84), Ratings: 50, Requests: 125, ResponseRate: ptr(0.4)},
		RetentionRate:  ptr(0.31), RepeatContactRate: ptr(0.12), Churned: 10, NewCustomers: 5, ReturningCustomers: 7,
		Retention: []report.PeriodRetention{{Period: "2026-11"}},
	}
	prev = report.Summary{
		From: "2026-11-09", To: "2026-11-15", TZ: "Europe/Paris", TimeBucketError: inbox.BucketRelativeError,
		Volume:            report.Volume{Opened: 100, Resolved: 95, Backlog: 20},
		FirstResponseTime: report.TimeStats{Count: 60, MedianSeconds: ptr(420.0), P90Seconds: ptr(7560.0)},
		ResolutionTime:    report.TimeStats{Count: 95, MedianSeconds: ptr(172800.0)},
		CSAT:              report.CSAT{Score: ptr(0.80), Ratings: 40, Requests: 90, ResponseRate: ptr(0.44)},
		RetentionRate:     ptr(0.35), RepeatContactRate: ptr(0.10), Churned: 8, NewCustomers: 4, ReturningCustomers: 7,
		Retention: []report.PeriodRetention{{Period: "2026-11"}},
	}
	return cur, prev
}

func TestReportBlocks(t *testing.T) {
	cur, prev := weekSummaries()
	blocks := ReportBlocks("Weekly support report", cur, prev, "https://inbox.example/dashboard")
	if len(blocks) != 6 {
		t.Fatalf("ReportBlocks gave %d blocks; want 6", len(blocks))
	}
	if h, ok := blocks[0].(*slack.HeaderBlock); !ok || h.Text.Text != "Weekly support report" {
		t.Errorf("first block = %#v; want the title as header", blocks[0])
	}
	_, volume := sectionTexts(t, blocks[1])
	wantVolume := []string{
		"*Opened*\n112  ▲ 12%",
		"*Resolved*\n95  no change",
		"*Backlog at the end*\n14  ▼ 30%",
		"*First response*\nmedian 4 min  ▼ 3 min\np90 2.1 h  no change\nin business hours: median 2 min",
		"*Reply time*\nmedian 10 min  n/a",
		"*Resolution time*\nmedian 36 h  ▼ 12 h",
	}
	if !slices.Equal(volume, wantVolume) {
		t.Errorf("volume fields =\n%q\nwant\n%q", volume, wantVolume)
	}
	_, satisfaction := sectionTexts(t, blocks[2])
	if want := []string{"*CSAT*\n84% satisfied  ▲ 4 pts\n50 ratings, response rate 40%"}; !slices.Equal(satisfaction, want) {
		t.Errorf("CSAT fields = %q; want %q", satisfaction, want)
	}
	heading, customers := sectionTexts(t, blocks[3])
	// Both windows fall in November: its figures are not compared with
	// themselves.
	wantCustomers := []string{"*Retention rate*\n31%", "*Repeat contact rate*\n12%", "*Churned*\n10", "*New vs returning*\n5 new · 7 returning"}
	if heading != "*Customers* in 2026-11 (so far)" || !slices.Equal(customers, wantCustomers) {
		t.Errorf("customers = %q %q; want %q %q", heading, customers, "*Customers* in 2026-11 (so far)", wantCustomers)
	}
	ctx, ok := blocks[4].(*slack.ContextBlock)
	wantContext := "2026-11-16 to 2026-11-22 (Europe/Paris), compared with 2026-11-09 to 2026-11-15 · medians and p90 from time buckets, within 12%"
	if !ok || ctx.ContextElements.Elements[0].(*slack.TextBlockObject).Text != wantContext {
		t.Errorf("context block = %#v; want %q", blocks[4], wantContext)
	}
	actions, ok := blocks[5].(*slack.ActionBlock)
	if !ok || actions.Elements.ElementSet[0].(*slack.ButtonBlockElement).URL != "https://inbox.example/dashboard" {
		t.Errorf("last block = %#v; want a button to the dashboard", blocks[5])
	}
}

func TestReportBlocksComparesRetentionAcrossPeriods(t *testing.T) {
	cur, prev := weekSummaries()
	cur.Retention = []report.PeriodRetention{{Period: "2026-10", Complete: true}, {Period: "2026-11"}}
	prev.Retention = []report.PeriodRetention{{Period: "2026-09", Complete: true}, {Period: "2026-10", Complete: true}}
	heading, customers := sectionTexts(t, ReportBlocks("Report", cur, prev, "")[3])
	want := []string{"*Retention rate*\n31%  ▼ 4 pts", "*Repeat contact rate*\n12%  ▲ 2 pts", "*Churned*\n10  ▲ 25%",
		"*New vs returning*\n5 new  ▲ 25% · 7 returning  no change"}
	if heading != "*Customers* in 2026-11 (so far), compared with 2026-10" || !slices.Equal(customers, want) {
		t.Errorf("customers = %q\n%q\nwant the change against 2026-10:\n%q", heading, customers, want)
	}
	cur.Retention[1].Complete = true
	if heading, _ := sectionTexts(t, ReportBlocks("Report", cur, prev, "")[3]); heading != "*Customers* in 2026-11, compared with 2026-10" {
		t.Errorf("heading of a complete period = %q", heading)
	}
}

func TestReportBlocksWithoutData(t *testing.T) {
	blocks := ReportBlocks("Report", report.Summary{From: "2026-11-16", To: "2026-11-22"}, report.Summary{}, "")
	if len(blocks) != 5 {
		t.Fatalf("ReportBlocks without a dashboard link gave %d blocks; want 5 (no button)", len(blocks))
	}
	_, volume := sectionTexts(t, blocks[1])
	want := []string{"*Opened*\n0  no change", "*Resolved*\n0  no change", "*Backlog at the end*\n0  no change",
		"*First response*\nmedian –  n/a\np90 –  n/a", "*Reply time*\nmedian –  n/a", "*Resolution time*\nmedian –  n/a"}
	if !slices.Equal(volume, want) {
		t.Errorf("volume without data =\n%q\nwant\n%q", volume, want)
	}
	if _, csat := sectionTexts(t, blocks[2]); csat[0] != "*CSAT*\nno ratings (0 requests)" {
		t.Errorf("CSAT without ratings = %q", csat[0])
	}
	heading, customers := sectionTexts(t, blocks[3])
	wantCustomers := []string{"*Retention rate*\nn/a", "*Repeat contact rate*\nn/a", "*Churned*\n0", "*New vs returning*\n0 new · 0 returning"}
	if heading != "*Customers*" || !slices.Equal(customers, wantCustomers) {
		t.Errorf("customers without data = %q %q; want %q", heading, customers, wantCustomers)
	}
}

func TestChanges(t *testing.T) {
	counts := []struct {
		cur, prev int64
		want      string
	}{
		{112, 100, "▲ 12%"}, {95, 100, "▼ 5%"}, {0, 7, "▼ 100%"}, {0, 0, "no change"}, {5, 5, "no change"},
		{5, 0, "n/a"}, {1001, 1000, "▲ <1%"}, {999, 1000, "▼ <1%"}, {300, 100, "▲ 200%"},
	}
	for _, tt := range counts {
		if got := countChange(tt.cur, tt.prev); got != tt.want {
			t.Errorf("countChange(%d, %d) = %q; want %q", tt.cur, tt.prev, got, tt.want)
		}
	}
	times := []struct {
		cur, prev *float64
		want      string
	}{
		{ptr(240.0), ptr(420.0), "▼ 3 min"}, {ptr(30.0), ptr(10.0), "▲ 20 s"}, {ptr(7200.0), ptr(3600.0), "▲ 1 h"},
		{ptr(100.0), ptr(100.2), "no change"}, {nil, ptr(1.0), "n/a"}, {ptr(1.0), nil, "n/a"}, {nil, nil, "n/a"},
	}
	for _, tt := range times {
		if got := timeChange(tt.cur, tt.prev); got != tt.want {
			t.Errorf("timeChange(%v, %v) = %q; want %q", tt.cur, tt.prev, got, tt.want)
		}
	}
	rates := []struct {
		cur, prev *float64
		want      string
	}{
		{ptr(0.84), ptr(0.80), "▲ 4 pts"}, {ptr(0.80), ptr(0.81), "▼ 1 pt"}, {ptr(0.5), ptr(0.5), "no change"},
		{ptr(0.502), ptr(0.5), "▲ <1 pt"}, {ptr(0.0), ptr(1.0), "▼ 100 pts"}, {nil, ptr(0.5), "n/a"}, {ptr(0.5), nil, "n/a"},
	}
	for _, tt := range rates {
		if got := rateChange(tt.cur, tt.prev); got != tt.want {
			t.Errorf("rateChange(%v, %v) = %q; want %q", tt.cur, tt.prev, got, tt.want)
		}
	}
}

func TestSpokenDuration(t *testing.T) {
	tests := []struct {
		seconds float64
		want    string
	}{
		{0, "0 s"}, {5, "5 s"}, {59.4, "59 s"}, {59.6, "1 min"}, {600, "10 min"}, {3569, "59 min"},
		{3600, "1 h"}, {5400, "1.5 h"}, {172799, "48 h"}, {172800, "2 d"}, {9e6, "104.2 d"},
	}
	for _, tt := range tests {
		if got := spokenDuration(tt.seconds); got != tt.want {
			t.Errorf("spokenDuration(%v) = %q; want %q", tt.seconds, got, tt.want)
		}
	}
}

// textObjects returns the text of every text object in blocks, as Slack
// receives them, split into mrkdwn and plain_text.
func textObjects(t *testing.T, blocks []slack.Block) (mrkdwn, plainText []string) {
	t.Helper()
	raw, err := json.Marshal(blocks)
	if err != nil {
		t.Fatal(err)
	}
	var tree any
	if err := json.Unmarshal(raw, &tree); err != nil {
		t.Fatal(err)
	}
	var walk func(any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			if text, ok := v["text"].(string); ok {
				switch v["type"] {
				case "mrkdwn":
					mrkdwn = append(mrkdwn, text)
				case "plain_text":
					plainText = append(plainText, text)
				}
			}
			for _, child := range v {
				walk(child)
			}
		case []any:
			for _, child := range v {
				walk(child)
			}
		}
	}
	walk(tree)
	return mrkdwn, plainText
}

func TestDormantBlocks(t *testing.T) {
	lastContact := time.Date(2026, 8, 1, 10, 0, 0, 0, time.UTC)
	list := []inbox.DormantCustomer{
		{CustomerID: "01JANA", Name: "Ana", Channel: inbox.ChannelWhatsApp, LastContactAt: lastContact,
			UsualInterval: 30*24*time.Hour + 12*time.Hour, LastCSAT: 4},
		{CustomerID: "01JEVIL", Name: "<!channel> *x*\n<http://evil|click>", Channel: inbox.ChannelEmail, LastContactAt: lastContact},
		{CustomerID: "01JNONAME", Name: "  ", Channel: inbox.ChannelSMS, LastContactAt: lastContact, LastCSAT: 1},
	}
	blocks := DormantBlocks(list)
	if len(blocks) != 5 {
		t.Fatalf("DormantBlocks gave %d blocks; want a header, a count and 3 lines", len(blocks))
	}
	date := fmt.Sprintf("<!date^%d^{date_short_pretty}|2026-08-01>", lastContact.Unix())
	want := []struct{ name, details string }{
		{"Ana", "WhatsApp · last contact " + date + " · usually every 30.5 days · last rating 4/5"},
		{"<!channel> *x* <http://evil|click>", "Email · last contact " + date + " · one contact so far · never rated"},
		{"Customer 01JNONAME", "SMS · last contact " + date + " · one contact so far · last rating 1/5"},
	}
	for i, w := range want {
		s := blocks[2+i].(*slack.SectionBlock)
		if len(s.Fields) != 2 || s.Fields[0].Type != slack.PlainTextType || s.Fields[0].Text != w.name || s.Fields[1].Text != w.details {
			t.Errorf("line %d = %+v %+v; want plain name %q and %q", i, s.Fields[0], s.Fields[1], w.name, w.details)
		}
	}
	if _, count := blockKindAndText(blocks[1]); count != "3 customers have gone longer than usual without contacting you." {
		t.Errorf("count line = %q", count)
	}
	// The customer's name must never reach Slack as mrkdwn, where it could
	// ping the channel, disguise a link or bold itself.
	mrkdwn, _ := textObjects(t, blocks)
	for _, text := range mrkdwn {
		for _, bad := range []string{"<!channel>", "evil", "*x*", "Ana"} {
			if strings.Contains(text, bad) {
				t.Errorf("mrkdwn text %q holds the customer's %q", text, bad)
			}
		}
	}
}

// blockKindAndText returns a block's kind, and its first text when it is a
// context block.
func blockKindAndText(b slack.Block) (string, string) {
	if c, ok := b.(*slack.ContextBlock); ok {
		return "context", c.ContextElements.Elements[0].(*slack.TextBlockObject).Text
	}
	return string(b.BlockType()), ""
}

func TestDormantBlocksCountsTheRest(t *testing.T) {
	list := make([]inbox.DormantCustomer, maxDormantLines+5)
	for i := range list {
		list[i] = inbox.DormantCustomer{CustomerID: fmt.Sprintf("01J%02d", i), Name: fmt.Sprint("Customer ", i), Channel: inbox.ChannelChat}
	}
	blocks := DormantBlocks(list)
	if len(blocks) != 2+maxDormantLines+1 {
		t.Fatalf("DormantBlocks of %d gave %d blocks; want %d", len(list), len(blocks), 2+maxDormantLines+1)
	}
	if kind, text := blockKindAndText(blocks[len(blocks)-1]); kind != "context" || text != "…and 5 more on the dashboard." {
		t.Errorf("last block = %s %q; want the count of the rest", kind, text)
	}
	if DormantBlocks(list[:maxDormantLines])[len(blocks)-2].BlockType() != slack.MBTSection {
		t.Errorf("a list of exactly %d ends with a count; want the last line", maxDormantLines)
	}
}

// fakeSlackAPI answers chat.postMessage, recording each post's form, or
// with 429 when limited.
func fakeSlackAPI(t *testing.T, limited bool) (*Client, *[]map[string]string) {
	t.Helper()
	var posts []map[string]string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/api/chat.postMessage" {
			t.Errorf("called %s; want chat.postMessage", r.URL.Path)
		}
		if limited {
			w.Header().Set("Retry-After", "3")
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		_ = r.ParseForm()
		posts = append(posts, map[string]string{"channel": r.PostForm.Get("channel"), "text": r.PostForm.Get("text"),
			"blocks": r.PostForm.Get("blocks"), "unfurl_links": r.PostForm.Get("unfurl_links")})
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"ok":true,"channel":"C0MANAGERS","ts":"1700000000.000100"}`))
	}))
	t.Cleanup(srv.Close)
	return New("xoxb-test", srv.URL+"/api/", srv.Client()), &posts
}

func TestPostReportAndDormant(t *testing.T) {
	c, posts := fakeSlackAPI(t, false)
	cur, prev := weekSummaries()
	ctx := context.Background()
	if err := c.PostReport(ctx, "C0MANAGERS", "Weekly support report", cur, prev, ""); err != nil {
		t.Fatalf("PostReport: %v", err)
	}
	dormant := []inbox.DormantCustomer{{CustomerID: "01JEVIL", Name: "<!channel>", Channel: inbox.ChannelEmail}}
	if err := c.PostDormant(ctx, "C0MANAGERS", dormant); err != nil {
		t.Fatalf("PostDormant: %v", err)
	}
	want := []struct{ text, block string }{
		{"Weekly support report: 2026-11-16 to 2026-11-22", "112  ▲ 12%"},
		{"1 customer to reach out to", `"text":"\u003c!channel\u003e"`},
	}
	if len(*posts) != len(want) {
		t.Fatalf("posted %d messages; want %d", len(*posts), len(want))
	}
	for i, w := range want {
		p := (*posts)[i]
		if p["channel"] != "C0MANAGERS" || p["text"] != w.text || !strings.Contains(p["blocks"], w.block) || p["unfurl_links"] != "false" {
			t.Errorf("post %d = %v; want text %q, blocks with %q, no unfurling", i, p, w.text, w.block)
		}
	}
}

func TestPostBlocksRateLimited(t *testing.T) {
	c, _ := fakeSlackAPI(t, true)
	err := c.PostBlocks(context.Background(), "C0MANAGERS", "hello", DormantBlocks(nil))
	var limited *RateLimitedError
	if !errors.As(err, &limited) || limited.RetryAfter() != 3*time.Second {
		t.Errorf("PostBlocks on a 429 = %v; want a RateLimitedError asking for 3s", err)
	}
}
