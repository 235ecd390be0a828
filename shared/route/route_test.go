package route_test

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-inbox/switchboard/infra/ddbtest"
	"github.com/switchboard-inbox/switchboard/infra/slackstub"
	"github.com/switchboard-inbox/switchboard/shared/inbox"
	"github.com/switchboard-inbox/switchboard/shared/queue"
	"github.com/switchboard-inbox/switchboard/shared/route"
	"github.com/switchboard-inbox/switchboard/shared/slackui"
	"github.com/switchboard-inbox/switchboard/shared/store"
)

func newRouter(t testing.TB) (*route.Service, *store.Store, *slackstub.Server) {
	db, table := ddbtest.Table(t)
	st := store.New(db, table)
	stub := slackstub.New(slackstub.Options{})
	srv := httptest.NewServer(stub.Handler())
	t.Cleanup(srv.Close)
	return &route.Service{Store: st, Slack: slackui.New("xoxb-test", srv.URL+"/api/", srv.Client()), Channel: "C0SUPPORT"}, st, stub
}

// inbound stores a customer message the way ingest does and returns its job.
func inbound(t testing.TB, st *store.Store, address, externalID, text string) queue.Job {
	t.Helper()
	ctx := context.Background()
	in := inbox.Inbound{Channel: inbox.ChannelChat, Address: address, Name: "Ada", Text: text, ExternalID: externalID, ReceivedAt: time.Now()}
	var known inbox.Known
	if ident, latest, err := st.Identity(ctx, inbox.ChannelChat, address); err == nil {
		known = inbox.Known{Identity: &ident, Latest: latest}
	}
	w := inbox.PlaceInbound(in, known, time.Hour)
	if err := st.SaveInbound(ctx, w); err != nil {
		t.Fatal(err)
	}
	return queue.Job{ConversationID: w.Message.ConversationID, MessageID: w.Message.ID}
}

func TestRoute(t *testing.T) {
	ctx := context.Background()
	svc, st, stub := newRouter(t)
	first := inbound(t, st, "route-visitor", "r1", "<!channel> where is my parcel?")
	// Redelivered by SQS: posts once.
	for i := 0; i < 2; i++ {
		if err := svc.Route(ctx, first, 1); err != nil {
			t.Fatalf("Route(first) #%d = %v", i+1, err)
		}
	}
	msgs := stub.Messages()
	if len(msgs) != 2 {
		t.Fatalf("slack has %d posts; want card and message once: %+v", len(msgs), msgs)
	}
	if strings.Contains(msgs[1].Text, "<!channel>") || strings.Contains(string(msgs[0].Blocks), "<!channel>") {
		t.Errorf("customer text reached slack unescaped: %q", msgs[1].Text)
	}
	conv, err := st.ConversationByThread(ctx, "C0SUPPORT", msgs[0].TS)
	if err != nil || conv.ID != first.ConversationID {
		t.Fatalf("ConversationByThread(root) = %+v, %v; want %s", conv, err, first.ConversationID)
	}

	second := inbound(t, st, "route-visitor", "r2", "tracking says delivered")
	if err := svc.Route(ctx, second, 1); err != nil {
		t.Fatal(err)
	}
	_, replies, _ := stub.Thread("C0SUPPORT", msgs[0].TS)
	if len(replies) != 2 || replies[1].ThreadTS != msgs[0].TS {
		t.Errorf("thread replies %+v; want both messages in the thread", replies)
	}
	m, _ := st.Message(ctx, second.ConversationID, second.MessageID)
	if m.SlackTS != replies[1].TS {
		t.Errorf("stored slack ts %q; want %q", m.SlackTS, replies[1].TS)
	}
}

func TestRouteRetriesWhenSlackFails(t *testing.T) {
	ctx := context.Background()
	svc, st, stub := newRouter(t)
	job := inbound(t, st, "route-visitor-2", "s1", "hello")
	stub.FailNext("chat.postMessage", "internal_error")
	if err := svc.Route(ctx, job, 1); err == nil {
		t.Fatal("Route with slack failing = nil; want an error so the job is retried")
	}
	if err := svc.Route(ctx, job, 2); err != nil {
		t.Fatalf("Route retry = %v", err)
	}
	if roots := countRoots(stub.Messages()); roots != 1 {
		t.Errorf("%d thread roots after a retry; want 1", roots)
	}
}

func TestRouteRedrawsCardAndPostsNotice(t *testing.T) {
	ctx := context.Background()
	svc, st, stub := newRouter(t)
	first := inbound(t, st, "route-card", "c1", "my invoice is wrong")
	if err := svc.Route(ctx, first, 1); err != nil {
		t.Fatal(err)
	}
	if err := st.Assign(ctx, first.ConversationID, slackstub.AgentAlexID, "Alex"); err != nil {
		t.Fatal(err)
	}
	job := queue.Job{ConversationID: first.ConversationID, Card: true, Notice: "Assigned to <@U0AGENT1>.", ID: "desk#1"}
	if err := svc.Route(ctx, job, 1); err != nil {
		t.Fatal(err)
	}
	root, replies, _ := stub.Thread("C0SUPPORT", stub.Messages()[0].TS)
	if root.Updated != 1 || !strings.Contains(string(root.Blocks), `*Assignee*\n\u003c@`+slackstub.AgentAlexID) {
		t.Errorf("card updated %d times, blocks %s; want one update showing the assignee", root.Updated, root.Blocks)
	}
	if last := replies[len(replies)-1]; last.Text != job.Notice {
		t.Errorf("last thread post %q; want the notice %q", last.Text, job.Notice)
	}
}

// A customer message after an agent's reply starts a new wait, which the
// card shows; a follow-up while still waiting changes nothing on it.
func TestRouteRedrawsCardWhenCustomerStartsWaiting(t *testing.T) {
	ctx := context.Background()
	svc, st, stub := newRouter(t)
	first := inbound(t, st, "route-wait", "w1", "hello?")
	if err := svc.Route(ctx, first, 1); err != nil {
		t.Fatal(err)
	}
	second := inbound(t, st, "route-wait", "w2", "anyone there?")
	if err := svc.Route(ctx, second, 1); err != nil {
		t.Fatal(err)
	}
	if n := stub.Calls("chat.update"); n != 0 {
		t.Fatalf("chat.update called %d times while the customer was still waiting; want 0", n)
	}
	now := time.Now()
	reply := inbox.Message{ID: inbox.NewID(now), ConversationID: first.ConversationID, Direction: inbox.DirectionOut,
		Author: inbox.AuthorAgent, Kind: inbox.KindPublic, Text: "Hi!", CreatedAt: now, Delivery: inbox.DeliveryQueued}
	if err := st.SaveOutbound(ctx, reply, "test#reply"); err != nil {
		t.Fatal(err)
	}
	if err := st.Answered(ctx, first.ConversationID, reply); err != nil {
		t.Fatal(err)
	}
	third := inbound(t, st, "route-wait", "w3", "thanks, one more thing")
	if err := svc.Route(ctx, third, 1); err != nil {
		t.Fatal(err)
	}
	if n := stub.Calls("chat.update"); n != 1 {
		t.Errorf("chat.update called %d times after a new wait began; want 1", n)
	}
}

func TestRouteRateLimitedAsksForDelay(t *testing.T) {
	ctx := context.Background()
	svc, st, stub := newRouter(t)
	job := inbound(t, st, "route-limited", "l1", "hello")
	stub.FailNext("chat.postMessage", "ratelimited")
	err := svc.Route(ctx, job, 1)
	var later interface{ RetryAfter() time.Duration }
	if !errors.As(err, &later) || later.RetryAfter() != time.Second {
		t.Fatalf("Route under a 429 = %v; want an error with RetryAfter() = 1s (the stand-in's Retry-After)", err)
	}
}

func countRoots(msgs []slackstub.Message) int {
	n := 0
	for _, m := range msgs {
		if m.ThreadTS == "" {
			n++
		}
	}
	return n
}

// BenchmarkRouteFollowUp measures posting a follow-up message into an
// existing thread: two GetItems, one chat.postMessage, one UpdateItem.
func BenchmarkRouteFollowUp(b *testing.B) {
	ctx := context.Background()
	svc, st, _ := newRouter(b)
	first := inbound(b, st, "bench-route", "first", "hello")
	if err := svc.Route(ctx, first, 1); err != nil {
		b.Fatal(err)
	}
	jobs := make([]queue.Job, b.N)
	for i := range jobs {
		jobs[i] = inbound(b, st, "bench-route", fmt.Sprintf("m%d-%d", b.N, i), "still waiting for my order")
	}
	b.ReportAllocs()
	b.ResetTimer()
	for _, j := range jobs {
		if err := svc.Route(ctx, j, 1); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRouteNewConversation measures opening a thread: the card, the
// first message, and the thread mapping transaction.
func BenchmarkRouteNewConversation(b *testing.B) {
	ctx := context.Background()
	svc, st, _ := newRouter(b)
	jobs := make([]queue.Job, b.N)
	for i := range jobs {
		jobs[i] = inbound(b, st, fmt.Sprintf("bench-route-new-%d-%d", b.N, i), fmt.Sprintf("n%d-%d", b.N, i), "hello, my order is late")
	}
	b.ReportAllocs()
	b.ResetTimer()
	for _, j := range jobs {
		if err := svc.Route(ctx, j, 1); err != nil {
			b.Fatal(err)
		}
	}
}

type fakeTriager struct {
	result inbox.Triage
	calls  int
	seen   []string
}

func (f *fakeTriager) Triage(_ context.Context, _ inbox.Conversation, history []inbox.Message, _ inbox.Profile) (inbox.Triage, error) {
	f.calls++
	for _, m := range history {
		f.seen = append(f.seen, m.Text)
	}
	return f.result, nil
}

// Rules triage before the card, so routing rules choose its channel and
// mention the on-call group; the model's answer then redraws the card.
func TestRouteTriagesAndFollowsRoutingRules(t *testing.T) {
	ctx := context.Background()
	svc, st, stub := newRouter(t)
	rules, err := route.ParseRules(`[{"category":["billing"],"slack_channel":"C0BILLING"},{"priority":["urgent"],"mention":"S0ONCALL"}]`)
	if err != nil {
		t.Fatal(err)
	}
	quick := &fakeTriager{result: inbox.Triage{Category: "billing", Priority: inbox.PriorityUrgent, Sentiment: inbox.SentimentNegative, Source: inbox.TriageByRules}}
	model := &fakeTriager{result: inbox.Triage{Category: "billing", Priority: inbox.PriorityUrgent, Sentiment: inbox.SentimentNegative,
		Summary: "Charged twice for one order", SuggestedReply: "Sorry, Ada!", Source: inbox.TriageByModel}}
	svc.Rules, svc.Quick, svc.Model = rules, quick, model

	job := inbound(t, st, "route-triage", "t1", "I was charged twice!!")
	job.Triage = true
	for i := 0; i < 2; i++ {
		if err := svc.Route(ctx, job, queue.Attempt(i+1)); err != nil {
			t.Fatal(err)
		}
	}
	if quick.calls != 1 || model.calls != 1 {
		t.Errorf("rules ran %d times, model %d; want once each for a job delivered twice", quick.calls, model.calls)
	}
	msgs := stub.Messages()
	if len(msgs) == 0 || msgs[0].Channel != "C0BILLING" {
		t.Fatalf("card posted in %+v; want C0BILLING by the billing rule", msgs)
	}
	root, replies, _ := stub.Thread("C0BILLING", msgs[0].TS)
	if len(replies) != 1 || !strings.Contains(msgs[0].Text, "<!subteam^S0ONCALL>") {
		t.Errorf("card text %q, thread %+v; want the on-call mention on the card, the customer's message in the thread", msgs[0].Text, replies)
	}
	// The redelivery may redraw the card once more (it cannot tell whether
	// the first delivery's redraw succeeded); it posts nothing again.
	if root.Updated == 0 || !strings.Contains(string(root.Blocks), "Charged twice for one order") || !strings.Contains(string(root.Blocks), "suggested_reply") {
		t.Errorf("card updated %d times: %s; want the model's summary and the suggested-reply button", root.Updated, root.Blocks)
	}
	conv, _ := st.Conversation(ctx, job.ConversationID)
	if conv.Triage == nil || conv.Triage.Source != inbox.TriageByModel || conv.Priority != inbox.PriorityUrgent {
		t.Errorf("stored triage %+v, priority %s; want the model's triage and priority", conv.Triage, conv.Priority)
	}
	if len(model.seen) != 1 || model.seen[0] != "I was charged twice!!" {
		t.Errorf("model saw %q; want the customer's message", model.seen)
	}
}

func TestParseRulesRejectsNonsense(t *testing.T) {
	for _, text := range []string{
		`[{"category":["billing"]}]`,
		`[{"priority":["critical"],"mention":"S1"}]`,
		`[{"colour":"red","slack_channel":"C1"}]`,
		`{"not":"a list"}`,
	} {
		if _, err := route.ParseRules(text); err == nil {
			t.Errorf("ParseRules(%s) = nil; want an error", text)
		}
	}
}

// Routing rules come from the operator's configuration; whatever they
// write, parsing fails cleanly or yields rules that match without panic.
func FuzzParseRules(f *testing.F) {
	f.Add(`[{"category":["billing"],"slack_channel":"C0BILLING"},{"priority":["urgent"],"mention":"S0ONCALL"}]`)
	f.Add(`[{"channel":["whatsapp"],"slack_channel":"C1"}]`)
	f.Add(`[]`)
	f.Fuzz(func(t *testing.T, text string) {
		rules, err := route.ParseRules(text)
		if err != nil {
			return
		}
		channel, _ := rules.Match(inbox.Conversation{Channel: inbox.ChannelChat},
			inbox.Triage{Category: "billing", Priority: inbox.PriorityUrgent}, "C0SUPPORT")
		if channel == "" {
			t.Errorf("Match with parsed rules %s gave no channel", text)
		}
	})
}

// BenchmarkRouteCardRedraw measures a card refresh after an agent action:
// GetItem conversation, Query profile, chat.update, chat.postMessage.
func BenchmarkRouteCardRedraw(b *testing.B) {
	ctx := context.Background()
	svc, st, _ := newRouter(b)
	first := inbound(b, st, "bench-card", "first", "hello")
	if err := svc.Route(ctx, first, 1); err != nil {
		b.Fatal(err)
	}
	job := queue.Job{ConversationID: first.ConversationID, Card: true, Notice: "Assigned to <@U0AGENT1>."}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := svc.Route(ctx, job, 1); err != nil {
			b.Fatal(err)
		}
	}
}
