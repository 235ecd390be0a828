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
	// Subject is an email conversation's subject; replies say "Re:" to it.
	Subject string
	// LastInboundAt is when the customer last wrote, which opens messaging
	// windows such as WhatsApp's 24 hours.
	LastInboundAt time.Time
	// ReopenedAt is when the conversation was last reopened: the start of
	// its current interaction (OpenedAt before any reopening).
	ReopenedAt time.Time
}

// InteractionStart is when the conversation's current interaction began.
func (c Conversation) InteractionStart() time.Time {
	if c.ReopenCount > 0 && !c.ReopenedAt.IsZero() {
		return c.ReopenedAt
	}
	return c.OpenedAt
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
	// Attachments are files the message carries, kept in the media bucket.
	Attachments []Attachment
	// Template names the provider-approved template an outbound message
	// is, for channels that only take templates outside a service window.
	Template string
	// Receipt is the furthest a provider has reported an outbound message
	// got after it was sent.
	Receipt ReceiptStatus
	// Survey makes an outbound message a rating request (AuthorBot), with
	// the answers its channel offers.
	Survey *Survey
}

// Attachment is a file that came with a message. The channel adapter
// stores it in the media bucket before the message is ingested; agents
// open it through a signed link.
type Attachment struct {
	Name        string
	ContentType string
	Size        int64
	// Key is the object's key in the media bucket.
	Key string
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
	// Attachments are already stored in the media bucket.
	Attachments []Attachment
	// Links are addresses the channel proved belong to the sender, such as
	// the chat user behind a Telegram deep link: a new address joins the
	// customer of the first one that is known.
	Links []Identity
	// Threaded channels (email) place a message by what it replies to,
	// never by the sender's latest conversation: ConversationID (from an
	// unguessable reply token) or References (provider ids of earlier
	// messages, newest first) name the conversation, and a message that
	// names none opens a new one.
	Threaded       bool
	ConversationID string
	References     []string
	// Subject is an email's subject.
	Subject string
	// Answer is set when the message answers a rating request (a survey
	// button). Ingest records it as the rating; when no request can take
	// it, the message is stored like any other, so nothing is lost.
	Answer *SurveyAnswer
}

// Sent is a channel's acknowledgement of an outbound message.
type Sent struct {
	// ExternalID is the provider's id for the message.
	ExternalID string
	// Aliases are further ids replies and receipts may name the message
	// by, such as an email's Message-ID as the provider rewrote it.
	Aliases []string
}

// ReceiptStatus is what a provider reports about a message it accepted.
type ReceiptStatus string

// Receipt statuses, in the order they happen; failed may come at any time.
const (
	ReceiptDelivered ReceiptStatus = "delivered"
	ReceiptRead      ReceiptStatus = "read"
	ReceiptFailed    ReceiptStatus = "failed"
)

// Receipt is a provider's later word on an outbound message: delivered,
// read, or failed after all (a bounce, an unreachable number).
type Receipt struct {
	Channel Channel
	// ExternalID is the id the provider or the bounce names the message by.
	ExternalID string
	Status     ReceiptStatus
	Reason     string
	At         time.Time
}
