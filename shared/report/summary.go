package report

import (
	"time"

	"github.com/switchboard-inbox/switchboard/shared/inbox"
)

// Summary is the JSON of GET /reports/summary, which the dashboard and the
// Slack digest read too. docs/metrics.md defines every field. Nullable
// numbers are pointers: a rate with a zero denominator, or a time with no
// samples, is null rather than a misleading zero.
type Summary struct {
	From        string           `json:"from"`
	To          string           `json:"to"`
	TZ          string           `json:"tz"`
	GroupBy     string           `json:"group_by,omitempty"`
	Period      inbox.PeriodKind `json:"period"`
	GeneratedAt time.Time        `json:"generated_at"`
	// BusinessHours is empty when none are configured.
	BusinessHours   string  `json:"business_hours,omitempty"`
	TimeBucketError float64 `json:"time_bucket_error"`

	Volume            Volume    `json:"volume"`
	FirstResponseTime TimeStats `json:"first_response_time"`
	ReplyTime         TimeStats `json:"reply_time"`
	ResolutionTime    TimeStats `json:"resolution_time"`
	CSAT              CSAT      `json:"csat"`

	// The headline retention figures are those of the last period that
	// overlaps the window (Retention's last entry).
	RetentionRate      *float64          `json:"retention_rate"`
	RepeatContactRate  *float64          `json:"repeat_contact_rate"`
	Churned            int64             `json:"churned"`
	NewCustomers       int64             `json:"new_customers"`
	ReturningCustomers int64             `json:"returning_customers"`
	Retention          []PeriodRetention `json:"retention"`

	Triage  Triage    `json:"triage"`
	Daily   []Day     `json:"daily"`
	Groups  []Group   `json:"groups,omitempty"`
	Dormant []Dormant `json:"dormant"`
	// DormantAfterDays is DORMANT_AFTER: how long a customer with a single
	// contact may stay silent before the dormant list names them.
	DormantAfterDays float64 `json:"dormant_after_days"`
}

// Volume counts conversations and messages over the window; Backlog is
// the conversations open at the end of its last day.
type Volume struct {
	Opened      int64 `json:"opened"`
	Reopened    int64 `json:"reopened"`
	Resolved    int64 `json:"resolved"`
	MessagesIn  int64 `json:"messages_in"`
	MessagesOut int64 `json:"messages_out"`
	Backlog     int64 `json:"backlog"`
}

// TimeStats describe one timing in seconds. Medians and p90 are read from
// the histogram buckets (within Summary.TimeBucketError); means are exact.
// The seconds are null when Count is 0.
type TimeStats struct {
	Count         int64    `json:"count"`
	MedianSeconds *float64 `json:"median_seconds"`
	P90Seconds    *float64 `json:"p90_seconds"`
	MeanSeconds   *float64 `json:"mean_seconds"`
	// Business is the same timing in business hours; nil when none are
	// configured.
	Business *BusinessTimeStats `json:"business,omitempty"`
}

// BusinessTimeStats is a timing counted in business hours only.
type BusinessTimeStats struct {
	MedianSeconds *float64 `json:"median_seconds"`
	P90Seconds    *float64 `json:"p90_seconds"`
	MeanSeconds   *float64 `json:"mean_seconds"`
}

// CSAT is the satisfaction of the interactions resolved in the window.
type CSAT struct {
	// Score is the share of ratings that are 4 or 5.
	Score        *float64 `json:"score"`
	Ratings      int64    `json:"ratings"`
	Requests     int64    `json:"requests"`
	ResponseRate *float64 `json:"response_rate"`
	Skipped      int64    `json:"skipped"`
	Undelivered  int64    `json:"undelivered"`
	// Distribution counts ratings by score, "1" to "5".
	Distribution map[string]int64 `json:"distribution"`
}

// PeriodRetention is retention over one month or quarter.
type PeriodRetention struct {
	Period string `json:"period"`
	// PreviousActive is S, the customers active in the period before.
	PreviousActive    int64                       `json:"previous_active"`
	Active            int64                       `json:"active"`
	New               int64                       `json:"new"`
	Returning         int64                       `json:"returning"`
	Retained          int64                       `json:"retained"`
	Churned           int64                       `json:"churned"`
	RetentionRate     *float64                    `json:"retention_rate"`
	Repeat            int64                       `json:"repeat"`
	RepeatContactRate *float64                    `json:"repeat_contact_rate"`
	Complete          bool                        `json:"complete"`
	ByLastRating      map[string]SegmentRetention `json:"by_last_rating"`
}

// SegmentRetention is the retention of the customers whose last rating,
// at the end of the period before, was in one segment (inbox.Segments).
type SegmentRetention struct {
	Previous int64    `json:"previous"`
	Retained int64    `json:"retained"`
	Rate     *float64 `json:"rate"`
}

// Triage counts conversations opened in the window by their current
// category and priority, and the model's calls and tokens by month.
type Triage struct {
	ByCategory    map[string]int64 `json:"by_category"`
	ByPriority    map[string]int64 `json:"by_priority"`
	TokensByMonth []MonthTokens    `json:"tokens_by_month"`
}

// MonthTokens is the triage model's usage on the window's days of a month.
type MonthTokens struct {
	Month            string `json:"month"`
	Calls            int64  `json:"calls"`
	PromptTokens     int64  `json:"prompt_tokens"`
	CompletionTokens int64  `json:"completion_tokens"`
}

// Day is one day of the window.
type Day struct {
	Day               string    `json:"day"`
	Opened            int64     `json:"opened"`
	Reopened          int64     `json:"reopened"`
	Resolved          int64     `json:"resolved"`
	MessagesIn        int64     `json:"messages_in"`
	MessagesOut       int64     `json:"messages_out"`
	Backlog           int64     `json:"backlog"`
	FirstResponseTime TimeStats `json:"first_response_time"`
	CSAT              DayCSAT   `json:"csat"`
	// OpenedByChannel has every channel seen in the window, zero included,
	// so each day carries the same series.
	OpenedByChannel map[string]int64 `json:"opened_by_channel"`
}

// DayCSAT is a day's score and its number of ratings.
type DayCSAT struct {
	Score   *float64 `json:"score"`
	Ratings int64    `json:"ratings"`
}

// Group is one value of the group_by dimension, summed over the window.
type Group struct {
	Dimension         string    `json:"dimension"`
	Value             string    `json:"value"`
	Name              string    `json:"name"`
	Opened            int64     `json:"opened"`
	Resolved          int64     `json:"resolved"`
	MessagesOut       int64     `json:"messages_out"`
	FirstResponseTime TimeStats `json:"first_response_time"`
	ReplyTime         TimeStats `json:"reply_time"`
	ResolutionTime    TimeStats `json:"resolution_time"`
	CSAT              CSAT      `json:"csat"`
}

// Dormant is a customer whose usual interval between contacts has passed
// without a new one.
type Dormant struct {
	CustomerID  string `json:"customer_id"`
	Name        string `json:"name"`
	Channel     string `json:"channel"`
	LastContact string `json:"last_contact"`
	// UsualIntervalDays is the customer's mean interval between contacts;
	// null after a single contact, when Summary.DormantAfterDays applied.
	UsualIntervalDays *float64 `json:"usual_interval_days"`
	DormantSince      string   `json:"dormant_since"`
	// LastCSAT is null for a customer who never rated.
	LastCSAT *int `json:"last_csat"`
}
