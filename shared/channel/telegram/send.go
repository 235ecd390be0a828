package telegram

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/switchboard-inbox/switchboard/shared/dispatch"
	"github.com/switchboard-inbox/switchboard/shared/inbox"
)

// MaxTextUnits is sendMessage's limit on text: 4096 characters, which
// Telegram counts in UTF-16 code units, as it does entity offsets.
const MaxTextUnits = 4096

// maxPartWait is the longest rate-limit pause Send sits out in place
// between the parts of a long reply.
const maxPartWait = 5 * time.Second

// Sender delivers agents' replies with sendMessage.
type Sender struct {
	BotToken string
	// APIURL replaces DefaultAPIURL.
	APIURL string
	// HTTP nil means a client with a 10 s timeout.
	HTTP *http.Client
}

// Send delivers m.Text to the chat conv.Address as plain text, with no
// parse_mode, so nothing an agent writes is read as markup; m.AuthorName
// is not added, as every message in the chat comes from the bot. A reply over
// MaxTextUnits goes out as several messages in order, split at a line
// break or space where one is near the limit; the first one's id is the
// message's ExternalID and the others' are its Aliases. If a later part
// fails the earlier ones have reached the customer, so the failure is
// permanent: retrying would send them twice. A rating request (m.Survey)
// carries its answers as an inline keyboard under the last part.
func (s *Sender) Send(ctx context.Context, conv inbox.Conversation, m inbox.Message) (inbox.Sent, error) {
	chatID, err := strconv.ParseInt(conv.Address, 10, 64)
	if err != nil {
		return inbox.Sent{}, &dispatch.PermanentError{Reason: fmt.Sprintf("%q is not a Telegram chat id", conv.Address)}
	}
	parts := splitText(m.Text, MaxTextUnits)
	if len(parts) == 0 {
		return inbox.Sent{}, &dispatch.PermanentError{Reason: "Telegram does not take an empty message"}
	}
	keyboard, err := surveyKeyboard(m.Survey)
	if err != nil {
		return inbox.Sent{}, err
	}
	c := &Client{BotToken: s.BotToken, APIURL: s.APIURL, HTTP: s.HTTP}
	var sent inbox.Sent
	for i, part := range parts {
		var markup *inlineKeyboard
		if i == len(parts)-1 {
			markup = keyboard
		}
		id, err := sendPart(ctx, c, chatID, part, markup, i > 0)
		if err != nil && i == 0 {
			return inbox.Sent{}, sendError(chatID, err)
		}
		if err != nil {
			return inbox.Sent{}, &dispatch.PermanentError{Reason: fmt.Sprintf(
				"only the first %d of %d parts of the reply reached the customer: %v", i, len(parts), err)}
		}
		ext := strconv.FormatInt(chatID, 10) + ":" + strconv.FormatInt(id, 10)
		if i == 0 {
			sent.ExternalID = ext
		} else {
			sent.Aliases = append(sent.Aliases, ext)
		}
	}
	return sent, nil
}

// sendPart sends one message and returns its id. A part after the first
// waits out a short rate limit once, since the reply is already half
// delivered.
func sendPart(ctx context.Context, c *Client, chatID int64, text string, markup *inlineKeyboard, mayWait bool) (int64, error) {
	params := struct {
		ChatID      int64           `json:"chat_id"`
		Text        string          `json:"text"`
		ReplyMarkup *inlineKeyboard `json:"reply_markup,omitempty"`
	}{chatID, text, markup}
	for attempt := 1; ; attempt++ {
		var res struct {
			MessageID int64 `json:"message_id"`
		}
		err := c.call(ctx, "sendMessage", params, &res)
		var apiErr *apiError
		if err != nil && mayWait && attempt == 1 && errors.As(err, &apiErr) && apiErr.retryable() &&
			time.Duration(apiErr.retryAfter)*time.Second <= maxPartWait {
			if err := pause(ctx, time.Duration(max(apiErr.retryAfter, 1))*time.Second); err != nil {
				return 0, err
			}
			continue
		}
		if err == nil && res.MessageID == 0 {
			err = errors.New("telegram sendMessage: no message_id in the answer")
		}
		return res.MessageID, err
	}
}

func pause(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// sendError makes a refusal retrying cannot change (the customer blocked
// the bot, the chat is gone) permanent; rate limits, Telegram's own
// failures and network errors stay retryable.
func sendError(chatID int64, err error) error {
	var apiErr *apiError
	if errors.As(err, &apiErr) && !apiErr.retryable() {
		return &dispatch.PermanentError{Reason: fmt.Sprintf("Telegram refused the reply (%d): %s", apiErr.code, apiErr.description)}
	}
	return fmt.Errorf("send to telegram chat %d: %w", chatID, err)
}

// splitText cuts text into parts of at most limit UTF-16 code units,
// preferring a line break, then a space, in the second half of each part.
// Surrounding whitespace is dropped, as Telegram drops it.
func splitText(text string, limit int) []string {
	var parts []string
	for {
		text = strings.TrimSpace(text)
		if text == "" {
			return parts
		}
		cut := prefixWithin(text, limit)
		if cut == 0 {
			// A limit below one character still makes progress.
			_, cut = utf8.DecodeRuneInString(text)
		}
		if cut < len(text) {
			if i := strings.LastIndexByte(text[:cut], '\n'); i > cut/2 {
				cut = i
			} else if i := strings.LastIndexByte(text[:cut], ' '); i > cut/2 {
				cut = i
			}
		}
		parts = append(parts, strings.TrimSpace(text[:cut]))
		text = text[cut:]
	}
}

// prefixWithin returns the byte length of the longest prefix of s that is
// at most limit UTF-16 code units, ending on a character boundary.
func prefixWithin(s string, limit int) int {
	units := 0
	for i, r := range s {
		n := utf16.RuneLen(r)
		if n < 0 {
			n = 1
		}
		if units+n > limit {
			return i
		}
		units += n
	}
	return len(s)
}
