package rebuild

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/switchboard-inbox/switchboard/shared/inbox"
)

// monday is 2026-11-02 09:00 UTC, a Monday.
var monday = time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)

func at(d time.Duration) time.Time { return monday.Add(d) }

func customerMessage(t time.Time) inbox.Message {
	return inbox.Message{Direction: inbox.DirectionIn, Author: inbox.AuthorCustomer, Kind: inbox.KindPublic, CreatedAt: t}
}

func agentReply(t time.Time, agentID string) inbox.Message {
	return inbox.Message{
		Direction: inbox.DirectionOut, Author: inbox.AuthorAgent, Kind: inbox.KindPublic,
		Delivery: inbox.DeliverySent, AgentID: agentID, AgentName: "Agent " + agentID, CreatedAt: t,
	}
}

// open returns an open chat conversation of customer C1, opened by its
// first message.
func open(id string, msgs ...inbox.Message) Conversation {
	return Conversation{
		Conversation: inbox.Conversation{
			ID: id, CustomerID: "C1", Channel: inbox.ChannelChat, Status: inbox.StatusOpen,
			OpenedAt: msgs[0].CreatedAt,
		},
		Messages: msgs,
	}
}

type fakeSource struct {
	customers     []inbox.Customer
	conversations []Conversation
	tokens        []inbox.Stat
	err           error
}

func (f fakeSource) Customers(_ context.Context, fn func(inbox.Customer) error) error {
	for _, c := range f.customers {
		if err := fn(c); err != nil {
			return err
		}
	}
	return nil
}

func (f fakeSource) Conversations(_ context.Context, fn func(Conversation) error) error {
	for _, c := range f.conversations {
		if err := fn(c); err != nil {
			return err
		}
	}
	return f.err
}

func (f fakeSource) TokenStats(context.Context) ([]inbox.Stat, error) { return f.tokens, nil }

// flatten names each counter "day dimension:value counter", keeping only
// the counters named.
func flatten(stats []inbox.Stat, counters []string) map[string]int64 {
	out := map[string]int64{}
	for _, s := range stats {
		for name, n := range s.Counters {
			if slices.Contains(counters, name) {
				out[fmt.Sprintf("%s %s:%s %s", s.Day, s.Dimension, s.Value, name)] = n
			}
		}
	}
	return out
}

func TestRecountDays(t *testing.T) {
	businessHours, err := inbox.ParseBusinessHours("Mon-Fri 09:00-17:00", time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	note := agentReply(at(2*time.Minute), "U1")
	note.Kind = inbox.KindNote
	bot := agentReply(at(3*time.Minute), "")
	bot.Author = inbox.AuthorBot
	failed := agentReply(at(4*time.Minute), "U1")
	failed.Delivery = inbox.DeliveryFailed

	resolvedThenReopened := open("A",
		customerMessage(at(0)),
		agentReply(at(90*time.Minute), "U1"), // after the resolution: no interaction's
		customerMessage(at(2*time.Hour)),
		agentReply(at(2*time.Hour+30*time.Minute), "U2"))
	resolvedThenReopened.Conversation.ReopenCount = 1
	resolvedThenReopened.Conversation.ReopenedAt = at(2 * time.Hour)
	resolvedThenReopened.Interactions = []inbox.Interaction{{
		Number: 0, Start: at(0), ResolvedAt: at(time.Hour), Category: "billing", AgentID: "U1", AgentName: "Agent U1",
	}}

	triaged := open("A", customerMessage(at(0)))
	triaged.Conversation.Triage = &inbox.Triage{Category: "billing", Priority: inbox.PriorityHigh}

	friday := time.Date(2026, 11, 6, 16, 0, 0, 0, time.UTC)
	overWeekend := open("A", customerMessage(friday), agentReply(friday.Add(66*time.Hour), "U1"))

	rated := func(status inbox.RatingStatus, score int) inbox.Rating {
		return inbox.Rating{
			Status: status, Score: score, Day: "2026-11-02", Channel: inbox.ChannelChat, Category: "billing",
			Agents: []inbox.Agent{{ID: "U1", Name: "Agent U1"}}, RatedAt: at(time.Hour),
		}
	}
	withRatings := open("A", customerMessage(at(0)))
	withRatings.Ratings = []inbox.Rating{
		rated(inbox.RatingRequested, 0), rated(inbox.RatingRated, 5), rated(inbox.RatingRated, 2),
		rated(inbox.RatingSkipped, 0), rated(inbox.RatingUndelivered, 0),
	}

	late := time.Date(2026, 11, 2, 23, 30, 0, 0, time.UTC)
	frtBucket := inbox.TimingFirstResponse.BucketName(inbox.BucketOf(10 * time.Minute))

	tests := []struct {
		name          string
		opt           Options
		conversations []Conversation
		tokens        []inbox.Stat
		counters      []string
		want          map[string]int64
	}{{
		name: "volume counts delivered public agent replies only",
		conversations: []Conversation{func() Conversation {
			c := open("A", customerMessage(at(0)), note, bot, failed, agentReply(at(10*time.Minute), "U1"), customerMessage(at(20*time.Minute)))
			c.Conversation.Triage = &inbox.Triage{Category: "billing"}
			return c
		}()},
		counters: []string{inbox.CounterOpened, inbox.CounterMessagesIn, inbox.CounterMessagesOut},
		want: map[string]int64{
			"2026-11-02 all: opened": 1, "2026-11-02 channel:chat opened": 1,
			"2026-11-02 all: messagesIn": 2, "2026-11-02 channel:chat messagesIn": 2,
			"2026-11-02 all: messagesOut": 1, "2026-11-02 channel:chat messagesOut": 1,
			"2026-11-02 category:billing messagesOut": 1, "2026-11-02 agent:U1 messagesOut": 1,
		},
	}, {
		name: "first response and reply time, credited to the replier",
		conversations: []Conversation{open("A",
			customerMessage(at(0)), customerMessage(at(5*time.Minute)), agentReply(at(10*time.Minute), "U1"),
			customerMessage(at(20*time.Minute)), agentReply(at(50*time.Minute), "U2"))},
		counters: []string{"frtN", "frtSum", frtBucket, "rtN", "rtSum"},
		want: map[string]int64{
			"2026-11-02 all: frtN": 1, "2026-11-02 channel:chat frtN": 1, "2026-11-02 agent:U1 frtN": 1,
			"2026-11-02 all: frtSum": 600, "2026-11-02 channel:chat frtSum": 600, "2026-11-02 agent:U1 frtSum": 600,
			"2026-11-02 all: " + frtBucket: 1, "2026-11-02 channel:chat " + frtBucket: 1, "2026-11-02 agent:U1 " + frtBucket: 1,
			"2026-11-02 all: rtN": 3, "2026-11-02 channel:chat rtN": 3, "2026-11-02 agent:U1 rtN": 2, "2026-11-02 agent:U2 rtN": 1,
			"2026-11-02 all: rtSum": 2700, "2026-11-02 channel:chat rtSum": 2700,
			"2026-11-02 agent:U1 rtSum": 900, "2026-11-02 agent:U2 rtSum": 1800,
		},
	}, {
		name:          "a reply at the same second counts with a zero sum left out",
		conversations: []Conversation{open("A", customerMessage(at(0)), agentReply(at(0), "U1"))},
		counters:      []string{"frtN", "frtSum"},
		want: map[string]int64{
			"2026-11-02 all: frtN": 1, "2026-11-02 channel:chat frtN": 1, "2026-11-02 agent:U1 frtN": 1,
		},
	}, {
		name:          "a message left unanswered at a resolution is never sampled",
		conversations: []Conversation{resolvedThenReopened},
		counters: []string{"frtN", "frtSum", "rtN", inbox.CounterMessagesOut, inbox.CounterReopened,
			inbox.CounterResolved, "resN", "resSum"},
		want: map[string]int64{
			"2026-11-02 all: frtN": 1, "2026-11-02 channel:chat frtN": 1, "2026-11-02 agent:U2 frtN": 1,
			"2026-11-02 all: frtSum": 1800, "2026-11-02 channel:chat frtSum": 1800, "2026-11-02 agent:U2 frtSum": 1800,
			"2026-11-02 all: rtN": 1, "2026-11-02 channel:chat rtN": 1, "2026-11-02 agent:U2 rtN": 1,
			"2026-11-02 all: messagesOut": 2, "2026-11-02 channel:chat messagesOut": 2,
			"2026-11-02 agent:U1 messagesOut": 1, "2026-11-02 agent:U2 messagesOut": 1,
			"2026-11-02 all: reopened": 1, "2026-11-02 channel:chat reopened": 1,
			"2026-11-02 all: resolved": 1, "2026-11-02 channel:chat resolved": 1,
			"2026-11-02 category:billing resolved": 1, "2026-11-02 agent:U1 resolved": 1,
			"2026-11-02 all: resN": 1, "2026-11-02 channel:chat resN": 1,
			"2026-11-02 category:billing resN": 1, "2026-11-02 agent:U1 resN": 1,
			"2026-11-02 all: resSum": 3600, "2026-11-02 channel:chat resSum": 3600,
			"2026-11-02 category:billing resSum": 3600, "2026-11-02 agent:U1 resSum": 3600,
		},
	}, {
		name:          "business hours skip the weekend",
		opt:           Options{Hours: businessHours},
		conversations: []Conversation{overWeekend},
		counters:      []string{"frtSum", "frtBhSum", "rtBhSum"},
		want: map[string]int64{
			"2026-11-09 all: frtSum": 66 * 3600, "2026-11-09 channel:chat frtSum": 66 * 3600, "2026-11-09 agent:U1 frtSum": 66 * 3600,
			"2026-11-09 all: frtBhSum": 7200, "2026-11-09 channel:chat frtBhSum": 7200, "2026-11-09 agent:U1 frtBhSum": 7200,
			"2026-11-09 all: rtBhSum": 7200, "2026-11-09 channel:chat rtBhSum": 7200, "2026-11-09 agent:U1 rtBhSum": 7200,
		},
	}, {
		name:          "without business hours no business counters",
		conversations: []Conversation{overWeekend},
		counters:      []string{"frtBhSum", "rtBhSum"},
		want:          map[string]int64{},
	}, {
		name:          "days are the team's",
		opt:           Options{Location: time.FixedZone("CET", 3600)},
		conversations: []Conversation{open("A", customerMessage(late))},
		counters:      []string{inbox.CounterOpened, inbox.CounterMessagesIn},
		want: map[string]int64{
			"2026-11-03 all: opened": 1, "2026-11-03 channel:chat opened": 1,
			"2026-11-03 all: messagesIn": 1, "2026-11-03 channel:chat messagesIn": 1,
		},
	}, {
		name:          "csat counts each rating by its status on its day",
		conversations: []Conversation{withRatings},
		counters: []string{inbox.CounterCSATRequests, inbox.CounterCSATRatings, inbox.CounterCSATSkipped,
			inbox.CounterCSATUndelivered, inbox.CounterCSATScore(2), inbox.CounterCSATScore(5)},
		want: func() map[string]int64 {
			want := map[string]int64{}
			for _, row := range []string{"all:", "channel:chat", "category:billing", "agent:U1"} {
				want["2026-11-02 "+row+" csatRequests"] = 3
				want["2026-11-02 "+row+" csatRatings"] = 2
				want["2026-11-02 "+row+" csatScore2"] = 1
				want["2026-11-02 "+row+" csatScore5"] = 1
				want["2026-11-02 "+row+" csatSkipped"] = 1
				want["2026-11-02 "+row+" csatUndelivered"] = 1
			}
			return want
		}(),
	}, {
		name:          "triage by current category and priority on the opening day",
		conversations: []Conversation{triaged, open("B", customerMessage(at(0)))},
		counters:      []string{inbox.CounterTriaged},
		want: map[string]int64{
			"2026-11-02 all: triaged": 1, "2026-11-02 category:billing triaged": 1, "2026-11-02 priority:high triaged": 1,
		},
	}, {
		name: "token counters are kept, anything else on their rows recounted",
		tokens: []inbox.Stat{{Day: "2026-10-01", Dimension: inbox.DimensionAll, Counters: map[string]int64{
			inbox.CounterTriageCalls: 2, inbox.CounterPromptTokens: 900, inbox.CounterCompletionTokens: 0, inbox.CounterOpened: 7,
		}}},
		counters: []string{inbox.CounterTriageCalls, inbox.CounterPromptTokens, inbox.CounterCompletionTokens, inbox.CounterOpened},
		want:     map[string]int64{"2026-10-01 all: triageCalls": 2, "2026-10-01 all: promptTokens": 900},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := Recount(context.Background(), fakeSource{conversations: tt.conversations, tokens: tt.tokens}, tt.opt)
			if err != nil {
				t.Fatalf("Recount: %v", err)
			}
			got := flatten(res.Days, tt.counters)
			for _, key := range slices.Sorted(maps.Keys(got)) {
				if got[key] != tt.want[key] {
					t.Errorf("%s = %d; want %d", key, got[key], tt.want[key])
				}
			}
			for _, key := range slices.Sorted(maps.Keys(tt.want)) {
				if _, ok := got[key]; !ok {
					t.Errorf("%s missing; want %d", key, tt.want[key])
				}
			}
		})
	}
}

func TestRecountRowsHaveNoZeros(t *testing.T) {
	res, err := Recount(context.Background(), fakeSource{
		conversations: []Conversation{open("A", customerMessage(at(0)), agentReply(at(0), "U1"))},
		tokens:        []inbox.Stat{{Day: "2026-10-01", Dimension: inbox.DimensionAll, Counters: map[string]int64{inbox.CounterPromptTokens: 0}}},
	}, Options{})
	if err != nil {
		t.Fatalf("Recount: %v", err)
	}
	for _, s := range slices.Concat(res.Days, res.Totals, res.Periods) {
		if len(s.Counters) == 0 {
			t.Errorf("row %s %s:%s has no counters", s.Day, s.Dimension, s.Value)
		}
		for name, n := range s.Counters {
			if n == 0 {
				t.Errorf("row %s %s:%s holds %s = 0", s.Day, s.Dimension, s.Value, name)
			}
		}
	}
}

func TestRecountOpenGauge(t *testing.T) {
	resolved := open("B", customerMessage(at(0)))
	resolved.Conversation.Status = inbox.StatusResolved
	pending := open("C", customerMessage(at(0)))
	pending.Conversation.Status, pending.Conversation.Channel = inbox.StatusPending, inbox.ChannelEmail

	res, err := Recount(context.Background(), fakeSource{conversations: []Conversation{open("A", customerMessage(at(0))), resolved, pending}}, Options{})
	if err != nil {
		t.Fatalf("Recount: %v", err)
	}
	got := flatten(res.Totals, []string{inbox.CounterOpen})
	want := map[string]int64{" all: open": 2, " channel:chat open": 1, " channel:email open": 1}
	if !maps.Equal(got, want) {
		t.Errorf("Totals = %v; want %v", got, want)
	}
}

func TestRecountAgentNameIsTheLatest(t *testing.T) {
	early := agentReply(at(-24*time.Hour), "U1")
	early.AgentName = "Ana"
	renamed := open("A", customerMessage(at(0)), agentReply(at(time.Minute), "U1"))
	renamed.Conversation.Status = inbox.StatusResolved
	renamed.Interactions = []inbox.Interaction{{Number: 0, Start: at(0), ResolvedAt: at(time.Hour), AgentID: "U1", AgentName: "Ana Lima"}}

	res, err := Recount(context.Background(), fakeSource{conversations: []Conversation{
		renamed, open("B", customerMessage(at(-25*time.Hour)), early),
	}}, Options{})
	if err != nil {
		t.Fatalf("Recount: %v", err)
	}
	agentRows := 0
	for _, s := range res.Days {
		if s.Dimension == inbox.DimensionAgent {
			agentRows++
			if s.Name != "Ana Lima" {
				t.Errorf("row %s agent:%s Name = %q; want %q", s.Day, s.Value, s.Name, "Ana Lima")
			}
		}
	}
	if agentRows != 2 {
		t.Errorf("agent rows = %d; want 2 (one a day)", agentRows)
	}
}
