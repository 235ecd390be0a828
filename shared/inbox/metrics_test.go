package inbox

import (
	"math/rand/v2"
	"testing"
	"time"
)

func TestBucketsHoldTheirDurations(t *testing.T) {
	for i := 1; i < BucketCount-1; i++ {
		low, high := BucketRange(i)
		for _, d := range []time.Duration{low, low + (high-low)/2, high - 1} {
			if got := BucketOf(d); got != i {
				t.Errorf("BucketOf(%v) = %d; want %d [%v, %v)", d, got, i, low, high)
			}
		}
		if est := BucketEstimate(i); est < low || est >= high {
			t.Errorf("BucketEstimate(%d) = %v; outside [%v, %v)", i, est, low, high)
		}
	}
	if BucketOf(-time.Second) != 0 || BucketOf(9*time.Second) != 0 || BucketOf(10*time.Second) != 1 {
		t.Error("times under 10 s belong in bucket 0, 10 s in bucket 1")
	}
	if BucketOf(1000*24*time.Hour) != BucketCount-1 {
		t.Error("very long times belong in the last bucket")
	}
	// The stated bound: the estimate of any time's bucket is within
	// BucketRelativeError of it, above 10 s.
	r := rand.New(rand.NewPCG(8, 8))
	for range 10000 {
		d := 10*time.Second + time.Duration(r.Int64N(int64(90*24*time.Hour)))
		est := BucketEstimate(BucketOf(d))
		ratio := float64(est) / float64(d)
		if ratio > 1+BucketRelativeError+1e-9 || ratio < 1/(1+BucketRelativeError)-1e-9 {
			t.Fatalf("estimate %v of %v is off by %.3f; bound %.3f", est, d, ratio, BucketRelativeError)
		}
	}
}

func TestBusinessHoursBetween(t *testing.T) {
	paris, _ := time.LoadLocation("Europe/Paris")
	h, err := ParseBusinessHours("Mon-Fri 09:00-17:00", paris)
	if err != nil {
		t.Fatal(err)
	}
	at := func(s string) time.Time {
		v, err := time.ParseInLocation("2006-01-02 15:04", s, paris)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	tests := []struct {
		from, to string
		want     time.Duration
	}{
		{"2026-11-23 10:00", "2026-11-23 11:30", 90 * time.Minute},      // Monday, inside
		{"2026-11-23 08:00", "2026-11-23 10:00", time.Hour},             // before opening
		{"2026-11-23 16:00", "2026-11-24 10:00", 2 * time.Hour},         // overnight
		{"2026-11-27 16:00", "2026-11-30 10:00", 2 * time.Hour},         // over the weekend
		{"2026-11-28 10:00", "2026-11-29 18:00", 0},                     // all weekend
		{"2026-11-23 09:00", "2026-11-30 09:00", 40 * time.Hour},        // a week
		{"2026-03-27 16:00", "2026-03-30 10:00", 2 * time.Hour},         // daylight saving starts
		{"2026-11-23 11:00", "2026-11-23 10:00", 0},                     // backwards
		{"2026-11-24 00:00", "2026-11-24 23:59", 8 * time.Hour},         // a whole day
		{"2026-11-23 17:00", "2026-11-24 09:00", 0},                     // closed hours only
		{"2026-11-20 09:00", "2026-11-21 09:00", 8 * time.Hour},         // Friday
		{"2026-11-23 12:00", "2026-11-23 12:00", 0},                     // nothing
		{"2026-12-31 16:00", "2027-01-01 10:00", time.Hour + time.Hour}, // a new year on a Friday
		{"2026-11-22 23:00", "2026-11-23 09:30", 30 * time.Minute},      // Sunday night to Monday
		{"2026-11-23 09:00", "2026-11-23 17:00", 8 * time.Hour},         // exactly open
		{"2026-11-23 08:59", "2026-11-23 17:01", 8 * time.Hour},         // a minute either side
		{"2026-11-23 13:00", "2026-11-25 13:00", 16 * time.Hour},        // two days
		{"2026-11-23 13:00", "2026-11-23 13:00", 0},                     // zero
		{"2026-11-23 16:59", "2026-11-23 17:00", time.Minute},           // last minute
		{"2026-11-23 09:00", "2026-11-23 09:01", time.Minute},           // first minute
	}
	for _, tc := range tests {
		if got := h.Between(at(tc.from), at(tc.to)); got != tc.want {
			t.Errorf("Between(%s, %s) = %v; want %v", tc.from, tc.to, got, tc.want)
		}
	}
	for _, bad := range []string{"weekdays", "Mon-Fri", "Mon-Fri 17:00-09:00", "Moon 09:00-17:00", "Mon 9-5"} {
		if _, err := ParseBusinessHours(bad, paris); err == nil {
			t.Errorf("ParseBusinessHours(%q) = nil error; want one", bad)
		}
	}
	if h, _ := ParseBusinessHours("", paris); h.Configured() {
		t.Error("no spec configures no hours")
	}
	if h, _ := ParseBusinessHours("Sat,Sun 10:00-14:00", paris); !h.Days[time.Saturday] || h.Days[time.Monday] {
		t.Errorf("a day list = %v; want the weekend only", h.Days)
	}
}

func TestPeriods(t *testing.T) {
	at := time.Date(2026, 12, 31, 23, 30, 0, 0, time.UTC)
	tokyo, _ := time.LoadLocation("Asia/Tokyo")
	tests := []struct {
		kind PeriodKind
		loc  *time.Location
		want string
	}{
		{PeriodMonth, time.UTC, "2026-12"},
		{PeriodQuarter, time.UTC, "2026-Q4"},
		{PeriodMonth, tokyo, "2027-01"},
		{PeriodQuarter, tokyo, "2027-Q1"},
	}
	for _, tc := range tests {
		if got := Period(tc.kind, at, tc.loc); got != tc.want {
			t.Errorf("Period(%s, %v) = %s; want %s", tc.kind, tc.loc, got, tc.want)
		}
	}
	shifts := map[[2]string]string{
		{"2026-01", "-1"}: "2025-12", {"2026-Q1", "-1"}: "2025-Q4", {"2026-Q4", "1"}: "2027-Q1", {"2026-11", "1"}: "2026-12",
	}
	for in, want := range shifts {
		n := 1
		if in[1] == "-1" {
			n = -1
		}
		if got, err := ShiftPeriod(in[0], n); err != nil || got != want {
			t.Errorf("ShiftPeriod(%s, %d) = %s, %v; want %s", in[0], n, got, err, want)
		}
	}
	for _, bad := range []string{"2026", "2026-Q5", "26-Q1", "2026-13"} {
		if _, _, err := PeriodStart(bad, time.UTC); err == nil {
			t.Errorf("PeriodStart(%q) = nil error; want one", bad)
		}
	}
}

func TestDormantAt(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	once := Contacts{First: t0, Last: t0, Count: 1}
	if once.UsualInterval() != 0 || !once.DormantAt(DefaultDormantAfter).Equal(t0.Add(DefaultDormantAfter)) {
		t.Error("a single contact goes by the default")
	}
	monthly := Contacts{First: t0, Last: t0.AddDate(0, 0, 90), Count: 4}
	if monthly.UsualInterval() != 30*24*time.Hour || !monthly.DormantAt(DefaultDormantAfter).Equal(t0.AddDate(0, 0, 120)) {
		t.Errorf("every 30 days: interval %v, dormant at %v", monthly.UsualInterval(), monthly.DormantAt(DefaultDormantAfter))
	}
	for score, want := range map[int]string{0: SegmentUnrated, 1: SegmentUnsatisfied, 2: SegmentUnsatisfied, 3: SegmentNeutral, 4: SegmentSatisfied, 5: SegmentSatisfied} {
		if got := SegmentOf(score); got != want {
			t.Errorf("SegmentOf(%d) = %s; want %s", score, got, want)
		}
	}
}
