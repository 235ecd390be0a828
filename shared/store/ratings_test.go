package store_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/switchboard-inbox/switchboard/infra/ddbtest"
	"github.com/switchboard-inbox/switchboard/shared/inbox"
	"github.com/switchboard-inbox/switchboard/shared/store"
)

// ratingFixture is a store with one resolved chat conversation, and the
// raw table for what the store does not read back (lastSurveyAt).
type ratingFixture struct {
	s     *store.Store
	db    *dynamodb.Client
	table string
	first inbox.InboundWrite
	// capacity sums the write capacity of each store operation.
	capacity map[string]float64
}

var resolvedAt = t0.Add(time.Hour)

func newRatingFixture(t *testing.T, address string) *ratingFixture {
	t.Helper()
	db, table := ddbtest.Table(t)
	f := &ratingFixture{s: store.New(db, table), db: db, table: table, capacity: map[string]float64{}}
	f.s.OnCapacity = func(op string, units float64) { f.capacity[op] += units }
	f.first = firstMessage(address, address+"-m1", t0)
	ctx := context.Background()
	if err := f.s.SaveInbound(ctx, f.first); err != nil {
		t.Fatal(err)
	}
	if err := f.s.Resolve(ctx, f.first.Conversation.ID, resolvedAt, inbox.Agent{ID: "U1", Name: "Alex"}); err != nil {
		t.Fatal(err)
	}
	return f
}

var ratedAgents = []inbox.Agent{{ID: "U0AGENT1", Name: "Alex"}, {ID: "U0AGENT2", Name: "Sam"}}

// request is the rating request of an interaction of the fixture's
// conversation, resolved and requested at `at`.
func (f *ratingFixture) request(interaction int, at time.Time) inbox.SurveyWrite {
	conv := f.first.Conversation
	msgID := inbox.NewID(at)
	sv := &inbox.Survey{Interaction: interaction, ReplyHint: "Responde con un número del 1 al 5.",
		Choose: "Elegir", LinkHint: "Elige una puntuación:", CommentPrompt: "¿Algo más?", Send: "Enviar", Thanks: "¡Gracias!"}
	for score := inbox.MinScore; score <= inbox.MaxScore; score++ {
		sv.Options = append(sv.Options, inbox.SurveyOption{
			Score: score, Label: fmt.Sprintf("Puntuación %d", score),
			Payload: inbox.SurveyPayload(conv.ID, interaction, score),
			URL:     fmt.Sprintf("https://support.example.com/csat/token-%d", score),
		})
	}
	return inbox.SurveyWrite{
		Rating: inbox.Rating{
			ConversationID: conv.ID, Interaction: interaction, CustomerID: conv.CustomerID,
			Channel: conv.Channel, Address: conv.Address, Category: "billing", Language: "es",
			Agents: ratedAgents, Status: inbox.RatingRequested,
			ResolvedAt: at, RequestedAt: at, Until: at.Add(7 * 24 * time.Hour),
			Day: inbox.Day(at, time.UTC), MessageID: msgID,
		},
		Message: inbox.Message{
			ID: msgID, ConversationID: conv.ID, Direction: inbox.DirectionOut, Author: inbox.AuthorBot,
			Kind: inbox.KindPublic, Text: "¿Cómo valorarías la ayuda recibida?", CreatedAt: at,
			Delivery: inbox.DeliveryQueued, Survey: sv,
		},
		NotAskedSince: at.Add(-72 * time.Hour),
		MarkPending:   true,
	}
}

// counters returns the counters of a day's rows by "dimension#value",
// and the rows' names the same way.
func (f *ratingFixture) counters(t *testing.T, day string) (map[string]map[string]int64, map[string]string) {
	t.Helper()
	stats, err := f.s.Stats(context.Background(), day, day)
	if err != nil {
		t.Fatalf("Stats(%s) = %v", day, err)
	}
	counters, names := map[string]map[string]int64{}, map[string]string{}
	for _, st := range stats {
		k := st.Dimension + "#" + st.Value
		// Only the ratings' counters: the fixture's messages and
		// resolution count on the same rows.
		for name := range st.Counters {
			if !strings.HasPrefix(name, "csat") {
				delete(st.Counters, name)
			}
		}
		if len(st.Counters) == 0 {
			continue
		}
		counters[k] = st.Counters
		if st.Name != "" {
			names[k] = st.Name
		}
	}
	return counters, names
}

// rowKeys are the counter rows of a rating of the fixture's conversation.
var rowKeys = []string{"all#", "channel#chat", "category#billing", "agent#U0AGENT1", "agent#U0AGENT2"}

// wantCounters checks one counter on every row of a rating.
func wantCounters(t *testing.T, got map[string]map[string]int64, counter string, want int64) {
	t.Helper()
	for _, k := range rowKeys {
		if got[k][counter] != want {
			t.Errorf("row %s: %s = %d; want %d", k, counter, got[k][counter], want)
		}
	}
}

func (f *ratingFixture) customerAttr(t *testing.T, customerID, name string) string {
	t.Helper()
	res, err := f.db.GetItem(context.Background(), &dynamodb.GetItemInput{
		TableName: &f.table, ConsistentRead: aws.Bool(true),
		Key: map[string]types.AttributeValue{
			"PK": &types.AttributeValueMemberS{Value: "CUST#" + customerID},
			"SK": &types.AttributeValueMemberS{Value: "CUSTOMER"},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	switch v := res.Item[name].(type) {
	case *types.AttributeValueMemberS:
		return v.Value
	case *types.AttributeValueMemberN:
		return v.Value
	}
	return ""
}

func TestCreateSurveyWritesTheRequest(t *testing.T) {
	ctx := context.Background()
	f := newRatingFixture(t, "survey-visitor")
	w := f.request(0, resolvedAt)
	if err := f.s.CreateSurvey(ctx, w); err != nil {
		t.Fatalf("CreateSurvey = %v", err)
	}
	t.Logf("CreateSurvey with %d stat rows: %.1f WCU", len(rowKeys), f.capacity["CreateSurvey"])

	got, err := f.s.Rating(ctx, w.Rating.ConversationID, 0)
	if err != nil || !reflect.DeepEqual(got, w.Rating) {
		t.Errorf("Rating = %+v, %v;\nwant %+v", got, err, w.Rating)
	}
	msgs, err := f.s.Messages(ctx, w.Rating.ConversationID, "")
	if err != nil || len(msgs) != 2 {
		t.Fatalf("Messages = %d, %v; want the customer's and the request", len(msgs), err)
	}
	if m := msgs[1]; m.ID != w.Message.ID || !reflect.DeepEqual(m.Survey, w.Message.Survey) || m.Author != inbox.AuthorBot {
		t.Errorf("request message = %+v (survey %+v);\nwant survey %+v", m, m.Survey, w.Message.Survey)
	}
	if _, thread, err := f.s.Thread(ctx, w.Rating.ConversationID); err != nil || len(thread) != 2 {
		t.Errorf("Thread = %d messages, %v; want 2, the rating item not among them", len(thread), err)
	}
	if at := f.customerAttr(t, w.Rating.CustomerID, "lastSurveyAt"); at != "2026-11-23T10:00:00.000Z" {
		t.Errorf("customer lastSurveyAt = %q; want the request time", at)
	}
	_, latest, err := f.s.Identity(ctx, inbox.ChannelChat, "survey-visitor")
	want := &inbox.PendingSurvey{ConversationID: w.Rating.ConversationID, Interaction: 0, Until: w.Rating.Until}
	if err != nil || latest == nil || !reflect.DeepEqual(latest.Survey, want) {
		t.Errorf("Identity's pending survey = %+v, %v; want %+v", latest, err, want)
	}
	counters, names := f.counters(t, "2026-11-23")
	wantCounters(t, counters, inbox.CounterCSATRequests, 1)
	if names["agent#U0AGENT1"] != "Alex" || names["agent#U0AGENT2"] != "Sam" {
		t.Errorf("agent row names = %v; want Alex and Sam", names)
	}

	again := f.request(0, resolvedAt.Add(time.Minute))
	again.NotAskedSince = time.Time{}
	if err := f.s.CreateSurvey(ctx, again); !errors.Is(err, inbox.ErrDuplicate) {
		t.Errorf("CreateSurvey(same interaction) = %v; want ErrDuplicate", err)
	}
	counters, _ = f.counters(t, "2026-11-23")
	wantCounters(t, counters, inbox.CounterCSATRequests, 1)
	if msgs, _ := f.s.Messages(ctx, w.Rating.ConversationID, ""); len(msgs) != 2 {
		t.Errorf("after a duplicate request: %d messages; want 2", len(msgs))
	}
}

// A refused request writes nothing: no rating item, no message, no count.
func TestCreateSurveyRefusals(t *testing.T) {
	later := resolvedAt.Add(24 * time.Hour) // the next day, whose rows stay empty
	tests := []struct {
		name    string
		prepare func(t *testing.T, f *ratingFixture)
		change  func(w *inbox.SurveyWrite)
		want    error
	}{
		{
			name: "asked since NotAskedSince",
			prepare: func(t *testing.T, f *ratingFixture) {
				if err := f.s.CreateSurvey(context.Background(), f.request(0, resolvedAt)); err != nil {
					t.Fatal(err)
				}
			},
			change: func(w *inbox.SurveyWrite) { w.Rating.Interaction, w.Message.Survey.Interaction = 1, 1 },
			want:   inbox.ErrTooSoon,
		},
		{
			name: "the address moved on to another conversation",
			prepare: func(t *testing.T, f *ratingFixture) {
				ctx := context.Background()
				ident, latest, _ := f.s.Identity(ctx, inbox.ChannelChat, f.first.Conversation.Address)
				next := inbox.Conversation{ID: inbox.NewID(later), CustomerID: ident.CustomerID, Channel: inbox.ChannelChat,
					Address: ident.Address, Status: inbox.StatusOpen, OpenedAt: later, LastActivityAt: later}
				if err := f.s.SaveInbound(ctx, inbox.InboundWrite{Placement: inbox.Open, Identity: ident, Latest: latest,
					Conversation: next, Message: inboundMessage(next.ID, "next", later), DedupeKey: "chat#next"}); err != nil {
					t.Fatal(err)
				}
			},
			change: func(w *inbox.SurveyWrite) {},
			want:   inbox.ErrConflict,
		},
		{
			name:    "no such customer",
			prepare: func(t *testing.T, f *ratingFixture) {},
			change:  func(w *inbox.SurveyWrite) { w.Rating.CustomerID = "NO-SUCH-CUSTOMER" },
			want:    inbox.ErrNotFound,
		},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			f := newRatingFixture(t, fmt.Sprintf("refused-%d", i))
			tc.prepare(t, f)
			msgsBefore, _ := f.s.Messages(ctx, f.first.Conversation.ID, "")
			_, latestBefore, _ := f.s.Identity(ctx, inbox.ChannelChat, f.first.Conversation.Address)
			w := f.request(0, later)
			tc.change(&w)
			if err := f.s.CreateSurvey(ctx, w); !errors.Is(err, tc.want) {
				t.Fatalf("CreateSurvey = %v; want %v", err, tc.want)
			}
			if _, err := f.s.Rating(ctx, w.Rating.ConversationID, w.Rating.Interaction); !errors.Is(err, inbox.ErrNotFound) {
				t.Errorf("Rating of the refused interaction = %v; want ErrNotFound", err)
			}
			if msgs, _ := f.s.Messages(ctx, f.first.Conversation.ID, ""); len(msgs) != len(msgsBefore) {
				t.Errorf("%d messages after a refused request; want %d", len(msgs), len(msgsBefore))
			}
			if counters, _ := f.counters(t, "2026-11-24"); len(counters) != 0 {
				t.Errorf("rows of the refused request's day = %v; want none", counters)
			}
			if _, latest, _ := f.s.Identity(ctx, inbox.ChannelChat, f.first.Conversation.Address); !reflect.DeepEqual(latest, latestBefore) {
				t.Errorf("identity's latest = %+v; want unchanged %+v", latest, latestBefore)
			}
		})
	}
}

func TestSkipSurveyCountsOnce(t *testing.T) {
	ctx := context.Background()
	f := newRatingFixture(t, "skip-visitor")
	r := f.request(0, resolvedAt).Rating
	r.Status, r.SkipReason, r.RequestedAt, r.Until, r.MessageID = inbox.RatingSkipped, inbox.SkipFatigue, time.Time{}, time.Time{}, ""
	for i, want := range []error{nil, inbox.ErrDuplicate} {
		if err := f.s.SkipSurvey(ctx, r); !errors.Is(err, want) {
			t.Fatalf("SkipSurvey #%d = %v; want %v", i+1, err, want)
		}
		counters, _ := f.counters(t, "2026-11-23")
		wantCounters(t, counters, inbox.CounterCSATSkipped, 1)
		wantCounters(t, counters, inbox.CounterCSATRequests, 0)
	}
	got, err := f.s.Rating(ctx, r.ConversationID, 0)
	if err != nil || !reflect.DeepEqual(got, r) {
		t.Errorf("Rating = %+v, %v;\nwant %+v", got, err, r)
	}
	requested := f.request(0, resolvedAt)
	if err := f.s.CreateSurvey(ctx, requested); !errors.Is(err, inbox.ErrDuplicate) {
		t.Errorf("CreateSurvey(skipped interaction) = %v; want ErrDuplicate", err)
	}
}

// Answers move the counters so that the latest answer counts, once.
func TestRecordRating(t *testing.T) {
	ctx := context.Background()
	f := newRatingFixture(t, "rating-visitor")
	w := f.request(0, resolvedAt)
	if err := f.s.CreateSurvey(ctx, w); err != nil {
		t.Fatal(err)
	}
	convID := w.Rating.ConversationID
	asRead, err := f.s.Rating(ctx, convID, 0)
	if err != nil {
		t.Fatal(err)
	}
	at := resolvedAt.Add(10 * time.Minute)
	steps := []struct {
		name    string
		stale   bool // answer on the rating read before the previous step
		score   int
		comment string
		want    error
		// the counters of every row and the rating after the step
		ratings       int64
		scores        map[int]int64
		previousScore int
		lastCSAT      int
	}{
		{name: "first answer", score: 4, ratings: 1, scores: map[int]int64{4: 1}, lastCSAT: 4},
		{name: "changed score", score: 2, comment: "tardaron", ratings: 1, scores: map[int]int64{4: 0, 2: 1}, previousScore: 4, lastCSAT: 2},
		{name: "same score, new comment", score: 2, comment: "tardaron mucho", ratings: 1, scores: map[int]int64{4: 0, 2: 1}, previousScore: 4, lastCSAT: 2},
		{name: "stale read", stale: true, score: 5, want: inbox.ErrConflict, ratings: 1, scores: map[int]int64{4: 0, 2: 1, 5: 0}, previousScore: 4, lastCSAT: 2},
	}
	var previous inbox.Rating
	for _, step := range steps {
		r := asRead
		if step.stale {
			r = previous
		}
		at = at.Add(time.Minute)
		got, err := f.s.RecordRating(ctx, r, step.score, step.comment, at)
		if !errors.Is(err, step.want) {
			t.Fatalf("%s: RecordRating = %v; want %v", step.name, err, step.want)
		}
		stored, readErr := f.s.Rating(ctx, convID, 0)
		if readErr != nil {
			t.Fatal(readErr)
		}
		if err == nil {
			if !reflect.DeepEqual(got, stored) {
				t.Errorf("%s: RecordRating returned %+v;\nstored %+v", step.name, got, stored)
			}
			if stored.Status != inbox.RatingRated || stored.Score != step.score || stored.Comment != step.comment || !stored.RatedAt.Equal(at) {
				t.Errorf("%s: stored %+v; want rated %d %q at %v", step.name, stored, step.score, step.comment, at)
			}
			t.Logf("%s: RecordRating %.1f WCU", step.name, f.capacity["RecordRating"])
		}
		if stored.PreviousScore != step.previousScore {
			t.Errorf("%s: previousScore = %d; want %d", step.name, stored.PreviousScore, step.previousScore)
		}
		counters, _ := f.counters(t, "2026-11-23")
		wantCounters(t, counters, inbox.CounterCSATRatings, step.ratings)
		wantCounters(t, counters, inbox.CounterCSATRequests, 1)
		for score, n := range step.scores {
			wantCounters(t, counters, inbox.CounterCSATScore(score), n)
		}
		if p, _ := f.s.Profile(ctx, stored.CustomerID); p.LastCSAT != step.lastCSAT {
			t.Errorf("%s: customer's last CSAT = %d; want %d", step.name, p.LastCSAT, step.lastCSAT)
		}
		f.capacity["RecordRating"] = 0
		previous, asRead = asRead, stored
	}
	if _, err := f.s.RecordRating(ctx, inbox.Rating{ConversationID: "NO-SUCH-CONVERSATION", CustomerID: w.Rating.CustomerID,
		Status: inbox.RatingRequested, Day: "2026-11-23"}, 3, "", at); !errors.Is(err, inbox.ErrNotFound) {
		t.Errorf("RecordRating(missing rating) = %v; want ErrNotFound", err)
	}
	skipped := asRead
	skipped.Status = inbox.RatingSkipped
	if _, err := f.s.RecordRating(ctx, skipped, 3, "", at); err == nil || errors.Is(err, inbox.ErrConflict) {
		t.Errorf("RecordRating(skipped) = %v; want a plain refusal", err)
	}
}

// The answers of two interactions of one conversation stay apart.
func TestRatingsOfTwoInteractions(t *testing.T) {
	ctx := context.Background()
	f := newRatingFixture(t, "two-interactions")
	convID := f.first.Conversation.ID
	if err := f.s.CreateSurvey(ctx, f.request(0, resolvedAt)); err != nil {
		t.Fatal(err)
	}
	if err := f.s.Reopen(ctx, convID, resolvedAt.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	again := resolvedAt.Add(4 * 24 * time.Hour)
	if err := f.s.Resolve(ctx, convID, again, inbox.Agent{ID: "U1", Name: "Alex"}); err != nil {
		t.Fatal(err)
	}
	second := f.request(1, again)
	if err := f.s.CreateSurvey(ctx, second); err != nil {
		t.Fatalf("CreateSurvey(second interaction, past the fatigue period) = %v", err)
	}
	for i, score := range []int{5, 1} {
		r, err := f.s.Rating(ctx, convID, i)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.s.RecordRating(ctx, r, score, "", again.Add(time.Hour)); err != nil {
			t.Fatalf("RecordRating(interaction %d) = %v", i, err)
		}
	}
	first, _ := f.counters(t, "2026-11-23")
	later, _ := f.counters(t, "2026-11-27")
	if first["all#"][inbox.CounterCSATScore(5)] != 1 || later["all#"][inbox.CounterCSATScore(1)] != 1 || first["all#"][inbox.CounterCSATScore(1)] != 0 {
		t.Errorf("counters: day of the first resolution %v, of the second %v; want 5 on the first, 1 on the second", first["all#"], later["all#"])
	}
	_, thread, err := f.s.Thread(ctx, convID)
	if err != nil || len(thread) != 3 {
		t.Errorf("Thread = %d messages, %v; want 3 (no rating items)", len(thread), err)
	}
	if _, err := f.s.Rating(ctx, convID, 2); !errors.Is(err, inbox.ErrNotFound) {
		t.Errorf("Rating(interaction 2) = %v; want ErrNotFound", err)
	}
	if _, err := f.s.Rating(ctx, convID, 10000); !errors.Is(err, inbox.ErrNotFound) {
		t.Errorf("Rating(interaction 10000) = %v; want ErrNotFound", err)
	}
}

func TestStatsReadsDaysAcrossMonths(t *testing.T) {
	ctx := context.Background()
	f := newRatingFixture(t, "stats-visitor")
	base := f.request(0, resolvedAt).Rating
	base.Status, base.Agents = inbox.RatingSkipped, nil
	for i, day := range []string{"2026-10-31", "2026-11-01", "2026-11-02", "2026-12-01"} {
		r := base
		r.Interaction, r.Day = i, day
		if err := f.s.SkipSurvey(ctx, r); err != nil {
			t.Fatalf("SkipSurvey(%s) = %v", day, err)
		}
	}
	tests := []struct {
		from, to string
		want     []string
	}{
		{"2026-10-31", "2026-11-01", []string{"2026-10-31 all", "2026-10-31 category", "2026-10-31 channel", "2026-11-01 all", "2026-11-01 category", "2026-11-01 channel"}},
		{"2026-11-02", "2026-11-02", []string{"2026-11-02 all", "2026-11-02 category", "2026-11-02 channel"}},
		{"2026-11-03", "2026-11-30", nil},
		{"2026-11-30", "2026-12-01", []string{"2026-12-01 all", "2026-12-01 category", "2026-12-01 channel"}},
	}
	for _, tc := range tests {
		stats, err := f.s.Stats(ctx, tc.from, tc.to)
		var got []string
		for _, st := range stats {
			if st.Day == "2026-11-23" {
				continue // the fixture's own messages and resolution
			}
			got = append(got, st.Day+" "+st.Dimension)
			if st.Counters[inbox.CounterCSATSkipped] != 1 {
				t.Errorf("Stats(%s, %s): %s %s counts %v; want one skip", tc.from, tc.to, st.Day, st.Dimension, st.Counters)
			}
		}
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("Stats(%s, %s) = %v, %v; want %v", tc.from, tc.to, got, err, tc.want)
		}
	}
	for _, bad := range [][2]string{{"2026-11-02", "2026-11-01"}, {"2026-11-01", "2028-01-01"}, {"2026-11-1", "2026-11-02"}, {"", ""}} {
		if _, err := f.s.Stats(ctx, bad[0], bad[1]); err == nil {
			t.Errorf("Stats(%q, %q) = nil error; want a refusal", bad[0], bad[1])
		}
	}
}

// Both ways of reopening start a new interaction at the reopening.
func TestReopenRecordsReopenedAt(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	reopenAt := resolvedAt.Add(time.Hour)
	tests := []struct {
		name   string
		reopen func(t *testing.T, first inbox.InboundWrite)
	}{
		{"agent", func(t *testing.T, first inbox.InboundWrite) {
			if err := s.Reopen(ctx, first.Conversation.ID, reopenAt); err != nil {
				t.Fatal(err)
			}
		}},
		{"customer", func(t *testing.T, first inbox.InboundWrite) {
			ident, latest, _ := s.Identity(ctx, inbox.ChannelChat, first.Conversation.Address)
			if err := s.SaveInbound(ctx, inbox.InboundWrite{Placement: inbox.Reopen, Identity: ident, Latest: latest,
				Message:   inboundMessage(first.Conversation.ID, first.Conversation.Address+"-2", reopenAt),
				DedupeKey: "chat#" + first.Conversation.Address + "-2"}); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			first := firstMessage("reopened-by-"+tc.name, "reopen-"+tc.name, t0)
			if err := s.SaveInbound(ctx, first); err != nil {
				t.Fatal(err)
			}
			if err := s.Resolve(ctx, first.Conversation.ID, resolvedAt, inbox.Agent{ID: "U1", Name: "Alex"}); err != nil {
				t.Fatal(err)
			}
			tc.reopen(t, first)
			conv, err := s.Conversation(ctx, first.Conversation.ID)
			if err != nil || !conv.ReopenedAt.Equal(reopenAt) || !conv.InteractionStart().Equal(reopenAt) {
				t.Errorf("after reopening: ReopenedAt %v, interaction start %v, %v; want %v", conv.ReopenedAt, conv.InteractionStart(), err, reopenAt)
			}
		})
	}
}

// An answer is announced once, and the mark never goes back to an older
// answer.
func TestMarkRatingAnnounced(t *testing.T) {
	ctx := context.Background()
	f := newRatingFixture(t, "announce-visitor")
	w := f.request(0, resolvedAt)
	if err := f.s.CreateSurvey(ctx, w); err != nil {
		t.Fatal(err)
	}
	requested, _ := f.s.Rating(ctx, w.Rating.ConversationID, 0)
	first, err := f.s.RecordRating(ctx, requested, 5, "", resolvedAt.Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	second, err := f.s.RecordRating(ctx, first, 3, "", resolvedAt.Add(2*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	missing := first
	missing.ConversationID = "NO-SUCH-CONVERSATION"
	steps := []struct {
		name string
		r    inbox.Rating
		want error
	}{
		{"first answer", first, nil},
		{"first answer again", first, inbox.ErrConflict},
		{"second answer", second, nil},
		{"first answer after the second", first, inbox.ErrConflict},
		{"no such rating", missing, inbox.ErrNotFound},
	}
	for _, step := range steps {
		if err := f.s.MarkRatingAnnounced(ctx, step.r); !errors.Is(err, step.want) {
			t.Errorf("%s: MarkRatingAnnounced = %v; want %v", step.name, err, step.want)
		}
	}
	if got, _ := f.s.Rating(ctx, w.Rating.ConversationID, 0); !got.AnnouncedAt.Equal(second.RatedAt) {
		t.Errorf("AnnouncedAt = %v; want the second answer's %v", got.AnnouncedAt, second.RatedAt)
	}
}
