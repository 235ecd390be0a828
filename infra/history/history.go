// Package history is test support for the reports: it generates a year of
// support traffic from a fixed seed (Generate), computes the figures the
// reports must show for it straight from its events (Expect), and plays it
// through the real ingest, csat and store code (Apply), so tests can hold
// every report figure to an answer worked out apart from the counters.
package history

import (
	"sync"
	"time"

	"github.com/switchboard-inbox/switchboard/shared/inbox"
)

// Options shape a generated history. The zero value of each field but
// Seed takes a default.
type Options struct {
	Seed int64
	// Customers scales the history: about three conversations each (1,000
	// conversations for some 300 customers); 300 by default.
	Customers int
	// Start is when the history begins: 2025-11-23 08:30 in Location by
	// default, so it ends on 2026-11-23.
	Start time.Time
	// Months is how long the history runs, 12 by default.
	Months int
	// Channels customers write on: chat, email, whatsapp, telegram and sms
	// by default.
	Channels []inbox.Channel
	// Location is the team's time zone, whose working hours shape when
	// agents answer; UTC by default.
	Location *time.Location
}

// Kind is what an event does.
type Kind int

// Event kinds.
const (
	// CustomerMessage is a message from the customer; into a resolved
	// conversation, within the reopen window, it reopens it.
	CustomerMessage Kind = iota + 1
	// AgentReply is a public reply written by Agent in the thread.
	AgentReply
	// Delivery is the channel's acceptance of Reply. A reply that never
	// gets one failed and stays queued.
	Delivery
	// Resolve is Agent resolving the conversation.
	Resolve
	// AgentReopen is Agent reopening a resolved conversation.
	AgentReopen
	// TriageCall is a triage of the conversation, by rules or a model.
	TriageCall
	// RatingAnswer is the customer's Score for interaction Interaction.
	RatingAnswer
)

var kindNames = map[Kind]string{
	CustomerMessage: "customer message", AgentReply: "agent reply", Delivery: "delivery",
	Resolve: "resolve", AgentReopen: "agent reopen", TriageCall: "triage", RatingAnswer: "rating answer",
}

func (k Kind) String() string { return kindNames[k] }

// Event is one thing that happens, at an explicit time. Conversations,
// customers, agents and replies are named by their index in the history,
// since the real ids only exist once the events are applied.
type Event struct {
	At   time.Time
	Kind Kind
	// Conversation indexes the history's conversations (0 to
	// History.Conversations-1), and Customer History.Customers.
	Conversation int
	Customer     int
	// Agent indexes History.Agents: who replied, resolved or reopened.
	Agent int
	// Reply numbers an AgentReply; its Delivery names the same number.
	Reply int
	// Triage is what a TriageCall concluded.
	Triage *inbox.Triage
	// Score and Interaction are a RatingAnswer's.
	Score       int
	Interaction int
}

// Customer is one person writing in, on one channel address.
type Customer struct {
	Name    string
	Channel inbox.Channel
	Address string
}

// History is a generated history: its events in time order, and what
// they name.
type History struct {
	Options       Options
	Customers     []Customer
	Agents        []inbox.Agent
	Conversations int
	Replies       int
	Events        []Event
	// End is when the history stops: the reports' "now".
	End time.Time
	// Clock is the fake clock Apply moves to each event's time; give its
	// Now to the store, which counts the model's tokens on its clock's day.
	Clock *Clock
}

// Clock is a settable clock, safe for concurrent use.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// Now returns the time last set.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Set moves the clock to t.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	c.now = t
	c.mu.Unlock()
}
