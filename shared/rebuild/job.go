package rebuild

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/switchboard-inbox/switchboard/shared/inbox"
)

// Job recounts the counters and replaces the stored ones with the result.
type Job struct {
	Source  Source
	Sink    Sink
	Options Options
	Log     *slog.Logger
}

// Summary says how much a rebuild read and wrote.
type Summary struct {
	Conversations int
	Customers     int
	// Rows counts the counter rows written: days, totals and periods.
	Rows int
}

// Run rebuilds every counter.
func (j Job) Run(ctx context.Context) (Summary, error) {
	src := &counting{Source: j.Source}
	res, err := Recount(ctx, src, j.Options)
	if err != nil {
		return Summary{}, err
	}
	if err := j.Sink.Replace(ctx, res); err != nil {
		return Summary{}, fmt.Errorf("replace counters: %w", err)
	}
	sum := Summary{
		Conversations: src.conversations,
		Customers:     src.customers,
		Rows:          len(res.Days) + len(res.Totals) + len(res.Periods),
	}
	log := j.Log
	if log == nil {
		log = slog.Default()
	}
	log.InfoContext(ctx, "counters rebuilt", "conversations", sum.Conversations,
		"customers", sum.Customers, "rows", sum.Rows, "markers", len(res.Markers))
	return sum, nil
}

// counting counts what a Source hands over, for the summary.
type counting struct {
	Source
	conversations, customers int
}

func (c *counting) Customers(ctx context.Context, fn func(inbox.Customer) error) error {
	return c.Source.Customers(ctx, func(cu inbox.Customer) error {
		c.customers++
		return fn(cu)
	})
}

func (c *counting) Conversations(ctx context.Context, fn func(Conversation) error) error {
	return c.Source.Conversations(ctx, func(conv Conversation) error {
		c.conversations++
		return fn(conv)
	})
}
