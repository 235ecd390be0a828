package report

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/switchboard-inbox/switchboard/shared/inbox"
)

// countsOf is the counters of calendar-time samples of one timing.
func countsOf(t inbox.Timing, durations ...time.Duration) map[string]int64 {
	c := map[string]int64{}
	for _, d := range durations {
		for _, n := range inbox.TimingCounts(t, d, inbox.BusinessHours{}, time.Time{}, time.Time{}.Add(d)) {
			c[n.Name] += n.N
		}
	}
	return c
}

// estimate is the quantile the buckets report for a value in d's bucket.
func estimate(d time.Duration) *float64 {
	return seconds(inbox.BucketEstimate(inbox.BucketOf(d)).Seconds())
}

func TestTimeStats(t *testing.T) {
	const s = time.Second
	tests := []struct {
		name    string
		samples []time.Duration
		want    TimeStats
	}{
		{"none", nil, TimeStats{}},
		{"one", []time.Duration{90 * s}, TimeStats{Count: 1, MedianSeconds: estimate(90 * s), P90Seconds: estimate(90 * s), MeanSeconds: ptr(90.0)}},
		// Ranks are ceil(q·n): with 10 samples the median is the 5th and p90 the 9th.
		{"ten", []time.Duration{1 * s, 2 * s, 3 * s, 40 * s, 50 * s, 60 * s, 70 * s, 80 * s, 900 * s, 1000 * s},
			TimeStats{Count: 10, MedianSeconds: estimate(50 * s), P90Seconds: estimate(900 * s), MeanSeconds: ptr(220.6)}},
		// With 2 samples the median is the 1st and p90 the 2nd.
		{"two", []time.Duration{5 * s, 3600 * s}, TimeStats{Count: 2, MedianSeconds: ptr(5.0), P90Seconds: estimate(3600 * s), MeanSeconds: ptr(1802.5)}},
		{"under ten seconds", []time.Duration{0, 9 * s}, TimeStats{Count: 2, MedianSeconds: ptr(5.0), P90Seconds: ptr(5.0), MeanSeconds: ptr(4.5)}},
	}
	for _, tt := range tests {
		got := timeStats(countsOf(inbox.TimingReply, tt.samples...), inbox.TimingReply, false)
		if !sameTimes(got, tt.want) {
			t.Errorf("%s: timeStats = %s; want %s", tt.name, showTimes(got), showTimes(tt.want))
		}
	}
}

func TestTimeStatsBusinessHours(t *testing.T) {
	paris := mustLocation("Europe/Paris")
	hours, err := inbox.ParseBusinessHours("Mon-Fri 09:00-17:00", paris)
	if err != nil {
		t.Fatal(err)
	}
	friday := time.Date(2026, 11, 20, 16, 0, 0, 0, paris)
	c := timed(map[string]int64{}, inbox.TimingFirstResponse, hours,
		// Friday 16:00 to Monday 10:00: 66 hours, 2 of them at work.
		sample{friday, friday.Add(66 * time.Hour)},
		// Friday 16:00 to 16:30: half an hour either way.
		sample{friday, friday.Add(30 * time.Minute)},
	)
	got := timeStats(c, inbox.TimingFirstResponse, true)
	want := TimeStats{
		Count: 2, MedianSeconds: estimate(30 * time.Minute), P90Seconds: estimate(66 * time.Hour), MeanSeconds: ptr(33.25 * 3600),
		Business: &BusinessTimeStats{MedianSeconds: estimate(30 * time.Minute), P90Seconds: estimate(2 * time.Hour), MeanSeconds: ptr(1.25 * 3600)},
	}
	if !sameTimes(got, want) {
		t.Errorf("timeStats = %s; want %s", showTimes(got), showTimes(want))
	}
	if none := timeStats(map[string]int64{}, inbox.TimingFirstResponse, true); none.Business == nil || none.Business.MedianSeconds != nil || none.Business.MeanSeconds != nil {
		t.Errorf("timeStats of nothing = %s; want a business part of nulls", showTimes(none))
	}
}

// TestQuantileWithinBucketError checks the stated bound against random
// samples: the estimated median and p90 land in the bucket of the true
// sample of that rank, so they are within inbox.BucketRelativeError of it
// (5 s under 10 s).
func TestQuantileWithinBucketError(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 2026))
	for trial := range 500 {
		n := 1 + rng.IntN(300)
		samples := make([]time.Duration, n)
		for i := range samples {
			// Log-uniform from a second to about 60 days, as response times go.
			samples[i] = time.Duration(math.Exp(rng.Float64()*math.Log(5e6)) * float64(time.Second))
		}
		got := timeStats(countsOf(inbox.TimingFirstResponse, samples...), inbox.TimingFirstResponse, false)
		slices.Sort(samples)
		for _, q := range []struct {
			percent int
			got     *float64
		}{{median, got.MedianSeconds}, {p90, got.P90Seconds}} {
			truth := samples[int(math.Ceil(float64(q.percent)*float64(n)/100))-1]
			low, high := inbox.BucketRange(inbox.BucketOf(truth))
			est := *q.got
			if est < low.Seconds() || est >= high.Seconds() {
				t.Fatalf("trial %d: p%d estimate %.3fs is outside the true value's bucket [%v, %v) (true %v)", trial, q.percent, est, low, high, truth)
			}
			off := math.Abs(est - truth.Seconds())
			if truth < 10*time.Second {
				if off > 5 {
					t.Fatalf("trial %d: p%d estimate %.3fs is %.3fs from %v; want at most 5s", trial, q.percent, est, off, truth)
				}
			} else if off > inbox.BucketRelativeError*truth.Seconds()+0.001 {
				t.Fatalf("trial %d: p%d estimate %.3fs is %.2f%% from %v; want at most %.2f%%", trial, q.percent, est, 100*off/truth.Seconds(), truth, 100*inbox.BucketRelativeError)
			}
		}
		var sum int64
		for _, d := range samples {
			sum += int64(d / time.Second)
		}
		if want := float64(sum) / float64(n); math.Abs(*got.MeanSeconds-want) > 0.001 {
			t.Fatalf("trial %d: mean %.3f; want %.3f", trial, *got.MeanSeconds, want)
		}
	}
}

func sameTimes(a, b TimeStats) bool {
	if a.Count != b.Count || !sameFloat(a.MedianSeconds, b.MedianSeconds) || !sameFloat(a.P90Seconds, b.P90Seconds) || !sameFloat(a.MeanSeconds, b.MeanSeconds) {
		return false
	}
	if (a.Business == nil) != (b.Business == nil) {
		return false
	}
	return a.Business == nil || sameFloat(a.Business.MedianSeconds, b.Business.MedianSeconds) &&
		sameFloat(a.Business.P90Seconds, b.Business.P90Seconds) && sameFloat(a.Business.MeanSeconds, b.Business.MeanSeconds)
}

func sameFloat(a, b *float64) bool {
	if a == nil || b == nil {
		return a == b
	}
	return math.Abs(*a-*b) < 1e-9
}

func showTimes(s TimeStats) string {
	out := "{count " + itoa(s.Count) + " median " + showFloat(s.MedianSeconds) + " p90 " + showFloat(s.P90Seconds) + " mean " + showFloat(s.MeanSeconds)
	if s.Business != nil {
		out += " business " + showFloat(s.Business.MedianSeconds) + "/" + showFloat(s.Business.P90Seconds) + "/" + showFloat(s.Business.MeanSeconds)
	}
	return out + "}"
}

func showFloat(v *float64) string {
	if v == nil {
		return "null"
	}
	return number(v)
}

func itoa(n int64) string { return integer(n) }
