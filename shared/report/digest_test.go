package report

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-inbox/switchboard/shared/inbox"
)

// fakePoster records what the digest posts.
type fakePoster struct {
	reports []postedReport
	dormant [][]inbox.DormantCustomer
	err     error
}

type postedReport struct {
	channel, title, link string
	cur, prev            Summary
}

func (f *fakePoster) PostReport(_ context.Context, channel, title string, cur, prev Summary, link string) error {
	f.reports = append(f.reports, postedReport{channel: channel, title: title, link: link, cur: cur, prev: prev})
	return f.err
}

func (f *fakePoster) PostDormant(_ context.Context, channel string, list []inbox.DormantCustomer) error {
	if channel != "C0MANAGERS" {
		return errors.New("posted to " + channel)
	}
	f.dormant = append(f.dormant, list)
	return f.err
}

// digestAt is a digest whose clock reads now in Paris, posting to the
// managers' channel, with its log in logs.
func digestAt(now time.Time, store *fakeStore, poster *fakePoster, logs *bytes.Buffer) *Digest {
	paris := mustLocation("Europe/Paris")
	clock := func() time.Time { return now }
	return &Digest{
		Reports: &Service{Store: store, Location: paris, Now: clock},
		Slack:   poster, Channel: "C0MANAGERS", Location: paris, Now: clock,
		DashboardURL: func(user string) string { return "https://inbox.example/dashboard?for=" + user },
		Log:          slog.New(slog.NewTextHandler(logs, nil)),
	}
}

func TestWeeklyDigestCoversTheLastSevenDaysInTheZone(t *testing.T) {
	opened := func(day string, n int64) inbox.Stat {
		return row(day, inbox.DimensionAll, "", map[string]int64{inbox.CounterOpened: n})
	}
	store := &fakeStore{days: []inbox.Stat{
		opened("2026-11-08", 1000), // before both windows
		opened("2026-11-09", 1), opened("2026-11-15", 2),
		opened("2026-11-16", 10), opened("2026-11-22", 20),
		opened("2026-11-23", 500), // today: not a full day yet
	}}
	poster := &fakePoster{}
	// 23:30 UTC on the 22nd is already the 23rd in Paris.
	now := time.Date(2026, 11, 22, 23, 30, 0, 0, time.UTC)
	if err := digestAt(now, store, poster, &bytes.Buffer{}).Weekly(context.Background()); err != nil {
		t.Fatalf("Weekly: %v", err)
	}
	if len(poster.reports) != 1 {
		t.Fatalf("Weekly posted %d reports; want 1", len(poster.reports))
	}
	got := poster.reports[0]
	if got.channel != "C0MANAGERS" || got.title != "Weekly support report" || got.link != "https://inbox.example/dashboard?for=" {
		t.Errorf("Weekly posted to %q titled %q with link %q", got.channel, got.title, got.link)
	}
	windows := []struct {
		name     string
		s        Summary
		from, to string
		opened   int64
	}{
		{"current", got.cur, "2026-11-16", "2026-11-22", 30},
		{"previous", got.prev, "2026-11-09", "2026-11-15", 3},
	}
	for _, w := range windows {
		if w.s.From != w.from || w.s.To != w.to || w.s.Volume.Opened != w.opened || w.s.TZ != "Europe/Paris" {
			t.Errorf("%s window = %s..%s (%s), %d opened; want %s..%s (Europe/Paris), %d opened",
				w.name, w.s.From, w.s.To, w.s.TZ, w.s.Volume.Opened, w.from, w.to, w.opened)
		}
		if w.s.Period != inbox.PeriodMonth {
			t.Errorf("%s window's retention period = %q; want month", w.name, w.s.Period)
		}
	}
}

func TestDormantDigestCoversYesterdayInTheZone(t *testing.T) {
	customer := inbox.DormantCustomer{CustomerID: "01JCUSTOMER", Name: "Ana", Channel: inbox.ChannelWhatsApp}
	tests := []struct {
		name      string
		now       time.Time
		wantReads []string
	}{
		{"a plain day", time.Date(2026, 11, 22, 23, 30, 0, 0, time.UTC),
			[]string{"Dormant 2026-11-22T00:00:00+01:00..2026-11-23T00:00:00+01:00 500"}},
		{"the day clocks go forward", time.Date(2026, 3, 30, 6, 0, 0, 0, time.UTC),
			[]string{"Dormant 2026-03-29T00:00:00+01:00..2026-03-30T00:00:00+02:00 500"}},
	}
	for _, tt := range tests {
		store := &fakeStore{dormant: []inbox.DormantCustomer{customer}}
		poster := &fakePoster{}
		if err := digestAt(tt.now, store, poster, &bytes.Buffer{}).Dormant(context.Background()); err != nil {
			t.Fatalf("%s: Dormant: %v", tt.name, err)
		}
		if !slices.Equal(store.reads, tt.wantReads) {
			t.Errorf("%s: read %q; want %q", tt.name, store.reads, tt.wantReads)
		}
		if len(poster.dormant) != 1 || len(poster.dormant[0]) != 1 || poster.dormant[0][0] != customer {
			t.Errorf("%s: posted %v; want Ana alone", tt.name, poster.dormant)
		}
	}
}

func TestDormantDigestPostsNothingWhenNoneWentQuiet(t *testing.T) {
	poster := &fakePoster{}
	store := &fakeStore{}
	if err := digestAt(time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC), store, poster, &bytes.Buffer{}).Dormant(context.Background()); err != nil {
		t.Fatalf("Dormant: %v", err)
	}
	if len(store.reads) != 1 || len(poster.dormant) != 0 {
		t.Errorf("with no dormant customers: read %q, posted %v; want one read and no post", store.reads, poster.dormant)
	}
}

func TestDigestWithoutChannelWarnsAndPostsNothing(t *testing.T) {
	for _, kind := range []string{DigestWeekly, DigestDormant} {
		var logs bytes.Buffer
		store := &fakeStore{dormant: []inbox.DormantCustomer{{CustomerID: "01JCUSTOMER"}}}
		poster := &fakePoster{}
		d := digestAt(time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC), store, poster, &logs)
		d.Channel = ""
		if err := d.Handle(context.Background(), json.RawMessage(`{"digest":"`+kind+`"}`)); err != nil {
			t.Errorf("%s without a channel: %v; want nil", kind, err)
		}
		if len(store.reads) != 0 || len(poster.reports)+len(poster.dormant) != 0 {
			t.Errorf("%s without a channel read %q and posted; want nothing", kind, store.reads)
		}
		if !strings.Contains(logs.String(), "level=WARN") || !strings.Contains(logs.String(), "SLACK_MANAGERS_CHANNEL_ID") {
			t.Errorf("%s without a channel logged %q; want a warning naming SLACK_MANAGERS_CHANNEL_ID", kind, logs.String())
		}
	}
}

func TestDigestHandle(t *testing.T) {
	tests := []struct {
		in                       string
		wantErr                  bool
		wantReports, wantDormant int
	}{
		{`{"digest":"weekly"}`, false, 1, 0},
		{`{"digest":"dormant"}`, false, 0, 1},
		{`{"digest":"monthly"}`, true, 0, 0},
		{`{"digest":"Weekly"}`, true, 0, 0},
		{`{}`, true, 0, 0},
		{`"weekly"`, true, 0, 0},
		{`not json`, true, 0, 0},
	}
	for _, tt := range tests {
		poster := &fakePoster{}
		store := &fakeStore{dormant: []inbox.DormantCustomer{{CustomerID: "01JCUSTOMER"}}}
		err := digestAt(time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC), store, poster, &bytes.Buffer{}).Handle(context.Background(), json.RawMessage(tt.in))
		if (err != nil) != tt.wantErr {
			t.Errorf("Handle(%s) = %v; want error %v", tt.in, err, tt.wantErr)
		}
		if len(poster.reports) != tt.wantReports || len(poster.dormant) != tt.wantDormant {
			t.Errorf("Handle(%s) posted %d reports and %d dormant lists; want %d and %d",
				tt.in, len(poster.reports), len(poster.dormant), tt.wantReports, tt.wantDormant)
		}
	}
}

func TestDigestFailures(t *testing.T) {
	now := time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)
	slackDown := errors.New("slack: rate limited")
	storeDown := errors.New("dynamodb: throttled")
	tests := []struct {
		name   string
		kind   string
		store  *fakeStore
		poster *fakePoster
		want   error
	}{
		{"weekly, store", DigestWeekly, &fakeStore{err: storeDown}, &fakePoster{}, storeDown},
		{"weekly, slack", DigestWeekly, &fakeStore{}, &fakePoster{err: slackDown}, slackDown},
		{"dormant, store", DigestDormant, &fakeStore{err: storeDown}, &fakePoster{}, storeDown},
		{"dormant, slack", DigestDormant, &fakeStore{dormant: []inbox.DormantCustomer{{CustomerID: "01J"}}}, &fakePoster{err: slackDown}, slackDown},
	}
	for _, tt := range tests {
		err := digestAt(now, tt.store, tt.poster, &bytes.Buffer{}).Handle(context.Background(), json.RawMessage(`{"digest":"`+tt.kind+`"}`))
		if !errors.Is(err, tt.want) {
			t.Errorf("%s: Handle = %v; want it to wrap %v", tt.name, err, tt.want)
		}
	}
}

func TestCompareRejectsBadWindows(t *testing.T) {
	s := &Service{Store: &fakeStore{}}
	for _, tt := range []struct {
		last string
		days int
	}{{"2026-11-31", 7}, {"yesterday", 7}, {"2026-11-22", 0}, {"2026-11-22", MaxDays + 1}} {
		if _, _, err := s.Compare(context.Background(), tt.last, tt.days); err == nil {
			t.Errorf("Compare(%q, %d) = nil error; want one", tt.last, tt.days)
		}
	}
}
