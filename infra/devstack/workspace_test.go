package devstack_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-inbox/switchboard/infra/devstack"
	"github.com/switchboard-inbox/switchboard/infra/slackstub"
	"github.com/switchboard-inbox/switchboard/shared/channel/chat"
	"github.com/switchboard-inbox/switchboard/shared/inbox"
)

// workspace is a stack with one customer conversation whose card is the
// root of a thread in the support channel.
type workspace struct {
	t       *testing.T
	st      *devstack.Stack
	visitor string
	convID  string
	rootTS  string
}

func newWorkspace(t *testing.T, env map[string]string, text string) *workspace {
	t.Helper()
	st := startStack(t, env)
	w := &workspace{t: t, st: st, visitor: fmt.Sprintf("e2eWorkspace_%015d", time.Now().UnixNano()%1e15)}
	if res, body := postJSON(t, st.URL+"/chat/messages", chat.PostRequest{VisitorID: w.visitor, Name: "Ada Lovelace", Text: text}); res.StatusCode != http.StatusCreated {
		t.Fatalf("POST = %d %s", res.StatusCode, body)
	}
	idle(t, st)
	w.rootTS = st.Slack.Messages()[0].TS
	w.convID = poll(t, st, w.visitor, "").ConversationID
	return w
}

func (w *workspace) conv() inbox.Conversation {
	w.t.Helper()
	c, err := w.st.App.Store.Conversation(context.Background(), w.convID)
	if err != nil {
		w.t.Fatal(err)
	}
	return c
}

func (w *workspace) click(user, action, value string) {
	w.t.Helper()
	res, err := w.st.Slack.Click(context.Background(), "C0SUPPORT", w.rootTS, user, action, value)
	if err != nil || res.Status != http.StatusOK {
		w.t.Fatalf("click %s %q as %s = %d %s, %v", action, value, user, res.Status, res.Body, err)
	}
	idle(w.t, w.st)
}

func (w *workspace) reply(user, text string) string {
	w.t.Helper()
	ts, err := w.st.Slack.Reply(context.Background(), "C0SUPPORT", w.rootTS, user, text)
	if err != nil {
		w.t.Fatalf("reply %q = %v", text, err)
	}
	idle(w.t, w.st)
	return ts
}

func (w *workspace) thread() (slackstub.Message, []slackstub.Message) {
	root, replies, ok := w.st.Slack.Thread("C0SUPPORT", w.rootTS)
	if !ok {
		w.t.Fatal("thread root is gone")
	}
	return root, replies
}

// cardText is the card's blocks as JSON-decoded text, for searching.
func (w *workspace) cardText() string {
	root, _ := w.thread()
	var blocks any
	_ = json.Unmarshal(root.Blocks, &blocks)
	out, _ := json.Marshal(blocks)
	return strings.NewReplacer(`\u003c`, "<", `\u003e`, ">", `\n`, "\n").Replace(string(out))
}

func (w *workspace) lastNotice() string {
	_, replies := w.thread()
	return replies[len(replies)-1].Text
}

func (w *workspace) customerSees() []chat.MessageView {
	return poll(w.t, w.st, w.visitor, "").Messages
}

// Every card action changes the conversation, redraws the card and says in
// the thread who did what; notes stay internal; replies reach the customer
// under the agent's first name and are marked delivered.
func TestWorkspaceCardActions(t *testing.T) {
	w := newWorkspace(t, map[string]string{}, "Hi, I was charged twice for order #1234")
	if !strings.Contains(w.cardText(), "*Triage* (rules)") || !strings.Contains(w.cardText(), "*billing*") {
		t.Errorf("card lacks the rules' triage:\n%s", w.cardText())
	}
	updates := func() int { root, _ := w.thread(); return root.Updated }

	steps := []struct {
		action, value string
		notice        string
		card          string
		check         func(inbox.Conversation) bool
	}{
		{"assign_me", w.convID, "Assigned to <@U0AGENT1>", "*Assignee*\n<@U0AGENT1>", func(c inbox.Conversation) bool { return c.AssigneeID == slackstub.AgentAlexID }},
		{"priority", "low", "Priority set to *low*", ":white_circle: Low", func(c inbox.Conversation) bool { return c.Priority == inbox.PriorityLow }},
		{"snooze", "1h", "Snoozed by <@U0AGENT1>", ":zzz: Snoozed until", func(c inbox.Conversation) bool { return c.Status == inbox.StatusSnoozed }},
		{"resolve", w.convID, "Resolved by <@U0AGENT1>", "Resolved · Web chat", func(c inbox.Conversation) bool { return c.Status == inbox.StatusResolved }},
		{"reopen", w.convID, "Reopened by <@U0AGENT1>", "reopened once", func(c inbox.Conversation) bool { return c.Status == inbox.StatusOpen }},
	}
	for _, step := range steps {
		before := updates()
		w.click(slackstub.AgentAlexID, step.action, step.value)
		if !step.check(w.conv()) {
			t.Errorf("%s %s: conversation %+v", step.action, step.value, w.conv())
		}
		if updates() != before+1 {
			t.Errorf("%s: card updated %d times; want once", step.action, updates()-before)
		}
		if !strings.Contains(w.cardText(), step.card) {
			t.Errorf("%s: card lacks %q:\n%s", step.action, step.card, w.cardText())
		}
		if !strings.Contains(w.lastNotice(), step.notice) {
			t.Errorf("%s: last thread post %q; want %q", step.action, w.lastNotice(), step.notice)
		}
	}

	// A resolved card offers Reopen, not Resolve: the button is gone.
	w.click(slackstub.AgentAlexID, "resolve", w.convID)
	if _, err := w.st.Slack.Click(context.Background(), "C0SUPPORT", w.rootTS, slackstub.AgentAlexID, "resolve", w.convID); err == nil {
		t.Error("clicking Resolve on a resolved card worked; want the button gone")
	}
	w.click(slackstub.AgentAlexID, "reopen", w.convID)

	noteTS := w.reply(slackstub.AgentAlexID, "note: she was refunded last month already")
	replyTS := w.reply(slackstub.AgentAlexID, "Hi Ada, I've refunded the second charge.")
	seen := w.customerSees()
	if len(seen) != 2 || seen[1].Text != "Hi Ada, I've refunded the second charge." || seen[1].Name != "Alex" {
		t.Errorf("customer sees %+v; want their message and Alex's reply, not the note", seen)
	}
	_, msgs, _ := w.st.App.Store.Thread(context.Background(), w.convID)
	var note inbox.Message
	for _, m := range msgs {
		if m.Kind == inbox.KindNote {
			note = m
		}
	}
	if note.Text != "she was refunded last month already" || note.AgentID != slackstub.AgentAlexID {
		t.Errorf("stored note %+v; want the text without the prefix, by Alex", note)
	}
	for _, posted := range w.st.Slack.Messages() {
		if posted.TS == noteTS && !slices.Contains(posted.Reactions, "lock") {
			t.Errorf("note reactions %v; want it marked internal", posted.Reactions)
		}
		if posted.TS == replyTS && !slices.Contains(posted.Reactions, "heavy_check_mark") {
			t.Errorf("reply reactions %v; want it marked delivered", posted.Reactions)
		}
	}
	if c := w.conv(); !c.WaitingSince.IsZero() {
		t.Errorf("waiting since %v after a reply; want answered", c.WaitingSince)
	}

	// The resolve reaction on the card, from two agents at once, resolves
	// and announces once; the customer, answered, is asked to rate it.
	before := len(w.st.Slack.Messages())
	for _, agent := range []string{slackstub.AgentSamID, slackstub.AgentAlexID} {
		if res, err := w.st.Slack.React(context.Background(), "C0SUPPORT", w.rootTS, agent, "white_check_mark"); err != nil || res.Status != http.StatusOK {
			t.Fatalf("react = %d, %v", res.Status, err)
		}
	}
	idle(t, w.st)
	_, replies := w.thread()
	posted := replies[len(replies)-2:]
	if w.conv().Status != inbox.StatusResolved || len(w.st.Slack.Messages()) != before+2 ||
		!strings.Contains(posted[0].Text, "Resolved by") || !strings.Contains(posted[1].Text, "Asked the customer to rate") {
		t.Errorf("after the reaction: %s, %d new posts %+v; want resolved, one notice and the rating request", w.conv().Status, len(w.st.Slack.Messages())-before, posted)
	}
}

func TestWorkspaceIgnoresNonAgents(t *testing.T) {
	w := newWorkspace(t, map[string]string{"SLACK_AGENTS_GROUP_ID": slackstub.AgentsGroupID}, "Where is my parcel?")
	w.reply(slackstub.GuestCaseyID, "lol no idea")
	res, err := w.st.Slack.Click(context.Background(), "C0SUPPORT", w.rootTS, slackstub.GuestCaseyID, "resolve", w.convID)
	if err != nil || res.Status != http.StatusOK {
		t.Fatalf("click = %d, %v", res.Status, err)
	}
	idle(t, w.st)
	if seen := w.customerSees(); len(seen) != 1 {
		t.Errorf("customer sees %+v; want nothing from a non-agent", seen)
	}
	if c := w.conv(); c.Status != inbox.StatusOpen {
		t.Errorf("status %s after a non-agent's click; want open", c.Status)
	}
	_, replies := w.thread()
	explained := 0
	for _, m := range replies {
		if m.Ephemeral && m.EphemeralUser == slackstub.GuestCaseyID && strings.Contains(m.Text, "agents group") {
			explained++
		}
	}
	if explained != 2 {
		t.Errorf("%d ephemeral explanations to Casey; want 2 (reply and click)", explained)
	}
	w.reply(slackstub.AgentSamID, "It ships tomorrow.")
	if seen := w.customerSees(); len(seen) != 2 || seen[1].Name != "Sam" {
		t.Errorf("customer sees %+v; want Sam's reply", seen)
	}
}

// An agent's edit or deletion before the dispatcher runs changes or
// cancels the send; afterwards the thread says it cannot be recalled.
func TestWorkspaceEditAndDeleteReplies(t *testing.T) {
	w := newWorkspace(t, map[string]string{}, "Can I change my delivery address?")
	ctx := context.Background()

	w.st.Deliver.Hold()
	edited := w.reply(slackstub.AgentAlexID, "Yes, send us the new adress")
	if _, err := w.st.Slack.Edit(ctx, "C0SUPPORT", edited, slackstub.AgentAlexID, "Yes, send us the new address"); err != nil {
		t.Fatal(err)
	}
	deleted := w.reply(slackstub.AgentAlexID, "(wrong customer) your refund is done")
	if _, err := w.st.Slack.Delete(ctx, "C0SUPPORT", deleted, slackstub.AgentAlexID); err != nil {
		t.Fatal(err)
	}
	w.st.Deliver.Release()
	idle(t, w.st)
	seen := w.customerSees()
	if len(seen) != 2 || seen[1].Text != "Yes, send us the new address" {
		t.Errorf("customer sees %+v; want only the edited reply", seen)
	}
	if !strings.Contains(w.lastNotice(), "withdrew a reply before it was sent") {
		t.Errorf("last notice %q; want the withdrawal confirmed", w.lastNotice())
	}

	if _, err := w.st.Slack.Edit(ctx, "C0SUPPORT", edited, slackstub.AgentAlexID, "Yes, but only today"); err != nil {
		t.Fatal(err)
	}
	idle(t, w.st)
	if !strings.Contains(w.lastNotice(), "already sent to the customer on Web chat") {
		t.Errorf("after a late edit the thread says %q; want that it was already sent", w.lastNotice())
	}
	if _, err := w.st.Slack.Delete(ctx, "C0SUPPORT", edited, slackstub.AgentAlexID); err != nil {
		t.Fatal(err)
	}
	idle(t, w.st)
	if !strings.Contains(w.lastNotice(), "cannot recall it") {
		t.Errorf("after a late deletion the thread says %q; want that it cannot be recalled", w.lastNotice())
	}
	if seen := w.customerSees(); len(seen) != 2 || seen[1].Text != "Yes, send us the new address" {
		t.Errorf("customer sees %+v; want the sent reply unchanged", seen)
	}
}

func TestWorkspaceSuggestedReply(t *testing.T) {
	w := newWorkspace(t, map[string]string{}, "I can't log in to my account, password reset never arrives")
	w.click(slackstub.AgentAlexID, "suggested_reply", w.convID)
	views := w.st.Slack.Views()
	if len(views) != 1 || views[0].CallbackID != "suggested_reply" || views[0].PrivateMetadata != w.convID {
		t.Fatalf("views %+v; want the suggested-reply modal for the conversation", views)
	}
	res, err := w.st.Slack.Submit(context.Background(), views[0].ID, slackstub.AgentAlexID, map[string]string{"text": "   "})
	if err != nil || !strings.Contains(string(res.Body), "Write a reply first") {
		t.Errorf("empty submit = %s, %v; want an error on the input", res.Body, err)
	}
	res, err = w.st.Slack.Submit(context.Background(), views[0].ID, slackstub.AgentAlexID, map[string]string{"text": "Hi Ada, I've sent a new reset link."})
	if err != nil || res.Status != http.StatusOK || len(res.Body) != 0 {
		t.Fatalf("submit = %d %q, %v; want an empty 200 that closes the modal", res.Status, res.Body, err)
	}
	idle(t, w.st)
	if seen := w.customerSees(); len(seen) != 2 || seen[1].Text != "Hi Ada, I've sent a new reset link." {
		t.Errorf("customer sees %+v; want the edited suggestion", seen)
	}
	if !strings.Contains(w.lastNotice(), "replied (from the suggested reply)") {
		t.Errorf("thread's last post %q; want the sent reply shown", w.lastNotice())
	}
}

func TestWorkspaceSlashCommandAndHome(t *testing.T) {
	w := newWorkspace(t, map[string]string{}, "Feature idea: dark mode please")
	ctx := context.Background()
	w.click(slackstub.AgentAlexID, "assign_me", w.convID)
	for _, tc := range []struct{ text, want string }{
		{"help", "/switchboard mine"},
		{"mine", "Feature idea: dark mode please"},
		{"find dark mode", "Feature idea"},
		{"report 7d", `*Opened*\n1`},
		{"report 30d", "Support report: the last 30 days"},
		{"report yesterday", "Usage:"},
		{"dashboard", "/dashboard?t="},
		{"frobnicate", "I don't know that command"},
	} {
		res, err := w.st.Slack.Command(ctx, slackstub.AgentAlexID, "C0SUPPORT", "/switchboard", tc.text)
		if err != nil || res.Status != http.StatusOK {
			t.Fatalf("/switchboard %s = %d, %v", tc.text, res.Status, err)
		}
		var answer struct {
			ResponseType string `json:"response_type"`
		}
		_ = json.Unmarshal(res.Body, &answer)
		if answer.ResponseType != "ephemeral" || !strings.Contains(string(res.Body), tc.want) {
			t.Errorf("/switchboard %s = %s; want an ephemeral answer containing %q", tc.text, res.Body, tc.want)
		}
	}
	if _, err := w.st.Slack.OpenHome(ctx, slackstub.AgentAlexID); err != nil {
		t.Fatal(err)
	}
	home, ok := w.st.Slack.Home(slackstub.AgentAlexID)
	if !ok || !strings.Contains(string(home.Blocks), "Open and assigned to you (1)") || !strings.Contains(string(home.Blocks), "Feature idea") {
		t.Errorf("Alex's home = %s; want the assigned conversation listed", home.Blocks)
	}
}

// Slack rate-limits a third of the posts; every customer message still
// lands in the thread, in order, and none goes to the dead-letter queue.
func TestWorkspaceRateLimitStormKeepsOrder(t *testing.T) {
	st := startStack(t, map[string]string{}, func(o *devstack.Options) {
		o.SlackStub = func(so *slackstub.Options) { so.RateLimitEvery, so.RetryAfter = 3, "0" }
	})
	const visitor = "e2eVisitor_storm_0001"
	const n = 50
	for i := 1; i <= n; i++ {
		if res, body := postJSON(t, st.URL+"/chat/messages", chat.PostRequest{VisitorID: visitor, Text: fmt.Sprintf("message %02d", i)}); res.StatusCode != http.StatusCreated {
			t.Fatalf("POST %d = %d %s", i, res.StatusCode, body)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := st.WaitIdle(ctx); err != nil {
		t.Fatal(err)
	}
	var root slackstub.Message
	for _, m := range st.Slack.Messages() {
		if m.ThreadTS == "" {
			root = m
		}
	}
	_, replies, _ := st.Slack.Thread(root.Channel, root.TS)
	var got []string
	for _, m := range replies {
		if _, text, ok := strings.Cut(m.Text, "\n"); ok {
			got = append(got, text)
		}
	}
	want := make([]string, n)
	for i := range want {
		want[i] = fmt.Sprintf("message %02d", i+1)
	}
	if !slices.Equal(got, want) {
		t.Errorf("thread holds %d messages %v; want all %d in order", len(got), got, n)
	}
	if dead := st.Route.DeadLetters(); len(dead) != 0 {
		t.Errorf("dead letters %v; want none", dead)
	}
	if calls := st.Slack.Calls("chat.postMessage"); calls < n+n/3 {
		t.Errorf("%d chat.postMessage calls; want the storm to have rate-limited some", calls)
	}
}

// The interactivity and slash-command endpoints check the signature before
// anything else, like the events endpoint.
func TestWorkspaceRejectsForgedActions(t *testing.T) {
	w := newWorkspace(t, map[string]string{}, "hello")
	ctx := context.Background()
	forger := slackstub.New(slackstub.Options{SigningSecret: "not-the-secret",
		InteractionsURL: w.st.URL + "/slack/interactions", CommandsURL: w.st.URL + "/slack/commands"})
	payload := fmt.Sprintf(`{"type":"block_actions","user":{"id":"U0AGENT1"},"actions":[{"action_id":"resolve","block_id":"conversation:%s","value":"%s","action_ts":"1.2"}]}`, w.convID, w.convID)
	form := []byte("payload=" + url.QueryEscape(payload))
	for _, path := range []string{"/slack/interactions", "/slack/commands"} {
		req, _ := forger.SignedRequest(ctx, w.st.URL+path, form, time.Now())
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusUnauthorized {
			t.Errorf("forged POST %s = %d; want 401", path, res.StatusCode)
		}
	}
	idle(t, w.st)
	if c := w.conv(); c.Status != inbox.StatusOpen {
		t.Errorf("status %s after a forged resolve; want open", c.Status)
	}
	req, _ := w.st.Slack.SignedRequest(ctx, w.st.URL+"/slack/interactions", []byte("payload=%7Bnot+json"), time.Now())
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusBadRequest {
		t.Errorf("signed malformed payload = %d; want 400", res.StatusCode)
	}
}
