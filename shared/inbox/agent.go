package inbox

import (
	"strings"
	"time"
	"unicode"
)

// Agent is a support agent, known by their Slack user id.
type Agent struct {
	ID   string
	Name string
}

// DefaultNotePrefix starts an agent's thread reply that stays internal.
const DefaultNotePrefix = "note:"

// SplitNote tells an internal note from a reply to the customer: a text
// that starts with prefix (in any case, after leading spaces) is a note,
// returned without the prefix.
func SplitNote(text, prefix string) (body string, note bool) {
	trimmed := strings.TrimLeftFunc(text, unicode.IsSpace)
	if prefix == "" || len(trimmed) < len(prefix) || !strings.EqualFold(trimmed[:len(prefix)], prefix) {
		return text, false
	}
	return strings.TrimSpace(trimmed[len(prefix):]), true
}

// AgentNameStyle says how an agent is named to customers.
type AgentNameStyle string

// Agent name styles.
const (
	// AgentFirstName shows the first word of the agent's Slack name.
	AgentFirstName AgentNameStyle = "first_name"
	// AgentTeamName shows the team's name for every agent.
	AgentTeamName AgentNameStyle = "team"
)

// PublicAgentName is the name a customer sees on an agent's reply.
func PublicAgentName(slackName string, style AgentNameStyle, team string) string {
	if first, _, _ := strings.Cut(strings.TrimSpace(slackName), " "); style == AgentFirstName && first != "" {
		return first
	}
	return team
}

// SnoozeOption is one of the snooze lengths an agent can pick.
type SnoozeOption string

// Snooze options.
const (
	SnoozeHour     SnoozeOption = "1h"
	SnoozeTomorrow SnoozeOption = "tomorrow"
	SnoozeNextWeek SnoozeOption = "next_week"
)

// MorningHour is when "tomorrow morning" and "next week" wake up, in the
// team's time zone.
const MorningHour = 9

// SnoozeUntil is when a conversation snoozed at now with opt wakes up:
// an hour later, tomorrow at 9:00, or next Monday at 9:00 in loc. ok is
// false for an unknown option.
func SnoozeUntil(opt SnoozeOption, now time.Time, loc *time.Location) (until time.Time, ok bool) {
	local := now.In(loc)
	morning := func(days int) time.Time {
		return time.Date(local.Year(), local.Month(), local.Day()+days, MorningHour, 0, 0, 0, loc)
	}
	switch opt {
	case SnoozeHour:
		return now.Add(time.Hour), true
	case SnoozeTomorrow:
		return morning(1), true
	case SnoozeNextWeek:
		days := (int(time.Monday) - int(local.Weekday()) + 7) % 7
		if days == 0 {
			days = 7
		}
		return morning(days), true
	}
	return time.Time{}, false
}
