package ingest_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/switchboard-inbox/switchboard/shared/inbox"
)

func mail(from, messageID, text string, refs ...string) inbox.Inbound {
	return inbox.Inbound{Channel: inbox.ChannelEmail, Address: from, Email: from, Name: "Ada", Text: text,
		ExternalID: messageID, Threaded: true, References: refs, Subject: "Refund"}
}

func TestIngestEmailThreading(t *testing.T) {
	ctx := context.Background()
	svc, st, _ := newService(t)

	first, err := svc.Ingest(ctx, mail("ada@example.com", "m1@mail.example", "where is my refund?"))
	if err != nil || first.Placement != inbox.Open {
		t.Fatalf("first mail = %+v, %v; want a new conversation", first, err)
	}
	// Our reply's Message-ID is remembered when the channel accepts it.
	reply := inbox.Message{ID: inbox.NewID(time.Now()), ConversationID: first.ConversationID, Direction: inbox.DirectionOut,
		Author: inbox.AuthorAgent, Kind: inbox.KindPublic, Text: "on it", CreatedAt: time.Now(), Delivery: inbox.DeliveryQueued}
	if err := st.SaveOutbound(ctx, reply, "slack#thread-1"); err != nil {
		t.Fatal(err)
	}
	if err := st.SetSent(ctx, inbox.ChannelEmail, first.ConversationID, reply.ID,
		inbox.Sent{ExternalID: "ses-1@email.amazonses.com", Aliases: []string{"ours-1@support.example"}}); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name string
		in   inbox.Inbound
		want inbox.Placement
		// same says the message lands in the first conversation.
		same bool
	}{
		{"reply to our reply", mail("ada@example.com", "m2@mail.example", "thanks", "ses-1@email.amazonses.com"), inbox.Join, true},
		{"reply naming our own Message-ID", mail("ada@example.com", "m3@mail.example", "still", "unknown@x", "ours-1@support.example"), inbox.Join, true},
		{"reply to the customer's own first mail", mail("ada@example.com", "m4@mail.example", "also", "m1@mail.example"), inbox.Join, true},
		{"new mail from a known sender, same subject", mail("ada@example.com", "m5@mail.example", "a different question"), inbox.Open, false},
		{"another sender quoting the thread's ids", mail("eve@example.com", "m6@mail.example", "let me in", "ses-1@email.amazonses.com"), inbox.Open, false},
	}
	for _, tt := range tests {
		res, err := svc.Ingest(ctx, tt.in)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if res.Placement != tt.want || (res.ConversationID == first.ConversationID) != tt.same {
			t.Errorf("%s: placed %v in %s; want %v, same conversation %v", tt.name, res.Placement, res.ConversationID, tt.want, tt.same)
		}
	}

	// A reply token names the conversation even without headers, and a
	// reply to a resolved conversation reopens it.
	if err := st.Resolve(ctx, first.ConversationID, time.Now(), inbox.Agent{ID: "U1", Name: "Alex"}); err != nil {
		t.Fatal(err)
	}
	tokened := mail("ada@example.com", "m7@mail.example", "one more thing")
	tokened.ConversationID = first.ConversationID
	res, err := svc.Ingest(ctx, tokened)
	if err != nil || res.Placement != inbox.Reopen || res.ConversationID != first.ConversationID {
		t.Errorf("reply token after resolve = %+v, %v; want a reopen of %s", res, err, first.ConversationID)
	}
	// Ada's newest conversation is still the one her unrelated mail opened.
	if _, latest, _ := st.Identity(ctx, inbox.ChannelEmail, "ada@example.com"); latest == nil || latest.ConversationID == first.ConversationID {
		t.Errorf("identity's newest conversation = %+v; reopening an older thread must not move it back", latest)
	}
	conv, _ := st.Conversation(ctx, first.ConversationID)
	if conv.Subject != "Refund" || conv.LastInboundAt.IsZero() {
		t.Errorf("conversation subject %q, last inbound %v; want the mail's subject and a time", conv.Subject, conv.LastInboundAt)
	}
}

func TestIngestLinksAndPhoneMerge(t *testing.T) {
	ctx := context.Background()
	svc, st, _ := newService(t)
	web, err := svc.Ingest(ctx, inbox.Inbound{Channel: inbox.ChannelChat, Address: "user:42", Name: "Ada", Text: "hi", ExternalID: "c1", Verified: true})
	if err != nil {
		t.Fatal(err)
	}
	webConv, _ := st.Conversation(ctx, web.ConversationID)

	tg, err := svc.Ingest(ctx, inbox.Inbound{Channel: inbox.ChannelTelegram, Address: "777", Name: "Ada", Text: "[Started]", ExternalID: "u1",
		Links: []inbox.Identity{{Channel: inbox.ChannelChat, Address: "user:42"}}})
	if err != nil {
		t.Fatal(err)
	}
	if tgConv, _ := st.Conversation(ctx, tg.ConversationID); tgConv.CustomerID != webConv.CustomerID {
		t.Errorf("telegram deep link made customer %s; want the chat user's %s", tgConv.CustomerID, webConv.CustomerID)
	}

	sms := func(svcMerge bool, ch inbox.Channel, id string) string {
		svc.MergeByPhone = svcMerge
		res, err := svc.Ingest(ctx, inbox.Inbound{Channel: ch, Address: "+34600111222", Text: "hola", ExternalID: id,
			Verified: ch == inbox.ChannelWhatsApp})
		if err != nil {
			t.Fatal(err)
		}
		conv, _ := st.Conversation(ctx, res.ConversationID)
		return conv.CustomerID
	}
	smsCustomer := sms(false, inbox.ChannelSMS, "s1")
	if got := sms(true, inbox.ChannelWhatsApp, "w1"); got != smsCustomer {
		t.Errorf("WhatsApp with merging by phone is customer %s; want the SMS customer %s", got, smsCustomer)
	}
	// An SMS from a number known on WhatsApp does not join that customer:
	// caller ids can be spoofed.
	if _, err := svc.Ingest(ctx, inbox.Inbound{Channel: inbox.ChannelWhatsApp, Address: "+34600555444", Text: "x", ExternalID: "w3", Verified: true}); err != nil {
		t.Fatal(err)
	}
	spoofed, err := svc.Ingest(ctx, inbox.Inbound{Channel: inbox.ChannelSMS, Address: "+34600555444", Text: "x", ExternalID: "s3"})
	if err != nil {
		t.Fatal(err)
	}
	waIdent, _, _ := st.Identity(ctx, inbox.ChannelWhatsApp, "+34600555444")
	if conv, _ := st.Conversation(ctx, spoofed.ConversationID); conv.CustomerID == waIdent.CustomerID {
		t.Error("an unverified SMS joined the WhatsApp customer with the same number")
	}

	svc.MergeByPhone = false
	res, err := svc.Ingest(ctx, inbox.Inbound{Channel: inbox.ChannelWhatsApp, Address: "+34600999888", Text: "x", ExternalID: "w2", Verified: true})
	if err != nil {
		t.Fatal(err)
	}
	if conv, _ := st.Conversation(ctx, res.ConversationID); conv.CustomerID == smsCustomer {
		t.Error("another number joined the SMS customer")
	}
}

// BenchmarkIngestEmailReply measures a customer's reply to our email: the
// identity, the referenced id, the conversation it names, then the
// three-item transaction of a follow-up.
func BenchmarkIngestEmailReply(b *testing.B) {
	svc, c, units := benchService(b)
	ctx := context.Background()
	first, err := svc.Ingest(ctx, mail("bench@example.com", "bench-m1@mail.example", "refund please"))
	if err != nil {
		b.Fatal(err)
	}
	c.Reset()
	*units = 0
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		reply := mail("bench@example.com", fmt.Sprintf("bench-r%d-%d@mail.example", b.N, i), "any news?", "bench-m1@mail.example")
		res, err := svc.Ingest(ctx, reply)
		if err != nil || res.ConversationID != first.ConversationID {
			b.Fatalf("Ingest = %+v, %v; want the first conversation", res, err)
		}
	}
	b.StopTimer()
	c.Report(b, *units)
}
