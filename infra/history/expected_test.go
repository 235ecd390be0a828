package history

import (
	"reflect"
	"testing"
	"time"

	"github.com/switchboard-inbox/switchboard/shared/inbox"
)

// at reads a UTC time "2026-03-02 18:00".
func at(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse("2006-01-02 15:04:05", s)
	if err != nil {
		v, err = time.Parse("2006-01-02 15:04", s)
	}
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// tiny is a hand-made history whose figures are worked out by hand in the
// test below. 2026-03-02 is a Monday; the team works Mon-Fri 09:00-17:00
// UTC.
//
//	Ana (chat), conversation 0: writes Monday evening twice, triaged
//	billing then (by a model, 500+100 tokens) shipping; Ana0 answers
//	Tuesday 09:30; Ana writes at 10:00; Ben0's first reply is never
//	delivered, his second is; Ana0 resolves at 11:00; Ana rates 2, then
//	changes to 4. Thursday she reopens it, triage makes it urgent, Ana0
//	answers and resolves: a rating request would be within 72 hours of
//	the last, so it is skipped.
//	Ben (email), conversation 1: writes on 31 March at 22:00, Ben0
//	answers 1 April 09:15; it stays open.
//	Ana, conversation 2: writes 20 April; answered, resolved by Ben0 (a
//	request, unanswered), reopened by Ana0, answered and resolved again
//	(skipped: asked the same day).
func tiny(t *testing.T) History {
	ana, ben := 0, 1
	a0, a1 := 0, 1
	rules := func(cat string, p inbox.Priority) *inbox.Triage {
		return &inbox.Triage{Category: cat, Priority: p, Source: inbox.TriageByRules}
	}
	model := &inbox.Triage{Category: "shipping", Priority: inbox.PriorityHigh, Source: inbox.TriageByModel,
		PromptTokens: 500, CompletionTokens: 100}
	events := []Event{
		{At: at(t, "2026-03-02 18:00"), Kind: CustomerMessage, Conversation: 0, Customer: ana},
		{At: at(t, "2026-03-02 18:00:02"), Kind: TriageCall, Conversation: 0, Customer: ana, Triage: rules("billing", inbox.PriorityNormal)},
		{At: at(t, "2026-03-02 18:00:20"), Kind: TriageCall, Conversation: 0, Customer: ana, Triage: model},
		{At: at(t, "2026-03-02 18:05"), Kind: CustomerMessage, Conversation: 0, Customer: ana},
		{At: at(t, "2026-03-03 09:30"), Kind: AgentReply, Conversation: 0, Customer: ana, Agent: a0, Reply: 0},
		{At: at(t, "2026-03-03 09:30:05"), Kind: Delivery, Conversation: 0, Customer: ana, Agent: a0, Reply: 0},
		{At: at(t, "2026-03-03 10:00"), Kind: CustomerMessage, Conversation: 0, Customer: ana},
		{At: at(t, "2026-03-03 10:10"), Kind: AgentReply, Conversation: 0, Customer: ana, Agent: a1, Reply: 1},
		{At: at(t, "2026-03-03 10:20"), Kind: AgentReply, Conversation: 0, Customer: ana, Agent: a1, Reply: 2},
		{At: at(t, "2026-03-03 10:20:03"), Kind: Delivery, Conversation: 0, Customer: ana, Agent: a1, Reply: 2},
		{At: at(t, "2026-03-03 11:00"), Kind: Resolve, Conversation: 0, Customer: ana, Agent: a0},
		{At: at(t, "2026-03-03 11:30"), Kind: RatingAnswer, Conversation: 0, Customer: ana, Score: 2},
		{At: at(t, "2026-03-03 11:35"), Kind: RatingAnswer, Conversation: 0, Customer: ana, Score: 4},
		{At: at(t, "2026-03-05 10:00"), Kind: CustomerMessage, Conversation: 0, Customer: ana},
		{At: at(t, "2026-03-05 10:00:02"), Kind: TriageCall, Conversation: 0, Customer: ana, Triage: rules("shipping", inbox.PriorityUrgent)},
		{At: at(t, "2026-03-05 10:30"), Kind: AgentReply, Conversation: 0, Customer: ana, Agent: a0, Reply: 3},
		{At: at(t, "2026-03-05 10:30:10"), Kind: Delivery, Conversation: 0, Customer: ana, Agent: a0, Reply: 3},
		{At: at(t, "2026-03-05 11:00"), Kind: Resolve, Conversation: 0, Customer: ana, Agent: a0},
		{At: at(t, "2026-03-31 22:00"), Kind: CustomerMessage, Conversation: 1, Customer: ben},
		{At: at(t, "2026-03-31 22:00:03"), Kind: TriageCall, Conversation: 1, Customer: ben, Triage: rules("account", inbox.PriorityLow)},
		{At: at(t, "2026-04-01 09:15"), Kind: AgentReply, Conversation: 1, Customer: ben, Agent: a1, Reply: 4},
		{At: at(t, "2026-04-01 09:15:05"), Kind: Delivery, Conversation: 1, Customer: ben, Agent: a1, Reply: 4},
		{At: at(t, "2026-04-20 10:00"), Kind: CustomerMessage, Conversation: 2, Customer: ana},
		{At: at(t, "2026-04-20 10:00:02"), Kind: TriageCall, Conversation: 2, Customer: ana, Triage: rules("billing", inbox.PriorityNormal)},
		{At: at(t, "2026-04-20 10:05"), Kind: AgentReply, Conversation: 2, Customer: ana, Agent: a0, Reply: 5},
		{At: at(t, "2026-04-20 10:05:02"), Kind: Delivery, Conversation: 2, Customer: ana, Agent: a0, Reply: 5},
		{At: at(t, "2026-04-20 10:30"), Kind: Resolve, Conversation: 2, Customer: ana, Agent: a1},
		{At: at(t, "2026-04-20 11:00"), Kind: AgentReopen, Conversation: 2, Customer: ana, Agent: a0},
		{At: at(t, "2026-04-20 11:10"), Kind: AgentReply, Conversation: 2, Customer: ana, Agent: a0, Reply: 6},
		{At: at(t, "2026-04-20 11:10:02"), Kind: Delivery, Conversation: 2, Customer: ana, Agent: a0, Reply: 6},
		{At: at(t, "2026-04-20 11:20"), Kind: Resolve, Conversation: 2, Customer: ana, Agent: a0},
	}
	return History{
		Options: Options{Start: at(t, "2026-03-01 00:00"), Months: 2, Channels: []inbox.Channel{inbox.ChannelChat, inbox.ChannelEmail}, Location: time.UTC},
		Customers: []Customer{
			{Name: "Ana", Channel: inbox.ChannelChat, Address: "visitor-1"},
			{Name: "Ben", Channel: inbox.ChannelEmail, Address: "ben@example.com"},
		},
		Agents:        agents[:2],
		Conversations: 3, Replies: 7, Events: events,
		End: at(t, "2026-05-01 00:00"), Clock: &Clock{},
	}
}

func minutes(ms ...float64) []time.Duration {
	var ds []time.Duration
	for _, m := range ms {
		ds = append(ds, time.Duration(m*float64(time.Minute)))
	}
	return ds
}

func TestExpectTinyHistory(t *testing.T) {
	hours, err := inbox.ParseBusinessHours("Mon-Fri 09:00-17:00", time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	e := Expect(tiny(t), "2026-03-01", "2026-04-30", time.UTC, hours)

	got := e.Total
	counts := []struct {
		name      string
		got, want int
	}{
		{"opened", got.Opened, 3},
		{"reopened", got.Reopened, 2},
		{"resolved", got.Resolved, 4},
		{"messages in", got.MessagesIn, 6},
		{"messages out", got.MessagesOut, 6},
		{"backlog", e.Backlog, 1},
		{"csat requests", got.CSAT.Requests, 2},
		{"csat skipped", got.CSAT.Skipped, 2},
		{"csat ratings", got.CSAT.Ratings, 1},
		{"csat 4s", got.CSAT.Scores[4], 1},
		{"csat 2s (changed to 4)", got.CSAT.Scores[2], 0},
	}
	for _, c := range counts {
		if c.got != c.want {
			t.Errorf("%s = %d; want %d", c.name, c.got, c.want)
		}
	}

	samples := []struct {
		name      string
		got, want []time.Duration
	}{
		// Monday 18:00 to Tuesday 09:30 is 30 working minutes; an agent's
		// reopening has no customer message to answer.
		{"first response", got.FirstResponse.Calendar, minutes(5, 30, 11*60+15, 15*60+30)},
		{"first response, business", got.FirstResponse.Business, minutes(5, 15, 30, 30)},
		// The undelivered reply answers nothing: the next one does.
		{"reply", got.Reply.Calendar, minutes(5, 20, 30, 11*60+15, 15*60+25, 15*60+30)},
		{"reply, business", got.Reply.Business, minutes(5, 15, 20, 30, 30, 30)},
		{"resolution", got.Resolution.Calendar, minutes(20, 30, 60, 17*60)},
		{"resolution, business", got.Resolution.Business, minutes(20, 30, 60, 120)},
	}
	for _, s := range samples {
		if !reflect.DeepEqual(s.got, s.want) {
			t.Errorf("%s samples = %v; want %v", s.name, s.got, s.want)
		}
	}

	tuesday := e.Daily[2]
	if tuesday.Day != "2026-03-03" || tuesday.Resolved != 1 || tuesday.MessagesIn != 1 || tuesday.MessagesOut != 2 ||
		tuesday.CSAT.Ratings != 1 || len(tuesday.FirstResponse.Calendar) != 1 || tuesday.Backlog != 0 {
		t.Errorf("daily[2] = %+v; want 2026-03-03: 1 resolved, 1 in, 2 out, 1 rating, 1 first response, no backlog", tuesday)
	}
	monday := e.Daily[1]
	if monday.Opened != 1 || monday.Backlog != 1 || !reflect.DeepEqual(monday.OpenedByChannel, map[inbox.Channel]int{inbox.ChannelChat: 1}) {
		t.Errorf("daily[1] = %+v; want one chat conversation opened and open", monday)
	}

	ben0 := group(t, e, inbox.DimensionAgent, agents[1].ID)
	if ben0.Name != agents[1].Name || ben0.MessagesOut != 2 || ben0.Resolved != 1 || ben0.CSAT.Requests != 1 || ben0.CSAT.Ratings != 1 {
		t.Errorf("agent group %s = %+v; want 2 out, 1 resolved, 1 request rated", agents[1].ID, ben0)
	}
	shipping := group(t, e, inbox.DimensionCategory, "shipping")
	if shipping.Resolved != 2 || shipping.MessagesOut != 3 || shipping.CSAT.Skipped != 1 {
		t.Errorf("category group shipping = %+v; want 2 resolved, 3 out, 1 skipped", shipping)
	}

	wantTriage := Triage{
		ByCategory: map[string]int{"shipping": 1, "account": 1, "billing": 1},
		ByPriority: map[string]int{"urgent": 1, "low": 1, "normal": 1},
		Tokens:     map[string]Tokens{"2026-03": {Calls: 1, Prompt: 500, Completion: 100}},
	}
	if !reflect.DeepEqual(e.Triage, wantTriage) {
		t.Errorf("triage = %+v; want %+v", e.Triage, wantTriage)
	}

	wantMonths := []Period{
		{Name: "2026-03", Active: 2, New: 2, ByLastRating: map[string]Segment{}},
		{Name: "2026-04", Previous: 2, Active: 1, Retained: 1, ByLastRating: map[string]Segment{
			inbox.SegmentSatisfied: {Previous: 1, Retained: 1}, inbox.SegmentUnrated: {Previous: 1},
		}},
	}
	if got := e.Retention[inbox.PeriodMonth]; !reflect.DeepEqual(got, wantMonths) {
		t.Errorf("months = %+v; want %+v", got, wantMonths)
	}
	if got := e.Retention[inbox.PeriodQuarter]; len(got) != 2 || got[0].Name != "2026-Q1" || got[1].Previous != 2 || got[1].Retained != 1 || got[1].Churned() != 1 {
		t.Errorf("quarters = %+v; want Q1 with 2 customers, Q2 keeping one of them", got)
	}
	if len(e.Dormant) != 0 {
		t.Errorf("dormant at the end of April = %+v; want none", e.Dormant)
	}

	// By July both are dormant: Ben 90 days after his one contact, Ana
	// after her usual interval (her three contacts, not the agent's
	// reopening, are 24 days 8 hours apart on average).
	later := Expect(tiny(t), "2026-07-01", "2026-07-01", time.UTC, hours)
	wantDormant := []inbox.DormantCustomer{
		{Name: "Ben", Channel: inbox.ChannelEmail, LastContactAt: at(t, "2026-03-31 22:00"), DormantSince: at(t, "2026-06-29 22:00")},
		{Name: "Ana", Channel: inbox.ChannelChat, LastContactAt: at(t, "2026-04-20 10:00"), UsualInterval: 24*day + 8*time.Hour,
			DormantSince: at(t, "2026-05-14 18:00"), LastCSAT: 4},
	}
	if !reflect.DeepEqual(later.Dormant, wantDormant) {
		t.Errorf("dormant on 1 July = %+v; want %+v", later.Dormant, wantDormant)
	}
}

func group(t *testing.T, e Expected, dimension, value string) Group {
	t.Helper()
	for _, g := range e.Groups[dimension] {
		if g.Value == value {
			return g
		}
	}
	t.Fatalf("no %s group %q in %+v", dimension, value, e.Groups[dimension])
	return Group{}
}

func TestQuantileTakesTheSampleOfRankCeilQN(t *testing.T) {
	samples := minutes(1, 2, 3, 4, 5, 6, 7, 8, 9, 10)
	tests := []struct {
		q    float64
		want time.Duration
	}{
		{0.5, 5 * time.Minute},
		{0.9, 9 * time.Minute},
		{0.91, 10 * time.Minute},
		{0, time.Minute},
		{1, 10 * time.Minute},
	}
	for _, tt := range tests {
		if got, ok := Quantile(samples, tt.q); !ok || got != tt.want {
			t.Errorf("Quantile(1..10 min, %v) = %v, %v; want %v", tt.q, got, ok, tt.want)
		}
	}
	if _, ok := Quantile(nil, 0.5); ok {
		t.Error("Quantile(none) is ok; want not ok")
	}
	if mean, ok := Mean(samples); !ok || mean != 330 {
		t.Errorf("Mean(1..10 min) = %v, %v; want 330 s", mean, ok)
	}
}
