package telegram

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/switchboard-inbox/switchboard/shared/inbox"
)

// update is the part of a Bot API Update the handler reads
// (core.telegram.org/bots/api#update).
type update struct {
	UpdateID      int64          `json:"update_id"`
	Message       *message       `json:"message"`
	EditedMessage *message       `json:"edited_message"`
	CallbackQuery *callbackQuery `json:"callback_query"`
}

type user struct {
	ID        int64  `json:"id"`
	FirstName string `json:"first_name"`
	LastName  string `json:"last_name"`
	Username  string `json:"username"`
}

// name is how agents see the person: their name, else their username.
func (u user) name() string {
	if n := strings.TrimSpace(u.FirstName + " " + u.LastName); n != "" {
		return n
	}
	return u.Username
}

type chat struct {
	ID        int64  `json:"id"`
	Type      string `json:"type"`
	Title     string `json:"title"`
	FirstName string `json:"first_name"`
	LastName  string `json:"last_name"`
	Username  string `json:"username"`
}

type file struct {
	FileID   string `json:"file_id"`
	FileSize int64  `json:"file_size"`
	MIMEType string `json:"mime_type"`
	FileName string `json:"file_name"`
}

type photoSize struct {
	file
	Width  int64 `json:"width"`
	Height int64 `json:"height"`
}

type location struct {
	Latitude  float64 `json:"latitude"`
	Longitude float64 `json:"longitude"`
}

type message struct {
	MessageID int64       `json:"message_id"`
	From      *user       `json:"from"`
	Chat      chat        `json:"chat"`
	Text      string      `json:"text"`
	Caption   string      `json:"caption"`
	Photo     []photoSize `json:"photo"`
	Animation *file       `json:"animation"`
	Document  *file       `json:"document"`
	Video     *file       `json:"video"`
	VideoNote *file       `json:"video_note"`
	Voice     *file       `json:"voice"`
	Audio     *struct {
		file
		Title     string `json:"title"`
		Performer string `json:"performer"`
	} `json:"audio"`
	Sticker *struct {
		Emoji string `json:"emoji"`
	} `json:"sticker"`
	Location *location `json:"location"`
	Venue    *struct {
		Title   string `json:"title"`
		Address string `json:"address"`
	} `json:"venue"`
	Contact *struct {
		PhoneNumber string `json:"phone_number"`
		FirstName   string `json:"first_name"`
		LastName    string `json:"last_name"`
	} `json:"contact"`
	// ReplyMarkup is the keyboard of a message the bot sent, as a
	// callback query carries it back.
	ReplyMarkup *inlineKeyboard `json:"reply_markup"`

	// other lists the message's fields that are neither read above nor
	// envelope, sorted: what names an unsupported kind.
	other []string
}

// envelope lists Message fields that describe a message rather than
// carry its content, so they never name its kind.
var envelope = map[string]bool{
	"message_id": true, "message_thread_id": true, "from": true, "sender_chat": true,
	"sender_boost_count": true, "sender_business_bot": true, "date": true, "business_connection_id": true,
	"chat": true, "forward_origin": true, "forward_from": true, "forward_from_chat": true,
	"forward_from_message_id": true, "forward_signature": true, "forward_sender_name": true,
	"forward_date": true, "is_topic_message": true, "is_automatic_forward": true,
	"reply_to_message": true, "external_reply": true, "quote": true, "reply_to_story": true,
	"via_bot": true, "edit_date": true, "has_protected_content": true, "is_from_offline": true,
	"media_group_id": true, "author_signature": true, "entities": true, "link_preview_options": true,
	"effect_id": true, "caption_entities": true, "show_caption_above_media": true,
	"has_media_spoiler": true, "reply_markup": true, "paid_star_count": true,
	// Read above, or beside what is read (a venue carries a location,
	// an animation a document), so never the unsupported kind.
	"text": true, "caption": true, "photo": true, "animation": true, "document": true,
	"video": true, "video_note": true, "voice": true, "audio": true, "sticker": true,
	"location": true, "venue": true, "contact": true,
}

// UnmarshalJSON decodes a message and notes which of its fields carry
// content this package does not read.
func (m *message) UnmarshalJSON(b []byte) error {
	type plain message
	if err := json.Unmarshal(b, (*plain)(m)); err != nil {
		return err
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(b, &fields); err != nil {
		return err
	}
	m.other = m.other[:0]
	for k := range fields {
		if !envelope[k] {
			m.other = append(m.other, k)
		}
	}
	slices.Sort(m.other)
	return nil
}

type callbackQuery struct {
	ID      string   `json:"id"`
	From    user     `json:"from"`
	Message *message `json:"message"`
	Data    string   `json:"data"`
}

// parseUpdate decodes an update. Whatever the body, it returns an update
// with an update_id or an error (FuzzParseUpdate holds it to that).
func parseUpdate(body []byte) (update, error) {
	var u update
	if err := json.Unmarshal(body, &u); err != nil {
		return update{}, fmt.Errorf("update is not valid JSON: %w", err)
	}
	if u.UpdateID <= 0 {
		return update{}, errors.New("update has no update_id")
	}
	return u, nil
}

// note is an update as a message to ingest, before its file is stored and
// its deep link checked.
type note struct {
	updateID int64
	chatID   int64
	chatType string
	name     string
	edited   bool
	// label is the bracketed placeholder for anything but text.
	label string
	// text is the message's text or its media's caption.
	text string
	// file is the media to fetch with getFile.
	file *fileRef
	// start marks a /start command; payload is its deep-link payload.
	start   bool
	payload string
	// answer is the rating a survey button gave.
	answer *inbox.SurveyAnswer
}

// fileRef is a file Telegram holds for the bot.
type fileRef struct {
	id   string
	size int64
	name string
	// contentType is what Telegram declared, else a default for the kind.
	contentType string
}

// incoming turns an update into a note; it returns why instead when the
// update is not a customer message.
func incoming(u update) (note, string) {
	switch {
	case u.Message != nil:
		return fromMessage(u.UpdateID, u.Message, false)
	case u.EditedMessage != nil:
		if m := u.EditedMessage; m.Location != nil && m.Venue == nil {
			return note{}, "live location update"
		}
		return fromMessage(u.UpdateID, u.EditedMessage, true)
	case u.CallbackQuery != nil:
		return fromCallback(u.UpdateID, u.CallbackQuery)
	}
	return note{}, "not a message"
}

func fromMessage(updateID int64, m *message, edited bool) (note, string) {
	if m.Chat.ID == 0 {
		return note{}, "message without a chat"
	}
	n := note{updateID: updateID, chatID: m.Chat.ID, chatType: m.Chat.Type, edited: edited, name: senderName(m)}
	describe(&n, m)
	return n, ""
}

// senderName is the sender's name, or the chat's when Telegram hides the
// sender (an anonymous group admin).
func senderName(m *message) string {
	if m.From != nil {
		if n := m.From.name(); n != "" {
			return n
		}
	}
	if m.Chat.Title != "" {
		return m.Chat.Title
	}
	return user{FirstName: m.Chat.FirstName, LastName: m.Chat.LastName, Username: m.Chat.Username}.name()
}

// describe sets a note's text, placeholder and file from the message's
// kind. Text-only checks come first: a venue also carries a location and
// an animation also carries a document.
func describe(n *note, m *message) {
	n.text = m.Caption
	switch {
	case m.Text != "":
		n.text = m.Text
		if cmd, payload, _ := strings.Cut(m.Text, " "); !n.edited && (cmd == "/start" || strings.HasPrefix(cmd, "/start@")) {
			n.start, n.payload, n.text = true, strings.TrimSpace(payload), ""
		}
	case len(m.Photo) > 0:
		// Photos are JPEG; the sizes are the same picture scaled.
		best := largest(m.Photo)
		n.label, n.file = "Photo", &fileRef{id: best.FileID, size: best.FileSize, contentType: "image/jpeg"}
	case m.Animation != nil:
		n.label, n.file = "GIF", ref(*m.Animation, "video/mp4")
	case m.Document != nil:
		n.label, n.file = "Document", ref(*m.Document, "application/octet-stream")
		if m.Document.FileName != "" {
			n.label += ": " + m.Document.FileName
		}
	case m.Video != nil:
		n.label, n.file = "Video", ref(*m.Video, "video/mp4")
	case m.VideoNote != nil:
		n.label, n.file = "Video message", ref(*m.VideoNote, "video/mp4")
	case m.Voice != nil:
		n.label, n.file = "Voice message", ref(*m.Voice, "audio/ogg")
	case m.Audio != nil:
		n.label, n.file = "Audio", ref(m.Audio.file, "audio/mpeg")
		if title := joinNonEmpty(" - ", m.Audio.Performer, m.Audio.Title); title != "" {
			n.label += ": " + title
		} else if m.Audio.FileName != "" {
			n.label += ": " + m.Audio.FileName
		}
	case m.Sticker != nil:
		n.label = strings.TrimSpace("Sticker " + m.Sticker.Emoji)
	case m.Venue != nil && m.Location != nil:
		n.label = fmt.Sprintf("Location: %s, %s (%s)", m.Venue.Title, m.Venue.Address, coordinates(*m.Location))
	case m.Location != nil:
		n.label = "Location: " + coordinates(*m.Location)
	case m.Contact != nil:
		c := m.Contact
		n.label = "Contact: " + joinNonEmpty(", ", strings.TrimSpace(c.FirstName+" "+c.LastName), c.PhoneNumber)
	default:
		kind := "unknown"
		if len(m.other) > 0 {
			kind = m.other[0]
		}
		n.label = "Unsupported message type: " + kind
	}
}

func ref(f file, defaultType string) *fileRef {
	r := &fileRef{id: f.FileID, size: f.FileSize, name: f.FileName, contentType: f.MIMEType}
	if r.contentType == "" {
		r.contentType = defaultType
	}
	return r
}

// largest picks the biggest size of a photo; Telegram lists them smallest
// first, but nothing promises it.
func largest(sizes []photoSize) photoSize {
	best := sizes[0]
	for _, s := range sizes[1:] {
		if s.Width*s.Height > best.Width*best.Height ||
			s.Width*s.Height == best.Width*best.Height && s.FileSize > best.FileSize {
			best = s
		}
	}
	return best
}

func joinNonEmpty(sep string, parts ...string) string {
	return strings.Join(slices.DeleteFunc(parts, func(s string) bool { return s == "" }), sep)
}

func coordinates(l location) string {
	return strconv.FormatFloat(l.Latitude, 'f', -1, 64) + ", " + strconv.FormatFloat(l.Longitude, 'f', -1, 64)
}

// fromCallback turns a button press into a message whose text is the
// button's data. A button on a message sent through inline mode has no
// message; the chat is then the presser's private chat, whose id is their
// user id. A rating request's button answers it, and reads as the
// button's words when the message still shows them.
func fromCallback(updateID int64, q *callbackQuery) (note, string) {
	chatID, chatType := q.From.ID, "private"
	if q.Message != nil {
		chatID, chatType = q.Message.Chat.ID, q.Message.Chat.Type
	}
	if chatID == 0 {
		return note{}, "button press without a chat"
	}
	n := note{updateID: updateID, chatID: chatID, chatType: chatType, name: q.From.name(), text: q.Data}
	if q.Data == "" {
		n.label = "Pressed a button"
	}
	if a, ok := inbox.ParseSurveyPayload(q.Data); ok {
		n.answer = &a
		if text := q.Message.buttonText(q.Data); text != "" {
			n.text = text
		}
	}
	return n, ""
}

// render is the message's text: the placeholder, then the text or caption.
func (n note) render() string {
	var b strings.Builder
	if n.edited {
		b.WriteString("[Edited] ")
	}
	if n.label != "" {
		b.WriteString("[" + n.label + "]")
		if n.text != "" {
			b.WriteString("\n")
		}
	}
	b.WriteString(n.text)
	return b.String()
}
