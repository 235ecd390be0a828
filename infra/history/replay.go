package history

import (
	"time"

	"github.com/switchboard-inbox/switchboard/shared/inbox"
)

// world is a history replayed on plain values: every conversation with
// its interactions, messages and ratings as the events leave them. It
// follows the definitions of the domain (placement by conversation key,
// csat's request and fatigue rules), not the store's code.
type world struct {
	h             History
	conversations []*conversation
	customers     []*customer
	tokens        []tokenCall
}

type conversation struct {
	key, customer int
	channel       inbox.Channel
	interactions  []*interaction
	// triage is the latest triage; nil until the first.
	triage *inbox.Triage
}

func (c *conversation) current() *interaction { return c.interactions[len(c.interactions)-1] }

func (c *conversation) openedAt() time.Time { return c.interactions[0].start }

func (c *conversation) category() string {
	if c.triage == nil {
		return ""
	}
	return c.triage.Category
}

// interaction runs from an opening or reopening to a resolution.
type interaction struct {
	number int
	start  time.Time
	// byCustomer says a customer message started it (a contact, for the
	// dormant list); an agent's reopening does not.
	byCustomer bool
	inbound    []time.Time
	replies    []*reply
	// resolvedAt is zero while the interaction is open; category is the
	// conversation's at the resolution, resolver who resolved.
	resolvedAt time.Time
	resolver   int
	category   string
	rating     *rating
}

func (in *interaction) resolved() bool { return !in.resolvedAt.IsZero() }

type reply struct {
	at        time.Time
	agent     int
	delivered bool
	// category is the conversation's when the reply was delivered, which
	// is when it is counted.
	category string
}

// rating is an interaction's rating item: requested or skipped, and the
// customer's last answer.
type rating struct {
	skipped     bool
	requestedAt time.Time
	category    string
	agents      []int
	score       int
	ratedAt     time.Time
}

type customer struct {
	// inbound are the customer's messages in time order, with the
	// conversation each went to.
	inbound []activity
	// contacts are the starts of interactions the customer began.
	contacts []time.Time
	// answers are every rating answer, changes included, in time order.
	answers []answer
	// asked is when csat last sent the customer a request.
	asked time.Time
}

type activity struct {
	at           time.Time
	conversation int
}

type answer struct {
	at    time.Time
	score int
}

type tokenCall struct {
	at                 time.Time
	prompt, completion int
}

// replay plays the history's events onto plain values.
func replay(h History) *world {
	w := &world{h: h, conversations: make([]*conversation, h.Conversations), customers: make([]*customer, len(h.Customers))}
	for i := range w.customers {
		w.customers[i] = &customer{}
	}
	replies := make([]*reply, h.Replies)
	for _, e := range h.Events {
		c := w.conversations[e.Conversation]
		cust := w.customers[e.Customer]
		switch e.Kind {
		case CustomerMessage:
			switch {
			case c == nil:
				c = &conversation{key: e.Conversation, customer: e.Customer, channel: h.Customers[e.Customer].Channel}
				w.conversations[e.Conversation] = c
				c.interactions = []*interaction{{start: e.At, byCustomer: true}}
				cust.contacts = append(cust.contacts, e.At)
			case c.current().resolved():
				c.interactions = append(c.interactions, &interaction{number: len(c.interactions), start: e.At, byCustomer: true})
				cust.contacts = append(cust.contacts, e.At)
			}
			c.current().inbound = append(c.current().inbound, e.At)
			cust.inbound = append(cust.inbound, activity{at: e.At, conversation: e.Conversation})
		case AgentReply:
			r := &reply{at: e.At, agent: e.Agent}
			replies[e.Reply] = r
			c.current().replies = append(c.current().replies, r)
		case Delivery:
			r := replies[e.Reply]
			r.delivered, r.category = true, c.category()
		case Resolve:
			in := c.current()
			in.resolvedAt, in.resolver, in.category = e.At, e.Agent, c.category()
			in.rating = w.request(c, in, cust)
		case AgentReopen:
			c.interactions = append(c.interactions, &interaction{number: len(c.interactions), start: e.At})
		case TriageCall:
			t := *e.Triage
			c.triage = &t
			if t.Source == inbox.TriageByModel {
				w.tokens = append(w.tokens, tokenCall{at: e.At, prompt: t.PromptTokens, completion: t.CompletionTokens})
			}
		case RatingAnswer:
			r := c.interactions[e.Interaction].rating
			if r == nil || r.skipped || !e.At.Before(r.requestedAt.Add(inbox.DefaultRatingWindow)) {
				continue // no open request takes it
			}
			r.score, r.ratedAt = e.Score, e.At
			cust.answers = append(cust.answers, answer{at: e.At, score: e.Score})
		}
	}
	return w
}

// request is csat's decision at a resolution: no rating when no agent
// replied in the interaction (a reply still queued counts: it is on its
// way); skipped when the customer was asked within the survey-fatigue
// period; else requested.
func (w *world) request(c *conversation, in *interaction, cust *customer) *rating {
	var agents []int
	for _, r := range in.replies {
		seen := false
		for _, a := range agents {
			seen = seen || a == r.agent
		}
		if !seen && len(agents) < inbox.MaxRatedAgents {
			agents = append(agents, r.agent)
		}
	}
	if len(agents) == 0 {
		return nil
	}
	category := c.category()
	if category == "" {
		category = inbox.CategoryOther
	}
	r := &rating{requestedAt: in.resolvedAt, category: category, agents: agents}
	if !cust.asked.IsZero() && !cust.asked.Before(in.resolvedAt.Add(-inbox.DefaultSurveyFatigue)) {
		r.skipped = true
		return r
	}
	cust.asked = in.resolvedAt
	return r
}
