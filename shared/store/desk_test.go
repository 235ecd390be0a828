package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/switchboard-inbox/switchboard/shared/inbox"
)

// Each agent action changes the conversation once; repeating it (a Slack
// retry, a second click) is inbox.ErrConflict, which callers treat as
// "nothing to announce".
func TestAgentActionsChangeOnce(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	first := firstMessage("desk-visitor", "d1", t0)
	if err := s.SaveInbound(ctx, first); err != nil {
		t.Fatal(err)
	}
	id := first.Conversation.ID
	steps := []struct {
		name string
		do   func() error
	}{
		{"Assign", func() error { return s.Assign(ctx, id, "U0AGENT1", "Alex") }},
		{"SetPriority", func() error { return s.SetPriority(ctx, id, inbox.PriorityUrgent) }},
		{"Resolve", func() error { return s.Resolve(ctx, id, t0.Add(time.Hour), inbox.Agent{ID: "U1", Name: "Alex"}) }},
		{"Reopen", func() error { return s.Reopen(ctx, id, t0.Add(2*time.Hour)) }},
	}
	for _, step := range steps {
		if err := step.do(); err != nil {
			t.Fatalf("%s = %v", step.name, err)
		}
		if err := step.do(); !errors.Is(err, inbox.ErrConflict) {
			t.Errorf("%s again = %v; want ErrConflict", step.name, err)
		}
	}
	conv, err := s.Conversation(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if conv.AssigneeID != "U0AGENT1" || conv.Priority != inbox.PriorityUrgent || conv.Status != inbox.StatusOpen || conv.ReopenCount != 1 {
		t.Errorf("conversation = %+v; want assigned, urgent, open again, reopened once", conv)
	}
	_, latest, _ := s.Identity(ctx, inbox.ChannelChat, "desk-visitor")
	if latest.Status != inbox.StatusOpen {
		t.Errorf("identity mirrors %s after reopen; want open", latest.Status)
	}
	if err := s.Assign(ctx, "no-such-conversation", "U0AGENT1", "Alex"); !errors.Is(err, inbox.ErrNotFound) {
		t.Errorf("Assign(missing) = %v; want ErrNotFound", err)
	}
}

func TestSnoozeWakesWhenDueOrWhenCustomerWrites(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	a, b := firstMessage("snooze-a", "s1", t0), firstMessage("snooze-b", "s2", t0)
	for _, w := range []inbox.InboundWrite{a, b} {
		if err := s.SaveInbound(ctx, w); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Snooze(ctx, a.Conversation.ID, t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := s.Snooze(ctx, b.Conversation.ID, t0.Add(3*time.Hour)); err != nil {
		t.Fatal(err)
	}
	due, err := s.DueSnoozes(ctx, t0.Add(2*time.Hour), 10)
	if err != nil || len(due) != 1 || due[0].ID != a.Conversation.ID {
		t.Fatalf("DueSnoozes(+2h) = %v, %v; want only %s", due, err, a.Conversation.ID)
	}
	if err := s.Wake(ctx, b.Conversation.ID, t0.Add(2*time.Hour)); !errors.Is(err, inbox.ErrConflict) {
		t.Errorf("Wake before its time = %v; want ErrConflict", err)
	}
	if err := s.Wake(ctx, a.Conversation.ID, t0.Add(2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if due, _ := s.DueSnoozes(ctx, t0.Add(2*time.Hour), 10); len(due) != 0 {
		t.Errorf("DueSnoozes after waking = %v; want none", due)
	}

	// A customer writing into a snoozed conversation wakes it.
	ident, latest, _ := s.Identity(ctx, inbox.ChannelChat, "snooze-b")
	join := inbox.InboundWrite{Placement: inbox.Join, Identity: ident, Latest: latest,
		Message: inboundMessage(b.Conversation.ID, "s3", t0.Add(2*time.Hour)), DedupeKey: "chat#s3"}
	if err := s.SaveInbound(ctx, join); err != nil {
		t.Fatalf("SaveInbound into a snoozed conversation = %v", err)
	}
	conv, _ := s.Conversation(ctx, b.Conversation.ID)
	if conv.Status != inbox.StatusOpen || !conv.SnoozedUntil.IsZero() {
		t.Errorf("conversation after a customer message = %s until %v; want open, not snoozed", conv.Status, conv.SnoozedUntil)
	}
	if due, _ := s.DueSnoozes(ctx, t0.Add(4*time.Hour), 10); len(due) != 0 {
		t.Errorf("DueSnoozes = %v; want the woken conversation gone from the snooze index", due)
	}
	if err := s.Resolve(ctx, b.Conversation.ID, t0.Add(5*time.Hour), inbox.Agent{ID: "U1", Name: "Alex"}); err != nil {
		t.Fatal(err)
	}
	if err := s.Snooze(ctx, b.Conversation.ID, t0.Add(6*time.Hour)); !errors.Is(err, inbox.ErrConflict) {
		t.Errorf("Snooze(resolved) = %v; want ErrConflict", err)
	}
}

func TestProfileCountsConversationsAndIdentities(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	first := firstMessage("profile-visitor", "p1", t0)
	if err := s.SaveInbound(ctx, first); err != nil {
		t.Fatal(err)
	}
	custID := first.Identity.CustomerID
	p, err := s.Profile(ctx, custID)
	if err != nil || p.Conversations != 1 || !p.PreviousOpenedAt.IsZero() || len(p.Identities) != 1 || p.Customer.Name != "Ada" {
		t.Fatalf("Profile of a new customer = %+v, %v; want one conversation, one identity, no previous", p, err)
	}
	if err := s.Resolve(ctx, first.Conversation.ID, t0.Add(time.Hour), inbox.Agent{ID: "U1", Name: "Alex"}); err != nil {
		t.Fatal(err)
	}
	ident, latest, _ := s.Identity(ctx, inbox.ChannelChat, "profile-visitor")
	at := t0.Add(30 * 24 * time.Hour)
	next := inbox.Conversation{ID: inbox.NewID(at), CustomerID: custID, Channel: inbox.ChannelChat,
		Address: "profile-visitor", Status: inbox.StatusOpen, OpenedAt: at, LastActivityAt: at}
	if err := s.SaveInbound(ctx, inbox.InboundWrite{Placement: inbox.Open, Identity: ident, Latest: latest, Conversation: next,
		Message: inboundMessage(next.ID, "p2", at), DedupeKey: "chat#p2"}); err != nil {
		t.Fatal(err)
	}
	p, err = s.Profile(ctx, custID)
	if err != nil || p.Conversations != 2 || !p.PreviousOpenedAt.Equal(t0) {
		t.Errorf("Profile = %+v, %v; want 2 conversations, the previous opened at %v", p, err, t0)
	}
	if convs, _ := s.CustomerConversations(ctx, custID, 0); len(convs) != 2 {
		t.Errorf("CustomerConversations = %d; want 2 (the profile items are not conversations)", len(convs))
	}
}

func TestSetTriageKeepsAnAgentsPriority(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	first := firstMessage("triage-visitor", "t1", t0)
	if err := s.SaveInbound(ctx, first); err != nil {
		t.Fatal(err)
	}
	id := first.Conversation.ID
	tr := inbox.Triage{Category: "billing", Priority: inbox.PriorityHigh, Sentiment: inbox.SentimentNegative,
		Language: "es", Summary: "Cobro doble", SuggestedReply: "Hola", Source: inbox.TriageByModel, PromptTokens: 120, CompletionTokens: 40}
	if err := s.SetTriage(ctx, id, tr); err != nil {
		t.Fatal(err)
	}
	conv, _ := s.Conversation(ctx, id)
	if conv.Priority != inbox.PriorityHigh || conv.Triage == nil || *conv.Triage != tr {
		t.Fatalf("conversation = %+v (triage %+v); want triage stored and its priority applied", conv, conv.Triage)
	}
	if err := s.SetPriority(ctx, id, inbox.PriorityLow); err != nil {
		t.Fatal(err)
	}
	tr.Priority = inbox.PriorityUrgent
	if err := s.SetTriage(ctx, id, tr); err != nil {
		t.Fatal(err)
	}
	if conv, _ := s.Conversation(ctx, id); conv.Priority != inbox.PriorityLow {
		t.Errorf("priority after a later triage = %s; want the agent's low", conv.Priority)
	}
}

func TestMessageBySlackTS(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	first := firstMessage("ts-visitor", "x1", t0)
	if err := s.SaveInbound(ctx, first); err != nil {
		t.Fatal(err)
	}
	reply := inbox.Message{ID: inbox.NewID(t0), ConversationID: first.Conversation.ID, Direction: inbox.DirectionOut,
		Author: inbox.AuthorAgent, Kind: inbox.KindPublic, Text: "hi", CreatedAt: t0, Delivery: inbox.DeliveryQueued, SlackTS: "1700000000.000200"}
	if err := s.SaveOutbound(ctx, reply, "slack#EvTS"); err != nil {
		t.Fatal(err)
	}
	got, err := s.MessageBySlackTS(ctx, first.Conversation.ID, "1700000000.000200")
	if err != nil || got.ID != reply.ID {
		t.Errorf("MessageBySlackTS = %+v, %v; want %s", got, err, reply.ID)
	}
	if _, err := s.MessageBySlackTS(ctx, first.Conversation.ID, "1.2"); !errors.Is(err, inbox.ErrNotFound) {
		t.Errorf("MessageBySlackTS(unknown) = %v; want ErrNotFound", err)
	}
}
