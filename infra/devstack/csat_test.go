package devstack_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-inbox/switchboard/infra/devstack"
	"github.com/switchboard-inbox/switchboard/infra/outbox"
	"github.com/switchboard-inbox/switchboard/infra/slackstub"
	"github.com/switchboard-inbox/switchboard/shared/inbox"
	"github.com/switchboard-inbox/switchboard/shared/slackapp"
)

// rated is a conversation of the local stack whose agent replied and
// resolved, as the rating tests need it.
type rated struct {
	t    *testing.T
	st   *devstack.Stack
	root slackstub.Message
	conv inbox.Conversation
}

// replyAndResolve has Alex answer the stack's one conversation and, at
// once, as agents do, resolve it; then Sam's ✅ reaction resolves it again,
// an event Slack delivers twice (a retry carries the same event_id). It
// returns the conversation resolved.
func replyAndResolve(t *testing.T, st *devstack.Stack) *rated {
	t.Helper()
	ctx := context.Background()
	root, _ := onlyThread(t, st)
	if _, err := st.Slack.Reply(ctx, root.Channel, root.TS, slackstub.AgentAlexID, "Glad to help, it's fixed now."); err != nil {
		t.Fatal(err)
	}
	conv, err := st.App.Store.ConversationByThread(ctx, root.Channel, root.TS)
	if err != nil {
		t.Fatal(err)
	}
	if res, err := st.Slack.Click(ctx, root.Channel, root.TS, slackstub.AgentAlexID, slackapp.ActionResolve, conv.ID); err != nil || res.Status != http.StatusOK {
		t.Fatalf("resolve = %d %s, %v", res.Status, res.Body, err)
	}
	reaction, _ := json.Marshal(map[string]any{
		"token": "local", "team_id": "T0LOCAL", "api_app_id": "A0LOCAL", "type": "event_callback",
		"event_id": "EvRESOLVE" + strconv.FormatInt(time.Now().UnixNano(), 10), "event_time": time.Now().Unix(),
		"event": map[string]any{
			"type": "reaction_added", "user": slackstub.AgentSamID, "reaction": "white_check_mark", "item_user": "U0SWITCHBOARD",
			"item": map[string]any{"type": "message", "channel": root.Channel, "ts": root.TS}, "event_ts": root.TS,
		},
	})
	for i := 0; i < 2; i++ {
		res, err := st.Slack.SendEvent(ctx, reaction)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			t.Fatalf("reaction delivery %d = %d", i+1, res.StatusCode)
		}
		idle(t, st)
	}
	r := &rated{t: t, st: st, root: root}
	r.conv = r.reload()
	if r.conv.Status != inbox.StatusResolved {
		t.Fatalf("conversation %s after resolve; want resolved", r.conv.Status)
	}
	return r
}

func (r *rated) reload() inbox.Conversation {
	c, err := r.st.App.Store.ConversationByThread(context.Background(), r.root.Channel, r.root.TS)
	if err != nil {
		r.t.Fatal(err)
	}
	return c
}

func (r *rated) rating() inbox.Rating {
	r.t.Helper()
	got, err := r.st.App.Store.Rating(context.Background(), r.conv.ID, r.conv.ReopenCount)
	if err != nil {
		r.t.Fatalf("rating of %s: %v", r.conv.ID, err)
	}
	return got
}

// messages counts the conversation's stored messages.
func (r *rated) messages() int {
	_, msgs, err := r.st.App.Store.Thread(context.Background(), r.conv.ID)
	if err != nil {
		r.t.Fatal(err)
	}
	return len(msgs)
}

// counters returns the conversation day's counters of one row.
func (r *rated) counters(dimension, value string) map[string]int64 {
	r.t.Helper()
	day := r.rating().Day
	stats, err := r.st.App.Store.Stats(context.Background(), day, day)
	if err != nil {
		r.t.Fatal(err)
	}
	for _, s := range stats {
		if s.Dimension == dimension && s.Value == value {
			return s.Counters
		}
	}
	return map[string]int64{}
}

// expectCounters checks the all, channel and agent rows of the rating.
func (r *rated) expectCounters(want map[string]int64) {
	r.t.Helper()
	rows := [][2]string{{inbox.DimensionAll, ""}, {inbox.DimensionChannel, string(r.conv.Channel)}, {inbox.DimensionAgent, slackstub.AgentAlexID}}
	for _, row := range rows {
		got := r.counters(row[0], row[1])
		for name, n := range want {
			if got[name] != n {
				r.t.Errorf("%s %q row: %s = %d; want %d (%v)", row[0], row[1], name, got[name], n, got)
			}
		}
	}
}

// threadHas reports whether a thread post contains text.
func (r *rated) threadHas(text string) bool { return r.threadCount(text) > 0 }

// threadCount counts the thread posts that contain text.
func (r *rated) threadCount(text string) int {
	_, replies, _ := r.st.Slack.Thread(r.root.Channel, r.root.TS)
	n := 0
	for _, m := range replies {
		if strings.Contains(m.Text, text) {
			n++
		}
	}
	return n
}

func (r *rated) managersAlerts() []slackstub.Message {
	var alerts []slackstub.Message
	for _, m := range r.st.Slack.Messages() {
		if m.Channel == devstack.LocalManagersChannel {
			alerts = append(alerts, m)
		}
	}
	return alerts
}

// expectAnswerRecorded checks that an answer became the interaction's
// rating, not a message, and shows in the thread and the counters.
func (r *rated) expectAnswerRecorded(score, messagesBefore int) {
	r.t.Helper()
	got := r.rating()
	if got.Status != inbox.RatingRated || got.Score != score {
		r.t.Fatalf("rating %+v; want rated %d", got, score)
	}
	if n := r.messages(); n != messagesBefore {
		r.t.Errorf("%d messages after the answer; want %d: the answer is no message", n, messagesBefore)
	}
	if c := r.reload(); c.Status != inbox.StatusResolved {
		r.t.Errorf("the answer left the conversation %s; want it resolved", c.Status)
	}
	if r.threadCount("rated this conversation") != 1 || !r.threadHas(strconv.Itoa(score)+"/5") {
		r.t.Errorf("the thread shows the rating %d times; want once", r.threadCount("rated this conversation"))
	}
	r.expectCounters(map[string]int64{
		inbox.CounterCSATRequests: 1, inbox.CounterCSATRatings: 1, inbox.CounterCSATScore(score): 1,
	})
}

// lastSent is the last message request made to a provider.
func lastSent(t *testing.T, st *devstack.Stack, provider string) outbox.Request {
	t.Helper()
	sent := st.Outbox.Sent(provider)
	for i := len(sent) - 1; i >= 0; i-- {
		if sent[i].Op == "messages" || sent[i].Op == "sendMessage" || sent[i].Op == "SendEmail" {
			return sent[i]
		}
	}
	t.Fatalf("nothing sent to %s", provider)
	return outbox.Request{}
}

// surveyRequests counts the rating requests a provider received.
func surveyRequests(st *devstack.Stack, provider, marker string) int {
	n := 0
	for _, s := range st.Outbox.Sent(provider) {
		if strings.Contains(string(s.Body), marker) {
			n++
		}
	}
	return n
}

func TestRatingOnMessagingChannels(t *testing.T) {
	tests := []struct {
		name     string
		provider string
		open     func(t *testing.T, st *devstack.Stack)
		// marker is in the body of the rating request and of nothing else.
		marker string
		check  func(t *testing.T, body map[string]any, conv inbox.Conversation)
		answer func(t *testing.T, st *devstack.Stack, conv inbox.Conversation, score int) []byte
		score  int
	}{
		{
			name: "WhatsApp list", provider: outbox.Meta, score: 5, marker: `"interactive"`,
			open: func(t *testing.T, st *devstack.Stack) {
				webhook(t, st, "meta", whatsApp(t, "whatsapp_text_message.json", "wamid.RATE1", time.Now()))
			},
			check: func(t *testing.T, body map[string]any, conv inbox.Conversation) {
				interactive := body["interactive"].(map[string]any)
				rows := interactive["action"].(map[string]any)["sections"].([]any)[0].(map[string]any)["rows"].([]any)
				if interactive["type"] != "list" || len(rows) != 5 || rows[0].(map[string]any)["id"] != inbox.SurveyPayload(conv.ID, 0, 5) {
					t.Errorf("list %v; want five rows, 5 first", interactive)
				}
			},
			answer: func(t *testing.T, st *devstack.Stack, conv inbox.Conversation, score int) []byte {
				return fixture(t, "meta", "whatsapp_list_reply.json", func(v map[string]any) {
					value := v["entry"].([]any)[0].(map[string]any)["changes"].([]any)[0].(map[string]any)["value"].(map[string]any)
					msg := value["messages"].([]any)[0].(map[string]any)
					msg["from"], msg["id"], msg["timestamp"] = "250788123123", "wamid.RATE2", strconv.FormatInt(time.Now().Unix(), 10)
					value["contacts"].([]any)[0].(map[string]any)["wa_id"] = "250788123123"
					msg["interactive"].(map[string]any)["list_reply"] = map[string]any{"id": inbox.SurveyPayload(conv.ID, 0, score), "title": "Excellent"}
				})
			},
		},
		{
			name: "Messenger quick replies", provider: outbox.Meta, score: 2, marker: `"quick_replies"`,
			open: func(t *testing.T, st *devstack.Stack) {
				webhook(t, st, "meta", fixture(t, "meta", "messenger_text_message.json", func(v map[string]any) {
					ev := v["entry"].([]any)[0].(map[string]any)["messaging"].([]any)[0].(map[string]any)
					ev["timestamp"] = time.Now().UnixMilli()
				}))
			},
			check: func(t *testing.T, body map[string]any, conv inbox.Conversation) {
				replies := body["message"].(map[string]any)["quick_replies"].([]any)
				if len(replies) != 5 || replies[4].(map[string]any)["payload"] != inbox.SurveyPayload(conv.ID, 0, 1) {
					t.Errorf("quick replies %v; want five, 1 last", replies)
				}
			},
			answer: func(t *testing.T, st *devstack.Stack, conv inbox.Conversation, score int) []byte {
				return fixture(t, "meta", "messenger_quick_reply.CONSTRUCTED.json", func(v map[string]any) {
					entry := v["entry"].([]any)[0].(map[string]any)
					entry["id"] = "1234567890"
					ev := entry["messaging"].([]any)[0].(map[string]any)
					ev["sender"] = map[string]any{"id": "5678"}
					ev["recipient"] = map[string]any{"id": "1234567890"}
					ev["timestamp"] = time.Now().UnixMilli()
					ev["message"] = map[string]any{"mid": "m_rate", "text": "Bad", "quick_reply": map[string]any{"payload": inbox.SurveyPayload(conv.ID, 0, score)}}
				})
			},
		},
		{
			name: "Telegram inline keyboard", provider: outbox.Telegram, score: 4, marker: `inline_keyboard`,
			open: func(t *testing.T, st *devstack.Stack) {
				webhook(t, st, "telegram", fixture(t, "telegram", "text_message.json", func(v map[string]any) {
					v["message"].(map[string]any)["date"] = time.Now().Unix()
				}))
			},
			check: func(t *testing.T, body map[string]any, conv inbox.Conversation) {
				markup := body["reply_markup"]
				if s, ok := markup.(string); ok {
					_ = json.Unmarshal([]byte(s), &markup)
				}
				raw, _ := json.Marshal(markup)
				if !strings.Contains(string(raw), inbox.SurveyPayload(conv.ID, 0, 4)) {
					t.Errorf("reply_markup %s; want a button per score", raw)
				}
			},
			answer: func(t *testing.T, st *devstack.Stack, conv inbox.Conversation, score int) []byte {
				from := map[string]any{"id": 3527065, "is_bot": false, "first_name": "Nic"}
				return fixture(t, "telegram", "callback_query.json", func(v map[string]any) {
					v["update_id"] = 20001
					v["callback_query"] = map[string]any{
						"id": "4382bfdwdsb323b2d9", "from": from, "chat_instance": "-7000000000000000000",
						"data": inbox.SurveyPayload(conv.ID, 0, score),
						"message": map[string]any{
							"message_id": 77, "from": map[string]any{"id": 123456, "is_bot": true, "first_name": "Support"},
							"chat": map[string]any{"id": 3527065, "type": "private", "first_name": "Nic"}, "date": time.Now().Unix(),
							"text": "How would you rate the help you received?",
						},
					}
				})
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := startStack(t, map[string]string{})
			tt.open(t, st)
			idle(t, st)
			r := replyAndResolve(t, st)

			if n := surveyRequests(st, tt.provider, tt.marker); n != 1 {
				t.Fatalf("%d rating requests sent for a resolve delivered three times; want 1", n)
			}
			req := lastSent(t, st, tt.provider)
			var body map[string]any
			if err := json.Unmarshal(req.Body, &body); err != nil {
				// Telegram's fake takes forms as well as JSON.
				form, _ := url.ParseQuery(string(req.Body))
				body = map[string]any{}
				for k := range form {
					body[k] = form.Get(k)
				}
			}
			tt.check(t, body, r.conv)
			if n := r.threadCount("Asked the customer to rate"); n != 1 {
				t.Errorf("the thread says %d times that a rating was requested; want once", n)
			}
			r.expectCounters(map[string]int64{inbox.CounterCSATRequests: 1, inbox.CounterCSATRatings: 0})

			before := r.messages()
			answer := tt.answer(t, st, r.conv, tt.score)
			for i := 0; i < 2; i++ { // delivered twice, as providers retry
				if code := webhook(t, st, providerPath(tt.provider), answer); code != http.StatusOK {
					t.Fatalf("answer %d = %d", i+1, code)
				}
			}
			idle(t, st)
			r.expectAnswerRecorded(tt.score, before)
			if low := len(r.managersAlerts()) > 0; low != (tt.score <= 2) {
				t.Errorf("managers alerted: %v for a %d", low, tt.score)
			}
		})
	}
}

// providerPath is the webhook a provider's answers come back on.
func providerPath(provider string) string {
	if provider == outbox.Meta {
		return "meta"
	}
	return provider
}

func TestRatingBySMSDigit(t *testing.T) {
	st := startStack(t, map[string]string{})
	raw, err := os.ReadFile("../../shared/channel/twilio/testdata/sms_inbound.form-urlencoded.txt")
	if err != nil {
		t.Fatal(err)
	}
	sms := func(sid, body string) []byte {
		form, _ := url.ParseQuery(string(raw))
		form.Set("MessageSid", sid)
		form.Set("SmsMessageSid", sid)
		form.Set("SmsSid", sid)
		form.Set("Body", body)
		return []byte(form.Encode())
	}
	// A digit with no request pending is an ordinary message.
	webhook(t, st, "twilio", sms("SM00000000000000000000000000000001", "3"))
	idle(t, st)
	r := replyAndResolve(t, st)

	req := lastSent(t, st, outbox.Twilio)
	if !strings.Contains(req.Text, "Reply with a number from 1 (very bad) to 5 (excellent).") {
		t.Fatalf("SMS request %q; want it to ask for a digit", req.Text)
	}
	before := r.messages()
	for i := 0; i < 2; i++ {
		if code := webhook(t, st, "twilio", sms("SM00000000000000000000000000000002", "1")); code != http.StatusOK {
			t.Fatalf("answer = %d", code)
		}
	}
	idle(t, st)
	r.expectAnswerRecorded(1, before)
	alerts := r.managersAlerts()
	if len(alerts) != 1 || !strings.Contains(alerts[0].Text, "Low rating") || !strings.Contains(alerts[0].Text, "/archives/"+r.root.Channel+"/p") {
		t.Errorf("managers' alerts %+v; want one with a link to the thread", alerts)
	}

	// A changed mind: the latest answer counts, once.
	webhook(t, st, "twilio", sms("SM00000000000000000000000000000003", "4"))
	idle(t, st)
	if got := r.rating(); got.Score != 4 || got.PreviousScore != 1 {
		t.Errorf("rating after a change %+v; want 4, previously 1", got)
	}
	r.expectCounters(map[string]int64{
		inbox.CounterCSATRatings: 1, inbox.CounterCSATScore(1): 0, inbox.CounterCSATScore(4): 1,
	})
	if !r.threadHas("changed from 1/5") {
		t.Error("the thread does not show the change")
	}
}

func TestRatingSkippedForQuietInteractionsAndTiredCustomers(t *testing.T) {
	w := newWorkspace(t, map[string]string{}, "Where is my parcel?")
	// Resolved without a public reply: nothing to rate.
	w.reply(slackstub.AgentAlexID, "note: duplicate of another ticket")
	w.click(slackstub.AgentAlexID, slackapp.ActionResolve, w.convID)
	if _, err := w.st.App.Store.Rating(context.Background(), w.convID, 0); err == nil {
		t.Error("a rating was requested for an interaction without a reply")
	}
	// Reopened, answered and resolved: a new interaction, asked.
	w.click(slackstub.AgentAlexID, slackapp.ActionReopen, w.convID)
	w.reply(slackstub.AgentAlexID, "It arrives tomorrow.")
	w.click(slackstub.AgentAlexID, slackapp.ActionResolve, w.convID)
	first, err := w.st.App.Store.Rating(context.Background(), w.convID, 1)
	if err != nil || first.Status != inbox.RatingRequested {
		t.Fatalf("interaction 1: %+v, %v; want requested", first, err)
	}
	// Once more within the fatigue period: skipped and counted.
	w.click(slackstub.AgentAlexID, slackapp.ActionReopen, w.convID)
	w.reply(slackstub.AgentAlexID, "Correction: the day after.")
	w.click(slackstub.AgentAlexID, slackapp.ActionResolve, w.convID)
	second, err := w.st.App.Store.Rating(context.Background(), w.convID, 2)
	if err != nil || second.Status != inbox.RatingSkipped || second.SkipReason != inbox.SkipFatigue {
		t.Fatalf("interaction 2: %+v, %v; want skipped for fatigue", second, err)
	}
	stats, _ := w.st.App.Store.Stats(context.Background(), first.Day, first.Day)
	for _, s := range stats {
		if s.Dimension == inbox.DimensionAll && (s.Counters[inbox.CounterCSATRequests] != 1 || s.Counters[inbox.CounterCSATSkipped] != 1) {
			t.Errorf("counters %v; want one request and one skipped", s.Counters)
		}
	}
	surveys := 0
	for _, m := range w.customerSees() {
		if m.Survey != nil {
			surveys++
		}
	}
	if surveys != 1 {
		t.Errorf("the customer sees %d rating requests; want 1", surveys)
	}
}

// A request the channel refuses for good is no request: it leaves the
// counters for csatUndelivered, the thread says so, and no template is
// offered for it.
func TestRatingRequestRefused(t *testing.T) {
	st := startStack(t, map[string]string{})
	raw, err := os.ReadFile("../../shared/channel/twilio/testdata/sms_inbound.form-urlencoded.txt")
	if err != nil {
		t.Fatal(err)
	}
	webhook(t, st, "twilio", raw)
	idle(t, st)
	root, _ := onlyThread(t, st)
	agentReply(t, st, root, "Done!")
	form, _ := url.ParseQuery(string(raw))
	form.Set("MessageSid", "SM00000000000000000000000000000009")
	form.Set("Body", "STOP")
	webhook(t, st, "twilio", []byte(form.Encode()))
	idle(t, st)
	conv, err := st.App.Store.ConversationByThread(context.Background(), root.Channel, root.TS)
	if err != nil {
		t.Fatal(err)
	}
	if res, err := st.Slack.Click(context.Background(), root.Channel, root.TS, slackstub.AgentAlexID, slackapp.ActionResolve, conv.ID); err != nil || res.Status != http.StatusOK {
		t.Fatalf("resolve = %v, %v", res.Status, err)
	}
	idle(t, st)
	r := &rated{t: t, st: st, root: root, conv: conv}
	if got := r.rating(); got.Status != inbox.RatingUndelivered {
		t.Fatalf("rating %+v; want undelivered", got)
	}
	r.expectCounters(map[string]int64{inbox.CounterCSATRequests: 0, inbox.CounterCSATUndelivered: 1})
	if !r.threadHas("rating request was *not delivered*") || r.threadHas("approved template") {
		t.Error("the thread does not say the request failed, or offers a template for it")
	}
}
