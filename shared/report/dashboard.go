package report

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net/http"
	"path"
	"strings"

	"github.com/switchboard-inbox/switchboard/shared/inbox"
)

// The dashboard is one static page: the script fetches /reports/summary
// and draws everything, so the page itself holds no data and no inline
// script or style (the router's CSP allows only same-origin files).
//
//go:embed assets/dashboard.js assets/dashboard.css
var dashboardFiles embed.FS

// dashboardAsset is a file the page loads, ready to serve.
type dashboardAsset struct {
	body        []byte
	contentType string
}

var assetTypes = map[string]string{
	".js":  "text/javascript; charset=utf-8",
	".css": "text/css; charset=utf-8",
}

var (
	dashboardAssets, assetVersion = loadAssets()
	dashboardPage                 = pageHTML(assetVersion)
)

// loadAssets reads the embedded files and a version that changes with
// their content: the page asks for ?v=version, so a browser may cache an
// asset for good and a deploy is still seen at once.
func loadAssets() (map[string]dashboardAsset, string) {
	entries, err := dashboardFiles.ReadDir("assets")
	if err != nil {
		panic(fmt.Sprintf("dashboard assets: %v", err))
	}
	assets := map[string]dashboardAsset{}
	sum := sha256.New()
	for _, e := range entries {
		body, err := dashboardFiles.ReadFile("assets/" + e.Name())
		if err != nil {
			panic(fmt.Sprintf("dashboard asset %s: %v", e.Name(), err))
		}
		assets[e.Name()] = dashboardAsset{body: body, contentType: assetTypes[path.Ext(e.Name())]}
		sum.Write(body)
	}
	return assets, hex.EncodeToString(sum.Sum(nil))[:12]
}

// dashboard serves GET /dashboard to a signed-in browser.
func (h *Handler) dashboard(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, _ = io.WriteString(w, dashboardPage)
}

// asset serves GET /dashboard/assets/{name}.
func (h *Handler) asset(w http.ResponseWriter, r *http.Request) {
	a, ok := dashboardAssets[r.PathValue("name")]
	if !ok {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", a.contentType)
	// Only the version the page asks for may be kept: any other request
	// (an old page, a hand-typed URL) revalidates.
	if r.URL.Query().Get("v") == assetVersion {
		w.Header().Set("Cache-Control", "private, max-age=31536000, immutable")
	} else {
		w.Header().Set("Cache-Control", "no-cache")
	}
	_, _ = w.Write(a.body)
}

// block is a tile or chart of the page: its id (also its data-testid),
// heading and help text. The help texts define the metrics as
// docs/metrics.md does.
type block struct {
	id, title, help string
}

var tiles = []block{
	{"tile-opened", "Conversations opened", "Conversations opened in the range: a customer's first message that starts a conversation. Reopenings are counted apart."},
	{"tile-resolved", "Resolved", "Resolutions in the range, each counted on the day of the resolution."},
	{"tile-backlog", "Backlog", "Conversations open at the end of the last day of the range."},
	{"tile-frt-median", "First response, median", "First response time: per interaction, from its first customer message (its opening or reopening) to the first public agent reply that was delivered, timed at when the agent wrote it. Notes, automatic and triage messages and rating requests do not count. Half of the first responses took this long or less."},
	{"tile-frt-p90", "First response, p90", "The 90th percentile of first response time: nine in ten first responses took this long or less."},
	{"tile-csat", "CSAT", "CSAT score: ratings of 4 or 5 / all ratings, on a 1 to 5 scale, counted on the day the interaction was resolved. Response rate: ratings / rating requests sent."},
	{"tile-retention", "Retention rate", "Customer retention rate of the last period that overlaps the range (which may still be running): (E − N) / S, where S is the customers active in the previous period, E the customers active in this period and N those whose first message ever is in this period. A customer is active in a period when a message of theirs is stored in it."},
	{"tile-repeat", "Repeat contact rate", "Customers active in two or more conversations in the period / all customers active in the period (E)."},
	{"tile-churned", "Churned", "Customers active in the previous period and silent for the whole of this one: S − retained."},
}

var charts = []block{
	{"chart-volume", "Conversations opened per channel", "Conversations opened each day, stacked by channel."},
	{"chart-frt", "First response time", "Median and 90th percentile of first response time, on the day of the reply."},
	{"chart-csat", "CSAT over time", "Ratings of 4 or 5 / all ratings, by the day the interaction was resolved."},
	{"chart-retention", "Retention by period", "Customer retention rate, (E − N) / S, for each period that overlaps the range."},
	{"chart-rating-retention", "Retention by last rating", "For the customers active in the previous period, grouped by their last rating at that period's end (4–5, 3, 1–2 or never rated): the share who were active again in this period."},
	{"chart-triage", "Triage by category", "Conversations opened in the range, by their current category (a re-triage moves the count)."},
}

// channels are offered to the script with their labels, so the page names
// channels as Slack and the digest do.
var channels = []inbox.Channel{
	inbox.ChannelChat, inbox.ChannelEmail, inbox.ChannelWhatsApp, inbox.ChannelMessenger,
	inbox.ChannelInstagram, inbox.ChannelTelegram, inbox.ChannelSMS,
}

// pageHTML writes the page by hand rather than with html/template, whose
// reflection doubles a Lambda's binary; every text is escaped.
func pageHTML(version string) string {
	e := html.EscapeString
	labels := map[inbox.Channel]string{}
	for _, c := range channels {
		labels[c] = c.Label()
	}
	channelJSON, _ := json.Marshal(labels)
	var b strings.Builder
	b.WriteString(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow">
<meta name="color-scheme" content="light dark">
<title>Switchboard reports</title>
<link rel="stylesheet" href="/dashboard/assets/dashboard.css?v=` + version + `">
<script src="/dashboard/assets/dashboard.js?v=` + version + `" defer></script>
</head>
<body data-channels="` + e(string(channelJSON)) + `">
<header class="top">
<h1>Switchboard reports</h1>
<form id="controls" data-testid="controls">
<label>From <input type="date" id="from" name="from" required></label>
<label>To <input type="date" id="to" name="to" required></label>
<div class="presets" role="group" aria-label="Quick ranges">
<button type="button" data-days="7" data-testid="preset-7d">7d</button>
<button type="button" data-days="30" data-testid="preset-30d">30d</button>
<button type="button" data-days="90" data-testid="preset-90d">90d</button>
</div>
<label>Period <select id="period" name="period">
<option value="month">Month</option>
<option value="quarter">Quarter</option>
</select></label>
<label>Breakdown <select id="group_by" name="group_by">
<option value="">None</option>
<option value="channel">Channel</option>
<option value="agent">Agent</option>
<option value="category">Category</option>
</select></label>
<button type="submit" id="apply" data-testid="apply">Apply</button>
<a id="csv" data-testid="csv-link" href="/reports/export.csv" download>Download CSV</a>
</form>
</header>
<main id="report" aria-busy="true">
<p id="status" data-testid="status" role="status" aria-live="polite">Loading…</p>
<section class="tiles" aria-label="Headline figures">
`)
	for _, t := range tiles {
		b.WriteString(`<article class="tile" id="` + t.id + `" data-testid="` + t.id + `">
<h2>` + e(t.title) + `</h2>
<p class="value" data-value>—</p>
<p class="sub" data-sub></p>
<details class="help"><summary aria-label="What is ` + e(t.title) + `?">i</summary><p>` + e(t.help) + `</p></details>
</article>
`)
	}
	b.WriteString(`</section>
<section class="panel" id="times" data-testid="times">
<h2>Response times</h2>
<p class="help">Median and p90 are read from time buckets, within ±<span data-bucket-error>12%</span> of a real value (5 s under 10 s); means are exact. First response: first customer message of an interaction to the first public agent reply. Reply time: each customer message to the next public agent reply. Resolution: opening or reopening to resolution.</p>
<div class="table-wrap"><table data-testid="times-table"><thead><tr><th scope="col">Time</th><th scope="col">Count</th><th scope="col">Median</th><th scope="col">p90</th><th scope="col">Mean</th></tr></thead><tbody></tbody></table></div>
</section>
<div class="charts">
`)
	for _, c := range charts {
		b.WriteString(`<section class="panel chart" id="` + c.id + `" data-testid="` + c.id + `">
<h2>` + e(c.title) + `</h2>
<p class="help">` + e(c.help) + `</p>
<div class="plot" data-plot></div>
<ul class="legend" data-legend></ul>
<p class="empty" data-empty hidden></p>
<details class="numbers"><summary>Numbers</summary><div class="table-wrap" data-table></div></details>
</section>
`)
	}
	b.WriteString(`</div>
<section class="panel" id="groups" data-testid="groups" hidden>
<h2>Breakdown</h2>
<div class="table-wrap"><table data-testid="groups-table"><thead><tr><th scope="col" data-group-head>Name</th><th scope="col">Opened</th><th scope="col">Resolved</th><th scope="col">Replies</th><th scope="col">First response (median)</th><th scope="col">Reply time (median)</th><th scope="col">Resolution (median)</th><th scope="col">CSAT</th></tr></thead><tbody></tbody></table></div>
</section>
<section class="panel" id="dormant" data-testid="dormant">
<h2>Dormant customers</h2>
<p class="help">Customers whose last contact is older than their usual interval between contacts (the mean time between the starts of their interactions), or than the configured default after a single contact: up to 50, the most recently dormant first, as of the end of the range.</p>
<div class="table-wrap"><table data-testid="dormant-table"><thead><tr><th scope="col">Name</th><th scope="col">Channel</th><th scope="col">Last contact</th><th scope="col">Usual interval</th><th scope="col">Dormant since</th><th scope="col">Last CSAT</th></tr></thead><tbody></tbody></table></div>
<p class="empty" data-empty hidden>No dormant customers as of the end of the range.</p>
</section>
</main>
<footer class="foot" id="foot" data-testid="foot"></footer>
</body>
</html>
`)
	return b.String()
}
