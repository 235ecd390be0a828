package inbox

import "time"

// Priority says how urgently a conversation needs an answer.
type Priority string

// Priorities, from least to most urgent.
const (
	PriorityLow    Priority = "low"
	PriorityNormal Priority = "normal"
	PriorityHigh   Priority = "high"
	PriorityUrgent Priority = "urgent"
)

// Priorities lists every priority, least urgent first.
var Priorities = []Priority{PriorityLow, PriorityNormal, PriorityHigh, PriorityUrgent}

// Valid reports whether p is one of Priorities.
func (p Priority) Valid() bool {
	for _, known := range Priorities {
		if p == known {
			return true
		}
	}
	return false
}

// Sentiment is how the customer seems to feel.
type Sentiment string

// Sentiments.
const (
	SentimentNegative Sentiment = "negative"
	SentimentNeutral  Sentiment = "neutral"
	SentimentPositive Sentiment = "positive"
)

// Valid reports whether s is a known sentiment.
func (s Sentiment) Valid() bool {
	return s == SentimentNegative || s == SentimentNeutral || s == SentimentPositive
}

// CategoryOther is the category of anything the configured list does not
// cover; it is always allowed.
const CategoryOther = "other"

// Triage sources.
const (
	TriageByModel = "model"
	TriageByRules = "rules"
)

// Triage is what assisted triage concluded about a conversation. It
// assists agents; nothing in it is ever sent to a customer by itself.
type Triage struct {
	Category  string
	Priority  Priority
	Sentiment Sentiment
	// Language is a BCP 47 tag such as "en" or "pt-BR"; empty when unknown.
	Language       string
	Summary        string
	SuggestedReply string
	// NeedsHumanReason says why the model was unsure, when it was.
	NeedsHumanReason string
	// Source is TriageByModel or TriageByRules.
	Source string
	// Model names the model that answered, for the token bill.
	Model            string
	PromptTokens     int
	CompletionTokens int
}

// Profile is what is known of a customer beyond one conversation, for the
// card agents read and for triage.
type Profile struct {
	Customer   Customer
	Identities []Identity
	// Conversations counts every conversation of the customer, the
	// current one included.
	Conversations int
	// PreviousOpenedAt is when the customer's conversation before the
	// newest one opened; zero for a first-time customer.
	PreviousOpenedAt time.Time
	// LastCSAT is the customer's latest rating, 1 to 5; 0 when none.
	LastCSAT int
}
