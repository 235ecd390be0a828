package devstack_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-inbox/switchboard/infra/devstack"
	"github.com/switchboard-inbox/switchboard/infra/outbox"
	"github.com/switchboard-inbox/switchboard/infra/slackstub"
	"github.com/switchboard-inbox/switchboard/shared/channel/chat"
	"github.com/switchboard-inbox/switchboard/shared/csat"
	"github.com/switchboard-inbox/switchboard/shared/inbox"
	"github.com/switchboard-inbox/switchboard/shared/slackapp"
)

const e2eCSATSecret = "e2e-csat-secret"

// browse does what a browser does with a URL and returns the status and
// page it ends on; a POST sends form.
func browse(t *testing.T, method, link string, form url.Values) (int, string) {
	t.Helper()
	var res *http.Response
	var err error
	if method == http.MethodPost {
		res, err = http.PostForm(link, form)
	} else {
		req, _ := http.NewRequest(method, link, nil)
		res, err = http.DefaultClient.Do(req)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(body)
}

var ratingLink = regexp.MustCompile(`http://[^\s"<>]+/csat/[^\s"<>]+`)

// emailCustomer writes in by email, gets a reply and is resolved.
func emailCustomer(t *testing.T, st *devstack.Stack, from string) (*rated, []string) {
	t.Helper()
	postMail(t, st, mailFrom(from, "rate-"+from, "", "", "Refund status", "Hello, where is my refund?"))
	var root slackstub.Message
	for _, m := range st.Slack.Messages() {
		if m.ThreadTS == "" && strings.Contains(string(m.Blocks), from) {
			root = m
		}
	}
	agentReply(t, st, root, "Your refund went out today.")
	conv, err := st.App.Store.ConversationByThread(context.Background(), root.Channel, root.TS)
	if err != nil {
		t.Fatal(err)
	}
	if res, err := st.Slack.Click(context.Background(), root.Channel, root.TS, slackstub.AgentAlexID, slackapp.ActionResolve, conv.ID); err != nil || res.Status != http.StatusOK {
		t.Fatalf("resolve = %v %v", res.Status, err)
	}
	idle(t, st)
	r := &rated{t: t, st: st, root: root}
	r.conv = r.reload()
	var mail *outbox.Email
	for _, s := range st.Outbox.Sent(outbox.SES) {
		if s.Email != nil && s.Email.To != "" && strings.Contains(s.Email.To, from) && strings.Contains(s.Email.Text, "/csat/") {
			mail = s.Email
		}
	}
	if mail == nil {
		t.Fatalf("no rating email to %s", from)
	}
	links := ratingLink.FindAllString(mail.Text, -1)
	if len(links) != 5 || !strings.Contains(mail.HTML, "/csat/") || !strings.HasPrefix(mail.Subject, "Re:") {
		t.Fatalf("rating email %q / %q: want five links in both parts, as a reply", mail.Text, mail.HTML)
	}
	return r, links
}

// The rating page as a browser and a mail scanner use it.
func TestRatingPageByEmail(t *testing.T) {
	st := startStack(t, map[string]string{"CSAT_SECRET": e2eCSATSecret})
	r, links := emailCustomer(t, st, "ada@example.com")
	four := ""
	for _, l := range links {
		if strings.HasSuffix(l, "score=4") {
			four = l
		}
	}
	if four == "" {
		t.Fatalf("no link for a 4 in %v", links)
	}

	// Scanners and previews follow links: GET and HEAD record nothing.
	for _, method := range []string{http.MethodGet, http.MethodHead, http.MethodGet} {
		code, page := browse(t, method, four, nil)
		if code != http.StatusOK {
			t.Fatalf("%s = %d", method, code)
		}
		if method == http.MethodGet && (!strings.Contains(page, `value="4" checked`) || !strings.Contains(page, "<textarea")) {
			t.Errorf("page does not preselect 4 with a comment box:\n%s", page)
		}
	}
	if got := r.rating(); got.Status != inbox.RatingRequested {
		t.Fatalf("rating after GET: %+v; want still requested", got)
	}

	// POST records and lands on the page again, saved.
	action := strings.SplitN(four, "?", 2)[0]
	code, page := browse(t, http.MethodPost, action, url.Values{"score": {"4"}, "comment": {"Quick <b>and</b> kind"}})
	if code != http.StatusOK || !strings.Contains(page, "Your rating is saved") || !strings.Contains(page, "Quick &lt;b&gt;and&lt;/b&gt; kind") {
		t.Fatalf("POST = %d:\n%s", code, page)
	}
	idle(t, st)
	before := r.messages()
	if got := r.rating(); got.Score != 4 || got.Comment != "Quick <b>and</b> kind" {
		t.Fatalf("rating %+v", got)
	}
	// Changed to 2: the 4 leaves the counters, the 2 enters, still one rating.
	if code, _ := browse(t, http.MethodPost, action, url.Values{"score": {"2"}, "comment": {""}}); code != http.StatusOK {
		t.Fatalf("second POST = %d", code)
	}
	idle(t, st)
	r.expectCounters(map[string]int64{
		inbox.CounterCSATRequests: 1, inbox.CounterCSATRatings: 1, inbox.CounterCSATScore(4): 0, inbox.CounterCSATScore(2): 1,
	})
	if got := r.rating(); got.Score != 2 || got.Comment != "Quick <b>and</b> kind" {
		t.Errorf("after the change %+v; want 2, keeping the comment", got)
	}
	if r.messages() != before || len(r.managersAlerts()) != 1 {
		t.Errorf("%d messages (want %d), %d alerts (want 1)", r.messages(), before, len(r.managersAlerts()))
	}
	if code, _ := browse(t, http.MethodPost, action, url.Values{"score": {"9"}}); code != http.StatusBadRequest {
		t.Errorf("a score of 9 = %d; want 400", code)
	}

	// Another customer's pending request, which no token of Ada's may touch.
	other, otherLinks := emailCustomer(t, st, "bob@example.com")
	token := strings.TrimPrefix(action, st.URL+"/csat/")
	otherToken := strings.SplitN(strings.TrimPrefix(otherLinks[0], st.URL+"/csat/"), "?", 2)[0]
	sig := token[strings.LastIndex(token, ".")+1:]
	forged := map[string]struct {
		token string
		code  int
	}{
		"bad signature":             {token[:len(token)-len(sig)] + strings.Repeat("A", len(sig)), http.StatusBadRequest},
		"replayed for another conv": {strings.Replace(token, r.conv.ID, other.conv.ID, 1), http.StatusBadRequest},
		"signature of another conv": {token[:len(token)-len(sig)] + otherToken[strings.LastIndex(otherToken, ".")+1:], http.StatusBadRequest},
		"expired":                   {csat.Token(e2eCSATSecret, other.conv.ID, 0, time.Now().Add(-time.Minute)), http.StatusGone},
		"garbage":                   {"not-a-token", http.StatusBadRequest},
	}
	for name, f := range forged {
		link := st.URL + "/csat/" + f.token
		if code, page := browse(t, http.MethodGet, link+"?score=5", nil); code != f.code || strings.Contains(page, "<form") {
			t.Errorf("%s: GET = %d; want %d and no form", name, code, f.code)
		}
		if code, _ := browse(t, http.MethodPost, link, url.Values{"score": {"5"}}); code != f.code {
			t.Errorf("%s: POST = %d; want %d", name, code, f.code)
		}
	}
	idle(t, st)
	if got := r.rating(); got.Score != 2 {
		t.Errorf("Ada's rating became %+v", got)
	}
	if got := other.rating(); got.Status != inbox.RatingRequested {
		t.Errorf("Bob's rating became %+v; want untouched", got)
	}
	other.expectCounters(map[string]int64{inbox.CounterCSATRequests: 2, inbox.CounterCSATRatings: 1, inbox.CounterCSATScore(5): 0})
}

func TestRatingInTheWidget(t *testing.T) {
	w := newWorkspace(t, map[string]string{}, "My invoice is wrong")
	w.reply(slackstub.AgentAlexID, "Fixed, you'll get a new one.")
	w.click(slackstub.AgentAlexID, slackapp.ActionResolve, w.convID)
	var survey *chat.SurveyView
	for _, m := range w.customerSees() {
		if m.Survey != nil {
			survey = m.Survey
		}
	}
	if survey == nil || len(survey.Options) != 5 || survey.Options[4].Label != "Excellent" || survey.Thanks == "" {
		t.Fatalf("widget survey %+v; want five options", survey)
	}
	seen := len(w.customerSees())
	rate := func(visitor string, score int, comment string) int {
		res, body := postJSON(t, w.st.URL+"/chat/rating", map[string]any{
			"visitor_id": visitor, "conversation_id": w.convID, "interaction": survey.Interaction, "score": score, "comment": comment,
		})
		if res.StatusCode >= 500 {
			t.Fatalf("POST /chat/rating = %d %s", res.StatusCode, body)
		}
		return res.StatusCode
	}
	// Another customer, known to the inbox, cannot rate this conversation.
	stranger := "e2eSomeoneElse_000000000"
	if res, body := postJSON(t, w.st.URL+"/chat/messages", chat.PostRequest{VisitorID: stranger, Text: "hello?"}); res.StatusCode != http.StatusCreated {
		t.Fatalf("stranger's message = %d %s", res.StatusCode, body)
	}
	idle(t, w.st)
	if code := rate(stranger, 1, ""); code != http.StatusGone {
		t.Errorf("another customer's rating = %d; want 410", code)
	}
	if got, _ := w.st.App.Store.Rating(context.Background(), w.convID, 0); got.Status != inbox.RatingRequested {
		t.Errorf("after another customer's try the rating is %+v; want untouched", got)
	}
	if code := rate(w.visitor, 5, "<!channel> see <http://evil.example|your invoice>"); code != http.StatusOK {
		t.Fatalf("rating = %d", code)
	}
	idle(t, w.st)
	got, err := w.st.App.Store.Rating(context.Background(), w.convID, 0)
	if err != nil || got.Score != 5 {
		t.Fatalf("rating %+v, %v", got, err)
	}
	if n := len(w.customerSees()); n != seen {
		t.Errorf("the customer sees %d messages after rating; want %d", n, seen)
	}
	notice := w.lastNotice()
	if !strings.Contains(notice, "5/5") || strings.Contains(notice, "<!channel>") || strings.Contains(notice, "<http://evil") {
		t.Errorf("thread shows %q; want the rating with the comment escaped", notice)
	}
	if !strings.Contains(w.cardText(), "last rating") || !strings.Contains(w.cardText(), "5/5") {
		t.Errorf("card does not show the last rating:\n%s", w.cardText())
	}
}
