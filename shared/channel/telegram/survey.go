package telegram

import (
	"fmt"
	"strconv"

	"github.com/switchboard-inbox/switchboard/shared/dispatch"
	"github.com/switchboard-inbox/switchboard/shared/inbox"
)

// maxCallbackDataBytes is the Bot API's limit on a button's callback_data.
const maxCallbackDataBytes = 64

// inlineKeyboard is an InlineKeyboardMarkup: rows of buttons under a
// message. Sent with a rating request; read back from the message a
// pressed button belongs to.
type inlineKeyboard struct {
	InlineKeyboard [][]inlineButton `json:"inline_keyboard"`
}

type inlineButton struct {
	Text         string `json:"text"`
	CallbackData string `json:"callback_data,omitempty"`
}

// surveyKeyboard offers a rating request's answers one per row, best
// score first, as customers read down. It returns nil for a message that
// offers none.
func surveyKeyboard(s *inbox.Survey) (*inlineKeyboard, error) {
	if s == nil || len(s.Options) == 0 {
		return nil, nil
	}
	options := s.BestFirst()
	k := &inlineKeyboard{}
	for _, o := range options {
		if o.Payload == "" || len(o.Payload) > maxCallbackDataBytes {
			return nil, &dispatch.PermanentError{Reason: fmt.Sprintf(
				"the rating option %d has a payload of %d bytes; Telegram buttons carry 1 to %d", o.Score, len(o.Payload), maxCallbackDataBytes)}
		}
		text := strconv.Itoa(o.Score)
		if o.Label != "" {
			text += " · " + o.Label
		}
		k.InlineKeyboard = append(k.InlineKeyboard, []inlineButton{{Text: text, CallbackData: o.Payload}})
	}
	return k, nil
}

// buttonText is the text of the button on m that sends data, or "" when
// m shows none (the message is too old for Telegram to include, or the
// data did not come from its keyboard).
func (m *message) buttonText(data string) string {
	if m == nil || m.ReplyMarkup == nil {
		return ""
	}
	for _, row := range m.ReplyMarkup.InlineKeyboard {
		for _, b := range row {
			if b.CallbackData == data {
				return b.Text
			}
		}
	}
	return ""
}
