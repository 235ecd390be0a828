package outbox

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"unicode/utf8"
)

// Limits on the answers a message offers, as the providers document them.
// Meta's are in characters, counted here as Go counts runes.
const (
	whatsAppListBodyLimit     = 4096
	whatsAppListButtonLimit   = 20
	whatsAppListRowTitleLimit = 24
	whatsAppListRowIDLimit    = 200
	whatsAppListSectionLimit  = 24
	whatsAppListMaxSections   = 10
	whatsAppListMaxRows       = 10
	quickReplyMaxCount        = 13
	quickReplyTitleShown      = 20
	callbackDataLimit         = 64
)

// whatsAppInvalid is the Cloud API's answer to a parameter out of its
// bounds, with what was wrong in error_data.details.
func whatsAppInvalid(details string) answer {
	return jsonAnswer(http.StatusBadRequest, map[string]any{"error": map[string]any{
		"message":    "(#131009) Parameter value is not valid",
		"type":       "OAuthException",
		"code":       131009,
		"error_data": map[string]string{"messaging_product": "whatsapp", "details": details},
		"fbtrace_id": "A" + randomHex(11),
	}})
}

// whatsAppInteractive describes an interactive message for the page: a
// list's body and rows, or any other kind as "[Interactive] body".
// problem is what the Cloud API would refuse in a list.
func whatsAppInteractive(raw json.RawMessage) (text string, options []string, problem string) {
	var obj struct {
		Type string `json:"type"`
		Body struct {
			Text string `json:"text"`
		} `json:"body"`
		Action struct {
			Button   string `json:"button"`
			Sections []struct {
				Title string `json:"title"`
				Rows  []struct {
					ID    string `json:"id"`
					Title string `json:"title"`
				} `json:"rows"`
			} `json:"sections"`
		} `json:"action"`
	}
	if json.Unmarshal(raw, &obj) != nil {
		return "", nil, "interactive must be an object with a type, a body and an action"
	}
	if obj.Type != "list" {
		return strings.TrimSpace("[Interactive] " + obj.Body.Text), nil, ""
	}
	action := obj.Action
	switch {
	case strings.TrimSpace(obj.Body.Text) == "":
		return "", nil, "Body text is required"
	case utf8.RuneCountInString(obj.Body.Text) > whatsAppListBodyLimit:
		return "", nil, fmt.Sprintf("Body text must be at most %d characters", whatsAppListBodyLimit)
	case action.Button == "" || utf8.RuneCountInString(action.Button) > whatsAppListButtonLimit:
		return "", nil, fmt.Sprintf("Button text must be 1 to %d characters", whatsAppListButtonLimit)
	case len(action.Sections) == 0 || len(action.Sections) > whatsAppListMaxSections:
		return "", nil, fmt.Sprintf("A list must have 1 to %d sections", whatsAppListMaxSections)
	}
	for _, section := range action.Sections {
		if utf8.RuneCountInString(section.Title) > whatsAppListSectionLimit || len(action.Sections) > 1 && section.Title == "" {
			return "", nil, fmt.Sprintf("Section title must be at most %d characters, and is required with more than one section", whatsAppListSectionLimit)
		}
		for _, row := range section.Rows {
			if row.ID == "" || utf8.RuneCountInString(row.ID) > whatsAppListRowIDLimit {
				return "", nil, fmt.Sprintf("Row id must be 1 to %d characters", whatsAppListRowIDLimit)
			}
			if row.Title == "" || utf8.RuneCountInString(row.Title) > whatsAppListRowTitleLimit {
				return "", nil, fmt.Sprintf("Row title must be 1 to %d characters", whatsAppListRowTitleLimit)
			}
			options = append(options, row.Title)
		}
	}
	if len(options) == 0 || len(options) > whatsAppListMaxRows {
		return "", nil, fmt.Sprintf("A list must have 1 to %d rows in all", whatsAppListMaxRows)
	}
	return obj.Body.Text, options, ""
}

// quickReply is a Messenger or Instagram quick reply; the payload may be a
// string or a number.
type quickReply struct {
	ContentType string          `json:"content_type"`
	Title       string          `json:"title"`
	Payload     json.RawMessage `json:"payload"`
}

// quickReplyTitles returns the titles as the customer sees them: Meta
// truncates rather than refuses a long one. problem is what the Send API
// would refuse.
func quickReplyTitles(replies []quickReply) (titles []string, problem string) {
	if len(replies) > quickReplyMaxCount {
		return nil, fmt.Sprintf("(#100) At most %d quick replies are allowed", quickReplyMaxCount)
	}
	for _, r := range replies {
		if r.ContentType != "text" {
			titles = append(titles, "["+title(r.ContentType)+"]")
			continue
		}
		if r.Title == "" || len(r.Payload) == 0 || string(r.Payload) == `""` {
			return nil, "(#100) A text quick reply needs a title and a payload"
		}
		titles = append(titles, firstRunes(r.Title, quickReplyTitleShown))
	}
	return titles, ""
}

// telegramKeyboard reads sendMessage's reply_markup, a JSON object, and
// returns the inline keyboard to echo in the sent Message with its
// buttons' texts. problem is the Bot API's description of what it would
// refuse.
func telegramKeyboard(raw string) (keyboard json.RawMessage, options []string, problem string) {
	if raw == "" {
		return nil, nil, ""
	}
	var markup struct {
		InlineKeyboard [][]struct {
			Text         string  `json:"text"`
			CallbackData *string `json:"callback_data"`
		} `json:"inline_keyboard"`
	}
	if json.Unmarshal([]byte(raw), &markup) != nil {
		return nil, nil, "Bad Request: can't parse reply keyboard markup JSON object"
	}
	for _, row := range markup.InlineKeyboard {
		for _, b := range row {
			if b.CallbackData != nil && (*b.CallbackData == "" || len(*b.CallbackData) > callbackDataLimit) {
				return nil, nil, "Bad Request: BUTTON_DATA_INVALID"
			}
			options = append(options, b.Text)
		}
	}
	if len(options) == 0 {
		return nil, nil, ""
	}
	return json.RawMessage(raw), options, ""
}

// firstRunes keeps the first n characters of s.
func firstRunes(s string, n int) string {
	i := 0
	for j := range s {
		if i == n {
			return s[:j]
		}
		i++
	}
	return s
}
