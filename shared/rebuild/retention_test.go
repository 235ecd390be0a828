package rebuild

import (
	"context"
	"maps"
	"reflect"
	"testing"
	"time"

	"github.com/switchboard-inbox/switchboard/shared/inbox"
)

func day(month time.Month, d int) time.Time { return time.Date(2026, month, d, 12, 0, 0, 0, time.UTC) }

// wrote is a conversation of customer opened by their message at t.
func wrote(customer, id string, t time.Time) Conversation {
	c := open(id, customerMessage(t))
	c.Conversation.CustomerID = customer
	return c
}

// withRating adds the customer's answer, given at t.
func withRating(c Conversation, score int, t time.Time) Conversation {
	c.Ratings = append(c.Ratings, inbox.Rating{Status: inbox.RatingRated, Score: score, RatedAt: t, Day: inbox.Day(t, time.UTC)})
	return c
}

func TestRecountRetention(t *testing.T) {
	src := fakeSource{
		customers: []inbox.Customer{{ID: "E"}},
		conversations: []Conversation{
			withRating(wrote("A", "a1", day(10, 5)), 5, day(10, 10)),
			withRating(wrote("A", "a2", day(11, 3)), 2, day(11, 25)),
			wrote("A", "a3", day(11, 20)),
			// B's rating comes as October ends: unrated for October.
			withRating(wrote("B", "b1", day(10, 7)), 3, time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)),
			wrote("C", "c1", day(11, 15)),
			wrote("D", "d1", day(9, 1)),
		},
	}
	res, err := Recount(context.Background(), src, Options{})
	if err != nil {
		t.Fatalf("Recount: %v", err)
	}

	wantPeriods := map[string]map[string]int64{
		"2026-09": {"active": 1, "new": 1},
		"2026-10": {"active": 2, "new": 2, "prevRatednone": 1},
		"2026-11": {"active": 2, "new": 1, "retained": 1, "repeat": 1,
			"prevRated45": 1, "retainedRated45": 1, "prevRatednone": 1},
		"2026-12": {"prevRated12": 1, "prevRatednone": 1},
		"2026-Q3": {"active": 1, "new": 1},
		"2026-Q4": {"active": 3, "new": 3, "repeat": 1, "prevRatednone": 1},
		"2027-Q1": {"prevRated12": 1, "prevRated3": 1, "prevRatednone": 1},
	}
	gotPeriods := map[string]map[string]int64{}
	for _, s := range res.Periods {
		if s.Dimension != inbox.DimensionAll || s.Value != "" {
			t.Errorf("period row %s is on %s:%s; want all", s.Day, s.Dimension, s.Value)
		}
		gotPeriods[s.Day] = s.Counters
	}
	for p, want := range wantPeriods {
		if !maps.Equal(gotPeriods[p], want) {
			t.Errorf("period %s = %v; want %v", p, gotPeriods[p], want)
		}
	}
	for p := range gotPeriods {
		if _, ok := wantPeriods[p]; !ok {
			t.Errorf("unexpected period row %s = %v", p, gotPeriods[p])
		}
	}

	wantMarkers := []inbox.ActivityMarker{
		{CustomerID: "A", Period: "2026-10", Conversations: []string{"a1"}, Segment: inbox.SegmentSatisfied},
		{CustomerID: "A", Period: "2026-11", Conversations: []string{"a2", "a3"}, Segment: inbox.SegmentUnsatisfied},
		{CustomerID: "A", Period: "2026-Q4", Conversations: []string{"a1", "a2", "a3"}, Segment: inbox.SegmentUnsatisfied},
		{CustomerID: "B", Period: "2026-10", Conversations: []string{"b1"}, Segment: inbox.SegmentUnrated},
		{CustomerID: "B", Period: "2026-Q4", Conversations: []string{"b1"}, Segment: inbox.SegmentNeutral},
		{CustomerID: "C", Period: "2026-11", Conversations: []string{"c1"}, Segment: inbox.SegmentUnrated},
		{CustomerID: "C", Period: "2026-Q4", Conversations: []string{"c1"}, Segment: inbox.SegmentUnrated},
		{CustomerID: "D", Period: "2026-09", Conversations: []string{"d1"}, Segment: inbox.SegmentUnrated},
		{CustomerID: "D", Period: "2026-Q3", Conversations: []string{"d1"}, Segment: inbox.SegmentUnrated},
	}
	if !reflect.DeepEqual(res.Markers, wantMarkers) {
		t.Errorf("Markers =\n%v\nwant\n%v", res.Markers, wantMarkers)
	}
}

func TestRecountPeriodsInTheTeamsZone(t *testing.T) {
	// 23:30 UTC on 30 September is already October in Paris in winter
	// time's fixed stand-in.
	lateSeptember := time.Date(2026, 9, 30, 23, 30, 0, 0, time.UTC)
	res, err := Recount(context.Background(), fakeSource{conversations: []Conversation{wrote("A", "a1", lateSeptember)}},
		Options{Location: time.FixedZone("CET", 3600)})
	if err != nil {
		t.Fatalf("Recount: %v", err)
	}
	var got []string
	for _, m := range res.Markers {
		got = append(got, m.Period)
	}
	if want := []string{"2026-10", "2026-Q4"}; !reflect.DeepEqual(got, want) {
		t.Errorf("marker periods = %v; want %v", got, want)
	}
}

func TestRecountContacts(t *testing.T) {
	// A's first conversation: opened on 1 October, resolved, reopened by
	// A on the 11th, resolved, reopened by an agent on the 20th (A writes
	// on the 21st: not a contact). A second one opens on 1 November.
	first := wrote("A", "a1", day(10, 1))
	first.Messages = append(first.Messages, customerMessage(day(10, 11)), customerMessage(day(10, 21)))
	first.Conversation.ReopenCount, first.Conversation.ReopenedAt = 2, day(10, 20)
	first.Interactions = []inbox.Interaction{
		{Number: 0, Start: day(10, 1), ResolvedAt: day(10, 2)},
		{Number: 1, Start: day(10, 11), ResolvedAt: day(10, 12)},
	}
	// B's conversation was started by an agent: no customer message at
	// its opening.
	byAgent := wrote("B", "b1", day(10, 1))
	byAgent.Messages = []inbox.Message{agentReply(day(10, 1), "U1"), customerMessage(day(10, 2))}

	src := fakeSource{
		customers:     []inbox.Customer{{ID: "A"}, {ID: "B"}, {ID: "E"}},
		conversations: []Conversation{first, wrote("A", "a2", day(11, 1)), byAgent},
	}
	res, err := Recount(context.Background(), src, Options{})
	if err != nil {
		t.Fatalf("Recount: %v", err)
	}
	want := map[string]inbox.Contacts{
		"A": {First: day(10, 1), Last: day(11, 1), Count: 3},
		"B": {},
		"E": {},
	}
	if !reflect.DeepEqual(res.Contacts, want) {
		t.Errorf("Contacts = %v; want %v", res.Contacts, want)
	}
}
