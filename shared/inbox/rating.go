package inbox

import (
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Scores run from MinScore (very dissatisfied) to MaxScore (very
// satisfied); 4 and 5 count as satisfied.
const (
	MinScore = 1
	MaxScore = 5
)

// Limits of what a rating carries: interactions beyond MaxInteraction are
// not rated (a conversation reopened ten thousand times is a bot), and a
// comment is at most MaxCommentRunes characters.
const (
	MaxInteraction  = 9999
	MaxCommentRunes = 1000
)

// Defaults of CSAT_FATIGUE and CSAT_WINDOW: at most one request per
// customer in DefaultSurveyFatigue (a request due sooner is skipped and
// counted), and answers taken, and changed, for DefaultRatingWindow after
// the request.
const (
	DefaultSurveyFatigue = 72 * time.Hour
	DefaultRatingWindow  = 7 * 24 * time.Hour
)

// ValidScore reports whether s is on the rating scale.
func ValidScore(s int) bool { return s >= MinScore && s <= MaxScore }

// ErrTooSoon is returned when a customer was asked for a rating too
// recently to be asked again (the survey-fatigue guard).
var ErrTooSoon = errors.New("customer was asked for a rating too recently")

// RatingStatus is where an interaction's rating stands.
type RatingStatus string

// Rating statuses.
const (
	// RatingRequested: the request was queued and no answer has come.
	RatingRequested RatingStatus = "requested"
	// RatingSkipped: no request was sent, to spare the customer (see
	// Rating.SkipReason).
	RatingSkipped RatingStatus = "skipped"
	// RatingRated: the customer answered; they may still change it until
	// Until.
	RatingRated RatingStatus = "rated"
	// RatingUndelivered: the channel refused the request for good (a
	// closed messaging window, an unreachable address); it does not count
	// as a request.
	RatingUndelivered RatingStatus = "undelivered"
)

// MaxRatedAgents bounds the agents a rating is credited to, which keeps
// each rating's counter updates within one DynamoDB transaction.
const MaxRatedAgents = 10

// Skip reasons.
const (
	SkipFatigue = "fatigue"
)

// Rating is the satisfaction rating of one interaction: a conversation
// from its opening or reopening to its resolution. A conversation resolved,
// reopened and resolved again has two interactions, rated apart.
type Rating struct {
	ConversationID string
	// Interaction is the conversation's ReopenCount when it was resolved:
	// 0 for the first resolution, 1 after one reopening, and so on.
	Interaction int
	CustomerID  string
	Channel     Channel
	Address     string
	// Category is triage's category of the conversation (CategoryOther
	// without one), and Language the language the request was written in.
	Category string
	Language string
	// Agents are the agents who replied publicly in the interaction, at
	// most MaxRatedAgents of them (the first to reply).
	Agents     []Agent
	Status     RatingStatus
	SkipReason string
	Score      int
	// PreviousScore is the score a change replaced; 0 for a first answer.
	PreviousScore int
	Comment       string
	ResolvedAt    time.Time
	RequestedAt   time.Time
	RatedAt       time.Time
	// Until is when the rating window closes: answers after it are refused.
	Until time.Time
	// Day is the day, in the team's time zone (YYYY-MM-DD), whose counters
	// the interaction counts in: the day it was resolved. A rating given
	// or changed later still counts on that day, so requests and answers
	// of one interaction always meet in the same counters.
	Day string
	// MessageID is the outbound message that carries the request.
	MessageID string
	// AnnouncedAt is the RatedAt of the answer last shown in Slack.
	AnnouncedAt time.Time
}

// Low reports whether the score should alert the managers (1 or 2).
func (r Rating) Low() bool { return r.Score >= MinScore && r.Score <= 2 }

// Open reports whether the rating can still be given or changed at t.
func (r Rating) Open(t time.Time) bool {
	return (r.Status == RatingRequested || r.Status == RatingRated) && t.Before(r.Until)
}

// Survey is what an outbound rating request carries beside its question
// (the message's Text), in the customer's language, so each channel offers
// the five answers its own way: links (email), buttons or a list
// (WhatsApp, Messenger, Instagram, Telegram), the widget's stars (web
// chat), or a line asking for a digit (SMS).
type Survey struct {
	Interaction int
	// Options are the five answers, lowest score first.
	Options []SurveyOption
	// ReplyHint asks for a digit, for channels without buttons: "Reply
	// with a number from 1 (very bad) to 5 (excellent)."
	ReplyHint string
	// Choose labels the button that opens a list of options (WhatsApp).
	Choose string
	// LinkHint introduces the links in an email.
	LinkHint string
	// CommentPrompt, Send and Thanks are the widget's words around an
	// optional comment.
	CommentPrompt string
	Send          string
	Thanks        string
}

// BestFirst lists the options highest score first, the order every
// channel shows them in: customers read down a list.
func (s Survey) BestFirst() []SurveyOption {
	return slices.SortedStableFunc(slices.Values(s.Options), func(a, b SurveyOption) int { return b.Score - a.Score })
}

// SurveyOption is one answer to a rating request.
type SurveyOption struct {
	Score int
	// Label names the score for people ("Excellent"); channels cap its
	// length (WhatsApp list rows take 24 characters, Messenger quick
	// replies 20), so labels stay short.
	Label string
	// Payload is what a button sends back (SurveyPayload).
	Payload string
	// URL opens the rating page with this score chosen.
	URL string
}

// SurveyAnswer is a customer's answer to a rating request, as a channel
// hands it over: from a button (which names the interaction) or a bare
// digit (which answers the request pending on the customer's address).
type SurveyAnswer struct {
	// ConversationID and Interaction name the interaction rated; an empty
	// ConversationID means the request pending for the sender's address.
	ConversationID string
	Interaction    int
	Score          int
	Comment        string
}

// surveyPrefix starts every survey button payload. Telegram caps
// callback_data at 64 bytes; "csat:" + a 26-character id + two numbers
// stays far below.
const surveyPrefix = "csat:"

// SurveyPayload is the payload of the button that answers score to the
// request of one interaction: "csat:<conversation>:<interaction>:<score>".
// It names the interaction but proves nothing: the answer is only taken
// from the address the conversation belongs to.
func SurveyPayload(conversationID string, interaction, score int) string {
	return surveyPrefix + conversationID + ":" + strconv.Itoa(interaction) + ":" + strconv.Itoa(score)
}

// ParseSurveyPayload reads a payload SurveyPayload made; ok is false for
// anything else, which is then an ordinary button press.
func ParseSurveyPayload(payload string) (SurveyAnswer, bool) {
	rest, found := strings.CutPrefix(payload, surveyPrefix)
	if !found {
		return SurveyAnswer{}, false
	}
	parts := strings.Split(rest, ":")
	if len(parts) != 3 || !validID(parts[0]) {
		return SurveyAnswer{}, false
	}
	interaction, err := strconv.Atoi(parts[1])
	if err != nil || interaction < 0 || interaction > MaxInteraction || parts[1] != strconv.Itoa(interaction) {
		return SurveyAnswer{}, false
	}
	score, err := strconv.Atoi(parts[2])
	if err != nil || !ValidScore(score) || len(parts[2]) != 1 {
		return SurveyAnswer{}, false
	}
	return SurveyAnswer{ConversationID: parts[0], Interaction: interaction, Score: score}, true
}

// ScoreReply reads a customer's typed answer to a pending rating request:
// one digit from 1 to 5, alone, perhaps with "/5", a full stop, an
// exclamation mark or as a keycap emoji ("4️⃣"). Anything longer is a
// message, not a rating.
func ScoreReply(text string) (int, bool) {
	t := strings.TrimSpace(text)
	t = strings.TrimSuffix(t, "\u20e3") // keycap: "4" + U+FE0F + U+20E3
	t = strings.TrimSuffix(t, "\ufe0f")
	t = strings.TrimRight(t, ".! ")
	t = strings.TrimSuffix(t, "/5")
	if len(t) != 1 || t[0] < '0'+MinScore || t[0] > '0'+MaxScore {
		return 0, false
	}
	return int(t[0] - '0'), true
}

// PendingSurvey is a rating request waiting on one address: a bare digit
// from it answers the request while its conversation is the address's
// newest and still resolved.
type PendingSurvey struct {
	ConversationID string
	Interaction    int
	Until          time.Time
}

// Answers reports whether a digit from an address whose newest
// conversation is latest, received at t, answers this request.
func (p PendingSurvey) Answers(latest Latest, t time.Time) bool {
	return p.ConversationID == latest.ConversationID && latest.Status == StatusResolved && t.Before(p.Until)
}

// Day is the calendar day of t in loc, as counters name it (YYYY-MM-DD).
func Day(t time.Time, loc *time.Location) string {
	if loc == nil {
		loc = time.UTC
	}
	return t.In(loc).Format(time.DateOnly)
}

// Stat dimensions: every counter row is kept for all conversations and
// again broken down by channel, by agent and by category.
const (
	DimensionAll      = "all"
	DimensionChannel  = "channel"
	DimensionAgent    = "agent"
	DimensionCategory = "category"
)

// Counter names, as stored on the per-day stat rows.
const (
	CounterCSATRequests    = "csatRequests"
	CounterCSATSkipped     = "csatSkipped"
	CounterCSATUndelivered = "csatUndelivered"
	CounterCSATRatings     = "csatRatings"
)

// CounterCSATScore names the counter of ratings with score s
// ("csatScore1" to "csatScore5").
func CounterCSATScore(s int) string { return "csatScore" + strconv.Itoa(s) }

// Stat is one per-day counter row: a day, a dimension and its value (""
// for DimensionAll), and the counters added to it.
type Stat struct {
	Day       string
	Dimension string
	Value     string
	// Name is a display name for the value, such as an agent's.
	Name     string
	Counters map[string]int64
}

// StatRow names one counter row of a day.
type StatRow struct {
	Dimension string
	Value     string
	Name      string
}

// RatingRows are the counter rows an interaction's rating counts in: all,
// its channel, its category, and each agent who replied.
func RatingRows(r Rating) []StatRow {
	rows := []StatRow{
		{Dimension: DimensionAll},
		{Dimension: DimensionChannel, Value: string(r.Channel)},
		{Dimension: DimensionCategory, Value: r.Category},
	}
	for _, a := range r.Agents {
		rows = append(rows, StatRow{Dimension: DimensionAgent, Value: a.ID, Name: a.Name})
	}
	return rows
}

func validID(id string) bool {
	if len(id) != IDLen {
		return false
	}
	for i := 0; i < len(id); i++ {
		if !strings.ContainsRune(crockford, rune(id[i])) {
			return false
		}
	}
	return true
}

// SurveyWrite is everything a rating request writes, in one transaction.
type SurveyWrite struct {
	// Rating is the interaction's rating item, status RatingRequested.
	Rating Rating
	// Message is the request, an outbound message with its Survey.
	Message Message
	// NotAskedSince is the survey-fatigue guard: the write fails with
	// ErrTooSoon when the customer was asked at or after it. Zero turns
	// the guard off.
	NotAskedSince time.Time
	// MarkPending records the request on the customer's address, so a
	// bare digit answers it; the write then fails with ErrConflict when
	// the address's newest conversation is no longer this one.
	MarkPending bool
}
