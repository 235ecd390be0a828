package inbox

import (
	"sort"
	"testing"
	"time"
)

func TestPlace(t *testing.T) {
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	window := DefaultReopenWindow
	tests := []struct {
		name   string
		latest *Latest
		want   Placement
	}{
		{"no conversation yet", nil, Open},
		{"empty pointer", &Latest{}, Open},
		{"open conversation", &Latest{ConversationID: "c", Status: StatusOpen}, Join},
		{"pending conversation", &Latest{ConversationID: "c", Status: StatusPending}, Join},
		{"snoozed conversation wakes up", &Latest{ConversationID: "c", Status: StatusSnoozed}, Join},
		{"resolved an hour ago", &Latest{ConversationID: "c", Status: StatusResolved, ResolvedAt: now.Add(-time.Hour)}, Reopen},
		{"resolved exactly at the window", &Latest{ConversationID: "c", Status: StatusResolved, ResolvedAt: now.Add(-window)}, Reopen},
		{"resolved just past the window", &Latest{ConversationID: "c", Status: StatusResolved, ResolvedAt: now.Add(-window - time.Second)}, Open},
	}
	for _, tt := range tests {
		if got := Place(tt.latest, now, window); got != tt.want {
			t.Errorf("%s: Place(%+v) = %v; want %v", tt.name, tt.latest, got, tt.want)
		}
	}
}

func TestPlaceHonoursConfiguredWindow(t *testing.T) {
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	latest := &Latest{ConversationID: "c", Status: StatusResolved, ResolvedAt: now.Add(-2 * time.Hour)}
	if got := Place(latest, now, time.Hour); got != Open {
		t.Errorf("Place with a 1h window, resolved 2h ago = %v; want open", got)
	}
	if got := Place(latest, now, 3*time.Hour); got != Reopen {
		t.Errorf("Place with a 3h window, resolved 2h ago = %v; want reopen", got)
	}
}

func TestNewIDSortsByTimeAndCreationOrder(t *testing.T) {
	base := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	var ids []string
	for i := 0; i < 1000; i++ {
		// Several ids per millisecond, and one step back in time, which a
		// clock adjustment can cause: order must still follow creation.
		at := base.Add(time.Duration(i/10) * time.Millisecond)
		if i == 500 {
			at = base
		}
		ids = append(ids, NewID(at))
	}
	if !sort.StringsAreSorted(ids) {
		t.Fatal("ids made in sequence do not sort in sequence")
	}
	seen := map[string]bool{}
	for _, id := range ids {
		if len(id) != IDLen {
			t.Fatalf("len(%q) = %d; want %d", id, len(id), IDLen)
		}
		if seen[id] {
			t.Fatalf("id %q made twice", id)
		}
		seen[id] = true
	}
}

func TestVisibleToCustomer(t *testing.T) {
	tests := []struct {
		msg  Message
		want bool
	}{
		{Message{Direction: DirectionIn, Kind: KindPublic}, true},
		{Message{Direction: DirectionOut, Kind: KindPublic, Delivery: DeliveryQueued}, false},
		{Message{Direction: DirectionOut, Kind: KindPublic, Delivery: DeliverySent}, true},
		{Message{Direction: DirectionOut, Kind: KindPublic, Delivery: DeliveryFailed}, false},
		{Message{Direction: DirectionOut, Kind: KindNote, Delivery: DeliverySent}, false},
	}
	for _, tt := range tests {
		if got := tt.msg.VisibleToCustomer(); got != tt.want {
			t.Errorf("%+v.VisibleToCustomer() = %v; want %v", tt.msg, got, tt.want)
		}
	}
}

func TestPlaceInbound(t *testing.T) {
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	in := Inbound{Channel: ChannelChat, Address: "v1", Name: "Ada", Email: "ada@example.com", Text: "hi", ExternalID: "m1", ReceivedAt: now}
	known := &Identity{Channel: ChannelChat, Address: "v1", CustomerID: "cust-1"}

	t.Run("new sender", func(t *testing.T) {
		w := PlaceInbound(in, Known{}, DefaultReopenWindow)
		if w.Placement != Open || !w.IdentityIsNew || w.NewCustomer == nil || w.Identity.CustomerID != w.NewCustomer.ID {
			t.Fatalf("PlaceInbound(new sender) = %+v; want a new customer, identity and conversation", w)
		}
		if w.Conversation.ID == "" || w.Message.ConversationID != w.Conversation.ID || w.Conversation.FirstMessageText != "hi" {
			t.Errorf("message %+v not in new conversation %+v", w.Message, w.Conversation)
		}
		if len(w.LinkedIdentities) != 0 {
			t.Errorf("unverified email linked: %+v", w.LinkedIdentities)
		}
		if w.DedupeKey != "chat#m1" {
			t.Errorf("DedupeKey = %q; want chat#m1", w.DedupeKey)
		}
	})
	t.Run("verified new sender links their email", func(t *testing.T) {
		v := in
		v.Verified = true
		w := PlaceInbound(v, Known{}, DefaultReopenWindow)
		want := Identity{Channel: ChannelEmail, Address: "ada@example.com", CustomerID: w.NewCustomer.ID, Verified: true}
		if len(w.LinkedIdentities) != 1 || w.LinkedIdentities[0] != want {
			t.Errorf("LinkedIdentities = %+v; want [%+v]", w.LinkedIdentities, want)
		}
	})
	t.Run("verified email already a customer", func(t *testing.T) {
		v := in
		v.Verified = true
		owner := &Identity{Channel: ChannelEmail, Address: "ada@example.com", CustomerID: "cust-email"}
		w := PlaceInbound(v, Known{Owner: owner}, DefaultReopenWindow)
		if w.NewCustomer != nil || w.Identity.CustomerID != "cust-email" || !w.IdentityIsNew {
			t.Errorf("PlaceInbound = %+v; want the new address on customer cust-email", w)
		}
	})
	t.Run("follow-up joins", func(t *testing.T) {
		latest := &Latest{ConversationID: "conv-1", Status: StatusOpen}
		w := PlaceInbound(in, Known{Identity: known, Latest: latest}, DefaultReopenWindow)
		if w.Placement != Join || w.IdentityIsNew || w.NewCustomer != nil || w.Message.ConversationID != "conv-1" {
			t.Errorf("PlaceInbound(follow-up) = %+v; want join conv-1 with nothing new", w)
		}
	})
}

func TestFloorIDSortsBetween(t *testing.T) {
	// NewID never goes back in time within a process, so test after now.
	at := time.Now().Add(time.Hour).Truncate(time.Millisecond)
	before, floor, after := NewID(at.Add(-time.Millisecond)), FloorID(at), NewID(at)
	if !(before < floor && floor < after) {
		t.Fatalf("want %s < %s < %s", before, floor, after)
	}
}
