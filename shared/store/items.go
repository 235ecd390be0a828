package store

import (
	"fmt"
	"time"

	"github.com/switchboard-inbox/switchboard/shared/inbox"
)

// Key shapes. Only this package builds them; see docs/data-model.md.
const (
	skCustomer     = "CUSTOMER"
	skIdentity     = "IDENTITY"
	skConv         = "CONV"
	skDedupe       = "DEDUPE"
	skThread       = "THREAD"
	msgPrefix      = "MSG#"
	ratingPrefix   = "RATING#"
	convPrefix     = "CONV#"
	identityPrefix = "IDENT#"
	// snoozedPartition is the one GSI3 partition of snoozed conversations,
	// sorted by wake-up time, so the waker reads only what is due.
	snoozedPartition = "SNOOZED"
	// openPartition is the one GSI2 partition of open conversations. One
	// partition takes about 1,000 writes a second; shard it per inbox (and
	// by a hash suffix) before an inbox comes near that.
	openPartition = "OPEN"
)

func customerPK(id string) string                  { return "CUST#" + id }
func identityPK(ch inbox.Channel, a string) string { return identityPrefix + string(ch) + "#" + a }
func convPK(id string) string                      { return convPrefix + id }
func msgSK(id string) string                       { return msgPrefix + id }
func dedupePK(key string) string                   { return "DEDUPE#" + key }
func threadPK(channel, ts string) string           { return "SLACK#" + channel + "#" + ts }
func openSK(lastActivity time.Time, id string) string {
	return formatTime(lastActivity) + "#" + id
}
func snoozedSK(until time.Time, id string) string { return formatTime(until) + "#" + id }

// ratingSK pads the interaction so a conversation's ratings sort in order;
// interactions stop at inbox.MaxInteraction, as survey payloads do.
func ratingSK(interaction int) string { return fmt.Sprintf("%s%04d", ratingPrefix, interaction) }

// statPK puts a month's stat rows in one partition, so a 90-day report is
// four Queries; statSK sorts a day's rows together, by dimension.
func statPK(day string) string { return "STAT#" + day[:min(len(day), len("2006-01"))] }
func statSK(day string, row inbox.StatRow) string {
	return day + "#" + row.Dimension + "#" + row.Value
}

// timeLayout has a fixed width so times in sort keys order as strings.
const timeLayout = "2006-01-02T15:04:05.000Z"

func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(timeLayout)
}

func parseTime(s string) time.Time {
	if s == "" {
		return time.Time{}
	}
	t, err := time.Parse(timeLayout, s)
	if err != nil {
		return time.Time{}
	}
	return t
}

// customerItem sits in GSI1 under its own key with its identities, so a
// customer's profile reads in one Query; it counts the customer's
// conversations so the card never queries them.
type customerItem struct {
	PK                string
	SK                string
	Type              string `dynamodbav:"type"`
	GSI1PK            string `dynamodbav:"GSI1PK"`
	GSI1SK            string `dynamodbav:"GSI1SK"`
	ID                string `dynamodbav:"id"`
	Name              string `dynamodbav:"name,omitempty"`
	Email             string `dynamodbav:"email,omitempty"`
	CreatedAt         string `dynamodbav:"createdAt"`
	ConversationCount int    `dynamodbav:"conversationCount,omitempty"`
	LastOpenedAt      string `dynamodbav:"lastOpenedAt,omitempty"`
	PreviousOpenedAt  string `dynamodbav:"previousOpenedAt,omitempty"`
	LastCSAT          int    `dynamodbav:"lastCsat,omitempty"`
	LastCSATAt        string `dynamodbav:"lastCsatAt,omitempty"`
	// LastSurveyAt is when the customer was last asked for a rating: the
	// survey-fatigue guard compares it in the request's own transaction.
	LastSurveyAt string `dynamodbav:"lastSurveyAt,omitempty"`
	// The starts of the customer's interactions, for the dormant list,
	// which GSI3 keeps under DORMANT by the time they become dormant.
	FirstContactAt     string `dynamodbav:"firstContactAt,omitempty"`
	LastContactAt      string `dynamodbav:"lastContactAt,omitempty"`
	Contacts           int    `dynamodbav:"contacts,omitempty"`
	LastContactChannel string `dynamodbav:"lastContactChannel,omitempty"`
	GSI3PK             string `dynamodbav:"GSI3PK,omitempty"`
	GSI3SK             string `dynamodbav:"GSI3SK,omitempty"`
}

func newCustomerItem(c inbox.Customer, openedAt time.Time) customerItem {
	return customerItem{
		PK: customerPK(c.ID), SK: skCustomer, Type: "customer",
		GSI1PK: customerPK(c.ID), GSI1SK: skCustomer,
		ID: c.ID, Name: c.Name, Email: c.Email, CreatedAt: formatTime(c.CreatedAt),
		ConversationCount: 1, LastOpenedAt: formatTime(openedAt),
	}
}

// identityItem maps a channel address to its customer and mirrors the state
// of the identity's newest conversation, so placing a follow-up message
// needs this one read.
type identityItem struct {
	PK                     string
	SK                     string
	Type                   string `dynamodbav:"type"`
	GSI1PK                 string `dynamodbav:"GSI1PK"`
	GSI1SK                 string `dynamodbav:"GSI1SK"`
	Channel                string `dynamodbav:"channel"`
	Address                string `dynamodbav:"address"`
	CustomerID             string `dynamodbav:"customerId"`
	Verified               bool   `dynamodbav:"verified,omitempty"`
	ConversationID         string `dynamodbav:"conversationId,omitempty"`
	ConversationStatus     string `dynamodbav:"conversationStatus,omitempty"`
	ConversationResolvedAt string `dynamodbav:"conversationResolvedAt,omitempty"`
	// The rating request pending on the address, which a bare digit
	// answers; it names its conversation, so a newer conversation on the
	// address makes it stale without a write.
	SurveyConversationID string `dynamodbav:"surveyConversationId,omitempty"`
	SurveyInteraction    int    `dynamodbav:"surveyInteraction,omitempty"`
	SurveyUntil          string `dynamodbav:"surveyUntil,omitempty"`
}

type conversationItem struct {
	PK               string
	SK               string
	Type             string      `dynamodbav:"type"`
	GSI1PK           string      `dynamodbav:"GSI1PK,omitempty"`
	GSI1SK           string      `dynamodbav:"GSI1SK,omitempty"`
	GSI2PK           string      `dynamodbav:"GSI2PK,omitempty"`
	GSI2SK           string      `dynamodbav:"GSI2SK,omitempty"`
	GSI3PK           string      `dynamodbav:"GSI3PK,omitempty"`
	GSI3SK           string      `dynamodbav:"GSI3SK,omitempty"`
	ID               string      `dynamodbav:"id"`
	CustomerID       string      `dynamodbav:"customerId"`
	CustomerName     string      `dynamodbav:"customerName,omitempty"`
	Channel          string      `dynamodbav:"channel"`
	Address          string      `dynamodbav:"address"`
	Status           string      `dynamodbav:"status"`
	OpenedAt         string      `dynamodbav:"openedAt"`
	LastActivityAt   string      `dynamodbav:"lastActivityAt"`
	ResolvedAt       string      `dynamodbav:"resolvedAt,omitempty"`
	FirstResponseAt  string      `dynamodbav:"firstResponseAt,omitempty"`
	ReopenCount      int         `dynamodbav:"reopenCount,omitempty"`
	MessageCount     int         `dynamodbav:"messageCount,omitempty"`
	SlackChannel     string      `dynamodbav:"slackChannel,omitempty"`
	SlackThreadTS    string      `dynamodbav:"slackThreadTs,omitempty"`
	FirstMessageText string      `dynamodbav:"firstMessageText,omitempty"`
	WaitingSince     string      `dynamodbav:"waitingSince,omitempty"`
	AssigneeID       string      `dynamodbav:"assigneeId,omitempty"`
	AssigneeName     string      `dynamodbav:"assigneeName,omitempty"`
	Priority         string      `dynamodbav:"priority,omitempty"`
	SnoozedUntil     string      `dynamodbav:"snoozedUntil,omitempty"`
	Triage           *triageItem `dynamodbav:"triage,omitempty"`
	Subject          string      `dynamodbav:"subject,omitempty"`
	LastInboundAt    string      `dynamodbav:"lastInboundAt,omitempty"`
	ReopenedAt       string      `dynamodbav:"reopenedAt,omitempty"`
	// GSI4 lists conversations by the month they opened, for the export.
	GSI4PK string `dynamodbav:"GSI4PK,omitempty"`
	GSI4SK string `dynamodbav:"GSI4SK,omitempty"`
	// WaitingTimes are the times of the customer's messages no delivered
	// reply has followed yet in this interaction: each is a reply-time
	// sample once answered.
	WaitingTimes []string `dynamodbav:"waitingTimes,omitempty"`
	// Responded is one more than the interaction whose first response
	// was counted last; ActiveMonth and ActiveQuarter are the periods this
	// conversation last counted its customer active in.
	Responded       int    `dynamodbav:"responded,omitempty"`
	PriorityByAgent bool   `dynamodbav:"priorityByAgent,omitempty"`
	ActiveMonth     string `dynamodbav:"activeMonth,omitempty"`
	ActiveQuarter   string `dynamodbav:"activeQuarter,omitempty"`
}

type triageItem struct {
	Category         string `dynamodbav:"category"`
	Priority         string `dynamodbav:"priority"`
	Sentiment        string `dynamodbav:"sentiment"`
	Language         string `dynamodbav:"language,omitempty"`
	Summary          string `dynamodbav:"summary,omitempty"`
	SuggestedReply   string `dynamodbav:"suggestedReply,omitempty"`
	NeedsHumanReason string `dynamodbav:"needsHumanReason,omitempty"`
	Source           string `dynamodbav:"source"`
	Model            string `dynamodbav:"model,omitempty"`
	PromptTokens     int    `dynamodbav:"promptTokens,omitempty"`
	CompletionTokens int    `dynamodbav:"completionTokens,omitempty"`
}

func newTriageItem(t inbox.Triage) *triageItem {
	return &triageItem{
		Category: t.Category, Priority: string(t.Priority), Sentiment: string(t.Sentiment),
		Language: t.Language, Summary: t.Summary, SuggestedReply: t.SuggestedReply,
		NeedsHumanReason: t.NeedsHumanReason, Source: t.Source, Model: t.Model,
		PromptTokens: t.PromptTokens, CompletionTokens: t.CompletionTokens,
	}
}

func (it *triageItem) triage() *inbox.Triage {
	if it == nil {
		return nil
	}
	return &inbox.Triage{
		Category: it.Category, Priority: inbox.Priority(it.Priority), Sentiment: inbox.Sentiment(it.Sentiment),
		Language: it.Language, Summary: it.Summary, SuggestedReply: it.SuggestedReply,
		NeedsHumanReason: it.NeedsHumanReason, Source: it.Source, Model: it.Model,
		PromptTokens: it.PromptTokens, CompletionTokens: it.CompletionTokens,
	}
}

type messageItem struct {
	PK             string
	SK             string
	Type           string           `dynamodbav:"type"`
	ID             string           `dynamodbav:"id"`
	ConversationID string           `dynamodbav:"conversationId"`
	Direction      string           `dynamodbav:"direction"`
	Author         string           `dynamodbav:"author"`
	Kind           string           `dynamodbav:"kind"`
	Text           string           `dynamodbav:"text"`
	AuthorName     string           `dynamodbav:"authorName,omitempty"`
	AgentID        string           `dynamodbav:"agentId,omitempty"`
	AgentName      string           `dynamodbav:"agentName,omitempty"`
	CreatedAt      string           `dynamodbav:"createdAt"`
	ExternalID     string           `dynamodbav:"externalId,omitempty"`
	Delivery       string           `dynamodbav:"delivery,omitempty"`
	DeliveryError  string           `dynamodbav:"deliveryError,omitempty"`
	SlackTS        string           `dynamodbav:"slackTs,omitempty"`
	Attachments    []attachmentItem `dynamodbav:"attachments,omitempty"`
	Template       string           `dynamodbav:"template,omitempty"`
	Receipt        string           `dynamodbav:"receipt,omitempty"`
	Survey         *surveyItem      `dynamodbav:"survey,omitempty"`
}

type attachmentItem struct {
	Name        string `dynamodbav:"name,omitempty"`
	ContentType string `dynamodbav:"contentType,omitempty"`
	Size        int64  `dynamodbav:"size,omitempty"`
	Key         string `dynamodbav:"key"`
}

type dedupeItem struct {
	PK             string
	SK             string
	Type           string `dynamodbav:"type"`
	ConversationID string `dynamodbav:"conversationId"`
	MessageID      string `dynamodbav:"messageId"`
	ExpiresAt      int64  `dynamodbav:"expiresAt"`
}

type threadItem struct {
	PK             string
	SK             string
	Type           string `dynamodbav:"type"`
	ConversationID string `dynamodbav:"conversationId"`
}

func newConversationItem(c inbox.Conversation) conversationItem {
	it := conversationItem{
		PK: convPK(c.ID), SK: skConv, Type: "conversation",
		GSI1PK: customerPK(c.CustomerID), GSI1SK: convPK(c.ID),
		ID: c.ID, CustomerID: c.CustomerID, CustomerName: c.CustomerName,
		Channel: string(c.Channel), Address: c.Address, Status: string(c.Status),
		OpenedAt: formatTime(c.OpenedAt), LastActivityAt: formatTime(c.LastActivityAt),
		ResolvedAt: formatTime(c.ResolvedAt), FirstResponseAt: formatTime(c.FirstResponseAt),
		ReopenCount: c.ReopenCount, SlackChannel: c.SlackChannel, SlackThreadTS: c.SlackThreadTS,
		FirstMessageText: c.FirstMessageText, WaitingSince: formatTime(c.WaitingSince),
		AssigneeID: c.AssigneeID, AssigneeName: c.AssigneeName, Priority: string(c.Priority),
		SnoozedUntil: formatTime(c.SnoozedUntil), Subject: c.Subject, LastInboundAt: formatTime(c.LastInboundAt),
		ReopenedAt: formatTime(c.ReopenedAt),
	}
	if c.Triage != nil {
		it.Triage = newTriageItem(*c.Triage)
	}
	if c.Status != inbox.StatusResolved {
		it.GSI2PK, it.GSI2SK = openPartition, openSK(c.LastActivityAt, c.ID)
	}
	if !c.OpenedAt.IsZero() {
		it.GSI4PK, it.GSI4SK = openedPK(c.OpenedAt), openSK(c.OpenedAt, c.ID)
	}
	return it
}

// openedPK is the GSI4 partition of the conversations opened in a month
// (UTC): the export reads a window month by month.
func openedPK(t time.Time) string { return "OPENED#" + t.UTC().Format("2006-01") }

func (it conversationItem) conversation() inbox.Conversation {
	return inbox.Conversation{
		ID: it.ID, CustomerID: it.CustomerID, CustomerName: it.CustomerName,
		Channel: inbox.Channel(it.Channel), Address: it.Address, Status: inbox.Status(it.Status),
		OpenedAt: parseTime(it.OpenedAt), LastActivityAt: parseTime(it.LastActivityAt),
		ResolvedAt: parseTime(it.ResolvedAt), FirstResponseAt: parseTime(it.FirstResponseAt),
		ReopenCount: it.ReopenCount, SlackChannel: it.SlackChannel, SlackThreadTS: it.SlackThreadTS,
		FirstMessageText: it.FirstMessageText, WaitingSince: parseTime(it.WaitingSince),
		AssigneeID: it.AssigneeID, AssigneeName: it.AssigneeName, Priority: inbox.Priority(it.Priority),
		SnoozedUntil: parseTime(it.SnoozedUntil), Triage: it.Triage.triage(),
		Subject: it.Subject, LastInboundAt: parseTime(it.LastInboundAt), ReopenedAt: parseTime(it.ReopenedAt),
	}
}

func newMessageItem(m inbox.Message) messageItem {
	return messageItem{
		PK: convPK(m.ConversationID), SK: msgSK(m.ID), Type: "message",
		ID: m.ID, ConversationID: m.ConversationID, Direction: string(m.Direction),
		Author: string(m.Author), Kind: string(m.Kind), Text: m.Text, AuthorName: m.AuthorName,
		AgentID: m.AgentID, AgentName: m.AgentName, CreatedAt: formatTime(m.CreatedAt), ExternalID: m.ExternalID,
		Delivery: string(m.Delivery), DeliveryError: m.DeliveryError, SlackTS: m.SlackTS,
		Attachments: newAttachmentItems(m.Attachments), Template: m.Template, Receipt: string(m.Receipt),
		Survey: newSurveyItem(m.Survey),
	}
}

func newAttachmentItems(as []inbox.Attachment) []attachmentItem {
	if len(as) == 0 {
		return nil
	}
	items := make([]attachmentItem, len(as))
	for i, a := range as {
		items[i] = attachmentItem{Name: a.Name, ContentType: a.ContentType, Size: a.Size, Key: a.Key}
	}
	return items
}

func (it messageItem) message() inbox.Message {
	return inbox.Message{
		ID: it.ID, ConversationID: it.ConversationID, Direction: inbox.Direction(it.Direction),
		Author: inbox.Author(it.Author), Kind: inbox.Kind(it.Kind), Text: it.Text,
		AuthorName: it.AuthorName, AgentID: it.AgentID, AgentName: it.AgentName, CreatedAt: parseTime(it.CreatedAt),
		ExternalID: it.ExternalID, Delivery: inbox.Delivery(it.Delivery),
		DeliveryError: it.DeliveryError, SlackTS: it.SlackTS,
		Attachments: attachments(it.Attachments), Template: it.Template, Receipt: inbox.ReceiptStatus(it.Receipt),
		Survey: it.Survey.survey(),
	}
}

func attachments(items []attachmentItem) []inbox.Attachment {
	if len(items) == 0 {
		return nil
	}
	as := make([]inbox.Attachment, len(items))
	for i, it := range items {
		as[i] = inbox.Attachment{Name: it.Name, ContentType: it.ContentType, Size: it.Size, Key: it.Key}
	}
	return as
}

func newIdentityItem(id inbox.Identity, latest *inbox.Latest) identityItem {
	it := identityItem{
		PK: identityPK(id.Channel, id.Address), SK: skIdentity, Type: "identity",
		GSI1PK: customerPK(id.CustomerID), GSI1SK: identityPK(id.Channel, id.Address),
		Channel: string(id.Channel), Address: id.Address, CustomerID: id.CustomerID, Verified: id.Verified,
	}
	if latest != nil {
		it.ConversationID = latest.ConversationID
		it.ConversationStatus = string(latest.Status)
		it.ConversationResolvedAt = formatTime(latest.ResolvedAt)
		if p := latest.Survey; p != nil {
			it.SurveyConversationID, it.SurveyInteraction, it.SurveyUntil = p.ConversationID, p.Interaction, formatTime(p.Until)
		}
	}
	return it
}

func (it identityItem) identity() (inbox.Identity, *inbox.Latest) {
	id := inbox.Identity{Channel: inbox.Channel(it.Channel), Address: it.Address, CustomerID: it.CustomerID, Verified: it.Verified}
	if it.ConversationID == "" {
		return id, nil
	}
	latest := &inbox.Latest{
		ConversationID: it.ConversationID,
		Status:         inbox.Status(it.ConversationStatus),
		ResolvedAt:     parseTime(it.ConversationResolvedAt),
	}
	if it.SurveyConversationID != "" {
		latest.Survey = &inbox.PendingSurvey{
			ConversationID: it.SurveyConversationID, Interaction: it.SurveyInteraction, Until: parseTime(it.SurveyUntil),
		}
	}
	return id, latest
}
