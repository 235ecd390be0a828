package rebuild

import (
	"slices"
	"time"

	"github.com/switchboard-inbox/switchboard/shared/inbox"
)

// interaction is one span of a conversation, from its opening or a
// reopening to its resolution, with the messages that fall in it.
type interaction struct {
	number int
	start  time.Time
	// end is the resolution; zero while the interaction is open.
	end      time.Time
	resolved *inbox.Interaction
	inbound  []time.Time
	// replies are in the order they were written.
	replies []reply
}

type reply struct {
	at      time.Time
	agentID string
}

// interactions returns the spans of a conversation in order. Interaction 0
// starts at the opening; a later one at the start its resolution recorded,
// or, for the one still open, at the last reopening. One whose start is not
// known (resolved before interactions were kept) is left out, so its
// messages belong to no interaction.
func interactions(c Conversation) []*interaction {
	conv := c.Conversation
	items := make(map[int]inbox.Interaction, len(c.Interactions))
	for _, it := range c.Interactions {
		items[it.Number] = it
	}
	current := conv.Status != inbox.StatusResolved && !conv.ReopenedAt.IsZero()
	var spans []*interaction
	for k := 0; k <= conv.ReopenCount; k++ {
		span := &interaction{number: k, start: conv.OpenedAt}
		item, resolved := items[k]
		switch {
		case resolved:
			span.end, span.resolved = item.ResolvedAt, &item
			if k > 0 {
				span.start = item.Start
			}
		case k > 0 && k == conv.ReopenCount && current:
			span.start = conv.ReopenedAt
		case k > 0:
			continue
		}
		spans = append(spans, span)
	}
	return spans
}

// spanAt returns the interaction a message written at t belongs to, nil
// when t falls after one's resolution and before the next's start. A
// message from before the opening belongs to the first.
func spanAt(spans []*interaction, t time.Time) *interaction {
	i := len(spans) - 1
	for i > 0 && t.Before(spans[i].start) {
		i--
	}
	if s := spans[i]; s.end.IsZero() || !t.After(s.end) {
		return s
	}
	return nil
}

// isReply reports whether m is a public agent reply the customer got.
func isReply(m inbox.Message) bool {
	// A reply the channel accepted counts, even when a bounce later
	// marked it failed: it was counted when it was sent.
	accepted := m.Delivery == inbox.DeliverySent || m.Delivery == inbox.DeliveryFailed && m.ExternalID != ""
	return m.Direction == inbox.DirectionOut && m.Author == inbox.AuthorAgent && m.Kind == inbox.KindPublic && accepted
}

func (r *recount) conversation(c Conversation) {
	conv := c.Conversation
	volume := breakdown(conv.Channel, "", "")
	r.days.add(r.day(conv.OpenedAt), volume, one(inbox.CounterOpened))
	if conv.Status != inbox.StatusResolved {
		r.totals.add("", volume, one(inbox.CounterOpen))
	}
	var category string
	if t := conv.Triage; t != nil {
		category = t.Category
		r.days.add(r.day(conv.OpenedAt), []inbox.StatRow{
			{Dimension: inbox.DimensionAll},
			{Dimension: inbox.DimensionCategory, Value: t.Category},
			{Dimension: inbox.DimensionPriority, Value: string(t.Priority)},
		}, one(inbox.CounterTriaged))
	}

	spans := interactions(c)
	var inbound []time.Time
	for _, m := range c.Messages {
		span := spanAt(spans, m.CreatedAt)
		switch {
		case m.Direction == inbox.DirectionIn:
			inbound = append(inbound, m.CreatedAt)
			r.days.add(r.day(m.CreatedAt), volume, one(inbox.CounterMessagesIn))
			if span != nil {
				span.inbound = append(span.inbound, m.CreatedAt)
			}
		case isReply(m):
			r.agents.see(m.AgentID, m.AgentName, m.CreatedAt)
			r.days.add(r.day(m.CreatedAt), breakdown(conv.Channel, category, m.AgentID), one(inbox.CounterMessagesOut))
			if span != nil {
				span.replies = append(span.replies, reply{at: m.CreatedAt, agentID: m.AgentID})
			}
		}
	}

	for _, span := range spans {
		r.interaction(conv, category, span)
	}
	r.activity(conv, inbound)
	for _, rating := range c.Ratings {
		r.rating(conv, rating)
	}
}

func (r *recount) interaction(conv inbox.Conversation, category string, span *interaction) {
	if span.number > 0 {
		r.days.add(r.day(span.start), breakdown(conv.Channel, "", ""), one(inbox.CounterReopened))
	}
	if it := span.resolved; it != nil {
		r.agents.see(it.AgentID, it.AgentName, it.ResolvedAt)
		counts := append([]inbox.Count{one(inbox.CounterResolved)},
			inbox.TimingCounts(inbox.TimingResolution, it.ResolvedAt.Sub(span.start), r.opt.Hours, span.start, it.ResolvedAt)...)
		r.days.add(r.day(it.ResolvedAt), breakdown(conv.Channel, it.Category, it.AgentID), counts...)
	}
	if len(span.inbound) == 0 {
		return
	}
	slices.SortStableFunc(span.replies, func(a, b reply) int { return a.at.Compare(b.at) })
	sample := func(t inbox.Timing, from time.Time) {
		i, _ := slices.BinarySearchFunc(span.replies, from, func(rep reply, t time.Time) int { return rep.at.Compare(t) })
		if i == len(span.replies) {
			return
		}
		rep := span.replies[i]
		counts := inbox.TimingCounts(t, rep.at.Sub(from), r.opt.Hours, from, rep.at)
		r.days.add(r.day(rep.at), breakdown(conv.Channel, category, rep.agentID), counts...)
	}
	first := slices.MinFunc(span.inbound, time.Time.Compare)
	sample(inbox.TimingFirstResponse, first)
	for _, t := range span.inbound {
		sample(inbox.TimingReply, t)
	}
	// An interaction is a contact of the customer's when their message
	// started it, not an agent's reopening.
	if slices.ContainsFunc(span.inbound, span.start.Equal) {
		r.contact(conv.CustomerID, span.start)
	}
}

func (r *recount) rating(conv inbox.Conversation, rt inbox.Rating) {
	var counts []inbox.Count
	switch rt.Status {
	case inbox.RatingRequested:
		counts = []inbox.Count{one(inbox.CounterCSATRequests)}
	case inbox.RatingRated:
		counts = []inbox.Count{one(inbox.CounterCSATRequests), one(inbox.CounterCSATRatings)}
		if inbox.ValidScore(rt.Score) {
			counts = append(counts, one(inbox.CounterCSATScore(rt.Score)))
			r.rated(conv.CustomerID, rt.RatedAt, rt.Score)
		}
	case inbox.RatingSkipped:
		counts = []inbox.Count{one(inbox.CounterCSATSkipped)}
	case inbox.RatingUndelivered:
		counts = []inbox.Count{one(inbox.CounterCSATUndelivered)}
	}
	for _, a := range rt.Agents {
		r.agents.see(a.ID, a.Name, rt.ResolvedAt)
	}
	day := rt.Day
	if day == "" {
		day = r.day(rt.ResolvedAt)
	}
	r.days.add(day, inbox.RatingRows(rt), counts...)
}
