// Package rebuild recounts every report counter from what is stored: the
// conversations with their messages, ratings and resolved interactions.
// It is a second implementation of the counter definitions
// (docs/metrics.md), written apart from the incremental writers, so it can
// repair the counters after a definition changes or a bug is fixed, and a
// test can hold the incremental counters to it.
package rebuild

import (
	"context"
	"fmt"
	"time"

	"github.com/switchboard-inbox/switchboard/shared/inbox"
)

// Conversation is one conversation as stored, with everything the counters
// are derived from.
type Conversation struct {
	Conversation inbox.Conversation
	// Messages are in id order, which is time order.
	Messages []inbox.Message
	Ratings  []inbox.Rating
	// Interactions are the conversation's resolved interactions.
	Interactions []inbox.Interaction
}

// Source reads every stored fact the counters come from.
type Source interface {
	Customers(ctx context.Context, fn func(inbox.Customer) error) error
	Conversations(ctx context.Context, fn func(Conversation) error) error
	// TokenStats are the day rows holding the token counters
	// (triageCalls, promptTokens, completionTokens). They record model
	// calls, which leave no other trace, so the rebuild keeps them.
	TokenStats(ctx context.Context) ([]inbox.Stat, error)
}

// Result is every counter, recounted.
type Result struct {
	// Days are the per-day rows, sorted by day, dimension and value.
	Days []inbox.Stat
	// Totals are the rows without a day: the open gauge on all and on
	// each channel.
	Totals []inbox.Stat
	// Periods are the retention rows: Day holds the period ("2026-11",
	// "2026-Q4"), dimension all.
	Periods []inbox.Stat
	// Markers are one per customer and period they were active in.
	Markers []inbox.ActivityMarker
	// Contacts has every customer: a zero value means they never started
	// an interaction, so the sink clears what it held for them.
	Contacts map[string]inbox.Contacts
}

// Sink stores a rebuild's result in place of the counters kept so far.
type Sink interface {
	Replace(ctx context.Context, r Result) error
}

// Options are the team settings the counters depend on.
type Options struct {
	// Location is the team's time zone, whose days and periods the
	// counters are kept in; nil means UTC.
	Location *time.Location
	Hours    inbox.BusinessHours
}

// Recount derives every counter from the stored facts. It holds compact
// per-customer facts across conversations, never their messages.
func Recount(ctx context.Context, src Source, opt Options) (Result, error) {
	r := newRecount(opt)
	err := src.Customers(ctx, func(c inbox.Customer) error {
		r.customer(c.ID)
		return nil
	})
	if err != nil {
		return Result{}, fmt.Errorf("recount: read customers: %w", err)
	}
	err = src.Conversations(ctx, func(c Conversation) error {
		r.conversation(c)
		return nil
	})
	if err != nil {
		return Result{}, fmt.Errorf("recount: read conversations: %w", err)
	}
	tokens, err := src.TokenStats(ctx)
	if err != nil {
		return Result{}, fmt.Errorf("recount: read token counters: %w", err)
	}
	r.tokens(tokens)
	periods, markers, err := r.retention()
	if err != nil {
		return Result{}, fmt.Errorf("recount: %w", err)
	}
	return Result{
		Days:     r.days.stats(r.agents),
		Totals:   r.totals.stats(r.agents),
		Periods:  periods,
		Markers:  markers,
		Contacts: r.contacts(),
	}, nil
}

// recount accumulates the counters while the conversations stream by.
type recount struct {
	opt       Options
	days      table
	totals    table
	agents    agentNames
	customers map[string]*customer
}

func newRecount(opt Options) *recount {
	if opt.Location == nil {
		opt.Location = time.UTC
	}
	return &recount{
		opt:       opt,
		days:      table{},
		totals:    table{},
		agents:    agentNames{},
		customers: map[string]*customer{},
	}
}

func (r *recount) day(t time.Time) string { return inbox.Day(t, r.opt.Location) }

// tokenCounters are the counters kept from the stored rows; everything
// else on those rows is recounted.
var tokenCounters = []string{inbox.CounterTriageCalls, inbox.CounterPromptTokens, inbox.CounterCompletionTokens}

func (r *recount) tokens(stats []inbox.Stat) {
	for _, s := range stats {
		row := []inbox.StatRow{{Dimension: s.Dimension, Value: s.Value}}
		for _, name := range tokenCounters {
			r.days.add(s.Day, row, inbox.Count{Name: name, N: s.Counters[name]})
		}
	}
}
