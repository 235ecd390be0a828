package report

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-inbox/switchboard/shared/inbox"
)

func TestParseQuery(t *testing.T) {
	paris := mustLocation("Europe/Paris")
	// 23:30 UTC on the 22nd is already the 23rd in Paris.
	now := time.Date(2026, 11, 22, 23, 30, 0, 0, time.UTC)
	tests := []struct {
		query   string
		want    Query
		wantErr string
	}{
		{"", Query{From: "2026-10-25", To: "2026-11-23", Period: inbox.PeriodMonth}, ""},
		{"to=2026-11-10", Query{From: "2026-10-12", To: "2026-11-10", Period: inbox.PeriodMonth}, ""},
		{"from=2026-08-25&to=2026-11-22&tz=Europe/Paris&group_by=channel&period=quarter",
			Query{From: "2026-08-25", To: "2026-11-22", GroupBy: "channel", Period: inbox.PeriodQuarter}, ""},
		{"from=2026-11-01&group_by=agent", Query{From: "2026-11-01", To: "2026-11-23", GroupBy: "agent", Period: inbox.PeriodMonth}, ""},
		{"from=2026-11-23&to=2026-11-23&group_by=category", Query{From: "2026-11-23", To: "2026-11-23", GroupBy: "category", Period: inbox.PeriodMonth}, ""},
		{"from=2026-11-01&to=2026-11-30", Query{From: "2026-11-01", To: "2026-11-23", Period: inbox.PeriodMonth}, ""},
		{"from=2025-10-20&to=2026-11-23", Query{From: "2025-10-20", To: "2026-11-23", Period: inbox.PeriodMonth}, ""},
		{"from=2025-10-19&to=2026-11-23", Query{}, "401 days; a report covers at most 400"},
		{"from=2026-11-10&to=2026-11-09", Query{}, "from 2026-11-10 is after to 2026-11-09"},
		{"from=2026-11-24", Query{}, "from 2026-11-24 is after today (2026-11-23 in Europe/Paris)"},
		{"from=2026-11-1", Query{}, `from "2026-11-1": want a date as YYYY-MM-DD`},
		{"to=2026-02-30", Query{}, `to "2026-02-30": want a date as YYYY-MM-DD`},
		{"to=yesterday", Query{}, `to "yesterday": want a date as YYYY-MM-DD`},
		{"tz=UTC", Query{}, `tz "UTC": the counters are kept by day in Europe/Paris`},
		{"group_by=customer", Query{}, `group_by "customer": want channel, agent or category`},
		{"period=week", Query{}, `period "week": want month or quarter`},
	}
	for _, tt := range tests {
		values, err := url.ParseQuery(tt.query)
		if err != nil {
			t.Fatal(err)
		}
		got, err := ParseQuery(values, paris, now)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("ParseQuery(%q) error = %v; want it to say %q", tt.query, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ParseQuery(%q) = %+v, %v; want %+v", tt.query, got, err, tt.want)
		}
	}
}

func TestQueryCheck(t *testing.T) {
	tests := []struct {
		q    Query
		good bool
	}{
		{Query{From: "2026-11-01", To: "2026-11-30", Period: inbox.PeriodMonth}, true},
		{Query{From: "2026-11-01", To: "2026-11-30"}, false},
		{Query{From: "2026-11-01", To: "2026-10-30", Period: inbox.PeriodMonth}, false},
		{Query{From: "2025-01-01", To: "2026-11-30", Period: inbox.PeriodMonth}, false},
		{Query{From: "", To: "2026-11-30", Period: inbox.PeriodMonth}, false},
		{Query{From: "2026-11-01", To: "2026-11-30", Period: inbox.PeriodMonth, GroupBy: "priority"}, false},
	}
	for _, tt := range tests {
		if err := tt.q.check(); (err == nil) != tt.good {
			t.Errorf("%+v.check() = %v; want good %v", tt.q, err, tt.good)
		}
	}
}
