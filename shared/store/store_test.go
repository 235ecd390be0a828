package store_test

import (
	"context"
	"errors"

	"sync"
	"testing"
	"time"

	"github.com/switchboard-inbox/switchboard/infra/ddbtest"
	"github.com/switchboard-inbox/switchboard/shared/inbox"
	"github.com/switchboard-inbox/switchboard/shared/store"
)

func newStore(t testing.TB) *store.Store {
	db, table := ddbtest.Table(t)
	return store.New(db, table)
}

var t0 = time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)

// firstMessage builds the write of a brand-new customer's first message.
func firstMessage(address, externalID string, at time.Time) inbox.InboundWrite {
	custID, convID := inbox.NewID(at), inbox.NewID(at)
	ident := inbox.Identity{Channel: inbox.ChannelChat, Address: address, CustomerID: custID}
	return inbox.InboundWrite{
		Placement:     inbox.Open,
		Identity:      ident,
		IdentityIsNew: true,
		NewCustomer:   &inbox.Customer{ID: custID, Name: "Ada", CreatedAt: at},
		Conversation: inbox.Conversation{
			ID: convID, CustomerID: custID, CustomerName: "Ada", Channel: inbox.ChannelChat, Address: address,
			Status: inbox.StatusOpen, OpenedAt: at, LastActivityAt: at, FirstMessageText: "hello", WaitingSince: at,
		},
		Message:   inboundMessage(convID, externalID, at),
		DedupeKey: "chat#" + externalID,
	}
}

func inboundMessage(convID, externalID string, at time.Time) inbox.Message {
	return inbox.Message{
		ID: inbox.NewID(at), ConversationID: convID, Direction: inbox.DirectionIn,
		Author: inbox.AuthorCustomer, Kind: inbox.KindPublic, Text: "message " + externalID,
		CreatedAt: at, ExternalID: externalID,
	}
}

func TestSaveInboundOpensJoinsAndReadsBack(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)

	first := firstMessage("visitor-1", "m1", t0)
	if err := s.SaveInbound(ctx, first); err != nil {
		t.Fatalf("SaveInbound(first) = %v", err)
	}
	ident, latest, err := s.Identity(ctx, inbox.ChannelChat, "visitor-1")
	if err != nil {
		t.Fatalf("Identity = %v", err)
	}
	if ident.CustomerID != first.NewCustomer.ID || latest == nil || latest.ConversationID != first.Conversation.ID || latest.Status != inbox.StatusOpen {
		t.Fatalf("Identity = %+v, %+v; want customer %s, open conversation %s", ident, latest, first.NewCustomer.ID, first.Conversation.ID)
	}

	follow := inbox.InboundWrite{
		Placement: inbox.Join, Identity: ident, Latest: latest,
		Message:   inboundMessage(latest.ConversationID, "m2", t0.Add(time.Minute)),
		DedupeKey: "chat#m2",
	}
	if err := s.SaveInbound(ctx, follow); err != nil {
		t.Fatalf("SaveInbound(follow-up) = %v", err)
	}

	conv, msgs, err := s.Thread(ctx, first.Conversation.ID)
	if err != nil {
		t.Fatalf("Thread = %v", err)
	}
	if got, want := len(msgs), 2; got != want {
		t.Fatalf("Thread has %d messages; want %d", got, want)
	}
	if msgs[0].ExternalID != "m1" || msgs[1].ExternalID != "m2" {
		t.Errorf("Thread messages = %s, %s; want m1, m2 in order", msgs[0].ExternalID, msgs[1].ExternalID)
	}
	if !conv.LastActivityAt.Equal(t0.Add(time.Minute)) {
		t.Errorf("LastActivityAt = %v; want %v", conv.LastActivityAt, t0.Add(time.Minute))
	}
	if conv.CustomerName != "Ada" || conv.FirstMessageText != "hello" || conv.Channel != inbox.ChannelChat {
		t.Errorf("Thread conversation = %+v; want Ada's chat conversation", conv)
	}

	after, err := s.Messages(ctx, conv.ID, msgs[0].ID)
	if err != nil {
		t.Fatalf("Messages(after first) = %v", err)
	}
	if len(after) != 1 || after[0].ID != msgs[1].ID {
		t.Errorf("Messages(after first) = %v; want only the second message", after)
	}
	all, err := s.Messages(ctx, conv.ID, "")
	if err != nil || len(all) != 2 {
		t.Errorf("Messages(all) = %d messages, %v; want 2, nil", len(all), err)
	}
}

func TestSaveInboundTwiceStoresOnce(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	first := firstMessage("visitor-2", "dup-1", t0)
	if err := s.SaveInbound(ctx, first); err != nil {
		t.Fatal(err)
	}
	// The retried webhook carries the same provider id but, decided anew,
	// a new message id and, here, a follow-up placement.
	ident, latest, err := s.Identity(ctx, inbox.ChannelChat, "visitor-2")
	if err != nil {
		t.Fatal(err)
	}
	again := inbox.InboundWrite{Placement: inbox.Join, Identity: ident, Latest: latest,
		Message: inboundMessage(latest.ConversationID, "dup-1", t0.Add(time.Second)), DedupeKey: "chat#dup-1"}
	if err := s.SaveInbound(ctx, again); !errors.Is(err, inbox.ErrDuplicate) {
		t.Fatalf("SaveInbound(same provider id) = %v; want ErrDuplicate", err)
	}
	convID, msgID, err := s.Deduped(ctx, "chat#dup-1")
	if err != nil || convID != first.Conversation.ID || msgID != first.Message.ID {
		t.Errorf("Deduped = %s, %s, %v; want %s, %s", convID, msgID, err, first.Conversation.ID, first.Message.ID)
	}
	_, msgs, _ := s.Thread(ctx, first.Conversation.ID)
	if len(msgs) != 1 {
		t.Errorf("conversation has %d messages after a duplicate; want 1", len(msgs))
	}
}

func TestSaveInboundConcurrentDuplicatesStoreOnce(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	const writers = 8
	var wg sync.WaitGroup
	errs := make([]error, writers)
	writes := make([]inbox.InboundWrite, writers)
	for i := range writes {
		// Each writer decided independently that this is a new customer.
		writes[i] = firstMessage("visitor-race", "race-1", t0)
	}
	for i := 0; i < writers; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			errs[i] = s.SaveInbound(ctx, writes[i])
		}(i)
	}
	wg.Wait()
	stored := 0
	for i, err := range errs {
		switch {
		case err == nil:
			stored++
		case errors.Is(err, inbox.ErrDuplicate), errors.Is(err, inbox.ErrConflict):
		default:
			t.Errorf("writer %d: %v", i, err)
		}
	}
	if stored != 1 {
		t.Fatalf("%d of %d concurrent writes of one webhook stored; want exactly 1", stored, writers)
	}
	_, latest, err := s.Identity(ctx, inbox.ChannelChat, "visitor-race")
	if err != nil {
		t.Fatal(err)
	}
	_, msgs, err := s.Thread(ctx, latest.ConversationID)
	if err != nil || len(msgs) != 1 {
		t.Errorf("Thread = %d messages, %v; want 1", len(msgs), err)
	}
}

func TestSaveInboundConflictsWhenConversationChanged(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	first := firstMessage("visitor-3", "c1", t0)
	if err := s.SaveInbound(ctx, first); err != nil {
		t.Fatal(err)
	}
	ident, latest, _ := s.Identity(ctx, inbox.ChannelChat, "visitor-3")
	if err := s.Resolve(ctx, latest.ConversationID, t0.Add(time.Hour), inbox.Agent{ID: "U1", Name: "Alex"}); err != nil {
		t.Fatalf("Resolve = %v", err)
	}
	// Decided on the stale "open" state: must not slip into a resolved one.
	stale := inbox.InboundWrite{Placement: inbox.Join, Identity: ident, Latest: latest,
		Message: inboundMessage(latest.ConversationID, "c2", t0.Add(2*time.Hour)), DedupeKey: "chat#c2"}
	if err := s.SaveInbound(ctx, stale); !errors.Is(err, inbox.ErrConflict) {
		t.Fatalf("SaveInbound(join a resolved conversation) = %v; want ErrConflict", err)
	}
	// Nothing of the failed write remains: the dedupe record went with it.
	if _, _, err := s.Deduped(ctx, "chat#c2"); !errors.Is(err, inbox.ErrNotFound) {
		t.Errorf("Deduped after a conflict = %v; want ErrNotFound", err)
	}
}

func TestResolveAndReopen(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	first := firstMessage("visitor-4", "r1", t0)
	if err := s.SaveInbound(ctx, first); err != nil {
		t.Fatal(err)
	}
	convID := first.Conversation.ID
	open, err := s.OpenConversations(ctx, 10)
	if err != nil || !containsConv(open, convID) {
		t.Fatalf("OpenConversations = %v, %v; want it to contain %s", open, err, convID)
	}
	resolvedAt := t0.Add(time.Hour)
	if err := s.Resolve(ctx, convID, resolvedAt, inbox.Agent{ID: "U1", Name: "Alex"}); err != nil {
		t.Fatal(err)
	}
	open, _ = s.OpenConversations(ctx, 10)
	if containsConv(open, convID) {
		t.Errorf("resolved conversation %s still in OpenConversations", convID)
	}
	ident, latest, _ := s.Identity(ctx, inbox.ChannelChat, "visitor-4")
	if latest.Status != inbox.StatusResolved || !latest.ResolvedAt.Equal(resolvedAt) {
		t.Fatalf("identity's latest = %+v; want resolved at %v", latest, resolvedAt)
	}
	reopen := inbox.InboundWrite{Placement: inbox.Reopen, Identity: ident, Latest: latest,
		Message: inboundMessage(convID, "r2", t0.Add(2*time.Hour)), DedupeKey: "chat#r2"}
	if err := s.SaveInbound(ctx, reopen); err != nil {
		t.Fatalf("SaveInbound(reopen) = %v", err)
	}
	conv, err := s.Conversation(ctx, convID)
	if err != nil || conv.Status != inbox.StatusOpen || conv.ReopenCount != 1 {
		t.Errorf("Conversation after reopen = %+v, %v; want open, reopened once", conv, err)
	}
	open, _ = s.OpenConversations(ctx, 10)
	if !containsConv(open, convID) {
		t.Errorf("reopened conversation %s missing from OpenConversations", convID)
	}
}

func TestNewConversationForKnownIdentity(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	first := firstMessage("visitor-5", "n1", t0)
	if err := s.SaveInbound(ctx, first); err != nil {
		t.Fatal(err)
	}
	if err := s.Resolve(ctx, first.Conversation.ID, t0.Add(time.Hour), inbox.Agent{ID: "U1", Name: "Alex"}); err != nil {
		t.Fatal(err)
	}
	ident, latest, _ := s.Identity(ctx, inbox.ChannelChat, "visitor-5")
	at := t0.Add(30 * 24 * time.Hour)
	next := inbox.Conversation{ID: inbox.NewID(at), CustomerID: ident.CustomerID, Channel: inbox.ChannelChat,
		Address: "visitor-5", Status: inbox.StatusOpen, OpenedAt: at, LastActivityAt: at}
	in := inbox.InboundWrite{Placement: inbox.Open, Identity: ident, Latest: latest, Conversation: next,
		Message: inboundMessage(next.ID, "n2", at), DedupeKey: "chat#n2"}
	if err := s.SaveInbound(ctx, in); err != nil {
		t.Fatalf("SaveInbound(new conversation) = %v", err)
	}
	_, latest2, _ := s.Identity(ctx, inbox.ChannelChat, "visitor-5")
	if latest2.ConversationID != next.ID || latest2.Status != inbox.StatusOpen {
		t.Errorf("identity's latest = %+v; want open %s", latest2, next.ID)
	}
	convs, err := s.CustomerConversations(ctx, ident.CustomerID, 0)
	if err != nil || len(convs) != 2 || convs[0].ID != next.ID {
		t.Errorf("CustomerConversations = %v, %v; want 2, newest (%s) first", convs, err, next.ID)
	}
	// A second writer that read the same stale pointer loses.
	in.Conversation.ID = inbox.NewID(at)
	in.Message = inboundMessage(in.Conversation.ID, "n3", at)
	in.DedupeKey = "chat#n3"
	if err := s.SaveInbound(ctx, in); !errors.Is(err, inbox.ErrConflict) {
		t.Errorf("SaveInbound(second new conversation on a stale read) = %v; want ErrConflict", err)
	}
}

func TestOutboundThreadAndDelivery(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	first := firstMessage("visitor-6", "o1", t0)
	if err := s.SaveInbound(ctx, first); err != nil {
		t.Fatal(err)
	}
	convID := first.Conversation.ID

	if err := s.SetThread(ctx, convID, "C1", "1700000000.000100"); err != nil {
		t.Fatalf("SetThread = %v", err)
	}
	if err := s.SetThread(ctx, convID, "C1", "1700000000.000200"); !errors.Is(err, inbox.ErrConflict) {
		t.Errorf("second SetThread = %v; want ErrConflict", err)
	}
	got, err := s.ConversationByThread(ctx, "C1", "1700000000.000100")
	if err != nil || got.ID != convID || got.SlackThreadTS != "1700000000.000100" {
		t.Fatalf("ConversationByThread = %+v, %v; want %s", got, err, convID)
	}
	if _, err := s.ConversationByThread(ctx, "C1", "1700000000.000200"); !errors.Is(err, inbox.ErrNotFound) {
		t.Errorf("ConversationByThread(unknown ts) = %v; want ErrNotFound", err)
	}

	at := t0.Add(5 * time.Minute)
	reply := inbox.Message{ID: inbox.NewID(at), ConversationID: convID, Direction: inbox.DirectionOut,
		Author: inbox.AuthorAgent, Kind: inbox.KindPublic, Text: "hi!", AgentID: "U1", AuthorName: "Alex",
		CreatedAt: at, Delivery: inbox.DeliveryQueued}
	if err := s.SaveOutbound(ctx, reply, "slack#Ev1"); err != nil {
		t.Fatalf("SaveOutbound = %v", err)
	}
	dup := reply
	dup.ID = inbox.NewID(at)
	if err := s.SaveOutbound(ctx, dup, "slack#Ev1"); !errors.Is(err, inbox.ErrDuplicate) {
		t.Errorf("SaveOutbound(same event) = %v; want ErrDuplicate", err)
	}
	orphan := reply
	orphan.ID, orphan.ConversationID = inbox.NewID(at), "no-such-conversation"
	if err := s.SaveOutbound(ctx, orphan, "slack#Ev2"); !errors.Is(err, inbox.ErrNotFound) {
		t.Errorf("SaveOutbound(unknown conversation) = %v; want ErrNotFound", err)
	}

	if err := s.SetDelivery(ctx, convID, reply.ID, inbox.DeliverySent, "ext-1", ""); err != nil {
		t.Fatalf("SetDelivery = %v", err)
	}
	if err := s.SetMessageSlackTS(ctx, convID, reply.ID, "1700000000.000300"); err != nil {
		t.Fatalf("SetMessageSlackTS = %v", err)
	}
	m, err := s.Message(ctx, convID, reply.ID)
	if err != nil || m.Delivery != inbox.DeliverySent || m.ExternalID != "ext-1" || m.SlackTS != "1700000000.000300" || m.AgentID != "U1" {
		t.Errorf("Message = %+v, %v; want sent, ext-1, slack ts, agent U1", m, err)
	}
	if err := s.SetDelivery(ctx, convID, "no-such-message", inbox.DeliverySent, "", ""); !errors.Is(err, inbox.ErrNotFound) {
		t.Errorf("SetDelivery(unknown message) = %v; want ErrNotFound", err)
	}
	if conv, _ := s.Conversation(ctx, convID); !conv.FirstResponseAt.IsZero() || conv.WaitingSince.IsZero() {
		t.Errorf("before delivery: first response %v, waiting since %v; want none yet, still waiting", conv.FirstResponseAt, conv.WaitingSince)
	}
	if err := s.Answered(ctx, convID, reply); err != nil {
		t.Fatal(err)
	}
	conv, _ := s.Conversation(ctx, convID)
	if !conv.FirstResponseAt.Equal(at) || !conv.WaitingSince.IsZero() {
		t.Errorf("after Answered: FirstResponseAt = %v, waiting since %v; want %v, answered", conv.FirstResponseAt, conv.WaitingSince, at)
	}
}

// A customer who writes again after the reply was written is still
// waiting when that reply is delivered.
func TestAnsweredKeepsALaterWait(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	first := firstMessage("answered-visitor", "a1", t0)
	if err := s.SaveInbound(ctx, first); err != nil {
		t.Fatal(err)
	}
	if err := answer(ctx, s, first.Conversation.ID, t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	ident, latest, _ := s.Identity(ctx, inbox.ChannelChat, "answered-visitor")
	later := t0.Add(3 * time.Minute)
	if err := s.SaveInbound(ctx, inbox.InboundWrite{Placement: inbox.Join, Identity: ident, Latest: latest,
		Message: inboundMessage(first.Conversation.ID, "a2", later), DedupeKey: "chat#a2"}); err != nil {
		t.Fatal(err)
	}
	if err := answer(ctx, s, first.Conversation.ID, t0.Add(2*time.Minute)); err != nil {
		t.Fatal(err)
	}
	conv, _ := s.Conversation(ctx, first.Conversation.ID)
	if !conv.WaitingSince.Equal(later) || !conv.FirstResponseAt.Equal(t0.Add(time.Minute)) {
		t.Errorf("waiting since %v, first response %v; want %v and the first answer", conv.WaitingSince, conv.FirstResponseAt, later)
	}
}

// answer stores an agent's reply written at `at` and records it delivered.
func answer(ctx context.Context, s *store.Store, convID string, at time.Time) error {
	reply := inbox.Message{ID: inbox.NewID(at), ConversationID: convID, Direction: inbox.DirectionOut,
		Author: inbox.AuthorAgent, Kind: inbox.KindPublic, Text: "on it", AgentID: "U1", AgentName: "Alex",
		CreatedAt: at, Delivery: inbox.DeliveryQueued}
	if err := s.SaveOutbound(ctx, reply, "slack#"+reply.ID); err != nil {
		return err
	}
	return s.Answered(ctx, convID, reply)
}

func containsConv(convs []inbox.Conversation, id string) bool {
	for _, c := range convs {
		if c.ID == id {
			return true
		}
	}
	return false
}
