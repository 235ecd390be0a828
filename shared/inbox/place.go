package inbox

import "time"

// DefaultReopenWindow is how long after resolution a new customer message
// reopens the old conversation instead of starting a new one.
const DefaultReopenWindow = 7 * 24 * time.Hour

// Latest is what is known about the newest conversation of one identity,
// which is all that placing a new inbound message needs.
type Latest struct {
	ConversationID string
	Status         Status
	ResolvedAt     time.Time
}

// Placement is what an inbound message does to the conversations of its
// identity.
type Placement int

// Placements.
const (
	// Open starts a new conversation.
	Open Placement = iota
	// Join adds the message to the identity's open conversation.
	Join
	// Reopen adds the message to a recently resolved conversation and
	// opens it again, so a "thanks, one more thing" stays in its thread.
	Reopen
)

func (p Placement) String() string {
	switch p {
	case Join:
		return "join"
	case Reopen:
		return "reopen"
	default:
		return "open"
	}
}

// Place decides where a message received at now goes, given the newest
// conversation of its identity (nil when there is none). Only a resolved
// conversation is closed to new messages; pending and snoozed ones wake up.
func Place(latest *Latest, now time.Time, reopenWindow time.Duration) Placement {
	switch {
	case latest == nil || latest.ConversationID == "":
		return Open
	case latest.Status != StatusResolved:
		return Join
	case now.Sub(latest.ResolvedAt) <= reopenWindow:
		return Reopen
	default:
		return Open
	}
}
