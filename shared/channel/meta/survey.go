package meta

import (
	"github.com/switchboard-inbox/switchboard/shared/inbox"
)

// Limits of the answers a rating request offers, from Meta's references:
// a WhatsApp interactive list takes up to 10 rows of 24-character titles
// under a button of 20 characters, in sections titled in 24; Messenger and
// Instagram take up to 13 quick replies and show 20 characters of each.
const (
	maxListRows          = 10
	maxListButtonRunes   = 20
	maxListRowTitleRunes = 24
	maxSectionTitleRunes = 24
	maxQuickReplies      = 13
	maxQuickReplyRunes   = 20
)

// defaultListButton stands in for a survey without its Choose word:
// WhatsApp refuses a list without a button.
const defaultListButton = "Choose"

// waInteractiveList is the "interactive" object of a WhatsApp list
// message: the body, and a button that opens the rows.
type waInteractiveList struct {
	Type string `json:"type"`
	Body struct {
		Text string `json:"text"`
	} `json:"body"`
	Action struct {
		Button   string      `json:"button"`
		Sections []waSection `json:"sections"`
	} `json:"action"`
}

type waSection struct {
	Title string  `json:"title"`
	Rows  []waRow `json:"rows"`
}

type waRow struct {
	ID    string `json:"id"`
	Title string `json:"title"`
}

// quickReply is one Messenger or Instagram quick reply button.
type quickReply struct {
	ContentType string `json:"content_type"`
	Title       string `json:"title"`
	Payload     string `json:"payload"`
}

// offersSurvey reports whether m is a rating request with answers to
// offer; one without them goes out as plain text.
func offersSurvey(m inbox.Message) bool {
	return m.Survey != nil && len(m.Survey.Options) > 0
}

// whatsAppList renders a rating request as a list rather than reply
// buttons, which stop at three.
func whatsAppList(text string, s *inbox.Survey) *waInteractiveList {
	button := cut(s.Choose, maxListButtonRunes)
	if button == "" {
		button = defaultListButton
	}
	list := &waInteractiveList{Type: "list"}
	list.Body.Text = text
	list.Action.Button = button
	section := waSection{Title: cut(button, maxSectionTitleRunes)}
	for _, o := range bestFirst(s, maxListRows) {
		section.Rows = append(section.Rows, waRow{ID: o.Payload, Title: cut(o.Label, maxListRowTitleRunes)})
	}
	list.Action.Sections = []waSection{section}
	return list
}

// quickReplies renders a rating request's answers as quick replies.
func quickReplies(s *inbox.Survey) []quickReply {
	options := bestFirst(s, maxQuickReplies)
	replies := make([]quickReply, 0, len(options))
	for _, o := range options {
		replies = append(replies, quickReply{ContentType: "text", Title: cut(o.Label, maxQuickReplyRunes), Payload: o.Payload})
	}
	return replies
}

// bestFirst is the survey's options in the order customers read them, at
// most limit of them.
func bestFirst(s *inbox.Survey, limit int) []inbox.SurveyOption {
	sorted := s.BestFirst()
	return sorted[:min(len(sorted), limit)]
}

// cut keeps the first n characters of s.
func cut(s string, n int) string {
	i := 0
	for j := range s {
		if i == n {
			return s[:j]
		}
		i++
	}
	return s
}

// surveyAnswer reads a tapped button's payload as an answer to a rating
// request; any other payload is an ordinary button press.
func surveyAnswer(payload string) *inbox.SurveyAnswer {
	a, ok := inbox.ParseSurveyPayload(payload)
	if !ok {
		return nil
	}
	return &a
}
