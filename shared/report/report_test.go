package report

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-inbox/switchboard/shared/inbox"
)

var (
	paris = mustLocation("Europe/Paris")
	// testNow is Monday 23 November 2026, 10:00 in Paris.
	testNow = time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
)

func at(day string, clock time.Duration) time.Time { return startOfDay(day, paris).Add(clock) }

// testStore is a window of 2026-10-30..2026-11-21 with a few days of
// events in it and after it; the expected figures in the tests below are
// worked out by hand from these rows.
func testStore() *fakeStore {
	all, ch, cat, agent, prio := inbox.DimensionAll, inbox.DimensionChannel, inbox.DimensionCategory, inbox.DimensionAgent, inbox.DimensionPriority
	frt := timed(map[string]int64{}, inbox.TimingFirstResponse, inbox.BusinessHours{},
		sample{at("2026-10-30", 9*time.Hour), at("2026-10-30", 9*time.Hour+30*time.Second)},
		sample{at("2026-10-30", 9*time.Hour), at("2026-10-30", 9*time.Hour+time.Minute)},
		sample{at("2026-10-30", 9*time.Hour), at("2026-10-30", 10*time.Hour)},
	)
	day1 := map[string]int64{"opened": 3, "resolved": 1, "messagesIn": 5, "messagesOut": 4,
		"csatRequests": 2, "csatRatings": 1, "csatScore5": 1, "triageCalls": 4, "promptTokens": 1000, "completionTokens": 200}
	add(day1, frt)
	agentAna := inbox.Stat{Day: "2026-10-30", Dimension: agent, Value: "U1", Name: "Ana", Counters: map[string]int64{"resolved": 1, "messagesOut": 3}}
	agentAnaLater := inbox.Stat{Day: "2026-11-02", Dimension: agent, Value: "U1", Name: "Ana B.", Counters: map[string]int64{"resolved": 1}}
	agentBo := inbox.Stat{Day: "2026-11-02", Dimension: agent, Value: "U2", Name: "Bo", Counters: map[string]int64{"resolved": 2, "csatRatings": 1, "csatScore2": 1}}
	return &fakeStore{
		days: []inbox.Stat{
			row("2026-10-29", all, "", map[string]int64{"opened": 50}), // before the window
			row("2026-10-30", all, "", day1),
			row("2026-10-30", ch, "chat", map[string]int64{"opened": 2, "resolved": 1}),
			row("2026-10-30", ch, "email", map[string]int64{"opened": 1}),
			row("2026-10-30", cat, "billing", map[string]int64{"triaged": 3}),
			row("2026-10-30", cat, "other", map[string]int64{"triaged": 1}),
			row("2026-10-30", prio, "high", map[string]int64{"triaged": 2}),
			agentAna,
			row("2026-11-02", all, "", map[string]int64{"opened": 1, "reopened": 1, "resolved": 1,
				"csatRequests": 3, "csatRatings": 2, "csatScore4": 1, "csatScore2": 1, "csatSkipped": 1, "csatUndelivered": 1,
				"triageCalls": 1, "promptTokens": 300, "completionTokens": 50}),
			row("2026-11-02", ch, "email", map[string]int64{"opened": 3, "resolved": 1}),
			// A re-triage moved two conversations of the 30th.
			row("2026-11-02", cat, "billing", map[string]int64{"triaged": -1}),
			row("2026-11-02", cat, "shipping", map[string]int64{"triaged": 1}),
			row("2026-11-02", cat, "other", map[string]int64{"triaged": -1}),
			agentAnaLater, agentBo,
			row("2026-11-21", all, "", map[string]int64{"resolved": 1}),
			// After the window, up to today: net +2 and −1.
			row("2026-11-22", all, "", map[string]int64{"opened": 2}),
			row("2026-11-23", all, "", map[string]int64{"resolved": 1}),
		},
		totals: []inbox.Stat{
			row("", all, "", map[string]int64{"open": 7}),
			row("", ch, "chat", map[string]int64{"open": 4}),
		},
		periods: []inbox.Stat{
			row("2026-08", all, "", map[string]int64{"active": 99}),
			row("2026-09", all, "", map[string]int64{"active": 10}),
			row("2026-10", all, "", map[string]int64{"active": 12, "new": 4, "repeat": 3, "retained": 8,
				"prevRated45": 4, "retainedRated45": 4, "prevRated3": 2, "retainedRated3": 1,
				"prevRated12": 1, "retainedRated12": 0, "prevRatednone": 3, "retainedRatednone": 3}),
			row("2026-11", all, "", map[string]int64{"active": 6, "new": 1, "retained": 5}),
		},
		dormant: []inbox.DormantCustomer{
			{CustomerID: "C1", Name: "Ana <b>", Channel: inbox.ChannelWhatsApp, LastContactAt: at("2026-08-01", 23*time.Hour+30*time.Minute),
				UsualInterval: 30*24*time.Hour + 12*time.Hour, DormantSince: at("2026-08-31", 12*time.Hour), LastCSAT: 4},
			{CustomerID: "C2", Name: "Bo", Channel: inbox.ChannelEmail, LastContactAt: at("2026-06-01", 0),
				DormantSince: at("2026-08-30", 0)},
		},
	}
}

func testService(store *fakeStore) *Service {
	return &Service{Store: store, Location: paris, Now: func() time.Time { return testNow }, DormantAfter: 90 * 24 * time.Hour}
}

var testQuery = Query{From: "2026-10-30", To: "2026-11-21", Period: inbox.PeriodMonth}

func TestSummaryReads(t *testing.T) {
	tests := []struct {
		name string
		q    Query
		want []string
	}{
		{"window ending before today", testQuery, []string{
			"Stats 2026-10-30..2026-11-21", "Totals", "Stats 2026-11-22..2026-11-23",
			"PeriodStats 2026-09..2026-11", "Dormant 0001-01-01T00:00:00Z..2026-11-22T00:00:00+01:00 50",
		}},
		{"window ending today, by quarter", Query{From: "2026-09-15", To: "2026-11-23", Period: inbox.PeriodQuarter, GroupBy: "agent"}, []string{
			"Stats 2026-09-15..2026-11-23", "Totals",
			"PeriodStats 2026-Q2..2026-Q4", "Dormant 0001-01-01T00:00:00Z..2026-11-24T00:00:00+01:00 50",
		}},
		// Days after a window long past are read MaxDays at a time.
		{"window long past", Query{From: "2024-01-01", To: "2024-01-31", Period: inbox.PeriodMonth}, []string{
			"Stats 2024-01-01..2024-01-31", "Totals",
			"Stats 2024-02-01..2025-03-06", "Stats 2025-03-07..2026-04-10", "Stats 2026-04-11..2026-11-23",
			"PeriodStats 2023-12..2024-01", "Dormant 0001-01-01T00:00:00Z..2024-02-01T00:00:00+01:00 50",
		}},
	}
	for _, tt := range tests {
		store := testStore()
		if _, err := testService(store).Summary(context.Background(), tt.q); err != nil {
			t.Fatalf("%s: Summary: %v", tt.name, err)
		}
		if !slices.Equal(store.reads, tt.want) {
			t.Errorf("%s: Summary read\n%s\nwant\n%s", tt.name, strings.Join(store.reads, "\n"), strings.Join(tt.want, "\n"))
		}
	}
}

func TestSummaryVolumeAndBacklog(t *testing.T) {
	sum, err := testService(testStore()).Summary(context.Background(), testQuery)
	if err != nil {
		t.Fatal(err)
	}
	// Backlog at the end of the 21st: 7 open now, minus the 22nd's +2 and
	// the 23rd's −1.
	want := Volume{Opened: 4, Reopened: 1, Resolved: 3, MessagesIn: 5, MessagesOut: 4, Backlog: 6}
	if sum.Volume != want {
		t.Errorf("Volume = %+v; want %+v", sum.Volume, want)
	}
	if len(sum.Daily) != 23 {
		t.Fatalf("len(Daily) = %d; want 23 (30 Oct to 21 Nov)", len(sum.Daily))
	}
	backlog := map[string]int64{}
	for _, d := range sum.Daily {
		backlog[d.Day] = d.Backlog
	}
	// The 21st resolved one (so the 20th ended with 7), the 2nd grew the
	// backlog by one (so the 1st ended with 6).
	for day, want := range map[string]int64{"2026-11-21": 6, "2026-11-20": 7, "2026-11-02": 7, "2026-11-01": 6, "2026-10-30": 6} {
		if backlog[day] != want {
			t.Errorf("backlog at the end of %s = %d; want %d", day, backlog[day], want)
		}
	}
	first := sum.Daily[0]
	if first.Day != "2026-10-30" || first.Opened != 3 || first.MessagesIn != 5 || first.FirstResponseTime.Count != 3 ||
		!reflect.DeepEqual(first.OpenedByChannel, map[string]int64{"chat": 2, "email": 1}) ||
		first.CSAT.Ratings != 1 || !sameFloat(first.CSAT.Score, ptr(1.0)) {
		t.Errorf("Daily[0] = %+v", first)
	}
	quiet := sum.Daily[1]
	if !reflect.DeepEqual(quiet.OpenedByChannel, map[string]int64{"chat": 0, "email": 0}) || quiet.CSAT.Score != nil ||
		quiet.FirstResponseTime.MedianSeconds != nil {
		t.Errorf("Daily[1] (no events) = %+v; want zeros and nulls", quiet)
	}
}

func TestSummaryTimesAndCSAT(t *testing.T) {
	sum, err := testService(testStore()).Summary(context.Background(), testQuery)
	if err != nil {
		t.Fatal(err)
	}
	wantFRT := TimeStats{Count: 3, MedianSeconds: estimate(time.Minute), P90Seconds: estimate(time.Hour), MeanSeconds: ptr(1230.0)}
	if !sameTimes(sum.FirstResponseTime, wantFRT) {
		t.Errorf("FirstResponseTime = %s; want %s", showTimes(sum.FirstResponseTime), showTimes(wantFRT))
	}
	if sum.ReplyTime.Count != 0 || sum.ReplyTime.MedianSeconds != nil || sum.ReplyTime.Business != nil {
		t.Errorf("ReplyTime = %s; want no samples and no business part", showTimes(sum.ReplyTime))
	}
	want := CSAT{Score: ptr(2.0 / 3), Ratings: 3, Requests: 5, ResponseRate: ptr(0.6), Skipped: 1, Undelivered: 1,
		Distribution: map[string]int64{"1": 0, "2": 1, "3": 0, "4": 1, "5": 1}}
	if !sameCSAT(sum.CSAT, want) {
		t.Errorf("CSAT = %s; want %s", showCSAT(sum.CSAT), showCSAT(want))
	}
	if sum.BusinessHours != "" || sum.TimeBucketError != inbox.BucketRelativeError {
		t.Errorf("BusinessHours = %q, TimeBucketError = %v; want none and %v", sum.BusinessHours, sum.TimeBucketError, inbox.BucketRelativeError)
	}
}

func TestSummaryRetention(t *testing.T) {
	sum, err := testService(testStore()).Summary(context.Background(), testQuery)
	if err != nil {
		t.Fatal(err)
	}
	want := []PeriodRetention{
		{Period: "2026-10", PreviousActive: 10, Active: 12, New: 4, Returning: 8, Retained: 8, Churned: 2,
			RetentionRate: ptr(0.8), Repeat: 3, RepeatContactRate: ptr(0.25), Complete: true,
			ByLastRating: map[string]SegmentRetention{
				"45": {Previous: 4, Retained: 4, Rate: ptr(1.0)}, "3": {Previous: 2, Retained: 1, Rate: ptr(0.5)},
				"12": {Previous: 1, Retained: 0, Rate: ptr(0.0)}, "none": {Previous: 3, Retained: 3, Rate: ptr(1.0)},
			}},
		{Period: "2026-11", PreviousActive: 12, Active: 6, New: 1, Returning: 5, Retained: 5, Churned: 7,
			RetentionRate: ptr(5.0 / 12), Repeat: 0, RepeatContactRate: ptr(0.0), Complete: false,
			ByLastRating: map[string]SegmentRetention{"45": {}, "3": {}, "12": {}, "none": {}}},
	}
	if got, wantJSON := mustJSON(t, sum.Retention), mustJSON(t, want); got != wantJSON {
		t.Errorf("Retention =\n%s\nwant\n%s", got, wantJSON)
	}
	if !sameFloat(sum.RetentionRate, ptr(5.0/12)) || !sameFloat(sum.RepeatContactRate, ptr(0.0)) ||
		sum.Churned != 7 || sum.NewCustomers != 1 || sum.ReturningCustomers != 5 {
		t.Errorf("headline = rate %s, repeat %s, churned %d, new %d, returning %d; want the November figures",
			showFloat(sum.RetentionRate), showFloat(sum.RepeatContactRate), sum.Churned, sum.NewCustomers, sum.ReturningCustomers)
	}
}

// A period with no customer before it has no retention rate: S is 0.
func TestSummaryRetentionWithoutPreviousPeriod(t *testing.T) {
	store := &fakeStore{periods: []inbox.Stat{row("2026-Q4", inbox.DimensionAll, "", map[string]int64{"active": 3, "new": 3})}}
	sum, err := testService(store).Summary(context.Background(), Query{From: "2026-11-01", To: "2026-11-23", Period: inbox.PeriodQuarter})
	if err != nil {
		t.Fatal(err)
	}
	if len(sum.Retention) != 1 {
		t.Fatalf("Retention = %+v; want one period", sum.Retention)
	}
	r := sum.Retention[0]
	if r.Period != "2026-Q4" || r.RetentionRate != nil || r.Churned != 0 || r.Complete || !sameFloat(r.RepeatContactRate, ptr(0.0)) || sum.RetentionRate != nil {
		t.Errorf("Retention[0] = %+v; want Q4 with a null rate, running", r)
	}
}

func TestSummaryGroups(t *testing.T) {
	tests := []struct {
		groupBy string
		want    []string // value, name, opened, resolved
	}{
		{"", nil},
		{"channel", []string{"email Email 4 1", "chat Web chat 2 1"}},
		{"agent", []string{"U1 Ana B. 0 2", "U2 Bo 0 2"}},
		{"category", []string{"billing billing 0 0", "other other 0 0", "shipping shipping 0 0"}},
	}
	for _, tt := range tests {
		q := testQuery
		q.GroupBy = tt.groupBy
		sum, err := testService(testStore()).Summary(context.Background(), q)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, g := range sum.Groups {
			if g.Dimension != tt.groupBy {
				t.Errorf("group_by %s: group %+v has dimension %q", tt.groupBy, g, g.Dimension)
			}
			got = append(got, strings.Join([]string{g.Value, g.Name, itoa(g.Opened), itoa(g.Resolved)}, " "))
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("group_by %q: Groups = %q; want %q", tt.groupBy, got, tt.want)
		}
	}
	q := testQuery
	q.GroupBy = "agent"
	sum, _ := testService(testStore()).Summary(context.Background(), q)
	bo := sum.Groups[1].CSAT
	if bo.Ratings != 1 || !sameFloat(bo.Score, ptr(0.0)) || bo.Distribution["2"] != 1 || bo.ResponseRate != nil {
		t.Errorf("Bo's CSAT = %s; want one rating of 2, score 0, no requests", showCSAT(bo))
	}
}

func TestSummaryTriageAndDormant(t *testing.T) {
	sum, err := testService(testStore()).Summary(context.Background(), testQuery)
	if err != nil {
		t.Fatal(err)
	}
	wantTriage := Triage{
		ByCategory: map[string]int64{"billing": 2, "shipping": 1},
		ByPriority: map[string]int64{"high": 2},
		TokensByMonth: []MonthTokens{
			{Month: "2026-10", Calls: 4, PromptTokens: 1000, CompletionTokens: 200},
			{Month: "2026-11", Calls: 1, PromptTokens: 300, CompletionTokens: 50},
		},
	}
	if !reflect.DeepEqual(sum.Triage, wantTriage) {
		t.Errorf("Triage = %+v; want %+v", sum.Triage, wantTriage)
	}
	wantDormant := []Dormant{
		{CustomerID: "C1", Name: "Ana <b>", Channel: "whatsapp", LastContact: "2026-08-01", UsualIntervalDays: ptr(30.5), DormantSince: "2026-08-31", LastCSAT: ptr(4)},
		{CustomerID: "C2", Name: "Bo", Channel: "email", LastContact: "2026-06-01", DormantSince: "2026-08-30"},
	}
	if !reflect.DeepEqual(sum.Dormant, wantDormant) {
		t.Errorf("Dormant = %s; want %s", mustJSON(t, sum.Dormant), mustJSON(t, wantDormant))
	}
	if sum.DormantAfterDays != 90 {
		t.Errorf("DormantAfterDays = %v; want 90", sum.DormantAfterDays)
	}
}

func TestSummaryBusinessHours(t *testing.T) {
	hours, err := inbox.ParseBusinessHours("Mon-Fri 09:00-17:00", paris)
	if err != nil {
		t.Fatal(err)
	}
	friday := at("2026-11-20", 16*time.Hour)
	store := &fakeStore{days: []inbox.Stat{row("2026-11-23", inbox.DimensionAll, "",
		timed(map[string]int64{}, inbox.TimingResolution, hours, sample{friday, friday.Add(66 * time.Hour)}))}}
	s := testService(store)
	s.Hours = hours
	sum, err := s.Summary(context.Background(), Query{From: "2026-11-23", To: "2026-11-23", Period: inbox.PeriodMonth})
	if err != nil {
		t.Fatal(err)
	}
	res := sum.ResolutionTime
	if sum.BusinessHours != "Mon-Fri 09:00-17:00" || res.Business == nil || !sameFloat(res.Business.MeanSeconds, ptr(7200.0)) || !sameFloat(res.MeanSeconds, ptr(66*3600.0)) {
		t.Errorf("BusinessHours %q, ResolutionTime %s; want Mon-Fri 09:00-17:00 and 2 h of 66 h in business hours", sum.BusinessHours, showTimes(res))
	}
	if sum.FirstResponseTime.Business == nil || sum.Daily[0].FirstResponseTime.Business != nil {
		t.Errorf("want a business part on every summary timing and none on the daily rows")
	}
}

// The JSON is the contract the dashboard and the digest read: names,
// nulls and what is left out.
func TestSummaryJSON(t *testing.T) {
	sum, err := testService(&fakeStore{}).Summary(context.Background(), Query{From: "2026-11-22", To: "2026-11-23", Period: inbox.PeriodMonth})
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal([]byte(mustJSON(t, sum)), &doc); err != nil {
		t.Fatal(err)
	}
	frt := doc["first_response_time"].(map[string]any)
	csat := doc["csat"].(map[string]any)
	day := doc["daily"].([]any)[0].(map[string]any)
	checks := []struct {
		name string
		got  any
		want any
	}{
		{"from", doc["from"], "2026-11-22"},
		{"tz", doc["tz"], "Europe/Paris"},
		{"period", doc["period"], "month"},
		{"generated_at", doc["generated_at"], "2026-11-23T09:00:00Z"},
		{"first_response_time.count", frt["count"], 0.0},
		{"first_response_time.median_seconds", frt["median_seconds"], nil},
		{"csat.score", csat["score"], nil},
		{"csat.response_rate", csat["response_rate"], nil},
		{"retention_rate", doc["retention_rate"], nil},
		{"volume.backlog", doc["volume"].(map[string]any)["backlog"], 0.0},
		{"daily[0].csat.score", day["csat"].(map[string]any)["score"], nil},
		{"daily[0].opened_by_channel", day["opened_by_channel"], map[string]any{}},
		{"dormant", doc["dormant"], []any{}},
	}
	for _, c := range checks {
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("%s = %#v; want %#v", c.name, c.got, c.want)
		}
	}
	for _, absent := range []string{"business_hours", "groups", "group_by"} {
		if _, ok := doc[absent]; ok {
			t.Errorf("%s is in the JSON; want it left out", absent)
		}
	}
	if _, ok := frt["business"]; ok {
		t.Errorf("first_response_time.business is in the JSON without business hours")
	}
}

func TestSummaryErrors(t *testing.T) {
	failing := testStore()
	failing.err = errors.New("throttled")
	if _, err := testService(failing).Summary(context.Background(), testQuery); err == nil || !strings.Contains(err.Error(), "throttled") {
		t.Errorf("Summary with a failing store = %v; want the store's error wrapped", err)
	}
	if _, err := testService(testStore()).Summary(context.Background(), Query{From: "2026-11-21", To: "2026-11-01"}); err == nil {
		t.Errorf("Summary of a backwards query succeeded")
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func sameCSAT(a, b CSAT) bool {
	return sameFloat(a.Score, b.Score) && sameFloat(a.ResponseRate, b.ResponseRate) && a.Ratings == b.Ratings &&
		a.Requests == b.Requests && a.Skipped == b.Skipped && a.Undelivered == b.Undelivered && reflect.DeepEqual(a.Distribution, b.Distribution)
}

func showCSAT(c CSAT) string {
	return "{score " + showFloat(c.Score) + " ratings " + itoa(c.Ratings) + " requests " + itoa(c.Requests) +
		" rate " + showFloat(c.ResponseRate) + " skipped " + itoa(c.Skipped) + " undelivered " + itoa(c.Undelivered) + "}"
}
