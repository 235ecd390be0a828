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
	// Survey is the rating request waiting on the address, if any.
	Survey *PendingSurvey
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

// InboundWrite is everything one inbound message writes, as decided by
// PlaceInbound and persisted in one transaction.
type InboundWrite struct {
	Placement Placement
	// Identity is the address the message came from. IdentityIsNew says it
	// is not stored yet.
	Identity      Identity
	IdentityIsNew bool
	// Latest is the identity's newest conversation as read before
	// deciding; the write must fail with ErrConflict if it has changed in
	// a way that changes the decision (a resolution, a newer conversation).
	Latest *Latest
	// Target is the conversation the message joins or reopens: Latest,
	// or for a threaded channel the conversation the message replies to.
	Target *Latest
	// NewCustomer is set when the message creates its customer.
	NewCustomer *Customer
	// LinkedIdentities are further verified addresses of a new customer,
	// such as a chat visitor's verified email.
	LinkedIdentities []Identity
	// Conversation is the whole new conversation for Open; for Join and
	// Reopen only its ID is used.
	Conversation Conversation
	Message      Message
	// DedupeKey is the provider's id of the message, scoped by channel.
	DedupeKey string
}

// Known is what is stored about the sender of an inbound message.
type Known struct {
	// Identity is the sender's address; nil when it is new.
	Identity *Identity
	Latest   *Latest
	// Owner is a known identity the channel proved is also the sender's
	// (a verified email, a deep link, the same phone number elsewhere),
	// when the address is new: the new address joins that customer
	// instead of making a new one.
	Owner *Identity
	// Thread is the conversation a threaded channel's message replies to,
	// when it belongs to the sender; nil when the message replies to none.
	Thread *Latest
}

// DedupeKey scopes a provider's message id by channel.
func DedupeKey(ch Channel, externalID string) string { return string(ch) + "#" + externalID }

// PlaceInbound decides everything an inbound message writes.
func PlaceInbound(in Inbound, known Known, window time.Duration) InboundWrite {
	now := in.ReceivedAt
	target := known.Latest
	if in.Threaded {
		target = known.Thread
	}
	w := InboundWrite{
		Placement: Place(target, now, window),
		Latest:    known.Latest,
		Target:    target,
		DedupeKey: DedupeKey(in.Channel, in.ExternalID),
	}
	if known.Identity != nil {
		w.Identity = *known.Identity
	} else {
		w.IdentityIsNew = true
		w.Identity = Identity{Channel: in.Channel, Address: in.Address, Verified: in.Verified}
		switch {
		case known.Owner != nil:
			w.Identity.CustomerID = known.Owner.CustomerID
		default:
			c := Customer{ID: NewID(now), Name: in.Name, Email: in.Email, CreatedAt: now}
			w.NewCustomer = &c
			w.Identity.CustomerID = c.ID
			if in.Verified && in.Email != "" && in.Channel != ChannelEmail {
				w.LinkedIdentities = []Identity{{Channel: ChannelEmail, Address: in.Email, CustomerID: c.ID, Verified: true}}
			}
		}
	}

	convID := ""
	if w.Placement == Open {
		convID = NewID(now)
		w.Conversation = Conversation{
			ID: convID, CustomerID: w.Identity.CustomerID, CustomerName: in.Name,
			Channel: in.Channel, Address: in.Address, Status: StatusOpen,
			OpenedAt: now, LastActivityAt: now, FirstMessageText: in.Text, WaitingSince: now,
			Subject: in.Subject, LastInboundAt: now,
		}
	} else {
		convID = target.ConversationID
		w.Conversation = Conversation{ID: convID}
	}
	w.Message = Message{
		ID: NewID(now), ConversationID: convID, Direction: DirectionIn, Author: AuthorCustomer,
		Kind: KindPublic, Text: in.Text, AuthorName: in.Name, CreatedAt: now, ExternalID: in.ExternalID,
		Attachments: in.Attachments,
	}
	return w
}
