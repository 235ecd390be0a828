package slackui

import (
	"fmt"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/switchboard-inbox/switchboard/shared/inbox"
	"github.com/switchboard-inbox/switchboard/shared/slackapp"
)

var snoozeLabels = []struct {
	option inbox.SnoozeOption
	label  string
}{
	{inbox.SnoozeHour, "For 1 hour"},
	{inbox.SnoozeTomorrow, "Until tomorrow morning"},
	{inbox.SnoozeNextWeek, "Until next week"},
}

var priorityLabels = map[inbox.Priority]string{
	inbox.PriorityLow:    ":white_circle: Low",
	inbox.PriorityNormal: ":large_blue_circle: Normal",
	inbox.PriorityHigh:   ":large_orange_circle: High",
	inbox.PriorityUrgent: ":red_circle: Urgent",
}

var sentimentLabels = map[inbox.Sentiment]string{
	inbox.SentimentNegative: ":disappointed: negative",
	inbox.SentimentNeutral:  ":neutral_face: neutral",
	inbox.SentimentPositive: ":slightly_smiling_face: positive",
}

// Card is the Block Kit card at the root of a conversation's thread: who
// the customer is, where the conversation stands, what triage made of it,
// and the controls to act on it. Everything the customer or a model wrote
// is escaped.
func Card(conv inbox.Conversation, p inbox.Profile, notePrefix string) []slack.Block {
	name := Escape(customerName(conv, inbox.Message{}))
	title := conv.Channel.Label() + " conversation with " + plainName(conv)
	if conv.Status == inbox.StatusResolved {
		title = "Resolved · " + title
	}
	blocks := []slack.Block{
		slack.NewHeaderBlock(plain(Truncate(title, 150))),
		slack.NewSectionBlock(nil, []*slack.TextBlockObject{
			md("*Customer*\n" + name),
			md("*Channel*\n" + conv.Channel.Label()),
			md("*Status*\n" + statusLine(conv)),
			md("*Assignee*\n" + assigneeLine(conv)),
			md("*Priority*\n" + priorityLine(conv.Priority)),
			md("*Waiting*\n" + waitingLine(conv)),
		}, nil),
		slack.NewSectionBlock(md(profileText(p)), nil, nil),
	}
	if t := conv.Triage; t != nil {
		blocks = append(blocks, slack.NewSectionBlock(md(triageText(*t)), nil, nil))
	}
	blocks = append(blocks,
		slack.NewSectionBlock(md("*First message*\n"+Quote(Escape(Truncate(conv.FirstMessageText, cardExcerptRunes)))), nil, nil),
		actions(conv),
		slack.NewContextBlock("", md(fmt.Sprintf("%s · conversation `%s` · reply in this thread to answer the customer; start with `%s` for an internal note",
			slackDate(conv.OpenedAt, "Opened {date_short_pretty} at {time}"), conv.ID, Escape(notePrefix)))),
	)
	return blocks
}

func actions(conv inbox.Conversation) slack.Block {
	var elems []slack.BlockElement
	if conv.Status == inbox.StatusResolved {
		elems = append(elems, slack.NewButtonBlockElement(slackapp.ActionReopen, conv.ID, plain("Reopen")))
	} else {
		assign := "Assign to me"
		if conv.AssigneeID != "" {
			assign = "Take over"
		}
		elems = append(elems,
			slack.NewButtonBlockElement(slackapp.ActionAssign, conv.ID, plain(assign)),
			slack.NewButtonBlockElement(slackapp.ActionResolve, conv.ID, plain("Resolve")).WithStyle(slack.StylePrimary),
		)
		var snooze []*slack.OptionBlockObject
		for _, s := range snoozeLabels {
			snooze = append(snooze, slack.NewOptionBlockObject(string(s.option), plain(s.label), nil))
		}
		elems = append(elems, slack.NewOptionsSelectBlockElement(slack.OptTypeStatic, plain("Snooze"), slackapp.ActionSnooze, snooze...))
	}
	var prio []*slack.OptionBlockObject
	for _, p := range inbox.Priorities {
		prio = append(prio, slack.NewOptionBlockObject(string(p), plain(strings.ToUpper(string(p[:1]))+string(p[1:])), nil))
	}
	elems = append(elems, slack.NewOptionsSelectBlockElement(slack.OptTypeStatic, plain("Priority"), slackapp.ActionPriority, prio...))
	if t := conv.Triage; t != nil && t.SuggestedReply != "" && conv.Status != inbox.StatusResolved {
		elems = append(elems, slack.NewButtonBlockElement(slackapp.ActionSuggestedReply, conv.ID, plain("Use suggested reply")))
	}
	return slack.NewActionBlock(slackapp.ActionsBlockID(conv.ID), elems...)
}

func statusLine(conv inbox.Conversation) string {
	line := statusLabel(conv.Status)
	if conv.Status == inbox.StatusSnoozed && !conv.SnoozedUntil.IsZero() {
		line += " until " + slackDate(conv.SnoozedUntil, "{date_short_pretty} {time}")
	}
	if conv.ReopenCount > 0 {
		line += fmt.Sprintf("\n:arrows_counterclockwise: reopened %s", times(conv.ReopenCount))
	}
	return line
}

func times(n int) string {
	if n == 1 {
		return "once"
	}
	return fmt.Sprintf("%d times", n)
}

func assigneeLine(conv inbox.Conversation) string {
	if conv.AssigneeID == "" {
		return "Unassigned"
	}
	return "<@" + conv.AssigneeID + ">"
}

func priorityLine(p inbox.Priority) string {
	if label, ok := priorityLabels[p]; ok {
		return label
	}
	return "Not set"
}

func waitingLine(conv inbox.Conversation) string {
	if conv.WaitingSince.IsZero() {
		return "Answered"
	}
	return ":hourglass_flowing_sand: since " + slackDate(conv.WaitingSince, "{ago}")
}

func profileText(p inbox.Profile) string {
	var known []string
	for _, id := range p.Identities {
		known = append(known, id.Channel.Label()+": "+Escape(Truncate(id.Address, 80)))
	}
	text := "*Known as*\n" + strings.Join(known, " · ")
	if len(known) == 0 {
		text = "*Known as*\nNo stored identities"
	}
	text += "\n*History*\n"
	switch past := p.Conversations - 1; {
	case past <= 0:
		text += "First conversation"
	case past == 1:
		text += "1 past conversation, the last " + slackDate(p.PreviousOpenedAt, "{date_short_pretty}")
	default:
		text += fmt.Sprintf("%d past conversations, the last %s", past, slackDate(p.PreviousOpenedAt, "{date_short_pretty}"))
	}
	if p.LastCSAT > 0 {
		text += fmt.Sprintf(" · last rating %s %d/5", strings.Repeat(":star:", p.LastCSAT), p.LastCSAT)
	} else {
		text += " · not rated yet"
	}
	return text
}

func triageText(t inbox.Triage) string {
	parts := []string{"*" + Escape(t.Category) + "*"}
	if label, ok := sentimentLabels[t.Sentiment]; ok {
		parts = append(parts, label)
	}
	if t.Language != "" {
		parts = append(parts, "language `"+Escape(t.Language)+"`")
	}
	text := "*Triage* (" + t.Source + ")\n" + strings.Join(parts, " · ")
	if t.Summary != "" {
		text += "\n" + Quote(Escape(Truncate(t.Summary, 300)))
	}
	if t.NeedsHumanReason != "" {
		text += "\n:raising_hand: " + Escape(Truncate(t.NeedsHumanReason, 200))
	}
	return text
}

// slackDate renders t in each reader's own time zone, with a UTC fallback
// for clients that cannot.
func slackDate(t time.Time, format string) string {
	if t.IsZero() {
		return "unknown"
	}
	return fmt.Sprintf("<!date^%d^%s|%s>", t.Unix(), format, t.UTC().Format("2006-01-02 15:04 UTC"))
}

func md(text string) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.MarkdownType, text, false, false)
}

func plain(text string) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.PlainTextType, text, false, false)
}

// plainName is the customer's name for plain_text fields, which Slack
// never formats, so it needs no escaping.
func plainName(conv inbox.Conversation) string {
	return Truncate(customerName(conv, inbox.Message{}), 60)
}

func statusLabel(s inbox.Status) string {
	switch s {
	case inbox.StatusResolved:
		return ":white_check_mark: Resolved"
	case inbox.StatusPending:
		return ":hourglass: Pending"
	case inbox.StatusSnoozed:
		return ":zzz: Snoozed"
	default:
		return ":large_green_circle: Open"
	}
}
