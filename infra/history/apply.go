package history

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/switchboard-inbox/switchboard/shared/csat"
	"github.com/switchboard-inbox/switchboard/shared/inbox"
	"github.com/switchboard-inbox/switchboard/shared/ingest"
	"github.com/switchboard-inbox/switchboard/shared/queue"
)

// Driver is the store as the events reach it: what ingest and csat read
// and write, and the steps the slack function, the dispatcher, the desk
// and the router take.
type Driver interface {
	Identity(ctx context.Context, ch inbox.Channel, address string) (inbox.Identity, *inbox.Latest, error)
	SaveInbound(ctx context.Context, w inbox.InboundWrite) error
	Deduped(ctx context.Context, dedupeKey string) (conversationID, messageID string, err error)
	Conversation(ctx context.Context, id string) (inbox.Conversation, error)

	Message(ctx context.Context, conversationID, messageID string) (inbox.Message, error)
	Messages(ctx context.Context, conversationID, afterID string) ([]inbox.Message, error)
	CreateSurvey(ctx context.Context, w inbox.SurveyWrite) error
	SkipSurvey(ctx context.Context, r inbox.Rating) error
	Rating(ctx context.Context, conversationID string, interaction int) (inbox.Rating, error)
	RecordRating(ctx context.Context, r inbox.Rating, score int, comment string, at time.Time) (inbox.Rating, error)

	SaveOutbound(ctx context.Context, m inbox.Message, dedupeKey string) error
	SetSent(ctx context.Context, ch inbox.Channel, conversationID, messageID string, sent inbox.Sent) error
	Answered(ctx context.Context, conversationID string, reply inbox.Message) error
	Resolve(ctx context.Context, conversationID string, at time.Time, by inbox.Agent) error
	Reopen(ctx context.Context, conversationID string, at time.Time) error
	SetTriage(ctx context.Context, conversationID string, t inbox.Triage) error
	RecordActivity(ctx context.Context, conversationID string, m inbox.Message) error
	RatingSegment(ctx context.Context, customerID string, score int, at time.Time) error
}

// Apply plays the history's events, in time order, through the code
// paths production uses: customer messages through ingest, rating
// requests and answers through csat, and the other events through the
// store methods the slack function, the dispatcher, the desk and the
// router call. It moves h.Clock to each event's time first. It fails when
// the real code places a message otherwise than the history meant, or
// refuses a rating answer the history gave for an open request.
//
// The events go one at a time: ids carry their time (inbox.NewID), and an
// id made for an earlier time than the last one the process made takes
// the later time, so playing customers side by side would misdate
// messages. For the same reason Apply refuses to start once the process
// has made an id for a time after the history's first event.
func Apply(ctx context.Context, d Driver, h History) error {
	if len(h.Events) > 0 {
		first := h.Events[0].At
		if inbox.NewID(first) >= inbox.FloorID(first.Add(time.Millisecond)) {
			return fmt.Errorf("apply history: this process already made ids for times after %s, and would misdate the history's", first.Format(time.RFC3339))
		}
	}
	a := &applier{
		d: d, h: h,
		conversations: make([]string, h.Conversations),
		resolved:      make([]bool, h.Conversations),
		customers:     make([]string, len(h.Customers)),
		replies:       make([]inbox.Message, h.Replies),
		ingest:        &ingest.Service{Store: d, Route: discard{}, ReopenWindow: inbox.DefaultReopenWindow, Now: h.Clock.Now},
		ratings: &csat.Service{
			Store: d, Deliver: discard{}, Route: discard{}, Secret: "history", BaseURL: "https://history.invalid",
			Fatigue: inbox.DefaultSurveyFatigue, Window: inbox.DefaultRatingWindow, Location: h.Options.Location,
			Log: slog.New(slog.DiscardHandler), Now: h.Clock.Now,
		},
	}
	for i, e := range h.Events {
		h.Clock.Set(e.At)
		if err := a.apply(ctx, i, e); err != nil {
			return fmt.Errorf("apply event %d (%s of conversation %d at %s): %w", i, e.Kind, e.Conversation, e.At.Format(time.RFC3339), err)
		}
	}
	return nil
}

type applier struct {
	d       Driver
	h       History
	ingest  *ingest.Service
	ratings *csat.Service
	// conversations, customers and replies are the real ids of the
	// history's conversations and customers, and the stored replies.
	conversations []string
	resolved      []bool
	customers     []string
	replies       []inbox.Message
}

func (a *applier) apply(ctx context.Context, i int, e Event) error {
	id := a.conversations[e.Conversation]
	switch e.Kind {
	case CustomerMessage:
		return a.customerMessage(ctx, i, e)
	case AgentReply:
		agent := a.h.Agents[e.Agent]
		m := inbox.Message{
			ID: inbox.NewID(e.At), ConversationID: id, Direction: inbox.DirectionOut, Author: inbox.AuthorAgent,
			Kind: inbox.KindPublic, Text: "reply " + strconv.Itoa(e.Reply), AuthorName: inbox.PublicAgentName(agent.Name, inbox.AgentFirstName, "Support"),
			AgentID: agent.ID, AgentName: agent.Name, CreatedAt: e.At, Delivery: inbox.DeliveryQueued,
		}
		a.replies[e.Reply] = m
		return a.d.SaveOutbound(ctx, m, "slack#Ev"+strconv.Itoa(e.Reply))
	case Delivery:
		m := a.replies[e.Reply]
		ch := a.h.Customers[e.Customer].Channel
		if err := a.d.SetSent(ctx, ch, id, m.ID, inbox.Sent{ExternalID: "sent-" + strconv.Itoa(e.Reply)}); err != nil {
			return err
		}
		m.Delivery = inbox.DeliverySent
		return a.d.Answered(ctx, id, m)
	case Resolve:
		if err := a.d.Resolve(ctx, id, e.At, a.h.Agents[e.Agent]); err != nil {
			return err
		}
		a.resolved[e.Conversation] = true
		return a.ratings.Request(ctx, id)
	case AgentReopen:
		if err := a.d.Reopen(ctx, id, e.At); err != nil {
			return err
		}
		a.resolved[e.Conversation] = false
		return nil
	case TriageCall:
		return a.d.SetTriage(ctx, id, *e.Triage)
	case RatingAnswer:
		cust := a.h.Customers[e.Customer]
		taken, err := a.ratings.Answer(ctx, cust.Channel, cust.Address,
			inbox.SurveyAnswer{ConversationID: id, Interaction: e.Interaction, Score: e.Score})
		if err != nil {
			return err
		}
		if !taken {
			return fmt.Errorf("answer %d to interaction %d not taken", e.Score, e.Interaction)
		}
		return a.d.RatingSegment(ctx, a.customers[e.Customer], e.Score, e.At)
	}
	return fmt.Errorf("unknown event kind %d", e.Kind)
}

// customerMessage ingests a customer message and checks it went where the
// history meant: a new conversation for a conversation's first message, a
// reopening for a message into a resolved one, the open one otherwise.
func (a *applier) customerMessage(ctx context.Context, i int, e Event) error {
	cust := a.h.Customers[e.Customer]
	text := "message " + strconv.Itoa(i)
	res, err := a.ingest.Ingest(ctx, inbox.Inbound{
		Channel: cust.Channel, Address: cust.Address, Name: cust.Name, Text: text,
		ExternalID: "history-" + strconv.Itoa(i), ReceivedAt: e.At,
	})
	if err != nil {
		return err
	}
	want := inbox.Join
	switch id := a.conversations[e.Conversation]; {
	case id == "":
		want = inbox.Open
		a.conversations[e.Conversation] = res.ConversationID
	case a.resolved[e.Conversation]:
		want = inbox.Reopen
	}
	if res.Placement != want || res.ConversationID != a.conversations[e.Conversation] {
		return fmt.Errorf("message placed %s in conversation %s; want %s in %s", res.Placement, res.ConversationID, want, a.conversations[e.Conversation])
	}
	a.resolved[e.Conversation] = false
	if a.customers[e.Customer] == "" {
		conv, err := a.d.Conversation(ctx, res.ConversationID)
		if err != nil {
			return err
		}
		a.customers[e.Customer] = conv.CustomerID
	}
	m := inbox.Message{
		ID: res.MessageID, ConversationID: res.ConversationID, Direction: inbox.DirectionIn,
		Author: inbox.AuthorCustomer, Kind: inbox.KindPublic, Text: text, AuthorName: cust.Name,
		CreatedAt: e.At, ExternalID: "history-" + strconv.Itoa(i),
	}
	return a.d.RecordActivity(ctx, res.ConversationID, m)
}

// discard stands in for the queues: nothing downstream runs.
type discard struct{}

func (discard) Publish(context.Context, queue.Job) error { return nil }
