package report

import (
	"fmt"
	"strings"
	"time"

	"github.com/switchboard-inbox/switchboard/shared/inbox"
)

// mondayFirst is the order days are written in.
var mondayFirst = []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday, time.Saturday, time.Sunday}

// describeHours writes business hours back the way BUSINESS_HOURS takes
// them ("Mon-Fri 09:00-17:00", "Sun-Thu 08:00-16:00", "Mon,Wed 09:00-12:00").
func describeHours(h inbox.BusinessHours) string {
	// Start at the first day that begins a run, so a week such as Sun-Thu
	// stays one run.
	start := 0
	for i, d := range mondayFirst {
		if h.Days[d] && !h.Days[mondayFirst[(i+6)%7]] {
			start = i
			break
		}
	}
	var runs []string
	for i := 0; i < len(mondayFirst); {
		first := mondayFirst[(start+i)%7]
		if !h.Days[first] {
			i++
			continue
		}
		j := i
		for j+1 < len(mondayFirst) && h.Days[mondayFirst[(start+j+1)%7]] {
			j++
		}
		run := dayName(first)
		if j > i {
			run += "-" + dayName(mondayFirst[(start+j)%7])
		}
		runs = append(runs, run)
		i = j + 1
	}
	return strings.Join(runs, ",") + " " + clockTime(h.Open) + "-" + clockTime(h.Close)
}

func dayName(d time.Weekday) string { return d.String()[:3] }

func clockTime(d time.Duration) string {
	return fmt.Sprintf("%02d:%02d", int(d.Hours()), int(d.Minutes())%60)
}
