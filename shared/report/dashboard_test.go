package report

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

const (
	dashboardToken  = "dashboard-test-token"
	dashboardSecret = "dashboard-test-link-secret"
)

func dashboardHandler() *Handler {
	return &Handler{
		Service:    &Service{Store: &fakeStore{}, Location: time.UTC},
		Token:      dashboardToken,
		LinkSecret: []byte(dashboardSecret),
		Log:        slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
}

// fetch GETs target from h, with the reports token when bearer is set.
func fetch(t *testing.T, h http.Handler, target string, bearer bool) (*http.Response, string) {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, target, nil)
	if bearer {
		req.Header.Set("Authorization", "Bearer "+dashboardToken)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Result(), rec.Body.String()
}

var (
	resourceRef = regexp.MustCompile(`<(script|link)\b[^>]*\b(?:src|href)="([^"]*)"`)
	anchorRef   = regexp.MustCompile(`<a\b[^>]*\bhref="([^"]*)"`)
)

func TestDashboardPage(t *testing.T) {
	routes := dashboardHandler().Routes()
	res, page := fetch(t, routes, "/dashboard", true)
	if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "text/html; charset=utf-8" {
		t.Fatalf("GET /dashboard = %d %q", res.StatusCode, res.Header.Get("Content-Type"))
	}
	wants := []string{"<title>Switchboard reports</title>", `type="date" id="from"`, `type="date" id="to"`,
		`data-days="7"`, `data-days="30"`, `data-days="90"`, `id="period"`, `id="apply"`, `href="/reports/export.csv"`,
		`data-testid="dormant-table"`, `data-channels="{&#34;chat&#34;:&#34;Web chat&#34;`}
	for _, b := range append(tiles, charts...) {
		wants = append(wants, `data-testid="`+b.id+`"`, ">"+b.title+"<", b.help)
	}
	for _, want := range wants {
		if !strings.Contains(page, strings.ReplaceAll(want, "'", "&#39;")) {
			t.Errorf("page lacks %q", want)
		}
	}

	// Everything the page loads comes from /dashboard/assets and is
	// served; links lead only to the reports.
	refs := resourceRef.FindAllStringSubmatch(page, -1)
	if len(refs) != 2 {
		t.Errorf("page loads %d resources; want the script and the style", len(refs))
	}
	for _, ref := range refs {
		if !strings.HasPrefix(ref[2], "/dashboard/assets/") {
			t.Errorf("<%s> loads %q; want only /dashboard/assets/*", ref[1], ref[2])
			continue
		}
		res, _ := fetch(t, routes, ref[2], true)
		if res.StatusCode != http.StatusOK || !strings.Contains(res.Header.Get("Cache-Control"), "immutable") {
			t.Errorf("%s = %d, Cache-Control %q; want 200, kept for good", ref[2], res.StatusCode, res.Header.Get("Cache-Control"))
		}
	}
	for _, a := range anchorRef.FindAllStringSubmatch(page, -1) {
		if !strings.HasPrefix(a[1], "/reports/") {
			t.Errorf("link to %q; want only /reports/*", a[1])
		}
	}
	// The CSP allows no inline script or style and nothing from elsewhere.
	for _, banned := range []string{"<style", " style=", "<script>", " onclick=", " onload=", "http://", "https://", "//cdn"} {
		if strings.Contains(page, banned) {
			t.Errorf("page has %q", banned)
		}
	}
	if n := strings.Count(page, "<script"); n != 1 {
		t.Errorf("page has %d scripts; want the one file", n)
	}
}

func TestDashboardAssets(t *testing.T) {
	routes := dashboardHandler().Routes()
	tests := []struct {
		target      string
		bearer      bool
		status      int
		contentType string
		cache       string
	}{
		{"/dashboard/assets/dashboard.js?v=" + assetVersion, true, http.StatusOK, "text/javascript; charset=utf-8", "private, max-age=31536000, immutable"},
		{"/dashboard/assets/dashboard.css?v=" + assetVersion, true, http.StatusOK, "text/css; charset=utf-8", "private, max-age=31536000, immutable"},
		{"/dashboard/assets/dashboard.js?v=old", true, http.StatusOK, "text/javascript; charset=utf-8", "no-cache"},
		{"/dashboard/assets/dashboard.css", true, http.StatusOK, "text/css; charset=utf-8", "no-cache"},
		{"/dashboard/assets/dashboard.js", false, http.StatusUnauthorized, "application/json; charset=utf-8", "no-store"},
		{"/dashboard/assets/missing.js", true, http.StatusNotFound, "text/plain; charset=utf-8", "no-store"},
		{"/dashboard/assets/..%2fdashboard.go", true, http.StatusNotFound, "text/plain; charset=utf-8", "no-store"},
	}
	for _, tc := range tests {
		res, body := fetch(t, routes, tc.target, tc.bearer)
		if res.StatusCode != tc.status || res.Header.Get("Content-Type") != tc.contentType || res.Header.Get("Cache-Control") != tc.cache {
			t.Errorf("GET %s = %d %q %q; want %d %q %q", tc.target, res.StatusCode, res.Header.Get("Content-Type"),
				res.Header.Get("Cache-Control"), tc.status, tc.contentType, tc.cache)
		}
		if tc.status == http.StatusOK && len(body) < 1000 {
			t.Errorf("GET %s: %d bytes", tc.target, len(body))
		}
	}
}

// The script writes customer and agent text as text only, loads nothing
// but the summary, and the style loads nothing at all.
func TestDashboardAssetsStaySelfContained(t *testing.T) {
	script := string(dashboardAssets["dashboard.js"].body)
	for _, banned := range []string{"innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function", "import(", "XMLHttpRequest"} {
		if strings.Contains(script, banned) {
			t.Errorf("dashboard.js uses %s", banned)
		}
	}
	if n := strings.Count(script, "fetch("); n != 1 || !strings.Contains(script, "fetch('/reports/summary' + ") {
		t.Errorf("dashboard.js calls fetch %d times; want once, for /reports/summary", n)
	}
	style := string(dashboardAssets["dashboard.css"].body)
	for _, banned := range []string{"url(", "@import"} {
		if strings.Contains(style, banned) {
			t.Errorf("dashboard.css uses %s", banned)
		}
	}
}

// browserSummary is a month of made-up figures with the awkward cases:
// days without first responses or ratings, a period still running, a
// customer whose name is markup.
func browserSummary() Summary {
	s := Summary{
		From: "2026-10-24", To: "2026-11-22", TZ: "Europe/Paris", GroupBy: "channel", Period: "month",
		GeneratedAt: time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC), BusinessHours: "Mon-Fri 09:00-17:00", TimeBucketError: 0.118,
		Volume: Volume{Opened: 1234, Reopened: 56, Resolved: 1200, MessagesIn: 4000, MessagesOut: 3500, Backlog: 17},
		FirstResponseTime: TimeStats{Count: 900, MedianSeconds: ptr(240.0), P90Seconds: ptr(7800.0), MeanSeconds: ptr(1300.0),
			Business: &BusinessTimeStats{MedianSeconds: ptr(180.0), P90Seconds: ptr(3600.0), MeanSeconds: ptr(800.0)}},
		ReplyTime:      TimeStats{Count: 2000, MedianSeconds: ptr(300.0), P90Seconds: ptr(9000.0), MeanSeconds: ptr(2000.0)},
		ResolutionTime: TimeStats{Count: 1200, MedianSeconds: ptr(3 * 86400.0), P90Seconds: ptr(12 * 86400.0), MeanSeconds: ptr(4 * 86400.0)},
		CSAT: CSAT{Score: ptr(0.83), Ratings: 300, Requests: 750, ResponseRate: ptr(0.4), Skipped: 20, Undelivered: 3,
			Distribution: map[string]int64{"1": 20, "2": 11, "3": 20, "4": 99, "5": 150}},
		RetentionRate: ptr(0.31), RepeatContactRate: ptr(0.12), Churned: 10, NewCustomers: 5, ReturningCustomers: 7,
		Triage: Triage{ByCategory: map[string]int64{"billing": 30, "shipping": 12, "other": 3}, ByPriority: map[string]int64{"high": 2, "normal": 40},
			TokensByMonth: []MonthTokens{{Month: "2026-11", Calls: 45, PromptTokens: 9000, CompletionTokens: 700}}},
		DormantAfterDays: 90,
		Dormant: []Dormant{
			{CustomerID: "01JCUST1", Name: `<img src=x onerror="document.title='owned'">Eve`, Channel: "whatsapp", LastContact: "2026-08-01",
				UsualIntervalDays: ptr(30.5), DormantSince: "2026-08-31", LastCSAT: ptr(4)},
			{CustomerID: "01JCUST2", Name: "Zoë", Channel: "email", LastContact: "2026-07-01", DormantSince: "2026-09-29"},
		},
	}
	for _, p := range []struct {
		name     string
		rate     *float64
		complete bool
	}{{"2026-10", ptr(0.4), true}, {"2026-11", ptr(0.31), false}} {
		s.Retention = append(s.Retention, PeriodRetention{Period: p.name, PreviousActive: 20, Active: 18, New: 5, Returning: 7, Retained: 7,
			Churned: 13, RetentionRate: p.rate, Repeat: 2, RepeatContactRate: ptr(0.11), Complete: p.complete,
			ByLastRating: map[string]SegmentRetention{"45": {10, 6, ptr(0.6)}, "3": {4, 1, ptr(0.25)}, "12": {2, 0, ptr(0.0)}, "none": {4, 0, ptr(0.0)}}})
	}
	for i := range 30 {
		d := Day{Day: addDays(s.From, i), OpenedByChannel: map[string]int64{"chat": int64(20 + i%7), "email": int64(10 + i%3), "whatsapp": int64(i % 5)}}
		for _, n := range d.OpenedByChannel {
			d.Opened += n
		}
		if i%6 != 5 {
			d.FirstResponseTime = TimeStats{Count: 30, MedianSeconds: ptr(float64(120 + 10*i)), P90Seconds: ptr(float64(3000 + 100*i))}
		}
		if i%4 != 3 {
			d.CSAT = DayCSAT{Score: ptr(0.7 + float64(i%3)/10), Ratings: 10}
		}
		s.Daily = append(s.Daily, d)
	}
	s.Groups = []Group{{Dimension: "channel", Value: "chat", Name: "Web chat", Opened: 700, Resolved: 690, MessagesOut: 2000,
		FirstResponseTime: TimeStats{Count: 500, MedianSeconds: ptr(200.0)}, CSAT: CSAT{Score: ptr(0.9), Ratings: 100}}}
	return s
}

// emptySummary is a day with nothing in it.
func emptySummary() Summary {
	return Summary{From: "2026-11-22", To: "2026-11-22", TZ: "UTC", Period: "month", GeneratedAt: time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC),
		Daily: []Day{{Day: "2026-11-22"}}, CSAT: CSAT{Distribution: map[string]int64{}}, Dormant: []Dormant{}}
}

// The page as a browser draws it, from summaries with every kind of
// figure, no figure at all, and none to be had.
func TestDashboardInBrowser(t *testing.T) {
	cases := []struct {
		name    string
		summary func(w http.ResponseWriter)
		want    map[string][]string // section id → what it shows
		banned  []string
	}{
		{"full", serveSummary(browserSummary()), map[string][]string{
			"tile-opened":            {">1,234<", "56 reopened"},
			"tile-resolved":          {">1,200<"},
			"tile-backlog":           {">17<", "open at the end of Nov 22"},
			"tile-frt-median":        {">4 min<", "900 first responses", "business hours: 3 min"},
			"tile-frt-p90":           {">2 h 10 min<"},
			"tile-csat":              {">83%<", "300 ratings · 40% response rate"},
			"tile-retention":         {">31%<", "2026-11 so far: 7 returning · 5 new"},
			"tile-repeat":            {">12%<"},
			"tile-churned":           {">10<"},
			"times":                  {"Resolution", ">3 d<", ">12 d<", "First response, business hours", "11.8%"},
			"chart-volume":           {"<rect", `class="s0"`, `class="s2"`, "Web chat", "WhatsApp", "Conversations opened per day by channel"},
			"chart-frt":              {`class="line s0"`, `class="line s1"`, "Median", "p90"},
			"chart-csat":             {`class="line s2"`},
			"chart-retention":        {"<rect", `class="s0 partial"`, "Period still running", "2026-11 (so far)"},
			"chart-rating-retention": {`class="s2"`, `class="s3"`, "Last rating 4–5", "60% (6 of 10)"},
			"chart-triage":           {"<rect", "billing", "Priority high", "45 calls"},
			"groups":                 {"Web chat", ">700<", "90% of 100"},
			"dormant":                {"&lt;img src=x onerror=", "WhatsApp", "30.5 days", "4/5", "Zoë", "90 days (default: one contact)"},
			"foot":                   {"Days in Europe/Paris", "business hours Mon-Fri 09:00-17:00"},
		}, []string{"<img"}},
		{"empty", serveSummary(emptySummary()), map[string][]string{
			"tile-opened":            {">0<"},
			"tile-frt-median":        {">—<", "No first responses in this range"},
			"tile-csat":              {">—<", "No ratings in this range"},
			"tile-retention":         {">—<", "No customers in this range"},
			"chart-volume":           {"No conversations opened in this range."},
			"chart-frt":              {"No first responses in this range."},
			"chart-csat":             {"No ratings in this range."},
			"chart-retention":        {"No customers in the periods before this range."},
			"chart-triage":           {"No triaged conversations in this range."},
			"dormant":                {"No dormant customers as of 2026-11-22."},
			"foot":                   {"no business hours configured"},
			"chart-rating-retention": {"No customers in the periods before this range."},
		}, []string{"<rect", "<path"}},
		{"refused", func(w http.ResponseWriter) {
			writeJSON(w, http.StatusUnauthorized, errorBody{"missing or wrong credentials"})
		}, map[string][]string{"status": {"Your dashboard link has expired or is not valid"}}, nil},
		{"broken", func(w http.ResponseWriter) {
			writeJSON(w, http.StatusBadRequest, errorBody{"tz: counters are kept in <b>UTC</b>"})
		}, map[string][]string{"status": {"(400): tz: counters are kept in &lt;b&gt;UTC&lt;/b&gt;"}}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			site := dashboardSite(t, tc.summary)
			dom := browser(t, "--dump-dom", site+"/dashboard?t="+NewLink([]byte(dashboardSecret), "U0MANAGER", time.Now().Add(LinkTTL)))
			for id, wants := range tc.want {
				section := element(dom, id)
				if section == "" {
					t.Errorf("no element %s in\n%s", id, dom)
					continue
				}
				for _, want := range wants {
					if !strings.Contains(section, want) {
						t.Errorf("%s lacks %q:\n%s", id, want, section)
					}
				}
			}
			if !strings.Contains(dom, "<title>Switchboard reports</title>") {
				t.Errorf("the page's title changed: a name ran as markup")
			}
			for _, banned := range tc.banned {
				if strings.Contains(element(dom, "report"), banned) {
					t.Errorf("page shows %q", banned)
				}
			}
			if tc.name == "full" {
				for _, width := range []int{1280, 390} {
					shot := filepath.Join(artifacts(t), fmt.Sprintf("dashboard-fake-%d.png", width))
					browser(t, "--screenshot="+shot, fmt.Sprintf("--window-size=%d,2400", width), site+"/dashboard?t="+NewLink([]byte(dashboardSecret), "U0MANAGER", time.Now().Add(LinkTTL)))
					t.Logf("screenshot at %d px: %s", width, shot)
				}
			}
		})
	}
}

func serveSummary(s Summary) func(http.ResponseWriter) {
	return func(w http.ResponseWriter) { writeJSON(w, http.StatusOK, s) }
}

// dashboardSite serves the real dashboard routes with a made-up summary.
func dashboardSite(t *testing.T, summary func(http.ResponseWriter)) string {
	routes := dashboardHandler().Routes()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /reports/summary", func(w http.ResponseWriter, _ *http.Request) { summary(w) })
	mux.Handle("/", routes)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv.URL
}

// element returns an element of a dumped DOM by id, up to the first
// closing tag of its kind: the page's tiles and sections do not nest.
func element(dom, id string) string {
	start := strings.Index(dom, ` id="`+id+`"`)
	if start < 0 {
		return ""
	}
	start = strings.LastIndex(dom[:start], "<")
	tag := dom[start+1 : start+1+strings.IndexAny(dom[start+1:], " >")]
	end := strings.Index(dom[start:], "</"+tag+">")
	if end < 0 {
		return dom[start:]
	}
	return dom[start : start+end+len(tag)+3]
}

// browser runs Debian's headless Chromium with a fresh profile; it skips
// the test without Chromium unless SWITCHBOARD_REQUIRE_BROWSER is set.
func browser(t *testing.T, args ...string) string {
	t.Helper()
	bin, err := exec.LookPath("chromium")
	if err != nil {
		if os.Getenv("SWITCHBOARD_REQUIRE_BROWSER") != "" {
			t.Fatal("SWITCHBOARD_REQUIRE_BROWSER is set and chromium is not installed")
		}
		t.Skip("chromium is not installed")
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	base := []string{"--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
		"--user-data-dir=" + t.TempDir(), "--virtual-time-budget=5000"}
	out, err := exec.CommandContext(ctx, bin, append(base, args...)...).Output()
	if err != nil {
		t.Fatalf("chromium %v: %v", args, err)
	}
	return string(out)
}

// artifacts is where screenshots go: $SWITCHBOARD_ARTIFACTS, or a
// temporary directory.
func artifacts(t *testing.T) string {
	dir := os.Getenv("SWITCHBOARD_ARTIFACTS")
	if dir == "" {
		return t.TempDir()
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}
