package ingest_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/switchboard-inbox/switchboard/infra/ddbtest"
	"github.com/switchboard-inbox/switchboard/shared/inbox"
	"github.com/switchboard-inbox/switchboard/shared/ingest"
	"github.com/switchboard-inbox/switchboard/shared/queue"
	"github.com/switchboard-inbox/switchboard/shared/store"
)

type recorder struct {
	mu   sync.Mutex
	jobs []queue.Job
}

func (r *recorder) Publish(_ context.Context, j queue.Job) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.jobs = append(r.jobs, j)
	return nil
}

func newService(t testing.TB) (*ingest.Service, *store.Store, *recorder) {
	db, table := ddbtest.Table(t)
	st := store.New(db, table)
	rec := &recorder{}
	return &ingest.Service{Store: st, Route: rec, ReopenWindow: inbox.DefaultReopenWindow, Now: time.Now}, st, rec
}

func chat(visitor, id, text string) inbox.Inbound {
	return inbox.Inbound{Channel: inbox.ChannelChat, Address: visitor, Name: "Ada", Text: text, ExternalID: id}
}

func TestIngest(t *testing.T) {
	ctx := context.Background()
	svc, st, rec := newService(t)

	first, err := svc.Ingest(ctx, chat("v1", "m1", "my order is late"))
	if err != nil || first.Placement != inbox.Open || first.Duplicate {
		t.Fatalf("Ingest(first) = %+v, %v; want a new conversation", first, err)
	}
	second, err := svc.Ingest(ctx, chat("v1", "m2", "order 1234"))
	if err != nil || second.Placement != inbox.Join || second.ConversationID != first.ConversationID {
		t.Fatalf("Ingest(follow-up) = %+v, %v; want it to join %s", second, err, first.ConversationID)
	}
	again, err := svc.Ingest(ctx, chat("v1", "m2", "order 1234"))
	if err != nil || !again.Duplicate || again.MessageID != second.MessageID {
		t.Fatalf("Ingest(retry of m2) = %+v, %v; want the first delivery's ids, duplicate", again, err)
	}
	_, msgs, err := st.Thread(ctx, first.ConversationID)
	if err != nil || len(msgs) != 2 {
		t.Fatalf("Thread = %d messages, %v; want 2", len(msgs), err)
	}
	want := []queue.Job{
		{ConversationID: first.ConversationID, MessageID: first.MessageID, Triage: true},
		{ConversationID: first.ConversationID, MessageID: second.MessageID},
		{ConversationID: first.ConversationID, MessageID: second.MessageID, Triage: true},
	}
	if fmt.Sprint(rec.jobs) != fmt.Sprint(want) {
		t.Errorf("published %v; want %v (a new conversation is triaged; a duplicate is routed again, the router skips it)", rec.jobs, want)
	}

	if err := st.Resolve(ctx, first.ConversationID, time.Now(), inbox.Agent{ID: "U1", Name: "Alex"}); err != nil {
		t.Fatal(err)
	}
	reopened, err := svc.Ingest(ctx, chat("v1", "m3", "one more thing"))
	if err != nil || reopened.Placement != inbox.Reopen || reopened.ConversationID != first.ConversationID {
		t.Errorf("Ingest(after resolve) = %+v, %v; want reopen of %s", reopened, err, first.ConversationID)
	}
}

func TestIngestOpensAfterReopenWindow(t *testing.T) {
	ctx := context.Background()
	svc, st, _ := newService(t)
	svc.ReopenWindow = time.Minute
	first, err := svc.Ingest(ctx, chat("v2", "w1", "hello"))
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Resolve(ctx, first.ConversationID, time.Now().Add(-time.Hour), inbox.Agent{ID: "U1", Name: "Alex"}); err != nil {
		t.Fatal(err)
	}
	next, err := svc.Ingest(ctx, chat("v2", "w2", "back again"))
	if err != nil || next.Placement != inbox.Open || next.ConversationID == first.ConversationID {
		t.Errorf("Ingest(past the window) = %+v, %v; want a new conversation", next, err)
	}
}

func TestIngestVerifiedEmailMergesCustomers(t *testing.T) {
	ctx := context.Background()
	svc, st, _ := newService(t)
	in := chat("user:42", "e1", "hi from my laptop")
	in.Email, in.Verified = "ada@example.com", true
	a, err := svc.Ingest(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	in2 := chat("user:42-phone", "e2", "hi from my phone")
	in2.Email, in2.Verified = "ada@example.com", true
	b, err := svc.Ingest(ctx, in2)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := st.Conversation(ctx, a.ConversationID)
	cb, _ := st.Conversation(ctx, b.ConversationID)
	if ca.CustomerID == "" || ca.CustomerID != cb.CustomerID {
		t.Errorf("customers %q and %q; want one customer for one verified email", ca.CustomerID, cb.CustomerID)
	}

	unverified := chat("visitor-x", "e3", "I am ada, trust me")
	unverified.Email = "ada@example.com"
	c, err := svc.Ingest(ctx, unverified)
	if err != nil {
		t.Fatal(err)
	}
	cc, _ := st.Conversation(ctx, c.ConversationID)
	if cc.CustomerID == ca.CustomerID {
		t.Error("an unverified email joined the verified customer")
	}
}

func TestIngestConcurrentFirstMessages(t *testing.T) {
	ctx := context.Background()
	svc, st, _ := newService(t)
	var wg sync.WaitGroup
	results := make([]ingest.Result, 6)
	errs := make([]error, 6)
	for i := range results {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			// Three distinct messages, each delivered twice at once.
			results[i], errs[i] = svc.Ingest(ctx, chat("v-race", fmt.Sprintf("r%d", i%3), "hi"))
		}(i)
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("Ingest %d = %v", i, err)
		}
	}
	conv := results[0].ConversationID
	for i, r := range results {
		if r.ConversationID != conv {
			t.Errorf("result %d in conversation %s; want all in %s", i, r.ConversationID, conv)
		}
	}
	_, msgs, err := st.Thread(ctx, conv)
	if err != nil || len(msgs) != 3 {
		t.Errorf("Thread = %d messages, %v; want 3", len(msgs), err)
	}
}

func benchService(b *testing.B) (*ingest.Service, *ddbtest.Counter, *float64) {
	db, table := ddbtest.Table(b)
	c := ddbtest.NewCounter(db)
	st := store.New(c, table)
	var units float64
	st.OnCapacity = func(_ string, u float64) { units += u }
	return &ingest.Service{Store: st, Route: &recorder{}, ReopenWindow: inbox.DefaultReopenWindow, Now: time.Now}, c, &units
}

// BenchmarkIngestNewConversation measures a new customer's first message:
// one GetItem (identity not found) and one five-item TransactWriteItems.
func BenchmarkIngestNewConversation(b *testing.B) {
	svc, c, units := benchService(b)
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := svc.Ingest(ctx, chat(fmt.Sprintf("bench-new-%d-%d", b.N, i), fmt.Sprintf("n%d-%d", b.N, i), "hello, my order is late")); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	c.Report(b, *units)
}

// BenchmarkIngestFollowUp measures a message in an open conversation: one
// GetItem of the identity and one three-item TransactWriteItems.
func BenchmarkIngestFollowUp(b *testing.B) {
	svc, c, units := benchService(b)
	ctx := context.Background()
	if _, err := svc.Ingest(ctx, chat("bench-follow", "first", "hello")); err != nil {
		b.Fatal(err)
	}
	c.Reset()
	*units = 0
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := svc.Ingest(ctx, chat("bench-follow", fmt.Sprintf("f%d-%d", b.N, i), "order 1234, still nothing")); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	c.Report(b, *units)
}
