package devstack_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-inbox/switchboard/infra/slackstub"
	"github.com/switchboard-inbox/switchboard/shared/channel/chat"
	"github.com/switchboard-inbox/switchboard/shared/slackapp"
)

// The dashboard in a real browser, on what the public endpoints stored:
// a chat conversation answered, resolved and rated 5, an email one
// answered and resolved but not rated, and a chat one still open.
func TestDashboardInBrowser(t *testing.T) {
	needChromium(t)
	w := newWorkspace(t, map[string]string{"CSAT_SECRET": e2eCSATSecret}, "My invoice is wrong")
	st := w.st
	w.reply(slackstub.AgentAlexID, "Fixed, you'll get a new one.")
	w.click(slackstub.AgentAlexID, slackapp.ActionResolve, w.convID)
	if res, body := postJSON(t, st.URL+"/chat/rating", map[string]any{
		"visitor_id": w.visitor, "conversation_id": w.convID, "interaction": 0, "score": 5,
	}); res.StatusCode != http.StatusOK {
		t.Fatalf("POST /chat/rating = %d %s", res.StatusCode, body)
	}
	emailCustomer(t, st, "bob@example.com")
	open := chat.PostRequest{VisitorID: "e2eDashboardCleo_0000001", Name: "Cleo", Text: "Where is my parcel?"}
	if res, body := postJSON(t, st.URL+"/chat/messages", open); res.StatusCode != http.StatusCreated {
		t.Fatalf("POST /chat/messages = %d %s", res.StatusCode, body)
	}
	idle(t, st)

	// The page reads its state from the query, which the link keeps.
	link := dashboardLink(t, st.Slack) + "&group_by=channel"
	dom := chromium(t, "--dump-dom", link)
	for id, wants := range map[string][]string{
		"tile-opened":     {">3<"},
		"tile-resolved":   {">2<"},
		"tile-backlog":    {">1<"},
		"tile-frt-median": {">5 s<", "2 first responses"},
		"tile-csat":       {">100%<", "1 rating · 50% response rate"},
		"tile-repeat":     {">0%<"},
		"tile-churned":    {">0<"},
		"chart-volume":    {"<rect", `class="s0"`, `class="s1"`, "Web chat", "Email"},
		"chart-frt":       {"<circle", "Median", "p90"},
		"chart-csat":      {"<circle", "100% of 1 rating rated 4 or 5"},
		"chart-triage":    {"<rect"},
		"groups":          {`data-group-head="">Channel<`, "Web chat", "Email"},
		"dormant":         {"No dormant customers as of"},
	} {
		section := domElement(dom, id)
		if section == "" {
			t.Errorf("the page has no %s:\n%s", id, dom)
			continue
		}
		for _, want := range wants {
			if !strings.Contains(section, want) {
				t.Errorf("%s lacks %q:\n%s", id, want, section)
			}
		}
	}
	if status := domElement(dom, "status"); !strings.HasSuffix(status, "></p>") {
		t.Errorf("status %s; want nothing to report", status)
	}
	if groups := domElement(dom, "groups"); strings.Contains(groups[:strings.Index(groups, ">")], "hidden") {
		t.Errorf("the breakdown the link asked for is hidden: %s", groups)
	}

	shot := filepath.Join(artifactsDir(t), "dashboard.png")
	chromium(t, "--screenshot="+shot, "--window-size=1280,1800", link)
	t.Logf("dashboard screenshot: %s", shot)
	if info, err := os.Stat(shot); err != nil || info.Size() < 10_000 {
		t.Errorf("screenshot %s: %v", shot, err)
	}

	// Without the link's cookie, a browser gets the sign-in page.
	if page := chromium(t, "--dump-dom", st.URL+"/dashboard"); !strings.Contains(page, `name="token"`) || strings.Contains(page, "tile-opened") {
		t.Errorf("/dashboard without a session shows:\n%s", page)
	}
}

// dashboardLink asks Slack for a dashboard link as a manager would.
func dashboardLink(t *testing.T, slack *slackstub.Server) string {
	t.Helper()
	res, err := slack.Command(context.Background(), slackstub.AgentAlexID, "C0SUPPORT", "/switchboard", "dashboard")
	if err != nil || res.Status != http.StatusOK {
		t.Fatalf("/switchboard dashboard = %d %s, %v", res.Status, res.Body, err)
	}
	var answer struct {
		Blocks []struct {
			Accessory struct {
				URL string `json:"url"`
			} `json:"accessory"`
		} `json:"blocks"`
	}
	if err := json.Unmarshal(res.Body, &answer); err != nil {
		t.Fatalf("/switchboard dashboard answered %s: %v", res.Body, err)
	}
	for _, b := range answer.Blocks {
		if strings.Contains(b.Accessory.URL, "/dashboard?t=") {
			return b.Accessory.URL
		}
	}
	t.Fatalf("/switchboard dashboard answered without a link: %s", res.Body)
	return ""
}

// domElement returns an element of a dumped DOM by id, up to the first
// closing tag of its kind: the page's tiles and sections do not nest.
func domElement(dom, id string) string {
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

// needChromium returns Debian's chromium; without it the test is
// skipped, unless SWITCHBOARD_REQUIRE_BROWSER is set.
func needChromium(t *testing.T) string {
	t.Helper()
	bin, err := exec.LookPath("chromium")
	if err != nil {
		if os.Getenv("SWITCHBOARD_REQUIRE_BROWSER") != "" {
			t.Fatal("SWITCHBOARD_REQUIRE_BROWSER is set and chromium is not installed")
		}
		t.Skip("chromium is not installed")
	}
	return bin
}

// chromium runs headless Chromium on a fresh profile and returns what it
// prints.
func chromium(t *testing.T, args ...string) string {
	t.Helper()
	bin := needChromium(t)
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

// artifactsDir is where screenshots are kept: $SWITCHBOARD_ARTIFACTS
// ('make test' sets it), or a temporary directory.
func artifactsDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("SWITCHBOARD_ARTIFACTS")
	if dir == "" {
		return t.TempDir()
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(fmt.Errorf("artifacts directory: %w", err))
	}
	return dir
}
