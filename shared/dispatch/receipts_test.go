package dispatch_test

import (
	"context"
	"log/slog"
	"slices"
	"strings"
	"testing"

	"github.com/switchboard-inbox/switchboard/shared/dispatch"
	"github.com/switchboard-inbox/switchboard/shared/inbox"
	"github.com/switchboard-inbox/switchboard/shared/slackui"
)

func TestDeliverOffersTemplateWhenWindowClosed(t *testing.T) {
	st, stub, slack, job, rootTS := setup(t)
	sender := &flakySender{err: &dispatch.PermanentError{Reason: "the 24-hour window is closed", Template: "reopen_conversation"}}
	svc := &dispatch.Service{Store: st, Senders: map[inbox.Channel]dispatch.Sender{inbox.ChannelChat: sender}, Notify: slack, MaxAttempts: 5}
	if err := svc.Deliver(context.Background(), job, 1); err != nil {
		t.Fatalf("Deliver = %v", err)
	}
	_, replies, _ := stub.Thread("C0SUPPORT", rootTS)
	if len(replies) != 2 || !strings.Contains(replies[0].Text, "window is closed") {
		t.Fatalf("thread replies %+v; want the failure, then the offer", replies)
	}
	offer := string(replies[1].Blocks)
	if !strings.Contains(offer, `"action_id":"send_template"`) || !strings.Contains(offer, `"value":"reopen_conversation"`) {
		t.Errorf("offer blocks %s; want a send_template button carrying the template", offer)
	}
}

func TestReceipts(t *testing.T) {
	ctx := context.Background()
	st, stub, slack, job, rootTS := setup(t)
	svc := &dispatch.Service{Store: st, Senders: map[inbox.Channel]dispatch.Sender{inbox.ChannelChat: &flakySender{}}, Notify: slack, MaxAttempts: 5}
	if err := svc.Deliver(ctx, job, 1); err != nil {
		t.Fatal(err)
	}
	reply, _ := st.Message(ctx, job.ConversationID, job.MessageID)
	if err := st.SetMessageSlackTS(ctx, job.ConversationID, job.MessageID, rootTS); err != nil {
		t.Fatal(err)
	}
	receipts := &dispatch.Receipts{Store: st, Notify: slack, Log: slog.New(slog.DiscardHandler)}
	apply := func(status inbox.ReceiptStatus, id, reason string) {
		t.Helper()
		if err := receipts.Receipt(ctx, inbox.Receipt{Channel: inbox.ChannelChat, ExternalID: id, Status: status, Reason: reason}); err != nil {
			t.Fatalf("Receipt(%s %s) = %v", status, id, err)
		}
	}
	apply(inbox.ReceiptRead, reply.ExternalID, "")
	apply(inbox.ReceiptDelivered, reply.ExternalID, "")
	if m, _ := st.Message(ctx, job.ConversationID, job.MessageID); m.Receipt != inbox.ReceiptRead {
		t.Errorf("receipt after read then a late delivered = %q; want read", m.Receipt)
	}
	root, _, _ := stub.Thread("C0SUPPORT", rootTS)
	if !slices.Contains(root.Reactions, slackui.ReactionRead) {
		t.Errorf("reactions %v; want the read mark", root.Reactions)
	}

	apply(inbox.ReceiptFailed, reply.ExternalID, "Unreachable destination handset")
	apply(inbox.ReceiptFailed, reply.ExternalID, "Unreachable destination handset")
	m, _ := st.Message(ctx, job.ConversationID, job.MessageID)
	if m.Delivery != inbox.DeliveryFailed || m.DeliveryError != "Unreachable destination handset" {
		t.Errorf("message %+v; want failed with the provider's reason", m)
	}
	_, replies, _ := stub.Thread("C0SUPPORT", rootTS)
	warnings := 0
	for _, r := range replies {
		if strings.Contains(r.Text, "Unreachable destination handset") {
			warnings++
		}
	}
	if warnings != 1 {
		t.Errorf("%d failure warnings in the thread; want exactly one for a repeated receipt", warnings)
	}

	apply(inbox.ReceiptFailed, "not-ours", "whatever")
}

func TestReceiptFailureShownAfterSlackRecovers(t *testing.T) {
	ctx := context.Background()
	st, stub, slack, job, rootTS := setup(t)
	svc := &dispatch.Service{Store: st, Senders: map[inbox.Channel]dispatch.Sender{inbox.ChannelChat: &flakySender{}}, Notify: slack, MaxAttempts: 5}
	if err := svc.Deliver(ctx, job, 1); err != nil {
		t.Fatal(err)
	}
	receipts := &dispatch.Receipts{Store: st, Notify: slack, Log: slog.New(slog.DiscardHandler)}
	failed := inbox.Receipt{Channel: inbox.ChannelChat, ExternalID: "provider-1", Status: inbox.ReceiptFailed, Reason: "Unreachable destination handset"}
	stub.FailNext("chat.postMessage", "internal_error")
	if err := receipts.Receipt(ctx, failed); err == nil {
		t.Fatal("Receipt with Slack down = nil; want an error so the provider retries")
	}
	for i := 0; i < 2; i++ {
		if err := receipts.Receipt(ctx, failed); err != nil {
			t.Fatalf("retry %d: %v", i+1, err)
		}
	}
	_, replies, _ := stub.Thread("C0SUPPORT", rootTS)
	shown := 0
	for _, r := range replies {
		if strings.Contains(r.Text, "Unreachable destination handset") {
			shown++
		}
	}
	if shown != 1 {
		t.Errorf("failure shown %d times; want once, on the provider's retry", shown)
	}
}
