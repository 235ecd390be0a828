package desk_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-inbox/switchboard/infra/ddbtest"
	"github.com/switchboard-inbox/switchboard/shared/desk"
	"github.com/switchboard-inbox/switchboard/shared/inbox"
	"github.com/switchboard-inbox/switchboard/shared/queue"
	"github.com/switchboard-inbox/switchboard/shared/store"
)

type jobs []queue.Job

func (j *jobs) Publish(_ context.Context, job queue.Job) error {
	*j = append(*j, job)
	return nil
}

var (
	// A Sunday evening in Madrid.
	now    = time.Date(2026, 11, 22, 19, 30, 0, 0, time.UTC)
	madrid = func() *time.Location { loc, _ := time.LoadLocation("Europe/Madrid"); return loc }()
	alex   = inbox.Agent{ID: "U0AGENT1", Name: "alex"}
)

func newDesk(t *testing.T) (*desk.Service, *store.Store, *jobs) {
	db, table := ddbtest.Table(t)
	st := store.New(db, table)
	published := &jobs{}
	clock := now
	return &desk.Service{Store: st, Route: published, Now: func() time.Time { return clock }, Location: madrid}, st, published
}

func open(t *testing.T, st *store.Store, address, name, text string, at time.Time) inbox.Conversation {
	t.Helper()
	w := inbox.PlaceInbound(inbox.Inbound{Channel: inbox.ChannelChat, Address: address, Name: name, Text: text,
		ExternalID: address, ReceivedAt: at}, inbox.Known{}, time.Hour)
	if err := st.SaveInbound(context.Background(), w); err != nil {
		t.Fatal(err)
	}
	return w.Conversation
}

func TestActionsAnnounceOnce(t *testing.T) {
	ctx := context.Background()
	d, st, published := newDesk(t)
	conv := open(t, st, "desk-1", "Ada", "hello", now)
	for i := 0; i < 2; i++ {
		if err := d.Resolve(ctx, conv.ID, alex, "click-1"); err != nil {
			t.Fatalf("Resolve #%d = %v", i+1, err)
		}
	}
	if len(*published) != 2 {
		t.Fatalf("published %d jobs for a resolve delivered twice; want 2", len(*published))
	}
	if j := (*published)[0]; !j.Card || j.ID != "desk#click-1" || !strings.Contains(j.Notice, "Resolved by <@U0AGENT1>") {
		t.Errorf("first job = %+v; want a card redraw with the notice, deduplicated by the click", j)
	}
	// The retry changed nothing, so it announces nothing, but redraws the
	// card in case the first one's redraw was never queued.
	if j := (*published)[1]; !j.Card || j.Notice != "" {
		t.Errorf("second job = %+v; want a card redraw without a notice", j)
	}
	if err := d.Snooze(ctx, conv.ID, "forever", alex, "click-2"); !errors.Is(err, desk.ErrUnknownOption) {
		t.Errorf("Snooze(forever) = %v; want ErrUnknownOption", err)
	}
	if err := d.SetPriority(ctx, conv.ID, "critical", alex, "click-3"); !errors.Is(err, desk.ErrUnknownOption) {
		t.Errorf("SetPriority(critical) = %v; want ErrUnknownOption", err)
	}
}

func TestSnoozeUntilTomorrowMorningWakes(t *testing.T) {
	ctx := context.Background()
	d, st, published := newDesk(t)
	conv := open(t, st, "desk-snooze", "Ada", "hello", now)
	if err := d.Snooze(ctx, conv.ID, inbox.SnoozeTomorrow, alex, "click-1"); err != nil {
		t.Fatal(err)
	}
	got, _ := st.Conversation(ctx, conv.ID)
	// 9:00 in Madrid on Monday is 8:00 UTC.
	if want := time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC); got.Status != inbox.StatusSnoozed || !got.SnoozedUntil.Equal(want) {
		t.Fatalf("snoozed %s until %v; want snoozed until %v", got.Status, got.SnoozedUntil, want)
	}
	if woken, err := d.WakeDue(ctx); err != nil || woken != 0 {
		t.Fatalf("WakeDue before the time = %d, %v; want 0", woken, err)
	}
	d.Now = func() time.Time { return time.Date(2026, 11, 23, 8, 0, 30, 0, time.UTC) }
	for i := 0; i < 2; i++ {
		if _, err := d.WakeDue(ctx); err != nil {
			t.Fatal(err)
		}
	}
	got, _ = st.Conversation(ctx, conv.ID)
	if got.Status != inbox.StatusOpen {
		t.Errorf("status after the wake-up time = %s; want open", got.Status)
	}
	last := (*published)[len(*published)-1]
	if len(*published) != 2 || !last.Card || !strings.Contains(last.Notice, "Snooze is over") {
		t.Errorf("published %+v; want the snooze and one wake-up notice", *published)
	}
}

func TestListsAndFind(t *testing.T) {
	ctx := context.Background()
	d, st, _ := newDesk(t)
	older := open(t, st, "desk-list-1", "Bea", "invoice question", now.Add(-2*time.Hour))
	newer := open(t, st, "desk-list-2", "Carl", "parcel never arrived", now.Add(-time.Hour))
	mineConv := open(t, st, "desk-list-3", "Dora", "login broken", now.Add(-30*time.Minute))
	if err := st.Assign(ctx, mineConv.ID, alex.ID, alex.Name); err != nil {
		t.Fatal(err)
	}
	mine, snoozed, unassigned, err := d.Lists(ctx, alex.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(mine) != 1 || mine[0].ID != mineConv.ID || len(snoozed) != 0 {
		t.Errorf("mine %v, snoozed %v; want only %s", mine, snoozed, mineConv.ID)
	}
	if len(unassigned) < 2 || unassigned[0].ID != older.ID || unassigned[1].ID != newer.ID {
		t.Errorf("unassigned %v; want oldest first: %s, %s", unassigned, older.ID, newer.ID)
	}
	found, err := d.Find(ctx, "PARCEL")
	if err != nil || len(found) != 1 || found[0].ID != newer.ID {
		t.Errorf("Find(PARCEL) = %v, %v; want %s", found, err, newer.ID)
	}
}
