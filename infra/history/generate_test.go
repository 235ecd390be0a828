package history

import (
	"reflect"
	"testing"
	"time"

	"github.com/switchboard-inbox/switchboard/shared/inbox"
)

func paris(t testing.TB) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func TestGenerateIsDeterministic(t *testing.T) {
	o := Options{Seed: 8, Customers: 120, Location: paris(t)}
	a, b := Generate(o), Generate(o)
	if !reflect.DeepEqual(a.Events, b.Events) || !reflect.DeepEqual(a.Customers, b.Customers) {
		t.Fatal("Generate(same options) twice gave different histories")
	}
	o.Seed = 9
	if c := Generate(o); reflect.DeepEqual(a.Events, c.Events) {
		t.Error("Generate(seed 9) = Generate(seed 8); want another history")
	}
}

// TestGenerateKeepsTheRules checks every event against what the real code
// allows, so Apply never fails on the history's own account: one
// conversation going per customer, reopening only a resolved conversation
// within the reopen window, a new one only after it, deliveries after
// their reply, answers only to requests within the rating window.
func TestGenerateKeepsTheRules(t *testing.T) {
	h := Generate(Options{Seed: 8, Customers: 300, Location: paris(t)})
	type state struct {
		customer           int
		resolved           bool
		resolvedAt         time.Time
		interaction        int
		requested          map[int]time.Time
		repliedSinceReopen bool
		// category is the latest triage's; replied says an agent
		// replied, after which the category stays (see triage).
		category string
		replied  bool
	}
	convs := map[int]*state{}
	current := map[int]int{} // customer → their latest conversation
	asked := map[int]time.Time{}
	for i, e := range h.Events {
		if i > 0 && e.At.Before(h.Events[i-1].At) {
			t.Fatalf("event %d at %v comes before event %d at %v", i, e.At, i-1, h.Events[i-1].At)
		}
		if e.At.Before(h.Options.Start) || !e.At.Before(h.End) {
			t.Fatalf("event %d at %v is outside [%v, %v)", i, e.At, h.Options.Start, h.End)
		}
		if e.At != e.At.Truncate(time.Second) {
			t.Fatalf("event %d at %v is not a whole second", i, e.At)
		}
		s := convs[e.Conversation]
		if s == nil {
			if e.Kind != CustomerMessage {
				t.Fatalf("conversation %d starts with a %s", e.Conversation, e.Kind)
			}
			if prev, ok := current[e.Customer]; ok {
				p := convs[prev]
				if !p.resolved || e.At.Sub(p.resolvedAt) <= inbox.DefaultReopenWindow {
					t.Fatalf("customer %d opens conversation %d at %v while conversation %d is open or within its reopen window", e.Customer, e.Conversation, e.At, prev)
				}
			}
			s = &state{customer: e.Customer, requested: map[int]time.Time{}}
			convs[e.Conversation], current[e.Customer] = s, e.Conversation
		}
		if s.customer != e.Customer {
			t.Fatalf("event %d names customer %d in conversation %d of customer %d", i, e.Customer, e.Conversation, s.customer)
		}
		switch e.Kind {
		case CustomerMessage:
			if s.resolved {
				if e.At.Sub(s.resolvedAt) > inbox.DefaultReopenWindow {
					t.Fatalf("conversation %d reopened %v after its resolution", e.Conversation, e.At.Sub(s.resolvedAt))
				}
				s.resolved, s.repliedSinceReopen = false, false
				s.interaction++
			}
		case AgentReply:
			if s.resolved {
				t.Fatalf("reply in resolved conversation %d", e.Conversation)
			}
			s.repliedSinceReopen, s.replied = true, true
		case TriageCall:
			if s.resolved {
				t.Fatalf("triage of resolved conversation %d", e.Conversation)
			}
			if s.replied && e.Triage.Category != s.category {
				t.Fatalf("conversation %d changes category from %s to %s after a reply", e.Conversation, s.category, e.Triage.Category)
			}
			s.category = e.Triage.Category
		case Resolve:
			if s.resolved {
				t.Fatalf("conversation %d resolved twice", e.Conversation)
			}
			s.resolved, s.resolvedAt = true, e.At
			if s.repliedSinceReopen && (asked[e.Customer].IsZero() || asked[e.Customer].Before(e.At.Add(-inbox.DefaultSurveyFatigue))) {
				asked[e.Customer] = e.At
				s.requested[s.interaction] = e.At
			}
		case AgentReopen:
			if !s.resolved {
				t.Fatalf("conversation %d reopened by an agent while open", e.Conversation)
			}
			s.resolved, s.repliedSinceReopen = false, false
			s.interaction++
		case RatingAnswer:
			requested, ok := s.requested[e.Interaction]
			if !ok || !e.At.Before(requested.Add(inbox.DefaultRatingWindow)) || !inbox.ValidScore(e.Score) {
				t.Fatalf("answer %d at %v to interaction %d of conversation %d, requested %v (%v)", e.Score, e.At, e.Interaction, e.Conversation, requested, ok)
			}
		}
	}
}

// TestGenerateShape checks the history has what the reports must cope
// with, at the sizes the tests use.
func TestGenerateShape(t *testing.T) {
	loc := paris(t)
	hours, err := inbox.ParseBusinessHours(workingHours, loc)
	if err != nil {
		t.Fatal(err)
	}
	h := Generate(Options{Seed: 8, Customers: 300, Location: loc})
	w := replay(h)

	perCustomer := map[int]int{}
	channels := map[inbox.Channel]bool{}
	var open, reopenedByCustomer, reopenedByAgent, acrossMonths, unanswered, nightWaits, failed, skipped, rated, unrated int
	scores := map[int]bool{}
	for _, c := range w.conversations {
		perCustomer[c.customer]++
		channels[c.channel] = true
		if !c.current().resolved() {
			open++
		}
		last := c.current().start
		if c.current().resolved() {
			last = c.current().resolvedAt
		}
		if inbox.Period(inbox.PeriodMonth, c.openedAt(), loc) != inbox.Period(inbox.PeriodMonth, last, loc) {
			acrossMonths++
		}
		for _, in := range c.interactions {
			if in.number > 0 && in.byCustomer {
				reopenedByCustomer++
			}
			if in.number > 0 && !in.byCustomer {
				reopenedByAgent++
			}
			if in.resolved() && len(in.replies) == 0 {
				unanswered++
			}
			for _, r := range in.replies {
				if !r.delivered {
					failed++
				}
			}
			if len(in.inbound) > 0 {
				if r := in.answer(in.inbound[0]); r != nil && r.at.Sub(in.inbound[0]) > 12*time.Hour && hours.Between(in.inbound[0], r.at) < time.Hour {
					nightWaits++
				}
			}
			switch r := in.rating; {
			case r == nil:
			case r.skipped:
				skipped++
			case r.score > 0:
				rated++
				scores[r.score] = true
			default:
				unrated++
			}
		}
	}
	once, regular := 0, 0
	for _, n := range perCustomer {
		if n == 1 {
			once++
		}
		if n >= 5 {
			regular++
		}
	}
	checks := []struct {
		what string
		ok   bool
	}{
		{"about three conversations per customer", h.Conversations >= 2*len(h.Customers) && h.Conversations <= 4*len(h.Customers)},
		{"every channel", len(channels) == len(DefaultChannels)},
		{"customers who wrote once", once >= 30},
		{"customers who came back five times or more", regular >= 30},
		{"conversations open at the end", open >= 10},
		{"reopened by the customer", reopenedByCustomer >= 20},
		{"reopened by an agent", reopenedByAgent >= 5},
		{"conversations across a month boundary", acrossMonths >= 20},
		{"interactions resolved without a reply", unanswered >= 10},
		{"replies never delivered", failed >= 10},
		{"first responses that waited overnight or a weekend", nightWaits >= 20},
		{"skipped rating requests", skipped >= 10},
		{"requests answered", rated >= 100},
		{"requests not answered", unrated >= 100},
		{"every score", len(scores) == inbox.MaxScore},
		{"model triage calls", len(w.tokens) >= 100},
	}
	for _, c := range checks {
		if !c.ok {
			t.Errorf("history of %d customers, %d conversations lacks %s", len(h.Customers), h.Conversations, c.what)
		}
	}
}
