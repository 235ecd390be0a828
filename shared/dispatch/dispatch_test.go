package dispatch_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-inbox/switchboard/infra/ddbtest"
	"github.com/switchboard-inbox/switchboard/infra/slackstub"
	"github.com/switchboard-inbox/switchboard/shared/dispatch"
	"github.com/switchboard-inbox/switchboard/shared/inbox"
	"github.com/switchboard-inbox/switchboard/shared/queue"
	"github.com/switchboard-inbox/switchboard/shared/slackui"
	"github.com/switchboard-inbox/switchboard/shared/store"
)

type flakySender struct {
	err   error
	calls int
	sent  []string
}

func (f *flakySender) Send(_ context.Context, _ inbox.Conversation, m inbox.Message) (inbox.Sent, error) {
	f.calls++
	f.sent = append(f.sent, m.Text)
	if f.err != nil {
		return inbox.Sent{}, f.err
	}
	return inbox.Sent{ExternalID: "provider-1"}, nil
}

// setup stores a conversation with a Slack thread and a queued agent reply.
func setup(t *testing.T) (*store.Store, *slackstub.Server, *slackui.Client, queue.Job, string) {
	t.Helper()
	ctx := context.Background()
	db, table := ddbtest.Table(t)
	st := store.New(db, table)
	stub := slackstub.New(slackstub.Options{})
	srv := httptest.NewServer(stub.Handler())
	t.Cleanup(srv.Close)
	slack := slackui.New("xoxb-test", srv.URL+"/api/", srv.Client())

	now := time.Now()
	w := inbox.PlaceInbound(inbox.Inbound{Channel: inbox.ChannelChat, Address: "dispatch-visitor", Name: "Ada", Text: "hi", ExternalID: "d1", ReceivedAt: now}, inbox.Known{}, time.Hour)
	if err := st.SaveInbound(ctx, w); err != nil {
		t.Fatal(err)
	}
	conv := w.Conversation
	rootTS, err := slack.PostConversation(ctx, "C0SUPPORT", conv, inbox.Profile{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.SetThread(ctx, conv.ID, "C0SUPPORT", rootTS); err != nil {
		t.Fatal(err)
	}
	reply := inbox.Message{ID: inbox.NewID(now), ConversationID: conv.ID, Direction: inbox.DirectionOut, Author: inbox.AuthorAgent,
		Kind: inbox.KindPublic, Text: "We're on it <@U1>", CreatedAt: now, Delivery: inbox.DeliveryQueued}
	if err := st.SaveOutbound(ctx, reply, "slack#EvD1"); err != nil {
		t.Fatal(err)
	}
	return st, stub, slack, queue.Job{ConversationID: conv.ID, MessageID: reply.ID}, rootTS
}

func TestDeliverSendsOnce(t *testing.T) {
	st, _, slack, job, _ := setup(t)
	sender := &flakySender{}
	svc := &dispatch.Service{Store: st, Senders: map[inbox.Channel]dispatch.Sender{inbox.ChannelChat: sender}, Notify: slack, MaxAttempts: 3}
	for i := 0; i < 2; i++ {
		if err := svc.Deliver(context.Background(), job, queue.Attempt(i+1)); err != nil {
			t.Fatalf("Deliver #%d = %v", i+1, err)
		}
	}
	if sender.calls != 1 {
		t.Errorf("sent %d times; want 1 for a job delivered twice", sender.calls)
	}
	m, _ := st.Message(context.Background(), job.ConversationID, job.MessageID)
	if m.Delivery != inbox.DeliverySent || m.ExternalID != "provider-1" {
		t.Errorf("message after delivery = %+v; want sent with the provider's id", m)
	}
}

func TestDeliverRetriesThenReportsInThread(t *testing.T) {
	st, stub, slack, job, rootTS := setup(t)
	sender := &flakySender{err: errors.New("connection reset")}
	svc := &dispatch.Service{Store: st, Senders: map[inbox.Channel]dispatch.Sender{inbox.ChannelChat: sender}, Notify: slack, MaxAttempts: 3}
	ctx := context.Background()
	for attempt := 1; attempt <= 3; attempt++ {
		if err := svc.Deliver(ctx, job, queue.Attempt(attempt)); err == nil {
			t.Fatalf("Deliver attempt %d = nil; want the send error so SQS retries (and finally dead-letters)", attempt)
		}
		_, replies, _ := stub.Thread("C0SUPPORT", rootTS)
		if attempt < 3 && len(replies) != 0 {
			t.Fatalf("attempt %d already posted %+v; want silence until the last attempt", attempt, replies)
		}
	}
	_, replies, _ := stub.Thread("C0SUPPORT", rootTS)
	if len(replies) != 1 || !strings.Contains(replies[0].Text, "not delivered") || !strings.Contains(replies[0].Text, "connection reset") {
		t.Fatalf("thread replies %+v; want one warning naming the reason", replies)
	}
	if strings.Contains(replies[0].Text, "<@U1>") {
		t.Errorf("warning quotes the reply unescaped: %q", replies[0].Text)
	}
	m, _ := st.Message(ctx, job.ConversationID, job.MessageID)
	if m.Delivery != inbox.DeliveryFailed || !strings.Contains(m.DeliveryError, "connection reset") {
		t.Errorf("message = %+v; want failed with the reason", m)
	}
}

func TestDeliverPermanentFailureIsNotRetried(t *testing.T) {
	st, stub, slack, job, rootTS := setup(t)
	sender := &flakySender{err: &dispatch.PermanentError{Reason: "the customer's 24-hour window is closed"}}
	svc := &dispatch.Service{Store: st, Senders: map[inbox.Channel]dispatch.Sender{inbox.ChannelChat: sender}, Notify: slack, MaxAttempts: 5}
	if err := svc.Deliver(context.Background(), job, 1); err != nil {
		t.Fatalf("Deliver = %v; want nil (nothing to retry)", err)
	}
	_, replies, _ := stub.Thread("C0SUPPORT", rootTS)
	if len(replies) != 1 || !strings.Contains(replies[0].Text, "window is closed") {
		t.Errorf("thread replies %+v; want the reason in the thread", replies)
	}
	if err := svc.Deliver(context.Background(), job, 2); err != nil || sender.calls != 1 {
		t.Errorf("redelivered job: err %v, %d sends; want it skipped", err, sender.calls)
	}
}

func TestDeliverWithoutSenderReportsIt(t *testing.T) {
	st, stub, slack, job, rootTS := setup(t)
	svc := &dispatch.Service{Store: st, Senders: map[inbox.Channel]dispatch.Sender{}, Notify: slack, MaxAttempts: 5}
	if err := svc.Deliver(context.Background(), job, 1); err != nil {
		t.Fatalf("Deliver = %v", err)
	}
	_, replies, _ := stub.Thread("C0SUPPORT", rootTS)
	if len(replies) != 1 || !strings.Contains(replies[0].Text, "not set up") {
		t.Errorf("thread replies %+v; want a warning that the channel has no sender", replies)
	}
}

func TestDeliverMarksDeliveredInThread(t *testing.T) {
	ctx := context.Background()
	st, stub, slack, job, _ := setup(t)
	conv, err := st.Conversation(ctx, job.ConversationID)
	if err != nil {
		t.Fatal(err)
	}
	m, _ := st.Message(ctx, job.ConversationID, job.MessageID)
	ts, err := slack.PostAgentReply(ctx, conv, m)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.SetMessageSlackTS(ctx, conv.ID, m.ID, ts); err != nil {
		t.Fatal(err)
	}
	svc := &dispatch.Service{Store: st, Senders: map[inbox.Channel]dispatch.Sender{inbox.ChannelChat: &flakySender{}}, Notify: slack, MaxAttempts: 3}
	if err := svc.Deliver(ctx, job, 1); err != nil {
		t.Fatal(err)
	}
	for _, posted := range stub.Messages() {
		if posted.TS == ts && !slices.Contains(posted.Reactions, slackui.ReactionDelivered) {
			t.Errorf("reply reactions %v; want %s once delivered", posted.Reactions, slackui.ReactionDelivered)
		}
	}
}

// An edit before the dispatcher claims the message changes what is sent;
// a withdrawal stops it; after the claim, both are refused.
func TestDeliverHonoursEditsAndWithdrawals(t *testing.T) {
	ctx := context.Background()
	st, _, slack, job, _ := setup(t)
	sender := &flakySender{}
	svc := &dispatch.Service{Store: st, Senders: map[inbox.Channel]dispatch.Sender{inbox.ChannelChat: sender}, Notify: slack, MaxAttempts: 3}
	if _, err := st.EditQueued(ctx, job.ConversationID, job.MessageID, "We're on it, Ada"); err != nil {
		t.Fatal(err)
	}
	if err := svc.Deliver(ctx, job, 1); err != nil {
		t.Fatal(err)
	}
	if len(sender.sent) != 1 || sender.sent[0] != "We're on it, Ada" {
		t.Errorf("sent %q; want the edited text", sender.sent)
	}
	if m, err := st.EditQueued(ctx, job.ConversationID, job.MessageID, "too late"); !errors.Is(err, inbox.ErrConflict) || m.Delivery != inbox.DeliverySent {
		t.Errorf("EditQueued after sending = %s, %v; want ErrConflict, with the message as sent", m.Delivery, err)
	}
	if _, err := st.CancelQueued(ctx, job.ConversationID, job.MessageID); !errors.Is(err, inbox.ErrConflict) {
		t.Errorf("CancelQueued after sending = %v; want ErrConflict", err)
	}

	now := time.Now()
	withdrawn := inbox.Message{ID: inbox.NewID(now), ConversationID: job.ConversationID, Direction: inbox.DirectionOut,
		Author: inbox.AuthorAgent, Kind: inbox.KindPublic, Text: "oops, wrong customer", CreatedAt: now, Delivery: inbox.DeliveryQueued}
	if err := st.SaveOutbound(ctx, withdrawn, "slack#EvD2"); err != nil {
		t.Fatal(err)
	}
	if _, err := st.CancelQueued(ctx, job.ConversationID, withdrawn.ID); err != nil {
		t.Fatal(err)
	}
	if err := svc.Deliver(ctx, queue.Job{ConversationID: job.ConversationID, MessageID: withdrawn.ID}, 1); err != nil {
		t.Fatal(err)
	}
	if sender.calls != 1 {
		t.Errorf("sent %d messages; want the withdrawn one not sent", sender.calls)
	}
}

// A check mark Slack refused (a rate limit) is put on when the job comes
// back, without sending the message again.
func TestDeliverRetriesTheCheckMarkOnly(t *testing.T) {
	ctx := context.Background()
	st, stub, slack, job, _ := setup(t)
	conv, _ := st.Conversation(ctx, job.ConversationID)
	m, _ := st.Message(ctx, job.ConversationID, job.MessageID)
	ts, err := slack.PostAgentReply(ctx, conv, m)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.SetMessageSlackTS(ctx, conv.ID, m.ID, ts); err != nil {
		t.Fatal(err)
	}
	sender := &flakySender{}
	svc := &dispatch.Service{Store: st, Senders: map[inbox.Channel]dispatch.Sender{inbox.ChannelChat: sender}, Notify: slack, MaxAttempts: 3}
	stub.FailNext("reactions.add", "ratelimited")
	if err := svc.Deliver(ctx, job, 1); err == nil {
		t.Fatal("Deliver with the check mark rate-limited = nil; want an error so the job comes back")
	}
	if err := svc.Deliver(ctx, job, 2); err != nil {
		t.Fatal(err)
	}
	marked := false
	for _, posted := range stub.Messages() {
		marked = marked || posted.TS == ts && slices.Contains(posted.Reactions, slackui.ReactionDelivered)
	}
	if sender.calls != 1 || !marked {
		t.Errorf("sent %d times, marked %v; want sent once and marked on the retry", sender.calls, marked)
	}
}
