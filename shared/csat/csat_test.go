package csat_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-inbox/switchboard/infra/ddbtest"
	"github.com/switchboard-inbox/switchboard/shared/csat"
	"github.com/switchboard-inbox/switchboard/shared/inbox"
	"github.com/switchboard-inbox/switchboard/shared/queue"
	"github.com/switchboard-inbox/switchboard/shared/store"
)

type jobs []queue.Job

func (j *jobs) Publish(_ context.Context, job queue.Job) error {
	*j = append(*j, job)
	return nil
}

var (
	opened = time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	alex   = inbox.Agent{ID: "U0AGENT1", Name: "Alex Agent"}
)

type fixture struct {
	t       *testing.T
	st      *store.Store
	svc     *csat.Service
	deliver *jobs
	route   *jobs
	now     time.Time
}

func newFixture(t *testing.T) *fixture {
	db, table := ddbtest.Table(t)
	f := &fixture{t: t, st: store.New(db, table), deliver: &jobs{}, route: &jobs{}, now: opened.Add(time.Hour)}
	f.svc = &csat.Service{
		Store: f.st, Deliver: f.deliver, Route: f.route, Secret: "s3cret", BaseURL: "https://support.example",
		Fatigue: inbox.DefaultSurveyFatigue, Window: inbox.DefaultRatingWindow, Location: time.UTC,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: func() time.Time { return f.now },
	}
	return f
}

// conversation opens a conversation of address on ch, with an agent's
// delivered reply unless quiet, resolved, in the given language.
func (f *fixture) conversation(ch inbox.Channel, address, lang string, quiet bool) inbox.Conversation {
	f.t.Helper()
	ctx := context.Background()
	w := inbox.PlaceInbound(inbox.Inbound{Channel: ch, Address: address, Text: "help", ExternalID: address + f.now.String(), ReceivedAt: f.now}, f.known(ch, address), time.Hour)
	if err := f.st.SaveInbound(ctx, w); err != nil {
		f.t.Fatal(err)
	}
	conv := w.Message.ConversationID
	if err := f.st.SetTriage(ctx, conv, inbox.Triage{Category: "billing", Priority: inbox.PriorityNormal, Sentiment: inbox.SentimentNeutral, Language: lang, Source: inbox.TriageByRules}); err != nil {
		f.t.Fatal(err)
	}
	if !quiet {
		reply := inbox.Message{ID: inbox.NewID(f.now.Add(time.Minute)), ConversationID: conv, Direction: inbox.DirectionOut, Author: inbox.AuthorAgent,
			Kind: inbox.KindPublic, Text: "done", AgentID: alex.ID, AgentName: alex.Name, CreatedAt: f.now.Add(time.Minute), Delivery: inbox.DeliveryQueued}
		if err := f.st.SaveOutbound(ctx, reply, "reply-"+reply.ID); err != nil {
			f.t.Fatal(err)
		}
		if err := f.st.SetDelivery(ctx, conv, reply.ID, inbox.DeliverySent, "x", ""); err != nil {
			f.t.Fatal(err)
		}
	}
	if err := f.st.Resolve(ctx, conv, f.now.Add(2*time.Minute), inbox.Agent{ID: "U1", Name: "Alex"}); err != nil {
		f.t.Fatal(err)
	}
	c, err := f.st.Conversation(ctx, conv)
	if err != nil {
		f.t.Fatal(err)
	}
	return c
}

func (f *fixture) known(ch inbox.Channel, address string) inbox.Known {
	ident, latest, err := f.st.Identity(context.Background(), ch, address)
	if err != nil {
		return inbox.Known{}
	}
	return inbox.Known{Identity: &ident, Latest: latest}
}

func (f *fixture) request(conv inbox.Conversation) inbox.Rating {
	f.t.Helper()
	if err := f.svc.Request(context.Background(), conv.ID); err != nil {
		f.t.Fatal(err)
	}
	r, err := f.st.Rating(context.Background(), conv.ID, conv.ReopenCount)
	if err != nil {
		f.t.Fatalf("no rating after the request: %v", err)
	}
	return r
}

func TestRequestOnceInTheCustomersLanguage(t *testing.T) {
	f := newFixture(t)
	conv := f.conversation(inbox.ChannelEmail, "ana@example.com", "es-MX", false)
	r := f.request(conv)
	if err := f.svc.Request(context.Background(), conv.ID); err != nil {
		t.Fatal(err)
	}
	if r.Status != inbox.RatingRequested || r.Category != "billing" || r.Language != "es" || len(r.Agents) != 1 || r.Agents[0] != alex ||
		r.Day != "2026-11-23" || !r.Until.Equal(f.now.Add(inbox.DefaultRatingWindow)) {
		t.Errorf("rating %+v", r)
	}
	// Asked twice, the same message is queued twice, which the dispatcher
	// sends once (it claims a message before sending it).
	if len(*f.deliver) != 2 || (*f.deliver)[0] != (*f.deliver)[1] || (*f.deliver)[0].MessageID != r.MessageID {
		t.Fatalf("deliver jobs %+v", *f.deliver)
	}
	m, err := f.st.Message(context.Background(), conv.ID, r.MessageID)
	if err != nil {
		t.Fatal(err)
	}
	if m.Author != inbox.AuthorBot || !strings.Contains(m.Text, "¿Cómo valorarías") || m.Survey == nil || len(m.Survey.Options) != 5 {
		t.Fatalf("request message %+v", m)
	}
	five := m.Survey.Options[4]
	if five.Label != "Excelente" || five.Payload != inbox.SurveyPayload(conv.ID, 0, 5) ||
		!strings.HasPrefix(five.URL, "https://support.example/csat/"+conv.ID+".0.") || !strings.HasSuffix(five.URL, "?score=5") {
		t.Errorf("option 5 = %+v", five)
	}
}

func TestRequestSkips(t *testing.T) {
	f := newFixture(t)
	quiet := f.conversation(inbox.ChannelSMS, "+14155550100", "", true)
	if err := f.svc.Request(context.Background(), quiet.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.st.Rating(context.Background(), quiet.ID, 0); err == nil || len(*f.deliver) != 0 {
		t.Error("a request went out for an interaction no agent answered")
	}

	first := f.conversation(inbox.ChannelSMS, "+14155550101", "", false)
	f.request(first)
	f.now = f.now.Add(24 * time.Hour)
	second := f.conversation(inbox.ChannelSMS, "+14155550101", "", false)
	if r := f.request(second); r.Status != inbox.RatingSkipped || r.SkipReason != inbox.SkipFatigue {
		t.Errorf("a second request within the fatigue period: %+v; want skipped", r)
	}
	f.now = f.now.Add(inbox.DefaultSurveyFatigue)
	third := f.conversation(inbox.ChannelSMS, "+14155550101", "", false)
	if r := f.request(third); r.Status != inbox.RatingRequested {
		t.Errorf("a request after the fatigue period: %+v; want requested", r)
	}
}

func TestAnswers(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	conv := f.conversation(inbox.ChannelWhatsApp, "+14155550111", "", false)
	f.request(conv)
	stranger := f.conversation(inbox.ChannelWhatsApp, "+14155550122", "", false)

	tests := []struct {
		name    string
		address string
		answer  inbox.SurveyAnswer
		at      time.Duration
		want    bool
		score   int
	}{
		{"someone else's button", stranger.Address, inbox.SurveyAnswer{ConversationID: conv.ID, Score: 1}, 0, false, 0},
		{"an unknown address", "+14155550999", inbox.SurveyAnswer{ConversationID: conv.ID, Score: 1}, 0, false, 0},
		{"a bare digit from someone with no request", stranger.Address, inbox.SurveyAnswer{Score: 1}, 0, false, 0},
		{"a button for an interaction never asked", conv.Address, inbox.SurveyAnswer{ConversationID: conv.ID, Interaction: 3, Score: 1}, 0, false, 0},
		{"the customer's button", conv.Address, inbox.SurveyAnswer{ConversationID: conv.ID, Score: 3}, 0, true, 3},
		{"the same again (a redelivery)", conv.Address, inbox.SurveyAnswer{ConversationID: conv.ID, Score: 3}, 0, true, 3},
		{"a typed digit, changing it", conv.Address, inbox.SurveyAnswer{Score: 5}, time.Hour, true, 5},
		{"after the window", conv.Address, inbox.SurveyAnswer{Score: 1}, inbox.DefaultRatingWindow, false, 5},
	}
	start := f.now
	for _, tt := range tests {
		f.now = start.Add(tt.at)
		got, err := f.svc.Answer(ctx, inbox.ChannelWhatsApp, tt.address, tt.answer)
		if err != nil || got != tt.want {
			t.Errorf("%s: Answer = %v, %v; want %v", tt.name, got, err, tt.want)
		}
		r, _ := f.st.Rating(ctx, conv.ID, 0)
		if r.Score != tt.score {
			t.Errorf("%s: score %d; want %d", tt.name, r.Score, tt.score)
		}
	}
	// Two answers, two posts in the thread; the redelivery none.
	rated := 0
	for _, j := range *f.route {
		if j.Rated {
			rated++
		}
	}
	if rated != 3 {
		t.Errorf("%d rated jobs; want 3 (first, redelivery deduplicated by id, change)", rated)
	}
	if (*f.route)[0].ID != (*f.route)[1].ID || (*f.route)[1].ID == (*f.route)[2].ID {
		t.Errorf("rated job ids %+v: a redelivery must repeat its id, a change must not", *f.route)
	}
}

func TestRateByLink(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	conv := f.conversation(inbox.ChannelEmail, "bo@example.com", "", false)
	r := f.request(conv)
	token := csat.Token("s3cret", conv.ID, 0, r.Until)
	if _, err := f.svc.RateByLink(ctx, token, 4, "thanks"); err != nil {
		t.Fatal(err)
	}
	got, _ := f.svc.Lookup(ctx, token)
	if got.Score != 4 || got.Comment != "thanks" {
		t.Errorf("after rating by link: %+v", got)
	}
	f.now = r.Until
	if _, err := f.svc.RateByLink(ctx, token, 1, ""); err != csat.ErrExpired {
		t.Errorf("rating after the window = %v; want expired", err)
	}
}

// benchFixture is a fixture whose store counts its requests and units.
func benchFixture(b *testing.B) (*fixture, *ddbtest.Counter, *float64) {
	db, table := ddbtest.Table(b)
	c := ddbtest.NewCounter(db)
	f := &fixture{st: store.New(c, table), deliver: &jobs{}, route: &jobs{}, now: opened.Add(time.Hour)}
	var units float64
	f.st.OnCapacity = func(_ string, u float64) { units += u }
	f.svc = &csat.Service{
		Store: f.st, Deliver: f.deliver, Route: f.route, Secret: "s3cret", BaseURL: "https://support.example",
		Window: inbox.DefaultRatingWindow, Location: time.UTC, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Now: func() time.Time { return f.now },
	}
	return f, c, &units
}

// BenchmarkRequest measures a rating request for a resolved interaction:
// read the conversation, look for a rating, read the interaction's
// messages and the address, then one transaction (rating, message,
// customer, address, four counter rows).
func BenchmarkRequest(b *testing.B) {
	f, c, units := benchFixture(b)
	f.t = &testing.T{}
	convs := make([]inbox.Conversation, b.N)
	for i := range convs {
		convs[i] = f.conversation(inbox.ChannelEmail, fmt.Sprintf("bench-%d-%d@example.com", b.N, i), "en", false)
	}
	c.Reset()
	*units = 0
	b.ReportAllocs()
	b.ResetTimer()
	for _, conv := range convs {
		if err := f.svc.Request(context.Background(), conv.ID); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	c.Report(b, *units)
}

// BenchmarkAnswer measures a customer changing their rating (the costlier
// answer: a score moves between counters): read the address and the
// rating, then one transaction (rating, customer, four counter rows).
func BenchmarkAnswer(b *testing.B) {
	f, c, units := benchFixture(b)
	f.t = &testing.T{}
	conv := f.conversation(inbox.ChannelWhatsApp, "+14155550177", "en", false)
	if err := f.svc.Request(context.Background(), conv.ID); err != nil {
		b.Fatal(err)
	}
	c.Reset()
	*units = 0
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		f.now = f.now.Add(time.Millisecond)
		a := inbox.SurveyAnswer{ConversationID: conv.ID, Score: 4 + i%2}
		if ok, err := f.svc.Answer(context.Background(), inbox.ChannelWhatsApp, conv.Address, a); err != nil || !ok {
			b.Fatalf("Answer = %v, %v", ok, err)
		}
	}
	b.StopTimer()
	c.Report(b, *units)
}
