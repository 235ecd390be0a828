package history

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/switchboard-inbox/switchboard/shared/inbox"
	"github.com/switchboard-inbox/switchboard/shared/rebuild"
)

// Facts is a history as the store would hold it once applied: customers,
// and conversations with their messages, rating items and resolved
// interactions. It is a rebuild.Source, so rebuild.Recount can count a
// large history in seconds where applying it event by event would take
// hours; tests load big tables that way.
type Facts struct {
	w   *world
	loc *time.Location
	// made counts the ids made, which keeps them unique.
	made int
	// customers and conversations are as stored, indexed like the
	// history's (customers who never wrote have no id).
	customers     []inbox.Customer
	conversations []inbox.Conversation
}

// NewFacts replays h into stored facts, with days in loc.
func NewFacts(h History, loc *time.Location) *Facts {
	f := &Facts{w: replay(h), loc: loc, customers: make([]inbox.Customer, len(h.Customers))}
	for i, c := range h.Customers {
		f.customers[i] = inbox.Customer{Name: c.Name}
	}
	for _, c := range f.w.conversations {
		if c == nil {
			continue
		}
		cust := &f.customers[c.customer]
		if cust.ID == "" {
			cust.ID, cust.CreatedAt = f.id(c.openedAt()), c.openedAt()
		}
		f.conversations = append(f.conversations, f.conversation(c, cust.ID))
	}
	return f
}

func (f *Facts) conversation(c *conversation, customerID string) inbox.Conversation {
	cust := f.w.h.Customers[c.customer]
	cur := c.current()
	conv := inbox.Conversation{
		ID: f.id(c.openedAt()), CustomerID: customerID, CustomerName: cust.Name,
		Channel: cust.Channel, Address: cust.Address, Status: inbox.StatusOpen,
		OpenedAt: c.openedAt(), LastActivityAt: cur.start, ReopenCount: cur.number, Triage: c.triage,
	}
	if cur.number > 0 {
		conv.ReopenedAt = cur.start
	}
	if cur.resolved() {
		conv.Status, conv.ResolvedAt, conv.LastActivityAt = inbox.StatusResolved, cur.resolvedAt, cur.resolvedAt
	}
	if c.triage != nil {
		conv.Priority = c.triage.Priority
	}
	return conv
}

// id makes an id that sorts by t, like inbox.NewID's, but made in any
// order: NewID gives an id asked for an earlier time than the last one
// the later time.
func (f *Facts) id(t time.Time) string {
	f.made++
	return inbox.FloorID(t)[:10] + fmt.Sprintf("%016d", f.made)
}

// Customers calls fn with every customer who wrote.
func (f *Facts) Customers(_ context.Context, fn func(inbox.Customer) error) error {
	for _, c := range f.customers {
		if c.ID == "" {
			continue
		}
		if err := fn(c); err != nil {
			return err
		}
	}
	return nil
}

// Conversations calls fn with every conversation as stored.
func (f *Facts) Conversations(_ context.Context, fn func(rebuild.Conversation) error) error {
	i := 0
	for _, c := range f.w.conversations {
		if c == nil {
			continue
		}
		conv := f.conversations[i]
		i++
		if err := fn(f.stored(c, conv)); err != nil {
			return err
		}
	}
	return nil
}

// stored builds what the store holds of a conversation: messages in id
// order, a rating item per interaction asked or skipped, an interaction
// item per resolution.
func (f *Facts) stored(c *conversation, conv inbox.Conversation) rebuild.Conversation {
	out := rebuild.Conversation{Conversation: conv}
	agents := f.w.h.Agents
	for _, in := range c.interactions {
		for _, at := range in.inbound {
			out.Messages = append(out.Messages, inbox.Message{
				ID: f.id(at), ConversationID: conv.ID, Direction: inbox.DirectionIn,
				Author: inbox.AuthorCustomer, Kind: inbox.KindPublic, AuthorName: conv.CustomerName, CreatedAt: at,
			})
		}
		for _, r := range in.replies {
			delivery := inbox.DeliveryQueued
			if r.delivered {
				delivery = inbox.DeliverySent
			}
			out.Messages = append(out.Messages, inbox.Message{
				ID: f.id(r.at), ConversationID: conv.ID, Direction: inbox.DirectionOut,
				Author: inbox.AuthorAgent, Kind: inbox.KindPublic, AgentID: agents[r.agent].ID,
				AgentName: agents[r.agent].Name, CreatedAt: r.at, Delivery: delivery,
			})
		}
		if !in.resolved() {
			continue
		}
		resolver := agents[in.resolver]
		out.Interactions = append(out.Interactions, inbox.Interaction{
			ConversationID: conv.ID, Number: in.number, Start: in.start, ResolvedAt: in.resolvedAt,
			Channel: conv.Channel, Category: in.category, AgentID: resolver.ID, AgentName: resolver.Name,
		})
		if in.rating != nil {
			out.Ratings = append(out.Ratings, f.ratingItem(conv, in))
		}
	}
	slices.SortFunc(out.Messages, func(a, b inbox.Message) int { return strings.Compare(a.ID, b.ID) })
	return out
}

func (f *Facts) ratingItem(conv inbox.Conversation, in *interaction) inbox.Rating {
	r := in.rating
	item := inbox.Rating{
		ConversationID: conv.ID, Interaction: in.number, CustomerID: conv.CustomerID, Channel: conv.Channel,
		Address: conv.Address, Category: r.category, Status: inbox.RatingRequested, ResolvedAt: in.resolvedAt,
		RequestedAt: r.requestedAt, Until: r.requestedAt.Add(inbox.DefaultRatingWindow), Day: inbox.Day(in.resolvedAt, f.loc),
	}
	for _, a := range r.agents {
		item.Agents = append(item.Agents, f.w.h.Agents[a])
	}
	switch {
	case r.skipped:
		item.Status, item.SkipReason = inbox.RatingSkipped, inbox.SkipFatigue
	case r.score > 0:
		item.Status, item.Score, item.RatedAt = inbox.RatingRated, r.score, r.ratedAt
	}
	return item
}

// TokenStats are the model's calls per day, on the row of all
// conversations.
func (f *Facts) TokenStats(context.Context) ([]inbox.Stat, error) {
	byDay := map[string]map[string]int64{}
	for _, call := range f.w.tokens {
		d := inbox.Day(call.at, f.loc)
		if byDay[d] == nil {
			byDay[d] = map[string]int64{}
		}
		byDay[d][inbox.CounterTriageCalls]++
		byDay[d][inbox.CounterPromptTokens] += int64(call.prompt)
		byDay[d][inbox.CounterCompletionTokens] += int64(call.completion)
	}
	var stats []inbox.Stat
	for _, d := range slices.Sorted(maps.Keys(byDay)) {
		stats = append(stats, inbox.Stat{Day: d, Dimension: inbox.DimensionAll, Counters: byDay[d]})
	}
	return stats, nil
}
