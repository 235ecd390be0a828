package route

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/switchboard-inbox/switchboard/shared/inbox"
)

// Rule sends conversations that match all its conditions to a Slack
// channel and/or mentions a user group (an on-call rota) in their thread.
// An empty condition matches anything.
type Rule struct {
	Categories   []string         `json:"category,omitempty"`
	Priorities   []inbox.Priority `json:"priority,omitempty"`
	Channels     []inbox.Channel  `json:"channel,omitempty"`
	SlackChannel string           `json:"slack_channel,omitempty"`
	Mention      string           `json:"mention,omitempty"`
}

// Rules are the operator's routing rules, in order: the first matching
// rule with a Slack channel decides the channel, and every matching rule's
// mention is made.
type Rules []Rule

// ParseRules reads rules from JSON (TRIAGE_ROUTES); empty text is no rules.
func ParseRules(text string) (Rules, error) {
	if strings.TrimSpace(text) == "" {
		return nil, nil
	}
	var rules Rules
	dec := json.NewDecoder(strings.NewReader(text))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&rules); err != nil {
		return nil, fmt.Errorf("routing rules: %w", err)
	}
	for i, r := range rules {
		if r.SlackChannel == "" && r.Mention == "" {
			return nil, fmt.Errorf("routing rule %d: needs slack_channel or mention", i+1)
		}
		for _, p := range r.Priorities {
			if !p.Valid() {
				return nil, fmt.Errorf("routing rule %d: unknown priority %q", i+1, p)
			}
		}
	}
	return rules, nil
}

// Match returns where a conversation goes: the Slack channel (fallback
// when no rule names one) and the user groups to mention.
func (rs Rules) Match(conv inbox.Conversation, t inbox.Triage, fallback string) (channel string, mentions []string) {
	channel = fallback
	chosen := false
	for _, r := range rs {
		if !r.matches(conv, t) {
			continue
		}
		if r.SlackChannel != "" && !chosen {
			channel, chosen = r.SlackChannel, true
		}
		if r.Mention != "" && !slices.Contains(mentions, r.Mention) {
			mentions = append(mentions, r.Mention)
		}
	}
	return channel, mentions
}

func (r Rule) matches(conv inbox.Conversation, t inbox.Triage) bool {
	return (len(r.Categories) == 0 || slices.Contains(r.Categories, t.Category)) &&
		(len(r.Priorities) == 0 || slices.Contains(r.Priorities, t.Priority)) &&
		(len(r.Channels) == 0 || slices.Contains(r.Channels, conv.Channel))
}
