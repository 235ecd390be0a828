package store_test

import (
	"context"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/switchboard-inbox/switchboard/infra/ddbtest"
	"github.com/switchboard-inbox/switchboard/shared/inbox"
	"github.com/switchboard-inbox/switchboard/shared/rebuild"
	"github.com/switchboard-inbox/switchboard/shared/store"
)

// counterStory plays one customer's conversation through the event
// writers, every event twice where a retry can repeat it: two messages,
// a reply that answers both, a triage and its second opinion, a
// resolution, and a reopening by a new message.
func counterStory(t *testing.T, s *store.Store) string {
	t.Helper()
	ctx := context.Background()
	first := firstMessage("counter-visitor", "c1", t0)
	must(t, s.SaveInbound(ctx, first))
	convID := first.Conversation.ID
	ident, latest, _ := s.Identity(ctx, inbox.ChannelChat, "counter-visitor")
	second := inboundMessage(convID, "c2", t0.Add(time.Minute))
	must(t, s.SaveInbound(ctx, inbox.InboundWrite{Placement: inbox.Join, Identity: ident, Latest: latest, Message: second, DedupeKey: "chat#c2"}))
	for range 2 {
		must(t, s.RecordActivity(ctx, convID, first.Message))
		must(t, s.RecordActivity(ctx, convID, second))
	}
	must(t, s.SetTriage(ctx, convID, inbox.Triage{Category: "billing", Priority: inbox.PriorityNormal, Source: inbox.TriageByRules}))
	must(t, s.SetTriage(ctx, convID, inbox.Triage{Category: "refund", Priority: inbox.PriorityHigh, Source: inbox.TriageByModel, PromptTokens: 100, CompletionTokens: 20}))

	at := t0.Add(5 * time.Minute)
	reply := inbox.Message{ID: inbox.NewID(at), ConversationID: convID, Direction: inbox.DirectionOut,
		Author: inbox.AuthorAgent, Kind: inbox.KindPublic, Text: "on it", AgentID: "U1", AgentName: "Alex",
		CreatedAt: at, Delivery: inbox.DeliveryQueued}
	must(t, s.SaveOutbound(ctx, reply, "slack#counter-reply"))
	must(t, s.SetSent(ctx, inbox.ChannelChat, convID, reply.ID, inbox.Sent{ExternalID: reply.ID}))
	for range 2 {
		must(t, s.Answered(ctx, convID, reply))
	}
	must(t, s.Resolve(ctx, convID, t0.Add(time.Hour), inbox.Agent{ID: "U2", Name: "Sam"}))

	_, latest, _ = s.Identity(ctx, inbox.ChannelChat, "counter-visitor")
	back := inboundMessage(convID, "c3", t0.Add(48*time.Hour))
	must(t, s.SaveInbound(ctx, inbox.InboundWrite{Placement: inbox.Reopen, Identity: ident, Latest: latest, Message: back, DedupeKey: "chat#c3"}))
	must(t, s.RecordActivity(ctx, convID, back))
	return convID
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestEventsCountOnceOnTheirRows(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	s.Now = func() time.Time { return t0 }
	counterStory(t, s)

	day := map[string]map[string]int64{}
	stats, err := s.Stats(ctx, "2026-11-23", "2026-11-25")
	must(t, err)
	for _, st := range stats {
		day[st.Day+" "+st.Dimension+"#"+st.Value] = st.Counters
	}
	frt, rt, res := inbox.TimingFirstResponse, inbox.TimingReply, inbox.TimingResolution
	tests := []struct {
		row, counter string
		want         int64
	}{
		{"2026-11-23 all#", inbox.CounterOpened, 1},
		{"2026-11-23 channel#chat", inbox.CounterMessagesIn, 2},
		{"2026-11-23 all#", inbox.CounterMessagesOut, 1},
		{"2026-11-23 agent#U1", inbox.CounterMessagesOut, 1},
		{"2026-11-23 category#refund", inbox.CounterMessagesOut, 1},
		{"2026-11-23 all#", frt.CountName(), 1},
		{"2026-11-23 all#", frt.SumName(), 300},
		{"2026-11-23 all#", frt.BucketName(inbox.BucketOf(5 * time.Minute)), 1},
		{"2026-11-23 agent#U1", rt.CountName(), 2},
		{"2026-11-23 agent#U1", rt.SumName(), 300 + 240},
		{"2026-11-23 agent#U2", inbox.CounterResolved, 1},
		{"2026-11-23 category#refund", res.SumName(), 3600},
		{"2026-11-23 all#", inbox.CounterTriaged, 1},
		{"2026-11-23 category#billing", inbox.CounterTriaged, 0},
		{"2026-11-23 category#refund", inbox.CounterTriaged, 1},
		{"2026-11-23 priority#high", inbox.CounterTriaged, 1},
		{"2026-11-23 all#", inbox.CounterPromptTokens, 100},
		{"2026-11-25 channel#chat", inbox.CounterReopened, 1},
		{"2026-11-25 all#", inbox.CounterMessagesIn, 1},
	}
	for _, tc := range tests {
		if got := day[tc.row][tc.counter]; got != tc.want {
			t.Errorf("%s %s = %d; want %d", tc.row, tc.counter, got, tc.want)
		}
	}

	totals, err := s.Totals(ctx)
	must(t, err)
	for _, st := range totals {
		if st.Counters[inbox.CounterOpen] != 1 {
			t.Errorf("open gauge %s#%s = %d; want 1 (reopened)", st.Dimension, st.Value, st.Counters[inbox.CounterOpen])
		}
	}
	periods, err := s.PeriodStats(ctx, "2026-11", "2026-12")
	must(t, err)
	want := map[string]map[string]int64{
		"2026-11": {inbox.CounterActive: 1, inbox.CounterNew: 1},
		"2026-12": {inbox.CounterPreviousBySegment(inbox.SegmentUnrated): 1},
	}
	got := map[string]map[string]int64{}
	for _, st := range periods {
		got[st.Day] = st.Counters
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("month rows = %v; want %v", got, want)
	}
	dormant, err := s.Dormant(ctx, time.Time{}, t0.AddDate(1, 0, 0), 10)
	must(t, err)
	if len(dormant) != 1 || dormant[0].UsualInterval != 48*time.Hour || !dormant[0].DormantSince.Equal(t0.Add(96*time.Hour)) {
		t.Errorf("Dormant = %+v; want the customer, every 2 days, dormant 2 days after the reopening", dormant)
	}
}

// The rebuild recounts from what is stored; after a story told through
// the event writers it must find the very counters they kept.
func TestRebuildFindsTheIncrementalCounters(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	s.Now = func() time.Time { return t0 }
	counterStory(t, s)
	before := allCounters(t, s)
	if _, err := (rebuild.Job{Source: s, Sink: s, Options: rebuild.Options{Location: time.UTC}}).Run(ctx); err != nil {
		t.Fatal(err)
	}
	after := allCounters(t, s)
	if !reflect.DeepEqual(before, after) {
		t.Errorf("rebuilt counters differ:\nincremental %v\nrebuilt     %v", before, after)
	}
}

func allCounters(t *testing.T, s *store.Store) map[string]map[string]int64 {
	t.Helper()
	ctx := context.Background()
	rows := map[string]map[string]int64{}
	keep := func(prefix string, stats []inbox.Stat, err error) {
		must(t, err)
		for _, st := range stats {
			counters := map[string]int64{}
			for k, v := range st.Counters {
				if v != 0 {
					counters[k] = v
				}
			}
			if len(counters) > 0 {
				rows[prefix+st.Day+" "+st.Dimension+"#"+st.Value] = counters
			}
		}
	}
	stats, err := s.Stats(ctx, "2026-11-01", "2026-12-31")
	keep("day ", stats, err)
	totals, err := s.Totals(ctx)
	keep("total ", totals, err)
	months, err := s.PeriodStats(ctx, "2026-10", "2027-01")
	keep("period ", months, err)
	quarters, err := s.PeriodStats(ctx, "2026-Q3", "2027-Q1")
	keep("period ", quarters, err)
	return rows
}

// A reply written before the resolution and delivered after it still
// answers the interaction's messages, as the rebuild counts it.
func TestReplyDeliveredAfterTheResolution(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	first := firstMessage("late-reply-visitor", "l1", t0)
	must(t, s.SaveInbound(ctx, first))
	convID := first.Conversation.ID
	must(t, s.RecordActivity(ctx, convID, first.Message))
	at := t0.Add(10 * time.Minute)
	reply := inbox.Message{ID: inbox.NewID(at), ConversationID: convID, Direction: inbox.DirectionOut,
		Author: inbox.AuthorAgent, Kind: inbox.KindPublic, Text: "done", AgentID: "U1", AgentName: "Alex",
		CreatedAt: at, Delivery: inbox.DeliveryQueued}
	must(t, s.SaveOutbound(ctx, reply, "slack#late-reply"))
	must(t, s.Resolve(ctx, convID, at.Add(time.Second), inbox.Agent{ID: "U1", Name: "Alex"}))
	must(t, s.SetSent(ctx, inbox.ChannelChat, convID, reply.ID, inbox.Sent{ExternalID: reply.ID}))
	must(t, s.Answered(ctx, convID, reply))

	stats, err := s.Stats(ctx, "2026-11-23", "2026-11-23")
	must(t, err)
	for _, st := range stats {
		if st.Dimension == inbox.DimensionAll && st.Counters[inbox.TimingFirstResponse.SumName()] != 600 {
			t.Errorf("first response sum = %d; want 600 s", st.Counters[inbox.TimingFirstResponse.SumName()])
		}
	}
	before := allCounters(t, s)
	if _, err := (rebuild.Job{Source: s, Sink: s, Options: rebuild.Options{Location: time.UTC}}).Run(ctx); err != nil {
		t.Fatal(err)
	}
	if after := allCounters(t, s); !reflect.DeepEqual(before, after) {
		t.Errorf("rebuilt counters differ:\nincremental %v\nrebuilt     %v", before, after)
	}
}

// BenchmarkAnswered prices the counting of a delivered reply that answers
// two customer messages: a consistent read of the conversation and one
// transaction (the reply's mark, the conversation, four day rows).
func BenchmarkAnswered(b *testing.B) {
	ctx := context.Background()
	db, table := ddbtest.Table(b)
	c := ddbtest.NewCounter(db)
	s := store.New(c, table)
	var units float64
	s.OnCapacity = func(_ string, u float64) { units += u }
	type pending struct {
		convID string
		reply  inbox.Message
	}
	work := make([]pending, b.N)
	for i := range work {
		at := t0.Add(time.Duration(i) * time.Second)
		first := firstMessage(fmt.Sprintf("bench-answered-%d", i), fmt.Sprintf("ba%d-%d", b.N, i), at)
		if err := s.SaveInbound(ctx, first); err != nil {
			b.Fatal(err)
		}
		ident, latest, _ := s.Identity(ctx, inbox.ChannelChat, first.Conversation.Address)
		second := inboundMessage(first.Conversation.ID, fmt.Sprintf("bb%d-%d", b.N, i), at.Add(time.Minute))
		if err := s.SaveInbound(ctx, inbox.InboundWrite{Placement: inbox.Join, Identity: ident, Latest: latest, Message: second, DedupeKey: "chat#" + second.ExternalID}); err != nil {
			b.Fatal(err)
		}
		reply := inbox.Message{ID: inbox.NewID(at), ConversationID: first.Conversation.ID, Direction: inbox.DirectionOut,
			Author: inbox.AuthorAgent, Kind: inbox.KindPublic, Text: "on it", AgentID: "U1", AgentName: "Alex",
			CreatedAt: at.Add(5 * time.Minute), Delivery: inbox.DeliveryQueued}
		if err := s.SaveOutbound(ctx, reply, "slack#"+reply.ID); err != nil {
			b.Fatal(err)
		}
		work[i] = pending{first.Conversation.ID, reply}
	}
	c.Reset()
	units = 0
	b.ReportAllocs()
	b.ResetTimer()
	for _, w := range work {
		if err := s.Answered(ctx, w.convID, w.reply); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	c.Report(b, units)
}

// A flood of unanswered messages is stored whole; only the times kept for
// reply-time samples stop at maxWaitingTimes, so the conversation stays small.
func TestUnansweredFloodKeepsTheConversationSmall(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	first := firstMessage("flood-visitor", "fl0", t0)
	must(t, s.SaveInbound(ctx, first))
	ident, latest, _ := s.Identity(ctx, inbox.ChannelChat, "flood-visitor")
	for i := 1; i <= 30; i++ {
		m := inboundMessage(first.Conversation.ID, fmt.Sprintf("fl%d", i), t0.Add(time.Duration(i)*time.Second))
		must(t, s.SaveInbound(ctx, inbox.InboundWrite{Placement: inbox.Join, Identity: ident, Latest: latest, Message: m, DedupeKey: "chat#" + m.ExternalID}))
	}
	msgs, err := s.Messages(ctx, first.Conversation.ID, "")
	must(t, err)
	if len(msgs) != 31 {
		t.Fatalf("%d messages stored; want all 31", len(msgs))
	}
	at := t0.Add(time.Hour)
	reply := inbox.Message{ID: inbox.NewID(at), ConversationID: first.Conversation.ID, Direction: inbox.DirectionOut,
		Author: inbox.AuthorAgent, Kind: inbox.KindPublic, Text: "sorry", AgentID: "U1", CreatedAt: at, Delivery: inbox.DeliveryQueued}
	must(t, s.SaveOutbound(ctx, reply, "slack#flood-reply"))
	must(t, s.Answered(ctx, first.Conversation.ID, reply))
	stats, err := s.Stats(ctx, "2026-11-23", "2026-11-23")
	must(t, err)
	for _, st := range stats {
		if st.Dimension == inbox.DimensionAll && st.Counters[inbox.TimingReply.CountName()] != 25 {
			t.Errorf("reply-time samples = %d; want the 25 kept", st.Counters[inbox.TimingReply.CountName()])
		}
	}
}
