package rebuild

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"testing"

	"github.com/switchboard-inbox/switchboard/shared/inbox"
)

type fakeSink struct {
	got *Result
	err error
}

func (f fakeSink) Replace(_ context.Context, r Result) error {
	*f.got = r
	return f.err
}

func TestJobRun(t *testing.T) {
	src := fakeSource{
		customers:     []inbox.Customer{{ID: "C1"}, {ID: "C2"}},
		conversations: []Conversation{open("A", customerMessage(at(0))), open("B", customerMessage(at(0)))},
	}
	failing := src
	failing.err = errors.New("throttled")
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))

	tests := []struct {
		name    string
		src     Source
		sinkErr error
		want    Summary
		wantErr bool
	}{
		// Days: all and chat; totals: all and chat; periods: 2026-11,
		// 2026-12, 2026-Q4, 2027-Q1.
		{name: "replaces the counters", src: src, want: Summary{Conversations: 2, Customers: 2, Rows: 8}},
		{name: "a read error stops it", src: failing, wantErr: true},
		{name: "a write error is reported", src: src, sinkErr: errors.New("table gone"), wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var replaced Result
			job := Job{Source: tt.src, Sink: fakeSink{got: &replaced, err: tt.sinkErr}, Log: quiet}
			got, err := job.Run(context.Background())
			if (err != nil) != tt.wantErr {
				t.Fatalf("Run error = %v; want error %v", err, tt.wantErr)
			}
			if got != tt.want {
				t.Errorf("Run = %+v; want %+v", got, tt.want)
			}
			if !tt.wantErr && len(replaced.Days) != 2 {
				t.Errorf("replaced %d day rows; want 2", len(replaced.Days))
			}
		})
	}
}
