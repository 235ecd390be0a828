package route_test

import (
	"context"
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
