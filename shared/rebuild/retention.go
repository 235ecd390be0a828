package rebuild

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"time"

	"github.com/switchboard-inbox/switchboard/shared/inbox"
)

// customer is the compact record kept of a customer across their
// conversations.
type customer struct {
	firstMessage time.Time
	// periods maps each period (months and quarters alike: their names
	// differ) they wrote in to the conversations they wrote in then.
	periods  map[string][]string
	ratings  []rating
	contacts inbox.Contacts
}

// rating is one answer of the customer's: when it was given, and its score.
type rating struct {
	at    time.Time
	score int
}

func (r *recount) customer(id string) *customer {
	c := r.customers[id]
	if c == nil {
		c = &customer{periods: map[string][]string{}}
		r.customers[id] = c
	}
	return c
}

// activity records when the customer wrote in the conversation: their
// first message ever, and the periods they were active in.
func (r *recount) activity(conv inbox.Conversation, inbound []time.Time) {
	if len(inbound) == 0 {
		return
	}
	c := r.customer(conv.CustomerID)
	seen := map[string]bool{}
	for _, t := range inbound {
		if c.firstMessage.IsZero() || t.Before(c.firstMessage) {
			c.firstMessage = t
		}
		for _, kind := range inbox.PeriodKinds {
			p := inbox.Period(kind, t, r.opt.Location)
			if !seen[p] {
				seen[p] = true
				c.periods[p] = append(c.periods[p], conv.ID)
			}
		}
	}
}

func (r *recount) rated(customerID string, at time.Time, score int) {
	c := r.customer(customerID)
	c.ratings = append(c.ratings, rating{at: at, score: score})
}

func (r *recount) contact(customerID string, at time.Time) {
	c := &r.customer(customerID).contacts
	if c.Count == 0 || at.Before(c.First) {
		c.First = at
	}
	if c.Count == 0 || at.After(c.Last) {
		c.Last = at
	}
	c.Count++
}

func (r *recount) contacts() map[string]inbox.Contacts {
	out := make(map[string]inbox.Contacts, len(r.customers))
	for id, c := range r.customers {
		out[id] = c.contacts
	}
	return out
}

// segmentAt is the segment of the customer's last rating given before t.
func (c *customer) segmentAt(t time.Time) string {
	i := sort.Search(len(c.ratings), func(i int) bool { return !c.ratings[i].at.Before(t) })
	if i == 0 {
		return inbox.SegmentOf(0)
	}
	return inbox.SegmentOf(c.ratings[i-1].score)
}

// neighbours are a period's previous and next periods and its end.
type neighbours struct {
	previous, next string
	end            time.Time
}

// retention returns the period rows and the activity markers.
func (r *recount) retention() ([]inbox.Stat, []inbox.ActivityMarker, error) {
	cache := map[string]neighbours{}
	around := func(p string) (neighbours, error) {
		if n, ok := cache[p]; ok {
			return n, nil
		}
		previous, err := inbox.ShiftPeriod(p, -1)
		if err != nil {
			return neighbours{}, fmt.Errorf("period before %s: %w", p, err)
		}
		next, err := inbox.ShiftPeriod(p, 1)
		if err != nil {
			return neighbours{}, fmt.Errorf("period after %s: %w", p, err)
		}
		end, _, err := inbox.PeriodStart(next, r.opt.Location)
		if err != nil {
			return neighbours{}, fmt.Errorf("end of period %s: %w", p, err)
		}
		n := neighbours{previous: previous, next: next, end: end}
		cache[p] = n
		return n, nil
	}

	rows := table{}
	all := []inbox.StatRow{{Dimension: inbox.DimensionAll}}
	var markers []inbox.ActivityMarker
	for _, id := range slices.Sorted(maps.Keys(r.customers)) {
		c := r.customers[id]
		if !c.firstMessage.IsZero() {
			for _, kind := range inbox.PeriodKinds {
				rows.add(inbox.Period(kind, c.firstMessage, r.opt.Location), all, one(inbox.CounterNew))
			}
		}
		slices.SortFunc(c.ratings, func(a, b rating) int { return a.at.Compare(b.at) })
		for _, p := range slices.Sorted(maps.Keys(c.periods)) {
			n, err := around(p)
			if err != nil {
				return nil, nil, err
			}
			conversations := slices.Sorted(slices.Values(c.periods[p]))
			segment := c.segmentAt(n.end)
			markers = append(markers, inbox.ActivityMarker{CustomerID: id, Period: p, Conversations: conversations, Segment: segment})

			rows.add(p, all, one(inbox.CounterActive))
			if len(conversations) >= 2 {
				rows.add(p, all, one(inbox.CounterRepeat))
			}
			if _, ok := c.periods[n.previous]; ok {
				rows.add(p, all, one(inbox.CounterRetained))
			}
			rows.add(n.next, all, one(inbox.CounterPreviousBySegment(segment)))
			if _, ok := c.periods[n.next]; ok {
				rows.add(n.next, all, one(inbox.CounterRetainedBySegment(segment)))
			}
		}
	}
	return rows.stats(nil), markers, nil
}
