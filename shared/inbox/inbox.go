// Package inbox holds Switchboard's domain: customers and their channel
// identities, conversations, messages, and the rules that decide where an
// inbound message goes. It imports nothing of the project's own, so every
// other package can depend on it and it can be tested without DynamoDB,
// Slack or any channel.
package inbox

import (
	"errors"
	"time"
)

// Channel is where a customer wrote from; replies go back on the same one.
type Channel string

// The channels Switchboard speaks.
const (
	ChannelChat      Channel = "chat"
	ChannelEmail     Channel = "email"
	ChannelWhatsApp  Channel = "whatsapp"
	ChannelMessenger Channel = "messenger"
	ChannelInstagram Channel = "instagram"
	ChannelTelegram  Channel = "telegram"
	ChannelSMS       Channel = "sms"
)

var channelLabels = map[Channel]string{
	ChannelChat:      "Web chat",
	ChannelEmail:     "Email",
	ChannelWhatsApp:  "WhatsApp",
	ChannelMessenger: "Messenger",
	ChannelInstagram: "Instagram",
	ChannelTelegram:  "Telegram",
	ChannelSMS:       "SMS",
}

// Label is the channel's name as people write it.
func (c Channel) Label() string {
	if label, ok := channelLabels[c]; ok {
		return label
	}
	return string(c)
}

// Status is where a conversation stands.
type Status string

// Conversation statuses. Every status but resolved counts as open for
// placing a new customer message.
const (
	StatusOpen     Status = "open"
	StatusPending  Status = "pending"
	StatusSnoozed  Status = "snoozed"
	StatusResolved Status = "resolved"
)

// Direction says whether a message came from the customer or goes to them.
type Direction string

// Message directions.
const (
	DirectionIn  Direction = "in"
	DirectionOut Direction = "out"
)

// Author says who wrote a message.
type Author string

// Message authors.
const (
	AuthorCustomer Author = "customer"
	AuthorAgent    Author = "agent"
	AuthorBot      Author = "bot"
)

// Kind separates what the customer sees from internal notes.
type Kind string

// Message kinds.
const (
	KindPublic Kind = "public"
	KindNote   Kind = "note"
)

// Delivery is the state of an outbound message on its channel.
type Delivery string

// Delivery states. Inbound messages have none.
const (
	DeliveryQueued Delivery = "queued"
	// DeliverySending means the dispatcher has claimed the message: from
	// here on an edit or a deletion in Slack can no longer stop it.
	DeliverySending   Delivery = "sending"
	DeliverySent      Delivery = "sent"
	DeliveryFailed    Delivery = "failed"
	DeliveryCancelled Delivery = "cancelled"
)

// Settled reports whether the delivery will not change any more by itself.
func (d Delivery) Settled() bool {
	return d == DeliverySent || d == DeliveryFailed || d == DeliveryCancelled
}

// Sentinel errors that adapters wrap so callers can branch with errors.Is.
var (
	ErrNotFound  = errors.New("not found")
	ErrDuplicate = errors.New("already received")
	ErrConflict  = errors.New("changed concurrently")
)

// Customer is a person who writes to support, on any number of channels.
type Customer struct {
	ID        string
	Name      string
	Email     string
	CreatedAt time.Time
}

// Identity is one address of a customer on one channel: a chat visitor id,
// an email address, a phone number. Each address belongs to one customer.
type Identity struct {
	Channel    Channel
	Address    string
	CustomerID string
	// Verified is true when the address was proven (an HMAC from the
	// customer's site, a confirmed phone number), so it may merge customers.
	Verified bool
}

// Conversation is one support case of one customer on one channel, which
// becomes one Slack thread.
type Conversation struct {
	ID           string
	CustomerID   string
	CustomerName string
	Channel      Channel
	// Address is where replies go on Channel.
	Address          string
	Status           Status
	OpenedAt         time.Time
	LastActivityAt   time.Time
	ResolvedAt       time.Time
	FirstResponseAt  time.Time
	ReopenCount      int
	SlackChannel     string
	SlackThreadTS    string
	FirstMessageText string
	// WaitingSince is when the customer's oldest message that no public
	// reply has followed arrived; zero when the customer is answered.
	WaitingSince time.Time
	// AssigneeID is the Slack user id of the agent who owns the
	// conversation; empty while unassigned.
	AssigneeID   string
	AssigneeName string
	// Priority is set by triage and changed by agents; empty until then.
	Priority Priority
	// SnoozedUntil is when a snoozed conversation wakes up.
	SnoozedUntil time.Time
	Triage       *Triage
}

// Message is one message in a conversation, in either direction.
type Message struct {
	ID             string
	ConversationID string
	Direction      Direction
	Author         Author
	Kind           Kind
	Text           string
	// AuthorName is the customer's or agent's display name.
	AuthorName string
	// AgentID and AgentName are the Slack user id and display name of the
	// agent who wrote an outbound message; AuthorName is what the customer
	// sees instead (see PublicAgentName).
	AgentID   string
	AgentName string
	CreatedAt time.Time
	// ExternalID is the provider's id of the message (chat message id,
	// Slack ts, WhatsApp wamid), kept for receipts and threading.
	ExternalID    string
	Delivery      Delivery
	DeliveryError string
	// SlackTS is the ts of the message's copy in the Slack thread.
	SlackTS string
}

// VisibleToCustomer reports whether the customer should see the message:
// everything they wrote, and public replies once they were delivered.
func (m Message) VisibleToCustomer() bool {
	if m.Direction == DirectionIn {
		return true
	}
	return m.Kind == KindPublic && m.Delivery == DeliverySent
}

// Inbound is a customer message as a channel hands it to ingest: already
// verified and parsed, not yet placed in a conversation.
type Inbound struct {
	Channel Channel
	Address string
	Name    string
	Email   string
	// Verified is true when the channel proved the address belongs to the
	// sender, beyond holding a random key.
	Verified   bool
	Text       string
	ExternalID string
	ReceivedAt time.Time
}
