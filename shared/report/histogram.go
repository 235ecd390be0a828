package report

import (
	"math"

	"github.com/switchboard-inbox/switchboard/shared/inbox"
)

// Quantiles, in percent: exact integers keep the rank ceil(q·n) free of
// floating point.
const (
	median = 50
	p90    = 90
)

// histogram is one timing's bucket counts, in calendar time or in
// business hours.
type histogram [inbox.BucketCount]int64

func readHistogram(counters map[string]int64, t inbox.Timing, business bool) histogram {
	var h histogram
	for i := range h {
		name := t.BucketName(i)
		if business {
			name = t.BusinessBucketName(i)
		}
		h[i] = counters[name]
	}
	return h
}

func (h histogram) total() int64 {
	var n int64
	for _, c := range h {
		n += c
	}
	return n
}

// quantile estimates the percent-th percentile in seconds: the sample of
// rank ceil(percent·n/100), counted from 1, lies in some bucket, and the
// estimate is that bucket's inbox.BucketEstimate, within
// inbox.BucketRelativeError of the sample (5 s under 10 s). It is nil with
// no samples.
func (h histogram) quantile(percent int64) *float64 {
	n := h.total()
	if n <= 0 {
		return nil
	}
	rank := max((percent*n+99)/100, 1)
	var seen int64
	for i, c := range h {
		seen += c
		if seen >= rank {
			return seconds(inbox.BucketEstimate(i).Seconds())
		}
	}
	return seconds(inbox.BucketEstimate(inbox.BucketCount - 1).Seconds())
}

// timeStats summarises timing t of the summed counters; business adds the
// business-hours figures (when hours are configured).
func timeStats(counters map[string]int64, t inbox.Timing, business bool) TimeStats {
	calendar := readHistogram(counters, t, false)
	count := counters[t.CountName()]
	ts := TimeStats{Count: count}
	if count > 0 {
		ts.MedianSeconds = calendar.quantile(median)
		ts.P90Seconds = calendar.quantile(p90)
		ts.MeanSeconds = seconds(float64(counters[t.SumName()]) / float64(count))
	}
	if business {
		// Samples taken before hours were configured have no business
		// bucket, so the business figures count their own samples.
		hours := readHistogram(counters, t, true)
		ts.Business = &BusinessTimeStats{MedianSeconds: hours.quantile(median), P90Seconds: hours.quantile(p90)}
		if n := hours.total(); n > 0 {
			ts.Business.MeanSeconds = seconds(float64(counters[t.BusinessSumName()]) / float64(n))
		}
	}
	return ts
}

// seconds rounds a time to the millisecond: the buckets are far coarser,
// and the JSON stays readable.
func seconds(s float64) *float64 {
	v := math.Round(s*1000) / 1000
	return &v
}

// ratio is a/b, or nil when b is 0.
func ratio(a, b int64) *float64 {
	if b == 0 {
		return nil
	}
	v := float64(a) / float64(b)
	return &v
}
